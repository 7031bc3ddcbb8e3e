//! Views: pure functions from cache snapshots to the shared view types. No I/O here, so each is
//! unit-tested with fixtures.

pub mod nodes;
pub mod quantity;

#[cfg(test)]
pub mod fixtures;
