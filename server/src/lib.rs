//! The homelab control plane server: everything that touches the world (Kubernetes, SQLite, the
//! identity provider, HTTP). The pages themselves live in the `frontend` crate and reach this
//! crate's data through the traits of `frontend::source`, provided as context.
//!
//! # Layout
//! - [`aar`]: after-action reviews: Markdown import and export, rendering, search, the form.
//! - [`alerts`]: Alertmanager's alerts, read on an interval into the caches.
//! - [`checks`]: outside-in checks of every HTTPRoute: status, latency, certificate expiry.
//! - [`config`]: the TOML file and `HOMELAB_*` overrides, validated at start.
//! - [`cluster`]: watch caches (live or demo) and the pure views over them.
//! - [`actions`]: the guarded admin actions, their one guard, and the audit log.
//! - [`auth`]: sessions, sign-in, and the one access policy.
//! - [`db`]: the SQLite pool and migrations.
//! - [`history`]: the services' status history, recorded from the caches.
//! - [`drills`]: restore drills: Velero restores into scratch namespaces, followed and compared.
//! - [`demo_history`]: the demo homelab's AARs, past actions and status week, for a fresh demo.
//! - [`evidence`]: Warning events and backup runs kept for AAR timelines, recorded from the caches.
//! - [`notices`]: notices and maintenance windows admins post for the Status page.
//! - [`notify`]: messages to ntfy and webhooks when a service, node, volume or backup changes.
//! - [`http`]: router, middleware, errors, health endpoints.
//! - [`bench`]: `homelab bench`, benchmarks that print figures.
//! - [`metrics`]: what `/metrics` reports to Prometheus.
//! - [`startup`]: wiring it all together for `homelab serve`.

pub mod aar;
pub mod actions;
pub mod alerts;
pub mod auth;
pub mod bench;
pub mod checks;
pub mod cluster;
pub mod config;
pub mod db;
pub mod demo_history;
pub mod drills;
pub mod evidence;
pub mod history;
pub mod http;
pub mod metrics;
pub mod notices;
pub mod notify;
pub mod startup;
pub mod state;
