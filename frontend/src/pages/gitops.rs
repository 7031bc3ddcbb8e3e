//! GitOps: Flux Kustomizations and HelmReleases, the ones that are not Ready or are suspended
//! first, each with its Ready message, the revision last applied and when it last reconciled.

use leptos::prelude::*;

use crate::components::banner::PanelProblems;
use crate::components::live_region::{LivePanel, LiveRegion};
use crate::components::page_title::PageTitle;
use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::table_region::TableRegion;
use crate::components::when::When;
use crate::model::{FluxObject, GitOpsView, Readiness};
use crate::source::Cluster;

const KINDS: &[&str] = &["Kustomization", "HelmRelease"];

/// "main@sha1:73eb7443d0d0..." as "main@73eb744"; chart versions stay as they are.
pub fn short_revision(revision: &str) -> String {
    let split = revision
        .split_once("@sha1:")
        .or_else(|| revision.split_once("@sha256:"));
    let (branch, hash) = match split {
        Some(parts) => parts,
        // Older Flux: "main/73eb7443d0d0...".
        None => match revision.rsplit_once('/') {
            Some((b, h)) if h.len() >= 40 && h.chars().all(|c| c.is_ascii_hexdigit()) => (b, h),
            _ => return revision.to_string(),
        },
    };
    format!("{branch}@{}", hash.get(..7).unwrap_or(hash))
}

#[component]
fn FluxTable(
    now: i64,
    caption: &'static str,
    test: &'static str,
    objects: Vec<FluxObject>,
) -> impl IntoView {
    let empty = objects.is_empty().then(|| {
        view! { <tr><td colspan="6" class="muted">"None in this cluster."</td></tr> }
    });
    let rows = objects
        .into_iter()
        .map(|o| {
            let (tone, words, state) = match (o.ready, o.suspended) {
                (Readiness::NotReady, _) => (Tone::Bad, "Not ready", "not-ready"),
                (Readiness::Ready, _) => (Tone::Good, "Ready", "ready"),
                (Readiness::Unknown, _) => (Tone::Neutral, "Unknown", "unknown"),
            };
            let revision = o.applied_revision.clone().map(|r| {
                view! { <code title=r.clone()>{short_revision(&r)}</code> }
            });
            let attempted = o.attempted_revision.clone().map(|r| {
                view! { <div class="small">"tried "<code title=r.clone()>{short_revision(&r)}</code></div> }
            });
            view! {
                <tr data-test="flux-row" data-kind=o.kind.clone() data-name=format!("{}/{}", o.namespace, o.name)
                    data-ready=state data-suspended=o.suspended.to_string()>
                    <th scope="row">{o.name.clone()}<div class="muted small">{o.namespace.clone()}</div></th>
                    <td data-label="Ready">
                        <StatusBadge tone=tone text=words/>
                        {o.suspended.then(|| view! { " "<StatusBadge tone=Tone::Warn text="Suspended"/> })}
                    </td>
                    <td class="wrap" data-label="Message" data-test="flux-message">
                        {o.reason.clone().map(|r| view! { <strong>{r}</strong>": " })}
                        {o.message.clone().unwrap_or_default()}
                    </td>
                    <td data-label="Applied revision">{revision}{attempted}</td>
                    <td data-label="Last reconciled"><When now at=o.last_reconcile/>{o.interval.clone().map(|i| view! { <div class="muted small">"every "{i}</div> })}</td>
                    <td class="wrap small" data-label="Source">{o.source.clone().unwrap_or_default()}</td>
                    <td data-label="Actions">{
                        let href = |op: &str| format!("/actions/preview?action={op}&kind={}&namespace={}&name={}", o.kind, o.namespace, o.name);
                        let toggle = if o.suspended { ("resume", "Resume…") } else { ("suspend", "Suspend…") };
                        view! {
                            <a class="button" data-test="flux-reconcile" href=href("reconcile")>"Reconcile…"</a>" "
                            <a class="button" data-test=format!("flux-{}", toggle.0) href=href(toggle.0)>{toggle.1}</a>
                        }
                    }</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableRegion label=caption>
            <table data-test=test class="stack">
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">"Name"</th><th scope="col">"Ready"</th><th scope="col">"Message"</th>
                    <th scope="col">"Applied revision"</th><th scope="col">"Last reconciled"</th><th scope="col">"Source"</th><th scope="col">"Actions"</th>
                </tr></thead>
                <tbody>{rows}{empty}</tbody>
            </table>
        </TableRegion>
    }
}

#[component]
pub fn GitOpsPage() -> impl IntoView {
    let cluster = use_context::<Cluster>();
    let Some(data) = cluster.as_ref().map(|c| c.gitops()) else {
        return view! { <PageTitle parts=vec!["GitOps".to_string()]/><h1>"GitOps"</h1> }.into_any();
    };
    let problems = cluster.as_ref().map(|c| c.problems()).unwrap_or_default();
    let attention = data
        .kustomizations
        .iter()
        .chain(&data.helm_releases)
        .filter(|o| o.ready == Readiness::NotReady || o.suspended)
        .count();
    let headline = match attention {
        0 => "Everything Flux manages is Ready.".to_string(),
        1 => "1 object needs attention: it is not Ready or is suspended.".to_string(),
        n => format!("{n} objects need attention: they are not Ready or are suspended."),
    };
    view! {
        <PageTitle parts=vec!["GitOps".to_string()]/><h1>"GitOps"</h1>
        <PanelProblems problems=problems kinds=KINDS/>
        <LiveRegion key=GitOpsView::KEY version=data.version()>
        <p data-test="gitops-headline">{headline}</p>
        <FluxTable now=data.now caption="Kustomizations" test="kustomizations" objects=data.kustomizations.clone()/>
        <FluxTable now=data.now caption="Helm releases" test="helm-releases" objects=data.helm_releases.clone()/>
        </LiveRegion>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::short_revision;

    #[test]
    fn revisions_are_shortened_to_branch_and_hash() {
        assert_eq!(
            short_revision("main@sha1:73eb7443d0d0d64342a722f17f94ffe2c29c3b0d"),
            "main@73eb744"
        );
        assert_eq!(short_revision("1.6.2"), "1.6.2");
        assert_eq!(
            short_revision("main/73eb7443d0d0d64342a722f17f94ffe2c29c3b0d"),
            "main@73eb744"
        );
    }
}
