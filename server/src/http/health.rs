//! `/healthz`: the process answers. `/readyz`: the database answers, views computed from synced
//! caches are published, and the process is not shutting down.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::state::AppState;

pub async fn healthz() -> &'static str {
    "ok"
}

/// 2 KB of HTML, the size of a small page.
static FLOOR: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let row = "<p>The floor: what this server answers without rendering anything.</p>\n";
    let mut page = String::from("<!DOCTYPE html><html lang=\"en\"><body>\n");
    while page.len() < 2048 - 16 {
        page.push_str(row);
    }
    page.truncate(2048 - 15);
    page.push_str("</body></html>\n");
    page
});

/// `/bench/floor` (`server.bench_floor`): a fixed page behind the same middleware as every page.
pub async fn bench_floor(State(state): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    if !state.config.server.bench_floor {
        return crate::http::page::not_found().await.into_response();
    }
    axum::response::Html(FLOOR.as_str()).into_response()
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let stopping = state.shutdown.is_begun();
    let database = !stopping && crate::db::ping(&state.db).await;
    let cluster = state.cluster.views().synced;
    let status = if database && cluster && !stopping {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "database": database,
            "cluster_cache_synced": cluster,
            "shutting_down": stopping,
        })),
    )
}
