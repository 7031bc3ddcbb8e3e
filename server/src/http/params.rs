//! Path and query parameters, refused through the app's one error type: a browser asking for
//! `/aars/abc` gets the error page naming what was wrong, not axum's plain-text 400.

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::AppError;

/// [`Path`], with its rejection as [`AppError::BadRequest`].
pub struct Params<T>(pub T);

impl<T, S> FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Params(value)),
            Err(e) => Err(AppError::BadRequest(format!(
                "this address is not one of this site's: {}",
                e.body_text()
            ))),
        }
    }
}

/// [`Query`], with its rejection as [`AppError::BadRequest`].
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(QueryParams(value)),
            Err(e) => Err(AppError::BadRequest(format!(
                "the query of this address is not valid: {}",
                e.body_text()
            ))),
        }
    }
}
