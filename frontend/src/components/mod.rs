//! Server-rendered building blocks shared by pages.

pub mod alerts;
pub mod banner;
pub mod empty;
pub mod events;
pub mod health;
pub mod live_region;
pub mod nav;
pub mod notices;
pub mod page_title;
pub mod pods;
pub mod route_checks;
pub mod status_badge;
pub mod table_region;
pub mod uptime;
pub mod when;
