//! SQL for after-action reviews: the AARs, their action items, their revisions and the search
//! index, written together in one transaction per change so that they never disagree.
//!
//! One module per concern; this file only declares them and re-exports the functions callers use
//! (as `db::aar::create` and so on):
//!
//! - `version`: one version as stored and loaded back (the row, its items, its revision, its
//!   index row), the write transaction, and [`Author`]. What the others build on.
//! - `edit`: the changes (create, save, attach evidence, set an action item), each a new version
//!   refused as stale when based on an older one.
//! - `read`: one AAR, its revisions, the filtered list, open items and the filters' choices.
//! - `search`: the full-text search, ranked and with snippets.
//! - `import`: many AARs in one transaction, matched on title and date.
//! - `fixtures` (tests only): a fresh database and a sample AAR for the tests of the others.

mod edit;
#[cfg(test)]
mod fixtures;
mod import;
mod read;
mod search;
mod version;

pub use edit::{attach_evidence, create, set_item_status, update, update_item};
pub use import::{import, ImportReport};
pub use read::{all, facets, get, list, open_items, revision, revisions, titles};
pub use search::search;
pub use version::Author;
