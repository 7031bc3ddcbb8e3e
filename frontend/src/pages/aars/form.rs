//! The create and edit form (`/aars/new`, `/aars/:id/edit`): a plain HTML form that comes back
//! with each refused field's message under it, and the edit conflict when someone saved first.

use leptos::prelude::*;

use crate::components::page_title::PageTitle;
use crate::components::table_region::TableRegion;
use crate::context::request_context;
use crate::html::textarea_content;
use crate::model::aar::AarForm;

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
pub(super) fn FormPage(form: AarForm) -> impl IntoView {
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
    let items_error = field_error(&form, "items");
    view! {
        <PageTitle parts=vec![title.to_string(), "AARs".to_string()]/><h1>{title}</h1>
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
            <TableRegion label="Action items (empty rows are ignored)">
                <table>
                    <caption>"Action items (empty rows are ignored)"</caption>
                    <thead><tr><th>"Action"</th><th>"Owner"</th><th>"Priority"</th><th>"Status"</th><th>"Due"</th><th>"Done on"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
                {items_error}
            </TableRegion>
            {text_area(&form, "extra_sections", "Other sections", 4, "each starts with a line #### Heading; Markdown")}
            <button class="primary" type="submit" data-test="save-aar">"Save"</button>
        </form>
    }
}
