//! `GET /pods/{namespace}/{name}/logs/follow` (admins): a container's new lines as server-sent
//! events (`line`, one per line, cleaned as the page cleans them; `end` with the reason when the
//! log ends), read from the API server's `pods/log?follow=true`. The stream to the API server
//! lives exactly as long as the browser's: when the tab closes, the task ends and drops it.
//! At most [`MAX_FOLLOWS`] at once (503 beyond), counted in `/metrics` as
//! `homelab_log_follows`.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{AsyncBufReadExt, StreamExt};

use crate::auth::Admin;
use crate::cluster::logs::{self, RawLogQuery};
use crate::http::params::QueryParams;
use crate::state::AppState;

/// Logs followed at once, by every admin together: each holds a stream to the API server.
pub const MAX_FOLLOWS: usize = 64;

/// Ends the followed log with `why`.
fn end(why: String) -> Event {
    Event::default().event("end").data(why)
}

pub async fn follow(
    State(state): State<AppState>,
    _admin: Admin,
    Path((namespace, pod)): Path<(String, String)>,
    QueryParams(raw): QueryParams<RawLogQuery>,
) -> Response {
    let refuse = |status: StatusCode, message: String| (status, message).into_response();
    let containers = logs::containers_of(&state.cluster.views().snapshot.pods, &namespace, &pod);
    let Some(containers) = containers else {
        return refuse(
            StatusCode::NOT_FOUND,
            format!("there is no pod {namespace}/{pod}"),
        );
    };
    let query = match logs::parse(&raw, &containers) {
        Ok(q) => q,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, e),
    };
    let Some(connection) = state.kube.as_ref() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "the demo's logs are a recording: nothing new is written to follow".into(),
        );
    };
    let Ok(permit) = state.log_follows.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "30")],
            format!("{MAX_FOLLOWS} logs are followed already: close a tab that follows one"),
        )
            .into_response();
    };
    let client = match connection.client_for(None) {
        Ok(c) => c,
        Err(e) => return refuse(StatusCode::BAD_GATEWAY, e.to_string()),
    };
    let metrics = state.metrics.clone();
    let shutdown = state.shutdown.clone();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Event, Infallible>>(64);
    tokio::spawn(async move {
        // Held while the stream is open: the permit, and the count in /metrics.
        let _permit = permit;
        let _open = metrics.log_follow_opened();
        // Opened here, not before answering: a kubelet may send its headers only with the first
        // new line, and the browser must not wait for that.
        let opened = tokio::select! {
            opened = logs::follow(client, &namespace, &pod, &query) => opened,
            () = tx.closed() => return,
        };
        let reader = match opened {
            Ok(reader) => reader,
            Err(e) => {
                let why = format!("The API server did not give the log: {e}");
                let _ = tx.send(Ok(end(why))).await;
                return;
            }
        };
        let mut lines = reader.lines();
        loop {
            tokio::select! {
                line = lines.next() => {
                    let event = match line {
                        Some(Ok(line)) => Event::default().event("line").data(logs::clean_line(&line).0),
                        Some(Err(e)) => {
                            let _ = tx.send(Ok(end(format!("The log stream broke: {e}")))).await;
                            break;
                        }
                        None => {
                            let why = "The log ended: the container stopped or restarted. \
                                       Follow again for the new one.";
                            let _ = tx.send(Ok(end(why.into()))).await;
                            break;
                        }
                    };
                    if tx.send(Ok(event)).await.is_err() {
                        break;
                    }
                }
                // The tab is gone: dropping `lines` closes the API server's stream.
                () = tx.closed() => break,
                () = shutdown.begun() => {
                    let _ = tx.send(Ok(end("The server is restarting.".into()))).await;
                    break;
                }
            }
        }
    });
    let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response()
}
