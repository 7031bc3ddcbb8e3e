//! docker-compose.yml against the Compose specification's JSON schema (vendored in
//! `e2e/schemas/`, see its README), and the wiring the schema cannot see: the control plane points
//! at the Authentik it starts, and the kubeconfig is mounted read-only.

use std::path::Path;

use serde_json::Value;

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn compose() -> Value {
    let text = std::fs::read_to_string(repo("docker-compose.yml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo("e2e/schemas/compose-spec.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn docker_compose_yml_is_valid_against_the_compose_specification() {
    let validator = validator();
    let errors = errors(&validator, &compose());
    assert!(errors.is_empty(), "docker-compose.yml: {errors:#?}");
}

#[test]
fn the_schema_check_does_reject_a_broken_compose_file() {
    let validator = validator();
    let mut broken = compose();
    broken["services"]["homelab"]["ports"] = serde_json::json!({"http": 3000});
    broken["servcies"] = serde_json::json!({});
    let found = errors(&validator, &broken);
    assert!(found.len() >= 2, "{found:#?}");
}

#[test]
fn the_control_plane_signs_in_through_the_composed_authentik_and_reads_a_read_only_kubeconfig() {
    let compose = compose();
    let services = compose["services"].as_object().unwrap();
    for name in [
        "homelab",
        "authentik-server",
        "authentik-worker",
        "postgresql",
        "redis",
    ] {
        assert!(services.contains_key(name), "no {name} service");
    }
    let homelab = &services["homelab"];
    let env = &homelab["environment"];
    let issuer = env["HOMELAB_OIDC__ISSUER_URL"].as_str().unwrap();
    assert!(
        issuer.ends_with("/application/o/homelab/"),
        "Authentik's issuer, with its trailing slash: {issuer}"
    );
    // The issuer's host:port is what the composed Authentik publishes.
    let published = services["authentik-server"]["ports"][0].as_str().unwrap();
    let port = published.rsplit(':').next().unwrap();
    assert!(
        issuer.contains(&format!(":{port}/")),
        "{issuer} vs {published}"
    );
    let kubeconfig = env["HOMELAB_CLUSTER__KUBECONFIG"].as_str().unwrap();
    let mount = homelab["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["target"] == kubeconfig)
        .unwrap_or_else(|| panic!("nothing mounted at {kubeconfig}"));
    assert_eq!(mount["read_only"], true);
    for worker_and_server in ["authentik-server", "authentik-worker"] {
        let env = &services[worker_and_server]["environment"];
        assert_eq!(env["AUTHENTIK_POSTGRESQL__HOST"], "postgresql");
        assert_eq!(env["AUTHENTIK_REDIS__HOST"], "redis");
    }
}
