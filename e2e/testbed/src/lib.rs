//! Real components for the test suite, started on 127.0.0.1 on free ports and stopped by PID.
//!
//! - [`cluster`]: kube-apiserver and etcd built from the Go module proxy, with the homelab's CRDs;
//!   a running cluster adds the scheduler, the workload controllers and [`kubelets`] (kwok).
//! - [`oidc`]: the npm `oidc-provider`, configured the way Authentik serves an application.
//! - [`alertmanager`]: Prometheus's Alertmanager built from the Go module proxy, with a receiver
//!   that sends nothing; alerts and silences through its API v2.
//! - [`velero`]: Velero's server and its AWS plugin built from the Go module proxy, backing up to
//!   a real S3 server (versitygw) on 127.0.0.1.
//! - [`poll`]: waiting for what a cluster does by itself.

pub mod alertmanager;
pub mod cluster;
pub mod demo;
pub mod gateway;
pub mod kubelets;
pub mod oidc;
pub mod poll;
mod processes;
pub mod velero;
