//! One AAR at `/aars/:id` (or an older version of it): its sections, action items, timeline with
//! the cluster's evidence, and its revision history.

use leptos::prelude::*;

use crate::components::page_title::PageTitle;
use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::table_region::TableRegion;
use crate::islands::action_item::{InlineActionItems, VERSION_ELEMENT_ID};
use crate::model::aar::{Aar, AarDetailView, AarStatus, ItemStatus, Priority};

use super::common::{md, md_inline, severity_badge};
use super::evidence::{Evidence, TakenActions};
use super::items::InlineItemEditor;

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

fn list(items: &[String], test: &'static str) -> impl IntoView {
    let items = items
        .iter()
        .map(|i| view! { <li inner_html=md_inline(i)></li> })
        .collect_view();
    view! { <ul data-test=test>{items}</ul> }
}

#[component]
pub(super) fn DetailPage(view: AarDetailView) -> impl IntoView {
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
            <TableRegion label="Action items">
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
                    <span id=VERSION_ELEMENT_ID data-aar=id data-version=version data-test="aar-version" hidden></span>
                    <InlineActionItems/>
                })}
            </TableRegion>
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
        <PageTitle parts=vec![c.title.clone(), "AARs".to_string()]/><h1 data-test="aar-title">{c.title.clone()}</h1>
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
