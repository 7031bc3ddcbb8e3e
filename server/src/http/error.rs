//! The one HTTP error type. Each variant maps to a status explicitly. For 4xx the client is told
//! what was wrong; for 5xx it is told nothing internal, and the cause is logged once, here.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::json;

use super::page::{escape, simple_page};
use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    SignInRequired,
    #[error("your account is signed in but is in none of the groups that may use this site")]
    NoAccess,
    #[error("this needs the admin role")]
    Forbidden,
    #[error("sign-in is not available: outside demo mode it goes through the OIDC provider")]
    SignInUnavailable,
    #[error("{0}")]
    BadRequest(String),
    /// A state-changing request that failed the CSRF check (`http::csrf`).
    #[error("{0}")]
    Csrf(&'static str),
    /// Discovery or a sign-in through the OIDC provider failed.
    #[error(transparent)]
    SignIn(crate::auth::oidc::OidcError),
    #[error("session store error")]
    Session(#[from] tower_sessions::session::Error),
    /// Not found and conflicts are told as they are; anything else is a 500 and told nothing.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

/// A refused notification request names what was wrong; the database's failure is a 500.
impl From<crate::notify::NotifyError> for AppError {
    fn from(e: crate::notify::NotifyError) -> Self {
        match e {
            crate::notify::NotifyError::Db(e) => AppError::Db(e),
            other => AppError::BadRequest(other.to_string()),
        }
    }
}

/// A session failure inside the sign-in is the session store's error (a 500 told nothing), as
/// anywhere else; the rest are the sign-in's own, told as they are.
impl From<crate::auth::oidc::OidcError> for AppError {
    fn from(e: crate::auth::oidc::OidcError) -> Self {
        match e {
            crate::auth::oidc::OidcError::Session(e) => AppError::Session(e),
            other => AppError::SignIn(other),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::SignInRequired => StatusCode::UNAUTHORIZED,
            AppError::NoAccess | AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::SignInUnavailable => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Csrf(_) => StatusCode::FORBIDDEN,
            AppError::SignIn(e) => e.status(),
            AppError::Db(DbError::NotFound(_)) => StatusCode::NOT_FOUND,
            AppError::Db(DbError::Stale { .. } | DbError::Duplicate { .. }) => StatusCode::CONFLICT,
            AppError::Session(_) | AppError::Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the client may read: the message for 4xx, a generic line for 5xx. Sign-in errors
    /// are always told: their messages are written for people and hold nothing internal.
    fn public_message(&self) -> String {
        if let AppError::SignIn(e) = self {
            if self.status().is_server_error() {
                tracing::error!(error = %e, "sign-in failed");
            }
            e.to_string()
        } else if self.status().is_server_error() {
            tracing::error!(error = ?self, "request failed");
            "internal error; the server log has the details".into()
        } else {
            self.to_string()
        }
    }

    /// The same error as a page: sign-in redirects, the rest an HTML page with the status.
    /// `csrf` is the session's token for the sign-out form (empty without a session).
    pub fn into_page_response(self, path: &str, demo: bool, csrf: &str) -> Response {
        ErrorPage::of(&self).into_response_for(path, demo, csrf)
    }
}

/// What a page needs of an error, taken once (`public_message` logs a 5xx). A handler's error
/// answers JSON and carries this along, so `auth::authorize` can answer a page request with the
/// page instead: one error type, and people in a browser never see JSON.
#[derive(Clone, Debug)]
pub struct ErrorPage {
    status: StatusCode,
    message: String,
    kind: PageKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PageKind {
    SignIn,
    NoAccess,
    AdminsOnly,
    Refused,
    NotFound,
    NotSaved,
    SignInFailed,
    Other,
}

impl ErrorPage {
    fn of(e: &AppError) -> ErrorPage {
        let kind = match e {
            AppError::SignInRequired => PageKind::SignIn,
            AppError::NoAccess => PageKind::NoAccess,
            AppError::Forbidden => PageKind::AdminsOnly,
            AppError::Csrf(_) => PageKind::Refused,
            AppError::Db(DbError::NotFound(_)) => PageKind::NotFound,
            AppError::Db(DbError::Stale { .. }) => PageKind::NotSaved,
            AppError::SignIn(_) => PageKind::SignInFailed,
            _ => PageKind::Other,
        };
        let message = if kind == PageKind::SignIn {
            String::new()
        } else {
            e.public_message()
        };
        ErrorPage {
            status: e.status(),
            message,
            kind,
        }
    }

    /// The page: sign-in redirects, the rest an HTML page with the status.
    pub fn into_response_for(self, path: &str, demo: bool, csrf: &str) -> Response {
        let back = "<p><a href=\"/\">Back to Status</a></p>".to_owned();
        let (title, extra) = match self.kind {
            PageKind::SignIn => {
                let next = super::page::url_encode(path);
                return Redirect::to(&format!("/auth/login?next={next}")).into_response();
            }
            PageKind::NoAccess => (
                "No access",
                format!(
                    "<p>Ask an admin to add you to a group for this site, then sign in again.</p>\
                     <form method=\"post\" action=\"/auth/logout\">\
                     <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                     <button class=\"primary\" type=\"submit\">Sign out</button></form>",
                    escape(csrf)
                ),
            ),
            PageKind::AdminsOnly => ("Admins only", back),
            PageKind::Refused => ("Request refused", back),
            PageKind::NotFound => ("Not found", back),
            PageKind::NotSaved => ("Not saved", back),
            PageKind::SignInFailed => (
                "Sign-in failed",
                "<p><a class=\"primary\" href=\"/auth/login\">Try again</a></p>".to_owned(),
            ),
            PageKind::Other if self.status.is_client_error() => ("That did not work", back),
            PageKind::Other => ("Something went wrong", back),
        };
        let body = format!(
            "<section class=\"card\" data-test=\"error-page\"><h1>{title}</h1><p>{}</p>{extra}</section>",
            escape(&sentence(&self.message))
        );
        (self.status, Html(simple_page(title, demo, &body))).into_response()
    }
}

/// A message as a sentence on a page: capital first letter (the JSON form stays lower-case).
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// API form: `{"error": "..."}` with the status, carrying the [`ErrorPage`] for page requests.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let page = ErrorPage::of(&self);
        let message = if page.kind == PageKind::SignIn {
            self.to_string()
        } else {
            page.message.clone()
        };
        let mut response = (page.status, Json(json!({ "error": message }))).into_response();
        response.extensions_mut().insert(page);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::sentence;

    #[test]
    fn page_messages_start_with_a_capital_letter() {
        assert_eq!(
            sentence("this needs the admin role"),
            "This needs the admin role"
        );
        assert_eq!(sentence(""), "");
    }
}
