//! A Released PersistentVolume's claimRef: cleared, so the volume becomes Available, or pointed
//! at a Pending claim the PV binder will bind to it (the homelab's media volumes after a claim
//! was recreated). Only a Released volume is touched, so no bound claim loses its data.

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use kube::api::{ApiResource, DynamicObject};
use kube::{Api, Client};
use serde_json::{json, Value};

use super::error::ActionError;
use super::kind::{self, Current, Kind, Permissions};
use crate::cluster::views::quantity::parse_bytes;

/// Remove a Released volume's claimRef so it becomes Available.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clear {
    pub volume: String,
}

/// Point a Released volume's claimRef at the claim `namespace/claim` (name and namespace set,
/// uid and resourceVersion dropped), so that claim binds to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    pub volume: String,
    pub namespace: String,
    pub claim: String,
}

impl Clear {
    pub fn from_fields(fields: &[(String, String)]) -> Result<Self, ActionError> {
        Ok(Clear {
            volume: kind::dns_subdomain("volume", kind::field(fields, "name")?)?,
        })
    }
}

impl Point {
    pub fn from_fields(fields: &[(String, String)]) -> Result<Self, ActionError> {
        Ok(Point {
            volume: kind::dns_subdomain("volume", kind::field(fields, "name")?)?,
            namespace: kind::dns_label("namespace", kind::field(fields, "claim_namespace")?)?,
            claim: kind::dns_label("claim", kind::field(fields, "claim")?)?,
        })
    }

    fn patch(&self) -> Value {
        json!({"spec": {"claimRef": {
            "namespace": self.namespace, "name": self.claim, "uid": null, "resourceVersion": null
        }}})
    }
}

/// Both kinds change only this field of the volume.
const PV_FIELDS: &[&str] = &["/spec/claimRef"];

fn volumes(client: &Client) -> Api<DynamicObject> {
    kind::cluster(client, &ApiResource::erase::<PersistentVolume>(&()))
}

/// The namespace of the claim the volume held: its data is what a change puts at risk.
fn claim_namespace(current: &Current) -> Option<String> {
    current
        .object
        .pointer("/spec/claimRef/namespace")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

impl Kind for Clear {
    fn name(&self) -> &'static str {
        "clear-claim-ref"
    }

    fn to_fields(&self) -> Vec<(String, String)> {
        vec![
            ("action".into(), "clear-claim-ref".into()),
            ("name".into(), self.volume.clone()),
        ]
    }

    fn title(&self) -> String {
        format!("Clear the claimRef of volume {}", self.volume)
    }

    fn target(&self) -> String {
        format!("PersistentVolume {}", self.volume)
    }

    fn confirm_name(&self) -> String {
        self.volume.clone()
    }

    fn command(&self) -> String {
        format!(
            "kubectl patch pv {} --type=json -p '[{{\"op\":\"remove\",\"path\":\"/spec/claimRef\"}}]'",
            self.volume
        )
    }

    fn permissions(&self) -> Permissions {
        &[("", "persistentvolumes", &["get", "patch"])]
    }

    fn fields(&self) -> &'static [&'static str] {
        PV_FIELDS
    }

    async fn read(&self, client: &Client) -> Result<Current, ActionError> {
        kind::get(&volumes(client), &self.volume).await
    }

    fn check(&self, current: &Current, _max_replicas: i32) -> Result<Vec<String>, ActionError> {
        released(&self.volume, &current.object)?;
        Ok(Vec::new())
    }

    fn stateful_namespace(&self, current: &Current) -> Option<String> {
        claim_namespace(current)
    }

    async fn send(
        &self,
        client: &Client,
        current: &Current,
        dry_run: bool,
    ) -> Result<Value, ActionError> {
        let patch = json!({"spec": {"claimRef": null}});
        kind::send_patch(&volumes(client), &self.volume, patch, current, dry_run).await
    }
}

impl Kind for Point {
    fn name(&self) -> &'static str {
        "point-claim-ref"
    }

    fn to_fields(&self) -> Vec<(String, String)> {
        [
            ("action", "point-claim-ref"),
            ("name", &self.volume),
            ("claim_namespace", &self.namespace),
            ("claim", &self.claim),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec()
    }

    fn title(&self) -> String {
        format!(
            "Point volume {} at claim {}/{}",
            self.volume, self.namespace, self.claim
        )
    }

    fn target(&self) -> String {
        format!("PersistentVolume {}", self.volume)
    }

    fn confirm_name(&self) -> String {
        self.volume.clone()
    }

    fn command(&self) -> String {
        let Point {
            volume,
            namespace,
            claim,
        } = self;
        format!(
            "kubectl patch pv {volume} --type=merge -p '{{\"spec\":{{\"claimRef\":{{\"namespace\":\"{namespace}\",\"name\":\"{claim}\",\"uid\":null,\"resourceVersion\":null}}}}}}'"
        )
    }

    fn permissions(&self) -> Permissions {
        &[
            ("", "persistentvolumes", &["get", "patch"]),
            ("", "persistentvolumeclaims", &["get"]),
        ]
    }

    fn fields(&self) -> &'static [&'static str] {
        PV_FIELDS
    }

    /// The volume, and the claim it is to be pointed at (`Null` when there is none).
    async fn read(&self, client: &Client) -> Result<Current, ActionError> {
        let mut current = kind::get(&volumes(client), &self.volume).await?;
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), &self.namespace);
        let claim = claims.get_opt(&self.claim).await?;
        current.claim = Some(claim.map(kind::to_value).unwrap_or(Value::Null));
        Ok(current)
    }

    fn check(&self, current: &Current, _max_replicas: i32) -> Result<Vec<String>, ActionError> {
        let Point {
            volume,
            namespace,
            claim,
        } = self;
        released(volume, &current.object)?;
        let pvc = current.claim.as_ref().filter(|c| !c.is_null()).ok_or_else(|| {
            ActionError::Refused(format!(
                "there is no claim {namespace}/{claim}: create it first (Pending), then point the volume at it"
            ))
        })?;
        claim_fits(
            volume,
            &current.object,
            &format!("{namespace}/{claim}"),
            pvc,
        )
    }

    fn stateful_namespace(&self, current: &Current) -> Option<String> {
        claim_namespace(current)
    }

    async fn send(
        &self,
        client: &Client,
        current: &Current,
        dry_run: bool,
    ) -> Result<Value, ActionError> {
        kind::send_patch(
            &volumes(client),
            &self.volume,
            self.patch(),
            current,
            dry_run,
        )
        .await
    }
}

/// Refuses unless `volume` is Released and still has a claimRef.
fn released(volume: &str, pv: &Value) -> Result<(), ActionError> {
    let phase = pv
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    if phase != "Released" {
        return Err(ActionError::Refused(format!(
            "volume {volume} is {phase}, not Released: only a Released volume's claimRef is changed, so no bound claim loses its data"
        )));
    }
    if pv.pointer("/spec/claimRef").is_none_or(Value::is_null) {
        return Err(ActionError::Refused(format!(
            "volume {volume} has no claimRef to change"
        )));
    }
    Ok(())
}

/// Refuses pointing `volume` at a claim the PV binder would not bind to it: one bound elsewhere,
/// or whose storage class, access modes or size the volume does not satisfy.
fn claim_fits(
    volume: &str,
    pv: &Value,
    claim: &str,
    pvc: &Value,
) -> Result<Vec<String>, ActionError> {
    let refuse = |reason: String| Err(ActionError::Refused(reason));
    let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_owned);
    if let Some(other) = text(pvc, "/spec/volumeName").filter(|v| v != volume) {
        return refuse(format!("claim {claim} is already bound to volume {other}"));
    }
    if text(pvc, "/status/phase").as_deref() == Some("Bound") {
        return refuse(format!("claim {claim} is already Bound"));
    }
    let pv_class = text(pv, "/spec/storageClassName").unwrap_or_default();
    let pvc_class = text(pvc, "/spec/storageClassName").unwrap_or_default();
    if pv_class != pvc_class {
        return refuse(format!(
            "claim {claim} asks for storage class {pvc_class:?} but volume {volume} is {pv_class:?}: the claim would never bind to it"
        ));
    }
    let modes = |v: &Value, p: &str| -> Vec<String> {
        v.pointer(p)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let offered = modes(pv, "/spec/accessModes");
    if let Some(m) = modes(pvc, "/spec/accessModes")
        .into_iter()
        .find(|m| !offered.contains(m))
    {
        return refuse(format!(
            "claim {claim} asks for access mode {m}, which volume {volume} does not offer"
        ));
    }
    let size = |v: &Value, p: &str| text(v, p).and_then(|q| parse_bytes(&q));
    match (
        size(pv, "/spec/capacity/storage"),
        size(pvc, "/spec/resources/requests/storage"),
    ) {
        (Some(has), Some(wants)) if has < wants => refuse(format!(
            "claim {claim} asks for more storage than volume {volume} holds"
        )),
        _ => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::kind::form;

    fn on(object: Value) -> Current {
        Current {
            object,
            ..Current::default()
        }
    }

    fn released_pv() -> Value {
        json!({
            "spec": {"claimRef": {"namespace": "media", "name": "old", "uid": "u"},
                     "storageClassName": "nfs", "accessModes": ["ReadWriteMany"],
                     "capacity": {"storage": "10Ti"}},
            "status": {"phase": "Released"}
        })
    }

    fn claim(class: &str, size: &str, phase: &str) -> Value {
        json!({
            "spec": {"storageClassName": class, "accessModes": ["ReadWriteMany"],
                     "resources": {"requests": {"storage": size}}},
            "status": {"phase": phase}
        })
    }

    #[test]
    fn forms_read_back_and_a_missing_name_is_named() {
        let clear = Clear {
            volume: "pv-media".into(),
        };
        assert_eq!(Clear::from_fields(&clear.to_fields()).unwrap(), clear);
        let point = Point {
            volume: "pv".into(),
            namespace: "media".into(),
            claim: "c".into(),
        };
        assert_eq!(Point::from_fields(&point.to_fields()).unwrap(), point);
        let e = Clear::from_fields(&form(&[("action", "clear-claim-ref")])).unwrap_err();
        assert_eq!(e.to_string(), "the form has no name");
        assert!(Clear::from_fields(&form(&[(
            "name",
            "pvc-68ac1102-62b5-5568-827a-8ddfb5f183ed"
        )]))
        .is_ok());
    }

    #[test]
    fn clearing_a_bound_volume_is_refused() {
        let clear = Clear {
            volume: "pv".into(),
        };
        let bound = json!({"spec": {"claimRef": {"name": "c"}}, "status": {"phase": "Bound"}});
        let e = clear.check(&on(bound), 10).unwrap_err().to_string();
        assert!(e.contains("is Bound, not Released"), "{e}");
        let released =
            json!({"spec": {"claimRef": {"name": "c"}}, "status": {"phase": "Released"}});
        assert!(clear.check(&on(released), 10).is_ok());
        let gone = json!({"spec": {}, "status": {"phase": "Released"}});
        let e = clear.check(&on(gone), 10).unwrap_err().to_string();
        assert!(e.contains("has no claimRef"), "{e}");
    }

    #[test]
    fn a_volume_is_pointed_only_at_an_existing_pending_claim_it_satisfies() {
        let point = Point {
            volume: "nfs-media".into(),
            namespace: "media".into(),
            claim: "media-new".into(),
        };
        let with = |claim: Value| Current {
            object: released_pv(),
            claim: Some(claim),
            ..Current::default()
        };
        assert_eq!(
            point
                .check(&with(claim("nfs", "10Ti", "Pending")), 10)
                .unwrap(),
            Vec::<String>::new()
        );
        let refused = |c: Value| point.check(&with(c), 10).unwrap_err().to_string();
        assert!(refused(Value::Null).contains("there is no claim media/media-new"));
        assert!(refused(claim("nfs", "10Ti", "Bound")).contains("already Bound"));
        assert!(refused(claim("longhorn", "10Ti", "Pending")).contains("storage class"));
        assert!(refused(claim("nfs", "20Ti", "Pending")).contains("more storage"));
        let mut rwo = claim("nfs", "1Gi", "Pending");
        rwo["spec"]["accessModes"] = json!(["ReadWriteOncePod"]);
        assert!(refused(rwo).contains("access mode ReadWriteOncePod"));
        // The patch names the claim and drops what tied the volume to the old one.
        assert_eq!(
            point.patch(),
            json!({"spec": {"claimRef": {"namespace": "media", "name": "media-new", "uid": null, "resourceVersion": null}}})
        );
    }

    #[test]
    fn a_changed_claim_ref_offers_a_backup_of_the_claim_namespace() {
        let clear = Clear {
            volume: "pv".into(),
        };
        assert_eq!(
            clear.stateful_namespace(&on(released_pv())),
            Some("media".into())
        );
    }
}
