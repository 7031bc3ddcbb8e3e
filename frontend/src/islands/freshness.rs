//! "Live", or how old the data is when it is not: the one island every page carries. It holds the
//! tab's one server-sent-event stream (`/api/v1/live`): on each update it refreshes every status
//! marked `data-live-service` on the page, and the health badge, without a reload. The page itself
//! stays server-rendered HTML; this patches text and classes, and swaps in the new server-rendered
//! HTML of a live panel whose data changed (`components::live_region`).
//!
//! A healthy cluster can go quiet for hours, so the age of the last change says nothing about the
//! data: what matters is whether the caches are in sync with the API server (the server's
//! `stale_since`) and whether this tab still hears from the server (the stream).

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

/// The tab's stream to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Not opened yet (the server's render, and the moment before hydration).
    Opening,
    Open,
    /// Dropped; the browser is reconnecting.
    Lost,
}

/// What the header says of the data, as (state for `data-state`, words).
/// `heard` is when this tab last heard from the server; `stale_since` is the server's.
pub fn data_words(
    now: i64,
    stale_since: Option<i64>,
    stream: Stream,
    heard: i64,
) -> (&'static str, String) {
    if let Some(since) = stale_since {
        return ("stale", format!("Data from {}", age_in_words(now - since)));
    }
    if stream == Stream::Lost {
        return (
            "reconnecting",
            format!("Reconnecting; data from {}", age_in_words(now - heard)),
        );
    }
    ("live", "Live".to_string())
}

/// When the cluster last changed and since when the caches are stale, as the page was rendered:
/// from the page's cluster data on the server, read back from the attributes the server wrote
/// in the browser (the island takes no props: see `islands::json`).
fn rendered_freshness() -> (i64, Option<i64>) {
    #[cfg(not(feature = "hydrate"))]
    {
        use_context::<crate::source::Cluster>()
            .map(|cluster| cluster.freshness())
            .map(|f| (f.as_of, f.stale_since))
            .unwrap_or_default()
    }
    #[cfg(feature = "hydrate")]
    {
        let el = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector("[data-test=freshness]").ok().flatten());
        let number = |name: &str| {
            el.as_ref()
                .and_then(|el| el.get_attribute(name))
                .and_then(|v| v.parse::<i64>().ok())
        };
        (
            number("data-as-of").unwrap_or_default(),
            number("data-stale-since"),
        )
    }
}

impl Stream {
    fn as_str(self) -> &'static str {
        match self {
            Stream::Opening => "opening",
            Stream::Open => "open",
            Stream::Lost => "lost",
        }
    }
}

/// Rendered once on the server; in the browser `live` patches its text and attributes directly
/// (no signals: the reactive runtime was a fifth of the WASM for one span).
#[island]
pub fn FreshnessClock() -> impl IntoView {
    let (as_of, stale_since) = rendered_freshness();
    let now = now_unix();
    let (state, words) = data_words(now, stale_since, Stream::Opening, now);
    // After hydration has claimed the span.
    #[cfg(feature = "hydrate")]
    wasm_bindgen_futures::spawn_local(async move { live::start(stale_since) });
    view! {
        <span
            class="freshness"
            data-test="freshness"
            data-live="false"
            data-state=state
            data-stream=Stream::Opening.as_str()
            data-as-of=as_of
            data-stale-since=stale_since
            title=format!("Last change in the cluster: {}", age_in_words(now - as_of))
        >
            {words}
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    use crate::components::status_badge::service_tone_class;
    use crate::islands::json::Json;
    use crate::model::{BackupProgressUpdate, HealthLevel, LiveUpdate, ServiceStatus};
    use crate::words::{announcement, family_words, status_change};

    /// What the header is showing, between the stream's events and the clock's ticks.
    struct Header {
        stale_since: Option<i64>,
        stream: super::Stream,
        heard: i64,
    }

    thread_local! {
        static HEADER: std::cell::RefCell<Header> = const {
            std::cell::RefCell::new(Header { stale_since: None, stream: super::Stream::Opening, heard: 0 })
        };
    }

    /// Changes what the header knows and shows it.
    fn update(change: impl FnOnce(&mut Header)) {
        let (state, words, stream) = HEADER.with(|h| {
            let mut h = h.borrow_mut();
            change(&mut h);
            let (state, words) =
                super::data_words(super::now_unix(), h.stale_since, h.stream, h.heard);
            (state, words, h.stream)
        });
        let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector("[data-test=freshness]").ok().flatten())
        else {
            return;
        };
        let _ = el.set_attribute("data-live", "true");
        let _ = el.set_attribute("data-state", state);
        let _ = el.set_attribute("data-stream", stream.as_str());
        if el.text_content().as_deref() != Some(words.as_str()) {
            el.set_text_content(Some(&words));
        }
    }

    /// Opens the stream and ticks the clock; the browser reconnects the stream by itself when it
    /// drops.
    pub fn start(stale_since: Option<i64>) {
        update(|h| {
            h.stale_since = stale_since;
            h.heard = super::now_unix();
        });
        let tick = Closure::<dyn FnMut()>::new(|| update(|_| {}));
        if let Some(window) = web_sys::window() {
            let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                1_000,
            );
        }
        tick.forget();
        let Ok(source) = web_sys::EventSource::new("/api/v1/live") else {
            update(|h| h.stream = super::Stream::Lost);
            return;
        };
        let on_update =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let Some(update_) = e.data().as_string().and_then(|text| decode(&text)) else {
                    return;
                };
                update(|h| {
                    h.stream = super::Stream::Open;
                    h.heard = super::now_unix();
                    h.stale_since = update_.stale_since;
                });
                apply(&update_);
            });
        let on_open = Closure::<dyn FnMut()>::new(|| update(|h| h.stream = super::Stream::Open));
        let on_error = Closure::<dyn FnMut()>::new(|| update(|h| h.stream = super::Stream::Lost));
        let listeners: [(&str, &js_sys::Function); 3] = [
            ("update", on_update.as_ref().unchecked_ref()),
            ("open", on_open.as_ref().unchecked_ref()),
            ("error", on_error.as_ref().unchecked_ref()),
        ];
        for (event, callback) in listeners {
            let _ = source.add_event_listener_with_callback(event, callback);
        }
        // The stream lives as long as the page: leak the callbacks and the source on purpose.
        on_update.forget();
        on_open.forget();
        on_error.forget();
        std::mem::forget(source);
    }

    /// The stream's JSON, read without serde (`islands::json`).
    fn decode(text: &str) -> Option<LiveUpdate> {
        let json = Json::parse(text)?;
        let pairs = |key: &str| -> Vec<(String, Json)> {
            json.get(key)
                .items()
                .into_iter()
                .filter_map(|pair| Some((pair.at(0).str()?, pair.at(1))))
                .collect()
        };
        Some(LiveUpdate {
            as_of: json.get("as_of").int()?,
            stale_since: json.get("stale_since").int(),
            health: json
                .get("health")
                .str()
                .and_then(|h| HealthLevel::parse(&h)),
            services: pairs("services")
                .into_iter()
                .filter_map(|(id, status)| Some((id, ServiceStatus::parse(&status.str()?)?)))
                .collect(),
            backups: json
                .get("backups")
                .items()
                .into_iter()
                .filter_map(|b| {
                    Some(BackupProgressUpdate {
                        id: b.get("id").str()?,
                        phase: b.get("phase").str().unwrap_or_default(),
                        done: b.get("done").int()?.try_into().ok()?,
                        total: b.get("total").int()?.try_into().ok()?,
                    })
                })
                .collect(),
            panels: pairs("panels")
                .into_iter()
                .filter_map(|(key, version)| Some((key, version.int()?.try_into().ok()?)))
                .collect(),
        })
    }

    fn apply(update: &LiveUpdate) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let mut changes = Vec::new();
        for (id, status) in &update.services {
            let selector = format!("[data-live-service=\"{id}\"]");
            let Ok(nodes) = document.query_selector_all(&selector) else {
                continue;
            };
            // A service shown twice on a page is announced once.
            let mut said = None;
            for i in 0..nodes.length() {
                let Some(el) = nodes
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                else {
                    continue;
                };
                said = set_status(&el, *status).or(said);
            }
            changes.extend(said);
        }
        announce(&document, &changes);
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
                text.set_text_content(Some(&crate::words::progress_words(b.done, b.total)));
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
        wasm_bindgen_futures::spawn_local(async move {
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

    /// Shows `status` on a badge; when it differs from what the badge showed, the sentence that
    /// says so.
    fn set_status(el: &web_sys::Element, status: ServiceStatus) -> Option<String> {
        let family = el.get_attribute("data-live-words").as_deref() == Some("family");
        let words = if family {
            family_words(status)
        } else {
            status.words()
        };
        let changed = el.get_attribute("data-status").as_deref() != Some(status.as_str());
        el.set_text_content(Some(words));
        let _ = el.set_attribute("class", service_tone_class(status));
        let _ = el.set_attribute("data-status", status.as_str());
        let name = el.get_attribute("data-live-name")?;
        changed.then(|| status_change(&name, status, family))
    }

    /// Puts one update's changes in the page's polite live region, replacing what it said last.
    fn announce(document: &web_sys::Document, sentences: &[String]) {
        let (Some(text), Some(region)) = (
            announcement(sentences),
            document.get_element_by_id("announcer"),
        ) else {
            return;
        };
        region.set_text_content(Some(&text));
    }
}

#[cfg(test)]
mod tests {
    use super::{age_in_words, data_words, Stream};

    #[test]
    fn a_quiet_synced_cluster_reads_live_however_old_its_last_change() {
        assert_eq!(data_words(10_000, None, Stream::Open, 9_999).1, "Live");
        // Before the stream opens (the server's render) the caches' word holds.
        assert_eq!(data_words(10_000, None, Stream::Opening, 0).0, "live");
    }

    #[test]
    fn a_lost_stream_or_a_stale_cache_says_how_old_the_data_is() {
        assert_eq!(
            data_words(10_000, None, Stream::Lost, 10_000 - 120),
            (
                "reconnecting",
                "Reconnecting; data from 2 min ago".to_string()
            )
        );
        assert_eq!(
            data_words(10_000, Some(10_000 - 300), Stream::Open, 10_000),
            ("stale", "Data from 5 min ago".to_string())
        );
    }

    #[test]
    fn ages_read_as_words_at_each_scale() {
        assert_eq!(age_in_words(0), "just now");
        assert_eq!(age_in_words(42), "42 s ago");
        assert_eq!(age_in_words(300), "5 min ago");
        assert_eq!(age_in_words(3 * 3_600 + 5), "3 h ago");
        assert_eq!(age_in_words(2 * 86_400), "2 days ago");
    }
}
