//! "Updated 12 s ago": how old the cluster data on the page is, ticking in the browser.

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
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        hydrated.set(true);
        set_interval(
            move || set_now.set(now_unix()),
            std::time::Duration::from_secs(1),
        );
    });
    view! {
        <span class="freshness" data-test="freshness" data-live=move || hydrated.get().to_string()>
            "Updated "{move || age_in_words(now.get() - as_of)}
        </span>
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
