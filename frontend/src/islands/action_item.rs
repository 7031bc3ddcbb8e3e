//! An action item's status, priority, owner and due date, changed in place on the AAR's page
//! once it has hydrated: each change is posted as JSON (`POST /aars/{id}/items/{n}/inline`, the
//! CSRF token in its header) and the server's answer is shown next to the item: saved, a
//! field-level problem, or a conflict with a newer version. Without WASM the server-rendered
//! HTML is the plain buttons, which post forms as before.
//!
//! Every save makes a new version of the AAR. The page's current version is kept on the element
//! `#aar-version` (`data-version`), read before each post and updated after, together with every
//! form's hidden `version` field, so that the other items and forms on the page stay current.

use leptos::prelude::*;

use crate::components::status_badge::{StatusBadge, Tone};
use crate::model::aar::{InlineItem, ItemStatus};

/// The page element carrying the AAR's current version.
pub const VERSION_ELEMENT_ID: &str = "aar-version";

#[island]
pub fn ActionItemEditor(
    aar_id: i64,
    position: i64,
    version: i64,
    item: InlineItem,
    csrf: String,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let token = StoredValue::new(csrf.clone());
    let current = RwSignal::new(item);
    // (field, message): the field at fault, or "" for the whole item (a conflict).
    let problem = RwSignal::new(None::<(String, String)>);
    let saved = RwSignal::new(false);
    let n = position + 1;

    let fallback = {
        let csrf = csrf.clone();
        move || {
            let status = current.get_untracked().status;
            let action = format!("/aars/{aar_id}/items/{position}");
            let button = |to: ItemStatus, label: &'static str, test: &'static str| {
                view! {
                    <form class="inline" method="post" action=action.clone()>
                        <input type="hidden" name="csrf" value=csrf.clone()/>
                        <input type="hidden" name="version" value=version/>
                        <input type="hidden" name="back" value="aar"/>
                        <button class="link" type="submit" name="status" value=to.as_str() data-test=test>{label}</button>
                    </form>
                }
            };
            let c = current.get_untracked();
            let (tone, word) = match ItemStatus::parse(&status).unwrap_or_default() {
                ItemStatus::Open => (Tone::Warn, "Open"),
                ItemStatus::Done => (Tone::Good, "Done"),
                ItemStatus::Dropped => (Tone::Neutral, "Dropped"),
            };
            let facts = [
                (!c.priority.is_empty()).then(|| c.priority.clone()),
                (!c.owner.is_empty()).then(|| format!("owner {}", c.owner)),
                (!c.due.is_empty()).then(|| format!("due {}", c.due)),
                (!c.done_on.is_empty()).then(|| format!("done {}", c.done_on)),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
            let buttons = if status == ItemStatus::Open.as_str() {
                view! { {button(ItemStatus::Done, "Mark done", "mark-done")}" · "{button(ItemStatus::Dropped, "Drop", "drop")} }
                    .into_any()
            } else {
                button(ItemStatus::Open, "Reopen", "reopen").into_any()
            };
            view! { <StatusBadge tone=tone text=word/>" "<span class="small">{facts}</span>" "{buttons} }
        }
    };

    let save = move |field: &'static str, value: String| {
        let mut next = current.get_untracked();
        match field {
            "status" => next.status = value,
            "priority" => next.priority = value,
            "owner" => next.owner = value,
            _ => next.due = value,
        }
        problem.set(None);
        saved.set(false);
        #[cfg(feature = "hydrate")]
        {
            let csrf = token.get_value();
            leptos::task::spawn_local(async move {
                match post::edit(aar_id, position, &next, &csrf).await {
                    Ok(reply) => {
                        current.set(reply);
                        saved.set(true);
                    }
                    Err(e) => problem.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (next, token);
    };

    let error_for = move |field: &'static str| {
        move || {
            problem.get().filter(|(f, _)| f == field).map(|(_, message)| {
                view! { <p class="field-error" data-test="inline-error" data-field=field>{message}</p> }
            })
        }
    };
    let select = move |field: &'static str,
                       label: String,
                       choices: &'static [(&'static str, &'static str)]| {
        let value = move || {
            let c = current.get();
            if field == "status" {
                c.status
            } else {
                c.priority
            }
        };
        let options = choices
            .iter()
            .map(|(v, text)| view! { <option value=*v selected=move || value() == *v>{*text}</option> })
            .collect_view();
        view! {
            <select aria-label=label data-test=format!("inline-{field}")
                on:change=move |ev| save(field, event_target_value(&ev))>
                {options}
            </select>
        }
    };
    let input = move |field: &'static str, label: String, kind: &'static str| {
        let value = move || {
            let c = current.get();
            if field == "owner" {
                c.owner
            } else {
                c.due
            }
        };
        let invalid = move || {
            problem
                .get()
                .is_some_and(|(f, _)| f == field)
                .then_some("true")
        };
        view! {
            <input type=kind prop:value=value aria-label=label aria-invalid=invalid size="10"
                data-test=format!("inline-{field}") on:change=move |ev| save(field, event_target_value(&ev))/>
        }
    };

    let editor = move || {
        view! {
            {select("status", format!("Action item {n} status"), &[("open", "open"), ("done", "done"), ("dropped", "dropped")])}
            {select("priority", format!("Action item {n} priority"), &[("", "–"), ("P0", "P0"), ("P1", "P1"), ("P2", "P2"), ("P3", "P3")])}
            {input("owner", format!("Action item {n} owner"), "text")}
            {input("due", format!("Action item {n} due"), "date")}
            {move || (!current.get().done_on.is_empty()).then(|| view! { <span class="small muted">" done "{current.get().done_on}</span> })}
            {move || saved.get().then(|| view! { <span class="small muted" role="status" data-test="inline-saved">" Saved"</span> })}
            {error_for("status")}{error_for("priority")}{error_for("owner")}{error_for("due")}
            {move || problem.get().filter(|(f, _)| f.is_empty()).map(|(_, message)| {
                view! { <p class="error" role="alert" data-test="inline-conflict">{message}</p> }
            })}
        }
    };

    view! {
        <div class="item-editor" data-test="item-editor" data-hydrated=move || hydrated.get().to_string()>
            {move || if hydrated.get() { editor().into_any() } else { fallback().into_any() }}
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod post {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    use super::VERSION_ELEMENT_ID;
    use crate::model::aar::{InlineItem, InlineItemEdit, InlineItemReply};

    fn document() -> Option<web_sys::Document> {
        web_sys::window()?.document()
    }

    fn page_version() -> Option<i64> {
        document()?
            .get_element_by_id(VERSION_ELEMENT_ID)?
            .get_attribute("data-version")?
            .parse()
            .ok()
    }

    /// The page now shows `version`: the marker and every form's hidden field.
    fn set_page_version(version: i64) {
        let Some(document) = document() else { return };
        let text = version.to_string();
        if let Some(el) = document.get_element_by_id(VERSION_ELEMENT_ID) {
            let _ = el.set_attribute("data-version", &text);
        }
        if let Ok(inputs) = document.query_selector_all("input[name=version]") {
            for i in 0..inputs.length() {
                if let Some(el) = inputs
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    let _ = el.set_attribute("value", &text);
                    // The property too: it is what a form submits.
                    let _ = js_sys::Reflect::set(&el, &"value".into(), &text.as_str().into());
                }
            }
        }
    }

    const UNREACHABLE: &str = "The server could not be reached; the change was not saved.";

    /// Posts `item` as the new state of the item; Ok with what the server saved, or the field
    /// at fault ("" for the whole item) and why.
    pub async fn edit(
        aar_id: i64,
        position: i64,
        item: &InlineItem,
        csrf: &str,
    ) -> Result<InlineItem, (String, String)> {
        let fail = |message: &str| (String::new(), message.to_owned());
        let version =
            page_version().ok_or_else(|| fail("Reload the page: its version is missing."))?;
        let body = serde_json::to_string(&InlineItemEdit {
            version,
            item: item.clone(),
        })
        .map_err(|_| fail(UNREACHABLE))?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&body.into());
        let headers = web_sys::Headers::new().map_err(|_| fail(UNREACHABLE))?;
        let _ = headers.set("Content-Type", "application/json");
        let _ = headers.set("X-CSRF-Token", csrf);
        let _ = headers.set("Accept", "application/json");
        init.set_headers(&headers);
        let window = web_sys::window().ok_or_else(|| fail(UNREACHABLE))?;
        let url = format!("/aars/{aar_id}/items/{position}/inline");
        let response: web_sys::Response =
            JsFuture::from(window.fetch_with_str_and_init(&url, &init))
                .await
                .map_err(|_| fail(UNREACHABLE))?
                .dyn_into()
                .map_err(|_| fail(UNREACHABLE))?;
        let text = JsFuture::from(response.text().map_err(|_| fail(UNREACHABLE))?)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        let reply: InlineItemReply = serde_json::from_str(&text).map_err(|_| {
            fail(&format!(
                "The server answered {}; the change was not saved.",
                response.status()
            ))
        })?;
        match reply {
            InlineItemReply::Saved { version, item } => {
                set_page_version(version);
                Ok(item)
            }
            InlineItemReply::Refused { field, message } => Err((field, message)),
        }
    }
}
