//! The status history fed by the recorder from live watch caches on a real kube-apiserver: a
//! status change is recorded with its time, the hourly rows add up, and a restart keeps "since".

use std::sync::Arc;
use std::time::Duration;

use frontend::model::{HourState, ServiceStatus};
use frontend::source::{ClusterSource, HistorySource};
use homelab::cluster::ClusterView;
use homelab::config::TopologyConfig;
use homelab::history::{recorder, StatusHistory};
use testbed::cluster::TestCluster;

use crate::cluster::{crash, start_app, synced_cache, unique, within, START};

fn recorded(history: &StatusHistory, id: &str) -> Option<(ServiceStatus, i64)> {
    let h = history.history(id)?;
    Some((h.status?, h.since?))
}

#[tokio::test]
async fn a_status_change_in_the_cluster_is_recorded_and_survives_a_restart() {
    let cluster = TestCluster::shared().await.unwrap();
    let ns = unique("it-history");
    start_app(cluster, &ns).await;
    let client = kube::Client::try_from(cluster.admin_config()).unwrap();
    let view = Arc::new(ClusterView::new(
        synced_cache(client.clone()).await,
        TopologyConfig::default(),
    ));
    view.spawn_publisher();
    let dir = tempfile::tempdir().unwrap();
    let pool = homelab::db::open(dir.path()).await.unwrap();
    let tz = jiff::tz::TimeZone::UTC;
    let history = Arc::new(
        StatusHistory::open(pool.clone(), tz.clone(), jiff::Timestamp::now())
            .await
            .unwrap(),
    );
    // The service is Down until its pod has started: the recorder starts once it runs, so the
    // hours below hold only time up.
    let id = format!("{ns}/web");
    let started = within(START, || {
        view.services()
            .iter()
            .any(|s| s.id == id && s.status == ServiceStatus::Up)
    })
    .await;
    assert!(started.is_some(), "{id} did not start");
    recorder::spawn(history.clone(), view.clone());
    let up = within(Duration::from_secs(5), || {
        recorded(&history, &id).is_some_and(|(s, _)| s == ServiceStatus::Up)
    })
    .await;
    assert!(
        up.is_some(),
        "Up was not recorded: {:?}",
        history.history(&id)
    );
    let (_, up_since) = recorded(&history, &id).unwrap();

    let before_change = jiff::Timestamp::now().as_second();
    crash(cluster, &ns, true).await;
    let down = within(Duration::from_secs(5), || {
        recorded(&history, &id).is_some_and(|(s, _)| s == ServiceStatus::Down)
    })
    .await;
    assert!(
        down.is_some(),
        "Down was not recorded: {:?}",
        history.history(&id)
    );
    let (_, down_since) = recorded(&history, &id).unwrap();
    assert!(down_since >= before_change && down_since >= up_since);

    // The time up until the change is in this hour's row (or the last one's, on an hour edge).
    let (up_secs, down_secs): (i64, i64) = sqlx::query_as(
        "select coalesce(sum(up), 0), coalesce(sum(down), 0) from status_hourly where service = ?",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(up_secs, down_since - up_since);
    assert_eq!(down_secs, 0, "the down time is still accruing");
    let today = history.history(&id).unwrap().days.pop().unwrap();
    assert!(today.hours.iter().all(|h| *h != HourState::Down));

    // A restart on the same database keeps the status and its since.
    let reopened = StatusHistory::open(pool, tz, jiff::Timestamp::now())
        .await
        .unwrap();
    assert_eq!(
        recorded(&reopened, &id),
        Some((ServiceStatus::Down, down_since))
    );
}
