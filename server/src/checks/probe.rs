//! One check of one route: a GET of `https://<hostname>/` the way a browser sends it (through
//! the Gateway's address when configured, with the hostname in SNI and `Host`), following no
//! redirect, timed, with the served certificate's expiry read from the handshake.

use std::time::{Duration, Instant};

use frontend::model::checks::{Outcome, RouteCheck};

use super::targets::Target;
use crate::config::ChecksConfig;

/// Why the client for a round could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot read checks.ca_file {path}: {source}")]
    CaFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no HTTP client for the route checks: {0}")]
    Client(#[from] reqwest::Error),
}

/// The client for one round: the extra CA trusted, every hostname sent to the Gateway.
pub fn client(config: &ChecksConfig, targets: &[Target]) -> Result<reqwest::Client, ProbeError> {
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(config.timeout_secs.into()))
        .redirect(reqwest::redirect::Policy::none())
        .tls_info(true)
        .user_agent(concat!(
            "homelab-control-plane/",
            env!("CARGO_PKG_VERSION"),
            " route-check"
        ));
    if let Some(path) = &config.ca_file {
        let pem = std::fs::read(path).map_err(|source| ProbeError::CaFile {
            path: path.display().to_string(),
            source,
        })?;
        for cert in reqwest::Certificate::from_pem_bundle(&pem)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    if let Some(gateway) = config.gateway() {
        for t in targets {
            builder = builder.resolve(&t.hostname, gateway);
        }
    }
    Ok(builder.build()?)
}

/// Whole days from `now` to the certificate's end of validity.
fn cert_days(der: &[u8], now: i64) -> Option<i64> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let not_after = cert.validity().not_after.timestamp();
    Some((not_after - now).div_euclid(86_400))
}

/// The error and its causes in one line: "error sending request: … invalid peer certificate: …".
fn describe(e: &reqwest::Error, timeout: u32) -> String {
    if e.is_timeout() {
        return format!("no answer within {timeout} s");
    }
    let mut text = String::from("no answer");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Checks `target` once.
pub async fn check(
    client: &reqwest::Client,
    target: &Target,
    timeout_secs: u32,
    now: i64,
) -> RouteCheck {
    let started = Instant::now();
    let result = client
        .get(format!("https://{}/", target.hostname))
        .send()
        .await;
    let latency_ms = started.elapsed().as_millis() as u64;
    let mut check = RouteCheck {
        service: target.service.clone(),
        route: target.route.clone(),
        hostname: target.hostname.clone(),
        protected: target.protected,
        at: now,
        outcome: Outcome::Failed,
        code: None,
        latency_ms,
        cert_days: None,
        detail: None,
    };
    match result {
        Err(e) => check.detail = Some(describe(&e, timeout_secs)),
        Ok(response) => {
            let status = response.status();
            check.code = Some(status.as_u16());
            check.cert_days = response
                .extensions()
                .get::<reqwest::tls::TlsInfo>()
                .and_then(|info| info.peer_certificate())
                .and_then(|der| cert_days(der, now));
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            (check.outcome, check.detail) = if status.is_server_error() {
                (Outcome::Failed, Some(format!("answered {status}")))
            } else if target.protected && status.is_success() {
                (
                    Outcome::Exposed,
                    Some(format!(
                        "answered {status} to a request without sign-in, instead of sending it \
                         to the identity provider"
                    )),
                )
            } else {
                (
                    Outcome::Answered,
                    location.map(|l| format!("redirects to {l}")),
                )
            };
        }
    }
    check
}
