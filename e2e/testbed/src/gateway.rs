//! A stand-in for the homelab's Gateway, for the control plane's outside-in route checks: a
//! real HTTPS server on 127.0.0.1 with its own CA, serving a certificate for the hostnames asked
//! for (valid for a chosen number of days), and answering each request by its `Host` with the
//! status a test chose (a redirect with its `Location`). Each request is counted per host.
//!
//! It speaks just enough HTTP/1.1 for one request per connection: the checks send a GET and
//! read the status line, headers and a short body.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// What a host answers: a status, and a `Location` for a redirect.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
}

impl Answer {
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            location: None,
        }
    }

    pub fn redirect(location: &str) -> Answer {
        Answer {
            status: 302,
            location: Some(location.to_owned()),
        }
    }
}

#[derive(Default)]
struct Shared {
    answers: HashMap<String, Answer>,
    requests: HashMap<String, usize>,
}

pub struct TestGateway {
    address: SocketAddr,
    ca_pem: String,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestGateway {
    /// Serves `hostnames` with a certificate valid for `valid_days` more days, signed by a CA
    /// of its own ([`TestGateway::ca_pem`]). Hosts without an answer get 404.
    pub async fn start(hostnames: &[&str], valid_days: i64) -> anyhow::Result<TestGateway> {
        let ca_key = rcgen::KeyPair::generate()?;
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "homelab-test-gateway-ca");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key)?;
        let key = rcgen::KeyPair::generate()?;
        let mut params = rcgen::CertificateParams::new(
            hostnames.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        )?;
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(valid_days);
        let cert = params.signed_by(&key, &ca)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS versions")?
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .context("the gateway's certificate")?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let state = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let state = state.clone();
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        let _ = answer(tls, &state).await;
                    }
                });
            }
        });
        Ok(TestGateway {
            address,
            ca_pem: ca.pem(),
            shared,
            task,
        })
    }

    /// `127.0.0.1:<port>`: what `checks.gateway_address` points at.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The CA that signed its certificate, PEM: what `checks.ca_file` holds.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// From now on, `host` answers `answer`.
    pub fn set(&self, host: &str, answer: Answer) {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.answers.insert(host.to_owned(), answer);
    }

    /// Requests `host` got so far.
    pub fn requests(&self, host: &str) -> usize {
        let shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.requests.get(host).copied().unwrap_or(0)
    }

    /// Every host that got a request.
    pub fn hosts(&self) -> Vec<String> {
        let shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.requests.keys().cloned().collect()
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request head and writes the host's answer.
async fn answer<S>(mut stream: S, shared: &Mutex<Shared>) -> std::io::Result<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let host = text
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("host")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default().to_owned();
    let chosen = {
        let mut shared = shared.lock().unwrap_or_else(|e| e.into_inner());
        *shared.requests.entry(host.clone()).or_default() += 1;
        shared.answers.get(&host).cloned()
    };
    let answer = chosen.unwrap_or(Answer::status(404));
    let body = format!("{host}: {}\n", answer.status);
    let location = answer
        .location
        .map(|l| format!("Location: {l}\r\n"))
        .unwrap_or_default();
    let response = format!(
        "HTTP/1.1 {} Test\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{location}Connection: close\r\n\r\n{body}",
        answer.status,
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
