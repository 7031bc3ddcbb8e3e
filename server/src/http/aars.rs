//! The AAR pages (admins only: the policy leaves `/aars` to admins, and each handler takes
//! [`Admin`] as well).
//!
//! Their data is in SQLite, so each page is an async handler that loads it and renders the app
//! with it as context ([`AarPage`], see [`crate::http::render`]). Posts that succeed redirect
//! (303) to a page showing the result.
//!
//! Long because the AAR pages have many routes (list, detail, revisions, form, items, evidence,
//! import, export); each handler is short and they share the rendering and refusal helpers here.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use frontend::model::aar::{
    AarAction, AarDetailView, AarFilter, AarForm, AarListView, AarPage, ImportView, InlineItem,
    InlineItemReply, ItemStatus,
};
use leptos::prelude::provide_context;
use serde::Deserialize;

use crate::aar::{export, form, window};
use crate::auth::Admin;
use crate::db::aar::{self as store, Author};
use crate::db::DbError;
use crate::evidence;
use crate::http::error::AppError;
use crate::http::params::{Params, QueryParams};
use crate::http::render::{field, form_fields, render_app};
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
    QueryParams(query): QueryParams<ListQuery>,
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
    Params(id): Params<i64>,
    QueryParams(query): QueryParams<DetailQuery>,
    request: Request,
) -> Result<Response, AppError> {
    let aar = store::get(&state.db, id).await?;
    let revisions = store::revisions(&state.db, id).await?;
    let keep_days = state.config.evidence.keep_days;
    let evidence = evidence::store::for_aar(&state.db, &aar.content, keep_days).await?;
    let page = AarPage::Detail(Box::new(AarDetailView {
        aar,
        revisions,
        old_revision: None,
        notice: query.saved.map(|_| "Saved.".to_owned()),
        actions: actions_for(&state, id).await?,
        evidence: Some(evidence),
    }));
    let (parts, _) = request.into_parts();
    Ok(render(&state, parts, page, StatusCode::OK).await)
}

/// GET /aars/{id}/revisions/{version}: an older version, read-only.
pub async fn revision(
    State(state): State<AppState>,
    _admin: Admin,
    Params((id, version)): Params<(i64, i64)>,
    request: Request,
) -> Result<Response, AppError> {
    let aar = store::revision(&state.db, id, version).await?;
    let revisions = store::revisions(&state.db, id).await?;
    let page = AarPage::Detail(Box::new(AarDetailView {
        aar,
        revisions,
        old_revision: Some(version),
        notice: None,
        actions: actions_for(&state, id).await?,
        evidence: None,
    }));
    let (parts, _) = request.into_parts();
    Ok(render(&state, parts, page, StatusCode::OK).await)
}

/// The guarded actions taken for AAR `id`, from the audit log.
async fn actions_for(state: &AppState, id: i64) -> Result<Vec<AarAction>, AppError> {
    Ok(crate::actions::audit::for_aar(&state.db, id)
        .await?
        .into_iter()
        .map(|a| AarAction {
            id: a.id,
            when: window::label(a.at),
            actor: a.actor,
            action: a.action,
            target: a.target,
            outcome: a.outcome,
            reason: a.reason.filter(|r| !r.is_empty()),
        })
        .collect())
}

/// POST /aars/{id}/evidence: `key` (of an item the evidence section offered) and `version`.
/// The entry is built here from the stored evidence, not taken from the form, and appended to
/// the timeline as a new version (refused when `version` is no longer the current one).
pub async fn attach_evidence(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Params(id): Params<i64>,
    request: Request,
) -> Result<Response, AppError> {
    let (_, fields) = form_fields(&state, request).await?;
    let get = |name: &str| field(&fields, name);
    let version: i64 = get("version")
        .parse()
        .map_err(|_| AppError::BadRequest("the form has no version; reload the page".into()))?;
    let key = get("key");
    let aar = store::get(&state.db, id).await?;
    let keep_days = state.config.evidence.keep_days;
    let offered = evidence::store::for_aar(&state.db, &aar.content, keep_days).await?;
    let item = offered
        .events
        .iter()
        .chain(&offered.backups)
        .chain(&offered.actions)
        .chain(&offered.alerts)
        .chain(&offered.drills)
        .find(|i| i.key == key)
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "no evidence `{key}` in this AAR's incident window for its services (or it is \
                 no longer kept); reload the page"
            ))
        })?;
    let by = Author::now(&admin.display_name);
    store::attach_evidence(&state.db, id, version, &item.key, item.entry.clone(), &by).await?;
    Ok(Redirect::to(&format!("/aars/{id}?saved=1#evidence")).into_response())
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
    Params(id): Params<i64>,
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
    Params(id): Params<i64>,
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
    Params((id, position)): Params<(i64, usize)>,
    request: Request,
) -> Result<Response, AppError> {
    let (_, fields) = form_fields(&state, request).await?;
    let get = |name: &str| field(&fields, name);
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

/// POST /aars/{id}/items/{position}/inline: the inline editor's change of an action item, as
/// urlencoded `version`, `status`, `priority`, `owner` and `due` (the CSRF token in its header),
/// answered with JSON ([`InlineItemReply`]): the item as saved with the new version, or refused
/// with the field at fault (422), a newer version (409) or no such item (404).
pub async fn edit_item_inline(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Params((id, position)): Params<(i64, usize)>,
    request: Request,
) -> Response {
    let refused = |status: StatusCode, field: &str, message: String| {
        let reply = InlineItemReply {
            field: field.to_owned(),
            message,
            ..InlineItemReply::default()
        };
        (status, axum::Json(reply)).into_response()
    };
    let Ok((_, fields)) = form_fields(&state, request).await else {
        let message = "The change could not be read; reload the page.".to_owned();
        return refused(StatusCode::BAD_REQUEST, "", message);
    };
    let get = |name: &str| field(&fields, name).to_owned();
    let Ok(version) = get("version").parse::<i64>() else {
        let message = "The change names no version; reload the page.".to_owned();
        return refused(StatusCode::BAD_REQUEST, "", message);
    };
    let item = InlineItem {
        status: get("status"),
        priority: get("priority"),
        owner: get("owner"),
        due: get("due"),
        done_on: String::new(),
    };
    let change = match form::read_inline_item(&item) {
        Ok(change) => change,
        Err(e) => return refused(StatusCode::UNPROCESSABLE_ENTITY, &e.field, e.message),
    };
    let by = Author::now(&admin.display_name);
    let saved = store::update_item(&state.db, id, version, position, &change, &today(), &by).await;
    match saved {
        Ok(aar) => match aar.content.action_items.get(position) {
            Some(item) => {
                let reply = InlineItemReply {
                    saved: true,
                    version: aar.version,
                    item: InlineItem::of(item),
                    ..InlineItemReply::default()
                };
                (StatusCode::OK, axum::Json(reply)).into_response()
            }
            None => refused(StatusCode::NOT_FOUND, "", "The item is gone.".into()),
        },
        Err(e @ DbError::Stale { .. }) => {
            let message = format!(
                "{}. Reload the page to see the current version, then change it again.",
                sentence(&e)
            );
            refused(StatusCode::CONFLICT, "", message)
        }
        Err(e @ DbError::NotFound(_)) => refused(StatusCode::NOT_FOUND, "", sentence(&e)),
        Err(e) => {
            tracing::error!(error = %e, "saving an action item failed");
            let message = "The change could not be saved (a server error); try again.".into();
            refused(StatusCode::INTERNAL_SERVER_ERROR, "", message)
        }
    }
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

/// The largest Markdown file the upload takes (CLUSTER-SETUP.md's whole AAR log is about 50 KB).
pub const MAX_UPLOAD_BYTES: usize = 512 * 1024;

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
    import_text(&state, parts, &admin.display_name, text, None).await
}

/// POST /aars/import/file: a Markdown file uploaded as the multipart field `file`, imported
/// whole or not at all like pasted text. Refused, with the page saying why: no file, an empty
/// or larger than [`MAX_UPLOAD_BYTES`] one, or one that is not UTF-8 text.
pub async fn import_file(
    State(state): State<AppState>,
    Admin(admin): Admin,
    request: Request,
) -> Result<Response, AppError> {
    use axum::extract::{FromRequest, Multipart};
    let (mut parts, body) = request.into_parts();
    // A refused upload is answered with the import page.
    parts.uri = axum::http::Uri::from_static("/aars/import");
    let mut inner = Request::new(body);
    *inner.headers_mut() = parts.headers.clone();
    let refuse = |parts, status, message: String| {
        let page = AarPage::Import(ImportView {
            text: String::new(),
            error: Some(format!("Nothing was imported. {message}")),
        });
        upload_refused(&state, parts, page, status)
    };
    let mut form = match Multipart::from_request(inner, &state).await {
        Ok(form) => form,
        Err(_) => {
            let message = "The upload was not a file form (multipart/form-data).".to_owned();
            return refuse(parts, StatusCode::BAD_REQUEST, message).await;
        }
    };
    let mut upload: Option<(String, Vec<u8>)> = None;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                let message = "The upload was broken off; try again.".to_owned();
                return refuse(parts, StatusCode::BAD_REQUEST, message).await;
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("the file").to_owned();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES => {
                    let message = format!(
                        "{name} is larger than {} KB, the most an import takes.",
                        MAX_UPLOAD_BYTES / 1024
                    );
                    return refuse(parts, StatusCode::PAYLOAD_TOO_LARGE, message).await;
                }
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(_) => {
                    let message = "The upload was broken off; try again.".to_owned();
                    return refuse(parts, StatusCode::BAD_REQUEST, message).await;
                }
            }
        }
        upload = Some((name, bytes));
    }
    let Some((name, bytes)) = upload.filter(|(name, _)| !name.is_empty()) else {
        let message = "Choose a Markdown file to upload.".to_owned();
        return refuse(parts, StatusCode::UNPROCESSABLE_ENTITY, message).await;
    };
    if bytes.is_empty() {
        let message = format!("{name} is empty.");
        return refuse(parts, StatusCode::UNPROCESSABLE_ENTITY, message).await;
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text.replace("\r\n", "\n"),
        Err(e) => {
            let message = format!(
                "{name} is not UTF-8 text (byte {} is not): upload the Markdown file itself.",
                e.utf8_error().valid_up_to() + 1
            );
            return refuse(parts, StatusCode::UNPROCESSABLE_ENTITY, message).await;
        }
    };
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_owned)
        .unwrap_or(text);
    import_text(&state, parts, &admin.display_name, text, Some(&name)).await
}

async fn upload_refused(
    state: &AppState,
    parts: axum::http::request::Parts,
    page: AarPage,
    status: StatusCode,
) -> Result<Response, AppError> {
    Ok(render(state, parts, page, status).await)
}

/// Parses and stores `text` (from `file`, when uploaded): all of it or, at the first problem,
/// nothing, with the page naming the line and the reason.
async fn import_text(
    state: &AppState,
    parts: axum::http::request::Parts,
    by: &str,
    text: String,
    file: Option<&str>,
) -> Result<Response, AppError> {
    let aars = match crate::aar::parse_import(&text) {
        Ok(aars) => aars,
        Err(e) => {
            let origin = file.map(|f| format!("{f}: ")).unwrap_or_default();
            let page = AarPage::Import(ImportView {
                // An uploaded file is not put into the paste box: it was not typed there.
                text: if file.is_some() { String::new() } else { text },
                error: Some(format!("Nothing was imported. {origin}{}", sentence(&e))),
            });
            return Ok(render(state, parts, page, StatusCode::UNPROCESSABLE_ENTITY).await);
        }
    };
    let report = store::import(&state.db, &aars, &Author::now(by)).await?;
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
    Params(id): Params<i64>,
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
