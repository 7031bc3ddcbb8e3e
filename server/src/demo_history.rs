//! The demo homelab's past, so that a first visit shows every feature with something in it: the
//! homelab's eight AARs (`server/demo/aar-log.md`, CLUSTER-SETUP.md's log), the guarded actions
//! they describe in the audit log (the k3s1 cordons, the claimRef clears of the media volumes,
//! Grafana scaled to zero), the backups that failed in the Longhorn outage attached to its AAR as
//! evidence, and a recorded week of service status with that outage and Bazarr's crash loop.
//!
//! Only `homelab serve --demo` calls this. Each part is written when its tables are empty, so a
//! restart adds nothing and an edit made in the demo is never overwritten. AARs, audit entries
//! and evidence keep the demo's own dates (June 2025, as the caches show it, see
//! [`DEMO_NOW`]); the status week is moved to end now, since the Status page's bars are the last
//! seven days of the wall clock.

use frontend::model::aar::Aar;
use frontend::model::actions::FieldChange;
use frontend::model::ServiceStatus;
use frontend::source::ClusterSource;
use sqlx::SqlitePool;

use crate::aar::import;
use crate::actions::audit::{self, NewEntry};
use crate::actions::claim_ref::Clear;
use crate::actions::cordon::Cordon;
use crate::actions::kind::WorkloadKind;
use crate::actions::scale::Scale;
use crate::actions::Action;
use crate::cluster::demo::DEMO_NOW;
use crate::cluster::ClusterView;
use crate::db::aar::{self as store, Author};
use crate::db::DbError;
use crate::evidence::{offer, record};
use crate::history::store as history_store;
use crate::history::tracker::{Changes, Credit, Current};

/// The homelab's AAR log, as CLUSTER-SETUP.md keeps it.
pub const AAR_LOG: &str = include_str!("../demo/aar-log.md");

/// Who the demo's past names: the homelab's AARs give their owner as the AI Team.
const ACTOR_SUB: &str = "demo:ai-team";
const ACTOR_NAME: &str = "AI Team";

const LONGHORN_AAR: &str = "Longhorn CSI Complete Failure";
const K3S1_AAR: &str = "k3s1 Networking Failure";

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the demo's AAR log: {0}")]
    Parse(#[from] import::ParseError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What one call wrote (all zero on a restart).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    pub aars: usize,
    pub actions: usize,
    pub evidence: usize,
    pub services: usize,
    pub notifications: usize,
    pub notices: usize,
    pub drills: usize,
}

/// Writes whatever part of the demo's past the database does not have yet. `now` is the wall
/// clock the status week ends at.
pub async fn seed(pool: &SqlitePool, view: &ClusterView, now: i64) -> Result<Seeded, SeedError> {
    let mut seeded = Seeded::default();
    if is_empty(pool, "aars").await? {
        let aars = crate::aar::parse_import(AAR_LOG)?;
        let by = Author {
            name: ACTOR_NAME.into(),
            at: timestamp(DEMO_NOW),
        };
        seeded.aars = store::import(pool, &aars, &by).await?.created;
        seeded.evidence = attach_outage_backups(pool, view, &by).await?;
    }
    if is_empty(pool, "audit_log").await? {
        seeded.actions = record_actions(pool).await?;
    }
    if is_empty(pool, "status_hourly").await? && is_empty(pool, "service_status").await? {
        let changes = week(&services(view), now);
        seeded.services = changes.current.len();
        history_store::apply(pool, &changes).await?;
    }
    if is_empty(pool, "notices").await? {
        seeded.notices = record_notice(pool, now).await?;
    }
    if is_empty(pool, "drills").await? {
        seeded.drills = record_drills(pool, view).await?;
    }
    if is_empty(pool, "notify_delivery").await? && is_empty(pool, "notify_state").await? {
        seeded.notifications = record_notifications(pool, view).await?;
    }
    Ok(seeded)
}

/// Two restore drills of the daily-critical backups, after the Longhorn outage: media passed
/// (everything came back), monitoring passed with Velero's warnings; ai was never drilled, so it
/// stands overdue on the Backups page and in the health summary. Both were cleaned up.
async fn record_drills(pool: &SqlitePool, view: &ClusterView) -> Result<usize, DbError> {
    use frontend::model::drills::{Drill, DrillNamespace, DrillReport, KindCount, Verdict};
    let snap = view.views().snapshot.clone();
    let claims = |ns: &str| -> Vec<(String, bool)> {
        let mut names: Vec<(String, bool)> = snap
            .pvcs
            .iter()
            .filter(|c| c.metadata.namespace.as_deref() == Some(ns))
            .map(|c| (c.metadata.name.clone().unwrap_or_default(), true))
            .collect();
        names.sort();
        names
    };
    let kinds = |list: &[(&str, u64)]| -> Vec<KindCount> {
        list.iter()
            .map(|(kind, n)| KindCount {
                kind: (*kind).into(),
                backed_up: *n,
                restored: *n,
            })
            .collect()
    };
    let drill = |restore: &str,
                 backup: &str,
                 ns: &str,
                 items: u64,
                 warnings: Vec<String>,
                 counts: &[(&str, u64)],
                 started: &str,
                 finished: &str,
                 cleaned: &str| {
        let scratch = crate::drills::plan::scratch_namespace(ns, backup);
        let verdict = if warnings.is_empty() {
            Verdict::Passed
        } else {
            Verdict::Warnings
        };
        Drill {
            velero_namespace: "velero".into(),
            restore: restore.into(),
            backup: backup.into(),
            schedule: Some("daily-critical".into()),
            namespaces: vec![(ns.into(), scratch.clone())],
            phase: "Completed".into(),
            items_restored: Some(items),
            total_items: Some(items),
            warnings: warnings.len() as u64,
            errors: 0,
            started_at: at(started),
            finished_at: Some(at(finished)),
            verdict: Some(verdict),
            report: Some(DrillReport {
                namespaces: vec![DrillNamespace {
                    source: ns.into(),
                    scratch,
                    kinds: kinds(counts),
                    claims: claims(ns),
                }],
                warnings,
                errors: Vec::new(),
                problem: None,
            }),
            cleaned_up_at: Some(at(cleaned)),
        }
    };
    let drills = [
        drill(
            "drill-20250614113020",
            "daily-critical-20250614030000",
            "monitoring",
            214,
            vec![
                "monitoring: could not restore, ConfigMap \"kube-root-ca.crt\" already exists. Warning: the in-cluster version is different than the backed-up version".into(),
                "monitoring: could not restore, ServiceAccount \"default\" already exists. Warning: the in-cluster version is different than the backed-up version".into(),
            ],
            &[
                ("apps/v1/Deployment", 3),
                ("apps/v1/StatefulSet", 2),
                ("v1/ConfigMap", 19),
                ("v1/PersistentVolumeClaim", 4),
                ("v1/Secret", 8),
                ("v1/Service", 9),
                ("v1/ServiceAccount", 6),
            ],
            "2025-06-14T11:30:20Z",
            "2025-06-14T11:31:55Z",
            "2025-06-14T11:48:02Z",
        ),
        drill(
            "drill-20250616100512",
            "daily-critical-20250616030000",
            "media",
            402,
            Vec::new(),
            &[
                ("apps/v1/Deployment", 11),
                ("v1/ConfigMap", 12),
                ("v1/PersistentVolumeClaim", 15),
                ("v1/Secret", 6),
                ("v1/Service", 11),
                ("v1/ServiceAccount", 2),
            ],
            "2025-06-16T10:05:12Z",
            "2025-06-16T10:07:40Z",
            "2025-06-16T10:21:09Z",
        ),
    ];
    for d in &drills {
        crate::drills::store::upsert(pool, d).await?;
        if let (Some(verdict), Some(report)) = (d.verdict, &d.report) {
            crate::drills::store::finish(pool, &d.velero_namespace, &d.restore, verdict, report)
                .await?;
        }
        if let Some(t) = d.cleaned_up_at {
            crate::drills::store::cleaned_up(pool, &d.velero_namespace, &d.restore, t).await?;
        }
    }
    Ok(drills.len())
}

/// A coming maintenance window, as the homelab's plan has one: Jellyfin moves off k3s1 (its
/// GPU node, cordoned since the networking failure), linked to that failure's AAR. It begins the
/// day after tomorrow at 20:00 UTC, by the wall clock, like the family's Status page.
async fn record_notice(pool: &SqlitePool, now: i64) -> Result<usize, DbError> {
    let aar = aar_titled(pool, K3S1_AAR).await?.map(|a| a.id);
    let starts_at = (now / 86_400 + 2) * 86_400 + 20 * 3600;
    let notice = crate::notices::store::NewNotice {
        text: "Jellyfin moves to another GPU node: it is off for about two hours.".into(),
        services: vec!["media/jellyfin".into()],
        starts_at,
        ends_at: starts_at + 2 * 3600,
        maintenance: true,
        aar_id: aar,
        created_by: ACTOR_NAME.into(),
    };
    crate::notices::store::insert(pool, &notice, now).await?;
    Ok(1)
}

/// The messages the demo's incidents sent: the family told of Jellyfin in the Longhorn outage
/// (once after two failed attempts), the admins of the outage, Bazarr's crash loop and k3s1's
/// cordon, and a backup failure given up on; and what is announced now, as the demo shows it.
async fn record_notifications(pool: &SqlitePool, view: &ClusterView) -> Result<usize, DbError> {
    use crate::notify::debounce::{Announced, Change, Seen};
    use crate::notify::message::compose;
    use crate::notify::store::{write_past, Past};
    use frontend::model::Audience;

    let url = "https://homelab.fletcherlabs.net";
    let views = view.views();
    let Some(seen) = crate::notify::watch::seen(true, false, &views.services, &views.health) else {
        return Ok(0);
    };
    let find = |key: &str| seen.iter().find(|s| s.key == key).cloned();
    let (Some(jellyfin), Some(bazarr)) =
        (find("service:media/jellyfin"), find("service:media/bazarr"))
    else {
        return Ok(0);
    };
    let with = |s: &Seen, state: &str, words: &str| Seen {
        state: state.into(),
        ok: state == "up" || state == crate::notify::debounce::OK,
        words: words.into(),
        ..s.clone()
    };
    let jellyfin_down = Change {
        from: with(&jellyfin, "up", "Up"),
        to: with(&jellyfin, "down", "Down"),
    };
    let jellyfin_back = Change {
        from: with(&jellyfin, "down", "Down"),
        to: with(&jellyfin, "up", "Up"),
    };
    let bazarr_down = Change {
        from: with(&bazarr, "up", "Up"),
        to: bazarr.clone(),
    };
    let mut problems: Vec<Change> = seen
        .iter()
        .filter(|s| !s.key.starts_with("service:"))
        .map(|s| Change {
            from: with(s, crate::notify::debounce::OK, &s.words),
            to: s.clone(),
        })
        .collect();
    problems.truncate(4);
    let outage = at("2025-06-15T02:20:00Z");
    let back = at("2025-06-15T11:05:00Z");
    let today = DEMO_NOW - 2 * 3600;
    let messages = [
        (
            Audience::Family,
            vec![jellyfin_down.clone()],
            outage,
            3,
            None,
        ),
        (Audience::Admin, vec![jellyfin_down], outage, 1, None),
        (Audience::Family, vec![jellyfin_back.clone()], back, 1, None),
        (Audience::Admin, vec![jellyfin_back], back, 1, None),
        (Audience::Admin, vec![bazarr_down], today - 1800, 1, None),
        (
            Audience::Admin,
            problems,
            today,
            8,
            Some("connection refused or host unreachable"),
        ),
    ];
    let composed: Vec<_> = messages
        .into_iter()
        .filter_map(|(audience, changes, at, attempts, gave_up)| {
            compose(audience, &changes, url).map(|m| (audience, m, at, attempts, gave_up))
        })
        .collect();
    let past: Vec<Past> = composed
        .iter()
        .map(|(audience, message, at, attempts, gave_up)| Past {
            target: match audience {
                Audience::Family => "family-ntfy",
                Audience::Admin => "admins-webhook",
            },
            at: *at,
            message,
            attempts: *attempts,
            delivered_after: gave_up.is_none().then_some(20 * (attempts - 1) + 1),
            last_error: if *attempts > 1 && gave_up.is_none() {
                Some("it answered 502 Bad Gateway")
            } else {
                *gave_up
            },
        })
        .collect();
    let states: Vec<Announced> = seen
        .into_iter()
        .map(|s| Announced {
            seen: s,
            since: today,
        })
        .collect();
    write_past(pool, &states, &past).await?;
    Ok(past.len())
}

async fn is_empty(pool: &SqlitePool, table: &'static str) -> Result<bool, DbError> {
    let any: Option<i64> = sqlx::query_scalar(&format!("select 1 from {table} limit 1"))
        .fetch_optional(pool)
        .await?;
    Ok(any.is_none())
}

fn timestamp(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Unix seconds of a UTC time of the demo's days, e.g. `at("2025-06-14T09:40:00Z")`.
fn at(text: &str) -> i64 {
    text.parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .unwrap_or(DEMO_NOW)
}

async fn aar_titled(pool: &SqlitePool, title: &str) -> Result<Option<Aar>, DbError> {
    Ok(store::all(pool)
        .await?
        .into_iter()
        .find(|a| a.content.title == title))
}

/// The Velero runs that failed while Longhorn was down, as evidence on the Longhorn AAR: the same
/// entries an admin gets from the evidence panel's "attach".
async fn attach_outage_backups(
    pool: &SqlitePool,
    view: &ClusterView,
    by: &Author,
) -> Result<usize, DbError> {
    const FAILED_IN_OUTAGE: [&str; 2] = [
        "daily-critical-20250615030000",
        "weekly-full-20250615040000",
    ];
    let Some(mut aar) = aar_titled(pool, LONGHORN_AAR).await? else {
        return Ok(0);
    };
    let mut attached = 0;
    for backup in view.cache.backups.state() {
        if !FAILED_IN_OUTAGE.contains(&backup.metadata.name.as_deref().unwrap_or_default()) {
            continue;
        }
        let Some(run) = record::backup(&backup, DEMO_NOW) else {
            continue;
        };
        let key = offer::backup_key(&run);
        aar = store::attach_evidence(
            pool,
            aar.id,
            aar.version,
            &key,
            offer::backup_entry(&run),
            by,
        )
        .await?;
        attached += 1;
    }
    Ok(attached)
}

/// One guarded action of the homelab's past.
struct PastAction {
    at: &'static str,
    action: Action,
    reason: &'static str,
    changes: &'static [(&'static str, &'static str, &'static str)],
    aar: Option<&'static str>,
}

fn past_actions() -> Vec<PastAction> {
    let clear = |at, volume: &str| PastAction {
        at,
        action: Action::ClearClaimRef(Clear {
            volume: volume.into(),
        }),
        reason: "media PVCs stuck behind Released volumes after the Longhorn reinstall",
        changes: &[(
            "/spec/claimRef",
            "{\"kind\":\"PersistentVolumeClaim\",\"namespace\":\"media\"}",
            "null",
        )],
        aar: Some(LONGHORN_AAR),
    };
    let cordon = |at, cordon: bool, reason, aar| PastAction {
        at,
        action: Action::Cordon(Cordon {
            node: "k3s1".into(),
            cordon,
        }),
        reason,
        changes: if cordon {
            &[("/spec/unschedulable", "null", "true")]
        } else {
            &[("/spec/unschedulable", "true", "null")]
        },
        aar,
    };
    vec![
        cordon(
            "2025-06-14T09:40:00Z",
            true,
            "k3s1 lost its network: keep new pods off it while it recovers",
            Some(K3S1_AAR),
        ),
        cordon(
            "2025-06-14T12:15:00Z",
            false,
            "the canary pod ran on k3s1 and reached the cluster services",
            Some(K3S1_AAR),
        ),
        clear(
            "2025-06-16T10:05:00Z",
            "pvc-68ac1102-62b5-5568-827a-8ddfb5f183ed",
        ),
        clear(
            "2025-06-16T10:06:00Z",
            "pvc-2939c25b-6232-5e8f-8527-e462c548728b",
        ),
        clear(
            "2025-06-16T10:07:00Z",
            "pvc-1fd69161-00bc-51c1-b16a-bd0ff37c0a31",
        ),
        PastAction {
            at: "2025-06-16T14:30:00Z",
            action: Action::Scale(Scale {
                kind: WorkloadKind::Deployment,
                namespace: "monitoring".into(),
                name: "grafana".into(),
                replicas: 0,
            }),
            reason: "Longhorn v1.6.2 fsGroup bug: Grafana cannot use its volume until 1.9.x",
            changes: &[("/spec/replicas", "1", "0")],
            aar: None,
        },
        cordon(
            "2025-06-16T17:10:32Z",
            true,
            "k3s1 went NotReady again at 16:58; keep new pods off it",
            None,
        ),
    ]
}

async fn record_actions(pool: &SqlitePool) -> Result<usize, DbError> {
    let aars = store::all(pool).await?;
    let actions = past_actions();
    for past in &actions {
        let aar_id = past
            .aar
            .and_then(|title| aars.iter().find(|a| a.content.title == title))
            .map(|a| a.id);
        let changes: Vec<FieldChange> = past
            .changes
            .iter()
            .map(|(field, before, after)| FieldChange {
                field: (*field).into(),
                before: (*before).into(),
                after: (*after).into(),
            })
            .collect();
        audit::record(
            pool,
            &NewEntry {
                at: at(past.at),
                actor_sub: ACTOR_SUB,
                actor_name: ACTOR_NAME,
                action: past.action.kind(),
                target: &past.action.target(),
                reason: Some(past.reason),
                command: &past.action.command(),
                changes: &changes,
                outcome: "done",
                message: "",
                aar_id,
            },
        )
        .await?;
    }
    Ok(actions.len())
}

/// The catalog's services and their status now.
fn services(view: &ClusterView) -> Vec<(String, ServiceStatus)> {
    view.services()
        .into_iter()
        .map(|s| (s.id, s.status))
        .collect()
}

/// Namespaces whose services kept their data on Longhorn in the week of the outage (the media
/// apps' config volumes, Ollama's models, Longhorn's own UI).
const ON_LONGHORN: [&str; 3] = ["media/", "ai/", "longhorn-system/"];

/// When a service that is not up now entered its status, in the demo's time: Bazarr's crash loop
/// began at 11:52 (its Deployment's condition), Grafana was scaled to zero at 14:30 (the audit
/// entry above); anything else since the k3s1 blip at 16:58.
fn current_since(id: &str) -> i64 {
    match id {
        "media/bazarr" => at("2025-06-16T11:52:08Z"),
        "monitoring/grafana" => at("2025-06-16T14:30:00Z"),
        _ => at("2025-06-16T16:58:44Z"),
    }
}

/// The homelab's recorded week, as status rows ending at `now`: up, but down through the
/// Longhorn outage (June 14, 14:00 to June 15, 14:00) for what lived on Longhorn, Jellyfin
/// degraded in the k3s1 network failure of June 14, and each service's current status since it
/// began.
fn week(services: &[(String, ServiceStatus)], now: i64) -> Changes {
    let shift = now - DEMO_NOW;
    let week_start = DEMO_NOW - 7 * 86_400;
    let mut changes = Changes::default();
    for (id, status) in services {
        let mut spans = vec![(week_start, DEMO_NOW, ServiceStatus::Up)];
        if id == "media/jellyfin" {
            spans.push((
                at("2025-06-14T06:10:00Z"),
                at("2025-06-14T09:40:00Z"),
                ServiceStatus::Degraded,
            ));
        }
        if ON_LONGHORN.iter().any(|ns| id.starts_with(ns)) {
            spans.push((
                at("2025-06-14T14:00:00Z"),
                at("2025-06-15T14:00:00Z"),
                ServiceStatus::Down,
            ));
        }
        let since = if *status == ServiceStatus::Up {
            spans
                .iter()
                .filter(|s| s.2 != ServiceStatus::Up)
                .map(|s| s.1)
                .max()
                .unwrap_or(week_start)
        } else {
            let since = current_since(id);
            spans.push((since, DEMO_NOW, *status));
            since
        };
        for (from, to, status) in flatten(&spans) {
            changes.credits.push(Credit {
                service: id.clone(),
                status,
                from: from + shift,
                to: to + shift,
            });
        }
        changes.current.push((
            id.clone(),
            Current {
                status: *status,
                since: since + shift,
                accounted_until: now,
                accruing: *status,
            },
        ));
    }
    changes
}

/// Spans laid over each other, later ones on top, as consecutive non-overlapping pieces.
fn flatten(spans: &[(i64, i64, ServiceStatus)]) -> Vec<(i64, i64, ServiceStatus)> {
    let mut cuts: Vec<i64> = spans.iter().flat_map(|s| [s.0, s.1]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out: Vec<(i64, i64, ServiceStatus)> = Vec::new();
    for pair in cuts.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let Some(status) = spans
            .iter()
            .rev()
            .find(|s| s.0 <= from && to <= s.1)
            .map(|s| s.2)
        else {
            continue;
        };
        match out.last_mut() {
            Some(last) if last.1 == from && last.2 == status => last.1 = to,
            _ => out.push((from, to, status)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_spans_flatten_with_the_later_on_top() {
        use ServiceStatus::{Down, Up};
        let out = flatten(&[(0, 100, Up), (20, 40, Down), (30, 50, Up)]);
        assert_eq!(out, [(0, 20, Up), (20, 30, Down), (30, 100, Up)]);
    }

    #[test]
    fn the_week_ends_now_with_the_outage_and_each_current_status() {
        let now = 2_000_000_000;
        let shift = now - DEMO_NOW;
        let services = [
            ("media/plex".to_string(), ServiceStatus::Up),
            ("media/bazarr".to_string(), ServiceStatus::Degraded),
            ("authentik/authentik".to_string(), ServiceStatus::Up),
        ];
        let changes = week(&services, now);
        let credits = |id: &str| -> Vec<(i64, i64, ServiceStatus)> {
            changes
                .credits
                .iter()
                .filter(|c| c.service == id)
                .map(|c| (c.from - shift, c.to - shift, c.status))
                .collect()
        };
        let outage = (
            at("2025-06-14T14:00:00Z"),
            at("2025-06-15T14:00:00Z"),
            ServiceStatus::Down,
        );
        assert!(credits("media/plex").contains(&outage));
        assert!(!credits("authentik/authentik").contains(&outage));
        // Every second of the week is credited exactly once, ending now.
        for id in ["media/plex", "media/bazarr", "authentik/authentik"] {
            let pieces = credits(id);
            assert_eq!(pieces.first().map(|p| p.0), Some(DEMO_NOW - 7 * 86_400));
            assert_eq!(pieces.last().map(|p| p.1), Some(DEMO_NOW));
            assert!(
                pieces.windows(2).all(|w| w[0].1 == w[1].0),
                "{id}: {pieces:?}"
            );
        }
        let bazarr = &changes
            .current
            .iter()
            .find(|c| c.0 == "media/bazarr")
            .unwrap()
            .1;
        assert_eq!(bazarr.status, ServiceStatus::Degraded);
        assert_eq!(bazarr.since, at("2025-06-16T11:52:08Z") + shift);
        assert_eq!(bazarr.accounted_until, now);
        assert_eq!(
            credits("media/bazarr").last(),
            Some(&(
                at("2025-06-16T11:52:08Z"),
                DEMO_NOW,
                ServiceStatus::Degraded
            ))
        );
        let plex = &changes
            .current
            .iter()
            .find(|c| c.0 == "media/plex")
            .unwrap()
            .1;
        assert_eq!(plex.since, outage.1 + shift, "up since the outage ended");
    }
}
