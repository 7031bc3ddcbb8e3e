//! Server-rendered building blocks shared by pages.

pub mod empty;
pub mod nav;
pub mod status_badge;
