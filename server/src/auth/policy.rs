//! The access policy: the lowest role that may open each path, and the role a person's groups
//! give them. The one place that decides either.

use frontend::model::Role;

/// What a request needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health endpoints, static assets, the sign-in pages (and, with `public_status`,
    /// the family Status page).
    Public,
    /// Any signed-in person with a role (admins and family).
    Viewer,
    /// Admins only.
    Admin,
}

/// Who may open a route of the router.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Anyone.
    Public,
    /// The family Status page, its JSON and its live stream: viewers, or anyone with
    /// `public_status`.
    Status,
    /// Any signed-in person with a role.
    Viewer,
    /// A service's page: viewers for a service of the family's audience, else admins.
    Service,
    /// Admins only.
    Admin,
}

/// Every route of the router (axum's syntax: `{param}` one segment, `{*rest}` the rest), with who
/// may open it. The router's routes are checked against this table by a test, so a new route
/// cannot land without a line here; a path matching none is for admins.
pub const ROUTES: &[(&str, Rule)] = &[
    ("/healthz", Rule::Public),
    ("/readyz", Rule::Public),
    ("/auth/login", Rule::Public),
    ("/auth/callback", Rule::Public),
    ("/auth/dev", Rule::Public),
    ("/auth/logout", Rule::Public),
    ("/auth/signed-out", Rule::Public),
    ("/pkg/{*file}", Rule::Public),
    ("/", Rule::Status),
    ("/api/v1/status", Rule::Status),
    // The benchmark's floor: the Status page's checks without the page.
    ("/bench/floor", Rule::Status),
    // What the stream carries is filtered by role in `http::live::update_for`.
    // Public with `public_status`: what it carries for nobody signed in is the Status page's.
    ("/api/v1/live", Rule::Status),
    ("/services", Rule::Viewer),
    ("/services/{namespace}/{name}", Rule::Service),
    ("/metrics", Rule::Admin),
    ("/topology", Rule::Admin),
    ("/topology/{node}", Rule::Admin),
    ("/backups", Rule::Admin),
    ("/drills/{namespace}/{name}", Rule::Admin),
    ("/storage", Rule::Admin),
    ("/gitops", Rule::Admin),
    ("/events", Rule::Admin),
    ("/alerts", Rule::Admin),
    ("/notifications", Rule::Admin),
    ("/notices", Rule::Admin),
    ("/notices/{id}/end", Rule::Admin),
    ("/notifications/test", Rule::Admin),
    ("/audit", Rule::Admin),
    ("/pods/{namespace}/{name}/logs", Rule::Admin),
    ("/pods/{namespace}/{name}/logs/follow", Rule::Admin),
    ("/incidents/services/{namespace}/{name}", Rule::Admin),
    ("/incidents/nodes/{name}", Rule::Admin),
    ("/incidents/aar", Rule::Admin),
    ("/actions/preview", Rule::Admin),
    ("/actions/run", Rule::Admin),
    ("/aars", Rule::Admin),
    ("/aars/new", Rule::Admin),
    ("/aars/open-items", Rule::Admin),
    ("/aars/import", Rule::Admin),
    ("/aars/import/file", Rule::Admin),
    ("/aars/export", Rule::Admin),
    ("/aars/{id}", Rule::Admin),
    ("/aars/{id}/edit", Rule::Admin),
    ("/aars/{id}/export", Rule::Admin),
    ("/aars/{id}/evidence", Rule::Admin),
    ("/aars/{id}/items/{position}", Rule::Admin),
    ("/aars/{id}/items/{position}/inline", Rule::Admin),
    ("/aars/{id}/revisions/{version}", Rule::Admin),
];

/// Files shipped in `static/` and served from the site root.
const STATIC_FILES: &[&str] = &["/favicon.svg", "/favicon.ico", "/app.css"];

/// Static files built by cargo-leptos or shipped in `static/`.
pub fn is_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || STATIC_FILES.contains(&path)
}

/// The table's pattern and rule for `path`, if a route matches it.
pub fn route_of(path: &str) -> Option<(&'static str, Rule)> {
    ROUTES
        .iter()
        .find(|(pattern, _)| matches(pattern, path))
        .copied()
}

/// Whether `path` fits `pattern`, segment by segment.
fn matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.split('/');
    let mut have = path.split('/');
    loop {
        match (want.next(), have.next()) {
            (None, None) => return true,
            (Some(w), Some(h)) if w.starts_with("{*") => return !h.is_empty(),
            (Some(w), Some(h)) if w.starts_with('{') => {
                if h.is_empty() {
                    return false;
                }
            }
            (Some(w), Some(h)) if w == h => {}
            _ => return false,
        }
    }
}

/// The lowest role that may open `path`. `public_status` is the config key of that name;
/// `family_service(namespace, name)` says whether a service is of the family's audience.
pub fn required(
    path: &str,
    public_status: bool,
    family_service: impl Fn(&str, &str) -> bool,
) -> Access {
    if STATIC_FILES.contains(&path) {
        return Access::Public;
    }
    match route_of(path).map(|(_, rule)| rule) {
        Some(Rule::Public) => Access::Public,
        Some(Rule::Status) if public_status => Access::Public,
        Some(Rule::Status | Rule::Viewer) => Access::Viewer,
        Some(Rule::Service) => {
            let mut parts = path.trim_start_matches("/services/").splitn(2, '/');
            match (parts.next(), parts.next()) {
                (Some(namespace), Some(name)) if family_service(namespace, name) => Access::Viewer,
                _ => Access::Admin,
            }
        }
        Some(Rule::Admin) | None => Access::Admin,
    }
}

/// What to do with a path before the policy looks at it: the policy decides on the path as the
/// router will match it, so a path the router would read as another one never reaches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathCheck {
    Canonical,
    /// The same path without its trailing slash: answered with a redirect there.
    TrailingSlash(String),
    /// Refused (400), with why.
    Refused(&'static str),
}

/// Checks that `path` names itself: no percent-encoding (no page of this server needs it, and
/// an encoded `.` or `/` is how `/services/%2e%2e/topology` became the Topology page), no `.`
/// or `..` segment, no empty segment, no backslash.
pub fn check_path(path: &str) -> PathCheck {
    if !path.starts_with('/') {
        return PathCheck::Refused("a path must start with /");
    }
    if path.contains('%') {
        return PathCheck::Refused("percent-encoded characters in the path are not accepted here");
    }
    if path.contains('\\') {
        return PathCheck::Refused("a backslash in the path is not accepted");
    }
    if path == "/" {
        return PathCheck::Canonical;
    }
    let trimmed = path.strip_suffix('/');
    let body = trimmed.unwrap_or(path);
    for segment in body[1..].split('/') {
        match segment {
            "" => return PathCheck::Refused("an empty segment (//) in the path is not accepted"),
            "." | ".." => {
                return PathCheck::Refused("a . or .. segment in the path is not accepted")
            }
            _ => {}
        }
    }
    match trimmed {
        Some(without) => PathCheck::TrailingSlash(without.to_owned()),
        None => PathCheck::Canonical,
    }
}

/// The read-only bearer tokens of the config. Each opens exactly one path without a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BearerToken {
    /// `status_token`: the family status JSON.
    Status,
    /// `metrics_token`: the Prometheus scrape.
    Metrics,
}

/// The token that may open `path` without a session, if any.
pub fn bearer_token_for(path: &str) -> Option<BearerToken> {
    match path {
        "/api/v1/status" => Some(BearerToken::Status),
        crate::metrics::METRICS_PATH => Some(BearerToken::Metrics),
        _ => None,
    }
}

/// Endpoints for programs (JSON under `/api`, and `/metrics`) answer 401/403 with a JSON body
/// instead of redirecting to sign-in.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == crate::metrics::METRICS_PATH
}

/// The role the provider's groups give: admin when in any admin group, else viewer when in any
/// viewer group, else none (signed in, but no access). Group names are compared exactly.
pub fn role_for_groups(
    groups: &[String],
    admin_groups: &[String],
    viewer_groups: &[String],
) -> Option<Role> {
    let in_any = |wanted: &[String]| groups.iter().any(|g| wanted.contains(g));
    if in_any(admin_groups) {
        Some(Role::Admin)
    } else if in_any(viewer_groups) {
        Some(Role::Viewer)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plex is the family's; everything else is for admins.
    fn family(namespace: &str, name: &str) -> bool {
        (namespace, name) == ("media", "plex")
    }

    #[test]
    fn a_service_page_follows_the_audience_of_its_service() {
        assert_eq!(
            required("/services/media/plex", false, family),
            Access::Viewer
        );
        assert_eq!(
            required("/services/media/sonarr", false, family),
            Access::Admin
        );
        assert_eq!(
            required("/services/media/plex/extra", false, family),
            Access::Admin
        );
    }

    #[test]
    fn only_canonical_paths_reach_the_policy() {
        for path in [
            "/services/%2e%2e/topology",
            "/services/%2E%2E/topology",
            "/services/..%2ftopology",
            "/services/%252e%252e/topology",
            "/services//topology",
            "/services/./media/plex",
            "/services/../topology",
            "/services\\..\\topology",
            "topology",
        ] {
            assert!(matches!(check_path(path), PathCheck::Refused(_)), "{path}");
        }
        assert_eq!(check_path("/"), PathCheck::Canonical);
        assert_eq!(check_path("/services/media/plex"), PathCheck::Canonical);
        assert_eq!(
            check_path("/topology/"),
            PathCheck::TrailingSlash("/topology".into())
        );
    }

    #[test]
    fn patterns_match_whole_segments() {
        assert!(matches("/aars/{id}", "/aars/12"));
        assert!(!matches("/aars/{id}", "/aars/12/edit"));
        assert!(!matches("/aars/{id}", "/aars/"));
        assert!(matches("/pkg/{*file}", "/pkg/a/b.wasm"));
        assert!(!matches("/pkg/{*file}", "/pkg/"));
        assert!(!matches("/topology", "/Topology"));
    }

    #[test]
    fn family_pages_need_a_viewer_and_everything_else_an_admin() {
        assert_eq!(required("/", false, family), Access::Viewer);
        assert_eq!(required("/services", false, family), Access::Viewer);
        assert_eq!(
            required("/services/media/plex", false, family),
            Access::Viewer
        );
        assert_eq!(required("/api/v1/status", false, family), Access::Viewer);
        assert_eq!(required("/topology", false, family), Access::Admin);
        assert_eq!(required("/audit", false, family), Access::Admin);
        for aar_path in [
            "/aars",
            "/aars/1",
            "/aars/new",
            "/aars/open-items",
            "/aars/import",
        ] {
            assert_eq!(
                required(aar_path, false, family),
                Access::Admin,
                "{aar_path}"
            );
            assert_eq!(
                required(aar_path, true, family),
                Access::Admin,
                "{aar_path}"
            );
        }
        assert_eq!(
            required("/api/v1/actions/scale", false, family),
            Access::Admin
        );
    }

    #[test]
    fn metrics_are_for_admins_or_their_token_and_never_public() {
        assert_eq!(required("/metrics", false, family), Access::Admin);
        assert_eq!(required("/metrics", true, family), Access::Admin);
        assert_eq!(bearer_token_for("/metrics"), Some(BearerToken::Metrics));
        assert_eq!(
            bearer_token_for("/api/v1/status"),
            Some(BearerToken::Status)
        );
        assert_eq!(bearer_token_for("/api/v1/live"), None);
        assert!(
            is_api("/metrics"),
            "a scraper gets 401, not a sign-in redirect"
        );
    }

    #[test]
    fn an_unknown_path_is_admin_only_so_new_routes_start_closed() {
        assert_eq!(required("/something-new", false, family), Access::Admin);
        assert_eq!(required("/something-new", true, family), Access::Admin);
    }

    #[test]
    fn health_assets_and_sign_in_are_public() {
        for path in [
            "/healthz",
            "/readyz",
            "/pkg/homelab.abc.wasm",
            "/favicon.svg",
            "/auth/login",
            "/auth/callback",
        ] {
            assert_eq!(required(path, false, family), Access::Public, "{path}");
        }
    }

    #[test]
    fn public_status_opens_the_status_page_and_nothing_else() {
        assert_eq!(required("/", true, family), Access::Public);
        assert_eq!(required("/api/v1/status", true, family), Access::Public);
        assert_eq!(required("/api/v1/live", true, family), Access::Public);
        assert_eq!(required("/api/v1/live", false, family), Access::Viewer);
        assert_eq!(required("/services", true, family), Access::Viewer);
        assert_eq!(
            required("/services/media/plex", true, family),
            Access::Viewer
        );
        assert_eq!(required("/topology", true, family), Access::Admin);
        assert_eq!(required("/api/v1/services", true, family), Access::Admin);
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn groups_map_to_the_highest_role_they_give() {
        let admins = names(&["homelab-admins"]);
        let viewers = names(&["family", "friends"]);
        let role = |groups: &[&str]| role_for_groups(&names(groups), &admins, &viewers);
        assert_eq!(role(&["homelab-admins"]), Some(Role::Admin));
        assert_eq!(role(&["family", "homelab-admins"]), Some(Role::Admin));
        assert_eq!(role(&["friends"]), Some(Role::Viewer));
        assert_eq!(role(&["authentik Admins", "other"]), None);
        assert_eq!(role(&[]), None);
    }

    #[test]
    fn group_names_are_compared_exactly() {
        let admins = names(&["homelab-admins"]);
        let viewers = names(&["family"]);
        for near_miss in ["Homelab-Admins", "homelab-admins ", "famil", "Family"] {
            assert_eq!(
                role_for_groups(&names(&[near_miss]), &admins, &viewers),
                None,
                "{near_miss:?}"
            );
        }
    }
}
