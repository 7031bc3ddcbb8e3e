//! Evidence from the cluster for after-action reviews: the Kubernetes Warning events and the
//! Velero backup runs the watch caches see are kept in SQLite for `evidence.keep_days`, so an
//! AAR written days after an incident can still put them on its timeline (the API server forgets
//! events after an hour). Together with the audit log of guarded actions, an AAR's editor is
//! offered what happened in its incident window, filtered by the services and nodes it concerns.
//!
//! - [`record`]: watch-cache objects to the rows kept (pure).
//! - [`store`]: their SQL: upserts, pruning, and what a window holds.
//! - [`offer`]: what an AAR is offered, filtered and worded as timeline entries (pure).
//! - [`recorder`]: the task that follows the caches and prunes.

pub mod offer;
pub mod record;
pub mod recorder;
pub mod store;
