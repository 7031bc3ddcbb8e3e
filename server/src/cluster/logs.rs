//! A pod's container log through the API server's `pods/log`, as `kubectl logs` reads it: the
//! query checked field by field, the answer bounded in bytes, and its lines made safe to show
//! (no control characters, each cut to a readable length). Escaping is the page's: text nodes.

use futures::AsyncReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use frontend::model::logs::LogQuery;

/// What reading a log needs of the API server, as RBAC names it (`super::rbac` lists it).
pub const PERMISSION: (&str, &str, &[&str]) = ("", "pods/log", &["get"]);

/// Lines from the end when the query names none.
pub const DEFAULT_TAIL: u32 = 500;
/// The most lines one view asks for.
pub const MAX_TAIL: u32 = 10_000;
/// A week, in minutes: the furthest back `since` reaches.
pub const MAX_SINCE_MINUTES: u32 = 7 * 24 * 60;
/// The most bytes read of one log; the API server stops there (`limitBytes`).
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// The longest line shown whole, in characters; the download keeps every byte.
pub const MAX_LINE_CHARS: usize = 2_000;

/// The query's fields as they came (`?container=&tail=&since=&previous=&timestamps=`).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct RawLogQuery {
    pub container: Option<String>,
    pub tail: Option<String>,
    pub since: Option<String>,
    pub previous: Option<String>,
    pub timestamps: Option<String>,
}

/// Checks `raw` against the pod's `containers`; the error names the field and what it takes.
pub fn parse(raw: &RawLogQuery, containers: &[String]) -> Result<LogQuery, String> {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let container = match given(&raw.container) {
        None => containers
            .first()
            .cloned()
            .ok_or("the pod has no container")?,
        Some(name) if containers.iter().any(|c| c == name) => name.to_owned(),
        Some(name) => {
            return Err(format!(
                "container {name:?} is not in this pod; it has {}",
                containers.join(", ")
            ))
        }
    };
    let tail = match given(&raw.tail) {
        None => DEFAULT_TAIL,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_TAIL).contains(n))
            .ok_or_else(|| {
                format!("tail must be a number of lines from 1 to {MAX_TAIL}, not {text:?}")
            })?,
    };
    let since_minutes = match given(&raw.since) {
        None => None,
        Some(text) => Some(
            text.parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_SINCE_MINUTES).contains(n))
                .ok_or_else(|| {
                    format!(
                        "since must be a number of minutes from 1 to {MAX_SINCE_MINUTES}, not {text:?}"
                    )
                })?,
        ),
    };
    Ok(LogQuery {
        container,
        tail,
        since_minutes,
        previous: flag("previous", &raw.previous)?,
        timestamps: flag("timestamps", &raw.timestamps)?,
    })
}

/// A checkbox: absent is off, `on` (what a form sends), `true` or `1` is on.
fn flag(name: &str, value: &Option<String>) -> Result<bool, String> {
    match value.as_deref().map(str::trim) {
        None | Some("") | Some("false") | Some("0") | Some("off") => Ok(false),
        Some("on") | Some("true") | Some("1") => Ok(true),
        Some(other) => Err(format!("{name} must be on or off, not {other:?}")),
    }
}

/// The API server's parameters for `query`.
fn params(query: &LogQuery) -> LogParams {
    LogParams {
        container: Some(query.container.clone()),
        tail_lines: Some(query.tail.into()),
        since_seconds: query.since_minutes.map(|m| i64::from(m) * 60),
        previous: query.previous,
        timestamps: query.timestamps,
        limit_bytes: Some(MAX_BYTES as i64),
        ..LogParams::default()
    }
}

/// The log's bytes, at most [`MAX_BYTES`].
pub async fn read(
    client: kube::Client,
    namespace: &str,
    pod: &str,
    query: &LogQuery,
) -> Result<Vec<u8>, kube::Error> {
    let pods: Api<Pod> = Api::namespaced(client, namespace);
    let stream = pods.log_stream(pod, &params(query)).await?;
    let mut bytes = Vec::new();
    // The API server honours limitBytes; the take makes sure of it.
    let mut bounded = stream.take(MAX_BYTES as u64);
    bounded
        .read_to_end(&mut bytes)
        .await
        .map_err(kube::Error::ReadEvents)?;
    Ok(bytes)
}

/// What a page shows of a log: its lines (invalid UTF-8 and control characters replaced, each
/// cut at [`MAX_LINE_CHARS`]), how many were cut, and whether the log reached [`MAX_BYTES`].
pub fn lines(bytes: &[u8]) -> (Vec<String>, usize, bool) {
    let truncated = bytes.len() >= MAX_BYTES;
    let text = String::from_utf8_lossy(bytes);
    let mut cut = 0;
    let lines = text
        .lines()
        .map(|line| {
            let (clean, was_cut) = clean_line(line);
            cut += usize::from(was_cut);
            clean
        })
        .collect();
    (lines, cut, truncated)
}

/// One line as pages show it: control characters replaced, cut at [`MAX_LINE_CHARS`]; and
/// whether it was cut.
pub fn clean_line(line: &str) -> (String, bool) {
    let clean: String = line
        .chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    let length = clean.chars().count();
    if length <= MAX_LINE_CHARS {
        return (clean, false);
    }
    let kept: String = clean.chars().take(MAX_LINE_CHARS).collect();
    (
        format!("{kept} … ({} more characters)", length - MAX_LINE_CHARS),
        true,
    )
}

/// The demo's recorded container logs (`server/demo/pod-logs.txt`).
const DEMO_LOGS: &str = include_str!("../../demo/pod-logs.txt");

/// A container's log in the demo, as the API server would give it for `query`: the recorded
/// section of its container (or of `*`), its last `tail` lines. The demo has no times to
/// filter by or prefix, so `since` and `timestamps` change nothing there.
pub fn demo(query: &LogQuery) -> Vec<u8> {
    let want = if query.previous {
        format!("{} previous", query.container)
    } else {
        query.container.clone()
    };
    let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in DEMO_LOGS.lines().filter(|l| !l.starts_with('#')) {
        match line.strip_prefix("== ") {
            Some(name) => sections.push((name.trim(), Vec::new())),
            None => {
                if let Some((_, lines)) = sections.last_mut() {
                    lines.push(line);
                }
            }
        }
    }
    let find = |name: &str| sections.iter().find(|(n, _)| *n == name);
    let lines = match find(&want) {
        Some((_, lines)) => lines.as_slice(),
        // A previous instance only for the containers that restarted.
        None if query.previous => &[],
        None => find("*").map_or(&[][..], |(_, lines)| lines.as_slice()),
    };
    let from = lines.len().saturating_sub(query.tail as usize);
    lines[from..]
        .iter()
        .flat_map(|l| [l.as_bytes(), b"\n"])
        .flatten()
        .copied()
        .collect()
}

/// The containers of pod `namespace/name` among `pods` (a snapshot's), or None when there is
/// no such pod: what the logs page and the follow stream both check first.
pub fn containers_of(
    pods: &[std::sync::Arc<Pod>],
    namespace: &str,
    name: &str,
) -> Option<Vec<String>> {
    pods.iter()
        .find(|p| {
            p.metadata.namespace.as_deref() == Some(namespace)
                && p.metadata.name.as_deref() == Some(name)
        })
        .map(|p| containers(p))
}

/// The names of a pod's containers.
fn containers(pod: &Pod) -> Vec<String> {
    pod.spec
        .iter()
        .flat_map(|s| &s.containers)
        .map(|c| c.name.clone())
        .collect()
}

/// The container's log from now on, as it is written (`follow=true`, no earlier lines): the
/// stream stays open until the container stops or the reader is dropped.
pub async fn follow(
    client: kube::Client,
    namespace: &str,
    pod: &str,
    query: &LogQuery,
) -> Result<impl futures::AsyncBufRead + Unpin, kube::Error> {
    let pods: Api<Pod> = Api::namespaced(client, namespace);
    let params = LogParams {
        follow: true,
        tail_lines: Some(0),
        limit_bytes: None,
        previous: false,
        since_seconds: None,
        ..params(query)
    };
    pods.log_stream(pod, &params).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawLogQuery {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        };
        RawLogQuery {
            container: get("container"),
            tail: get("tail"),
            since: get("since"),
            previous: get("previous"),
            timestamps: get("timestamps"),
        }
    }

    fn containers() -> Vec<String> {
        vec!["app".into(), "sidecar".into()]
    }

    #[test]
    fn the_demo_has_bazarrs_crash_and_its_previous_instance_and_a_log_for_everyone() {
        let query = |container: &str, previous: bool, tail: u32| LogQuery {
            container: container.into(),
            tail,
            previous,
            ..LogQuery::default()
        };
        let now = String::from_utf8(demo(&query("bazarr", false, 500))).unwrap();
        assert!(now.contains("CRITICAL - Bazarr cannot start without its database"));
        assert!(now.starts_with("2025-06-16 17:55:01"));
        let before = String::from_utf8(demo(&query("bazarr", true, 500))).unwrap();
        assert!(before.starts_with("2025-06-16 17:49:58"));
        assert_eq!(
            String::from_utf8(demo(&query("bazarr", false, 1)))
                .unwrap()
                .lines()
                .count(),
            1
        );
        assert!(!demo(&query("sonarr", false, 500)).is_empty());
        assert!(demo(&query("sonarr", true, 500)).is_empty());
    }

    #[test]
    fn an_empty_query_reads_the_first_container_from_the_end() {
        let query = parse(&raw(&[]), &containers()).unwrap();
        assert_eq!(
            query,
            LogQuery {
                container: "app".into(),
                tail: DEFAULT_TAIL,
                since_minutes: None,
                previous: false,
                timestamps: false,
            }
        );
        let query = parse(
            &raw(&[
                ("container", "sidecar"),
                ("tail", "20"),
                ("since", "15"),
                ("previous", "on"),
                ("timestamps", "true"),
            ]),
            &containers(),
        )
        .unwrap();
        assert_eq!(
            (query.container.as_str(), query.tail, query.since_minutes),
            ("sidecar", 20, Some(15))
        );
        assert!(query.previous && query.timestamps);
    }

    #[test]
    fn each_bad_field_is_named_with_what_it_takes() {
        let error = |pairs: &[(&str, &str)]| parse(&raw(pairs), &containers()).unwrap_err();
        assert_eq!(
            error(&[("container", "db")]),
            "container \"db\" is not in this pod; it has app, sidecar"
        );
        assert_eq!(
            error(&[("tail", "0")]),
            "tail must be a number of lines from 1 to 10000, not \"0\""
        );
        assert!(error(&[("tail", "10001")]).starts_with("tail must be"));
        assert!(error(&[("tail", "many")]).starts_with("tail must be"));
        assert_eq!(
            error(&[("since", "-5")]),
            "since must be a number of minutes from 1 to 10080, not \"-5\""
        );
        assert_eq!(
            error(&[("previous", "yes")]),
            "previous must be on or off, not \"yes\""
        );
        assert!(parse(&raw(&[]), &[]).is_err(), "a pod without containers");
    }

    #[test]
    fn lines_lose_control_characters_and_long_ones_are_cut_with_the_count() {
        let long = "x".repeat(MAX_LINE_CHARS + 5);
        let bytes = format!("plain\n\u{1b}[31mred\u{1b}[0m\ttab\r\n<b>kept as text</b>\n{long}\n");
        let mut bytes = bytes.into_bytes();
        bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
        let (lines, cut, truncated) = super::lines(&bytes);
        assert_eq!(lines[0], "plain");
        assert_eq!(lines[1], "\u{fffd}[31mred\u{fffd}[0m\ttab");
        assert_eq!(lines[2], "<b>kept as text</b>", "escaping is the page's");
        assert!(lines[3].ends_with("… (5 more characters)"), "{}", lines[3]);
        assert_eq!(lines[4], "\u{fffd}\u{fffd}");
        assert_eq!((cut, truncated), (1, false));
        assert!(super::lines(&vec![b'a'; MAX_BYTES]).2);
    }
}
