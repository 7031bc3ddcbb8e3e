//! HTTP: the router, its middleware (tracing, compression, timeouts, body limit, security
//! headers, sessions, authorization, CSRF) and `serve` on a bound listener.

pub mod aars;
pub mod actions;
pub mod api;
pub mod csrf;
pub mod error;
pub mod health;
pub mod live;
pub mod page;
pub mod render;
pub mod security;

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::routing::{get, post};
use axum::{middleware, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

use crate::auth;
use crate::state::AppState;
use frontend::app::{shell, App};
use frontend::source::{Cluster, History};

/// Every route of the server, with its middleware.
pub fn router(state: AppState, sessions: SqliteStore) -> Router {
    let config = state.config.clone();
    let leptos_options = state.leptos.clone();
    let cluster: Cluster = state.cluster.clone();
    let history: History = state.history.clone();
    let markdown = crate::aar::markdown::renderer();
    // The AAR pages are rendered by their own handlers, which load their data first
    // (`aars`); the generated Leptos routes for them would clash.
    let routes: Vec<_> = generate_route_list(App)
        .into_iter()
        .filter(|r| {
            let path = r.path();
            !(path.starts_with("/aars") || path.starts_with("/actions") || path == "/audit")
        })
        .collect();

    // The cookie name is configurable (`session.cookie_name`): cookies are not separated by
    // port, so two instances on one host (and the identity provider's `authentik_*` cookies on
    // 127.0.0.1 in tests) must not share a name.
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(config.session_cookie_name())
        .with_secure(config.https())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::minutes(
                config.session.idle_timeout_minutes as i64,
            ),
        ));

    let pkg_dir =
        leptos_options.site_root.as_ref().to_owned() + "/" + leptos_options.site_pkg_dir.as_ref();
    // Hashed file names change with their content, so browsers may keep them for a year.
    let pkg = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        .service(ServeDir::new(pkg_dir));
    let site_root = leptos_options.site_root.as_ref().to_owned();

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/v1/live", get(live::stream))
        .route("/api/v1/status", get(api::status))
        .route(crate::metrics::METRICS_PATH, get(crate::metrics::scrape))
        .route("/auth/login", get(auth::login))
        .route(auth::oidc::CALLBACK_PATH, get(auth::oidc::callback))
        .route("/auth/dev", post(auth::dev::dev_sign_in))
        .route("/auth/logout", post(auth::logout))
        .route(auth::oidc::SIGNED_OUT_PATH, get(auth::signed_out))
        .route("/actions/preview", get(actions::preview))
        .route("/actions/run", post(actions::run))
        .route("/audit", get(actions::audit_log))
        .route("/aars", get(aars::list))
        .route("/aars/new", get(aars::new_form).post(aars::create))
        .route("/aars/open-items", get(aars::open_items))
        .route("/aars/import", get(aars::import_form).post(aars::import))
        .route("/aars/import/file", post(aars::import_file))
        .route("/aars/export", get(aars::export_all))
        .route("/aars/{id}", get(aars::detail))
        .route("/aars/{id}/edit", get(aars::edit_form).post(aars::update))
        .route("/aars/{id}/export", get(aars::export_one))
        .route("/aars/{id}/evidence", post(aars::attach_evidence))
        .route("/aars/{id}/items/{position}", post(aars::set_item))
        .route(
            "/aars/{id}/items/{position}/inline",
            post(aars::edit_item_inline),
        )
        .route("/aars/{id}/revisions/{version}", get(aars::revision))
        .nest_service("/pkg", pkg)
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(cluster.clone());
                provide_context(history.clone());
                provide_context(markdown.clone());
            },
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback_service(ServeDir::new(site_root).not_found_service(get(page::not_found)))
        .layer(middleware::from_fn_with_state(state.clone(), csrf::check))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authorize,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            actions::audit_refusals,
        ))
        .layer(session_layer)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(RequestBodyLimitLayer::new(config.server.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.server.request_timeout_secs),
        ))
        .layer(CompressionLayer::new().br(true).gzip(true))
        // Outside the timeout, body limit and authorization, so their refusals are counted too.
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::metrics::track,
        ))
        // The path only, never the query: the sign-in callback's query holds the authorization
        // code and state.
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::extract::Request| {
                tracing::debug_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                )
            }),
        )
        .with_state(state)
}

/// Serves on an already bound listener until `shutdown` completes, then drains open requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
