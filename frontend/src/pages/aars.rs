//! After-action reviews: the list (filters and search), one AAR with its history, the create and
//! edit form, the open action items of all AARs, and the Markdown import.
//!
//! The server loads what each page shows from SQLite before rendering and provides it as an
//! [`AarPage`] in context; every route under `/aars` renders [`AarsPage`], which shows whichever
//! it was given. Everything here is plain HTML: forms post without WASM and come back with
//! field-level messages when the server refuses them.

use leptos::prelude::*;

use crate::components::status_badge::{StatusBadge, Tone};
use crate::context::request_context;
use crate::html::textarea_content;
use crate::islands::action_item::{InlineActionItems, VERSION_ELEMENT_ID};
use crate::model::aar::{
    Aar, AarAction, AarDetailView, AarForm, AarListView, AarPage, AarRow, AarStatus, ActionItem,
    EvidenceItem, EvidenceView, ImportView, ItemStatus, OpenItem, Priority, Severity,
};
use crate::pages::not_found::NotFound;
use crate::source::Markdown;

#[component]
pub fn AarsPage() -> impl IntoView {
    match use_context::<AarPage>() {
        Some(AarPage::List(view)) => view! { <ListPage view=view/> }.into_any(),
        Some(AarPage::Detail(view)) => {
            let view = *view;
            view! { <DetailPage view=view/> }.into_any()
        }
        Some(AarPage::Form(form)) => view! { <FormPage form=form/> }.into_any(),
        Some(AarPage::OpenItems(items)) => view! { <OpenItemsPage items=items/> }.into_any(),
        Some(AarPage::Import(view)) => view! { <ImportPage view=view/> }.into_any(),
        None => view! { <NotFound/> }.into_any(),
    }
}

/// Sanitised HTML of Markdown (the server's renderer cleans it).
fn md(text: &str) -> String {
    use_context::<Markdown>()
        .map(|m| m.to_safe_html(text))
        .unwrap_or_default()
}

fn md_inline(text: &str) -> String {
    use_context::<Markdown>()
        .map(|m| m.to_safe_inline_html(text))
        .unwrap_or_default()
}

fn severity_badge(severity: Option<Severity>) -> impl IntoView {
    let (tone, text) = match severity {
        Some(Severity::Critical) => (Tone::Bad, "Critical"),
        Some(Severity::High) => (Tone::Warn, "High"),
        Some(Severity::Medium) => (Tone::Neutral, "Medium"),
        Some(Severity::Low) => (Tone::Good, "Low"),
        None => (Tone::Neutral, "Unrated"),
    };
    view! { <StatusBadge tone=tone text=text/> }
}

fn date_text(aar: &crate::model::aar::AarContent) -> String {
    let mut text = aar.incident_date.clone();
    if let Some(end) = &aar.incident_end {
        text.push_str(" to ");
        text.push_str(end);
    }
    if let Some(t) = &aar.time_of_day {
        text.push_str(", ");
        text.push_str(t);
    }
    text
}

#[component]
fn Actions() -> impl IntoView {
    view! {
        <p class="aar-actions">
            <a class="button" href="/aars/new" data-test="new-aar">"New AAR"</a>
            " "<a href="/aars/open-items">"Open action items"</a>
            " · "<a href="/aars/import">"Import Markdown"</a>
            " · "<a href="/aars/export" download="aar-log.md">"Export all"</a>
        </p>
    }
}

#[component]
fn ListPage(view: AarListView) -> impl IntoView {
    let f = view.filter.clone();
    let severities = Severity::ALL
        .into_iter()
        .map(|s| {
            let selected = f.severity == s.as_str();
            view! { <option value=s.as_str() selected=selected>{s.as_str()}</option> }
        })
        .collect_view();
    let choice = |all: Vec<String>, current: &str| {
        all.into_iter()
            .map(|t| {
                let selected = t == current;
                view! { <option value=t.clone() selected=selected>{t.clone()}</option> }
            })
            .collect_view()
    };
    let tags = choice(view.all_tags, &f.tag);
    let services = choice(view.all_services, &f.service);
    let notice = view
        .notice
        .map(|n| view! { <p class="banner neutral" role="status" data-test="notice">{n}</p> });
    let results = match view.hits {
        Some(hits) if hits.is_empty() => view! {
            <p class="muted" data-test="no-hits">"No AAR matches “"{f.q.clone()}"”."</p>
        }
        .into_any(),
        Some(hits) => {
            let items = hits
                .into_iter()
                .map(|hit| {
                    let snippet = hit
                        .snippet
                        .into_iter()
                        .map(|p| {
                            if p.hit {
                                view! { <mark>{p.text}</mark> }.into_any()
                            } else {
                                p.text.into_any()
                            }
                        })
                        .collect_view();
                    view! {
                        <li class="card" data-test="aar-hit" data-id=hit.row.id>
                            <a href=format!("/aars/{}", hit.row.id)>{hit.row.title.clone()}</a>
                            " "<span class="muted small">{hit.row.incident_date.clone()}</span>
                            <p class="snippet small">{snippet}</p>
                        </li>
                    }
                })
                .collect_view();
            view! { <ol class="hits" data-test="search-hits">{items}</ol> }.into_any()
        }
        None => view! { <AarTable rows=view.rows/> }.into_any(),
    };
    view! {
        <h1>"After-action reviews"</h1>
        {notice}
        <Actions/>
        <form class="filters card" method="get" action="/aars" role="search">
            <label>"Search "<input type="search" name="q" value=f.q.clone() data-test="aar-search"/></label>
            <label>"Severity "<select name="severity"><option value="">"any"</option>{severities}</select></label>
            <label>"Tag "<select name="tag"><option value="">"any"</option>{tags}</select></label>
            <label>"Service or node "<select name="service"><option value="">"any"</option>{services}</select></label>
            <label><input type="checkbox" name="open" value="1" checked=f.open_items/>" with open action items"</label>
            <button class="primary" type="submit">"Search"</button>
        </form>
        {results}
    }
}

#[component]
fn AarTable(rows: Vec<AarRow>) -> impl IntoView {
    let empty = rows.is_empty().then(|| {
        view! { <tr><td colspan="5" class="muted">"No AARs yet, or none match the filters."</td></tr> }
    });
    let rows = rows
        .into_iter()
        .map(|r| {
            let status = match r.status {
                AarStatus::Draft => "Draft",
                AarStatus::Published => "Published",
            };
            view! {
                <tr data-test="aar-row" data-id=r.id>
                    <th scope="row" class="wrap"><a href=format!("/aars/{}", r.id)>{r.title.clone()}</a></th>
                    <td>{r.incident_date.clone()}</td>
                    <td>{severity_badge(r.severity)}" "<span class="small muted">{status}</span></td>
                    <td class="wrap small">{r.tags.join(", ")}<div class="muted">{r.services.join(", ")}</div></td>
                    <td class="num" data-test="open-count">{r.open_items}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table>
                <thead><tr><th>"AAR"</th><th>"Incident"</th><th>"Severity"</th><th>"Tags, services"</th><th>"Open items"</th></tr></thead>
                <tbody>{empty}{rows}</tbody>
            </table>
        </div>
    }
}

/// The buttons that set an action item's status; plain form posts.
#[component]
fn ItemButtons(
    aar_id: i64,
    version: i64,
    position: i64,
    status: ItemStatus,
    back: &'static str,
) -> impl IntoView {
    let csrf = request_context().csrf;
    let action = format!("/aars/{aar_id}/items/{position}");
    let button = move |to: ItemStatus, label: &'static str, test: &'static str| {
        view! {
            <form class="inline" method="post" action=action.clone()>
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <input type="hidden" name="version" value=version/>
                <input type="hidden" name="back" value=back/>
                <button class="link" type="submit" name="status" value=to.as_str() data-test=test>{label}</button>
            </form>
        }
    };
    match status {
        ItemStatus::Open => view! {
            {button(ItemStatus::Done, "Mark done", "mark-done")}" · "{button(ItemStatus::Dropped, "Drop", "drop")}
        }
        .into_any(),
        _ => button(ItemStatus::Open, "Reopen", "reopen").into_any(),
    }
}

/// An action item of the current version: its status, facts and buttons (plain forms), and the
/// controls `islands::action_item` shows instead once hydrated (hidden until then).
#[component]
fn InlineItemEditor(
    aar_id: i64,
    version: i64,
    position: usize,
    item: ActionItem,
    tone: Tone,
    word: &'static str,
) -> impl IntoView {
    let n = position + 1;
    let facts = [
        item.priority.map(|p| p.as_str().to_owned()),
        item.owner.as_ref().map(|o| format!("owner {o}")),
        item.due.as_ref().map(|d| format!("due {d}")),
        item.done_on.as_ref().map(|d| format!("done {d}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let choice = |choices: &[(&'static str, &'static str)], current: &str| {
        choices
            .iter()
            .map(|(value, text)| {
                let selected = *value == current;
                view! { <option value=*value selected=selected>{*text}</option> }
            })
            .collect_view()
    };
    let statuses = choice(
        &[("open", "open"), ("done", "done"), ("dropped", "dropped")],
        item.status.as_str(),
    );
    let priorities = choice(
        &[
            ("", "–"),
            ("P0", "P0"),
            ("P1", "P1"),
            ("P2", "P2"),
            ("P3", "P3"),
        ],
        item.priority.map(Priority::as_str).unwrap_or(""),
    );
    view! {
        <div data-test="item-editor" data-inline-item=position data-hydrated="false">
            <div data-inline="buttons">
                <StatusBadge tone=tone text=word/>" "<span class="small">{facts}</span>" "
                <ItemButtons aar_id=aar_id version=version position=position as i64 status=item.status back="aar"/>
            </div>
            <div data-inline="controls" class="inline-controls" hidden>
                <select data-field="status" aria-label=format!("Action item {n} status") data-test="inline-status">{statuses}</select>
                " "<select data-field="priority" aria-label=format!("Action item {n} priority") data-test="inline-priority">{priorities}</select>
                " "<input data-field="owner" type="text" size="10" value=item.owner.clone().unwrap_or_default()
                    aria-label=format!("Action item {n} owner") placeholder="owner" data-test="inline-owner"/>
                " "<input data-field="due" type="date" value=item.due.clone().unwrap_or_default()
                    aria-label=format!("Action item {n} due") data-test="inline-due"/>
                " "<span class="small muted" data-inline="done-on">{item.done_on.clone().map(|d| format!("done {d}"))}</span>
                " "<span class="small muted" role="status" data-test="inline-saved" hidden>"Saved"</span>
                <p class="field-error" role="alert" data-test="inline-error" data-field="" hidden></p>
            </div>
        </div>
    }
}

fn list(items: &[String], test: &'static str) -> impl IntoView {
    let items = items
        .iter()
        .map(|i| view! { <li inner_html=md_inline(i)></li> })
        .collect_view();
    view! { <ul data-test=test>{items}</ul> }
}

#[component]
fn DetailPage(view: AarDetailView) -> impl IntoView {
    let AarDetailView {
        aar,
        revisions,
        old_revision,
        notice,
        actions: taken,
        evidence,
    } = view;
    let Aar {
        id,
        version,
        updated_at,
        updated_by,
        content: c,
    } = aar;
    let current = old_revision.is_none();
    let notice = notice
        .map(|n| view! { <p class="banner neutral" role="status" data-test="notice">{n}</p> });
    let old = old_revision.map(|v| {
        view! {
            <p class="banner warn" data-test="old-revision">
                "You are looking at version "{v}", saved by "{updated_by.clone()}" at "{updated_at.clone()}". "
                <a href=format!("/aars/{id}")>"See the current version"</a>
            </p>
        }
    });
    let timeline = (!c.timeline.is_empty() || !taken.is_empty()).then(|| {
        let entries = c
            .timeline
            .iter()
            .map(|e| {
                let when = (!e.when.is_empty()).then(|| view! { <strong>{e.when.clone()}": "</strong> });
                view! { <li data-test="timeline-entry">{when}<span inner_html=md_inline(&e.text)></span></li> }
            })
            .collect_view();
        let taken = (!taken.is_empty()).then(|| view! { <TakenActions actions=taken/> });
        view! { <section class="card"><h2>"Timeline"</h2><ul>{entries}</ul>{taken}</section> }
    });
    let evidence = evidence
        .filter(|_| current)
        .map(|e| view! { <Evidence aar_id=id version=version view=e/> });
    let root_cause =
        (!c.direct_cause.is_empty() || !c.contributing_factors.is_empty()).then(|| {
            let factors = (!c.contributing_factors.is_empty()).then(|| {
                view! { <h3>"Contributing factors"</h3>{list(&c.contributing_factors, "factors")} }
            });
            view! {
                <section class="card">
                    <h2>"Root cause"</h2>
                    <div class="md" inner_html=md(&c.direct_cause)></div>
                    {factors}
                </section>
            }
        });
    let review = (!c.went_well.is_empty() || !c.could_improve.is_empty()).then(|| {
        view! {
            <section class="card">
                <h2>"What went well"</h2>{list(&c.went_well, "went-well")}
                <h2>"What could be improved"</h2>{list(&c.could_improve, "could-improve")}
            </section>
        }
    });
    let csrf = request_context().csrf;
    let items = c
        .action_items
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let (tone, word) = match item.status {
                ItemStatus::Open => (Tone::Warn, "Open"),
                ItemStatus::Done => (Tone::Good, "Done"),
                ItemStatus::Dropped => (Tone::Neutral, "Dropped"),
            };
            // The current version's items: the plain buttons, and hidden controls that the
            // island shows instead once the page has hydrated. An older version's items are
            // shown as they were.
            let details = if current {
                view! {
                    <td colspan="4" class="wrap">
                        <InlineItemEditor aar_id=id version=version position=n item=item.clone()
                            tone=tone word=word/>
                    </td>
                }
                .into_any()
            } else {
                view! {
                    <td>{item.priority.map(Priority::as_str).unwrap_or("–")}</td>
                    <td>{item.owner.clone().unwrap_or_default()}</td>
                    <td>{item.due.clone().unwrap_or_default()}</td>
                    <td><StatusBadge tone=tone text=word/>" "<span class="small muted">{item.done_on.clone().unwrap_or_default()}</span></td>
                }
                .into_any()
            };
            view! {
                <tr data-test="action-item" data-status=item.status.as_str()>
                    <td class="wrap" inner_html=md_inline(&item.text)></td>
                    {details}
                </tr>
            }
        })
        .collect_view();
    let actions = (!c.action_items.is_empty()).then(|| {
        view! {
            <div class="table-wrap">
                <table>
                    <caption>"Action items"</caption>
                    <thead>{if current {
                        view! { <tr><th>"Action"</th><th colspan="4">"Status, priority, owner, due"</th></tr> }.into_any()
                    } else {
                        view! { <tr><th>"Action"</th><th>"Priority"</th><th>"Owner"</th><th>"Due"</th><th>"Status"</th></tr> }.into_any()
                    }}</thead>
                    <tbody>{items}</tbody>
                </table>
                {current.then(|| view! {
                    <span id=VERSION_ELEMENT_ID data-version=version data-test="aar-version" hidden></span>
                    <InlineActionItems aar_id=id csrf=csrf.clone()/>
                })}
            </div>
        }
    });
    let lessons = (!c.lessons.is_empty()).then(|| {
        view! { <section class="card"><h2>"Lessons learned"</h2>{list(&c.lessons, "lessons")}</section> }
    });
    let extras = c
        .extra_sections
        .iter()
        .map(|s| {
            view! {
                <section class="card" data-test="extra-section">
                    <h2>{s.heading.clone()}</h2>
                    <div class="md" inner_html=md(&s.body)></div>
                </section>
            }
        })
        .collect_view();
    let history = revisions
        .into_iter()
        .map(|r| {
            let label = format!("Version {}", r.version);
            let link = if Some(r.version) == old_revision || (current && r.version == version) {
                view! { <strong>{label}</strong> }.into_any()
            } else {
                view! { <a href=format!("/aars/{id}/revisions/{}", r.version)>{label}</a> }.into_any()
            };
            view! {
                <li data-test="revision">{link}" · "{r.at}" · "{r.by}" · "<span class="muted">{r.changes}</span></li>
            }
        })
        .collect_view();
    let edit = current.then(|| {
        view! {
            <p class="aar-actions">
                <a class="button" href=format!("/aars/{id}/edit") data-test="edit-aar">"Edit"</a>
                " "<a href=format!("/aars/{id}/export") download=format!("aar-{id}.md")>"Export as Markdown"</a>
                " · "<a href="/aars">"All AARs"</a>
            </p>
        }
    });
    view! {
        <h1 data-test="aar-title">{c.title.clone()}</h1>
        {notice}
        {old}
        <p class="muted">
            {date_text(&c)}" · "{severity_badge(c.severity)}" · "
            {match c.status { AarStatus::Draft => "Draft", AarStatus::Published => "Published" }}
            {(!c.tags.is_empty()).then(|| format!(" · tags: {}", c.tags.join(", ")))}
            {(!c.services.is_empty()).then(|| format!(" · concerns: {}", c.services.join(", ")))}
            {c.window_start.clone().zip(c.window_end.clone()).map(|(s, e)| format!(" · window: {s} to {e} UTC"))}
        </p>
        {edit}
        <section class="card"><h2>"What happened"</h2><div class="md" inner_html=md(&c.summary)></div></section>
        {timeline}
        {evidence}
        {root_cause}
        {review}
        {actions}
        {lessons}
        {extras}
        <section class="card"><h2>"History"</h2><ul data-test="revisions">{history}</ul></section>
    }
}

/// The guarded actions taken for the AAR, under its timeline.
#[component]
fn TakenActions(actions: Vec<AarAction>) -> impl IntoView {
    let rows = actions
        .into_iter()
        .map(|a| {
            let reason = a.reason.map(|r| format!(" (reason: {r})"));
            let outcome = a.outcome.clone();
            view! {
                <li data-test="aar-action" data-outcome=outcome>
                    <strong>{a.when}": "</strong>{a.action}" on "{a.target}" by "{a.actor}": "
                    <span class="outcome">{a.outcome}</span>{reason}
                    " "<a class="small" href="/audit">"audit log #"{a.id}</a>
                </li>
            }
        })
        .collect_view();
    view! {
        <h3>"Actions taken for this AAR"</h3>
        <p class="small muted">"Guarded actions whose audit entry names this AAR."</p>
        <ul data-test="aar-actions">{rows}</ul>
    }
}

/// What the cluster recorded in the incident window, each item with a button that appends it to
/// the timeline (a plain form post).
#[component]
fn Evidence(aar_id: i64, version: i64, view: EvidenceView) -> impl IntoView {
    let csrf = request_context().csrf;
    let keep = format!(
        "The server keeps warning events and backup runs for {} days.",
        view.keep_days
    );
    let Some(window) = view.window else {
        return view! {
            <section class="card" id="evidence" data-test="evidence">
                <h2>"Evidence from the cluster"</h2>
                <p class="muted" data-test="no-window">
                    "Set the incident window (Edit, “Incident window”) to be offered the Warning events, "
                    "backup runs and guarded actions of that time. "{keep}
                </p>
            </section>
        }
        .into_any();
    };
    let group = move |title: &'static str, test: &'static str, items: Vec<EvidenceItem>| {
        let empty = items
            .is_empty()
            .then(|| view! { <li class="muted">"None in the window."</li> });
        let csrf = csrf.clone();
        let rows = items
            .into_iter()
            .map(|item| {
                let control = if item.attached {
                    view! { <span class="small muted" data-test="attached">"On the timeline"</span> }.into_any()
                } else {
                    view! {
                        <form class="inline" method="post" action=format!("/aars/{aar_id}/evidence")>
                            <input type="hidden" name="csrf" value=csrf.clone()/>
                            <input type="hidden" name="version" value=version/>
                            <input type="hidden" name="key" value=item.key.clone()/>
                            <button class="link" type="submit" data-test="add-to-timeline">"Add to timeline"</button>
                        </form>
                    }
                    .into_any()
                };
                view! {
                    <li data-test="evidence-item" data-key=item.key.clone() data-attached=item.attached.to_string()>
                        <strong>{item.entry.when}": "</strong>{item.entry.text}" "{control}
                    </li>
                }
            })
            .collect_view();
        view! { <h3>{title}</h3><ul data-test=test>{empty}{rows}</ul> }
    };
    view! {
        <section class="card" id="evidence" data-test="evidence">
            <h2>"Evidence from the cluster"</h2>
            <p>"Incident window: "{window}</p>
            <p class="small muted" data-test="evidence-filter">{view.filter}" "{keep}</p>
            {group("Warning events", "evidence-events", view.events)}
            {group("Backup runs", "evidence-backups", view.backups)}
            {group("Guarded actions", "evidence-actions", view.actions)}
        </section>
    }
    .into_any()
}

/// One labelled field with its problem (if any) below it.
fn field_error(form: &AarForm, name: &str) -> Option<impl IntoView> {
    form.error(name).map(|message| {
        view! { <p class="field-error" id=format!("{name}-error") data-test="field-error" data-field=name.to_owned()>{message}</p> }
    })
}

fn text_input(
    form: &AarForm,
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    hint: &'static str,
) -> impl IntoView {
    let invalid = form.error(name).is_some();
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input id=name name=name type=kind value=form.value(name) aria-invalid=invalid.then_some("true")
                aria-describedby=invalid.then(|| format!("{name}-error"))/>
            {(!hint.is_empty()).then(|| view! { <span class="small muted">{hint}</span> })}
            {field_error(form, name)}
        </div>
    }
}

fn text_area(
    form: &AarForm,
    name: &'static str,
    label: &'static str,
    rows: u32,
    hint: &'static str,
) -> impl IntoView {
    let invalid = form.error(name).is_some();
    view! {
        <div class="field">
            <label for=name>{label}</label>
            {(!hint.is_empty()).then(|| view! { <span class="small muted">{hint}</span> })}
            <textarea id=name name=name rows=rows aria-invalid=invalid.then_some("true")
                aria-describedby=invalid.then(|| format!("{name}-error"))
                inner_html=textarea_content(&form.value(name))></textarea>
            {field_error(form, name)}
        </div>
    }
}

fn select(
    name: String,
    label: String,
    current: &str,
    choices: &[(&'static str, &'static str)],
) -> impl IntoView {
    let options = choices
        .iter()
        .map(|(value, text)| {
            let selected = current == *value;
            view! { <option value=*value selected=selected>{*text}</option> }
        })
        .collect_view();
    view! { <select id=name.clone() name=name aria-label=label>{options}</select> }
}

fn item_rows(form: &AarForm) -> usize {
    crate::model::aar::item_rows(form.fields.iter().map(|(k, _)| k.as_str()))
}

#[component]
fn FormPage(form: AarForm) -> impl IntoView {
    let csrf = request_context().csrf;
    let (title, action) = match form.id {
        Some(id) => ("Edit AAR", format!("/aars/{id}/edit")),
        None => ("New AAR", "/aars/new".to_owned()),
    };
    let conflict = form
        .conflict
        .clone()
        .map(|c| view! { <p class="error" role="alert" data-test="conflict">{c}</p> });
    let summary = (!form.errors.is_empty()).then(|| {
        view! {
            <p class="error" role="alert" data-test="form-errors">
                "Not saved: "{form.errors.len()}" field(s) need a look; each says what below."
            </p>
        }
    });
    let severity_choices = [
        ("", "unrated"),
        ("critical", "critical"),
        ("high", "high"),
        ("medium", "medium"),
        ("low", "low"),
    ];
    let priority_choices = [
        ("", "–"),
        ("P0", "P0"),
        ("P1", "P1"),
        ("P2", "P2"),
        ("P3", "P3"),
    ];
    let status_choices = [("open", "open"), ("done", "done"), ("dropped", "dropped")];
    let rows = (0..item_rows(&form))
        .map(|n| {
            let name = |f: &str| format!("item_{f}.{n}");
            let value = |f: &str| form.value(&name(f));
            let errors = ["text", "priority", "status", "due", "done_on"]
                .into_iter()
                .filter_map(|f| field_error(&form, &name(f)))
                .collect_view();
            let invalid = form.error(&name("text")).is_some();
            view! {
                <tr data-test="item-row">
                    <td class="wrap">
                        <input name=name("text") value=value("text") aria-label=format!("Action item {} text", n + 1)
                            aria-invalid=invalid.then_some("true") data-test=format!("item-text-{n}")/>
                        {errors}
                    </td>
                    <td><input name=name("owner") value=value("owner") size="10" aria-label=format!("Action item {} owner", n + 1)/></td>
                    <td>{select(name("priority"), format!("Action item {} priority", n + 1), &value("priority"), &priority_choices)}</td>
                    <td>{select(name("status"), format!("Action item {} status", n + 1), &value("status"), &status_choices)}</td>
                    <td><input type="date" name=name("due") value=value("due") aria-label=format!("Action item {} due", n + 1)/></td>
                    <td><input type="date" name=name("done_on") value=value("done_on") aria-label=format!("Action item {} done on", n + 1)/></td>
                </tr>
            }
        })
        .collect_view();
    let version = form
        .id
        .map(|_| view! { <input type="hidden" name="version" value=form.version/> });
    let severity = select(
        "severity".into(),
        "Severity".into(),
        &form.value("severity"),
        &severity_choices,
    );
    let status = select(
        "status".into(),
        "Status".into(),
        &form.value("status"),
        &[("draft", "draft"), ("published", "published")],
    );
    view! {
        <h1>{title}</h1>
        {conflict}
        {summary}
        <form class="aar-form stack" method="post" action=action data-test="aar-form">
            <input type="hidden" name="csrf" value=csrf/>
            {version}
            {text_input(&form, "title", "Title", "text", "")}
            <div class="row">
                {text_input(&form, "incident_date", "Incident date", "date", "")}
                {text_input(&form, "incident_end", "Last day (if it spanned days)", "date", "")}
                {text_input(&form, "time_of_day", "Time of day", "text", "e.g. Evening")}
            </div>
            <div class="row">
                <div class="field"><label for="severity">"Severity"</label>{severity}{field_error(&form, "severity")}</div>
                <div class="field"><label for="status">"Status"</label>{status}{field_error(&form, "status")}</div>
            </div>
            <div class="row">
                {text_input(&form, "window_start", "Incident window start (UTC)", "datetime-local", "")}
                {text_input(&form, "window_end", "Incident window end (UTC)", "datetime-local", "the cluster's evidence of this time is offered for the timeline")}
            </div>
            {text_input(&form, "tags", "Tags", "text", "comma-separated")}
            {text_input(&form, "services", "Services and nodes", "text", "comma-separated")}
            {text_area(&form, "summary", "What happened", 4, "Markdown")}
            {text_area(&form, "timeline", "Timeline", 6, "one entry per line; start with **time**: to label it")}
            {text_area(&form, "direct_cause", "Direct cause", 2, "Markdown")}
            {text_area(&form, "contributing_factors", "Contributing factors", 3, "one per line")}
            {text_area(&form, "went_well", "What went well", 3, "one per line")}
            {text_area(&form, "could_improve", "What could be improved", 3, "one per line")}
            {text_area(&form, "lessons", "Lessons learned", 3, "one per line")}
            <div class="table-wrap">
                <table>
                    <caption>"Action items (empty rows are ignored)"</caption>
                    <thead><tr><th>"Action"</th><th>"Owner"</th><th>"Priority"</th><th>"Status"</th><th>"Due"</th><th>"Done on"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
                {field_error(&form, "items")}
            </div>
            {text_area(&form, "extra_sections", "Other sections", 4, "each starts with a line #### Heading; Markdown")}
            <button class="primary" type="submit" data-test="save-aar">"Save"</button>
        </form>
    }
}

#[component]
fn OpenItemsPage(items: Vec<OpenItem>) -> impl IntoView {
    let empty = items.is_empty().then(|| {
        view! { <tr><td colspan="6" class="muted">"No open action items."</td></tr> }
    });
    let rows = items
        .into_iter()
        .map(|o| {
            view! {
                <tr data-test="open-item" data-aar=o.aar_id>
                    <td>{o.item.priority.map(Priority::as_str).unwrap_or("–")}</td>
                    <td class="wrap" inner_html=md_inline(&o.item.text)></td>
                    <td>{o.item.owner.clone().unwrap_or_default()}</td>
                    <td>{o.item.due.clone().unwrap_or_default()}</td>
                    <td class="wrap"><a href=format!("/aars/{}", o.aar_id)>{o.aar_title.clone()}</a>
                        <div class="small muted">{o.incident_date.clone()}</div></td>
                    <td><ItemButtons aar_id=o.aar_id version=o.aar_version position=o.position status=ItemStatus::Open back="open-items"/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h1>"Open action items"</h1>
        <p class="muted">"Across all AARs: highest priority first, then the oldest incident."</p>
        <div class="table-wrap">
            <table>
                <thead><tr><th>"Priority"</th><th>"Action"</th><th>"Owner"</th><th>"Due"</th><th>"AAR"</th><th></th></tr></thead>
                <tbody>{empty}{rows}</tbody>
            </table>
        </div>
        <p><a href="/aars">"All AARs"</a></p>
    }
}

#[component]
fn ImportPage(view: ImportView) -> impl IntoView {
    let csrf = request_context().csrf;
    let error = view
        .error
        .map(|e| view! { <p class="error" role="alert" data-test="import-error">{e}</p> });
    view! {
        <h1>"Import AARs from Markdown"</h1>
        <p>
            "Upload or paste the AAR log (the format of CLUSTER-SETUP.md: "<code>"### AAR: Title (June 14, 2025)"</code>
            " and its numbered sections, or an export from here). The whole text is imported or none of it; "
            "an AAR with the same title and date as a stored one updates it (as a new version) or, "
            "when equal, is left alone."
        </p>
        {error}
        <form method="post" action="/aars/import/file" enctype="multipart/form-data" class="stack card" data-test="upload-form">
            <input type="hidden" name="csrf" value=csrf.clone()/>
            <label for="file">"A Markdown file (at most 512 KB)"</label>
            <input id="file" type="file" name="file" accept=".md,.markdown,.txt,text/markdown,text/plain" required data-test="upload-file"/>
            <button class="primary" type="submit" data-test="upload-aars">"Upload and import"</button>
        </form>
        <p>"Or paste it:"</p>
        <form method="post" action="/aars/import" class="stack">
            <input type="hidden" name="csrf" value=csrf/>
            <label for="markdown">"Markdown"</label>
            <textarea id="markdown" name="markdown" rows="20" inner_html=textarea_content(&view.text)></textarea>
            <button class="primary" type="submit" data-test="import-aars">"Import"</button>
        </form>
    }
}
