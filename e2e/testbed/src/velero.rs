//! A real Velero for tests: Velero's server and its AWS object-store plugin, backing up to a
//! real S3 server (versitygw, its buckets plain directories) on 127.0.0.1, both started as child
//! processes beside a [`TestCluster`].
//!
//! The binaries come from `scripts/kube.sh velero versitygw`, which builds them from the Go
//! module proxy into `$HOMELAB_KUBE_DIR/velero-<version>/` and `versitygw-<version>/` (the
//! versions are read from `e2e/kube/velero/go.mod` at compile time, so the two never disagree).
//! The cluster's Velero CRDs are the same version's (`scripts/kube.sh crds`).
//!
//! Velero runs outside the cluster with the admin's kubeconfig, as `velero server` in a pod would
//! with its ServiceAccount, and watches only its own namespace: a test cluster with the demo
//! homelab's Velero objects (in `velero`) gives it another namespace, so it never touches the
//! demo's backups nor calls the demo's storage locations (addresses outside this machine). Its
//! one BackupStorageLocation, `default`, points at the S3 server: it becomes Available because the
//! store answers, and Unavailable once [`Velero::stop_store`] stops it. Backups hold resources
//! only (no volume snapshot locations, no node agent).
//!
//! The processes are stopped by PID when the [`Velero`] is dropped, and by the same watchdog as a
//! cluster's servers if the test process dies first.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::Api;
use serde_json::{json, Value};

use crate::cluster::{required_version, KubeDir, TestCluster};
use crate::poll;
use crate::processes::{free_port, log_tail, Processes};

/// The Go module that pins Velero, its plugin and the S3 server (only the versions are used).
const VELERO_GO_MOD: &str = include_str!("../../kube/velero/go.mod");
/// The S3 server's process name, and its log file's (`<name>.log`).
const STORE: &str = "versitygw";
/// Velero's process name.
const SERVER: &str = "velero";
/// The bucket backups go to.
pub const BUCKET: &str = "velero";
/// The S3 server's only account. Test values: the server listens on 127.0.0.1 only.
const ACCESS_KEY: &str = "testbed";
const SECRET_KEY: &str = "testbed-secret-key";
/// How long the storage location may take to become Available (Velero's start, the plugin's
/// first call to the store).
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// How often Velero checks its storage location (its default is a minute): often enough that a
/// stopped store is seen within seconds.
pub const VALIDATION_PERIOD: &str = "3s";

fn version(module: &str) -> anyhow::Result<String> {
    required_version(VELERO_GO_MOD, module)
        .with_context(|| format!("e2e/kube/velero/go.mod names no version of {module}"))
}

/// `<kube dir>/velero-<version>` (the server, and its plugin in `plugins/`) and
/// `<kube dir>/versitygw-<version>/versitygw`, or says how to build them.
pub fn binaries() -> anyhow::Result<(PathBuf, PathBuf, PathBuf)> {
    let root = KubeDir::default_root()?;
    // `-1`: scripts/kube.sh's first build of that version with its one source change.
    let velero_dir = root.join(format!(
        "velero-{}-1",
        version("github.com/vmware-tanzu/velero")?
    ));
    let plugins = velero_dir.join("plugins");
    let velero = velero_dir.join("velero");
    let store = root
        .join(format!(
            "versitygw-{}",
            version("github.com/versity/versitygw")?
        ))
        .join("versitygw");
    for path in [&velero, &store] {
        if !path.is_file() {
            bail!(
                "{} is missing: run scripts/kube.sh velero versitygw (about 7 minutes on 2 cores, once)",
                path.display()
            );
        }
    }
    Ok((velero, plugins, store))
}

/// A running Velero and its object store. See the module documentation.
pub struct Velero {
    // Declared first: dropped (the servers killed) before the directory is removed.
    processes: Processes,
    namespace: String,
    store_binary: PathBuf,
    store_port: u16,
    dir: tempfile::TempDir,
}

impl fmt::Debug for Velero {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Velero")
            .field("namespace", &self.namespace)
            .field("store", &self.store_url())
            .field("pid", &self.processes.pid_of(SERVER))
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

/// Velero's kinds, as dynamic objects.
pub fn resource(kind: &str) -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk("velero.io", "v1", kind))
}

impl Velero {
    /// Starts the S3 server with an empty bucket, creates `namespace` and a default storage
    /// location there pointing at the store, starts `velero server` watching that namespace,
    /// and waits until Velero reports the location Available.
    pub async fn start(cluster: &TestCluster, namespace: &str) -> anyhow::Result<Self> {
        let began = std::time::Instant::now();
        let (velero, plugins, store_binary) = binaries()?;
        let dir = tempfile::Builder::new()
            .prefix("homelab-velero-")
            .tempdir()?;
        let path = dir.path().to_owned();
        // versitygw's posix backend: each directory under its root is a bucket.
        fs::create_dir_all(path.join("store").join(BUCKET))?;
        let processes = Processes::start(&path)?;
        let mut this = Self {
            processes,
            namespace: namespace.to_owned(),
            store_binary,
            store_port: free_port()?,
            dir,
        };
        this.start_store().await?;
        cluster
            .apply_yaml(&serde_json::to_string(&json!({
                "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}
            }))?)
            .await?;
        cluster
            .apply_yaml(&serde_json::to_string(&this.location())?)
            .await?;
        // Velero's restore looks up its own Deployment (`velero` in its namespace) for the image
        // of its restore helper, as it runs in a real install; here the server runs outside, so
        // the Deployment is there with no replicas.
        cluster
            .apply_yaml(&serde_json::to_string(&json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "velero", "namespace": namespace},
                "spec": {
                    "replicas": 0,
                    "selector": {"matchLabels": {"deploy": "velero"}},
                    "template": {
                        "metadata": {"labels": {"deploy": "velero"}},
                        "spec": {"containers": [{"name": "velero", "image": format!("velero/velero:{}", version("github.com/vmware-tanzu/velero")?)}]},
                    },
                },
            }))?)
            .await?;
        let metrics = free_port()?;
        let profiler = free_port()?;
        this.processes.spawn(
            SERVER,
            Command::new(&velero)
                .arg("server")
                .arg(format!(
                    "--kubeconfig={}",
                    cluster.kubeconfig_path().display()
                ))
                .arg(format!("--namespace={namespace}"))
                .arg(format!("--plugin-dir={}", plugins.display()))
                .arg(format!("--metrics-address=127.0.0.1:{metrics}"))
                .arg(format!("--profiler-address=127.0.0.1:{profiler}"))
                .arg(format!("--store-validation-frequency={VALIDATION_PERIOD}"))
                .arg("--log-level=info")
                // The plugin runs as Velero's child and reads the store's account from here,
                // as it would from the credentials file of a pod.
                .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
                .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
                .env_remove("AWS_PROFILE")
                .env_remove("HTTP_PROXY")
                .env_remove("HTTPS_PROXY")
                .env_remove("http_proxy")
                .env_remove("https_proxy"),
            &path.join(format!("{SERVER}.log")),
        )?;
        this.wait_location(cluster, "Available").await?;
        eprintln!(
            "testbed: Velero in namespace {namespace}, its store at {}, ready in {:.1}s (logs in {})",
            this.store_url(),
            began.elapsed().as_secs_f64(),
            path.display()
        );
        Ok(this)
    }

    /// The storage location `default`, in the S3 server's bucket.
    fn location(&self) -> Value {
        json!({
            "apiVersion": "velero.io/v1",
            "kind": "BackupStorageLocation",
            "metadata": {"name": "default", "namespace": self.namespace},
            "spec": {
                "provider": "aws",
                "default": true,
                "objectStorage": {"bucket": BUCKET},
                "config": {
                    "region": "us-east-1",
                    "s3ForcePathStyle": "true",
                    "s3Url": self.store_url(),
                    "checksumAlgorithm": "",
                },
            },
        })
    }

    /// Starts the S3 server (again, on the same port and with the same files) and waits until
    /// it answers.
    pub async fn start_store(&mut self) -> anyhow::Result<()> {
        let path = self.dir.path().to_owned();
        self.processes.spawn(
            STORE,
            Command::new(&self.store_binary)
                .arg(format!("--access={ACCESS_KEY}"))
                .arg(format!("--secret={SECRET_KEY}"))
                .arg(format!("--port=127.0.0.1:{}", self.store_port))
                .arg("posix")
                .arg(path.join("store")),
            &path.join(format!("{STORE}.log")),
        )?;
        let address = format!("127.0.0.1:{}", self.store_port);
        let dir = path.clone();
        let processes = &mut self.processes;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            processes.check_alive(&dir)?;
            match tokio::net::TcpStream::connect(&address).await {
                Ok(_) => return Ok(()),
                Err(e) if std::time::Instant::now() > deadline => bail!(
                    "the S3 server did not listen on {address} within 30 s ({e}); its log:\n{}",
                    log_tail(&dir.join(format!("{STORE}.log")))
                ),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Stops the S3 server (SIGKILL, as a NAS going away would): Velero marks the location
    /// Unavailable at its next check.
    pub fn stop_store(&mut self) -> anyhow::Result<()> {
        self.processes.kill(STORE)
    }

    /// Waits until Velero reports the storage location in `phase` (`Available`, `Unavailable`).
    pub async fn wait_location(&self, cluster: &TestCluster, phase: &str) -> anyhow::Result<()> {
        let api: Api<DynamicObject> = Api::namespaced_with(
            cluster.admin_client(),
            &self.namespace,
            &resource("BackupStorageLocation"),
        );
        let log = self.log_path();
        poll::until(
            &format!("storage location default {phase}"),
            READY_TIMEOUT,
            || {
                let api = api.clone();
                let log = log.clone();
                async move {
                    let location = api.get("default").await?;
                    let status = &location.data["status"];
                    if status["phase"] == phase {
                        Ok(Ok(()))
                    } else {
                        Ok(Err(format!(
                            "{status}; the end of Velero's log:\n{}",
                            log_tail(&log)
                        )))
                    }
                }
            },
        )
        .await
    }

    /// The namespace Velero watches (its Backups, Restores and storage location).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The S3 server's address.
    pub fn store_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.store_port)
    }

    /// The objects in the bucket, by key (`backups/<name>/<name>.tar.gz`, ...).
    pub fn stored_keys(&self) -> Vec<String> {
        fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
            for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else if let Ok(key) = path.strip_prefix(root) {
                    out.push(key.to_string_lossy().into_owned());
                }
            }
        }
        let root = self.dir.path().join("store").join(BUCKET);
        let mut out = Vec::new();
        walk(&root, &root, &mut out);
        out.sort();
        out
    }

    /// Velero's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join(format!("{SERVER}.log"))
    }

    /// The PID of Velero's server, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.processes.pid_of(SERVER)
    }
}
