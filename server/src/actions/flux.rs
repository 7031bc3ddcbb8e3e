//! Reconcile, suspend or resume a Flux Kustomization or HelmRelease, as the `flux` CLI does: a
//! reconcile is the `requestedAt` annotation, suspend and resume the `spec.suspend` field.

use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::{Api, Client};
use serde_json::{json, Value};

use super::error::ActionError;
use super::kind::{self, Current, Kind, Permissions};

/// The annotation `flux reconcile` sets.
const REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";

/// The Flux objects that can be reconciled, suspended and resumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FluxKind {
    Kustomization,
    HelmRelease,
}

impl FluxKind {
    fn parse(text: &str) -> Result<Self, ActionError> {
        match text {
            "Kustomization" => Ok(FluxKind::Kustomization),
            "HelmRelease" => Ok(FluxKind::HelmRelease),
            other => Err(ActionError::Invalid(format!(
                "kind must be Kustomization or HelmRelease, not {other:?}"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FluxKind::Kustomization => "Kustomization",
            FluxKind::HelmRelease => "HelmRelease",
        }
    }

    fn resource(self) -> ApiResource {
        let gvk = match self {
            FluxKind::Kustomization => {
                GroupVersionKind::gvk("kustomize.toolkit.fluxcd.io", "v1", "Kustomization")
            }
            FluxKind::HelmRelease => {
                GroupVersionKind::gvk("helm.toolkit.fluxcd.io", "v2", "HelmRelease")
            }
        };
        ApiResource::from_gvk(&gvk)
    }
}

/// What to do to a Flux object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FluxOp {
    /// Ask for a reconcile now (the `reconcile.fluxcd.io/requestedAt` annotation).
    Reconcile,
    Suspend,
    Resume,
}

impl FluxOp {
    /// The op a form's `action` names, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "reconcile" => Some(FluxOp::Reconcile),
            "suspend" => Some(FluxOp::Suspend),
            "resume" => Some(FluxOp::Resume),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            FluxOp::Reconcile => "reconcile",
            FluxOp::Suspend => "suspend",
            FluxOp::Resume => "resume",
        }
    }
}

/// Reconcile, suspend or resume one Flux object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flux {
    pub kind: FluxKind,
    pub namespace: String,
    pub name: String,
    pub op: FluxOp,
}

impl Flux {
    pub fn from_fields(op: FluxOp, fields: &[(String, String)]) -> Result<Self, ActionError> {
        Ok(Flux {
            kind: FluxKind::parse(kind::field(fields, "kind")?)?,
            namespace: kind::dns_label("namespace", kind::field(fields, "namespace")?)?,
            name: kind::dns_subdomain("name", kind::field(fields, "name")?)?,
            op,
        })
    }

    fn api(&self, client: &Client) -> Api<DynamicObject> {
        kind::namespaced(client, &self.kind.resource(), &self.namespace)
    }

    fn patch(&self) -> Value {
        match self.op {
            FluxOp::Reconcile => {
                json!({"metadata": {"annotations": {REQUESTED_AT: kind::now_rfc3339()}}})
            }
            FluxOp::Suspend => json!({"spec": {"suspend": true}}),
            // Removed, as `flux resume` leaves it, rather than set false.
            FluxOp::Resume => json!({"spec": {"suspend": null}}),
        }
    }
}

impl Kind for Flux {
    fn name(&self) -> &'static str {
        self.op.as_str()
    }

    fn to_fields(&self) -> Vec<(String, String)> {
        [
            ("action", self.op.as_str()),
            ("kind", self.kind.as_str()),
            ("namespace", &self.namespace),
            ("name", &self.name),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec()
    }

    fn title(&self) -> String {
        let verb = match self.op {
            FluxOp::Reconcile => "Reconcile",
            FluxOp::Suspend => "Suspend",
            FluxOp::Resume => "Resume",
        };
        format!("{verb} {} {}", self.kind.as_str(), self.name)
    }

    fn target(&self) -> String {
        format!("{} {}/{}", self.kind.as_str(), self.namespace, self.name)
    }

    fn confirm_name(&self) -> String {
        self.name.clone()
    }

    fn command(&self) -> String {
        let kind = match self.kind {
            FluxKind::Kustomization => "kustomization",
            FluxKind::HelmRelease => "helmrelease",
        };
        format!(
            "flux {} {kind} {} -n {}",
            self.op.as_str(),
            self.name,
            self.namespace
        )
    }

    fn permissions(&self) -> Permissions {
        &[
            (
                "kustomize.toolkit.fluxcd.io",
                "kustomizations",
                &["get", "patch"],
            ),
            ("helm.toolkit.fluxcd.io", "helmreleases", &["get", "patch"]),
        ]
    }

    fn fields(&self) -> &'static [&'static str] {
        &[
            "/spec/suspend",
            "/metadata/annotations/reconcile.fluxcd.io~1requestedAt",
        ]
    }

    async fn read(&self, client: &Client) -> Result<Current, ActionError> {
        kind::get(&self.api(client), &self.name).await
    }

    fn check(&self, current: &Current, _max_replicas: i32) -> Result<Vec<String>, ActionError> {
        let suspended = current
            .object
            .pointer("/spec/suspend")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let what = format!("{} {}", self.kind.as_str(), self.name);
        let refuse = |reason: String| Err(ActionError::Refused(reason));
        match (self.op, suspended) {
            (FluxOp::Suspend, true) => refuse(format!("{what} is already suspended")),
            (FluxOp::Resume, false) => refuse(format!("{what} is not suspended")),
            (FluxOp::Reconcile, true) => refuse(format!(
                "{what} is suspended: Flux ignores reconcile requests until it is resumed"
            )),
            _ => Ok(Vec::new()),
        }
    }

    async fn send(
        &self,
        client: &Client,
        current: &Current,
        dry_run: bool,
    ) -> Result<Value, ActionError> {
        kind::send_patch(
            &self.api(client),
            &self.name,
            self.patch(),
            current,
            dry_run,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::kind::form;

    #[test]
    fn a_suspended_object_is_resumed_before_a_reconcile_and_not_suspended_twice() {
        let flux = |op| Flux {
            kind: FluxKind::HelmRelease,
            namespace: "monitoring".into(),
            name: "kube-prometheus-stack".into(),
            op,
        };
        let on = |suspend: bool| Current {
            object: json!({"spec": {"suspend": suspend}}),
            ..Current::default()
        };
        assert!(flux(FluxOp::Reconcile).check(&on(false), 10).is_ok());
        let e = flux(FluxOp::Reconcile).check(&on(true), 10).unwrap_err();
        assert!(e.to_string().contains("until it is resumed"), "{e}");
        assert!(flux(FluxOp::Suspend).check(&on(true), 10).is_err());
        assert!(flux(FluxOp::Resume).check(&on(false), 10).is_err());
        assert!(flux(FluxOp::Resume).check(&on(true), 10).is_ok());
        for op in [FluxOp::Reconcile, FluxOp::Suspend, FluxOp::Resume] {
            let f = flux(op);
            let back = FluxOp::parse(&f.to_fields()[0].1).unwrap();
            assert_eq!(Flux::from_fields(back, &f.to_fields()).unwrap(), f);
        }
        let e = Flux::from_fields(
            FluxOp::Suspend,
            &form(&[("kind", "GitRepository"), ("namespace", "x"), ("name", "y")]),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("Kustomization or HelmRelease"),
            "{e}"
        );
    }
}
