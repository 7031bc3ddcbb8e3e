//! Runs the test control plane for the browser tests (Playwright) and other programs.
//!
//! ```text
//! testbed [--running] [--demo] [--apply FILE.yaml]... [--service-account NS/NAME] [--audit-log FILE]
//!         [--alertmanager] [--velero NAMESPACE] OUT.json
//! ```
//!
//! Starts etcd, kube-apiserver and the controller manager with the CRDs ([`testbed::cluster`]),
//! with `--running` a cluster that runs workloads (the scheduler, the workload controllers, kwok
//! as each node's kubelet), with `--demo` also applies `server/demo/homelab.yaml` (on a running
//! cluster as in real life: `testbed::demo`), with `--apply` each file's documents
//! (eight at a time: the benchmarks' synthetic cluster of thousands of pods, from `homelab bench
//! synthetic`), with `--audit-log` has the API server log every request it receives there (one
//! JSON line each), with `--service-account` writes a kubeconfig of that ServiceAccount (a
//! TokenRequest token; its RBAC comes from the applied files, e.g. the shipped ClusterRole), with
//! `--alertmanager` also starts an Alertmanager ([`testbed::alertmanager`]: a receiver that sends
//! nothing, its API v2 at `alertmanager`, its log in `alertmanager_log`; both `null` without the
//! flag), with `--velero` also starts a real Velero watching NAMESPACE, backing up to a real S3
//! server ([`testbed::velero`]; its namespace at `velero`, its log at `velero_log`), then writes
//! OUT.json (atomically, so a poller never reads half of it):
//!
//! ```json
//! {"kubeconfig": "...", "server": "https://127.0.0.1:...", "token": "...", "ca_file": "...",
//!  "kube_version": "v1.32.5", "log_dir": "...", "pid": 1234,
//!  "service_account_kubeconfig": "...",
//!  "alertmanager": "http://127.0.0.1:...", "alertmanager_log": "...",
//!  "velero": "velero-lab", "velero_log": "..."}
//! ```
//!
//! Faults on request: SIGUSR1 kills the API server (etcd and the controllers keep running),
//! SIGUSR2 starts it again on the same port; each writes a line to standard error when done.
//!
//! It keeps running until SIGTERM or SIGINT, or until its standard input closes (when it is a
//! pipe or a terminal: a standard input of /dev/null is not watched, or it would stop at once),
//! then stops every server and removes OUT.json. If it is killed outright, the cluster's watchdog
//! still stops the servers.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{bail, Context};
use testbed::alertmanager::Alertmanager;
use testbed::cluster::{TestCluster, TestClusterOptions};
use tokio::signal::unix::{signal, SignalKind};

const USAGE: &str = "usage: testbed [--running] [--demo] [--apply FILE.yaml]... [--service-account NS/NAME] [--audit-log FILE] [--alertmanager] [--velero NAMESPACE] OUT.json";

/// Documents applied at a time by `--apply`.
const APPLY_CONCURRENCY: usize = 8;

struct Args {
    running: bool,
    demo: bool,
    apply: Vec<PathBuf>,
    audit_log: Option<PathBuf>,
    service_account: Option<(String, String)>,
    alertmanager: bool,
    velero: Option<String>,
    out: PathBuf,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut running = false;
    let mut demo = false;
    let mut apply = Vec::new();
    let mut audit_log = None;
    let mut service_account = None;
    let mut alertmanager = false;
    let mut velero = None;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--running" => running = true,
            "--demo" => demo = true,
            "--alertmanager" => alertmanager = true,
            "--velero" => velero = Some(args.next().context(USAGE)?),
            "--apply" => apply.push(PathBuf::from(args.next().context(USAGE)?)),
            "--audit-log" => audit_log = Some(PathBuf::from(args.next().context(USAGE)?)),
            "--service-account" => {
                let text = args.next().context(USAGE)?;
                let (ns, name) = text
                    .split_once('/')
                    .with_context(|| format!("--service-account {text}: expected NS/NAME"))?;
                service_account = Some((ns.to_owned(), name.to_owned()));
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            flag if flag.starts_with('-') => bail!("unknown option {flag}\n{USAGE}"),
            path if out.is_none() => out = Some(PathBuf::from(path)),
            _ => bail!("{USAGE}"),
        }
    }
    Ok(Args {
        running,
        demo,
        apply,
        audit_log,
        service_account,
        alertmanager,
        velero,
        out: out.context(USAGE)?,
    })
}

/// Whether standard input is something that can close (not /dev/null).
fn stdin_is_watchable() -> bool {
    std::fs::read_link("/proc/self/fd/0")
        .is_ok_and(|target| target != std::path::Path::new("/dev/null"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let mut options = TestClusterOptions::default();
    if let Some(path) = &args.audit_log {
        options = options.audit_log(path);
    }
    if args.running {
        options = options.running();
    }
    let mut cluster = TestCluster::start_with(options).await?;
    if args.demo {
        let began = std::time::Instant::now();
        let objects = if args.running {
            cluster.load_demo_running().await?
        } else {
            cluster.load_demo().await?
        };
        eprintln!(
            "testbed: demo fixture applied ({} objects{} in {:.1} s)",
            objects.len(),
            if args.running {
                ", its pods placed"
            } else {
                ""
            },
            began.elapsed().as_secs_f64()
        );
    }
    for path in &args.apply {
        let began = std::time::Instant::now();
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let applied = cluster
            .apply_yaml_concurrently(&text, APPLY_CONCURRENCY)
            .await
            .with_context(|| format!("applying {}", path.display()))?;
        eprintln!(
            "testbed: {} applied ({applied} objects in {:.1} s)",
            path.display(),
            began.elapsed().as_secs_f64()
        );
    }
    let service_account_kubeconfig = match &args.service_account {
        Some((ns, name)) => {
            let yaml = cluster.service_account_kubeconfig(ns, name, None).await?;
            let path = cluster.dir().join(format!("{ns}-{name}.kubeconfig"));
            std::fs::write(&path, yaml)?;
            Some(path)
        }
        None => None,
    };
    let alertmanager = if args.alertmanager {
        Some(Alertmanager::start().await?)
    } else {
        None
    };
    let velero = match &args.velero {
        Some(namespace) => Some(testbed::velero::Velero::start(&cluster, namespace).await?),
        None => None,
    };
    let info = serde_json::json!({
        "service_account_kubeconfig": service_account_kubeconfig,
        "kubeconfig": cluster.kubeconfig_path(),
        "server": cluster.server_url(),
        "token": cluster.admin_token(),
        "ca_file": cluster.ca_path(),
        "kube_version": cluster.kube_version(),
        "log_dir": cluster.dir(),
        "pid": std::process::id(),
        "alertmanager": alertmanager.as_ref().map(Alertmanager::url),
        "alertmanager_log": alertmanager.as_ref().map(Alertmanager::log_path),
        "velero": velero.as_ref().map(|v| v.namespace().to_owned()),
        "velero_log": velero.as_ref().map(testbed::velero::Velero::log_path),
    });
    let partial = args.out.with_extension("json.partial");
    std::fs::write(&partial, serde_json::to_vec_pretty(&info)?)
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &args.out)?;
    eprintln!("testbed: ready, details in {}", args.out.display());

    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    let mut _never_closed = None;
    if stdin_is_watchable() {
        // A plain thread: a blocked read must not hold up the runtime's shutdown.
        std::thread::spawn(move || {
            let mut sink = [0u8; 1024];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            let _ = closed_tx.send(());
        });
    } else {
        _never_closed = Some(closed_tx); // kept, so closed_rx never completes
    }
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut stop_api = signal(SignalKind::user_defined1())?;
    let mut start_api = signal(SignalKind::user_defined2())?;
    let mut closed_rx = closed_rx;
    let reason = loop {
        tokio::select! {
            _ = terminate.recv() => break "SIGTERM",
            _ = interrupt.recv() => break "SIGINT",
            _ = &mut closed_rx => break "standard input closed",
            _ = stop_api.recv() => match cluster.stop_api_server() {
                Ok(()) => eprintln!("testbed: SIGUSR1, the API server is stopped"),
                Err(e) => eprintln!("testbed: SIGUSR1, the API server could not be stopped: {e:#}"),
            },
            _ = start_api.recv() => match cluster.start_api_server().await {
                Ok(()) => eprintln!("testbed: SIGUSR2, the API server is back"),
                Err(e) => eprintln!("testbed: SIGUSR2, the API server did not start: {e:#}"),
            },
        }
    };
    eprintln!("testbed: {reason}, stopping");
    // Dropped explicitly: std::process::exit runs no destructor.
    drop(alertmanager);
    drop(cluster);
    let _ = std::fs::remove_file(&args.out);
    std::process::exit(0);
}
