//! The Kubernetes manifests of `deploy/`, rendered by the real kustomize: the real API server
//! accepts the base, the overlay and the base with each component (server-side apply,
//! `dryRun=All`); the base carries none of one homelab's own values; the ClusterRole grants
//! exactly what the code declares it uses
//! (`homelab::cluster::rbac`); and the server's watch caches, running as the shipped
//! ServiceAccount through the shipped binding, all sync, while the actions' write verbs are
//! allowed and anything beyond them is not; and the whole server, started from a kubeconfig of
//! that ServiceAccount with an admin signed in through a real OIDC provider, renders every page
//! without a permission problem.

use std::path::{Path, PathBuf};
use std::time::Duration;

use homelab::cluster::cache::SourceState;
use homelab::cluster::rbac::{triples, Permission, IMPERSONATE, PERMISSIONS};
use homelab::cluster::{live, ClusterCache};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::Node;
use kube::api::PostParams;
use kube::Api;
use reqwest::StatusCode;
use serde_json::Value;
use testbed::cluster::{KubeDir, TestCluster};

use crate::cluster::within;
use crate::support::{start_as_shipped_service_account, Browser};

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy")
        .canonicalize()
        .unwrap()
}

/// `kustomize build deploy/<dir>`.
fn render(dir: &str) -> String {
    KubeDir::locate()
        .unwrap()
        .kustomize_build(&deploy_dir().join(dir))
        .unwrap_or_else(|e| panic!("deploy/{dir}: {e:#}"))
}

/// The base with `deploy/components/<component>` added, as an overlay listing it renders.
fn render_with(component: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    // kustomize takes only relative paths; both are absolute, so climb to the root and descend.
    let up = "../".repeat(dir.path().components().count() - 1);
    let deploy = deploy_dir();
    let deploy = deploy.strip_prefix("/").unwrap().display();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\
             resources: [{up}{deploy}/base]\ncomponents: [{up}{deploy}/components/{component}]\n"
        ),
    )
    .unwrap();
    KubeDir::locate()
        .unwrap()
        .kustomize_build(dir.path())
        .unwrap_or_else(|e| panic!("base + components/{component}: {e:#}"))
}

/// Every component under `deploy/components`.
fn components() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(deploy_dir().join("components"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn documents(yaml: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(yaml)
        .map(|d| <Value as serde::Deserialize>::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

/// Every (group, resource, verb) the ClusterRole named `name` grants.
fn granted(docs: &[Value], name: &str) -> Vec<(String, String, String)> {
    let role = of_kind(docs, "ClusterRole")
        .into_iter()
        .find(|r| r["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no ClusterRole {name}"));
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    let mut out = Vec::new();
    for rule in role["rules"].as_array().unwrap() {
        assert!(
            rule.get("resourceNames").is_none() && rule.get("nonResourceURLs").is_none(),
            "{rule}"
        );
        for group in strings(&rule["apiGroups"]) {
            for resource in strings(&rule["resources"]) {
                for verb in strings(&rule["verbs"]) {
                    assert!(
                        group != "*" && resource != "*" && verb != "*",
                        "no wildcards: {rule}"
                    );
                    out.push((group.clone(), resource.clone(), verb));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn difference(
    a: &[(String, String, String)],
    b: &[(String, String, String)],
) -> Vec<(String, String, String)> {
    a.iter().filter(|t| !b.contains(t)).cloned().collect()
}

/// The pod's environment variable `name` in rendered documents.
fn pod_env(docs: &[Value], name: &str) -> Option<String> {
    of_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str().map(String::from))
}

#[test]
fn the_cluster_role_grants_exactly_what_the_code_declares() {
    let docs = documents(&render("base"));
    let role = granted(&docs, "homelab");
    let code = triples(PERMISSIONS);
    let unused = difference(&role, &code);
    let missing = difference(&code, &role);
    assert!(
        unused.is_empty() && missing.is_empty(),
        "deploy/base/clusterrole.yaml and rbac::PERMISSIONS differ.\n\
         granted but unused by the code: {unused:?}\n\
         used by the code but not granted: {missing:?}"
    );
    assert_eq!(
        of_kind(&docs, "ClusterRole").len(),
        1,
        "impersonation stays out of the base"
    );
    assert_eq!(pod_env(&docs, "HOMELAB_ACTIONS__IMPERSONATE"), None);

    let with = documents(&render_with("impersonate"));
    assert_eq!(granted(&with, "homelab-impersonate"), triples(IMPERSONATE));
    assert_eq!(
        granted(&with, "homelab"),
        role,
        "the component keeps the base role"
    );
    // It turns impersonation on (server/src/config/tests.rs loads the variable over the base's file).
    assert_eq!(
        pod_env(&with, "HOMELAB_ACTIONS__IMPERSONATE").as_deref(),
        Some("true")
    );
    // Only the server's ServiceAccount may impersonate; the example binds the admin group to
    // the server's own role.
    let bindings = of_kind(&with, "ClusterRoleBinding");
    let subjects = |role: &str| -> Vec<String> {
        bindings
            .iter()
            .filter(|b| b["roleRef"]["name"] == role)
            .flat_map(|b| b["subjects"].as_array().unwrap().iter())
            .map(|s| {
                format!(
                    "{}:{}",
                    s["kind"].as_str().unwrap(),
                    s["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(subjects("homelab-impersonate"), ["ServiceAccount:homelab"]);
    assert!(
        subjects("homelab").contains(&"Group:homelab-admins".to_owned()),
        "{:?}",
        subjects("homelab")
    );
}

/// This homelab's own values (CLUSTER-SETUP.md): the overlay has each, the base none.
const PERSONAL: &[&str] = &[
    "fletcherlabs.net",
    "192.168.10.224",
    "main-gateway",
    "namespace: networking",
    "storageClassName: longhorn",
    "k3s-master1",
    "Dell R730",
];

#[test]
fn the_base_and_its_components_carry_no_value_of_this_homelab_and_its_overlay_carries_them_all() {
    let overlay = render("overlays/k3s-home");
    for value in PERSONAL {
        assert!(overlay.contains(value), "the overlay lacks {value}");
    }
    // The product's own label and annotation names (the drill label of the admission policy).
    let base = render("base").replace("homelab.fletcherlabs.net/", "");
    for value in PERSONAL {
        assert!(!base.contains(value), "deploy/base carries {value}");
    }
    for component in components() {
        // The catalog's annotation names (`homelab.fletcherlabs.net/name`) are the product's own.
        let rendered = render_with(&component).replace("homelab.fletcherlabs.net/", "");
        for value in PERSONAL {
            assert!(
                !rendered.contains(value),
                "deploy/components/{component} carries {value}"
            );
        }
    }
    // A configuration change rolls the pod: the ConfigMap's name carries its content's hash.
    let docs = documents(&overlay);
    let config_map = of_kind(&docs, "ConfigMap")[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(config_map.starts_with("homelab-config-"), "{config_map}");
    let volumes = &of_kind(&docs, "Deployment")[0]["spec"]["template"]["spec"]["volumes"];
    assert!(
        volumes
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["configMap"]["name"] == config_map.as_str()),
        "{volumes}"
    );
}

#[test]
fn the_deployment_is_one_hardened_replica_with_probes_and_limits() {
    let docs = documents(&render("base"));
    let deployment = of_kind(&docs, "Deployment")[0];
    let spec = &deployment["spec"];
    assert_eq!(spec["replicas"], 1);
    assert_eq!(spec["strategy"]["type"], "Recreate");
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["serviceAccountName"], "homelab");
    let container = &pod["containers"][0];
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert_eq!(
        container["securityContext"]["capabilities"]["drop"][0],
        "ALL"
    );
    for kind in ["requests", "limits"] {
        assert!(container["resources"][kind]["memory"].is_string(), "{kind}");
        assert!(container["resources"][kind]["cpu"].is_string(), "{kind}");
    }
    // The ConfigMap's homelab.toml itself is loaded in config/tests.rs, as the pod loads it.
    let mount_paths: Vec<&str> = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["mountPath"].as_str())
        .collect();
    assert!(mount_paths.contains(&"/data") && mount_paths.contains(&"/etc/homelab"));
}

/// Applies the Namespaces of `yaml` for real (a dry run stores nothing, and namespaced objects
/// need theirs), then dry-runs all of it; returns the kinds accepted.
async fn dry_run(cluster: &TestCluster, what: &str, yaml: &str) -> Vec<String> {
    let docs = documents(yaml);
    let namespaces: Vec<String> = of_kind(&docs, "Namespace")
        .iter()
        .map(|n| serde_yaml::to_string(n).unwrap())
        .collect();
    if !namespaces.is_empty() {
        cluster.apply_yaml(&namespaces.join("---\n")).await.unwrap();
    }
    let accepted = cluster
        .dry_run_yaml(yaml)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e:#}"));
    assert_eq!(accepted.len(), docs.len(), "{what}");
    accepted
        .iter()
        .filter_map(|o| o.types.as_ref().map(|t| t.kind.clone()))
        .collect()
}

#[tokio::test]
async fn the_base_the_overlay_and_each_component_are_accepted_by_a_server_side_dry_run_against_the_real_api_server(
) {
    let cluster = TestCluster::shared().await.unwrap();
    // The restore Job, applied by hand: its namespace first, then the Job itself.
    cluster
        .apply_yaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: homelab}\n")
        .await
        .unwrap();
    let job = std::fs::read_to_string(deploy_dir().join("restore-job.yaml")).unwrap();
    let accepted = cluster.dry_run_yaml(&job).await.unwrap();
    assert_eq!(accepted.len(), 1);
    let job: serde_json::Value = serde_yaml::from_str(&job).unwrap();
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["args"],
        serde_json::json!(["db", "restore", "/data/backup/homelab.db"])
    );
    assert_eq!(
        job["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "homelab-data"
    );

    let base = dry_run(cluster, "deploy/base", &render("base")).await;
    for kind in [
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "Secret",
        "PersistentVolumeClaim",
        "Deployment",
        "Service",
        "NetworkPolicy",
    ] {
        assert!(
            base.iter().any(|k| k == kind),
            "deploy/base lacks a {kind}: {base:?}"
        );
    }
    let overlay = dry_run(
        cluster,
        "deploy/overlays/k3s-home",
        &render("overlays/k3s-home"),
    )
    .await;
    for kind in ["HTTPRoute", "ServiceMonitor"] {
        assert!(
            overlay.iter().any(|k| k == kind),
            "the overlay lacks a {kind}"
        );
    }
    // Each component adds what it is for.
    let adds = [
        ("httproute", "HTTPRoute"),
        ("impersonate", "ClusterRoleBinding"),
        ("ingress", "Ingress"),
        ("servicemonitor", "ServiceMonitor"),
    ];
    assert_eq!(
        components(),
        adds.map(|(c, _)| c.to_owned()),
        "a new component needs its line here"
    );
    for (component, kind) in adds {
        let kinds = dry_run(cluster, component, &render_with(component)).await;
        assert!(
            kinds.len() > base.len() && kinds.iter().any(|k| k == kind),
            "components/{component} adds no {kind}: {kinds:?}"
        );
    }
}

/// The objects RBAC needs (Namespace, ServiceAccount, ClusterRole, ClusterRoleBinding), applied
/// for real exactly as shipped.
pub(crate) async fn apply_shipped_rbac(cluster: &TestCluster) {
    let docs = documents(&render("base"));
    let rbac: Vec<String> = docs
        .iter()
        .filter(|d| {
            matches!(
                d["kind"].as_str(),
                Some(
                    "Namespace"
                        | "ServiceAccount"
                        | "ClusterRole"
                        | "ClusterRoleBinding"
                        | "ValidatingAdmissionPolicy"
                        | "ValidatingAdmissionPolicyBinding"
                )
            )
        })
        .map(|d| serde_yaml::to_string(d).unwrap())
        .collect();
    cluster.apply_yaml(&rbac.join("---\n")).await.unwrap();
}

/// The ClusterRole the impersonate component adds (the right to impersonate users and groups),
/// applied without its bindings: tests bind it to a ServiceAccount of their own, so the shipped
/// `homelab` one keeps exactly the base's rights for the tests that check them.
pub(crate) async fn apply_impersonate_role(cluster: &TestCluster) -> String {
    let role = documents(&render_with("impersonate"))
        .into_iter()
        .find(|d| d["kind"] == "ClusterRole" && d["metadata"]["name"] != "homelab")
        .expect("the impersonate component adds a ClusterRole");
    cluster
        .apply_yaml(&serde_yaml::to_string(&role).unwrap())
        .await
        .unwrap();
    role["metadata"]["name"].as_str().unwrap().to_owned()
}

async fn allowed(client: &kube::Client, group: &str, resource: &str, verb: &str) -> bool {
    let (resource, subresource) = match resource.split_once('/') {
        Some((r, s)) => (r.to_owned(), Some(s.to_owned())),
        None => (resource.to_owned(), None),
    };
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                group: Some(group.to_owned()),
                resource: Some(resource),
                subresource,
                verb: Some(verb.to_owned()),
                namespace: Some("media".to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    Api::<SelfSubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .unwrap()
        .status
        .is_some_and(|s| s.allowed)
}

#[tokio::test]
async fn as_the_shipped_service_account_every_cache_goes_live_and_only_the_declared_verbs_are_allowed(
) {
    let cluster = TestCluster::shared().await.unwrap();
    apply_shipped_rbac(cluster).await;
    // A token for the shipped ServiceAccount; no extra binding (None): only the shipped one.
    let client = cluster
        .service_account_client("homelab", "homelab", None)
        .await
        .unwrap();
    // The RBAC authorizer sees a new binding within moments; wait for it before watching.
    let nodes: Api<Node> = Api::all(client.clone());
    let mut seen = false;
    for _ in 0..100 {
        if nodes.list(&Default::default()).await.is_ok() {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        seen,
        "the shipped binding never let the ServiceAccount list nodes"
    );

    let cache = ClusterCache::new();
    live::start(client.clone(), cache.clone());
    let live = within(Duration::from_secs(30), || {
        cache
            .summaries()
            .iter()
            .all(|s| s.source == SourceState::Live)
    })
    .await;
    let not_live: Vec<_> = cache
        .summaries()
        .into_iter()
        .filter(|s| s.source != SourceState::Live)
        .map(|s| (s.resource, s.source))
        .collect();
    assert!(
        live.is_some(),
        "caches not live as the ServiceAccount: {not_live:?}"
    );
    eprintln!(
        "as the ServiceAccount, {} caches live in {:?}",
        cache.summaries().len(),
        live.unwrap()
    );

    // Every declared verb is allowed, writes included; the obvious neighbours are not.
    let declared: &[Permission] = PERMISSIONS;
    for (group, resource, verb) in triples(declared) {
        assert!(
            allowed(&client, &group, &resource, &verb).await,
            "{verb} on {resource} ({group:?}) is declared but not allowed"
        );
    }
    for (group, resource, verb) in [
        ("", "pods", "delete"),
        ("", "secrets", "get"),
        ("", "secrets", "list"),
        ("apps", "deployments", "delete"),
        ("", "persistentvolumes", "delete"),
        ("velero.io", "backups", "delete"),
        ("velero.io", "restores", "delete"),
        ("", "namespaces", "patch"),
        ("", "users", "impersonate"),
        ("", "pods/exec", "create"),
    ] {
        assert!(
            !allowed(&client, group, resource, verb).await,
            "{verb} on {resource} ({group:?}) must not be allowed"
        );
    }
}

/// The first link in `html` under `prefix` (`/services/`), e.g. a service's detail page.
fn first_link(html: &str, prefix: &str) -> Option<String> {
    let marker = format!("href=\"{prefix}");
    let start = html.find(&marker)? + "href=\"".len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].to_owned())
}

#[tokio::test]
async fn the_server_running_as_the_shipped_service_account_is_ready_and_renders_every_page_without_a_permission_problem(
) {
    TestCluster::shared_demo().await.unwrap();
    let (app, oidc, _dir) = start_as_shipped_service_account().await;

    let cache = app.state.cluster.cache.clone();
    let live = within(Duration::from_secs(30), || {
        cache
            .summaries()
            .iter()
            .all(|s| s.source == SourceState::Live)
    })
    .await;
    assert!(live.is_some(), "not live: {:?}", cache.problems());
    // Ready once views computed from the synced caches are published: within moments.
    let mut ready = reqwest::get(app.url("/readyz")).await.unwrap().status();
    for _ in 0..50 {
        if ready == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        ready = reqwest::get(app.url("/readyz")).await.unwrap().status();
    }
    assert_eq!(ready, 200);
    assert!(app.state.cluster.views().synced);

    let browser = Browser::new(&app);
    let signed_in = browser.sign_in(&oidc, "admin", "/").await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let mut pages: Vec<String> = [
        "/",
        "/services",
        "/topology",
        "/backups",
        "/storage",
        "/gitops",
        "/aars",
        "/audit",
    ]
    .map(String::from)
    .to_vec();
    let services = browser.get("/services").await.text().await.unwrap();
    pages.extend(first_link(&services, "/services/"));
    let topology = browser.get("/topology").await.text().await.unwrap();
    pages.extend(first_link(&topology, "/topology/"));
    assert_eq!(pages.len(), 10, "a service and a node page too: {pages:?}");
    for page in &pages {
        let response = browser.get(page).await;
        assert_eq!(response.status(), 200, "{page}");
        let html = response.text().await.unwrap();
        for problem in [
            "data-test=\"panel-problem\"",
            "data-test=\"stale-banner\"",
            "not allowed",
        ] {
            assert!(!html.contains(problem), "{page} shows {problem}");
        }
    }
    app.stop().await;
}
