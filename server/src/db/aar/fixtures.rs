//! What the tests of every `db::aar` module start from: a fresh database, and a sample AAR.

use frontend::model::aar::{AarContent, ActionItem, Priority, Severity, TimelineEntry};
use sqlx::SqlitePool;

pub(super) async fn pool() -> (tempfile::TempDir, SqlitePool) {
    let dir = tempfile::tempdir().unwrap();
    let pool = crate::db::open(dir.path()).await.unwrap();
    (dir, pool)
}

pub(super) fn sample(title: &str) -> AarContent {
    AarContent {
        title: title.into(),
        incident_date: "2025-06-14".into(),
        severity: Some(Severity::High),
        summary: "Node k3s1 lost connectivity.".into(),
        timeline: vec![TimelineEntry {
            when: "Detection".into(),
            text: "Longhorn pods in CrashLoopBackOff".into(),
        }],
        tags: vec!["network".into()],
        services: vec!["longhorn".into(), "k3s1".into()],
        action_items: vec![
            ActionItem {
                text: "Create node network monitoring".into(),
                priority: Some(Priority::P2),
                ..ActionItem::default()
            },
            ActionItem {
                text: "Investigate k3s1 logs".into(),
                owner: Some("AI Team".into()),
                priority: Some(Priority::P1),
                ..ActionItem::default()
            },
        ],
        ..AarContent::default()
    }
}
