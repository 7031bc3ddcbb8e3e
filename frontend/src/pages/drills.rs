//! Restore drills: on the Backups page, how recently each backed-up namespace and each schedule
//! was proven restorable, the recent drills and a form to drill one; and each drill's own page
//! (`/drills/<namespace>/<restore>`): Velero's progress while it runs, then what came back
//! compared with what the backup holds, Velero's warnings and errors, and the clean-up.

use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_params_map;

use crate::components::page_title::PageTitle;
use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::table_region::TableRegion;
use crate::components::when::When;
use crate::model::drills::{Coverage, Drill, DrillsView, Verdict};
use crate::model::BackupSummary;
use crate::source::Cluster;

/// Seconds between reloads of a drill's page while Velero is at it.
const RELOAD_SECS: u32 = 2;

fn verdict_tone(v: Verdict) -> Tone {
    match v {
        Verdict::Passed => Tone::Good,
        Verdict::Warnings => Tone::Warn,
        Verdict::Failed => Tone::Bad,
    }
}

/// The drill's state in one badge: Velero's phase while it runs, then the verdict.
#[component]
fn DrillState(drill: Drill) -> impl IntoView {
    match drill.verdict {
        Some(v) => view! { <StatusBadge tone=verdict_tone(v) text=v.words()/> }.into_any(),
        None if drill.running() => {
            view! { <StatusBadge tone=Tone::Neutral text=format!("Restoring ({})", drill.phase)/> }
                .into_any()
        }
        None => view! { <StatusBadge tone=Tone::Neutral text="Comparing"/> }.into_any(),
    }
}

/// Velero's progress of a running drill, as a bar and in words.
#[component]
fn DrillProgress(drill: Drill) -> impl IntoView {
    let (Some(done), Some(total)) = (drill.items_restored, drill.total_items) else {
        return view! { <span class="muted" data-test="drill-progress">"Velero has not counted the items yet"</span> }.into_any();
    };
    view! {
        <span class="progress" data-test="drill-progress">
            <progress max=total.to_string() value=done.to_string()>{crate::words::progress_words(done, total)}</progress>
            " "<span class="progress-text">{crate::words::progress_words(done, total)}</span>
        </span>
    }
    .into_any()
}

/// The clean-up links of a finished drill whose scratch namespaces are still there.
fn cleanup_links(drill: &Drill) -> impl IntoView {
    let done = drill.cleaned_up_at.is_some();
    let running = drill.running();
    drill
        .namespaces
        .iter()
        .map(|(_, scratch)| {
            if done {
                view! { <span class="muted small">"cleaned up"</span> }.into_any()
            } else if running {
                view! { <span class="muted small">{scratch.clone()}</span> }.into_any()
            } else {
                view! {
                    <a class="button" data-test="drill-cleanup" href=format!("/actions/preview?action=drill-cleanup&namespace={scratch}")>
                        "Clean up "{scratch.clone()}"…"
                    </a>
                }
                .into_any()
            }
        })
        .collect_view()
}

#[component]
fn CoverageTable(
    now: i64,
    caption: String,
    what: &'static str,
    rows: Vec<Coverage>,
    velero: String,
) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|c| {
            let state = match (c.overdue, c.last_success.is_some()) {
                (false, _) => view! { <StatusBadge tone=Tone::Good text="Proven"/> }.into_any(),
                (true, true) => view! { <StatusBadge tone=Tone::Warn text="Drill overdue"/> }.into_any(),
                (true, false) => view! { <StatusBadge tone=Tone::Bad text="Never restore-tested"/> }.into_any(),
            };
            let last = match c.last_success.clone() {
                Some((id, at)) => view! { <a href=format!("/drills/{id}")><When now at=Some(at)/></a> }.into_any(),
                None => view! { <span>"never"</span> }.into_any(),
            };
            let newest = c.last_verdict.map(|v| view! { <StatusBadge tone=verdict_tone(v) text=v.words()/> });
            // A namespace's drill restores the newest backup of a schedule that holds it.
            let drill = match (what, c.schedules.first()) {
                ("namespace", Some(s)) => Some(format!(
                    "/actions/preview?action=restore-drill&namespace={velero}&schedule={s}&namespaces={}",
                    c.subject
                )),
                _ => None,
            };
            view! {
                <tr data-test="drill-coverage-row" data-subject=c.subject.clone() data-overdue=c.overdue.to_string()>
                    <th scope="row">{c.subject.clone()}</th>
                    <td data-label="Restorable">{state}</td>
                    <td data-label="Last proven">{last}</td>
                    <td data-label="Newest drill">{newest}</td>
                    <td data-label="Act">{drill.map(|href| view! { <a class="button" data-test="drill-latest" href=href>"Drill the latest backup…"</a> })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableRegion label=caption.clone()>
            <table class="stack" data-test=format!("drill-coverage-{what}")>
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">{if what == "namespace" { "Namespace" } else { "Schedule" }}</th>
                    <th scope="col">"Restorable"</th><th scope="col">"Last proven"</th>
                    <th scope="col">"Newest drill"</th><th scope="col">"Act"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableRegion>
    }
}

/// The Backups page's section: coverage, recent drills, and the form to drill a backup.
#[component]
pub fn DrillsSection(
    now: i64,
    drills: DrillsView,
    backups: Vec<BackupSummary>,
    velero: String,
) -> impl IntoView {
    let overdue = drills.namespaces.iter().filter(|c| c.overdue).count();
    let max_age = drills.max_age_days;
    let options = backups
        .iter()
        .filter(|b| b.phase == "Completed")
        .map(|b| {
            let held = if b.namespaces.is_empty() {
                "every namespace".to_string()
            } else {
                b.namespaces.join(", ")
            };
            view! { <option value=format!("{}/{}", b.namespace, b.name)>{format!("{} ({held})", b.name)}</option> }
        })
        .collect_view();
    let recent = drills
        .recent
        .iter()
        .take(20)
        .map(|d| {
            let namespaces = d
                .namespaces
                .iter()
                .map(|(ns, scratch)| format!("{ns} → {scratch}"))
                .collect::<Vec<_>>()
                .join(", ");
            view! {
                <tr data-test="drill-row" data-drill=d.restore.clone()>
                    <th scope="row"><a href=format!("/drills/{}", d.id())>{d.restore.clone()}</a></th>
                    <td data-label="Backup">{d.backup.clone()}</td>
                    <td class="wrap" data-label="Namespaces">{namespaces}</td>
                    <td data-label="Result"><DrillState drill=d.clone()/></td>
                    <td data-label="Started"><When now at=Some(d.started_at)/></td>
                    <td data-label="Clean-up">{cleanup_links(d)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" id="drills" aria-labelledby="drills-title" data-test="drills">
            <h2 id="drills-title">"Restore drills"</h2>
            <p class="muted">{format!(
                "A drill restores a backup's namespaces into new scratch namespaces, never the live ones, and compares what came back with what the backup holds. {overdue} namespace{} with volumes not proven restorable within {max_age} days.",
                if overdue == 1 { "" } else { "s" }
            )}</p>
            <CoverageTable now caption="Drills by namespace with volumes".into() what="namespace" rows=drills.namespaces velero=velero.clone()/>
            <CoverageTable now caption="Drills by schedule".into() what="schedule" rows=drills.schedules velero/>
            <form method="get" action="/actions/preview" class="drill-form" data-test="drill-form">
                <input type="hidden" name="action" value="restore-drill"/>
                <label for="drill-backup">"Backup"</label>
                <select id="drill-backup" name="backup" required>{options}</select>
                <label for="drill-namespaces">"Namespaces to restore (comma-separated)"</label>
                <input id="drill-namespaces" name="namespaces" required autocomplete="off" placeholder="media"/>
                <button type="submit" data-test="drill-button">"Drill a restore…"</button>
            </form>
            <TableRegion label="Recent drills">
                <table data-test="recent-drills" class="stack">
                    <caption>"Recent drills"</caption>
                    <thead><tr>
                        <th scope="col">"Drill"</th><th scope="col">"Backup"</th><th scope="col">"Namespaces"</th>
                        <th scope="col">"Result"</th><th scope="col">"Started"</th><th scope="col">"Clean-up"</th>
                    </tr></thead>
                    <tbody>{recent}</tbody>
                </table>
            </TableRegion>
        </section>
    }
}

/// `/drills/<namespace>/<restore>`: one drill.
#[component]
pub fn DrillPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.with_untracked(|p| {
        format!(
            "{}/{}",
            p.get("namespace").unwrap_or_default(),
            p.get("name").unwrap_or_default()
        )
    });
    let cluster = use_context::<Cluster>();
    let now = cluster.as_ref().map_or(0, |c| c.now());
    let drill = cluster.and_then(|c| c.backups().drills.recent.into_iter().find(|d| d.id() == id));
    let Some(d) = drill else {
        // Velero's Restore is seen by the follower within seconds of the action.
        return view! {
            <Meta http_equiv="refresh" content=RELOAD_SECS.to_string()/>
            <PageTitle parts=vec![format!("Restore drill {id}"), "Backups".to_string()]/><h1>"Restore drill "{id.clone()}</h1>
            <p data-test="drill-waiting">"This drill is not recorded yet: the page looks again every "{RELOAD_SECS}" seconds. "<a href="/backups#drills">"Back to Backups"</a></p>
        }
        .into_any();
    };
    let reload = (d.running() || d.verdict.is_none())
        .then(|| view! { <Meta http_equiv="refresh" content=RELOAD_SECS.to_string()/> });
    let progress = d
        .running()
        .then(|| view! { <p><DrillProgress drill=d.clone()/></p> });
    let report = d.report.clone().unwrap_or_default();
    let compared = report
        .namespaces
        .iter()
        .map(|n| {
            let kinds = n
                .kinds
                .iter()
                .map(|k| {
                    let ok = k.restored >= k.backed_up;
                    view! {
                        <tr data-test="drill-kind" data-kind=k.kind.clone() data-ok=ok.to_string()>
                            <th scope="row">{k.kind.clone()}</th>
                            <td class="num" data-label="In the backup">{k.backed_up}</td>
                            <td class="num" data-label="Came back">{k.restored}</td>
                            <td data-label="Verdict">{if ok { view! { <StatusBadge tone=Tone::Good text="All back"/> }.into_any() } else { view! { <StatusBadge tone=Tone::Bad text="Missing"/> }.into_any() }}</td>
                        </tr>
                    }
                })
                .collect_view();
            let claims = n
                .claims
                .iter()
                .map(|(name, found)| {
                    view! {
                        <li data-test="drill-claim" data-found=found.to_string()>
                            {name.clone()}" "
                            {if *found { view! { <StatusBadge tone=Tone::Good text="restored"/> }.into_any() } else { view! { <StatusBadge tone=Tone::Bad text="missing"/> }.into_any() }}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="card" data-test="drill-namespace" data-namespace=n.source.clone()>
                    <h2>{n.source.clone()}" → "{n.scratch.clone()}</h2>
                    <TableRegion label="Objects by kind (pods, ReplicaSets and events are left out of a drill)">
                        <table class="stack">
                            <caption>"Objects by kind (pods, ReplicaSets and events are left out of a drill)"</caption>
                            <thead><tr><th scope="col">"Kind"</th><th scope="col">"In the backup"</th><th scope="col">"Came back"</th><th scope="col">"Verdict"</th></tr></thead>
                            <tbody>{kinds}</tbody>
                        </table>
                    </TableRegion>
                    <h3>"Claims"</h3>
                    <ul>{claims}</ul>
                </section>
            }
        })
        .collect_view();
    let lines = |title: &'static str, test: &'static str, list: Vec<String>| {
        (!list.is_empty()).then(|| {
            view! {
                <h2>{title}</h2>
                <ul data-test=test>{list.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
            }
        })
    };
    view! {
        {reload}
        <PageTitle parts=vec![format!("Restore drill {}", d.restore), "Backups".to_string()]/><h1>"Restore drill "{d.restore.clone()}</h1>
        <p data-test="drill-state">
            <DrillState drill=d.clone()/>" of backup "<strong>{d.backup.clone()}</strong>
            {d.schedule.clone().map(|s| format!(" (schedule {s})"))}", started "<When now at=Some(d.started_at)/>
            {d.finished_at.map(|t| view! { ", finished "<When now at=Some(t)/> })}
            ". Velero's phase: "<code data-test="drill-phase">{d.phase.clone()}</code>
            {format!(", {} warnings, {} errors.", d.warnings, d.errors)}
        </p>
        {progress}
        {report.problem.clone().map(|p| view! { <p class="banner bad" data-test="drill-problem">{p}</p> })}
        {compared}
        {lines("Velero's warnings", "drill-warnings", report.warnings.clone())}
        {lines("Velero's errors", "drill-errors", report.errors.clone())}
        <p>{cleanup_links(&d)}" "<a href="/backups#drills">"Back to Backups"</a></p>
    }
    .into_any()
}
