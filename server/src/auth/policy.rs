//! The access policy: the lowest role that may open each path. The one place that decides it.

/// What a request needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health endpoints, static assets, the sign-in pages.
    Public,
    /// Any signed-in person with a role (admins and family).
    Viewer,
    /// Admins only.
    Admin,
}

/// Paths family members may open besides the public ones.
const VIEWER_PATHS: &[&str] = &["/", "/services", "/api/v1/status"];

/// Static files built by cargo-leptos or shipped in `static/`.
pub fn is_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || matches!(path, "/favicon.svg" | "/favicon.ico" | "/app.css")
}

/// JSON endpoints answer 401/403 as JSON instead of redirecting.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

pub fn required(path: &str) -> Access {
    if is_asset(path) || matches!(path, "/healthz" | "/readyz") || path.starts_with("/auth/") {
        Access::Public
    } else if VIEWER_PATHS.contains(&path) || path.starts_with("/services/") {
        Access::Viewer
    } else {
        Access::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_pages_need_a_viewer_and_everything_else_an_admin() {
        assert_eq!(required("/"), Access::Viewer);
        assert_eq!(required("/services"), Access::Viewer);
        assert_eq!(required("/services/plex"), Access::Viewer);
        assert_eq!(required("/topology"), Access::Admin);
        assert_eq!(required("/audit"), Access::Admin);
        assert_eq!(required("/api/v1/actions/scale"), Access::Admin);
    }

    #[test]
    fn an_unknown_path_is_admin_only_so_new_routes_start_closed() {
        assert_eq!(required("/something-new"), Access::Admin);
    }

    #[test]
    fn health_assets_and_sign_in_are_public() {
        for path in [
            "/healthz",
            "/readyz",
            "/pkg/homelab.abc.wasm",
            "/favicon.svg",
            "/auth/login",
        ] {
            assert_eq!(required(path), Access::Public, "{path}");
        }
    }
}
