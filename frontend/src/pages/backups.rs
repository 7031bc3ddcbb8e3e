//! Backups: Velero schedules (cron in words, next run, retention, namespaces, last backup with a
//! progress bar while it runs, and the health summary's warnings about each), a 14-day timeline
//! drawn on the server, storage locations, and which namespaces with volumes nothing backs up.

use leptos::prelude::*;

use crate::components::banner::PanelProblems;
use crate::components::live_region::{LivePanel, LiveRegion};
use crate::components::page_title::PageTitle;
use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::table_region::TableRegion;
use crate::components::when::{relative, span_in_words, utc, utc_day, When};
use crate::context::request_context;
use crate::model::{BackupSummary, BackupTimeline, BackupsView, ScheduleRow, StorageLocationRow};
use crate::source::Cluster;

const KINDS: &[&str] = &["Backup", "Schedule", "BackupStorageLocation"];

/// How a Velero phase reads next to its words.
pub fn phase_tone(phase: &str) -> Tone {
    match phase {
        "Completed" | "Available" => Tone::Good,
        "PartiallyFailed" => Tone::Warn,
        "Failed" | "FailedValidation" | "Unavailable" => Tone::Bad,
        _ => Tone::Neutral,
    }
}

/// The mark a phase gets on the timeline: a shape of its own, so colour is never the only cue.
fn phase_shape(phase: &str) -> &'static str {
    match phase {
        "Completed" => "circle",
        "PartiallyFailed" => "triangle",
        "Failed" | "FailedValidation" => "cross",
        "New" | "InProgress" | "WaitingForPluginOperations" | "Finalizing" => "diamond",
        _ => "square",
    }
}

/// A backup's progress: a bar and the numbers in words.
#[component]
fn Progress(id: String, done: u64, total: u64) -> impl IntoView {
    let percent = (done.saturating_mul(100))
        .checked_div(total)
        .unwrap_or(0)
        .min(100);
    view! {
        <span class="progress" data-test="backup-progress" data-live-backup=id>
            <progress max=total.to_string() value=done.to_string()>{format!("{percent}%")}</progress>
            " "<span class="progress-text">{crate::words::progress_words(done, total)}</span>
        </span>
    }
}

/// Phase, age, errors and warnings of one backup; a progress bar while it runs.
#[component]
fn BackupCell(now: i64, backup: BackupSummary) -> impl IntoView {
    let running = !matches!(
        backup.phase.as_str(),
        "Completed" | "PartiallyFailed" | "Failed" | "FailedValidation"
    );
    let progress = match (running, backup.items_backed_up, backup.total_items) {
        (true, Some(done), Some(total)) if total > 0 => {
            let id = format!("{}/{}", backup.namespace, backup.name);
            Some(view! { <Progress id done total/> })
        }
        _ => None,
    };
    let counts = (backup.errors > 0 || backup.warnings > 0).then(|| {
        format!(
            "{} error{}, {} warning{}",
            backup.errors,
            if backup.errors == 1 { "" } else { "s" },
            backup.warnings,
            if backup.warnings == 1 { "" } else { "s" }
        )
    });
    view! {
        <div class="backup-cell" data-test="last-backup" data-phase=backup.phase.clone()>
            <StatusBadge tone=phase_tone(&backup.phase) text=backup.phase.clone()/>
            " "<When now at=backup.started/>
            <div class="muted small">{backup.name.clone()}</div>
            {counts.map(|c| view! { <div class="small">{c}</div> })}
            {progress}
        </div>
    }
}

fn namespaces(row: &ScheduleRow) -> String {
    let mut text =
        if row.included_namespaces.is_empty() || row.included_namespaces.iter().any(|n| n == "*") {
            "all".to_string()
        } else {
            row.included_namespaces.join(", ")
        };
    if !row.excluded_namespaces.is_empty() {
        text.push_str(&format!(" except {}", row.excluded_namespaces.join(", ")));
    }
    text
}

#[component]
fn ScheduleTable(now: i64, schedules: Vec<ScheduleRow>) -> impl IntoView {
    let rows = schedules
        .into_iter()
        .map(|s| {
            let status = if s.warnings.is_empty() { "ok" } else { "warning" };
            let next = match (&s.cron_error, s.next_run) {
                (Some(e), _) => view! {
                    <span class="cron-error" data-test="cron-error">
                        <StatusBadge tone=Tone::Bad text="Invalid schedule"/>" "{e.clone()}
                    </span>
                }
                .into_any(),
                (None, Some(t)) => view! {
                    <span data-test="next-run">{s.next_run_local.clone().unwrap_or_default()}</span>
                    <div class="muted small">{relative(now, t)}</div>
                }
                .into_any(),
                (None, None) => view! { <span class="muted">"—"</span> }.into_any(),
            };
            let last = match s.last_backup.clone() {
                Some(b) => view! { <BackupCell now backup=b/> }.into_any(),
                None => view! { <span class="muted">"No backups yet"</span> }.into_any(),
            };
            let warnings = s
                .warnings
                .iter()
                .map(|w| view! { <li>{w.clone()}</li> })
                .collect_view();
            let health = if s.warnings.is_empty() {
                view! { <StatusBadge tone=Tone::Good text="OK"/> }.into_any()
            } else {
                view! {
                    <StatusBadge tone=Tone::Warn text="Warning"/>
                    <ul class="warnings" data-test="schedule-warnings">{warnings}</ul>
                }
                .into_any()
            };
            view! {
                <tr data-test="schedule-row" data-schedule=s.name.clone() data-status=status>
                    <th scope="row">{s.name.clone()}<div class="muted small">{s.namespace.clone()}</div></th>
                    <td class="wrap-narrow" data-label="Health">{health}</td>
                    <td data-label="Last backup">{last}</td>
                    <td data-label="Next run">{next}</td>
                    <td class="wrap-narrow" data-label="Runs">
                        <code>{s.cron.clone()}</code>
                        <div class="small">{s.cron_words.clone().unwrap_or_default()}</div>
                        <div class="muted small">{s.time_zone.clone()}</div>
                    </td>
                    <td data-label="Keeps">{s.ttl_words.clone().or(s.ttl.clone()).unwrap_or_else(|| "Velero default".into())}</td>
                    <td class="wrap-narrow" data-label="Namespaces">
                        {namespaces(&s)}
                        {s.label_selector.clone().map(|l| view! { <div class="muted small">"only labelled "{l}</div> })}
                    </td>
                    <td data-label="Paused">{if s.paused { view! { <StatusBadge tone=Tone::Warn text="Paused"/> }.into_any() } else { view! { "No" }.into_any() }}</td>
                    <td data-label="Act">
                        <a class="button" data-test="backup-now" href=format!("/actions/preview?action=backup&namespace={}&schedule={}", s.namespace, s.name)>"Back up now…"</a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableRegion label="Schedules">
            <table data-test="schedules" class="stack">
                <caption>"Schedules"</caption>
                <thead><tr>
                    <th scope="col">"Schedule"</th><th scope="col">"Health"</th><th scope="col">"Last backup"</th>
                    <th scope="col">"Next run"</th><th scope="col">"Runs"</th><th scope="col">"Keeps"</th>
                    <th scope="col">"Namespaces"</th><th scope="col">"Paused"</th><th scope="col">"Act"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableRegion>
    }
}

const LABEL_W: i64 = 150;
const CHART_W: i64 = 960;
const ROW_H: i64 = 34;
const TOP: i64 = 28;

/// A mark of `shape` centred on (x, y), radius 6.
fn mark(shape: &'static str, x: i64, y: i64, class: String, title: String) -> AnyView {
    match shape {
        "circle" => view! { <circle cx=x cy=y r=6 class=class><title>{title}</title></circle> }.into_any(),
        "triangle" => view! {
            <polygon points=format!("{x},{} {},{} {},{}", y - 7, x - 7, y + 6, x + 7, y + 6) class=class><title>{title}</title></polygon>
        }
        .into_any(),
        "cross" => view! {
            <path d=format!("M{} {} L{} {} M{} {} L{} {}", x - 6, y - 6, x + 6, y + 6, x - 6, y + 6, x + 6, y - 6) class=class><title>{title}</title></path>
        }
        .into_any(),
        "diamond" => view! {
            <polygon points=format!("{x},{} {},{y} {x},{} {},{y}", y - 7, x + 7, y + 7, x - 7) class=class><title>{title}</title></polygon>
        }
        .into_any(),
        _ => view! { <rect x=x - 5 y=y - 5 width=10 height=10 class=class><title>{title}</title></rect> }.into_any(),
    }
}

fn tone_word(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => "good",
        Tone::Warn => "warn",
        Tone::Bad => "bad",
        Tone::Neutral => "neutral",
    }
}

/// Per row: how many backups of each phase, as the text beside the chart says it.
fn phase_counts(backups: &[BackupSummary]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for b in backups {
        match counts.iter_mut().find(|(p, _)| *p == b.phase) {
            Some((_, n)) => *n += 1,
            None => counts.push((b.phase.clone(), 1)),
        }
    }
    if counts.is_empty() {
        return "no backups".into();
    }
    counts
        .into_iter()
        .map(|(p, n)| format!("{n} {p}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The last 14 days of backups per schedule, as an SVG drawn on the server: one row per
/// schedule, one mark per backup whose shape and colour say its phase, with a legend and a
/// summary in words beside it.
#[component]
fn Timeline(timeline: BackupTimeline) -> impl IntoView {
    let span = (timeline.to - timeline.from).max(1);
    let plot_w = CHART_W - LABEL_W - 16;
    let x_of =
        |t: i64| LABEL_W + (t.clamp(timeline.from, timeline.to) - timeline.from) * plot_w / span;
    let rows_n = timeline.rows.len().max(1) as i64;
    let height = TOP + rows_n * ROW_H + 64;
    let first_day = timeline.from.div_euclid(86_400) + 1;
    let last_day = timeline.to.div_euclid(86_400);
    let ticks = (first_day..=last_day)
        .map(|d| {
            let x = x_of(d * 86_400);
            let label = ((last_day - d) % 2 == 0).then(|| view! { <text x=x y=TOP - 10 class="svg-small" text-anchor="middle">{utc_day(d * 86_400)}</text> });
            view! {
                <line x1=x y1=TOP - 4 x2=x y2=TOP + rows_n * ROW_H class="tick"/>
                {label}
            }
        })
        .collect_view();
    let rows = timeline
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let y = TOP + i as i64 * ROW_H + ROW_H / 2;
            let marks = row
                .backups
                .iter()
                .filter_map(|b| {
                    let t = b.started?;
                    let class = format!("mark {}", tone_word(phase_tone(&b.phase)));
                    let title = format!("{}: {} at {}", b.name, b.phase, utc(t));
                    Some(mark(phase_shape(&b.phase), x_of(t), y, class, title))
                })
                .collect_view();
            view! {
                <g data-test="timeline-row" data-schedule=row.label.clone()>
                    <line x1=LABEL_W y1=y x2=CHART_W - 16 y2=y class="lane"/>
                    <text x=8 y=y + 4 class="svg-label">{row.label.clone()}</text>
                    {marks}
                </g>
            }
        })
        .collect_view();
    let legend_y = TOP + rows_n * ROW_H + 36;
    let legend = [
        ("Completed", "circle"),
        ("PartiallyFailed", "triangle"),
        ("Failed", "cross"),
        ("InProgress", "diamond"),
        ("Other", "square"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (phase, shape))| {
        let x = LABEL_W + i as i64 * 150;
        let class = format!("mark {}", tone_word(phase_tone(phase)));
        view! {
            {mark(shape, x, legend_y, class, phase.to_string())}
            <text x=x + 12 y=legend_y + 4 class="svg-small">{phase}</text>
        }
    })
    .collect_view();
    let summary = timeline
        .rows
        .iter()
        .map(
            |r| view! { <li><strong>{r.label.clone()}</strong>": "{phase_counts(&r.backups)}</li> },
        )
        .collect_view();
    view! {
        <section class="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Last 14 days"</h2>
            // Wider than a phone: it scrolls in a region the keyboard reaches, as tables do.
            <div class="diagram timeline" data-test="backup-timeline" role="region" tabindex="0" aria-label="Backups of the last 14 days">
                <svg viewBox=format!("0 0 {CHART_W} {height}") width=CHART_W height=height role="img" aria-labelledby="timeline-svg-title">
                    <title id="timeline-svg-title">"Backups of the last 14 days per schedule; shape and colour give the phase"</title>
                    {ticks}
                    {rows}
                    {legend}
                    <text x=CHART_W - 16 y=height - 6 class="svg-small" text-anchor="end">"days in UTC"</text>
                </svg>
            </div>
            <ul class="timeline-summary" data-test="timeline-summary">{summary}</ul>
        </section>
    }
}

/// Velero's namespace: where its default storage location (listed first) or its schedules live.
fn locations_namespace(schedules: &[ScheduleRow], locations: &[StorageLocationRow]) -> String {
    locations
        .first()
        .map(|l| l.namespace.clone())
        .or_else(|| schedules.first().map(|s| s.namespace.clone()))
        .unwrap_or_else(|| "velero".into())
}

#[component]
pub fn BackupsPage() -> impl IntoView {
    let cluster = use_context::<Cluster>();
    let Some(view_data) = cluster.as_ref().map(|c| c.backups()) else {
        return view! { <PageTitle parts=vec!["Backups".to_string()]/><h1>"Backups"</h1> }
            .into_any();
    };
    let problems = cluster.as_ref().map(|c| c.problems()).unwrap_or_default();
    let version = view_data.version();
    let BackupsView {
        now,
        time_zone,
        schedules,
        locations,
        coverage,
        timeline,
        recent,
        drills,
    } = view_data;
    let demo = request_context().demo.then(|| {
        view! {
            <p class="banner neutral" data-test="demo-time">
                "Demo homelab as recorded at "{utc(now)}": ages, staleness and next runs count from then."
            </p>
        }
    });
    let velero = locations_namespace(&schedules, &locations);
    let drill_velero = velero.clone();
    let locations = locations
        .into_iter()
        .map(|l| {
            view! {
                <tr data-test="location-row" data-location=l.name.clone() data-phase=l.phase.clone()>
                    <th scope="row">{l.name.clone()}{l.default.then(|| view! { <div class="muted small">"default"</div> })}</th>
                    <td data-label="Phase"><StatusBadge tone=phase_tone(&l.phase) text=l.phase.clone()/></td>
                    <td class="wrap" data-label="Message" data-test="location-message">{l.message.clone().unwrap_or_default()}</td>
                    <td data-label="Where">{l.provider.clone()}<div class="muted small">{l.bucket.clone().unwrap_or_default()}</div></td>
                    <td data-label="Validated"><When now at=l.last_validated/></td>
                </tr>
            }
        })
        .collect_view();
    let uncovered = coverage.iter().filter(|c| c.schedules.is_empty()).count();
    let coverage_rows = coverage
        .into_iter()
        .map(|c| {
            let covered = !c.schedules.is_empty();
            view! {
                <tr data-test="coverage-row" data-namespace=c.namespace.clone() data-covered=covered.to_string()>
                    <th scope="row">
                        <input type="checkbox" name="namespaces" value=c.namespace.clone() id=format!("ns-{}", c.namespace) data-test="coverage-pick"/>
                        " "<label for=format!("ns-{}", c.namespace)>{c.namespace.clone()}</label>
                    </th>
                    <td class="num" data-label="Claims">{c.claims}</td>
                    <td class="wrap" data-label="Backed up by">{if covered {
                        view! { <StatusBadge tone=Tone::Good text="Backed up"/>" by "{c.schedules.join(", ")} }.into_any()
                    } else {
                        view! { <StatusBadge tone=Tone::Bad text="Not backed up"/>" no schedule includes it" }.into_any()
                    }}</td>
                </tr>
            }
        })
        .collect_view();
    let drill_backups = recent.clone();
    let recent = recent
        .into_iter()
        .map(|b| {
            let took = b
                .completed
                .zip(b.started)
                .map(|(c, s)| span_in_words(c - s));
            view! {
                <tr data-test="backup-row" data-backup=b.name.clone() data-phase=b.phase.clone()>
                    <th scope="row"><a href=format!("/events?kind=Backup&namespace={}&name={}", b.namespace, b.name) title="Events">{b.name.clone()}</a></th>
                    <td>{b.schedule.clone().unwrap_or_else(|| "manual".into())}</td>
                    <td><StatusBadge tone=phase_tone(&b.phase) text=b.phase.clone()/></td>
                    <td><When now at=b.started/></td>
                    <td>{took.unwrap_or_default()}</td>
                    <td data-test="backup-items">{b.items_backed_up.zip(b.total_items).map(|(done, total)| crate::words::progress_words(done, total))}</td>
                    <td class="num">{b.errors}</td>
                    <td class="num">{b.warnings}</td>
                    <td class="wrap">{b.failure_reason.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <PageTitle parts=vec!["Backups".to_string()]/><h1>"Backups"</h1>
        {demo}
        <LiveRegion key=BackupsView::KEY version>
        <PanelProblems problems=problems kinds=KINDS/>
        <p class="muted">"Schedules run in "{time_zone}". A schedule warns when its last backup failed, or when its last completed backup is older than twice its interval."</p>
        <ScheduleTable now schedules/>
        <Timeline timeline/>
        <TableRegion label="Storage locations">
            <table data-test="locations" class="stack">
                <caption>"Storage locations"</caption>
                <thead><tr><th scope="col">"Location"</th><th scope="col">"Phase"</th><th scope="col">"Message"</th><th scope="col">"Where"</th><th scope="col">"Validated"</th></tr></thead>
                <tbody>{locations}</tbody>
            </table>
        </TableRegion>
        <form method="get" action="/actions/preview" class="table-wrap" data-test="ad-hoc-backup">
            <input type="hidden" name="action" value="backup"/>
            <input type="hidden" name="namespace" value=velero/>
            <table data-test="coverage" class="stack">
                <caption>{format!("Coverage of namespaces with volumes: {uncovered} not backed up")}</caption>
                <thead><tr><th scope="col">"Namespace"</th><th scope="col">"Claims"</th><th scope="col">"Backed up by"</th></tr></thead>
                <tbody>{coverage_rows}</tbody>
            </table>
            <button type="submit" data-test="ad-hoc-backup-button">"Back up the chosen namespaces now…"</button>
        </form>
        <TableRegion label="Recent backups">
            <table data-test="recent-backups">
                <caption>"Recent backups"</caption>
                <thead><tr>
                    <th scope="col">"Backup"</th><th scope="col">"Schedule"</th><th scope="col">"Phase"</th><th scope="col">"Started"</th>
                    <th scope="col">"Took"</th><th scope="col">"Items"</th><th scope="col">"Errors"</th><th scope="col">"Warnings"</th><th scope="col">"Failure"</th>
                </tr></thead>
                <tbody>{recent}</tbody>
            </table>
        </TableRegion>
        <crate::pages::drills::DrillsSection now drills backups=drill_backups velero=drill_velero/>
        </LiveRegion>
    }
    .into_any()
}
