//! The guarded actions' pages: GET /actions/preview (a dry run, and the confirmation form),
//! POST /actions/run (the guard, then the change), GET /audit (the log). Admins only: the
//! access policy leaves these paths to admins, and each handler takes [`Admin`] as well.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use frontend::model::actions::{ActionOutcome, ActionPage, AuditFilter};
use leptos::prelude::provide_context;
use serde::Deserialize;
use tower_sessions::Session;

use crate::actions::guard::{self, Attempt, Confirmation, Done};
use crate::actions::{audit, Action, ActionError, Impersonation};
use crate::auth::Admin;
use crate::http::error::AppError;
use crate::http::page::url_encode;
use crate::http::params::QueryParams;
use crate::http::render::{field, form_fields, render_app};
use crate::state::AppState;

async fn render(
    state: &AppState,
    parts: axum::http::request::Parts,
    page: ActionPage,
    status: StatusCode,
) -> Response {
    render_app(state, parts, move || provide_context(page.clone()), status).await
}

fn status_of(e: &ActionError) -> StatusCode {
    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The preview address of `action`, to come back to.
fn preview_url(action: &Action) -> String {
    let query: Vec<String> = action
        .to_fields()
        .iter()
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect();
    format!("/actions/preview?{}", query.join("&"))
}

/// AARs offered in the preview's "taken for" choice.
const AAR_CHOICES: i64 = 50;

/// The client actions of this admin are sent with: the server's own, or with
/// `actions.impersonate` one acting as the admin. None in demo mode.
async fn client_for(
    state: &AppState,
    session: &Session,
) -> Result<Option<kube::Client>, ActionError> {
    let Some(connection) = &state.kube else {
        return Ok(None);
    };
    let cfg = &state.config.actions;
    let admin = if cfg.impersonate {
        let user = session
            .get::<crate::auth::SessionUser>(crate::auth::USER_KEY)
            .await
            .ok()
            .flatten()
            .ok_or(ActionError::SignInAgain)?;
        Some(Impersonation {
            user: format!("{}{}", cfg.impersonate_user_prefix, user.display_name),
            groups: user
                .groups
                .iter()
                .map(|g| format!("{}{g}", cfg.impersonate_group_prefix))
                .collect(),
        })
    } else {
        None
    };
    connection.client_for(admin.as_ref()).map(Some)
}

/// The page for an attempt that ended in `e` before anything was sent.
fn refused_page(action: &Action, e: &ActionError) -> ActionPage {
    ActionPage::Outcome(ActionOutcome {
        title: action.title(),
        target: action.target(),
        command: action.command(),
        outcome: "refused".into(),
        message: e.to_string(),
        changes: Vec::new(),
        notes: Vec::new(),
        again: None,
    })
}

/// GET /actions/preview?action=...: what would change, and the confirmation form.
pub async fn preview(
    State(state): State<AppState>,
    _admin: Admin,
    session: Session,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, _) = request.into_parts();
    let fields: Vec<(String, String)> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let action = Action::from_fields(&fields).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let limits = crate::actions::guard::Limits::from(&state.config.actions);
    let previewed = match client_for(&state, &session).await {
        Ok(client) => guard::preview(client.as_ref(), &action, limits).await,
        Err(e) => Err(e),
    };
    match previewed {
        Ok(mut p) => {
            if p.refusal.is_some() {
                p.override_href = action.forced().map(|a| preview_url(&a));
            }
            p.aars = crate::db::aar::titles(&state.db, AAR_CHOICES).await?;
            Ok(render(&state, parts, ActionPage::Preview(p), StatusCode::OK).await)
        }
        Err(e) => {
            let page = refused_page(&action, &e);
            Ok(render(&state, parts, page, status_of(&e)).await)
        }
    }
}

/// POST /actions/run: the guard, then the change, and its audit entry.
pub async fn run(
    State(state): State<AppState>,
    Admin(admin): Admin,
    session: Session,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, fields) = form_fields(&state, request).await?;
    let action = Action::from_fields(&fields).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let get = |name: &str| field(&fields, name).trim().to_owned();
    let aar_id = match get("aar").as_str() {
        "" => None,
        text => {
            let id = text.parse::<i64>().map_err(|_| {
                AppError::BadRequest(format!("aar must be an AAR's number, not {text:?}"))
            })?;
            crate::db::aar::get(&state.db, id).await.map_err(|_| {
                AppError::BadRequest(format!("there is no AAR {id} to link this action to"))
            })?;
            Some(id)
        }
    };
    let confirmation = Confirmation {
        resource_version: get("resource_version"),
        typed_name: get("confirm"),
        reason: Some(get("reason")).filter(|r| !r.is_empty()),
        backup_first: get("backup_first") == "yes",
        aar_id,
    };
    let authenticated_at = crate::auth::authenticated_at(&session).await?;
    let (client, problem) = match client_for(&state, &session).await {
        Ok(client) => (client, None),
        Err(e) => (None, Some(e)),
    };
    let attempt = Attempt {
        client: client.as_ref(),
        db: &state.db,
        metrics: &state.metrics,
        actor: &admin,
        action: &action,
        confirmation: &confirmation,
        limits: crate::actions::guard::Limits::from(&state.config.actions),
        velero_namespace: &state.config.actions.velero_namespace,
        now: jiff::Timestamp::now().as_second(),
        authenticated_at,
    };
    let result = match problem {
        None => guard::run(attempt).await,
        Some(e) => guard::fail(attempt, e).await,
    };
    let again = preview_url(&action);
    let (status, outcome, message, done) = match result {
        Ok(done) => (StatusCode::OK, "done", String::new(), done),
        Err(ActionError::SignInAgain) => {
            // Back through the provider (which must ask again), then to the same preview.
            let next = url_encode(&again);
            return Ok(Redirect::to(&format!("/auth/login?reauth=1&next={next}")).into_response());
        }
        Err(ActionError::Audit(e)) => return Err(AppError::Db(e)),
        Err(e) => {
            let kind = match e {
                ActionError::Api { .. }
                | ActionError::Gone(_)
                | ActionError::TimedOut(_)
                | ActionError::Unreachable(_) => "failed",
                _ => "refused",
            };
            (status_of(&e), kind, e.to_string(), Done::default())
        }
    };
    let page = ActionPage::Outcome(ActionOutcome {
        title: action.title(),
        target: action.target(),
        command: action.command(),
        outcome: outcome.into(),
        message,
        changes: done.changes,
        notes: done.notes,
        again: (outcome != "done").then_some(again),
    });
    let mut response = render(&state, parts, page, status).await;
    response.extensions_mut().insert(Audited);
    Ok(response)
}

/// Marks a response of the guard, which audited the attempt itself (an API's 403 included).
#[derive(Clone, Copy)]
struct Audited;

/// Middleware between the session layer and the access policy: a post to /actions/run that the
/// policy or the CSRF check refuses (a family member, no session, a missing token) never reaches
/// the guard, but it is an attempt all the same, so it gets its audit entry here.
pub async fn audit_refusals(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    if request.method() != axum::http::Method::POST || request.uri().path() != "/actions/run" {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, state.config.server.body_limit_bytes).await else {
        return AppError::BadRequest("the form is too large or broken".into()).into_response();
    };
    let request = Request::from_parts(parts, axum::body::Body::from(bytes.clone()));
    let response = next.run(request).await;
    let status = response.status();
    let refused_before = status == StatusCode::FORBIDDEN || status == StatusCode::UNAUTHORIZED;
    if !refused_before || response.extensions().get::<Audited>().is_some() {
        return response;
    }
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&bytes).into_owned().collect();
    let user = session
        .get::<crate::auth::SessionUser>(crate::auth::USER_KEY)
        .await
        .ok()
        .flatten();
    let (sub, name) = user
        .map(|u| (u.sub, u.display_name))
        .unwrap_or_else(|| (String::new(), "(not signed in)".into()));
    let (kind, target, command) = match Action::from_fields(&fields) {
        Ok(a) => (a.kind(), a.target(), a.command()),
        Err(_) => ("unknown", "(unreadable form)".to_owned(), String::new()),
    };
    let message = match status {
        StatusCode::UNAUTHORIZED => "refused before the guard: not signed in",
        _ => "refused before the guard: not an admin, or the CSRF token is missing or wrong",
    };
    let entry = audit::NewEntry {
        at: jiff::Timestamp::now().as_second(),
        actor_sub: &sub,
        actor_name: &name,
        action: kind,
        target: &target,
        reason: None,
        command: &command,
        changes: &[],
        outcome: "refused",
        message,
        aar_id: None,
    };
    if let Err(e) = audit::record(&state.db, &entry).await {
        tracing::error!(error = %e, "could not audit a refused action");
    }
    state
        .metrics
        .action(kind, crate::metrics::ActionResult::Refused);
    response
}

#[derive(Deserialize)]
pub struct AuditQuery {
    action: Option<String>,
    outcome: Option<String>,
    actor: Option<String>,
    target: Option<String>,
    before: Option<String>,
}

/// GET /audit: the log, newest first, a page at a time, filtered.
pub async fn audit_log(
    State(state): State<AppState>,
    _admin: Admin,
    QueryParams(q): QueryParams<AuditQuery>,
    request: Request,
) -> Result<Response, AppError> {
    let given = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let before = match given(q.before) {
        None => None,
        Some(text) => Some(text.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            AppError::BadRequest(format!(
                "before must be an audit entry's number, not {text:?}"
            ))
        })?),
    };
    let filter = AuditFilter {
        action: given(q.action),
        outcome: given(q.outcome),
        actor: given(q.actor),
        target: given(q.target),
        before,
    };
    let page = audit::page(&state.db, &filter).await?;
    let (parts, _) = request.into_parts();
    Ok(render(&state, parts, ActionPage::Audit(page), StatusCode::OK).await)
}
