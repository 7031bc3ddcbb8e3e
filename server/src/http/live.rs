//! `/api/v1/live`: one server-sent-event stream per browser tab, carrying a
//! [`frontend::model::LiveUpdate`] after every publication of new views (at most a few per
//! second; made once per publication and role, shared by every tab). Browsers cap connections per
//! host, so every panel of a page shares this one stream.
//!
//! With `public_status`, people who are not signed in get it too, carrying only what the public
//! Status page shows (the family services' status and the data's age), at most one update every
//! [`PUBLIC_EVERY`], and at most `server.public_streams` such streams at once (503 beyond).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use frontend::model::{RequestContext, Role};
use futures::Stream;

use crate::state::AppState;

/// Changes closer together than this are sent as one update.
const COALESCE: Duration = Duration::from_millis(250);

/// Public streams send at most one update this often, whatever the cluster does.
const PUBLIC_EVERY: Duration = Duration::from_secs(2);

/// How soon a browser reconnects after the server ended the stream for a shutdown.
const RECONNECT: Duration = Duration::from_secs(1);

pub async fn stream(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
) -> Response {
    // `authorize` only lets signed-in viewers and admins (or anyone, with `public_status`) here.
    let (role, permit, every) = match ctx.viewer {
        Some(viewer) => (viewer.role, None, COALESCE),
        None => match state.public_streams.clone().try_acquire_owned() {
            Ok(permit) => (Role::Viewer, Some(permit), PUBLIC_EVERY),
            Err(_) => {
                let message = "too many live streams without sign-in are open: the page works, \
                               without live updates; reload later or sign in";
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "30")],
                    Json(serde_json::json!({ "error": message })),
                )
                    .into_response();
            }
        },
    };
    let mut published = state.cluster.publisher().subscribe();
    let shutdown = state.shutdown.clone();
    let stream = async_stream(move |tx| async move {
        // Held as long as the stream is open.
        let _permit = permit;
        loop {
            let views = published.borrow_and_update().clone();
            let data = serde_json::to_string(views.live_update(role)).unwrap_or_default();
            if tx
                .send(Ok(Event::default().event("update").data(data)))
                .await
                .is_err()
            {
                break;
            }
            tokio::select! {
                changed = published.changed() => if changed.is_err() { break },
                // Gone between changes: end now, and give back a public stream's permit.
                () = tx.closed() => break,
                () = shutdown.begun() => {
                    // The stream ends here, so the server can stop; the browser reconnects
                    // (to the next pod) after the retry time this last event sets.
                    let bye = Event::default().event("shutdown").data("restarting").retry(RECONNECT);
                    let _ = tx.send(Ok(bye)).await;
                    break;
                }
            }
            tokio::time::sleep(every).await;
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response()
}

/// A stream fed by a task through a small channel; the task ends when the client goes away.
fn async_stream<F, Fut>(f: F) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<Event, Infallible>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(f(tx));
    tokio_stream_from(rx)
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Event, Infallible>>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
