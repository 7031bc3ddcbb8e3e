//! Action items edited in place on the AAR's page once it has hydrated. The page renders, for each
//! item of the current version, both the plain buttons (forms that work without WASM) and hidden
//! controls for status, priority, owner and due date (`pages::aars`). This island, one per page,
//! swaps them and posts each change (`POST /aars/{id}/items/{n}/inline`, a urlencoded body and
//! the CSRF token in its header); the server's JSON answer is shown in place: saved, a problem
//! next to its field, or a conflict with a newer version.
//!
//! It patches the server's HTML rather than rendering its own view: a reactive view per item
//! made the WASM 60 KB (compressed) larger, against a page budget of 150 KB.
//!
//! Every save makes a new version of the AAR. The page's current version is kept on
//! `#aar-version` (`data-version`), read before each post and updated after, with every form's
//! hidden `version` field, so that the other items and forms on the page stay current.

use leptos::prelude::*;

/// The page element carrying the AAR's current version.
pub const VERSION_ELEMENT_ID: &str = "aar-version";

/// The island takes no props (see `islands::json`): it reads the AAR's id from the version
/// element (`data-aar`) and the CSRF token from the page's `csrf-token` meta tag.
#[island]
pub fn InlineActionItems() -> impl IntoView {
    // After hydration has claimed the marker.
    #[cfg(feature = "hydrate")]
    wasm_bindgen_futures::spawn_local(async { wire::start() });
    view! { <span hidden data-test="inline-items" data-hydrated="false"></span> }
}

#[cfg(feature = "hydrate")]
mod wire {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Document, Element};

    use super::VERSION_ELEMENT_ID;
    use crate::islands::json::Json;
    use crate::model::aar::{InlineItem, InlineItemReply};

    const FIELDS: [&str; 4] = ["status", "priority", "owner", "due"];
    const UNREACHABLE: &str = "The server could not be reached; the change was not saved.";

    fn document() -> Option<Document> {
        web_sys::window()?.document()
    }

    fn find(root: &Element, selector: &str) -> Option<Element> {
        root.query_selector(selector).ok().flatten()
    }

    fn value_of(el: &Element) -> String {
        js_sys::Reflect::get(el, &"value".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    }

    fn set_value(el: &Element, value: &str) {
        let _ = js_sys::Reflect::set(el, &"value".into(), &value.into());
    }

    fn show(el: Option<Element>, visible: bool) {
        if let Some(el) = el {
            let _ = if visible {
                el.remove_attribute("hidden")
            } else {
                el.set_attribute("hidden", "")
            };
        }
    }

    /// Swaps every item's buttons for its controls and listens to their changes.
    pub fn start() {
        let Some(document) = document() else { return };
        let aar_id = document
            .get_element_by_id(VERSION_ELEMENT_ID)
            .and_then(|el| el.get_attribute("data-aar"))
            .and_then(|id| id.parse::<i64>().ok());
        let csrf = document
            .query_selector("meta[name=csrf-token]")
            .ok()
            .flatten()
            .and_then(|meta| meta.get_attribute("content"));
        let (Some(aar_id), Some(csrf), Ok(editors)) = (
            aar_id,
            csrf,
            document.query_selector_all("[data-inline-item]"),
        ) else {
            return;
        };
        if let Ok(Some(marker)) = document.query_selector("[data-test=inline-items]") {
            let _ = marker.set_attribute("data-hydrated", "true");
        }
        for i in 0..editors.length() {
            let Some(editor) = editors.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                continue;
            };
            let Some(position) = editor
                .get_attribute("data-inline-item")
                .and_then(|p| p.parse::<i64>().ok())
            else {
                continue;
            };
            show(find(&editor, "[data-inline=buttons]"), false);
            show(find(&editor, "[data-inline=controls]"), true);
            let _ = editor.set_attribute("data-hydrated", "true");
            let csrf = csrf.clone();
            let target = editor.clone();
            let on_change = Closure::<dyn FnMut()>::new(move || {
                let (editor, csrf) = (target.clone(), csrf.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let reply = save(aar_id, position, &editor, &csrf).await;
                    show_reply(&editor, reply);
                });
            });
            let _ = editor
                .add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
            // Listens as long as the page lives.
            on_change.forget();
        }
    }

    fn page_version(document: &Document) -> Option<String> {
        document
            .get_element_by_id(VERSION_ELEMENT_ID)?
            .get_attribute("data-version")
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
                if let Some(el) = inputs.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    let _ = el.set_attribute("value", &text);
                    set_value(&el, &text);
                }
            }
        }
    }

    fn refused(message: &str) -> InlineItemReply {
        InlineItemReply {
            message: message.to_owned(),
            ..InlineItemReply::default()
        }
    }

    /// Posts the item's controls as its new state.
    async fn save(aar_id: i64, position: i64, editor: &Element, csrf: &str) -> InlineItemReply {
        let Some(document) = document() else {
            return refused(UNREACHABLE);
        };
        let Some(version) = page_version(&document) else {
            return refused("Reload the page: its version is missing.");
        };
        let mut body = format!("version={version}");
        for field in FIELDS {
            let value = find(editor, &format!("[data-field={field}]"))
                .map(|c| value_of(&c))
                .unwrap_or_default();
            let value: String = js_sys::encode_uri_component(&value).into();
            body.push_str(&format!("&{field}={value}"));
        }
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&body.into());
        let Ok(headers) = web_sys::Headers::new() else {
            return refused(UNREACHABLE);
        };
        let _ = headers.set("Content-Type", "application/x-www-form-urlencoded");
        let _ = headers.set("X-CSRF-Token", csrf);
        init.set_headers(&headers);
        let Some(window) = web_sys::window() else {
            return refused(UNREACHABLE);
        };
        let url = format!("/aars/{aar_id}/items/{position}/inline");
        let Ok(response) = JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await else {
            return refused(UNREACHABLE);
        };
        let Ok(response) = response.dyn_into::<web_sys::Response>() else {
            return refused(UNREACHABLE);
        };
        let text = match response.text() {
            Ok(promise) => JsFuture::from(promise)
                .await
                .ok()
                .and_then(|t| t.as_string()),
            Err(_) => None,
        };
        text.and_then(|t| decode(&t)).unwrap_or_else(|| {
            refused(&format!(
                "The server answered {}; the change was not saved.",
                response.status()
            ))
        })
    }

    /// The server's answer, read without serde (`islands::json`).
    fn decode(text: &str) -> Option<InlineItemReply> {
        let json = Json::parse(text)?;
        let item = json.get("item");
        let text = |json: &Json, key: &str| json.get(key).str().unwrap_or_default();
        Some(InlineItemReply {
            saved: json.get("saved").flag(),
            version: json.get("version").int().unwrap_or_default(),
            item: InlineItem {
                status: text(&item, "status"),
                priority: text(&item, "priority"),
                owner: text(&item, "owner"),
                due: text(&item, "due"),
                done_on: text(&item, "done_on"),
            },
            field: text(&json, "field"),
            message: json.get("message").str()?,
        })
    }

    fn show_reply(editor: &Element, reply: InlineItemReply) {
        let error = find(editor, "[data-test=inline-error]");
        for field in FIELDS {
            if let Some(control) = find(editor, &format!("[data-field={field}]")) {
                let _ = if !reply.saved && reply.field == field {
                    control.set_attribute("aria-invalid", "true")
                } else {
                    control.remove_attribute("aria-invalid")
                };
            }
        }
        show(find(editor, "[data-test=inline-saved]"), reply.saved);
        if !reply.saved {
            if let Some(error) = &error {
                let _ = error.set_attribute("data-field", &reply.field);
                error.set_text_content(Some(&reply.message));
            }
            show(error, true);
            return;
        }
        show(error, false);
        let item = &reply.item;
        for (field, value) in
            FIELDS
                .iter()
                .zip([&item.status, &item.priority, &item.owner, &item.due])
        {
            if let Some(control) = find(editor, &format!("[data-field={field}]")) {
                set_value(&control, value);
            }
        }
        if let Some(done) = find(editor, "[data-inline=done-on]") {
            let text = if item.done_on.is_empty() {
                String::new()
            } else {
                format!("done {}", item.done_on)
            };
            done.set_text_content(Some(&text));
        }
        if let Ok(Some(row)) = editor.closest("tr") {
            let _ = row.set_attribute("data-status", &item.status);
        }
        set_page_version(reply.version);
    }
}
