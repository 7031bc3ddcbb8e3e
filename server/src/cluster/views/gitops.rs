//! GitOps: Flux Kustomizations and HelmReleases with their Ready condition, suspension, the
//! revision last applied and when they last reconciled. Not Ready and suspended objects are
//! reasons in [`super::health::summary`].

use frontend::model::{FluxObject, GitOpsView, Readiness};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{unix, Snapshot};
use crate::cluster::crds::{FluxStatus, HelmRelease, Kustomization};

/// What Kustomizations and HelmReleases have in common.
struct Common<'a> {
    kind: &'static str,
    meta: &'a ObjectMeta,
    status: Option<&'a FluxStatus>,
    suspended: bool,
    interval: Option<String>,
    source: Option<String>,
}

fn object(c: Common<'_>) -> FluxObject {
    let ready = c
        .status
        .and_then(|s| s.conditions.iter().find(|c| c.type_ == "Ready"));
    let history = c.status.and_then(|s| s.history.first());
    // A HelmRelease (v2) records what it applied in its history, a Kustomization as a revision.
    let applied = c
        .status
        .and_then(|s| s.last_applied_revision.clone())
        .or_else(|| history.and_then(|h| h.chart_version.clone()));
    let attempted = c
        .status
        .and_then(|s| s.last_attempted_revision.clone())
        .filter(|a| Some(a) != applied.as_ref());
    let last_reconcile = [
        ready.map(|r| r.last_transition_time.0.as_second()),
        c.status
            .and_then(|s| unix(s.last_handled_reconcile_at.as_deref())),
        history.and_then(|h| unix(h.last_deployed.as_deref())),
    ]
    .into_iter()
    .flatten()
    .max();
    FluxObject {
        kind: c.kind.into(),
        namespace: c.meta.namespace.clone().unwrap_or_default(),
        name: c.meta.name.clone().unwrap_or_default(),
        ready: match ready.map(|r| r.status.as_str()) {
            Some("True") => Readiness::Ready,
            Some("False") => Readiness::NotReady,
            _ => Readiness::Unknown,
        },
        reason: ready.map(|r| r.reason.clone()).filter(|r| !r.is_empty()),
        message: ready.map(|r| r.message.clone()).filter(|m| !m.is_empty()),
        suspended: c.suspended,
        applied_revision: applied,
        attempted_revision: attempted,
        last_reconcile,
        source: c.source,
        interval: c.interval,
    }
}

fn kustomization(k: &Kustomization) -> FluxObject {
    let source = k.spec.source_ref.as_ref().map(|s| {
        let path = k.spec.path.as_deref().unwrap_or(".");
        format!("{}/{} {path}", s.kind, s.name)
    });
    object(Common {
        kind: "Kustomization",
        meta: &k.metadata,
        status: k.status.as_ref(),
        suspended: k.spec.suspend,
        interval: k.spec.interval.clone(),
        source,
    })
}

fn helm_release(h: &HelmRelease) -> FluxObject {
    let source = h
        .spec
        .chart
        .as_ref()
        .and_then(|c| c.spec.as_ref())
        .map(|c| {
            let version = c.version.as_deref().unwrap_or("*");
            match &c.source_ref {
                Some(s) => format!("{}@{version} from {}/{}", c.chart, s.kind, s.name),
                None => format!("{}@{version}", c.chart),
            }
        });
    object(Common {
        kind: "HelmRelease",
        meta: &h.metadata,
        status: h.status.as_ref(),
        suspended: h.spec.suspend,
        interval: h.spec.interval.clone(),
        source,
    })
}

/// Not Ready first, then suspended, then by namespace and name.
fn sorted(mut objects: Vec<FluxObject>) -> Vec<FluxObject> {
    let rank = |o: &FluxObject| match (o.ready, o.suspended) {
        (Readiness::NotReady, _) => 0,
        (_, true) => 1,
        (Readiness::Unknown, _) => 2,
        (Readiness::Ready, false) => 3,
    };
    objects.sort_by(|a, b| (rank(a), &a.namespace, &a.name).cmp(&(rank(b), &b.namespace, &b.name)));
    objects
}

/// The GitOps page.
pub fn view(snap: &Snapshot) -> GitOpsView {
    GitOpsView {
        now: snap.now,
        kustomizations: sorted(
            snap.kustomizations
                .iter()
                .map(|k| kustomization(k))
                .collect(),
        ),
        helm_releases: sorted(snap.helm_releases.iter().map(|h| helm_release(h)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kustomization_that_is_not_ready_comes_first_with_its_message() {
        let view = view(&crate::cluster::views::fixtures::demo_snapshot());
        assert_eq!(view.kustomizations.len(), 5);
        let monitoring = &view.kustomizations[0];
        assert_eq!(monitoring.name, "monitoring");
        assert_eq!(monitoring.ready, Readiness::NotReady);
        assert_eq!(monitoring.reason.as_deref(), Some("HealthCheckFailed"));
        assert!(monitoring
            .message
            .as_deref()
            .is_some_and(|m| m.contains("longhorn-fsgroup-check")));
        assert_eq!(
            monitoring.applied_revision.as_deref(),
            Some("main@sha1:26eb912eeb1f0337774271aa4e2a524c769e4ac4")
        );
        assert_eq!(
            monitoring.attempted_revision.as_deref(),
            Some("main@sha1:73eb7443d0d0d64342a722f17f94ffe2c29c3b0d"),
            "the newer revision it could not apply"
        );
        assert_eq!(
            monitoring.last_reconcile,
            Some(1_750_083_170),
            "2025-06-16T14:12:50Z"
        );
        assert_eq!(
            monitoring.source.as_deref(),
            Some("GitRepository/flux-system ./clusters/k3s-home/infrastructure/monitoring")
        );
        assert!(view.kustomizations[1..]
            .iter()
            .all(|k| k.ready == Readiness::Ready && k.attempted_revision.is_none()));
    }

    #[test]
    fn a_suspended_helm_release_comes_first_and_releases_show_their_chart_version() {
        let view = view(&crate::cluster::views::fixtures::demo_snapshot());
        let oauth2 = &view.helm_releases[0];
        assert_eq!(oauth2.name, "oauth2-proxy");
        assert!(oauth2.suspended);
        let longhorn = view
            .helm_releases
            .iter()
            .find(|h| h.name == "longhorn")
            .expect("longhorn");
        assert_eq!(longhorn.applied_revision.as_deref(), Some("1.6.2"));
        assert_eq!(
            longhorn.source.as_deref(),
            Some("longhorn@1.6.2 from HelmRepository/longhorn")
        );
        assert_eq!(longhorn.ready, Readiness::Ready);
        assert!(longhorn.last_reconcile.is_some());
    }
}
