//! The AAR pages (admins only: the policy leaves `/aars` to admins, and each handler takes
//! [`Admin`] as well).
//!
//! Their data is in SQLite, so each page is an async handler that loads it and renders the app
//! with it as context ([`AarPage`], see [`crate::http::render`]). Posts that succeed redirect
//! (303) to a page showing the result.

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use frontend::model::aar::{
    AarDetailView, AarFilter, AarForm, AarListView, AarPage, ImportView, ItemStatus,
};
use leptos::prelude::provide_context;
use serde::Deserialize;

use crate::aar::{export, form, import};
use crate::auth::Admin;
use crate::db::aar::{self as store, Author};
use crate::db::DbError;
use crate::http::error::AppError;
use crate::http::render::{form_fields, render_app};
use crate::state::AppState;

/// Search results shown at most (each gets a snippet: the cost grows with it).
const SEARCH_LIMIT: i64 = 20;

/// Renders the Leptos app for `parts`' path with `page` in context.
async fn render(
    state: &AppState,
    parts: axum::http::request::Parts,
    page: AarPage,
    status: StatusCode,
) -> Response {
    render_app(state, parts, move || provide_context(page.clone()), status).await
}

fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    open: Option<String>,
    /// After an import: "created,updated,unchanged".
    #[serde(default)]
    imported: Option<String>,
}

/// GET /aars: the list, filtered, or search hits when there is a query.
pub async fn list(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<ListQuery>,
    request: Request,
) -> Result<Response, AppError> {
    let filter = AarFilter {
        q: query.q.trim().to_owned(),
        severity: query.severity,
        tag: query.tag,
        service: query.service,
        open_items: query.open.is_some_and(|v| !v.is_empty()),
    };
    let (all_tags, all_services) = store::facets(&state.db).await?;
    let hits = if filter.q.is_empty() {
        None
    } else {
        Some(store::search(&state.db, &filter, SEARCH_LIMIT).await?)
    };
    let rows = match hits {
        Some(_) => Vec::new(),
        None => store::list(&state.db, &filter).await?,
    };
    let notice = query.imported.and_then(|counts| {
        let n: Vec<usize> = counts.split(',').filter_map(|c| c.parse().ok()).collect();
        match n[..] {
            [created, updated, unchanged] => Some(format!(
                "Imported: {created} new, {updated} updated, {unchanged} unchanged."
            )),
            _ => None,
        }
    });
    let page = AarPage::List(AarListView {
        filter,
        all_tags,
        all_services,
        rows,
        hits,
        notice,
    });
    let (parts, _) = request.into_parts();
    Ok(render(&state, parts, page, StatusCode::OK).await)
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// GET /aars/{id}
pub async fn detail(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
    Query(query): Query<DetailQuery>,
    request: Request,
) -> Result<Response, AppError> {
    let aar = store::get(&state.db, id).await?;
    let revisions = store::revisions(&state.db, id).await?;
    let page = AarPage::Detail(Box::new(AarDetailView {
        aar,
        revisions,
        old_revision: None,
        notice: query.saved.map(|_| "Saved.".to_owned()),
    }));
    let (parts, _) = request.into_parts();
    Ok(render(&state, parts, page, StatusCode::OK).await)
}

/// GET /aars/{id}/revisions/{version}: an older version, read-only.
pub async fn revision(
    State(state): State<AppState>,
    _admin: Admin,
    Path((id, version)): Path<(i64, i64)>,
    request: Request,
) -> Result<Response, AppError> {
    let aar = store::revision(&state.db, id, version).await?;
    let revisions = store::revisions(&state.db, id).await?;
    let page = AarPage::Detail(Box::new(AarDetailView {
        aar,
        revisions,
        old_revision: Some(version),
        notice: None,
    }));
    let (parts, _) = request.into_parts();
    Ok(render(&state, parts, page, StatusCode::OK).await)
}

/// GET /aars/new
pub async fn new_form(
    State(state): State<AppState>,
    _admin: Admin,
    request: Request,
) -> Result<Response, AppError> {
    let mut fields = form::fields_of(&Default::default());
    for (k, v) in &mut fields {
        if k == "incident_date" {
            *v = today();
        }
    }
    let page = AarPage::Form(AarForm {
        id: None,
        version: 0,
        fields,
        ..AarForm::default()
    });
    let (parts, _) = request.into_parts();
    Ok(render(&state, parts, page, StatusCode::OK).await)
}

/// POST /aars/new
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, fields) = form_fields(&state, request).await?;
    let refuse = |fields, errors, conflict| AarForm {
        id: None,
        version: 0,
        fields,
        errors,
        conflict,
    };
    let content = match form::read(&fields) {
        Ok(c) => c,
        Err(errors) => {
            let page = AarPage::Form(refuse(fields, errors, None));
            return Ok(render(&state, parts, page, StatusCode::UNPROCESSABLE_ENTITY).await);
        }
    };
    match store::create(&state.db, &content, &Author::now(&admin.display_name)).await {
        Ok(aar) => Ok(Redirect::to(&format!("/aars/{}?saved=1", aar.id)).into_response()),
        Err(e @ DbError::Duplicate { .. }) => {
            let errors = vec![frontend::model::aar::FieldError {
                field: "title".into(),
                message: format!("{}; give this one another title or date.", sentence(&e)),
            }];
            let page = AarPage::Form(refuse(fields, errors, None));
            Ok(render(&state, parts, page, StatusCode::CONFLICT).await)
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /aars/{id}/edit
pub async fn edit_form(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, AppError> {
    let aar = store::get(&state.db, id).await?;
    let page = AarPage::Form(AarForm {
        id: Some(id),
        version: aar.version,
        fields: form::fields_of(&aar.content),
        ..AarForm::default()
    });
    let (parts, _) = request.into_parts();
    Ok(render(&state, parts, page, StatusCode::OK).await)
}

/// POST /aars/{id}/edit: saved only if the form's `version` is still the current one. When it
/// is not, the form comes back as typed with what happened, based on the current version, so
/// a second save (after a look at the other edit) replaces it knowingly; nothing is lost, as
/// every version stays in the history.
pub async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, fields) = form_fields(&state, request).await?;
    let version = fields
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .ok_or_else(|| AppError::BadRequest("the form has no version; reload the page".into()))?;
    let fields: Vec<(String, String)> =
        fields.into_iter().filter(|(k, _)| k != "version").collect();
    let content = match form::read(&fields) {
        Ok(c) => c,
        Err(errors) => {
            let page = AarPage::Form(AarForm {
                id: Some(id),
                version,
                fields,
                errors,
                conflict: None,
            });
            return Ok(render(&state, parts, page, StatusCode::UNPROCESSABLE_ENTITY).await);
        }
    };
    let by = Author::now(&admin.display_name);
    match store::update(&state.db, id, version, &content, &by).await {
        Ok(aar) => Ok(Redirect::to(&format!("/aars/{}?saved=1", aar.id)).into_response()),
        Err(e @ DbError::Stale { current, .. }) => {
            let conflict = format!(
                "{}. What you typed is below. Open the current version in another tab to see \
                 what changed; saving this form again replaces it (it stays in the history).",
                sentence(&e)
            );
            let page = AarPage::Form(AarForm {
                id: Some(id),
                version: current,
                fields,
                errors: Vec::new(),
                conflict: Some(conflict),
            });
            Ok(render(&state, parts, page, StatusCode::CONFLICT).await)
        }
        Err(e @ DbError::Duplicate { .. }) => {
            let errors = vec![frontend::model::aar::FieldError {
                field: "title".into(),
                message: format!("{}; give this one another title or date.", sentence(&e)),
            }];
            let page = AarPage::Form(AarForm {
                id: Some(id),
                version,
                fields,
                errors,
                conflict: None,
            });
            Ok(render(&state, parts, page, StatusCode::CONFLICT).await)
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /aars/{id}/items/{position}: `status` (open, done, dropped), `version`, and `back`
/// (where to go afterwards: the AAR or the open-items page).
pub async fn set_item(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path((id, position)): Path<(i64, usize)>,
    request: Request,
) -> Result<Response, AppError> {
    let (_, fields) = form_fields(&state, request).await?;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let status = ItemStatus::parse(get("status"))
        .ok_or_else(|| AppError::BadRequest("the status must be open, done or dropped".into()))?;
    let version: i64 = get("version")
        .parse()
        .map_err(|_| AppError::BadRequest("the form has no version; reload the page".into()))?;
    let by = Author::now(&admin.display_name);
    store::set_item_status(&state.db, id, version, position, status, &today(), &by).await?;
    let back = if get("back") == "open-items" {
        "/aars/open-items".to_owned()
    } else {
        format!("/aars/{id}")
    };
    Ok(Redirect::to(&back).into_response())
}

/// GET /aars/open-items
pub async fn open_items(
    State(state): State<AppState>,
    _admin: Admin,
    request: Request,
) -> Result<Response, AppError> {
    let items = store::open_items(&state.db).await?;
    let (parts, _) = request.into_parts();
    Ok(render(&state, parts, AarPage::OpenItems(items), StatusCode::OK).await)
}

/// GET /aars/import
pub async fn import_form(
    State(state): State<AppState>,
    _admin: Admin,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, _) = request.into_parts();
    let page = AarPage::Import(ImportView::default());
    Ok(render(&state, parts, page, StatusCode::OK).await)
}

/// POST /aars/import: the Markdown in the `markdown` field, imported whole or not at all.
pub async fn import(
    State(state): State<AppState>,
    Admin(admin): Admin,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, fields) = form_fields(&state, request).await?;
    let text = fields
        .into_iter()
        .find(|(k, _)| k == "markdown")
        .map(|(_, v)| v.replace("\r\n", "\n"))
        .unwrap_or_default();
    let aars = match import::parse(&text) {
        Ok(aars) => aars,
        Err(e) => {
            let page = AarPage::Import(ImportView {
                text,
                error: Some(format!("Nothing was imported. {}", sentence(&e))),
            });
            return Ok(render(&state, parts, page, StatusCode::UNPROCESSABLE_ENTITY).await);
        }
    };
    let by = Author::now(&admin.display_name);
    let report = store::import(&state.db, &aars, &by).await?;
    Ok(Redirect::to(&format!(
        "/aars?imported={},{},{}",
        report.created, report.updated, report.unchanged
    ))
    .into_response())
}

/// GET /aars/export: every AAR as one Markdown file.
pub async fn export_all(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Response, AppError> {
    let aars = store::all(&state.db).await?;
    let text = export::export_all(aars.iter().map(|a| &a.content));
    Ok(markdown_file("aar-log.md", text))
}

/// GET /aars/{id}/export
pub async fn export_one(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let aar = store::get(&state.db, id).await?;
    Ok(markdown_file(
        &format!("aar-{id}.md"),
        export::export(&aar.content),
    ))
}

fn markdown_file(name: &str, text: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    )
        .into_response()
}

/// An error message as a sentence: capital first letter.
fn sentence(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
