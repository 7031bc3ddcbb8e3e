//! Following a pod's log on its logs page: new lines arrive over a server-sent-event stream
//! (`/pods/{namespace}/{name}/logs/follow`, one event per line) and are appended to the page's
//! `pre.log` as text. "Pause" keeps the stream and holds new lines back (up to
//! [`MAX_HELD`]) until "Resume"; the filter hides the lines that do not contain its text,
//! ignoring case, old and new alike. Closing the tab closes the stream, and the server's stream
//! to the API server with it.
//!
//! Like the other islands it takes no props: it reads the stream's address from the `data-follow`
//! attribute the page rendered on the log element.

use leptos::prelude::*;

/// Lines held back while paused; older ones are dropped (and counted) beyond this.
pub const MAX_HELD: usize = 10_000;

#[island]
pub fn LogFollow() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    wasm_bindgen_futures::spawn_local(async { follow::start() });
    view! {
        <div class="filters" data-test="log-follow" data-state="off">
            <button type="button" data-test="log-follow-toggle" disabled>"Follow"</button>
            <label>"Filter lines"<input type="search" data-test="log-filter" disabled/></label>
            <span class="small muted" data-test="log-follow-status" role="status"></span>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod follow {
    use std::cell::RefCell;
    use std::collections::VecDeque;

    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{Document, Element, EventSource};

    use super::MAX_HELD;

    #[derive(Default)]
    struct State {
        source: Option<EventSource>,
        paused: bool,
        held: VecDeque<String>,
        dropped: usize,
        filter: String,
        received: usize,
    }

    thread_local! {
        static STATE: RefCell<State> = RefCell::new(State::default());
    }

    fn document() -> Option<Document> {
        web_sys::window()?.document()
    }

    fn find(selector: &str) -> Option<Element> {
        document()?.query_selector(selector).ok().flatten()
    }

    fn status(words: &str) {
        if let Some(el) = find("[data-test=log-follow-status]") {
            el.set_text_content(Some(words));
        }
    }

    fn set_state(state: &str, button: &str) {
        if let Some(el) = find("[data-test=log-follow]") {
            let _ = el.set_attribute("data-state", state);
        }
        if let Some(el) = find("[data-test=log-follow-toggle]") {
            el.set_text_content(Some(button));
        }
    }

    fn shown(line: &str, filter: &str) -> bool {
        filter.is_empty() || line.to_lowercase().contains(filter)
    }

    /// Appends lines to the log, each its own element so the filter can hide it.
    fn append(lines: impl IntoIterator<Item = String>) {
        let (Some(document), Some(log)) = (document(), find("[data-test=log]")) else {
            return;
        };
        let filter = STATE.with(|s| s.borrow().filter.clone());
        for line in lines {
            let Ok(el) = document.create_element("span") else {
                continue;
            };
            let _ = el.set_attribute("data-line", "");
            if !shown(&line, &filter) {
                let _ = el.set_attribute("hidden", "");
            }
            el.set_text_content(Some(&format!("{line}\n")));
            let _ = log.append_child(&el);
        }
        // Keep the newest line in view.
        let height = log.scroll_height();
        log.set_scroll_top(height);
    }

    fn on_line(line: String) {
        let deliver = STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.received += 1;
            if s.paused {
                if s.held.len() == MAX_HELD {
                    s.held.pop_front();
                    s.dropped += 1;
                }
                s.held.push_back(line.clone());
                None
            } else {
                Some(line)
            }
        });
        match deliver {
            Some(line) => {
                append([line]);
                let n = STATE.with(|s| s.borrow().received);
                status(&format!(
                    "Following: {n} new line{}",
                    if n == 1 { "" } else { "s" }
                ));
            }
            None => {
                let (held, dropped) = STATE.with(|s| {
                    let s = s.borrow();
                    (s.held.len(), s.dropped)
                });
                let lost = if dropped > 0 {
                    format!("; {dropped} older ones dropped")
                } else {
                    String::new()
                };
                status(&format!("Paused: {held} new lines held{lost}"));
            }
        }
    }

    fn open(url: &str) {
        let Ok(source) = EventSource::new(url) else {
            status("The log cannot be followed from this browser.");
            return;
        };
        let on_line =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
                if let Some(line) = e.data().as_string() {
                    on_line(line);
                }
            });
        let on_end =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
                let why = e.data().as_string().unwrap_or_default();
                STATE.with(|s| {
                    if let Some(source) = s.borrow_mut().source.take() {
                        source.close();
                    }
                });
                set_state("ended", "Follow");
                status(&why);
            });
        // A refusal (or a server gone for good) closes the source; a dropped connection is
        // retried by the browser.
        let on_error = Closure::<dyn FnMut()>::new(|| {
            let closed = STATE.with(|s| {
                let mut s = s.borrow_mut();
                let closed = s
                    .source
                    .as_ref()
                    .is_some_and(|source| source.ready_state() == EventSource::CLOSED);
                if closed {
                    s.source = None;
                }
                closed
            });
            if closed {
                set_state("ended", "Follow");
                status("The log cannot be followed now: the server refused or is gone.");
            } else {
                status("Reconnecting…");
            }
        });
        let _ = source.add_event_listener_with_callback("line", on_line.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("end", on_end.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
        on_line.forget();
        on_end.forget();
        on_error.forget();
        STATE.with(|s| s.borrow_mut().source = Some(source));
        set_state("following", "Pause");
        status("Following: waiting for new lines");
    }

    fn toggle(url: &str) {
        let (following, paused) = STATE.with(|s| {
            let s = s.borrow();
            (s.source.is_some(), s.paused)
        });
        if !following {
            open(url);
            return;
        }
        if paused {
            let held: Vec<String> = STATE.with(|s| {
                let mut s = s.borrow_mut();
                s.paused = false;
                s.dropped = 0;
                s.held.drain(..).collect()
            });
            append(held);
            set_state("following", "Pause");
            status("Following");
        } else {
            STATE.with(|s| s.borrow_mut().paused = true);
            set_state("paused", "Resume");
            status("Paused: new lines are held");
        }
    }

    fn refilter(filter: String) {
        let filter = filter.trim().to_lowercase();
        STATE.with(|s| s.borrow_mut().filter = filter.clone());
        let Some(log) = find("[data-test=log]") else {
            return;
        };
        let Ok(lines) = log.query_selector_all("[data-line]") else {
            return;
        };
        for i in 0..lines.length() {
            let Some(el) = lines.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                continue;
            };
            let text = el.text_content().unwrap_or_default();
            let _ = if shown(&text, &filter) {
                el.remove_attribute("hidden")
            } else {
                el.set_attribute("hidden", "")
            };
        }
    }

    pub fn start() {
        let Some(url) = find("[data-test=log]").and_then(|el| el.get_attribute("data-follow"))
        else {
            return;
        };
        if let Some(button) = find("[data-test=log-follow-toggle]") {
            let _ = button.remove_attribute("disabled");
            let click = Closure::<dyn FnMut()>::new(move || toggle(&url));
            let _ =
                button.add_event_listener_with_callback("click", click.as_ref().unchecked_ref());
            click.forget();
        }
        if let Some(input) = find("[data-test=log-filter]") {
            let _ = input.remove_attribute("disabled");
            let field = input.clone();
            let on_input = Closure::<dyn FnMut()>::new(move || {
                let value = js_sys::Reflect::get(&field, &"value".into())
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default();
                refilter(value);
            });
            let _ =
                input.add_event_listener_with_callback("input", on_input.as_ref().unchecked_ref());
            on_input.forget();
        }
    }
}
