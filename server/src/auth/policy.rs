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

/// Paths family members may open besides the public ones.
const VIEWER_PATHS: &[&str] = &["/", "/services", "/api/v1/status", "/api/v1/live"];

/// What `public_status = true` opens to everyone: the Status page and its JSON, nothing else.
const PUBLIC_STATUS_PATHS: &[&str] = &["/", "/api/v1/status"];

/// Static files built by cargo-leptos or shipped in `static/`.
pub fn is_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || matches!(path, "/favicon.svg" | "/favicon.ico" | "/app.css")
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

/// The lowest role that may open `path`. `public_status` is the config key of that name.
pub fn required(path: &str, public_status: bool) -> Access {
    let always_public =
        is_asset(path) || matches!(path, "/healthz" | "/readyz") || path.starts_with("/auth/");
    if always_public || (public_status && PUBLIC_STATUS_PATHS.contains(&path)) {
        Access::Public
    } else if VIEWER_PATHS.contains(&path) || path.starts_with("/services/") {
        Access::Viewer
    } else {
        Access::Admin
    }
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

    #[test]
    fn family_pages_need_a_viewer_and_everything_else_an_admin() {
        assert_eq!(required("/", false), Access::Viewer);
        assert_eq!(required("/services", false), Access::Viewer);
        assert_eq!(required("/services/plex", false), Access::Viewer);
        assert_eq!(required("/api/v1/status", false), Access::Viewer);
        assert_eq!(required("/topology", false), Access::Admin);
        assert_eq!(required("/audit", false), Access::Admin);
        for aar_path in [
            "/aars",
            "/aars/1",
            "/aars/new",
            "/aars/open-items",
            "/aars/import",
        ] {
            assert_eq!(required(aar_path, false), Access::Admin, "{aar_path}");
            assert_eq!(required(aar_path, true), Access::Admin, "{aar_path}");
        }
        assert_eq!(required("/api/v1/actions/scale", false), Access::Admin);
    }

    #[test]
    fn metrics_are_for_admins_or_their_token_and_never_public() {
        assert_eq!(required("/metrics", false), Access::Admin);
        assert_eq!(required("/metrics", true), Access::Admin);
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
        assert_eq!(required("/something-new", false), Access::Admin);
        assert_eq!(required("/something-new", true), Access::Admin);
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
            assert_eq!(required(path, false), Access::Public, "{path}");
        }
    }

    #[test]
    fn public_status_opens_the_status_page_and_nothing_else() {
        assert_eq!(required("/", true), Access::Public);
        assert_eq!(required("/api/v1/status", true), Access::Public);
        assert_eq!(required("/services", true), Access::Viewer);
        assert_eq!(required("/services/plex", true), Access::Viewer);
        assert_eq!(required("/topology", true), Access::Admin);
        assert_eq!(required("/api/v1/services", true), Access::Admin);
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
