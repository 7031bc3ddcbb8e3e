//! Wiring for `homelab serve`: open the database, fill the caches, build the router, serve until
//! SIGTERM. `anyhow` is used here and only here.

use std::sync::Arc;

use anyhow::Context;
use leptos::config::LeptosOptions;
use tokio::net::TcpListener;
use tower_sessions_sqlx_store::SqliteStore;

use crate::auth::oidc::Oidc;
use crate::cluster::{demo, live, ClusterCache, ClusterView};
use crate::config::Config;
use crate::config::TopologyConfig;
use crate::history::{self, StatusHistory};
use crate::state::AppState;
use crate::{db, http};

/// The cargo-leptos output the server serves: hashed files under `<site_root>/pkg`.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("homelab")
        .site_root(config.server.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.server.listen)
        .hash_files(hash_file_present())
        .build()
}

/// cargo-leptos writes `hash.txt` (the hashed asset names) next to the binary it builds. Without
/// it (`cargo run`, `cargo test`) Leptos would panic rendering a page with file hashing on; the
/// pages then name the unhashed files instead.
fn hash_file_present() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").is_file()))
        .unwrap_or(false)
}

/// Everything but the listener: state and router, ready to serve.
pub async fn build(config: Config) -> anyhow::Result<(AppState, axum::Router)> {
    let pool = db::open(&config.server.data_dir)
        .await
        .context("opening the database")?;
    let cluster = ClusterCache::new();
    cluster.set_time_zone(config.cluster.time_zone()?);
    let topology = if config.topology.hosts.is_empty() && config.demo {
        TopologyConfig::demo()
    } else {
        config.topology.clone()
    };
    let kube = if config.demo {
        demo::load(&cluster).context("loading the demo homelab")?;
        None
    } else {
        let kube_config = live::kube_config(&config.cluster)
            .await
            .context("connecting to the cluster")?;
        let client =
            kube::Client::try_from(kube_config.clone()).context("connecting to the cluster")?;
        live::start(client.clone(), cluster.clone());
        crate::alerts::poll::spawn(cluster.clone(), &config.alerts);
        crate::checks::poll::spawn(cluster.clone(), config.checks.clone());
        Some(crate::actions::Connection {
            client,
            config: kube_config,
        })
    };
    let oidc = match &config.oidc {
        Some(cfg) => {
            let context = format!("signing in through the OIDC provider at {}", cfg.issuer_url);
            Some(Arc::new(Oidc::discover(&config).await.context(context)?))
        }
        None => None,
    };
    let cluster = Arc::new(ClusterView::new(cluster, topology));
    cluster.spawn_publisher();
    if config.demo && !config.demo_empty {
        // Before the status history opens: it resumes from what the seed recorded.
        let now = jiff::Timestamp::now().as_second();
        match crate::demo_history::seed(&pool, &cluster, now).await {
            Ok(seeded) => tracing::info!(?seeded, "the demo homelab's past is in the database"),
            Err(e) => tracing::error!(error = %e, "the demo homelab's past could not be written"),
        }
    }
    let history = Arc::new(
        StatusHistory::open(
            pool.clone(),
            config.cluster.time_zone()?,
            jiff::Timestamp::now(),
        )
        .await
        .context("loading the status history")?,
    );
    history::recorder::spawn(history.clone(), cluster.clone());
    crate::drills::spawn(
        pool.clone(),
        cluster.cache.clone(),
        kube.as_ref().map(|k| k.client.clone()),
        config.drills.max_age_days,
    )
    .await
    .context("loading the restore drills")?;
    crate::evidence::recorder::spawn(
        pool.clone(),
        cluster.cache.clone(),
        config.evidence.keep_days,
    );
    let sessions = crate::auth::sessions::Sessions::new(SqliteStore::new(pool.clone()));
    crate::auth::start_session_cleanup(sessions.clone())
        .await
        .context("deleting expired sessions")?;
    let public_streams = Arc::new(tokio::sync::Semaphore::new(config.server.public_streams));
    let metrics = crate::metrics::Metrics::new(cluster.publisher().delay().clone());
    let notices = crate::notices::Notices::open(pool.clone())
        .await
        .context("loading the notices")?;
    notices.spawn_clock();
    let notifier = crate::notify::Notifier::new(
        pool.clone(),
        config.notify.clone(),
        config.server.public_url.clone(),
        metrics.clone(),
        config.demo,
        notices.clone(),
    )
    .context("making the notifications' HTTP client")?;
    notifier
        .start(cluster.clone())
        .await
        .context("loading what notifications were sent")?;
    let state = AppState {
        leptos: leptos_options(&config),
        config: Arc::new(config),
        db: pool,
        oidc,
        kube,
        cluster,
        history,
        notices,
        notifier,
        metrics,
        shutdown: crate::http::shutdown::Shutdown::default(),
        public_streams,
        log_follows: Arc::new(tokio::sync::Semaphore::new(
            crate::http::log_follow::MAX_FOLLOWS,
        )),
        pages: Default::default(),
        sessions: sessions.clone(),
    };
    let router = http::router(state.clone(), sessions);
    Ok((state, router))
}

/// `homelab serve`: binds the configured address and serves until SIGTERM or Ctrl-C.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.server.listen;
    let started = std::time::Instant::now();
    let (state, router) = build(config).await?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    tracing::info!(address = %listen, elapsed_ms = started.elapsed().as_millis() as u64, "serving");
    let shutdown = state.shutdown.clone();
    http::serve(listener, router, async move {
        shutdown_signal().await;
        // Open streams end now; in-flight requests finish before `serve` returns.
        shutdown.begin();
    })
    .await
    .context("serving HTTP")?;
    // Closing the pool closes each connection: the last one checkpoints the WAL into the file.
    state.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing open requests");
}
