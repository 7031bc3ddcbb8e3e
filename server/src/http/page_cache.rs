//! Pages from a cache. Every viewer of a role sees the same page of the same views, so a page
//! is rendered once per published [`Views`](crate::cluster::published::Views) version, status
//! history version, notices version and role, and kept with its gzip bytes. What differs per request (the CSP
//! nonce, the session's CSRF token, the person's name) is rendered as random markers; the cached
//! [`Template`] is cut at them, each fixed part compressed on its own, and a request's values
//! are put in as stored (uncompressed) deflate blocks between them: a response costs a copy,
//! never a render or a compression.
//!
//! Not cached: pages rendered while the data is stale (their banner counts the seconds), and
//! any page beyond [`MAX_PAGES`] of one version (query strings are unbounded).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use flate2::{Compress, Compression, FlushCompress};
use frontend::model::{RequestContext, Role};

use crate::cluster::ClusterView;
use crate::history::StatusHistory;
use crate::notices::Notices;

/// Pages kept per version; more are rendered per request.
pub const MAX_PAGES: usize = 256;
/// The largest page the cache reads; pages are tens of kilobytes.
const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// The page routes rendered from the published views: a path is cached when it has one of these
/// first segments (or is `/`). The AAR, action and audit pages read SQLite and are not here.
const CACHED: &[&str] = &[
    "topology", "services", "backups", "storage", "gitops", "events", "alerts",
];

fn is_cached_page(method: &Method, path: &str) -> bool {
    method == Method::GET
        && (path == "/"
            || path
                .strip_prefix('/')
                .and_then(|p| p.split('/').next())
                .is_some_and(|first| CACHED.contains(&first)))
}

/// What the cached bytes were made from: any change makes every cached page old.
type Generation = (u64, u64, u64);

/// A page: its path with query, and the role it was rendered for (`""` for nobody signed in).
type Key = (String, &'static str);

fn role_key(role: Option<Role>) -> &'static str {
    role.map_or("", Role::as_str)
}

/// The rendered pages of one generation, by path with query and role.
#[derive(Default)]
pub struct PageCache {
    inner: RwLock<(Generation, HashMap<Key, Arc<Template>>)>,
    /// Pages rendered by [`serve`]: what the cache saves is visible here.
    renders: AtomicU64,
}

impl PageCache {
    fn get(&self, generation: Generation, key: &Key) -> Option<Arc<Template>> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        if inner.0 != generation {
            return None;
        }
        inner.1.get(key).cloned()
    }

    fn put(&self, generation: Generation, key: Key, page: Arc<Template>) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if inner.0 < generation {
            *inner = (generation, HashMap::new());
        }
        if inner.0 == generation && inner.1.len() < MAX_PAGES {
            inner.1.insert(key, page);
        }
    }

    /// How many pages [`serve`] has rendered since start.
    pub fn renders(&self) -> u64 {
        self.renders.load(Ordering::Relaxed)
    }

    /// Pages held now (for tests and metrics).
    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).1.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The random stand-ins a page is rendered with: unguessable, so no text in the cluster can
/// pose as one.
#[derive(Clone, Debug)]
pub struct Markers {
    pub nonce: String,
    pub csrf: String,
    pub name: String,
}

impl Markers {
    pub fn new() -> Self {
        let random = || format!("{:032x}", rand::random::<u128>());
        Markers {
            nonce: format!("n{}", random()),
            csrf: format!("c{}", random()),
            name: format!("u{}", random()),
        }
    }
}

impl Default for Markers {
    fn default() -> Self {
        Self::new()
    }
}

/// A request's own values, put where the markers were.
#[derive(Clone, Copy, Debug)]
pub struct Values<'a> {
    pub nonce: &'a str,
    pub csrf: &'a str,
    /// Escaped on the way in.
    pub name: &'a str,
}

#[derive(Debug)]
enum Part {
    Fixed {
        text: Bytes,
        /// Raw deflate of `text` alone, ending on a byte boundary (sync flush): it refers to
        /// nothing before it, so it may follow anything.
        deflated: Bytes,
        crc: crc32fast::Hasher,
    },
    Nonce,
    Csrf,
    Name,
}

/// A rendered page cut at its markers.
#[derive(Debug)]
pub struct Template {
    status: StatusCode,
    headers: HeaderMap,
    parts: Vec<Part>,
}

impl Template {
    /// Cuts `html` at every marker and compresses the parts between them.
    pub fn new(
        html: &[u8],
        markers: &Markers,
        status: StatusCode,
        headers: HeaderMap,
    ) -> Result<Self, flate2::CompressError> {
        let mut parts = Vec::new();
        let mut rest = html;
        let kinds = [
            (markers.nonce.as_bytes(), 0u8),
            (markers.csrf.as_bytes(), 1),
            (markers.name.as_bytes(), 2),
        ];
        loop {
            let next = kinds
                .iter()
                .filter_map(|(m, kind)| find(rest, m).map(|at| (at, m.len(), *kind)))
                .min_by_key(|(at, _, _)| *at);
            let Some((at, len, kind)) = next else {
                parts.push(fixed(rest)?);
                break;
            };
            if at > 0 {
                parts.push(fixed(&rest[..at])?);
            }
            parts.push(match kind {
                0 => Part::Nonce,
                1 => Part::Csrf,
                _ => Part::Name,
            });
            rest = &rest[at + len..];
        }
        Ok(Template {
            status,
            headers,
            parts,
        })
    }

    fn value<'a>(part: &Part, values: &Values<'a>) -> &'a str {
        match part {
            Part::Nonce => values.nonce,
            Part::Csrf => values.csrf,
            Part::Name => values.name,
            Part::Fixed { .. } => "",
        }
    }

    /// The page with `values` put in.
    pub fn plain(&self, values: &Values) -> Vec<u8> {
        let mut out = Vec::new();
        for part in &self.parts {
            match part {
                Part::Fixed { text, .. } => out.extend_from_slice(text),
                other => out.extend_from_slice(Self::value(other, values).as_bytes()),
            }
        }
        out
    }

    /// The page with `values` put in, as a gzip member (RFC 1952) whose deflate stream is the
    /// fixed parts' own blocks with stored blocks for the values between them.
    pub fn gzip(&self, values: &Values) -> Vec<u8> {
        let size: usize = self
            .parts
            .iter()
            .map(|p| match p {
                Part::Fixed { deflated, .. } => deflated.len(),
                other => Self::value(other, values).len() + 5,
            })
            .sum();
        let mut out = Vec::with_capacity(size + 20);
        // Magic, deflate, no flags, no time, no extra flags, unknown OS.
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
        let mut crc = crc32fast::Hasher::new();
        let mut length: u64 = 0;
        for part in &self.parts {
            match part {
                Part::Fixed {
                    text,
                    deflated,
                    crc: part_crc,
                } => {
                    out.extend_from_slice(deflated);
                    crc.combine(part_crc);
                    length += text.len() as u64;
                }
                other => {
                    let value = Self::value(other, values).as_bytes();
                    for chunk in value.chunks(u16::MAX as usize) {
                        // A stored block, not the last: header bits 000, then LEN and NLEN.
                        let len = chunk.len() as u16;
                        out.push(0);
                        out.extend_from_slice(&len.to_le_bytes());
                        out.extend_from_slice(&(!len).to_le_bytes());
                        out.extend_from_slice(chunk);
                    }
                    crc.update(value);
                    length += value.len() as u64;
                }
            }
        }
        // The last block: fixed Huffman codes holding only the end-of-block code.
        out.extend_from_slice(&[0x03, 0x00]);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&(length as u32).to_le_bytes());
        out
    }

    /// The response for a request with `values`, gzip when the client takes it.
    fn respond(&self, values: &Values, gzip: bool) -> Response {
        let body = if gzip {
            self.gzip(values)
        } else {
            self.plain(values)
        };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers.clone();
        let h = response.headers_mut();
        h.remove(header::CONTENT_LENGTH);
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if gzip {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        response
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn fixed(text: &[u8]) -> Result<Part, flate2::CompressError> {
    let mut compress = Compress::new(Compression::best(), false);
    let mut deflated = Vec::with_capacity(text.len() / 3 + 64);
    // A sync flush ends the stream on a byte boundary without marking it last; `compress_vec`
    // stops when the buffer is full, so grow it until the input is taken and the flush is out.
    loop {
        let taken = compress.total_in() as usize;
        if deflated.capacity() - deflated.len() < 64 {
            deflated.reserve(deflated.capacity().max(1024));
        }
        compress.compress_vec(&text[taken..], &mut deflated, FlushCompress::Sync)?;
        if compress.total_in() as usize == text.len() && deflated.capacity() > deflated.len() {
            break;
        }
    }
    let mut crc = crc32fast::Hasher::new();
    crc.update(text);
    Ok(Part::Fixed {
        text: Bytes::copy_from_slice(text),
        deflated: deflated.into(),
        crc,
    })
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut fields = coding.split(';').map(str::trim);
            fields
                .next()
                .is_some_and(|c| c.eq_ignore_ascii_case("gzip"))
                && !fields.any(|p| p.replace(' ', "") == "q=0")
        })
}

/// Answers the page routes from [`PageCache`]; inside `authorize`, which has decided who may
/// see the page and left the [`RequestContext`].
pub async fn serve(
    State(cluster): State<Arc<ClusterView>>,
    State(history): State<Arc<StatusHistory>>,
    State(notices): State<Arc<Notices>>,
    State(pages): State<Arc<PageCache>>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let Some(ctx) = request.extensions().get::<RequestContext>().cloned() else {
        return next.run(request).await;
    };
    if !is_cached_page(request.method(), &path) {
        return next.run(request).await;
    }
    let views = cluster.views();
    if views.freshness.stale_since.is_some() {
        return next.run(request).await;
    }
    let generation = (views.version, history.version(), notices.version());
    let key = (
        request
            .uri()
            .path_and_query()
            .map_or_else(|| path.clone(), |p| p.as_str().to_owned()),
        role_key(ctx.viewer.as_ref().map(|v| v.role)),
    );
    let name = ctx
        .viewer
        .as_ref()
        .map(|v| frontend::html::escape(&v.display_name))
        .unwrap_or_default();
    let values = Values {
        nonce: &ctx.nonce,
        csrf: &ctx.csrf,
        name: &name,
    };
    let gzip = accepts_gzip(request.headers());
    if let Some(page) = pages.get(generation, &key) {
        return page.respond(&values, gzip);
    }

    pages.renders.fetch_add(1, Ordering::Relaxed);
    let markers = Markers::new();
    let mut marked = ctx.clone();
    marked.nonce = markers.nonce.clone();
    if !marked.csrf.is_empty() {
        marked.csrf = markers.csrf.clone();
    }
    if let Some(viewer) = &mut marked.viewer {
        viewer.display_name = markers.name.clone();
    }
    request.extensions_mut().insert(marked);
    let (parts, body) = next.run(request).await.into_parts();
    let html = match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, %path, "a page could not be read for the cache");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let page = match Template::new(&html, &markers, parts.status, parts.headers) {
        Ok(page) => Arc::new(page),
        Err(e) => {
            tracing::error!(error = %e, %path, "a page could not be compressed for the cache");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if parts.status == StatusCode::OK {
        pages.put(generation, key, page.clone());
    }
    page.respond(&values, gzip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("a valid gzip member");
        out
    }

    fn page(markers: &Markers) -> String {
        // Long and repetitive, so the compressed parts have back references to get wrong.
        let rows: String = (0..300)
            .map(|i| format!("<li class=\"service\">service {i} is up</li>"))
            .collect();
        format!(
            "<html><script nonce=\"{n}\">x</script><meta name=\"csrf-token\" content=\"{c}\">\
             <ul>{rows}</ul><span>{u}</span><form><input name=\"csrf\" value=\"{c}\"></form>\
             <script nonce=\"{n}\">y</script>{rows}</html>",
            n = markers.nonce,
            c = markers.csrf,
            u = markers.name,
        )
    }

    #[test]
    fn the_gzip_bytes_are_the_page_with_the_requests_values_put_in() {
        let markers = Markers::new();
        let html = page(&markers);
        let template =
            Template::new(html.as_bytes(), &markers, StatusCode::OK, HeaderMap::new()).unwrap();
        for (nonce, csrf, name) in [
            ("bm9uY2U=", "t0ken", "Ann &amp; Bob"),
            ("other", "", ""),
            ("n", &"long-".repeat(20_000)[..], "x"),
        ] {
            let values = Values { nonce, csrf, name };
            let expected = html
                .replace(&markers.nonce, nonce)
                .replace(&markers.csrf, csrf)
                .replace(&markers.name, name);
            assert_eq!(
                String::from_utf8(template.plain(&values)).unwrap(),
                expected
            );
            let gz = template.gzip(&values);
            assert_eq!(String::from_utf8(gunzip(&gz)).unwrap(), expected);
            // The values go in uncompressed (the token twice).
            assert!(gz.len() < expected.len() / 3 + 2 * csrf.len(), "compressed");
        }
    }

    #[test]
    fn a_page_without_markers_is_one_part() {
        let template = Template::new(
            b"<p>hi</p>",
            &Markers::new(),
            StatusCode::OK,
            HeaderMap::new(),
        )
        .unwrap();
        assert_eq!(template.parts.len(), 1);
        let values = Values {
            nonce: "n",
            csrf: "c",
            name: "u",
        };
        assert_eq!(gunzip(&template.gzip(&values)), b"<p>hi</p>");
    }

    #[test]
    fn a_new_generation_drops_every_page_of_the_old_one() {
        let cache = PageCache::default();
        let page = Arc::new(
            Template::new(b"a", &Markers::new(), StatusCode::OK, HeaderMap::new()).unwrap(),
        );
        let key = ("/".to_owned(), role_key(Some(Role::Viewer)));
        cache.put((1, 1, 1), key.clone(), page.clone());
        assert!(cache.get((1, 1, 1), &key).is_some());
        assert!(cache
            .get((1, 1, 1), &("/".to_owned(), role_key(Some(Role::Admin))))
            .is_none());
        assert!(cache.get((2, 1, 1), &key).is_none());
        cache.put((2, 1, 1), ("/x".to_owned(), role_key(None)), page.clone());
        assert_eq!(cache.len(), 1, "version 1's page is gone");
        // A slow render of an older generation does not put it back.
        cache.put((1, 1, 1), key.clone(), page);
        assert!(cache.get((1, 1, 1), &key).is_none());
    }

    #[test]
    fn only_the_pages_of_the_views_are_cached() {
        for (method, path, cached) in [
            (Method::GET, "/", true),
            (Method::GET, "/services", true),
            (Method::GET, "/services/media/plex", true),
            (Method::GET, "/topology/k3s1", true),
            (Method::GET, "/backups", true),
            (Method::GET, "/aars", false),
            (Method::GET, "/audit", false),
            (Method::GET, "/actions/preview", false),
            (Method::GET, "/api/v1/status", false),
            (Method::POST, "/services", false),
        ] {
            assert_eq!(is_cached_page(&method, path), cached, "{method} {path}");
        }
    }

    #[test]
    fn gzip_is_sent_only_to_clients_that_take_it() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            accepts_gzip(&h)
        };
        assert!(with("gzip, deflate, br, zstd"));
        assert!(with("br;q=1.0, gzip;q=0.8"));
        assert!(!with("br"));
        assert!(!with("gzip;q=0"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
