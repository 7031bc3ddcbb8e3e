//! The server's one integration test binary (each file directly in `tests/` would be another
//! slow link): the homelab server started in-process on 127.0.0.1, against real components.
//!
//! - [`aars`]: the AAR pages: admins only, forms, concurrent saves, import, search, open items.
//! - [`support`]: starting the server, a browser-like HTTP client, captured logs.
//! - [`cluster`]: the watch caches against a real kube-apiserver (`testbed::cluster`).
//! - [`backups`]: the Backups, Storage and GitOps views against the real Velero, Longhorn and
//!   Flux CRDs.
//! - [`actions`]: guarded actions as the shipped ServiceAccount, and their audit entries.
//! - [`actions_backup`]: back up now (from a schedule, ad hoc), Velero's traps, back up first,
//!   and pointing a Released volume at a claim.
//! - [`actions_faults`]: actions meeting an old authentication, a deleted target, a change in
//!   between (409), a policy's 422, and the refusals of "back up first" and of every kind.
//! - [`actions_impersonate`]: actions sent as the signed-in admin, under the cluster's RBAC.
//! - [`api`]: the JSON status API and its read-only token.
//! - [`running`]: the control plane against a running cluster with the demo homelab applied
//!   (`testbed::demo`): scaling and restarts that make and remove real pods.
//! - [`checks`]: outside-in route checks against a real HTTPS server standing in for the
//!   Gateway: code, latency, certificate days, a failing route, an open protected one.
//! - [`notify`]: notifications of the running cluster's changes to a real receiver, across a
//!   restart; failed deliveries retried, counted and shown.
//! - [`history`]: the status history recorded from a real cluster's changes.
//! - [`evidence`]: Warning events and backups recorded for AARs, offered and attached.
//! - [`compose`]: docker-compose.yml against the Compose specification's schema.
//! - [`db`]: `homelab db backup` and `check`, as the real binary, under a write load.
//! - [`demo_history`]: the demo homelab's past on a fresh demo database, written once.
//! - [`dockerfile`]: the Dockerfile check on a target directory outside the checkout.
//! - [`deploy`]: the manifests of `deploy/` against the real API server, and the ClusterRole
//!   against the permissions the code declares.
//! - [`paths`]: every route of the router as family, anonymous and foreign origin, through every
//!   path form.
//! - [`shutdown`]: SIGTERM with 50 live streams open: exit 0 within 2 s, the database intact.
//! - [`http`]: exit code 2, HSTS, JSON logs, brotli, immutable assets, 413 and 408, from outside.
//! - [`metrics`]: `/metrics` in the Prometheus text format, and who may read it.
//! - [`auth`]: sign-in through a real OpenID Connect provider (`testbed::oidc`), sessions, CSRF.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and their helpers: a panic is a failed test with its location"
)]

mod aars;
mod actions;
mod actions_backup;
mod actions_faults;
mod actions_impersonate;
mod api;
mod auth;
mod backups;
mod checks;
mod cluster;
mod compose;
mod db;
mod demo_history;
mod deploy;
mod dockerfile;
mod drills;
mod evidence;
mod history;
mod http;
mod imports;
mod metrics;
mod notify;
mod pages;
mod paths;
mod running;
mod shutdown;
mod support;
