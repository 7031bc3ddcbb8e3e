//! Guarded actions: the preview (what will change, field by field, and the kubectl command),
//! the confirmation form (type the name), the outcome, and the audit log. Each page shows what
//! its server handler loaded (`ActionPage` in context); the forms are plain HTML posts.

use leptos::prelude::*;

use crate::components::page_title::PageTitle;
use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::table_region::TableRegion;
use crate::components::when::utc;
use crate::context::request_context;
use crate::model::actions::{
    ActionOutcome, ActionPage, ActionPreview, AuditPage, FieldChange, ACTION_KINDS,
};

fn outcome_tone(outcome: &str) -> Tone {
    match outcome {
        "done" => Tone::Good,
        "refused" => Tone::Warn,
        _ => Tone::Bad,
    }
}

#[component]
fn Changes(changes: Vec<FieldChange>) -> impl IntoView {
    if changes.is_empty() {
        return view! { <p class="muted" data-test="no-changes">"Nothing would change."</p> }
            .into_any();
    }
    let rows = changes
        .into_iter()
        .map(|c| {
            let field = c.field.clone();
            view! {
                <tr data-test="change" data-field=field>
                    <th scope="row"><code>{c.field}</code></th>
                    <td><code data-test="before">{c.before}</code></td>
                    <td><code data-test="after">{c.after}</code></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableRegion label="What changes (from a server-side dry run)">
            <table data-test="changes" class="changes">
                <caption>"What changes (from a server-side dry run)"</caption>
                <thead><tr><th scope="col">"Field"</th><th scope="col">"Now"</th><th scope="col">"After"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableRegion>
    }
    .into_any()
}

#[component]
fn Preview(preview: ActionPreview) -> impl IntoView {
    let csrf = request_context().csrf;
    let hidden = preview
        .fields
        .iter()
        .map(|(k, v)| view! { <input type="hidden" name=k.clone() value=v.clone()/> })
        .collect_view();
    let aars = preview
        .aars
        .iter()
        .map(|(id, title)| view! { <option value=id.to_string()>{title.clone()}</option> })
        .collect_view();
    let backup_first = preview.backup_first.clone().map(|ns| {
        view! {
            <p class="check">
                <input type="checkbox" id="backup_first" name="backup_first" value="yes" data-test="backup-first"/>
                <label for="backup_first">"Take a Velero backup of namespace "<strong>{ns}</strong>" first (the action waits until the Backup is created)"</label>
            </p>
        }
    });
    let form = match preview.refusal.clone() {
        Some(reason) => view! {
            <p class="banner bad" role="alert" data-test="refusal">{reason}</p>
            {preview.override_href.clone().map(|href| view! {
                <p><a class="button danger" href=href data-test="override">"Go ahead anyway…"</a></p>
            })}
        }
        .into_any(),
        None => view! {
            <form method="post" action="/actions/run" class="card" data-test="confirm-form">
                <input type="hidden" name="csrf" value=csrf/>
                {hidden}
                <input type="hidden" name="resource_version" value=preview.resource_version.clone()/>
                {preview.problem.clone().map(|p| view! { <p class="banner bad" role="alert">{p}</p> })}
                <label for="confirm">"Type "<strong>{preview.confirm_name.clone()}</strong>" to confirm"</label>
                <input id="confirm" name="confirm" autocomplete="off" required data-test="confirm"/>
                <label for="reason">"Reason (optional, kept in the audit log)"</label>
                <textarea id="reason" name="reason" rows="2"></textarea>
                <label for="aar">"Taken for an AAR (optional: the action then shows in its timeline)"</label>
                <select id="aar" name="aar" data-test="aar">
                    <option value="">"none"</option>
                    {aars}
                </select>
                {backup_first}
                <button type="submit" class="danger" data-test="confirm-button">{preview.title.clone()}</button>
            </form>
        }
        .into_any(),
    };
    view! {
        <PageTitle parts=vec![preview.title.clone(), "Actions".to_string()]/><h1>{preview.title.clone()}</h1>
        <p data-test="target">{preview.target.clone()}" at resourceVersion "<code>{preview.resource_version.clone()}</code></p>
        <Changes changes=preview.changes.clone()/>
        {(!preview.warnings.is_empty()).then(|| view! {
            <ul class="warnings banner neutral" data-test="warnings">
                {preview.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}
            </ul>
        })}
        <p>"The same from a terminal:"</p>
        <pre data-test="command"><code>{preview.command.clone()}</code></pre>
        {form}
    }
}

#[component]
fn Outcome(outcome: ActionOutcome) -> impl IntoView {
    let words = match outcome.outcome.as_str() {
        "done" => "Done",
        "refused" => "Refused",
        _ => "Failed",
    };
    view! {
        <PageTitle parts=vec![outcome.title.clone(), "Actions".to_string()]/><h1>{outcome.title.clone()}</h1>
        <p data-test="outcome" data-outcome=outcome.outcome.clone()>
            <StatusBadge tone=outcome_tone(&outcome.outcome) text=words/>" "{outcome.target.clone()}
        </p>
        {(!outcome.message.is_empty()).then(|| view! { <p class="banner neutral" role="alert" data-test="outcome-message">{outcome.message.clone()}</p> })}
        {outcome.notes.iter().map(|n| view! { <p data-test="outcome-note">{n.clone()}</p> }).collect_view()}
        {(outcome.outcome == "done").then(|| view! { <Changes changes=outcome.changes.clone()/> })}
        <pre><code>{outcome.command.clone()}</code></pre>
        {outcome.again.clone().map(|href| view! { <p><a href=href>"Review the preview again"</a></p> })}
        <p><a href="/audit">"Audit log"</a></p>
    }
}

#[component]
fn Audit(page: AuditPage) -> impl IntoView {
    let AuditPage {
        entries,
        filter,
        total,
        older,
        actors,
    } = page;
    let shown = entries.len();
    let rows = entries
        .into_iter()
        .map(|e| {
            let changes = e
                .changes
                .iter()
                .map(|c| format!("{}: {} → {}", c.field, c.before, c.after))
                .collect::<Vec<_>>()
                .join("; ");
            view! {
                <tr data-test="audit-row" data-action=e.action.clone() data-outcome=e.outcome.clone()>
                    <td>{utc(e.at)}</td>
                    <td>{e.actor.clone()}</td>
                    <td>{e.action.clone()}</td>
                    <td data-test="audit-target">{e.target.clone()}</td>
                    <td><StatusBadge tone=outcome_tone(&e.outcome) text=e.outcome.clone()/></td>
                    <td class="wrap small">{changes}{(!e.message.is_empty()).then(|| view! { <div>{e.message.clone()}</div> })}</td>
                    <td class="wrap small">
                        {e.reason.clone().unwrap_or_default()}
                        {e.aar_id.map(|id| view! { <div><a href=format!("/aars/{id}") data-test="audit-aar">{format!("AAR {id}")}</a></div> })}
                        <div><code>{e.command.clone()}</code></div>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let selected = |current: &Option<String>, value: &str| current.as_deref() == Some(value);
    let query = filter.query();
    let link = move |before: Option<i64>| {
        let mut parts: Vec<String> = Vec::new();
        if !query.is_empty() {
            parts.push(query.clone());
        }
        if let Some(id) = before {
            parts.push(format!("before={id}"));
        }
        if parts.is_empty() {
            "/audit".to_string()
        } else {
            format!("/audit?{}", parts.join("&"))
        }
    };
    let counted = if total == 1 {
        "1 entry matches".to_string()
    } else {
        format!("{total} entries match")
    };
    let newer = filter.before.is_some().then(|| link(None));
    let older = older.map(|id| link(Some(id)));
    view! {
        <PageTitle parts=vec!["Audit log".to_string()]/><h1>"Audit log"</h1>
        <p class="muted">"Every guarded action an admin attempted, refused, failed or done. Entries are never changed or deleted."</p>
        <form method="get" action="/audit" class="filters">
            <label for="f-action">"Action"</label>
            <select id="f-action" name="action">
                <option value="">"any"</option>
                {ACTION_KINDS.iter().copied().map(|a| view! { <option value=a selected=selected(&filter.action, a)>{a}</option> }).collect_view()}
            </select>
            <label for="f-outcome">"Outcome"</label>
            <select id="f-outcome" name="outcome">
                <option value="">"any"</option>
                {["done", "refused", "failed"].into_iter().map(|o| view! { <option value=o selected=selected(&filter.outcome, o)>{o}</option> }).collect_view()}
            </select>
            <label for="f-actor">"Who"</label>
            <select id="f-actor" name="actor">
                <option value="">"anyone"</option>
                {actors.into_iter().map(|a| { let on = selected(&filter.actor, &a); let text = a.clone(); view! { <option value=a selected=on>{text}</option> } }).collect_view()}
            </select>
            <label for="f-target">"Target contains"</label>
            <input id="f-target" name="target" type="search" value=filter.target.clone().unwrap_or_default()/>
            <button type="submit">"Filter"</button>
        </form>
        <p data-test="audit-count">{counted}</p>
        <TableRegion label="Audit log">
            <table data-test="audit">
                <caption>{format!("Newest first, {shown} shown")}</caption>
                <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"Action"</th><th scope="col">"Target"</th><th scope="col">"Outcome"</th><th scope="col">"Changes"</th><th scope="col">"Reason and command"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableRegion>
        <nav class="pager" aria-label="Audit log pages">
            {newer.map(|href| view! { <a href=href data-test="audit-newest">"← Newest"</a> })}
            {older.map(|href| view! { <a href=href data-test="audit-older">"Older →"</a> })}
        </nav>
    }
}

#[component]
pub fn ActionsPage() -> impl IntoView {
    match use_context::<ActionPage>() {
        Some(ActionPage::Preview(p)) => view! { <Preview preview=p/> }.into_any(),
        Some(ActionPage::Outcome(o)) => view! { <Outcome outcome=o/> }.into_any(),
        Some(ActionPage::Audit(page)) => view! { <Audit page/> }.into_any(),
        None => {
            view! { <PageTitle parts=vec!["Actions".to_string()]/><h1>"Actions"</h1> }.into_any()
        }
    }
}
