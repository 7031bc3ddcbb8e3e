//! The JSON API for scripts: `/api/v1/status`, the family status (service, status, URL, since),
//! for Home Assistant or a Homepage "custom API" widget.

use axum::extract::State;
use axum::Json;
use frontend::model::{Audience, FamilyStatus};
use frontend::source::ClusterSource;

use crate::state::AppState;

pub async fn status(State(state): State<AppState>) -> Json<Vec<FamilyStatus>> {
    let out = state
        .cluster
        .services()
        .into_iter()
        .filter(|s| s.audience == Audience::Family)
        .map(|s| FamilyStatus {
            service: s.name,
            status: s.status,
            url: s.url,
            since: None,
        })
        .collect();
    Json(out)
}
