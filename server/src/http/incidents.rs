//! Incident pages (admins, by the access policy) and the AAR started from one.
//!
//! `GET /incidents/services/{namespace}/{name}` and `GET /incidents/nodes/{name}` render the
//! [`Incident`] of the latest views and the audit log's last day. `POST /incidents/aar` (with
//! `subject=service:media/plex` or `node:k3s1`) writes a draft AAR: its window runs from the
//! first Warning event or firing alert (an hour back when there is none) to now, it names the
//! service's workloads or the node, and its timeline holds the evidence the AAR page would offer
//! for that window, already attached, and the alerts firing now; then the admin finishes it.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use frontend::model::aar::{AarContent, AarStatus, TimelineEntry};
use frontend::model::incident::Incident;
use leptos::prelude::provide_context;

use crate::aar::window;
use crate::auth::Admin;
use crate::cluster::views::incident;
use crate::db::aar::Author;
use crate::evidence;
use crate::http::error::AppError;
use crate::http::render::{field, form_fields, render_app};
use crate::state::AppState;

/// A window without a first warning or alert starts this long before now.
const DEFAULT_WINDOW: i64 = 3600;

async fn recent_actions(
    state: &AppState,
    now: i64,
) -> Result<Vec<frontend::model::actions::AuditEntry>, AppError> {
    Ok(crate::actions::audit::between(&state.db, now - incident::CHANGES_SINCE, now).await?)
}

async fn show(state: &AppState, request: Request, found: Option<Incident>) -> Response {
    let (parts, _) = request.into_parts();
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    render_app(
        state,
        parts,
        move || {
            if let Some(i) = found.clone() {
                provide_context(i);
            }
        },
        status,
    )
    .await
}

/// GET /incidents/services/{namespace}/{name}
pub async fn service(
    State(state): State<AppState>,
    _admin: Admin,
    Path((namespace, name)): Path<(String, String)>,
    request: Request,
) -> Result<Response, AppError> {
    let views = state.cluster.views();
    let id = format!("{namespace}/{name}");
    let actions = recent_actions(&state, views.snapshot.now).await?;
    let found = incident::of_service(&views.snapshot, &id, &actions).map(|mut i| {
        i.history = frontend::source::HistorySource::history(&*state.history, &id);
        i
    });
    Ok(show(&state, request, found).await)
}

/// GET /incidents/nodes/{name}
pub async fn node(
    State(state): State<AppState>,
    _admin: Admin,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, AppError> {
    let views = state.cluster.views();
    let actions = recent_actions(&state, views.snapshot.now).await?;
    let found = incident::of_node(&views.snapshot, &name, &actions);
    Ok(show(&state, request, found).await)
}

/// POST /incidents/aar
pub async fn start_aar(
    State(state): State<AppState>,
    Admin(admin): Admin,
    request: Request,
) -> Result<Response, AppError> {
    let (_, fields) = form_fields(&state, request).await?;
    let key = field(&fields, "subject");
    let views = state.cluster.views();
    let snap = &views.snapshot;
    let subject = match key.split_once(':') {
        Some(("service", id)) => incident::of_service(snap, id, &[]),
        Some(("node", name)) => incident::of_node(snap, name, &[]),
        _ => None,
    }
    .ok_or_else(|| {
        AppError::BadRequest(format!(
            "subject: `{key}` is not a service (`service:namespace/name`) or a node \
             (`node:name`) the cluster has"
        ))
    })?;
    let now = snap.now;
    // Minutes are what an AAR's window holds: the start rounds down, the end up.
    let start = subject.began.unwrap_or(now - DEFAULT_WINDOW).min(now) / 60 * 60;
    let end = (now + 59) / 60 * 60;
    let names = incident::names(snap, &subject.subject);
    let mut content = AarContent {
        title: format!("{} incident", subject.subject.title()),
        incident_date: window::form_time(start)
            .split('T')
            .next()
            .unwrap_or_default()
            .to_owned(),
        status: AarStatus::Draft,
        summary: format!(
            "Started from the incident page of {} ({}). To be written.",
            subject.subject.title(),
            subject.status
        ),
        services: names,
        window_start: Some(window::form_time(start)),
        window_end: Some(window::form_time(end)),
        ..AarContent::default()
    };
    let offered =
        evidence::store::for_aar(&state.db, &content, state.config.evidence.keep_days).await?;
    let mut entries: Vec<(i64, String, TimelineEntry)> = offered
        .events
        .into_iter()
        .chain(offered.backups)
        .chain(offered.actions)
        .chain(offered.alerts)
        .chain(offered.drills)
        .map(|item| (item.at, item.key, item.entry))
        .collect();
    // The alerts firing now that the recorder has not written yet.
    for a in subject.alerts.iter().filter(|a| a.is_firing()) {
        let key = evidence::offer::alert_key(a);
        if !entries.iter().any(|(_, k, _)| *k == key) {
            let at = a.since.unwrap_or(start);
            entries.push((at, key, evidence::offer::alert_entry(a)));
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    for (_, key, entry) in entries {
        content.evidence.push(key);
        content.timeline.push(entry);
    }
    let aar =
        crate::db::aar::create(&state.db, &content, &Author::now(&admin.display_name)).await?;
    Ok(Redirect::to(&format!("/aars/{}/edit", aar.id)).into_response())
}
