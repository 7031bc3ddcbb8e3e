//! A real Kubernetes control plane for tests, in the manner of controller-runtime's envtest: etcd,
//! kube-apiserver and a kube-controller-manager running a handful of controllers, on 127.0.0.1 on
//! free ports, with the CRDs of the systems the homelab runs (Velero, Gateway API, Flux, Longhorn).
//! A running cluster ([`TestClusterOptions::running`]) adds what makes pods come and go: the
//! scheduler, the workload and node lifecycle controllers, and kwok as the nodes' kubelets
//! (`kubelets`).
//!
//! The binaries and CRDs come from `scripts/kube.sh`, which builds them from the Go module proxy
//! into `$HOMELAB_KUBE_DIR` (default `${HOMELAB_CACHE:-$HOME/.cache/homelab}/kube`); the versions
//! are read from the Go modules in `e2e/kube/` at compile time, so the two never disagree.
//!
//! What runs, and what does not:
//! - The API server authorizes with RBAC. The admin is a static token in `system:masters`;
//!   [`TestCluster::service_account_client`] gets real ServiceAccount tokens (TokenRequest API).
//! - Admission is the default set without `ServiceAccount`, so fixtures are stored as written.
//! - By default the controller manager runs only controllers that never invent state a test sets
//!   itself: [`DEFAULT_CONTROLLERS`]. No kubelet, scheduler or workload controller runs: tests
//!   write `status` themselves, which [`TestCluster::apply_yaml`] does through the status
//!   subresource. A running cluster runs [`RUNNING_CONTROLLERS`], the scheduler and kwok.
//!
//! Processes are stopped by PID when the [`TestCluster`] is dropped. A `static` is never dropped,
//! and a test process may die of anything, so a small watchdog (`sh`) started first polls this
//! process's PID and kills the servers (and removes their directory) once it is gone.
//!
//! A `kube::Client` belongs to the tokio runtime it was made in, and every `#[tokio::test]` has
//! its own runtime: the cluster therefore keeps a [`kube::Config`] and hands out new clients.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use base64::Engine as _;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::ClusterRole;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::{ApiResource, GroupVersionKind, TypeMeta};
use kube::discovery::{ApiCapabilities, Scope};
use kube::runtime::wait::{await_condition, conditions};
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use crate::kubelets;
use crate::processes::{free_port, log_tail, Processes};

/// The Go module that pins kube-apiserver and kube-controller-manager.
const APISERVER_GO_MOD: &str = include_str!("../../kube/apiserver/go.mod");
/// The Go module that pins etcd.
const ETCD_GO_MOD: &str = include_str!("../../kube/etcd/go.mod");
/// Pins kustomize, which renders `deploy/` in the tests.
const KUSTOMIZE_GO_MOD: &str = include_str!("../../kube/kustomize/go.mod");
/// Pins kwok, the kubelets of a running cluster.
const KWOK_GO_MOD: &str = include_str!("../../kube/kwok/go.mod");

/// Controllers the controller manager runs by default. Each either keeps the API usable
/// (default ServiceAccounts, namespace deletion, the aggregated `view`/`edit`/`admin` roles,
/// the protection finalizers' removal) or is there to be tested (the PV binder moves a Released
/// PV whose claimRef was cleared to Available). Node lifecycle, garbage collection and the
/// workload controllers are left out: they would rewrite fixtures.
pub const DEFAULT_CONTROLLERS: &[&str] = &[
    "serviceaccount-controller",
    "namespace-controller",
    "clusterrole-aggregation-controller",
    "persistentvolume-binder-controller",
    "persistentvolume-protection-controller",
    "persistentvolumeclaim-protection-controller",
];

/// The controllers a running cluster adds to the defaults: the workload controllers
/// (Deployments and StatefulSets create their pods), the garbage collector (a scaled-down
/// ReplicaSet's pods go), endpoint slices, and node lifecycle with taint eviction (a node that
/// stops heartbeating turns NotReady and its pods are evicted).
pub const RUNNING_CONTROLLERS: &[&str] = &[
    "deployment-controller",
    "replicaset-controller",
    "statefulset-controller",
    "daemonset-controller",
    "job-controller",
    "endpointslice-controller",
    "garbage-collector-controller",
    "node-lifecycle-controller",
    "taint-eviction-controller",
];

/// The field manager of everything the harness applies.
pub const FIELD_MANAGER: &str = "testbed";

/// With [`TestClusterOptions::audit_log`]: one event per request, when it is received.
const AUDIT_POLICY: &str = "apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [ResponseStarted, ResponseComplete, Panic]
rules:
  - level: Metadata
";

/// The issuer of ServiceAccount tokens, as in a kubeadm or K3s cluster.
const SERVICE_ACCOUNT_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";
/// How long the API server may take to become ready (2 busy cores can be slow).
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a CRD may take to become Established, or a kind to appear in discovery.
const CRD_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a new RoleBinding may take to reach the RBAC authorizer's cache.
const RBAC_TIMEOUT: Duration = Duration::from_secs(30);
/// How often things are polled while waiting.
const POLL: Duration = Duration::from_millis(100);

/// Where the demo fixture lives (written by the server's demo mode; it may not exist yet).
pub fn demo_fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../server/demo/homelab.yaml")
}

/// The version a Go module is required at in a go.mod.
pub(crate) fn required_version(go_mod: &str, module: &str) -> Option<String> {
    go_mod.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        let mut first = words.next()?;
        if first == "require" {
            first = words.next()?;
        }
        let version = words.next()?;
        (first == module && version.starts_with('v')).then(|| version.to_owned())
    })
}

/// Binaries and CRD manifests, as laid out by `scripts/kube.sh`.
#[derive(Debug, Clone)]
pub struct KubeDir {
    /// The root: `$HOMELAB_KUBE_DIR` or `${HOMELAB_CACHE:-$HOME/.cache/homelab}/kube`.
    pub root: PathBuf,
    /// `<root>/<k8s version>/kube-apiserver`.
    pub apiserver: PathBuf,
    /// `<root>/<k8s version>/kube-controller-manager`, if it was built.
    pub controller_manager: Option<PathBuf>,
    /// `<root>/<k8s version>/kube-scheduler`, if it was built.
    pub scheduler: Option<PathBuf>,
    /// `<root>/kwok-<version>/kwok`, if it was built.
    pub kwok: Option<PathBuf>,
    /// `<root>/etcd-<etcd version>/etcd`.
    pub etcd: PathBuf,
    /// `<root>/crds/*.yaml`, sorted.
    pub crds: Vec<PathBuf>,
    /// The Kubernetes version, e.g. `v1.32.5`.
    pub kube_version: String,
}

impl KubeDir {
    /// The default root directory.
    pub fn default_root() -> anyhow::Result<PathBuf> {
        if let Some(dir) = std::env::var_os("HOMELAB_KUBE_DIR") {
            return Ok(dir.into());
        }
        let cache = match std::env::var_os("HOMELAB_CACHE") {
            Some(dir) => PathBuf::from(dir),
            None => std::env::var_os("HOME")
                .map(|home| Path::new(&home).join(".cache/homelab"))
                .context("neither HOMELAB_KUBE_DIR, HOMELAB_CACHE nor HOME is set")?,
        };
        Ok(cache.join("kube"))
    }

    /// Finds everything under [`KubeDir::default_root`], or says how to build it.
    pub fn locate() -> anyhow::Result<Self> {
        Self::locate_in(Self::default_root()?)
    }

    /// Finds everything under `root`, or says how to build it.
    pub fn locate_in(root: PathBuf) -> anyhow::Result<Self> {
        let kube_version = required_version(APISERVER_GO_MOD, "k8s.io/kubernetes")
            .context("e2e/kube/apiserver/go.mod names no k8s.io/kubernetes version")?;
        let etcd_version = required_version(ETCD_GO_MOD, "go.etcd.io/etcd/server/v3")
            .context("e2e/kube/etcd/go.mod names no etcd version")?;
        let apiserver = root.join(&kube_version).join("kube-apiserver");
        let controller_manager = root.join(&kube_version).join("kube-controller-manager");
        let scheduler = root.join(&kube_version).join("kube-scheduler");
        let kwok_version = required_version(KWOK_GO_MOD, "sigs.k8s.io/kwok")
            .context("e2e/kube/kwok/go.mod names no kwok version")?;
        let kwok = root.join(format!("kwok-{kwok_version}")).join("kwok");
        let etcd = root.join(format!("etcd-{etcd_version}")).join("etcd");
        let crd_dir = root.join("crds");
        let hint = "run scripts/kube.sh (builds them once, about 10 minutes on 2 cores), or set \
                    HOMELAB_KUBE_DIR to the directory it printed";
        for needed in [&apiserver, &etcd] {
            if !needed.is_file() {
                bail!("{} is missing: {hint}", needed.display());
            }
        }
        let mut crds: Vec<PathBuf> = fs::read_dir(&crd_dir)
            .with_context(|| format!("no CRDs in {}: {hint}", crd_dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        crds.sort();
        if crds.is_empty() {
            bail!("no CRDs in {}: {hint}", crd_dir.display());
        }
        Ok(Self {
            root,
            apiserver,
            controller_manager: controller_manager.is_file().then_some(controller_manager),
            scheduler: scheduler.is_file().then_some(scheduler),
            kwok: kwok.is_file().then_some(kwok),
            etcd,
            crds,
            kube_version,
        })
    }

    /// `<root>/kustomize-<version>/kustomize`, or says how to build it.
    pub fn kustomize(&self) -> anyhow::Result<PathBuf> {
        let version = required_version(KUSTOMIZE_GO_MOD, "sigs.k8s.io/kustomize/kustomize/v5")
            .context("e2e/kube/kustomize/go.mod names no kustomize version")?;
        let path = self
            .root
            .join(format!("kustomize-{version}"))
            .join("kustomize");
        if !path.is_file() {
            bail!(
                "{} is missing: run scripts/kube.sh kustomize (seconds with a warm Go cache)",
                path.display()
            );
        }
        Ok(path)
    }

    /// What `kustomize build dir` prints: the rendered objects as one YAML stream.
    pub fn kustomize_build(&self, dir: &Path) -> anyhow::Result<String> {
        let kustomize = self.kustomize()?;
        let out = std::process::Command::new(&kustomize)
            .arg("build")
            .arg(dir)
            .output()
            .with_context(|| format!("running {}", kustomize.display()))?;
        if !out.status.success() {
            bail!(
                "kustomize build {} failed: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        String::from_utf8(out.stdout).context("kustomize printed something that is not UTF-8")
    }
}

/// How to start a [`TestCluster`]; the default runs [`DEFAULT_CONTROLLERS`].
#[derive(Debug, Clone)]
pub struct TestClusterOptions {
    controllers: Vec<String>,
    crds: bool,
    audit_log: Option<PathBuf>,
    running: bool,
}

impl Default for TestClusterOptions {
    fn default() -> Self {
        Self {
            controllers: DEFAULT_CONTROLLERS
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
            crds: true,
            audit_log: None,
            running: false,
        }
    }
}

impl TestClusterOptions {
    /// Runs these kube-controller-manager controllers instead of [`DEFAULT_CONTROLLERS`]
    /// (names as in `kube-controller-manager --controllers`); none starts no controller manager.
    pub fn controllers<I, S>(mut self, controllers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.controllers = controllers.into_iter().map(Into::into).collect();
        self
    }

    /// A cluster that runs workloads: [`RUNNING_CONTROLLERS`] beside the defaults,
    /// kube-scheduler, and kwok as the kubelet of every node given to [`TestCluster::run_node`]
    /// (see `kubelets`).
    pub fn running(mut self) -> Self {
        self.running = true;
        self.controllers(
            DEFAULT_CONTROLLERS
                .iter()
                .chain(RUNNING_CONTROLLERS)
                .copied(),
        )
    }

    /// Skips installing the CRDs (a faster start for tests that use only built-in kinds).
    pub fn without_crds(mut self) -> Self {
        self.crds = false;
        self
    }

    /// Has the API server write an audit log to `path`: one JSON line per request as it is
    /// received (level `Metadata`: who, verb, URI, user agent), so a benchmark can count the
    /// requests a client sends.
    pub fn audit_log(mut self, path: impl Into<PathBuf>) -> Self {
        self.audit_log = Some(path.into());
        self
    }
}

/// A random token: 32 bytes from the OS, in hex.
fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A kubeconfig (YAML) for one server and one bearer token.
fn kubeconfig_yaml(server: &str, ca_pem: &str, user: &str, token: &str) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    // JSON is YAML, and serde_json quotes everything correctly.
    json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "testbed", "cluster": {"server": server, "certificate-authority-data": ca}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": "testbed", "context": {"cluster": "testbed", "user": user}}],
        "current-context": "testbed",
    })
    .to_string()
}

async fn config_from_kubeconfig(yaml: &str) -> anyhow::Result<kube::Config> {
    let kubeconfig = Kubeconfig::from_yaml(yaml)?;
    Ok(kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?)
}

/// A running control plane. See the module documentation.
pub struct TestCluster {
    // Declared first: dropped (servers killed) before the directory is removed.
    /// The nodes' kubelets (kwok, one per node) of a running cluster, by node name.
    pub(crate) kubelets: Mutex<Processes>,
    processes: Processes,
    /// How the API server was started, to start it again the same way.
    apiserver: Command,
    server: String,
    admin_token: String,
    config: kube::Config,
    kubeconfig: PathBuf,
    kube: KubeDir,
    started_in: Duration,
    dir: tempfile::TempDir,
}

impl fmt::Debug for TestCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCluster")
            .field("server", &self.server)
            .field("admin_token", &"<redacted>")
            .field("kubeconfig", &self.kubeconfig)
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

static SHARED: OnceCell<TestCluster> = OnceCell::const_new();
static SHARED_DEMO: OnceCell<()> = OnceCell::const_new();

impl TestCluster {
    /// Starts a control plane with the default options.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(TestClusterOptions::default()).await
    }

    /// One running cluster ([`TestClusterOptions::running`]) for the whole test binary, started
    /// by the first caller: a test's pods start, crash and go as on a real cluster once their node
    /// has a kubelet ([`TestCluster::run_node`]). It is never dropped: the watchdog stops it when
    /// the test process exits, however it exits.
    pub async fn shared() -> anyhow::Result<&'static TestCluster> {
        SHARED
            .get_or_try_init(|| Self::start_with(TestClusterOptions::default().running()))
            .await
    }

    /// [`TestCluster::shared`] with the demo homelab applied as in real life
    /// ([`TestCluster::load_demo_running`]), once for the whole test binary.
    pub async fn shared_demo() -> anyhow::Result<&'static TestCluster> {
        let cluster = Self::shared().await?;
        SHARED_DEMO
            .get_or_try_init(|| async { cluster.load_demo_running().await.map(drop) })
            .await?;
        Ok(cluster)
    }

    /// Starts a control plane.
    pub async fn start_with(options: TestClusterOptions) -> anyhow::Result<Self> {
        let began = Instant::now();
        let kube = KubeDir::locate()?;
        let dir = tempfile::Builder::new().prefix("homelab-kube-").tempdir()?;
        let path = dir.path().to_owned();
        let mut processes = Processes::start(&path)?;

        // Certificates: a CA, the API server's serving certificate, the ServiceAccount key.
        let ca_key = rcgen::KeyPair::generate()?;
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "homelab-testbed-ca");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key)?;
        let serving_key = rcgen::KeyPair::generate()?;
        let serving_params = rcgen::CertificateParams::new(
            [
                "127.0.0.1",
                "localhost",
                "10.0.0.1",
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
            ]
            .map(String::from)
            .to_vec(),
        )?;
        let serving = serving_params.signed_by(&serving_key, &ca)?;
        // kwok's kubelet API, reached as `localhost` (see `kubelets`), and the API server's
        // client certificate for it.
        let kubelet_key = rcgen::KeyPair::generate()?;
        let kubelet = rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])?
            .signed_by(&kubelet_key, &ca)?;
        let kubelet_client_key = rcgen::KeyPair::generate()?;
        let mut kubelet_client_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        kubelet_client_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kube-apiserver-kubelet-client");
        let kubelet_client = kubelet_client_params.signed_by(&kubelet_client_key, &ca)?;
        let sa_key = rcgen::KeyPair::generate()?;
        let ca_pem = ca.pem();
        fs::write(path.join("ca.crt"), &ca_pem)?;
        fs::write(path.join("serving.crt"), serving.pem())?;
        fs::write(path.join("serving.key"), serving_key.serialize_pem())?;
        fs::write(path.join("sa.key"), sa_key.serialize_pem())?;
        fs::write(path.join("kubelet.crt"), kubelet.pem())?;
        fs::write(path.join("kubelet.key"), kubelet_key.serialize_pem())?;
        fs::write(path.join("kubelet-client.crt"), kubelet_client.pem())?;
        fs::write(
            path.join("kubelet-client.key"),
            kubelet_client_key.serialize_pem(),
        )?;
        fs::write(path.join("sa.pub"), sa_key.public_key_pem())?;
        let admin_token = random_token()?;
        fs::write(
            path.join("tokens.csv"),
            format!("{admin_token},admin,admin,\"system:masters\"\n"),
        )?;

        // etcd.
        let (etcd_port, peer_port, api_port) = (free_port()?, free_port()?, free_port()?);
        let etcd_url = format!("http://127.0.0.1:{etcd_port}");
        let peer_url = format!("http://127.0.0.1:{peer_port}");
        processes.spawn(
            "etcd",
            Command::new(&kube.etcd)
                .arg("--name=testbed")
                .arg(format!("--data-dir={}", path.join("etcd").display()))
                .arg(format!("--listen-client-urls={etcd_url}"))
                .arg(format!("--advertise-client-urls={etcd_url}"))
                .arg(format!("--listen-peer-urls={peer_url}"))
                .arg(format!("--initial-advertise-peer-urls={peer_url}"))
                .arg(format!("--initial-cluster=testbed={peer_url}"))
                .arg("--unsafe-no-fsync")
                .arg("--log-level=warn"),
            &path.join("etcd.log"),
        )?;

        // kube-apiserver.
        let server = format!("https://127.0.0.1:{api_port}");
        let file = |name: &str| path.join(name).display().to_string();
        let mut apiserver_args = Vec::new();
        if let Some(audit_log) = &options.audit_log {
            fs::write(path.join("audit-policy.yaml"), AUDIT_POLICY)?;
            apiserver_args.extend([
                format!("--audit-policy-file={}", file("audit-policy.yaml")),
                format!("--audit-log-path={}", audit_log.display()),
                "--audit-log-format=json".into(),
            ]);
        }
        let mut apiserver = Command::new(&kube.apiserver);
        apiserver
            .args(&apiserver_args)
            .arg(format!("--etcd-servers={etcd_url}"))
            .arg("--bind-address=127.0.0.1")
            .arg("--advertise-address=127.0.0.1")
            .arg(format!("--secure-port={api_port}"))
            .arg(format!("--cert-dir={}", file("certs")))
            .arg(format!("--tls-cert-file={}", file("serving.crt")))
            .arg(format!("--tls-private-key-file={}", file("serving.key")))
            .arg(format!("--client-ca-file={}", file("ca.crt")))
            .arg(format!("--token-auth-file={}", file("tokens.csv")))
            .arg("--authorization-mode=RBAC")
            .arg(format!("--service-account-issuer={SERVICE_ACCOUNT_ISSUER}"))
            .arg(format!("--service-account-key-file={}", file("sa.pub")))
            .arg(format!(
                "--service-account-signing-key-file={}",
                file("sa.key")
            ))
            // Addresses the API server writes into Service objects; nothing listens on them or
            // sends to them (no kube-proxy runs here). The server itself binds 127.0.0.1 above.
            .arg("--service-cluster-ip-range=10.0.0.0/24")
            // The kubelet API (kwok's) only through a node's `InternalDNS` address, `localhost`:
            // never the homelab addresses the nodes carry.
            .arg("--kubelet-preferred-address-types=InternalDNS")
            .arg(format!(
                "--kubelet-client-certificate={}",
                file("kubelet-client.crt")
            ))
            .arg(format!(
                "--kubelet-client-key={}",
                file("kubelet-client.key")
            ))
            .arg(format!(
                "--kubelet-certificate-authority={}",
                file("ca.crt")
            ))
            .arg("--allow-privileged=true")
            .arg("--disable-admission-plugins=ServiceAccount")
            .arg("--enable-priority-and-fairness=false")
            .arg("--profiling=false");
        processes.spawn(
            "kube-apiserver",
            &mut apiserver,
            &path.join("kube-apiserver.log"),
        )?;

        let kubeconfig_text = kubeconfig_yaml(&server, &ca_pem, "admin", &admin_token);
        let kubeconfig = path.join("admin.kubeconfig");
        fs::write(&kubeconfig, &kubeconfig_text)?;
        let config = config_from_kubeconfig(&kubeconfig_text).await?;
        let client = kube::Client::try_from(config.clone())?;
        wait_ready(&client, &mut processes, &path).await?;

        // kube-controller-manager, when built and wanted.
        if let (Some(binary), false) = (&kube.controller_manager, options.controllers.is_empty()) {
            let mut command = Command::new(binary);
            command
                .arg(format!("--kubeconfig={}", kubeconfig.display()))
                .arg(format!("--controllers={}", options.controllers.join(",")))
                .arg("--leader-elect=false")
                .arg("--bind-address=127.0.0.1")
                .arg("--secure-port=0")
                .arg("--profiling=false");
            if options.running {
                command.arg("--node-monitor-period=1s").arg(format!(
                    "--node-monitor-grace-period={}s",
                    kubelets::NODE_MONITOR_GRACE.as_secs()
                ));
            }
            processes.spawn(
                "kube-controller-manager",
                &mut command,
                &path.join("kube-controller-manager.log"),
            )?;
        }
        if options.running {
            let missing = "a running cluster needs kube-scheduler and kwok: run scripts/kube.sh";
            let scheduler = kube.scheduler.as_ref().context(missing)?;
            processes.spawn(
                "kube-scheduler",
                Command::new(scheduler)
                    .arg(format!("--kubeconfig={}", kubeconfig.display()))
                    .arg("--leader-elect=false")
                    .arg("--bind-address=127.0.0.1")
                    .arg("--secure-port=0")
                    .arg("--profiling=false")
                    .arg("--v=5"),
                &path.join("kube-scheduler.log"),
            )?;
            kube.kwok.as_ref().context(missing)?;
            fs::write(path.join("pods.log"), "")?;
            fs::write(path.join("previous.log"), "")?;
            fs::write(
                path.join("kwok.yaml"),
                kubelets::config(&path.join("pods.log"), &path.join("previous.log")),
            )?;
        }

        let kubelets = Mutex::new(processes.beside());
        let mut cluster = Self {
            processes,
            kubelets,
            apiserver,
            server,
            admin_token,
            config,
            kubeconfig,
            kube,
            started_in: Duration::ZERO,
            dir,
        };
        if options.crds {
            cluster.install_crds(&client).await?;
        }
        cluster.processes.check_alive(&path)?;
        cluster.started_in = began.elapsed();
        eprintln!(
            "testbed: Kubernetes {} at {} ready in {:.1}s ({} CRDs{}; logs in {})",
            cluster.kube.kube_version,
            cluster.server,
            cluster.started_in.as_secs_f64(),
            if options.crds {
                cluster.kube.crds.len()
            } else {
                0
            },
            match (options.running, cluster.processes.len() > 2) {
                (true, _) => ", controllers, scheduler and kwok",
                (false, true) => ", controller manager",
                (false, false) => "",
            },
            path.display(),
        );
        Ok(cluster)
    }

    /// Applies every CRD and waits until each is Established.
    async fn install_crds(&self, client: &kube::Client) -> anyhow::Result<()> {
        let mut docs = Vec::new();
        for file in &self.kube.crds {
            let text = fs::read_to_string(file)?;
            docs.extend(parse_documents(&text).with_context(|| file.display().to_string())?);
        }
        let mut resolver = Resolver::new(client.clone());
        let (ar, caps) = resolver
            .resolve(&GroupVersionKind::gvk(
                "apiextensions.k8s.io",
                "v1",
                "CustomResourceDefinition",
            ))
            .await?;
        let names: Vec<String> = futures::stream::iter(docs)
            .map(|doc| {
                let (client, ar, caps) = (client.clone(), ar.clone(), caps.clone());
                async move {
                    let applied = apply_one(&client, &ar, &caps, doc, Mode::Apply).await?;
                    anyhow::Ok(applied.metadata.name.unwrap_or_default())
                }
            })
            .buffer_unordered(4)
            .try_collect()
            .await?;
        let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
        for name in names {
            tokio::time::timeout(
                CRD_TIMEOUT,
                await_condition(crds.clone(), &name, conditions::is_crd_established()),
            )
            .await
            .with_context(|| format!("CRD {name} not Established within {CRD_TIMEOUT:?}"))??;
        }
        Ok(())
    }

    /// Kills the API server (SIGKILL), leaving etcd and the controllers running: clients see
    /// connections refused until [`TestCluster::start_api_server`].
    pub fn stop_api_server(&mut self) -> anyhow::Result<()> {
        self.processes.kill("kube-apiserver")
    }

    /// Starts the API server again on the same port with the same flags and data (etcd kept
    /// everything); returns once it answers `/readyz`.
    pub async fn start_api_server(&mut self) -> anyhow::Result<()> {
        let dir = self.dir.path().to_owned();
        self.processes.spawn(
            "kube-apiserver",
            &mut self.apiserver,
            &dir.join("kube-apiserver.log"),
        )?;
        wait_ready(&self.admin_client(), &mut self.processes, &dir).await
    }

    /// The PID of the server `name` (`etcd`, `kube-apiserver`, `kube-controller-manager`), for
    /// tests that freeze one with SIGSTOP.
    pub fn pid_of(&self, name: &str) -> Option<u32> {
        self.processes.pid_of(name)
    }

    /// The API server's URL, `https://127.0.0.1:<port>`.
    pub fn server_url(&self) -> &str {
        &self.server
    }

    /// The admin's bearer token (user `admin`, group `system:masters`).
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// The PEM of the CA that signed the API server's certificate.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// A kubeconfig file for the admin (the CA inline), valid while the cluster runs.
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    /// The directory with the servers' logs (`etcd.log`, `kube-apiserver.log`, ...).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// How long [`TestCluster::start`] took.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// The binaries and CRDs it runs.
    pub fn kube_dir(&self) -> &KubeDir {
        &self.kube
    }

    /// The Kubernetes version, e.g. `v1.32.5`.
    pub fn kube_version(&self) -> &str {
        &self.kube.kube_version
    }

    /// The admin's client configuration.
    pub fn admin_config(&self) -> kube::Config {
        self.config.clone()
    }

    /// A new admin client. Must be called inside a tokio runtime, and used only in that one.
    #[expect(
        clippy::expect_used,
        reason = "the same config already made a client at start"
    )]
    pub fn admin_client(&self) -> kube::Client {
        kube::Client::try_from(self.config.clone())
            .expect("the admin config made a client at start")
    }

    /// A client authenticated as ServiceAccount `namespace/name` with a token from the
    /// TokenRequest API. Creates the namespace and the ServiceAccount if needed and, with
    /// `cluster_role`, a ClusterRoleBinding `<namespace>:<name>:<cluster_role>` to it; then waits
    /// until the RBAC authorizer has seen the binding.
    pub async fn service_account_client(
        &self,
        namespace: &str,
        name: &str,
        cluster_role: Option<&str>,
    ) -> anyhow::Result<kube::Client> {
        let yaml = self
            .service_account_kubeconfig(namespace, name, cluster_role)
            .await?;
        Ok(kube::Client::try_from(
            config_from_kubeconfig(&yaml).await?,
        )?)
    }

    /// What [`TestCluster::service_account_client`] connects with, as kubeconfig YAML (the CA
    /// inline, the token valid for a day): for a server started from a kubeconfig file.
    pub async fn service_account_kubeconfig(
        &self,
        namespace: &str,
        name: &str,
        cluster_role: Option<&str>,
    ) -> anyhow::Result<String> {
        let admin = self.admin_client();
        let mut docs = vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}),
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": name, "namespace": namespace}}),
        ];
        if let Some(role) = cluster_role {
            docs.push(json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": format!("{namespace}:{name}:{role}")},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
            }));
        }
        apply_documents(&admin, docs, Mode::Apply).await?;
        if let Some(role) = cluster_role {
            wait_for_binding(&admin, namespace, name, role).await?;
        }
        let request = TokenRequest {
            spec: TokenRequestSpec {
                expiration_seconds: Some(24 * 3600),
                ..Default::default()
            },
            ..Default::default()
        };
        let token = Api::<ServiceAccount>::namespaced(admin, namespace)
            .create_token_request(name, &PostParams::default(), &request)
            .await
            .with_context(|| format!("TokenRequest for {namespace}/{name}"))?
            .status
            .context("TokenRequest without status")?
            .token;
        let user = format!("system:serviceaccount:{namespace}:{name}");
        let ca_pem = fs::read_to_string(self.ca_path())?;
        Ok(kubeconfig_yaml(&self.server, &ca_pem, &user, &token))
    }

    /// Server-side applies every document of a multi-document YAML (field manager
    /// [`FIELD_MANAGER`], forced), CRDs and Namespaces first. A document's `status` is applied
    /// through the status subresource where the kind has one. Namespaced objects without a
    /// namespace go to `default`. Returns the objects as stored.
    pub async fn apply_yaml(&self, yaml: &str) -> anyhow::Result<Vec<DynamicObject>> {
        apply_documents(&self.admin_client(), parse_documents(yaml)?, Mode::Apply).await
    }

    /// Applies a large multi-document YAML as [`Self::apply_yaml`] does, but once the CRDs and
    /// Namespaces are in, `concurrency` documents at a time (a benchmark's thousands of pods).
    /// Returns how many documents were applied.
    pub async fn apply_yaml_concurrently(
        &self,
        yaml: &str,
        concurrency: usize,
    ) -> anyhow::Result<usize> {
        let client = self.admin_client();
        let (first, rest): (Vec<Value>, Vec<Value>) =
            parse_documents(yaml)?.into_iter().partition(|doc| {
                matches!(
                    doc.get("kind").and_then(Value::as_str),
                    Some("CustomResourceDefinition" | "Namespace")
                )
            });
        let mut applied = apply_documents(&client, first, Mode::Apply).await?.len();
        let mut resolver = Resolver::new(client.clone());
        let mut jobs = Vec::with_capacity(rest.len());
        for doc in rest {
            let type_meta: TypeMeta = serde_json::from_value(doc.clone()).map_err(|e| {
                anyhow!(
                    "a document without apiVersion and kind ({e}): {}",
                    excerpt(&doc)
                )
            })?;
            let (ar, caps) = resolver
                .resolve(&GroupVersionKind::try_from(&type_meta)?)
                .await?;
            jobs.push((ar, caps, doc));
        }
        applied += futures::stream::iter(jobs)
            .map(|(ar, caps, doc)| {
                let client = client.clone();
                async move { apply_one(&client, &ar, &caps, doc, Mode::Apply).await }
            })
            .buffer_unordered(concurrency.max(1))
            .try_fold(0, |n, _| async move { Ok(n + 1) })
            .await?;
        Ok(applied)
    }

    /// Sends every document of a multi-document YAML as a server-side apply with
    /// `dryRun=All`: validated, defaulted and admitted as a real apply would be, nothing stored.
    /// Namespaced objects need their namespace to exist already. Returns the objects as the
    /// server would have stored them.
    pub async fn dry_run_yaml(&self, yaml: &str) -> anyhow::Result<Vec<DynamicObject>> {
        apply_documents(&self.admin_client(), parse_documents(yaml)?, Mode::DryRun).await
    }

    /// Applies the demo fixture, `server/demo/homelab.yaml` ([`demo_fixture_path`]).
    pub async fn load_demo(&self) -> anyhow::Result<Vec<DynamicObject>> {
        let path = demo_fixture_path();
        let text = fs::read_to_string(&path)
            .with_context(|| format!("reading the demo fixture {}", path.display()))?;
        self.apply_yaml(&text)
            .await
            .with_context(|| format!("applying {}", path.display()))
    }
}

/// Waits for `/readyz`, failing early if a server exits.
async fn wait_ready(
    client: &kube::Client,
    processes: &mut Processes,
    dir: &Path,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        processes.check_alive(dir)?;
        let request = http::Request::get("/readyz").body(Vec::new())?;
        match client.request_text(request).await {
            Ok(body) if body.trim() == "ok" => return Ok(()),
            result => {
                if Instant::now() > deadline {
                    bail!(
                        "kube-apiserver not ready within {READY_TIMEOUT:?} ({result:?}); the end of its log:\n{}",
                        log_tail(&dir.join("kube-apiserver.log"))
                    );
                }
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The documents of a multi-document YAML, empty ones left out.
pub(crate) fn parse_documents(yaml: &str) -> anyhow::Result<Vec<Value>> {
    let mut docs = Vec::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(yaml).enumerate() {
        let value = <Value as serde::Deserialize>::deserialize(doc)
            .with_context(|| format!("YAML document {}", i + 1))?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    Ok(docs)
}

/// Whether an apply is stored or only validated (`dryRun=All`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Apply,
    DryRun,
}

/// Applies documents in order, CRDs first (then waits for them), Namespaces next.
pub(crate) async fn apply_documents(
    client: &kube::Client,
    mut docs: Vec<Value>,
    mode: Mode,
) -> anyhow::Result<Vec<DynamicObject>> {
    let rank = |doc: &Value| match doc.get("kind").and_then(Value::as_str) {
        Some("CustomResourceDefinition") => 0,
        Some("Namespace") => 1,
        _ => 2,
    };
    docs.sort_by_key(rank); // stable: the file's order within each rank
    let mut resolver = Resolver::new(client.clone());
    let mut applied = Vec::with_capacity(docs.len());
    let mut crds = Vec::new();
    for doc in docs {
        let type_meta: TypeMeta = serde_json::from_value(doc.clone()).map_err(|e| {
            anyhow!(
                "a document without apiVersion and kind ({e}): {}",
                excerpt(&doc)
            )
        })?;
        let gvk = GroupVersionKind::try_from(&type_meta)?;
        if !crds.is_empty() && gvk.kind != "CustomResourceDefinition" {
            wait_established(client, std::mem::take(&mut crds)).await?;
        }
        let (ar, caps) = resolver.resolve(&gvk).await?;
        let object = apply_one(client, &ar, &caps, doc, mode).await?;
        if gvk.kind == "CustomResourceDefinition" && mode == Mode::Apply {
            crds.push(object.metadata.name.clone().unwrap_or_default());
        }
        applied.push(object);
    }
    wait_established(client, crds).await?;
    Ok(applied)
}

async fn wait_established(client: &kube::Client, names: Vec<String>) -> anyhow::Result<()> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    for name in names {
        tokio::time::timeout(
            CRD_TIMEOUT,
            await_condition(api.clone(), &name, conditions::is_crd_established()),
        )
        .await
        .with_context(|| format!("CRD {name} not Established within {CRD_TIMEOUT:?}"))??;
    }
    Ok(())
}

/// Applies one document, and its `status` through the status subresource if the kind has one.
async fn apply_one(
    client: &kube::Client,
    ar: &ApiResource,
    caps: &ApiCapabilities,
    mut doc: Value,
    mode: Mode,
) -> anyhow::Result<DynamicObject> {
    let what = format!("{} {}", ar.kind, excerpt_name(&doc));
    let name = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .with_context(|| format!("{what}: server-side apply needs metadata.name"))?
        .to_owned();
    let api: Api<DynamicObject> = match caps.scope {
        Scope::Cluster => Api::all_with(client.clone(), ar),
        Scope::Namespaced => {
            let namespace = doc
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_owned();
            Api::namespaced_with(client.clone(), &namespace, ar)
        }
    };
    let has_status_subresource = caps
        .subresources
        .iter()
        .any(|(sub, _)| sub.plural == "status");
    let status = match doc.as_object_mut() {
        Some(fields) if has_status_subresource => fields.remove("status"),
        _ => None,
    };
    let params = match mode {
        Mode::Apply => PatchParams::apply(FIELD_MANAGER).force(),
        Mode::DryRun => PatchParams::apply(FIELD_MANAGER).force().dry_run(),
    };
    let mut object = api
        .patch(&name, &params, &Patch::Apply(&doc))
        .await
        .with_context(|| format!("applying {what}"))?;
    if let Some(status) = status {
        let mut metadata = json!({"name": name});
        if let Some(namespace) = doc.pointer("/metadata/namespace") {
            metadata["namespace"] = namespace.clone();
        }
        let patch = json!({
            "apiVersion": doc.get("apiVersion"),
            "kind": doc.get("kind"),
            "metadata": metadata,
            "status": status,
        });
        object = api
            .patch_status(&name, &params, &Patch::Apply(&patch))
            .await
            .with_context(|| format!("applying the status of {what}"))?;
    }
    Ok(object)
}

fn excerpt_name(doc: &Value) -> String {
    let name = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("<no name>");
    match doc.pointer("/metadata/namespace").and_then(Value::as_str) {
        Some(namespace) => format!("{namespace}/{name}"),
        None => name.to_owned(),
    }
}

fn excerpt(doc: &Value) -> String {
    let text = doc.to_string();
    text.chars().take(200).collect()
}

/// Maps kinds to resources through discovery, retrying while a new CRD's group is not served yet.
struct Resolver {
    client: kube::Client,
    cache: HashMap<GroupVersionKind, (ApiResource, ApiCapabilities)>,
}

impl Resolver {
    fn new(client: kube::Client) -> Self {
        Self {
            client,
            cache: HashMap::new(),
        }
    }

    async fn resolve(
        &mut self,
        gvk: &GroupVersionKind,
    ) -> anyhow::Result<(ApiResource, ApiCapabilities)> {
        if let Some(found) = self.cache.get(gvk) {
            return Ok(found.clone());
        }
        let deadline = Instant::now() + CRD_TIMEOUT;
        let found = loop {
            match kube::discovery::pinned_kind(&self.client, gvk).await {
                Ok(found) => break found,
                Err(e) if Instant::now() > deadline => {
                    return Err(e).with_context(|| {
                        format!(
                            "the API server does not serve {}/{} {}",
                            gvk.group, gvk.version, gvk.kind
                        )
                    })
                }
                Err(_) => tokio::time::sleep(POLL).await,
            }
        };
        self.cache.insert(gvk.clone(), found.clone());
        Ok(found)
    }
}

/// Waits until the RBAC authorizer lets the ServiceAccount do the first thing `role` allows.
async fn wait_for_binding(
    admin: &kube::Client,
    namespace: &str,
    name: &str,
    role: &str,
) -> anyhow::Result<()> {
    let roles: Api<ClusterRole> = Api::all(admin.clone());
    let reviews: Api<SubjectAccessReview> = Api::all(admin.clone());
    let deadline = Instant::now() + RBAC_TIMEOUT;
    loop {
        // An aggregated role gets its rules from the clusterrole-aggregation controller.
        let cluster_role = roles
            .get_opt(role)
            .await?
            .with_context(|| format!("ClusterRole {role} does not exist"))?;
        let rule = cluster_role
            .rules
            .unwrap_or_default()
            .into_iter()
            .find(|r| r.resources.as_ref().is_some_and(|r| !r.is_empty()));
        if let Some(rule) = rule {
            let first = |list: &Option<Vec<String>>, wildcard: &str| {
                list.as_ref().and_then(|l| l.first()).map(|v| {
                    if v == "*" {
                        wildcard.to_owned()
                    } else {
                        v.clone()
                    }
                })
            };
            let resource = first(&rule.resources, "pods").unwrap_or_default();
            let (resource, subresource) = match resource.split_once('/') {
                Some((r, s)) => (r.to_owned(), Some(s.to_owned())),
                None => (resource, None),
            };
            let review = SubjectAccessReview {
                spec: SubjectAccessReviewSpec {
                    user: Some(format!("system:serviceaccount:{namespace}:{name}")),
                    groups: Some(vec![
                        "system:serviceaccounts".to_owned(),
                        format!("system:serviceaccounts:{namespace}"),
                        "system:authenticated".to_owned(),
                    ]),
                    resource_attributes: Some(ResourceAttributes {
                        namespace: Some(namespace.to_owned()),
                        verb: first(&Some(rule.verbs.clone()), "get"),
                        group: first(&rule.api_groups, ""),
                        resource: Some(resource),
                        subresource,
                        name: first(&rule.resource_names, ""),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                ..Default::default()
            };
            let allowed = reviews
                .create(&PostParams::default(), &review)
                .await?
                .status
                .is_some_and(|s| s.allowed);
            if allowed {
                return Ok(());
            }
        } else if cluster_role.aggregation_rule.is_none() {
            return Ok(()); // nothing to wait for: the role grants no resource
        }
        if Instant::now() > deadline {
            // Not an error: the test will see what the authorizer says.
            eprintln!("testbed: ClusterRoleBinding to {role} not seen by the authorizer within {RBAC_TIMEOUT:?}");
            return Ok(());
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_versions_are_read_from_the_go_modules() {
        assert_eq!(
            required_version(APISERVER_GO_MOD, "k8s.io/kubernetes").as_deref(),
            Some("v1.32.5")
        );
        assert!(required_version(ETCD_GO_MOD, "go.etcd.io/etcd/server/v3")
            .is_some_and(|v| v.starts_with("v3.5.")));
    }

    #[test]
    fn multi_document_yaml_skips_empty_documents() -> anyhow::Result<()> {
        let docs = parse_documents("---\na: 1\n---\n---\nb: 2\n")?;
        assert_eq!(docs, vec![json!({"a": 1}), json!({"b": 2})]);
        Ok(())
    }
}
