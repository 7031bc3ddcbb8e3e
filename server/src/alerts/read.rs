//! Alertmanager's API v2 answers (`GET /api/v2/alerts`, `GET /api/v2/silences`) turned into the
//! pages' [`Alert`]s and [`Silence`]s. Pure, so the demo's recorded answers go through it too.

use std::collections::BTreeMap;

use frontend::model::alerts::{Alert, Silence};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiAlert {
    fingerprint: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    starts_at: Option<String>,
    status: ApiAlertStatus,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiAlertStatus {
    state: String,
    #[serde(default)]
    silenced_by: Vec<String>,
    #[serde(default)]
    inhibited_by: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiSilence {
    id: String,
    #[serde(default)]
    matchers: Vec<ApiMatcher>,
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    comment: String,
    ends_at: Option<String>,
    status: ApiSilenceStatus,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiMatcher {
    name: String,
    value: String,
    #[serde(default)]
    is_regex: bool,
    #[serde(default = "yes")]
    is_equal: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct ApiSilenceStatus {
    state: String,
}

fn unix(ts: Option<&str>) -> Option<i64> {
    ts?.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// The alerts of a `GET /api/v2/alerts` answer that are not resolved ("unprocessed" ones are
/// new and count as firing), critical first, then the longest firing first.
pub fn alerts(body: &[u8]) -> Result<Vec<Alert>, String> {
    let raw: Vec<ApiAlert> =
        serde_json::from_slice(body).map_err(|e| format!("its alerts are not API v2 JSON: {e}"))?;
    let mut out: Vec<Alert> = raw
        .into_iter()
        .filter(|a| a.status.state != "resolved")
        .map(|mut a| {
            let name = a.labels.remove("alertname").unwrap_or_default();
            let severity = a.labels.remove("severity").unwrap_or_default();
            let summary = a
                .annotations
                .remove("summary")
                .or_else(|| a.annotations.remove("description"))
                .or_else(|| a.annotations.remove("message"))
                .unwrap_or_else(|| name.clone());
            Alert {
                fingerprint: a.fingerprint,
                name,
                severity,
                summary,
                labels: a.labels.into_iter().collect(),
                since: unix(a.starts_at.as_deref()),
                silenced_by: a.status.silenced_by,
                inhibited: !a.status.inhibited_by.is_empty(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (!a.is_critical(), a.since, &a.name, &a.fingerprint).cmp(&(
            !b.is_critical(),
            b.since,
            &b.name,
            &b.fingerprint,
        ))
    });
    Ok(out)
}

/// The silences of a `GET /api/v2/silences` answer that are in force (not expired or pending),
/// ending soonest first.
pub fn silences(body: &[u8]) -> Result<Vec<Silence>, String> {
    let raw: Vec<ApiSilence> = serde_json::from_slice(body)
        .map_err(|e| format!("its silences are not API v2 JSON: {e}"))?;
    let mut out: Vec<Silence> = raw
        .into_iter()
        .filter(|s| s.status.state == "active")
        .map(|s| Silence {
            id: s.id,
            matchers: s
                .matchers
                .iter()
                .map(|m| {
                    let op = match (m.is_equal, m.is_regex) {
                        (true, false) => "=",
                        (false, false) => "!=",
                        (true, true) => "=~",
                        (false, true) => "!~",
                    };
                    format!("{}{op}\"{}\"", m.name, m.value)
                })
                .collect(),
            created_by: s.created_by,
            comment: s.comment,
            ends: unix(s.ends_at.as_deref()),
        })
        .collect();
    out.sort_by(|a, b| (a.ends, &a.id).cmp(&(b.ends, &b.id)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALERTS: &str = r#"[
      {"fingerprint": "b", "labels": {"alertname": "PlexDown", "severity": "warning", "namespace": "media", "pod": "plex-0"},
       "annotations": {"description": "Plex answers no requests"}, "startsAt": "2026-12-05T10:00:00.000Z",
       "endsAt": "2026-12-05T11:00:00.000Z", "updatedAt": "2026-12-05T10:00:00.000Z", "receivers": [{"name": "none"}],
       "status": {"state": "active", "silencedBy": [], "inhibitedBy": [], "mutedBy": []}},
      {"fingerprint": "a", "labels": {"alertname": "LonghornVolumeFaulted", "severity": "critical", "persistentvolumeclaim": "plex-config"},
       "annotations": {"summary": "Volume plex-config is faulted"}, "startsAt": "2026-12-05T10:30:00.000Z",
       "status": {"state": "suppressed", "silencedBy": ["s1"], "inhibitedBy": []}},
      {"fingerprint": "c", "labels": {"alertname": "Gone"}, "status": {"state": "resolved"}}
    ]"#;

    #[test]
    fn alerts_keep_their_labels_summary_and_silences_critical_first() {
        let got = alerts(ALERTS.as_bytes()).unwrap();
        let names: Vec<_> = got.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["LonghornVolumeFaulted", "PlexDown"]);
        let plex = &got[1];
        assert_eq!(plex.summary, "Plex answers no requests");
        assert_eq!(plex.label("pod"), Some("plex-0"));
        assert_eq!(plex.label("alertname"), None, "the name is not repeated");
        assert!(plex.is_firing() && !plex.is_critical());
        assert_eq!(plex.since, Some(1_796_464_800));
        assert!(!got[0].is_firing() && got[0].is_critical());
    }

    #[test]
    fn only_silences_in_force_are_kept_with_their_matchers_written_out() {
        let body = r#"[
          {"id": "s1", "matchers": [{"name": "alertname", "value": "PlexDown", "isRegex": false, "isEqual": true},
             {"name": "pod", "value": "plex-.*", "isRegex": true, "isEqual": false}],
           "createdBy": "admin", "comment": "maintenance", "startsAt": "2026-12-05T10:00:00Z",
           "endsAt": "2026-12-05T12:00:00Z", "status": {"state": "active"}},
          {"id": "s0", "matchers": [], "endsAt": "2026-12-05T09:00:00Z", "status": {"state": "expired"}}
        ]"#;
        let got = silences(body.as_bytes()).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].matchers,
            ["alertname=\"PlexDown\"", "pod!~\"plex-.*\""]
        );
        assert_eq!(got[0].comment, "maintenance");
    }

    #[test]
    fn an_answer_that_is_not_api_v2_is_named() {
        let err = alerts(b"<html>login</html>").unwrap_err();
        assert!(err.starts_with("its alerts are not API v2 JSON"), "{err}");
        assert!(silences(b"{}").unwrap_err().starts_with("its silences"));
    }
}
