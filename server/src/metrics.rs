//! What `/metrics` reports, in the Prometheus (OpenMetrics) text format: HTTP requests by matched
//! route, method and status with latency histograms; each watch cache's state, size and last
//! change; sign-ins by method and result; guarded actions by kind and result. One registry per
//! server (not a global), so tests running several servers in one process do not share counts.
//!
//! Who may read it is decided by the access policy (`auth::policy`), like every other path: the
//! `metrics_token` bearer token or an admin's session, never anonymous.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::cluster::cache::{CacheSummary, SourceState};
use crate::cluster::ClusterCache;

/// The path Prometheus scrapes.
pub const METRICS_PATH: &str = "/metrics";

/// The route label of requests no route matched (static files at the root, 404s): one value, so
/// scanners probing random URLs cannot grow the label set.
const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    resource: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheStateLabels {
    resource: String,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SignInLabels {
    method: &'static str,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NotificationLabels {
    target: String,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    kind: String,
    result: &'static str,
}

/// How a sign-in ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInResult {
    /// Signed in with a role.
    Success,
    /// Signed in, but in none of the admin or viewer groups.
    NoAccess,
    /// Refused: bad state or nonce, a token that failed verification, the provider unreachable.
    Failure,
}

/// How a guarded action ended (counted by the actions of issue 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionResult {
    Done,
    /// Refused by the guard before anything was sent (not Released, out of range, stale).
    Refused,
    /// Sent, and the API server answered with an error.
    Failed,
}

/// Every metric of one server.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    cache_state: Family<CacheStateLabels, Gauge>,
    cache_objects: Family<CacheLabels, Gauge>,
    cache_last_change: Family<CacheLabels, Gauge>,
    cache_stale: Family<CacheLabels, Gauge>,
    sign_ins: Family<SignInLabels, Counter>,
    actions: Family<ActionLabels, Counter>,
    log_follows: Gauge,
    log_follows_closed: Counter,
    notifications: Family<NotificationLabels, Counter>,
    notifications_waiting: Gauge,
}

/// A followed log, counted open while this lives and closed when it is dropped.
pub struct LogFollowOpen(Arc<Metrics>);

impl Drop for LogFollowOpen {
    fn drop(&mut self) {
        self.0.log_follows.dec();
        self.0.log_follows_closed.inc();
    }
}

/// 1 ms to about 16 s: pages render from memory in milliseconds; sign-in callbacks wait on the
/// provider.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

const STATES: [&str; 5] = [
    "syncing",
    "live",
    "not_installed",
    "forbidden",
    "disconnected",
];

fn state_label(state: &SourceState) -> &'static str {
    match state {
        SourceState::Syncing => "syncing",
        SourceState::Live => "live",
        SourceState::NotInstalled => "not_installed",
        SourceState::Forbidden => "forbidden",
        SourceState::Disconnected { .. } => "disconnected",
    }
}

impl Metrics {
    /// Counts a followed log as open until the returned value is dropped.
    pub fn log_follow_opened(self: &Arc<Self>) -> LogFollowOpen {
        self.log_follows.inc();
        LogFollowOpen(self.clone())
    }

    /// The registry, with the publisher's delay histogram (`cluster::published`) in it.
    pub fn new(publication_delay: Histogram) -> Arc<Self> {
        let mut registry = Registry::with_prefix("homelab");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, matched route and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to the response head, by method and matched route",
            latency.clone(),
        );
        let cache_state = Family::<CacheStateLabels, Gauge>::default();
        registry.register(
            "watch_cache_state",
            "1 for the state each watch cache is in (syncing, live, not_installed, forbidden, disconnected)",
            cache_state.clone(),
        );
        let cache_objects = Family::<CacheLabels, Gauge>::default();
        registry.register(
            "watch_cache_objects",
            "Objects held by each watch cache",
            cache_objects.clone(),
        );
        let cache_last_change = Family::<CacheLabels, Gauge>::default();
        registry.register(
            "watch_cache_last_change_timestamp_seconds",
            "Unix time of the last list or change each watch cache applied",
            cache_last_change.clone(),
        );
        let cache_stale = Family::<CacheLabels, Gauge>::default();
        registry.register(
            "watch_cache_stale_seconds",
            "Seconds since a watch cache lost its watch (0 while live): how old its data may be",
            cache_stale.clone(),
        );
        let sign_ins = Family::<SignInLabels, Counter>::default();
        registry.register(
            "sign_ins",
            "Sign-ins by method (oidc, dev) and result (success, no_access, failure)",
            sign_ins.clone(),
        );
        let actions = Family::<ActionLabels, Counter>::default();
        registry.register(
            "actions",
            "Guarded admin actions by kind and result (done, refused, failed)",
            actions.clone(),
        );
        let log_follows = Gauge::default();
        registry.register(
            "log_follows",
            "Pod logs followed now, each with a stream from the API server",
            log_follows.clone(),
        );
        let log_follows_closed = Counter::default();
        registry.register(
            "log_follows_closed",
            "Followed pod logs whose stream from the API server was closed",
            log_follows_closed.clone(),
        );
        let notifications = Family::<NotificationLabels, Counter>::default();
        registry.register(
            "notification_attempts",
            "Notification deliveries by target and result: delivered, failed (each failed \
             attempt) and given_up (the last attempt failed)",
            notifications.clone(),
        );
        let notifications_waiting = Gauge::default();
        registry.register(
            "notifications_waiting",
            "Notifications queued and not yet delivered or given up",
            notifications_waiting.clone(),
        );
        registry.register(
            "views_publication_delay_seconds",
            "From a change arriving in a watch cache to the published views holding it",
            publication_delay,
        );
        Arc::new(Self {
            registry,
            requests,
            latency,
            cache_state,
            cache_objects,
            cache_last_change,
            cache_stale,
            sign_ins,
            actions,
            log_follows,
            log_follows_closed,
            notifications,
            notifications_waiting,
        })
    }

    /// One delivery attempt to `target`: `delivered`, `failed` or `given_up`.
    pub fn notification(&self, target: &str, result: &'static str) {
        self.notifications
            .get_or_create(&NotificationLabels {
                target: target.to_owned(),
                result,
            })
            .inc();
    }

    pub fn notifications_waiting(&self, count: i64) {
        self.notifications_waiting.set(count);
    }

    pub fn sign_in(&self, method: &'static str, result: SignInResult) {
        let result = match result {
            SignInResult::Success => "success",
            SignInResult::NoAccess => "no_access",
            SignInResult::Failure => "failure",
        };
        self.sign_ins
            .get_or_create(&SignInLabels { method, result })
            .inc();
    }

    pub fn action(&self, kind: &str, result: ActionResult) {
        let result = match result {
            ActionResult::Done => "done",
            ActionResult::Refused => "refused",
            ActionResult::Failed => "failed",
        };
        self.actions
            .get_or_create(&ActionLabels {
                kind: kind.to_owned(),
                result,
            })
            .inc();
    }

    fn observe_request(&self, method: &'static str, route: String, status: u16, seconds: f64) {
        self.latency
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .inc();
    }

    /// Copies the caches' current state into the gauges; called at each scrape.
    fn observe_caches(&self, caches: &[CacheSummary], now: i64) {
        for cache in caches {
            let resource = CacheLabels {
                resource: cache.resource.clone(),
            };
            let current = state_label(&cache.source);
            for state in STATES {
                let labels = CacheStateLabels {
                    resource: cache.resource.clone(),
                    state,
                };
                self.cache_state
                    .get_or_create(&labels)
                    .set(i64::from(state == current));
            }
            self.cache_objects
                .get_or_create(&resource)
                .set(i64::try_from(cache.objects).unwrap_or(i64::MAX));
            self.cache_last_change
                .get_or_create(&resource)
                .set(cache.last_change);
            let stale = match &cache.source {
                SourceState::Disconnected { since, .. } => (now - since).max(0),
                _ => 0,
            };
            self.cache_stale.get_or_create(&resource).set(stale);
        }
    }

    /// The whole registry in the text format, with the caches as they are now.
    pub fn render(&self, cache: &ClusterCache) -> Result<String, std::fmt::Error> {
        self.observe_caches(&cache.summaries(), crate::cluster::cache::now());
        let mut out = String::new();
        encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// Standard methods by name; anything else is one label value, so the set stays small.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The route pattern a request matched (`/services/{namespace}/{name}`), never its raw path:
/// raw paths would make a label value per URL.
fn route_label(request: &Request) -> String {
    match request.extensions().get::<MatchedPath>() {
        // Hashed assets are all one route, whatever axum names the nested service's tail.
        Some(m) if m.as_str().starts_with("/pkg/") => "/pkg/{file}".to_owned(),
        Some(m) => m.as_str().to_owned(),
        None => UNMATCHED.to_owned(),
    }
}

/// Middleware: counts and times every request (status as answered, 401s and 408s included).
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = route_label(&request);
    let response = next.run(request).await;
    metrics.observe_request(
        method,
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// GET /metrics. Access was decided by `auth::authorize` before this runs.
pub async fn scrape(
    State(metrics): State<Arc<Metrics>>,
    State(cluster): State<Arc<crate::cluster::ClusterView>>,
) -> Response {
    match metrics.render(&cluster.cache) {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            )],
            body,
        )
            .into_response(),
        // Writing to a String cannot fail; an encoder error would be a bug here, logged once.
        Err(e) => {
            tracing::error!(error = %e, "encoding the metrics failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cache_reports_exactly_one_state() {
        let metrics = Metrics::new(Histogram::new(std::iter::empty()));
        let caches = vec![
            CacheSummary {
                resource: "nodes".into(),
                source: SourceState::Live,
                objects: 4,
                last_change: 1_000,
            },
            CacheSummary {
                resource: "backups.velero.io".into(),
                source: SourceState::Disconnected {
                    since: 1_000,
                    reason: "connection refused".into(),
                },
                objects: 2,
                last_change: 900,
            },
        ];
        metrics.observe_caches(&caches, 1_090);
        let mut text = String::new();
        encode(&mut text, &metrics.registry).unwrap();
        assert!(text.contains(r#"homelab_watch_cache_state{resource="nodes",state="live"} 1"#));
        assert!(text.contains(r#"homelab_watch_cache_state{resource="nodes",state="syncing"} 0"#));
        assert!(text.contains(
            r#"homelab_watch_cache_state{resource="backups.velero.io",state="disconnected"} 1"#
        ));
        assert!(
            text.contains(r#"homelab_watch_cache_stale_seconds{resource="backups.velero.io"} 90"#)
        );
        assert!(text.contains(r#"homelab_watch_cache_stale_seconds{resource="nodes"} 0"#));
        assert!(text.contains(r#"homelab_watch_cache_objects{resource="nodes"} 4"#));
    }

    #[test]
    fn actions_and_sign_ins_are_counted_by_their_labels() {
        let metrics = Metrics::new(Histogram::new(std::iter::empty()));
        metrics.action("scale", ActionResult::Done);
        metrics.action("scale", ActionResult::Done);
        metrics.action("cordon", ActionResult::Refused);
        metrics.sign_in("oidc", SignInResult::Failure);
        let mut text = String::new();
        encode(&mut text, &metrics.registry).unwrap();
        assert!(text.contains(r#"homelab_actions_total{kind="scale",result="done"} 2"#));
        assert!(text.contains(r#"homelab_actions_total{kind="cordon",result="refused"} 1"#));
        assert!(text.contains(r#"homelab_sign_ins_total{method="oidc",result="failure"} 1"#));
    }
}
