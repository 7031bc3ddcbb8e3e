//! The Notices page (admins, by the access policy): `GET /notices` lists the notices and the
//! form to post one; `POST /notices` posts it (a refused form comes back with its problems,
//! 422); `POST /notices/{id}/end` ends one now. Family members read notices on the Status page
//! and in `/api/v1/status`.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use frontend::model::notices::{NoticeForm, NoticesView};
use frontend::source::ClusterSource;
use leptos::prelude::provide_context;

use crate::aar::window;
use crate::auth::Admin;
use crate::http::error::AppError;
use crate::http::render::{form_fields, render_app};
use crate::notices::{form, store};
use crate::state::AppState;

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

async fn show(
    state: &AppState,
    parts: axum::http::request::Parts,
    form: NoticeForm,
    problems: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = NoticesView {
        now: now(),
        notices: state.notices.all(),
        services: state
            .cluster
            .services()
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect(),
        aars: store::aar_titles(state.notices.pool()).await?,
        form,
        problems,
    };
    Ok(render_app(state, parts, move || provide_context(view.clone()), status).await)
}

/// GET /notices
pub async fn page(
    State(state): State<AppState>,
    _admin: Admin,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, _) = request.into_parts();
    let blank = NoticeForm {
        starts: window::form_time(now()),
        ..NoticeForm::default()
    };
    show(&state, parts, blank, Vec::new()).await
}

/// POST /notices
pub async fn post(
    State(state): State<AppState>,
    Admin(admin): Admin,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, fields) = form_fields(&state, request).await?;
    let typed = form::read(&fields);
    let catalog: Vec<String> = state.cluster.services().into_iter().map(|s| s.id).collect();
    let checked = form::check(&typed, &catalog, now(), &admin.display_name);
    let notice = match checked {
        Ok(n) => match n.aar_id {
            Some(id) if !store::aar_exists(state.notices.pool(), id).await? => {
                Err(vec![("aar".to_owned(), format!("there is no AAR {id}"))])
            }
            _ => Ok(n),
        },
        Err(problems) => Err(problems),
    };
    match notice {
        Ok(n) => {
            let id = store::insert(state.notices.pool(), &n, now()).await?;
            state.notices.reread().await?;
            tracing::info!(id, by = %admin.display_name, maintenance = n.maintenance, "notice posted");
            Ok(Redirect::to("/notices").into_response())
        }
        Err(problems) => show(&state, parts, typed, problems).await,
    }
}

/// POST /notices/{id}/end
pub async fn end(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    store::end(state.notices.pool(), id, now()).await?;
    state.notices.reread().await?;
    tracing::info!(id, by = %admin.display_name, "notice ended");
    Ok(Redirect::to("/notices").into_response())
}
