//! Storage: persistent volumes and claims (Released volumes first, with the claim they still
//! point at and whether it exists now: the homelab's "media PVCs stuck on Released PVs"), Longhorn
//! volumes and nodes, and the storage tiers of [`super::topology::tiers`].

use std::collections::BTreeMap;

use frontend::model::{
    ClaimSummary, LonghornDiskRow, LonghornNodeRow, LonghornVolumeRow, ReleasedClaim, Robustness,
    StorageView, VolumeRow,
};
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};

use super::{quantity, topology, Snapshot};
use crate::cluster::crds::{LonghornNode, Volume};

fn claim_of<'a>(
    snap: &'a Snapshot,
    namespace: &str,
    name: &str,
) -> Option<&'a PersistentVolumeClaim> {
    snap.pvcs.iter().map(|c| c.as_ref()).find(|c| {
        c.metadata.namespace.as_deref() == Some(namespace)
            && c.metadata.name.as_deref() == Some(name)
    })
}

/// What a Released volume's claim reference points at now, and what to do about it.
fn released(snap: &Snapshot, pv: &PersistentVolume) -> Option<ReleasedClaim> {
    let claim_ref = pv.spec.as_ref()?.claim_ref.as_ref()?;
    let namespace = claim_ref.namespace.clone().unwrap_or_default();
    let name = claim_ref.name.clone().unwrap_or_default();
    let pv_name = pv.metadata.name.clone().unwrap_or_default();
    let claim = format!("{namespace}/{name}");
    let current = claim_of(snap, &namespace, &name);
    let phase = current.and_then(|c| c.status.as_ref()?.phase.clone());
    let hint = match current {
        None => format!(
            "{claim} no longer exists. The data is kept; to reuse it, clear the volume's claimRef \
             and create a claim with volumeName: {pv_name}, or delete the volume."
        ),
        Some(c) => {
            let recreated = match (&claim_ref.uid, &c.metadata.uid) {
                (Some(old), Some(new)) => old != new,
                _ => true,
            };
            let wants_this =
                c.spec.as_ref().and_then(|s| s.volume_name.as_deref()) == Some(pv_name.as_str());
            match (recreated, wants_this) {
                (true, true) => format!(
                    "{claim} was recreated and waits for this volume: clear the volume's \
                     claimRef (or its uid) so it can bind again."
                ),
                (true, false) => format!(
                    "{claim} was recreated and uses another volume: this one is no longer used."
                ),
                (false, _) => format!(
                    "{claim} still exists: the volume was released while its claim was kept."
                ),
            }
        }
    };
    Some(ReleasedClaim {
        claim,
        exists: current.is_some(),
        phase,
        hint,
    })
}

fn volume_row(snap: &Snapshot, pv: &PersistentVolume) -> VolumeRow {
    let spec = pv.spec.clone().unwrap_or_default();
    let phase = pv
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Unknown".into());
    VolumeRow {
        name: pv.metadata.name.clone().unwrap_or_default(),
        released: (phase == "Released").then(|| released(snap, pv)).flatten(),
        phase,
        capacity: spec
            .capacity
            .as_ref()
            .and_then(|c| c.get("storage"))
            .map(|q| q.0.clone()),
        storage_class: spec.storage_class_name.clone(),
        reclaim_policy: spec.persistent_volume_reclaim_policy.clone(),
        claim: spec.claim_ref.as_ref().map(|c| {
            format!(
                "{}/{}",
                c.namespace.as_deref().unwrap_or(""),
                c.name.as_deref().unwrap_or("")
            )
        }),
    }
}

pub fn claim_summary(pvc: &PersistentVolumeClaim) -> ClaimSummary {
    let spec = pvc.spec.clone().unwrap_or_default();
    let status = pvc.status.clone().unwrap_or_default();
    ClaimSummary {
        namespace: pvc.metadata.namespace.clone().unwrap_or_default(),
        name: pvc.metadata.name.clone().unwrap_or_default(),
        phase: status.phase.unwrap_or_else(|| "Unknown".into()),
        storage_class: spec.storage_class_name,
        // What it got, else what it asks for.
        capacity: status
            .capacity
            .and_then(|c| c.get("storage").map(|q| q.0.clone()))
            .or_else(|| {
                spec.resources
                    .and_then(|r| r.requests)
                    .and_then(|r| r.get("storage").map(|q| q.0.clone()))
            }),
        volume: spec.volume_name,
    }
}

pub fn robustness(volume: &Volume) -> Robustness {
    match volume.status.as_ref().and_then(|s| s.robustness.as_deref()) {
        Some("healthy") => Robustness::Healthy,
        Some("degraded") => Robustness::Degraded,
        Some("faulted") => Robustness::Faulted,
        _ => Robustness::Unknown,
    }
}

fn longhorn_volume(volume: &Volume) -> LonghornVolumeRow {
    let status = volume.status.clone().unwrap_or_default();
    let k8s = status.kubernetes_status.clone().unwrap_or_default();
    LonghornVolumeRow {
        name: volume.metadata.name.clone().unwrap_or_default(),
        claim: k8s
            .pvc_name
            .filter(|n| !n.is_empty())
            .map(|n| format!("{}/{n}", k8s.namespace.unwrap_or_default())),
        size_bytes: volume.spec.size.as_deref().and_then(quantity::parse_bytes),
        replicas: volume.spec.number_of_replicas,
        disk_selector: volume.spec.disk_selector.clone(),
        state: status.state.clone().unwrap_or_else(|| "unknown".into()),
        robustness: robustness(volume),
        node: status.current_node_id.filter(|n| !n.is_empty()),
    }
}

fn condition_true(node: &LonghornNode, type_: &str) -> bool {
    node.status.as_ref().is_some_and(|s| {
        s.conditions
            .iter()
            .any(|c| c.type_ == type_ && c.status == "True")
    })
}

fn longhorn_node(node: &LonghornNode) -> LonghornNodeRow {
    let ready = condition_true(node, "Ready");
    let schedulable = node.spec.allow_scheduling && condition_true(node, "Schedulable");
    let status = node.status.clone().unwrap_or_default();
    let bytes = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
    let disks: Vec<LonghornDiskRow> = node
        .spec
        .disks
        .iter()
        .map(|(name, disk)| {
            let ds = status.disk_status.get(name).cloned().unwrap_or_default();
            let available = bytes(ds.storage_available);
            let reserved = bytes(disk.storage_reserved);
            let disk_schedulable = schedulable && disk.allow_scheduling;
            LonghornDiskRow {
                name: name.clone(),
                path: disk.path.clone(),
                tags: disk.tags.clone(),
                schedulable: disk_schedulable,
                maximum_bytes: bytes(ds.storage_maximum),
                available_bytes: available,
                reserved_bytes: reserved,
                scheduled_bytes: bytes(ds.storage_scheduled),
                schedulable_bytes: if disk_schedulable {
                    available.saturating_sub(reserved)
                } else {
                    0
                },
            }
        })
        .collect();
    LonghornNodeRow {
        name: node.metadata.name.clone().unwrap_or_default(),
        ready,
        schedulable,
        tags: node.spec.tags.clone(),
        schedulable_bytes: disks.iter().map(|d| d.schedulable_bytes).sum(),
        disks,
    }
}

/// The Storage page.
pub fn view(snap: &Snapshot) -> StorageView {
    let mut volumes: Vec<VolumeRow> = snap.pvs.iter().map(|pv| volume_row(snap, pv)).collect();
    volumes.sort_by(|a, b| (a.released.is_none(), &a.name).cmp(&(b.released.is_none(), &b.name)));
    let mut claims: Vec<ClaimSummary> = snap.pvcs.iter().map(|c| claim_summary(c)).collect();
    claims.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    // Volumes that are not healthy first, then by claim.
    let mut longhorn_volumes: Vec<LonghornVolumeRow> = snap
        .longhorn_volumes
        .iter()
        .map(|v| longhorn_volume(v))
        .collect();
    let rank = |r: Robustness| match r {
        Robustness::Faulted => 0,
        Robustness::Degraded => 1,
        Robustness::Unknown => 2,
        Robustness::Healthy => 3,
    };
    longhorn_volumes.sort_by(|a, b| {
        (rank(a.robustness), &a.claim, &a.name).cmp(&(rank(b.robustness), &b.claim, &b.name))
    });
    let mut longhorn_nodes: BTreeMap<String, LonghornNodeRow> = BTreeMap::new();
    for n in &snap.longhorn_nodes {
        let row = longhorn_node(n);
        longhorn_nodes.insert(row.name.clone(), row);
    }
    StorageView {
        volumes,
        claims,
        tiers: topology::tiers(snap),
        longhorn_volumes,
        longhorn_nodes: longhorn_nodes.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_volumes_come_first_with_their_claim_and_whether_it_exists() {
        let view = view(&crate::cluster::views::fixtures::demo_snapshot());
        let released: Vec<_> = view
            .volumes
            .iter()
            .take_while(|v| v.released.is_some())
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(
            released,
            ["nfs-media-movies", "nfs-media-music", "nfs-media-tv"]
        );
        let tv = view.volumes[2].released.as_ref().expect("released");
        assert_eq!(tv.claim, "media/sonarr-tv");
        assert!(tv.exists);
        assert_eq!(tv.phase.as_deref(), Some("Pending"));
        assert!(tv.hint.contains("waits for this volume"), "{}", tv.hint);
        let music = view.volumes[1].released.as_ref().expect("released");
        assert_eq!(music.claim, "media/lidarr-music");
        assert!(!music.exists);
        assert!(music.hint.contains("no longer exists"), "{}", music.hint);
        assert!(view.volumes[3..].iter().all(|v| v.released.is_none()));
    }

    #[test]
    fn claims_show_their_class_size_and_volume() {
        let view = view(&crate::cluster::views::fixtures::demo_snapshot());
        let plex = view
            .claims
            .iter()
            .find(|c| c.name == "plex-config")
            .expect("plex-config");
        assert_eq!(plex.phase, "Bound");
        assert_eq!(plex.storage_class.as_deref(), Some("longhorn-nvme"));
        assert_eq!(plex.capacity.as_deref(), Some("20Gi"));
        let tv = view
            .claims
            .iter()
            .find(|c| c.name == "sonarr-tv")
            .expect("sonarr-tv");
        assert_eq!(
            (tv.phase.as_str(), tv.capacity.as_deref()),
            ("Pending", Some("10Ti"))
        );
    }

    #[test]
    fn longhorn_volumes_that_are_not_healthy_come_first() {
        let view = view(&crate::cluster::views::fixtures::demo_snapshot());
        let first = &view.longhorn_volumes[0];
        assert_eq!(first.robustness, Robustness::Degraded);
        assert_eq!(first.claim.as_deref(), Some("media/overseerr-config"));
        assert_eq!(first.node.as_deref(), Some("k3s2"));
        let grafana = &view.longhorn_volumes[1];
        assert_eq!(
            (grafana.robustness, grafana.state.as_str()),
            (Robustness::Unknown, "detached")
        );
        assert!(grafana.node.is_none());
        assert_eq!(view.longhorn_volumes.len(), 13);
    }

    #[test]
    fn longhorn_nodes_show_disk_tags_and_schedulable_space() {
        let view = view(&crate::cluster::views::fixtures::demo_snapshot());
        let names: Vec<_> = view
            .longhorn_nodes
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(names, ["k3s1", "k3s2", "k3s3"]);
        let k3s1 = &view.longhorn_nodes[0];
        assert!(k3s1.ready && !k3s1.schedulable, "k3s1 is cordoned");
        assert_eq!(k3s1.schedulable_bytes, 0);
        let k3s3 = &view.longhorn_nodes[2];
        assert_eq!(k3s3.disks.len(), 11);
        let optane = k3s3
            .disks
            .iter()
            .find(|d| d.name == "optane-0")
            .expect("optane-0");
        assert_eq!(optane.tags, ["optane"]);
        assert_eq!(
            optane.schedulable_bytes,
            optane.available_bytes - optane.reserved_bytes
        );
        assert!(k3s3.schedulable_bytes > 0);
    }

    #[test]
    fn the_tiers_are_those_of_the_topology() {
        let snap = crate::cluster::views::fixtures::demo_snapshot();
        assert_eq!(view(&snap).tiers, topology::tiers(&snap));
    }

    #[test]
    fn without_longhorn_the_longhorn_lists_are_empty() {
        let mut snap = crate::cluster::views::fixtures::demo_snapshot();
        snap.longhorn_volumes.clear();
        snap.longhorn_nodes.clear();
        let view = view(&snap);
        assert!(view.longhorn_volumes.is_empty() && view.longhorn_nodes.is_empty());
        assert!(!view.volumes.is_empty());
    }
}
