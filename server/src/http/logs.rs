//! A pod's logs (admins only, by the access policy): `GET /pods/{namespace}/{name}/logs` reads
//! the container's log through the API server (`cluster::logs`) with the server's own identity
//! and renders it, or with `download=1` answers the log's bytes as a file. A bad field, a pod
//! the caches do not know, or the API server's refusal is told on the page, with the form.

use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;

use crate::auth::Admin;
use crate::cluster::logs::{self, RawLogQuery};
use crate::http::params::QueryParams;
use crate::http::render::render_app;
use crate::state::AppState;
use frontend::model::logs::PodLogs;

#[derive(serde::Deserialize)]
pub struct LogsQuery {
    #[serde(flatten)]
    raw: RawLogQuery,
    download: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    _admin: Admin,
    Path((namespace, pod)): Path<(String, String)>,
    QueryParams(q): QueryParams<LogsQuery>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let mut view = PodLogs {
        namespace: namespace.clone(),
        pod: pod.clone(),
        ..PodLogs::default()
    };
    let (status, bytes) = match load(&state, &q.raw, &mut view).await {
        Ok(bytes) => (StatusCode::OK, bytes),
        Err((status, problem)) => {
            view.problem = Some(problem);
            (status, Vec::new())
        }
    };
    if status == StatusCode::OK && q.download.as_deref() == Some("1") {
        let file = format!("{pod}-{}.log", view.query.container);
        return (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ),
            ],
            bytes,
        )
            .into_response();
    }
    (view.lines, view.cut_lines, view.truncated) = logs::lines(&bytes);
    render_app(&state, parts, move || provide_context(view.clone()), status).await
}

/// Fills in the pod's containers and the checked query, and reads the log.
async fn load(
    state: &AppState,
    raw: &RawLogQuery,
    view: &mut PodLogs,
) -> Result<Vec<u8>, (StatusCode, String)> {
    let id = format!("{}/{}", view.namespace, view.pod);
    let containers = logs::containers_of(
        &state.cluster.views().snapshot.pods,
        &view.namespace,
        &view.pod,
    )
    .ok_or_else(|| (StatusCode::NOT_FOUND, format!("there is no pod {id}")))?;
    view.containers = containers;
    view.query = logs::parse(raw, &view.containers).map_err(|e| (StatusCode::BAD_REQUEST, e))?;
    let Some(connection) = state.kube.as_ref() else {
        // The demo has no cluster: its recorded logs stand in.
        return Ok(logs::demo(&view.query));
    };
    let client = connection
        .client_for(None)
        .map_err(|e| (StatusCode::BAD_GATEWAY, e.to_string()))?;
    logs::read(client, &view.namespace, &view.pod, &view.query)
        .await
        .map_err(|e| match e {
            // The API server's own words: "previous terminated container ... not found".
            kube::Error::Api(status) if status.code < 500 => (
                StatusCode::from_u16(status.code).unwrap_or(StatusCode::BAD_REQUEST),
                format!("the API server refused: {}", status.message),
            ),
            other => {
                tracing::warn!(pod = %id, error = %other, "reading a pod's log failed");
                (
                    StatusCode::BAD_GATEWAY,
                    format!("the API server did not give the log: {other}"),
                )
            }
        })
}
