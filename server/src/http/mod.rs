//! HTTP: the router, its middleware (tracing, compression, timeouts, body limit, security
//! headers, sessions, authorization, CSRF) and `serve` on a bound listener.

pub mod aars;
pub mod actions;
pub mod api;
pub mod csrf;
pub mod error;
pub mod health;
pub mod incidents;
pub mod live;
pub mod log_follow;
pub mod logs;
pub mod notices;
pub mod notifications;
pub mod page;
pub mod page_cache;
pub mod params;
pub mod render;
pub mod security;
pub mod shutdown;

use std::time::Duration;

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::routing::{get, post, MethodRouter};
use axum::{middleware, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth;
use crate::state::AppState;
use frontend::app::{shell, App};
use frontend::source::{Cluster, History, Notices};

/// Every route of the server, with its middleware.
pub fn router(state: AppState, sessions: crate::auth::sessions::Sessions) -> Router {
    let config = state.config.clone();
    let leptos_options = state.leptos.clone();
    let cluster: Cluster = state.cluster.clone();
    let history: History = state.history.clone();
    let notices: Notices = state.notices.clone();
    let markdown = crate::aar::markdown::renderer();
    // The AAR, action and logs pages are rendered by their own handlers, which load their data
    // first (`aars`, `actions`, `logs`); the generated Leptos routes for them would clash.
    let routes = page_routes();

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
    let pkg = Router::new()
        .fallback_service(
            // `cargo leptos build --release --precompress` writes each file's .br and .gz.
            ServeDir::new(pkg_dir)
                .precompressed_br()
                .precompressed_gzip()
                .not_found_service(get(page::not_found)),
        )
        .layer(middleware::map_response(asset_cache_control));
    let site_root = leptos_options.site_root.as_ref().to_owned();

    let mut router = Router::new();
    for (path, _, handler) in handler_routes() {
        router = router.route(path, handler);
    }
    router
        .nest_service("/pkg", pkg)
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(cluster.clone());
                provide_context(history.clone());
                provide_context(notices.clone());
                provide_context(markdown.clone());
            },
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback_service(ServeDir::new(site_root).not_found_service(get(page::not_found)))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            page_cache::serve,
        ))
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

/// Hashed file names change with their content, so browsers may keep a found one for a year; a
/// missing one is not kept at all (the next build may bring it).
async fn asset_cache_control(mut response: axum::response::Response) -> axum::response::Response {
    let value = if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        "public, max-age=31536000, immutable"
    } else {
        "no-store"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

const GET: &[Method] = &[Method::GET];
const POST: &[Method] = &[Method::POST];
const GET_POST: &[Method] = &[Method::GET, Method::POST];

/// The routes answered by the server's own handlers, with the methods each answers (the pages
/// are Leptos routes, and `/pkg` the built assets).
fn handler_routes() -> Vec<(&'static str, &'static [Method], MethodRouter<AppState>)> {
    vec![
        ("/healthz", GET, get(health::healthz)),
        ("/readyz", GET, get(health::readyz)),
        ("/bench/floor", GET, get(health::bench_floor)),
        ("/api/v1/live", GET, get(live::stream)),
        ("/api/v1/status", GET, get(api::status)),
        (
            crate::metrics::METRICS_PATH,
            GET,
            get(crate::metrics::scrape),
        ),
        ("/auth/login", GET, get(auth::login)),
        (auth::oidc::CALLBACK_PATH, GET, get(auth::callback)),
        ("/auth/dev", POST, post(auth::dev::dev_sign_in)),
        ("/auth/logout", POST, post(auth::logout)),
        (auth::oidc::SIGNED_OUT_PATH, GET, get(auth::signed_out)),
        ("/actions/preview", GET, get(actions::preview)),
        ("/actions/run", POST, post(actions::run)),
        ("/audit", GET, get(actions::audit_log)),
        ("/pods/{namespace}/{name}/logs", GET, get(logs::page)),
        (
            "/pods/{namespace}/{name}/logs/follow",
            GET,
            get(log_follow::follow),
        ),
        (
            "/incidents/services/{namespace}/{name}",
            GET,
            get(incidents::service),
        ),
        ("/incidents/nodes/{name}", GET, get(incidents::node)),
        ("/incidents/aar", POST, post(incidents::start_aar)),
        ("/notices", GET_POST, get(notices::page).post(notices::post)),
        ("/notices/{id}/end", POST, post(notices::end)),
        ("/notifications", GET, get(notifications::page)),
        ("/notifications/test", POST, post(notifications::send_test)),
        ("/aars", GET, get(aars::list)),
        (
            "/aars/new",
            GET_POST,
            get(aars::new_form).post(aars::create),
        ),
        ("/aars/open-items", GET, get(aars::open_items)),
        (
            "/aars/import",
            GET_POST,
            get(aars::import_form).post(aars::import),
        ),
        ("/aars/import/file", POST, post(aars::import_file)),
        ("/aars/export", GET, get(aars::export_all)),
        ("/aars/{id}", GET, get(aars::detail)),
        (
            "/aars/{id}/edit",
            GET_POST,
            get(aars::edit_form).post(aars::update),
        ),
        ("/aars/{id}/export", GET, get(aars::export_one)),
        ("/aars/{id}/evidence", POST, post(aars::attach_evidence)),
        ("/aars/{id}/items/{position}", POST, post(aars::set_item)),
        (
            "/aars/{id}/items/{position}/inline",
            POST,
            post(aars::edit_item_inline),
        ),
        ("/aars/{id}/revisions/{version}", GET, get(aars::revision)),
    ]
}

/// The Leptos page routes the router serves: the app's, less those a handler above renders.
fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    generate_route_list(App)
        .into_iter()
        .filter(|r| {
            let path = r.path();
            !(path.starts_with("/aars")
                || path.starts_with("/actions")
                || path.starts_with("/pods/")
                || path.starts_with("/incidents/")
                || path == "/notifications"
                || path == "/notices"
                || path == "/audit")
        })
        .collect()
}

/// Every route the router has, in axum's syntax, with the methods it answers: what the access
/// policy's table must cover (a test enumerates these, so a new route is tried by default).
pub fn routes() -> Vec<(String, Vec<Method>)> {
    let handlers = handler_routes()
        .into_iter()
        .map(|(path, methods, _)| (path.to_owned(), methods.to_vec()));
    let pages = page_routes()
        .into_iter()
        .map(|page| (page.path().to_owned(), GET.to_vec()));
    handlers
        .chain(pages)
        .chain([("/pkg/{*file}".to_owned(), GET.to_vec())])
        .collect()
}

/// Serves on an already bound listener until `shutdown` completes, then drains open requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // A make-service turns the router into its routes once; serving the `Router` itself would
    // build them again for every connection and keep that copy while it is open (about 0.7 MB a
    // connection measured here, most of the memory after a load run).
    axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
}
