//! Notices (admins): post what the family should know, optionally a maintenance window for some
//! services (shown as "Maintenance" instead of down, and quiet for notifications), linked to an
//! AAR; end one early. A plain HTML form that comes back with each refused field's problem. The
//! server's handler (`http::notices`) provides [`NoticesView`].

use leptos::prelude::*;

use crate::components::page_title::PageTitle;
use crate::components::table_region::TableRegion;
use crate::components::when::{utc, When};
use crate::context::request_context;
use crate::html::textarea_content;
use crate::model::notices::NoticesView;

fn problem_of(problems: &[(String, String)], field: &str) -> Option<impl IntoView> {
    let message = problems
        .iter()
        .filter(|(f, _)| f == field)
        .map(|(_, m)| m.clone())
        .collect::<Vec<_>>()
        .join("; ");
    (!message.is_empty()).then(|| {
        view! { <p class="field-error" id=format!("{field}-error") data-test="field-error" data-field=field.to_owned()>{message}</p> }
    })
}

#[component]
pub fn NoticesPage() -> impl IntoView {
    let Some(v) = use_context::<NoticesView>() else {
        return view! { <PageTitle parts=vec!["Notices".to_string()]/><h1>"Notices"</h1> }
            .into_any();
    };
    let now = v.now;
    let csrf = request_context().csrf;
    let p = &v.problems;
    let invalid = |field: &str| p.iter().any(|(f, _)| f == field).then_some("true");
    let rows = v
        .notices
        .iter()
        .map(|n| {
            let state = if n.holds_at(now) {
                "holds"
            } else if n.starts_at > now {
                "coming"
            } else {
                "ended"
            };
            let about = if n.services.is_empty() {
                "the whole homelab".to_owned()
            } else {
                n.services.join(", ")
            };
            let end = (state != "ended").then(|| {
                view! {
                    <form method="post" action=format!("/notices/{}/end", n.id)>
                        <input type="hidden" name="csrf" value=csrf.clone()/>
                        <button type="submit" class="button">"End now"</button>
                    </form>
                }
            });
            let aar = n.aar.clone().map(|(id, title)| view! { <a href=format!("/aars/{id}")>{title}</a> });
            view! {
                <tr data-test="notice-row" data-notice=n.id data-state=state>
                    <th scope="row" data-label="Notice" class="wrap">{n.text.clone()}</th>
                    <td data-label="About">{about}</td>
                    <td data-label="Kind">{if n.maintenance { "maintenance" } else { "notice" }}</td>
                    <td data-label="From">{utc(n.starts_at)}</td>
                    <td data-label="Until">{utc(n.ends_at)}" ("<When now at=Some(n.ends_at)/>")"</td>
                    <td data-label="AAR">{aar}</td>
                    <td data-label="By">{n.created_by.clone()}</td>
                    <td data-label="State">{state}{end}</td>
                </tr>
            }
        })
        .collect_view();
    let chosen = v.form.services.clone();
    let services = v
        .services
        .iter()
        .map(|(id, name)| {
            let checked = chosen.contains(id);
            view! {
                <label class="check">
                    <input type="checkbox" name="services" value=id.clone() checked=checked/>
                    {name.clone()}" "<span class="muted small">{id.clone()}</span>
                </label>
            }
        })
        .collect_view();
    let picked_aar = v.form.aar.clone();
    let aars = v
        .aars
        .iter()
        .map(|(id, title)| {
            let value = id.to_string();
            let selected = value == picked_aar;
            view! { <option value=value selected=selected>{format!("{id}: {title}")}</option> }
        })
        .collect_view();
    let errors = (!p.is_empty()).then(|| {
        view! { <p class="error" role="alert" data-test="form-errors">"The notice was not posted: see the fields marked below."</p> }
    });
    view! {
        <PageTitle parts=vec!["Notices".to_string()]/><h1>"Notices"</h1>
        <p class="muted">"Notices show on the family's Status page and in /api/v1/status. A maintenance window shows its services as \"Maintenance\" instead of down and sends no notification about them while it holds. Times are UTC."</p>
        <TableRegion label="Current, coming and last week's notices">
            <table data-test="notices" class="stack">
                <caption>"Current, coming and last week's notices"</caption>
                <thead><tr><th scope="col">"Notice"</th><th scope="col">"About"</th><th scope="col">"Kind"</th><th scope="col">"From"</th><th scope="col">"Until"</th><th scope="col">"AAR"</th><th scope="col">"By"</th><th scope="col">"State"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </TableRegion>
        <h2>"Post a notice"</h2>
        {errors}
        <form method="post" action="/notices" data-test="notice-form">
            <input type="hidden" name="csrf" value=csrf.clone()/>
            <div class="field">
                <label for="text">"What the family should know"</label>
                <textarea id="text" name="text" rows="3" maxlength="500" aria-invalid=invalid("text")>{textarea_content(&v.form.text)}</textarea>
                {problem_of(p, "text")}
            </div>
            <fieldset class="field">
                <legend>"About (none: the whole homelab)"</legend>
                {services}
                {problem_of(p, "services")}
            </fieldset>
            <div class="field">
                <label for="starts">"From (UTC; empty: now)"</label>
                <input id="starts" name="starts" type="datetime-local" value=v.form.starts.clone() aria-invalid=invalid("starts")/>
                {problem_of(p, "starts")}
            </div>
            <div class="field">
                <label for="ends">"Until (UTC)"</label>
                <input id="ends" name="ends" type="datetime-local" value=v.form.ends.clone() aria-invalid=invalid("ends")/>
                {problem_of(p, "ends")}
            </div>
            <label class="check">
                <input type="checkbox" name="maintenance" value="on" checked=v.form.maintenance/>
                "A maintenance window: its services show \"Maintenance\" and send no notification"
            </label>
            <div class="field">
                <label for="aar">"Linked AAR"</label>
                <select id="aar" name="aar" aria-invalid=invalid("aar")>
                    <option value="">"None"</option>
                    {aars}
                </select>
                {problem_of(p, "aar")}
            </div>
            <button type="submit" class="button">"Post the notice"</button>
        </form>
    }
    .into_any()
}
