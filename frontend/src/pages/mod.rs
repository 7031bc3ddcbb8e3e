//! One module per page. Pages render on the server only: they read the cluster and database
//! sources from context directly, and embed islands where something must react in the browser.

pub mod aars;
pub mod actions;
pub mod alerts;
pub mod backups;
pub mod drills;
pub mod events;
pub mod gitops;
pub mod incident;
pub mod logs;
pub mod not_found;
pub mod notices;
pub mod notifications;
pub mod services;
pub mod status;
pub mod storage;
pub mod topology;
