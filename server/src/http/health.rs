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
