//! "Updated 12 s ago", kept live: the one island every page carries. It ticks the age of the
//! data, and holds the tab's one server-sent-event stream (`/api/v1/live`): on each update it
//! refreshes every status marked `data-live-service` on the page, and the health badge, without
//! a reload. The page itself stays server-rendered HTML; this patches text and classes, and swaps
//! in the new server-rendered HTML of a live panel whose data changed (`components::live_region`).

use leptos::prelude::*;

/// Seconds since the Unix epoch, on whichever side is rendering.
fn now_unix() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        (js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }
}

/// Words for an age in seconds: "just now", "42 s ago", "5 min ago", "3 h ago", "2 days ago".
pub fn age_in_words(seconds: i64) -> String {
    match seconds {
        s if s < 5 => "just now".to_string(),
        s if s < 60 => format!("{s} s ago"),
        s if s < 3_600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3_600),
        s => format!("{} days ago", s / 86_400),
    }
}

#[island]
pub fn FreshnessClock(as_of: i64) -> impl IntoView {
    let (now, set_now) = signal(now_unix());
    let (as_of, set_as_of) = signal(as_of);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        hydrated.set(true);
        set_interval(
            move || set_now.set(now_unix()),
            std::time::Duration::from_secs(1),
        );
        #[cfg(feature = "hydrate")]
        live::connect(set_as_of);
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = set_as_of;
    view! {
        <span class="freshness" data-test="freshness" data-live=move || hydrated.get().to_string()>
            "Updated "{move || age_in_words(now.get() - as_of.get())}
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    use crate::components::status_badge::service_tone_class;
    use crate::model::{LiveUpdate, ServiceStatus};
    use crate::pages::status::family_words;

    /// Opens the stream; the browser reconnects by itself when it drops.
    pub fn connect(set_as_of: WriteSignal<i64>) {
        let Ok(source) = web_sys::EventSource::new("/api/v1/live") else {
            return;
        };
        let on_update =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let Some(text) = e.data().as_string() else {
                    return;
                };
                let Ok(update) = serde_json::from_str::<LiveUpdate>(&text) else {
                    return;
                };
                set_as_of.set(update.as_of);
                apply(&update);
            });
        let _ =
            source.add_event_listener_with_callback("update", on_update.as_ref().unchecked_ref());
        // The stream lives as long as the page: leak the callback and the source on purpose.
        on_update.forget();
        std::mem::forget(source);
    }

    fn apply(update: &LiveUpdate) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        for (id, status) in &update.services {
            let selector = format!("[data-live-service=\"{id}\"]");
            let Ok(nodes) = document.query_selector_all(&selector) else {
                continue;
            };
            for i in 0..nodes.length() {
                let Some(el) = nodes
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                else {
                    continue;
                };
                set_status(&el, *status);
            }
        }
        for b in &update.backups {
            let selector = format!("[data-live-backup=\"{}\"]", b.id);
            let Ok(Some(el)) = document.query_selector(&selector) else {
                continue;
            };
            if let Ok(Some(bar)) = el.query_selector("progress") {
                let _ = bar.set_attribute("max", &b.total.to_string());
                let _ = bar.set_attribute("value", &b.done.to_string());
            }
            if let Ok(Some(text)) = el.query_selector(".progress-text") {
                text.set_text_content(Some(&crate::pages::backups::progress_words(
                    b.done, b.total,
                )));
            }
        }
        if let (Some(level), Ok(Some(el))) =
            (update.health, document.query_selector("[data-live-health]"))
        {
            el.set_text_content(Some(level.words()));
            let _ = el.set_attribute("class", crate::components::health::tone_class_of(level));
        }
        refresh_panels(&document, &update.panels);
    }

    thread_local! {
        /// A fetch of the page is under way; updates meanwhile wait in `PENDING`.
        static FETCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        static PENDING: std::cell::RefCell<Option<Vec<(String, u64)>>> =
            const { std::cell::RefCell::new(None) };
    }

    fn region(document: &web_sys::Document, key: &str) -> Option<web_sys::Element> {
        document
            .query_selector(&format!("[data-live-region=\"{key}\"]"))
            .ok()
            .flatten()
    }

    /// Fetches the page again when a panel on it shows an older version than the stream's, one
    /// fetch at a time.
    fn refresh_panels(document: &web_sys::Document, panels: &[(String, u64)]) {
        let stale: Vec<String> = panels
            .iter()
            .filter(|(key, version)| {
                region(document, key).is_some_and(|el| {
                    el.get_attribute("data-live-version").as_deref()
                        != Some(version.to_string().as_str())
                })
            })
            .map(|(key, _)| key.clone())
            .collect();
        if stale.is_empty() {
            return;
        }
        if FETCHING.with(|f| f.replace(true)) {
            PENDING.with(|p| *p.borrow_mut() = Some(panels.to_vec()));
            return;
        }
        leptos::task::spawn_local(async move {
            swap_regions(&stale).await;
            FETCHING.with(|f| f.set(false));
            let pending = PENDING.with(|p| p.borrow_mut().take());
            if let (Some(panels), Some(document)) =
                (pending, web_sys::window().and_then(|w| w.document()))
            {
                refresh_panels(&document, &panels);
            }
        });
    }

    /// Replaces the panels `keys` with their HTML from a fresh copy of this page.
    async fn swap_regions(keys: &[String]) -> Option<()> {
        use wasm_bindgen_futures::JsFuture;
        let window = web_sys::window()?;
        let href = window.location().href().ok()?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str(&href))
            .await
            .ok()?
            .dyn_into()
            .ok()?;
        if !response.ok() {
            return None;
        }
        let text = JsFuture::from(response.text().ok()?)
            .await
            .ok()?
            .as_string()?;
        let fresh = web_sys::DomParser::new()
            .ok()?
            .parse_from_string(&text, web_sys::SupportedType::TextHtml)
            .ok()?;
        let document = window.document()?;
        for key in keys {
            if let (Some(old), Some(new)) = (region(&document, key), region(&fresh, key)) {
                old.set_inner_html(&new.inner_html());
                let version = new.get_attribute("data-live-version").unwrap_or_default();
                let _ = old.set_attribute("data-live-version", &version);
            }
        }
        Some(())
    }

    fn set_status(el: &web_sys::Element, status: ServiceStatus) {
        let words = if el.get_attribute("data-live-words").as_deref() == Some("family") {
            family_words(status)
        } else {
            status.words()
        };
        el.set_text_content(Some(words));
        let _ = el.set_attribute("class", service_tone_class(status));
        let _ = el.set_attribute("data-status", status.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::age_in_words;

    #[test]
    fn ages_read_as_words_at_each_scale() {
        assert_eq!(age_in_words(0), "just now");
        assert_eq!(age_in_words(42), "42 s ago");
        assert_eq!(age_in_words(300), "5 min ago");
        assert_eq!(age_in_words(3 * 3_600 + 5), "3 h ago");
        assert_eq!(age_in_words(2 * 86_400), "2 days ago");
    }
}
