//! A pod's logs: the container, how many lines, since when, the previous instance, timestamps,
//! and a download of the same. The server's handler (`http::logs`) reads the log and provides
//! [`PodLogs`]; the lines are one text node, so whatever a container wrote shows as text.

use leptos::prelude::*;

use crate::components::events::EventTable;
use crate::components::page_title::PageTitle;
use crate::islands::log_follow::LogFollow;
use crate::model::events::EventFilter;
use crate::model::logs::PodLogs;
use crate::source::Cluster;

#[component]
pub fn LogsPage() -> impl IntoView {
    let Some(logs) = use_context::<PodLogs>() else {
        crate::pages::not_found::answer_404();
        return view! { <PageTitle parts=vec!["No such pod".to_string(), "Logs".to_string()]/><h1>"No such pod"</h1> }.into_any();
    };
    let PodLogs {
        namespace,
        pod,
        containers,
        query,
        lines,
        cut_lines,
        truncated,
        problem,
    } = logs;
    let base = format!("/pods/{namespace}/{pod}/logs");
    // What the kubelet and the scheduler said of this pod: often why its log is empty.
    let (now, events) = use_context::<Cluster>().map_or((0, Vec::new()), |c| {
        let about = EventFilter {
            kind: "Pod".into(),
            namespace: namespace.clone(),
            name: pod.clone(),
            ..EventFilter::default()
        };
        (c.now(), c.events(about).rows)
    });
    let mut download = format!(
        "{base}?download=1&container={}&tail={}&previous={}&timestamps={}",
        query.container, query.tail, query.previous, query.timestamps
    );
    if let Some(minutes) = query.since_minutes {
        download.push_str(&format!("&since={minutes}"));
    }
    let options = containers
        .iter()
        .map(|c| view! { <option value=c.clone() selected=*c == query.container>{c.clone()}</option> })
        .collect_view();
    let count = lines.len();
    let summary = format!(
        "{count} line{}{}{}",
        if count == 1 { "" } else { "s" },
        if cut_lines > 0 {
            format!("; {cut_lines} too long, cut (the download has them whole)")
        } else {
            String::new()
        },
        if truncated {
            "; the log was cut at 2 MiB: ask for fewer lines or a shorter time"
        } else {
            ""
        }
    );
    // One element per line, so the follow island's filter can hide lines.
    let text = lines
        .into_iter()
        .map(|line| view! { <span data-line="">{line}"\n"</span> })
        .collect_view();
    let mut follow = format!(
        "{base}/follow?container={}&timestamps={}",
        query.container, query.timestamps
    );
    // A previous instance writes no more; the demo's logs are a recording.
    let demo = use_context::<Cluster>().is_some_and(|c| c.freshness().mode == "demo");
    if query.previous || demo {
        follow.clear();
    }
    view! {
        <p><a href="/services">"← Services"</a></p>
        <PageTitle parts=vec![format!("{namespace}/{pod}"), "Logs".to_string()]/><h1>"Logs of "{namespace.clone()}"/"{pod.clone()}</h1>
        <form method="get" action=base.clone() class="filters card" data-test="log-query">
            <label>"Container"<select name="container">{options}</select></label>
            <label>"Last lines"<input type="number" name="tail" min="1" max="10000" value=query.tail.to_string() class="narrow"/></label>
            <label>"Since (minutes)"<input type="number" name="since" min="1" value=query.since_minutes.map(|m| m.to_string()).unwrap_or_default() class="narrow"/></label>
            <label><span><input type="checkbox" name="previous" checked=query.previous/>" Previous instance"</span></label>
            <label><span><input type="checkbox" name="timestamps" checked=query.timestamps/>" Timestamps"</span></label>
            <button type="submit" class="primary">"Show"</button>
            {problem.is_none().then(|| view! { <a class="button" href=download data-test="log-download" download="">"Download"</a> })}
        </form>
        {match problem {
            Some(p) => view! { <p class="banner bad" role="alert" data-test="log-problem">{p}</p> }.into_any(),
            None => view! {
                <p class="small muted" data-test="log-summary">{summary}</p>
                {(!follow.is_empty()).then(|| view! { <LogFollow/> })}
                <pre class="log card" data-test="log" data-follow=follow tabindex="0" aria-label="Log lines">{text}</pre>
            }.into_any(),
        }}
        <EventTable events now caption="Events of this pod"/>
    }
    .into_any()
}
