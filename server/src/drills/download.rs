//! Files Velero keeps in its object store, read the way `velero backup describe --details`
//! reads them: a DownloadRequest in Velero's namespace, which Velero answers with a short-lived
//! signed address of the file, then one GET of that address. The files are gzipped JSON.

use std::io::Read;
use std::time::Duration;

use kube::api::{DynamicObject, PostParams};
use kube::Client;
use serde_json::{json, Value};

/// How long Velero may take to answer a DownloadRequest.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// How often its answer is looked for.
const POLL: Duration = Duration::from_millis(250);
/// The largest file read (a resource list of a big namespace is a few hundred KiB).
const MAX_BYTES: usize = 32 << 20;

/// The file `kind` (`BackupResourceList`, `RestoreResourceList`, `RestoreResults`) of the
/// backup or restore `name` in Velero's `namespace`, parsed. The error says what went wrong, in
/// words for the drill's page.
pub async fn fetch(
    client: &Client,
    http: &reqwest::Client,
    namespace: &str,
    kind: &str,
    name: &str,
) -> Result<Value, String> {
    let api = kube::Api::<DynamicObject>::namespaced_with(
        client.clone(),
        namespace,
        &crate::actions::velero::resource("DownloadRequest"),
    );
    let request: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "velero.io/v1",
        "kind": "DownloadRequest",
        "metadata": {"generateName": "homelab-drill-", "namespace": namespace},
        "spec": {"target": {"kind": kind, "name": name}},
    }))
    .map_err(|e| e.to_string())?;
    let created = api
        .create(&PostParams::default(), &request)
        .await
        .map_err(|e| format!("asking Velero for the {kind} of {name}: {e}"))?;
    let id = created.metadata.name.unwrap_or_default();
    let deadline = tokio::time::Instant::now() + ANSWER_TIMEOUT;
    let url = loop {
        let seen = api
            .get(&id)
            .await
            .map_err(|e| format!("reading DownloadRequest {id}: {e}"))?;
        let status = &seen.data["status"];
        if let (Some("Processed"), Some(url)) = (
            status["phase"].as_str(),
            status["downloadURL"].as_str().filter(|u| !u.is_empty()),
        ) {
            break url.to_owned();
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!(
                "Velero did not answer the request for the {kind} of {name} within {} s",
                ANSWER_TIMEOUT.as_secs()
            ));
        }
        tokio::time::sleep(POLL).await;
    };
    let response = http
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("downloading the {kind} of {name} from the object store: {e}"))?;
    if !response.status().is_success() {
        return Err(format!(
            "the object store answered {} for the {kind} of {name}",
            response.status()
        ));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("downloading the {kind} of {name}: {e}"))?;
    parse(&bytes).map_err(|e| format!("the {kind} of {name} {e}"))
}

/// Gzipped JSON, at most [`MAX_BYTES`] once unpacked.
pub fn parse(bytes: &[u8]) -> Result<Value, String> {
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut text)
        .map_err(|e| format!("is not gzip: {e}"))?;
    if text.len() > MAX_BYTES {
        return Err(format!("is larger than {} MiB", MAX_BYTES >> 20));
    }
    serde_json::from_slice(&text).map_err(|e| format!("is not JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzipped_json_is_read_and_anything_else_is_named() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(br#"{"v1/ConfigMap": ["shop/prices"]}"#)
            .unwrap();
        let bytes = gz.finish().unwrap();
        assert_eq!(parse(&bytes).unwrap()["v1/ConfigMap"][0], "shop/prices");
        assert!(parse(b"{}").unwrap_err().starts_with("is not gzip"));
    }
}
