//! An AAR's action items as controls: the plain-form status buttons (on an AAR and on the open
//! items page) and the inline editor whose hidden controls `islands::action_item` takes over once
//! hydrated.

use leptos::prelude::*;

use crate::components::status_badge::{StatusBadge, Tone};
use crate::context::request_context;
use crate::model::aar::{ActionItem, ItemStatus, Priority};

/// The buttons that set an action item's status; plain form posts.
#[component]
pub(super) fn ItemButtons(
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
pub(super) fn InlineItemEditor(
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
