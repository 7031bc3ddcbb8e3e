//! The changes to an AAR: create, save over a version, attach evidence, set an action item. Each
//! is one write transaction that makes a new version only when something differs, and is refused
//! as stale when based on an older version than the stored one.

use frontend::model::aar::{Aar, AarContent, ActionItem, ItemStatus, TimelineEntry};
use sqlx::SqlitePool;

use super::read::get;
use super::version::{insert, load, stale, write, write_tx, Author};
use crate::aar::diff;
use crate::aar::form::ItemChange;
use crate::db::DbError;

/// Stores a new AAR as version 1.
#[tracing::instrument(skip_all)]
pub async fn create(pool: &SqlitePool, content: &AarContent, by: &Author) -> Result<Aar, DbError> {
    let mut tx = write_tx(pool).await?;
    let id = insert(&mut tx, content, by, "created").await?;
    tx.commit().await?;
    get(pool, id).await
}

/// Saves `content` over AAR `id` if `based_on` is still its version; otherwise refuses with
/// [`DbError::Stale`] and writes nothing. A save that changes nothing makes no new version.
#[tracing::instrument(skip_all, fields(id))]
pub async fn update(
    pool: &SqlitePool,
    id: i64,
    based_on: i64,
    content: &AarContent,
    by: &Author,
) -> Result<Aar, DbError> {
    revise(pool, id, based_on, by, |current, next| {
        *next = keep_evidence(current, content);
        Ok(None)
    })
    .await
}

/// The one way an AAR changes: in a write transaction, refused with [`DbError::Stale`] unless
/// `based_on` is still its version; `change` edits a copy of the current content (and may name
/// the change, else the fields that differ name it); a new version is written only when
/// something differs.
async fn revise(
    pool: &SqlitePool,
    id: i64,
    based_on: i64,
    by: &Author,
    change: impl FnOnce(&AarContent, &mut AarContent) -> Result<Option<&'static str>, DbError>,
) -> Result<Aar, DbError> {
    let mut tx = write_tx(pool).await?;
    let current = load(&mut tx, id).await?;
    if current.version != based_on {
        return Err(stale(&current, based_on));
    }
    let mut content = current.content.clone();
    let named = change(&current.content, &mut content)?;
    if let Some(changes) = diff::changes(&current.content, &content) {
        let changes = named.map(str::to_owned).unwrap_or(changes);
        write(&mut tx, &current, &content, by, &changes).await?;
    }
    tx.commit().await?;
    get(pool, id).await
}

/// Sets an item's status; a done one keeps its done date (else `today`), others have none.
fn set_status(item: &mut ActionItem, status: ItemStatus, today: &str) {
    item.done_on = match status {
        ItemStatus::Done => item.done_on.clone().or_else(|| Some(today.to_owned())),
        ItemStatus::Open | ItemStatus::Dropped => None,
    };
    item.status = status;
}

/// The action item `position` of `content`, or the error naming it.
fn item_mut(
    content: &mut AarContent,
    id: i64,
    position: usize,
) -> Result<&mut ActionItem, DbError> {
    content
        .action_items
        .get_mut(position)
        .ok_or_else(|| DbError::NotFound(format!("AAR {id} has no action item {}", position + 1)))
}

/// `content` with the evidence keys of `stored`: forms and imports do not carry them, and an
/// edit must not make attached evidence be offered again.
pub(super) fn keep_evidence(stored: &AarContent, content: &AarContent) -> AarContent {
    AarContent {
        evidence: stored.evidence.clone(),
        ..content.clone()
    }
}

/// Appends `entry` to the timeline of AAR `id` and notes `key` as attached (a new version,
/// checked like [`update`]). Evidence attached already changes nothing (a second click).
#[tracing::instrument(skip_all, fields(id, key))]
pub async fn attach_evidence(
    pool: &SqlitePool,
    id: i64,
    based_on: i64,
    key: &str,
    entry: TimelineEntry,
    by: &Author,
) -> Result<Aar, DbError> {
    revise(pool, id, based_on, by, |current, next| {
        if !current.evidence.iter().any(|k| k == key) {
            next.timeline.push(entry);
            next.evidence.push(key.to_owned());
        }
        Ok(Some("timeline: evidence attached"))
    })
    .await
}

/// Sets the status of action item `position` of AAR `id` (a new version, checked like
/// [`update`]). Done items get `today` as their done date; reopened ones lose it.
#[tracing::instrument(skip_all, fields(id, position))]
pub async fn set_item_status(
    pool: &SqlitePool,
    id: i64,
    based_on: i64,
    position: usize,
    status: ItemStatus,
    today: &str,
    by: &Author,
) -> Result<Aar, DbError> {
    revise(pool, id, based_on, by, |_, next| {
        set_status(item_mut(next, id, position)?, status, today);
        Ok(None)
    })
    .await
}

/// Sets the status, priority, owner and due date of action item `position` of AAR `id` (a new
/// version, checked like [`update`]); the done date as [`set_item_status`] sets it.
#[tracing::instrument(skip_all, fields(id, position))]
pub async fn update_item(
    pool: &SqlitePool,
    id: i64,
    based_on: i64,
    position: usize,
    change: &ItemChange,
    today: &str,
    by: &Author,
) -> Result<Aar, DbError> {
    revise(pool, id, based_on, by, |_, next| {
        let item = item_mut(next, id, position)?;
        set_status(item, change.status, today);
        item.priority = change.priority;
        item.owner = change.owner.clone();
        item.due = change.due.clone();
        Ok(None)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::aar::fixtures::{pool, sample};
    use crate::db::aar::read::{open_items, revision, revisions};

    #[tokio::test]
    async fn a_created_aar_reads_back_equal_with_its_first_revision() {
        let (_dir, pool) = pool().await;
        let content = sample("k3s1 Networking Failure");
        let aar = create(&pool, &content, &Author::now("alice"))
            .await
            .unwrap();
        assert_eq!(aar.version, 1);
        assert_eq!(aar.content, content);
        let revs = revisions(&pool, aar.id).await.unwrap();
        assert_eq!(revs.len(), 1);
        assert_eq!(
            (revs[0].by.as_str(), revs[0].changes.as_str()),
            ("alice", "created")
        );
    }

    #[tokio::test]
    async fn a_save_based_on_an_old_version_is_refused_and_changes_nothing() {
        let (_dir, pool) = pool().await;
        let aar = create(&pool, &sample("Gateway TLS"), &Author::now("alice"))
            .await
            .unwrap();
        let mut first = aar.content.clone();
        first.summary = "Alice's summary".into();
        let mut second = aar.content.clone();
        second.summary = "Bob's summary".into();
        update(&pool, aar.id, 1, &first, &Author::now("alice"))
            .await
            .unwrap();
        let refused = update(&pool, aar.id, 1, &second, &Author::now("bob")).await;
        match refused {
            Err(e @ DbError::Stale { .. }) => {
                let message = e.to_string();
                assert!(message.contains("alice"), "{message}");
                assert!(message.contains("version 2"), "{message}");
                assert!(message.contains("not saved"), "{message}");
            }
            other => panic!("expected Stale, got {other:?}"),
        }
        let now = get(&pool, aar.id).await.unwrap();
        assert_eq!(now.version, 2);
        assert_eq!(now.content.summary, "Alice's summary");
    }

    #[tokio::test]
    async fn of_two_simultaneous_saves_of_one_version_exactly_one_wins() {
        let (_dir, pool) = pool().await;
        let aar = create(&pool, &sample("Race"), &Author::now("alice"))
            .await
            .unwrap();
        for round in 0..5 {
            let base = get(&pool, aar.id).await.unwrap();
            let mut a = base.content.clone();
            a.summary = format!("alice {round}");
            let mut b = base.content.clone();
            b.summary = format!("bob {round}");
            let (alice, bob) = (Author::now("alice"), Author::now("bob"));
            let (ra, rb) = tokio::join!(
                update(&pool, aar.id, base.version, &a, &alice),
                update(&pool, aar.id, base.version, &b, &bob),
            );
            let stale = |r: &Result<Aar, DbError>| matches!(r, Err(DbError::Stale { .. }));
            assert!(
                (ra.is_ok() && stale(&rb)) || (rb.is_ok() && stale(&ra)),
                "{ra:?} / {rb:?}"
            );
            assert_eq!(get(&pool, aar.id).await.unwrap().version, base.version + 1);
        }
    }

    #[tokio::test]
    async fn every_edit_is_kept_as_a_revision_that_can_be_read_back() {
        let (_dir, pool) = pool().await;
        let v1 = sample("Longhorn CSI Failure");
        let aar = create(&pool, &v1, &Author::now("alice")).await.unwrap();
        let mut v2 = v1.clone();
        v2.title = "Longhorn CSI Complete Failure".into();
        v2.lessons.push("Never change kubelet paths".into());
        update(&pool, aar.id, 1, &v2, &Author::now("bob"))
            .await
            .unwrap();
        // Saving the same content again is no edit.
        update(&pool, aar.id, 2, &v2, &Author::now("bob"))
            .await
            .unwrap();
        let revs = revisions(&pool, aar.id).await.unwrap();
        assert_eq!(revs.len(), 2);
        assert_eq!(revs[0].version, 2);
        assert_eq!(revs[0].by, "bob");
        assert_eq!(revs[0].changes, "title, lessons");
        assert_eq!(revision(&pool, aar.id, 1).await.unwrap().content, v1);
        assert_eq!(revision(&pool, aar.id, 2).await.unwrap().content, v2);
        assert!(matches!(
            revision(&pool, aar.id, 3).await,
            Err(DbError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn marking_an_item_done_dates_it_and_removes_it_from_the_open_items() {
        let (_dir, pool) = pool().await;
        let aar = create(&pool, &sample("k3s1"), &Author::now("alice"))
            .await
            .unwrap();
        let open = open_items(&pool).await.unwrap();
        // P1 before P2, whatever their order in the AAR.
        let texts: Vec<_> = open.iter().map(|o| o.item.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Investigate k3s1 logs", "Create node network monitoring"]
        );
        let done = set_item_status(
            &pool,
            aar.id,
            1,
            1,
            ItemStatus::Done,
            "2025-06-20",
            &Author::now("alice"),
        )
        .await
        .unwrap();
        assert_eq!(done.version, 2);
        assert_eq!(
            done.content.action_items[1].done_on.as_deref(),
            Some("2025-06-20")
        );
        let open = open_items(&pool).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].item.text, "Create node network monitoring");
        // The old version still has it open.
        let old = revision(&pool, aar.id, 1).await.unwrap();
        assert_eq!(old.content.action_items[1].status, ItemStatus::Open);
    }

    #[tokio::test]
    async fn a_second_aar_with_the_same_title_and_date_is_refused() {
        let (_dir, pool) = pool().await;
        let by = Author::now("alice");
        create(&pool, &sample("Same"), &by).await.unwrap();
        let err = create(&pool, &sample("Same"), &by).await.unwrap_err();
        assert!(matches!(err, DbError::Duplicate { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn attached_evidence_is_a_revision_kept_by_later_edits_and_never_attached_twice() {
        let (_dir, pool) = pool().await;
        let by = Author::now("alice");
        let aar = create(&pool, &sample("Evidence"), &by).await.unwrap();
        let entry = TimelineEntry {
            when: "2025-06-14 20:00 UTC".into(),
            text: "Warning BackOff on Pod media/plex-1".into(),
        };
        let v2 = attach_evidence(&pool, aar.id, 1, "event:u1", entry.clone(), &by)
            .await
            .unwrap();
        assert_eq!(v2.version, 2);
        assert_eq!(v2.content.timeline.last(), Some(&entry));
        assert_eq!(v2.content.evidence, ["event:u1"]);
        let again = attach_evidence(&pool, aar.id, 2, "event:u1", entry.clone(), &by)
            .await
            .unwrap();
        assert_eq!((again.version, again.content.timeline.len()), (2, 2));
        // Based on an old version: refused like any other save.
        let stale = attach_evidence(&pool, aar.id, 1, "event:u2", entry, &by).await;
        assert!(matches!(stale, Err(DbError::Stale { .. })), "{stale:?}");
        // A form save (which carries no keys) keeps them.
        let mut edited = v2.content.clone();
        edited.evidence.clear();
        edited.summary = "edited".into();
        let v3 = update(&pool, aar.id, 2, &edited, &by).await.unwrap();
        assert_eq!(v3.content.evidence, ["event:u1"]);
        assert_eq!(
            revisions(&pool, aar.id).await.unwrap()[1].changes,
            "timeline: evidence attached"
        );
    }
}
