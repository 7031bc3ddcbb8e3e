//! Events from the watch cache: those about one object for its page, and the cluster-wide
//! Events page with its filters. Newest first, Warning and Normal alike.

use std::collections::BTreeSet;

use frontend::model::events::{EventFilter, EventRow, EventsView};
use k8s_openapi::api::core::v1::Event;

use super::Snapshot;

/// Events an object page lists at most.
pub const PER_OBJECT: usize = 100;
/// The longest value a filter takes: a Kubernetes name is at most 253 characters.
const MAX_FILTER_CHARS: usize = 253;

/// An event as pages show it. Core/v1 events carry first and last timestamps and a count; events
/// written through events.k8s.io carry an event time and a series instead.
pub fn row(e: &Event) -> EventRow {
    let o = &e.involved_object;
    let series = e.series.as_ref();
    let first = e
        .first_timestamp
        .as_ref()
        .map(|t| t.0.as_second())
        .or_else(|| e.event_time.as_ref().map(|t| t.0.as_second()))
        .or_else(|| {
            e.metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_second())
        });
    let last = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0.as_second())
        .or_else(|| {
            series
                .and_then(|s| s.last_observed_time.as_ref())
                .map(|t| t.0.as_second())
        })
        .or(first);
    EventRow {
        warning: e.type_.as_deref() == Some("Warning"),
        namespace: o
            .namespace
            .clone()
            .or_else(|| e.metadata.namespace.clone())
            .unwrap_or_default(),
        kind: o.kind.clone().unwrap_or_default(),
        name: o.name.clone().unwrap_or_default(),
        reason: e.reason.clone().unwrap_or_default(),
        message: e.message.clone().unwrap_or_default(),
        count: e
            .count
            .or_else(|| series.and_then(|s| s.count))
            .unwrap_or(1),
        first_seen: first,
        last_seen: last,
    }
}

fn newest_first(rows: &mut [EventRow]) {
    rows.sort_by(|a, b| {
        (b.last_seen, b.first_seen)
            .cmp(&(a.last_seen, a.first_seen))
            .then_with(|| (&a.namespace, &a.kind, &a.name).cmp(&(&b.namespace, &b.kind, &b.name)))
    });
}

/// The events about objects `matches(kind, namespace, name)` accepts, newest first, at most
/// [`PER_OBJECT`].
pub fn about(snap: &Snapshot, matches: impl Fn(&str, &str, &str) -> bool) -> Vec<EventRow> {
    let mut rows: Vec<EventRow> = snap
        .events
        .iter()
        .map(|e| row(e))
        .filter(|r| matches(&r.kind, &r.namespace, &r.name))
        .collect();
    newest_first(&mut rows);
    rows.truncate(PER_OBJECT);
    rows
}

/// Refuses a filter no event could match for a reason the admin should hear: an unknown type,
/// or a value longer than any name.
pub fn check(filter: &EventFilter) -> Result<(), String> {
    if !["", "Warning", "Normal"].contains(&filter.type_.as_str()) {
        return Err(format!(
            "type: \"{}\" is not an event type (Warning or Normal)",
            filter.type_
        ));
    }
    for (field, value) in [
        ("namespace", &filter.namespace),
        ("kind", &filter.kind),
        ("name", &filter.name),
        ("reason", &filter.reason),
        ("text", &filter.text),
    ] {
        if value.chars().count() > MAX_FILTER_CHARS {
            return Err(format!(
                "{field}: longer than {MAX_FILTER_CHARS} characters"
            ));
        }
    }
    Ok(())
}

fn accepts(filter: &EventFilter, text: &str, r: &EventRow) -> bool {
    let is = |want: &str, have: &str| want.is_empty() || want == have;
    is(&filter.type_, if r.warning { "Warning" } else { "Normal" })
        && is(&filter.namespace, &r.namespace)
        && is(&filter.kind, &r.kind)
        && is(&filter.name, &r.name)
        && is(&filter.reason, &r.reason)
        && (text.is_empty()
            || [&r.reason, &r.name, &r.message]
                .iter()
                .any(|f| f.to_lowercase().contains(text)))
}

/// The Events page for `filter`: the matching events newest first (at most
/// [`EventsView::LIMIT`]), and every namespace, kind and reason in the cache to filter by.
pub fn page(snap: &Snapshot, filter: EventFilter) -> EventsView {
    let all: Vec<EventRow> = snap.events.iter().map(|e| row(e)).collect();
    let mut view = EventsView {
        total: all.len(),
        namespaces: distinct(&all, |r| &r.namespace),
        kinds: distinct(&all, |r| &r.kind),
        reasons: distinct(&all, |r| &r.reason),
        ..EventsView::default()
    };
    if let Err(problem) = check(&filter) {
        view.problem = Some(problem);
        view.filter = filter;
        return view;
    }
    let text = filter.text.trim().to_lowercase();
    let mut rows: Vec<EventRow> = all
        .into_iter()
        .filter(|r| accepts(&filter, &text, r))
        .collect();
    newest_first(&mut rows);
    view.matched = rows.len();
    rows.truncate(EventsView::LIMIT);
    view.rows = rows;
    view.filter = filter;
    view
}

fn distinct(rows: &[EventRow], field: impl Fn(&EventRow) -> &String) -> Vec<String> {
    rows.iter()
        .map(field)
        .filter(|v| !v.is_empty())
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::cluster::views::fixtures::demo_snapshot;

    fn event(v: serde_json::Value) -> std::sync::Arc<Event> {
        std::sync::Arc::new(serde_json::from_value(v).unwrap())
    }

    fn snap() -> Snapshot {
        Snapshot {
            events: vec![
                event(json!({"metadata": {"name": "a", "namespace": "media"},
                    "involvedObject": {"kind": "Pod", "namespace": "media", "name": "plex-0"},
                    "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container plex",
                    "count": 7, "firstTimestamp": "2026-12-01T10:00:00Z", "lastTimestamp": "2026-12-01T10:30:00Z"})),
                event(json!({"metadata": {"name": "b", "namespace": "media"},
                    "involvedObject": {"kind": "Pod", "namespace": "media", "name": "plex-0"},
                    "type": "Normal", "reason": "Pulled", "message": "Container image already present",
                    "firstTimestamp": "2026-12-01T10:40:00Z", "lastTimestamp": "2026-12-01T10:40:00Z"})),
                // Written through events.k8s.io: an event time and a series, no timestamps.
                event(json!({"metadata": {"name": "c", "namespace": "default"},
                    "involvedObject": {"kind": "Node", "name": "k3s1"},
                    "type": "Normal", "reason": "NodeReady", "message": "Node k3s1 status is now: NodeReady",
                    "eventTime": "2026-12-01T09:00:00.000000Z",
                    "series": {"count": 3, "lastObservedTime": "2026-12-01T11:00:00.000000Z"}})),
            ],
            ..Snapshot::default()
        }
    }

    #[test]
    fn an_object_gets_its_warning_and_normal_events_newest_first_with_counts() {
        let rows = about(&snap(), |kind, ns, name| {
            kind == "Pod" && ns == "media" && name == "plex-0"
        });
        let reasons: Vec<_> = rows.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(reasons, ["Pulled", "BackOff"]);
        assert!(rows[1].warning && !rows[0].warning);
        assert_eq!(rows[1].count, 7);
        assert_eq!(
            rows[1].last_seen.unwrap() - rows[1].first_seen.unwrap(),
            1800
        );
    }

    #[test]
    fn a_series_event_gives_its_count_and_last_observation() {
        let rows = about(&snap(), |kind, _, _| kind == "Node");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].count, 3);
        assert_eq!(
            rows[0].last_seen.unwrap() - rows[0].first_seen.unwrap(),
            7200
        );
        // The node is cluster-scoped: the event's own namespace stands in.
        assert_eq!(rows[0].namespace, "default");
    }

    #[test]
    fn the_page_filters_by_each_field_and_by_text() {
        let filter = |f: EventFilter| page(&snap(), f);
        let all = filter(EventFilter::default());
        assert_eq!((all.matched, all.total), (3, 3));
        assert_eq!(all.namespaces, ["default", "media"]);
        assert_eq!(all.kinds, ["Node", "Pod"]);
        let warnings = filter(EventFilter {
            type_: "Warning".into(),
            ..Default::default()
        });
        assert_eq!(warnings.rows.len(), 1);
        assert_eq!(warnings.rows[0].reason, "BackOff");
        let text = filter(EventFilter {
            text: "  RESTARTING ".into(),
            ..Default::default()
        });
        assert_eq!(text.rows.len(), 1);
        let node = filter(EventFilter {
            kind: "Node".into(),
            name: "k3s1".into(),
            ..Default::default()
        });
        assert_eq!(node.rows[0].reason, "NodeReady");
        let none = filter(EventFilter {
            namespace: "media".into(),
            reason: "NodeReady".into(),
            ..Default::default()
        });
        assert!(none.rows.is_empty() && none.problem.is_none());
    }

    #[test]
    fn a_bad_filter_is_named_and_matches_nothing() {
        let bad = page(
            &snap(),
            EventFilter {
                type_: "Error".into(),
                ..Default::default()
            },
        );
        assert!(
            bad.problem.as_deref().unwrap().starts_with("type:"),
            "{bad:?}"
        );
        assert!(bad.rows.is_empty());
        assert_eq!(bad.total, 3);
        let long = check(&EventFilter {
            text: "x".repeat(254),
            ..Default::default()
        });
        assert!(long.unwrap_err().starts_with("text:"));
    }

    #[test]
    fn the_demo_has_events_of_both_types() {
        let view = page(&demo_snapshot(), EventFilter::default());
        assert!(view.rows.iter().any(|r| r.warning));
        assert!(view.rows.iter().any(|r| !r.warning), "{:?}", view.rows);
    }
}
