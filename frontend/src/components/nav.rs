//! The top bar: site name, the pages this person may open, who is signed in, and the demo marker.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::islands::freshness::FreshnessClock;
use crate::model::{RequestContext, Role};
use crate::source::Cluster;

/// A page in the navigation and the lowest role that may open it.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub admin_only: bool,
}

/// Every page, in navigation order. Authorization itself is decided by the server for each
/// request; this list only keeps links away from people who would get a 403.
pub const NAV_ITEMS: &[NavItem] = &[
    NavItem {
        href: "/",
        label: "Status",
        admin_only: false,
    },
    NavItem {
        href: "/topology",
        label: "Topology",
        admin_only: true,
    },
    NavItem {
        href: "/services",
        label: "Services",
        admin_only: false,
    },
    NavItem {
        href: "/backups",
        label: "Backups",
        admin_only: true,
    },
    NavItem {
        href: "/storage",
        label: "Storage",
        admin_only: true,
    },
    NavItem {
        href: "/gitops",
        label: "GitOps",
        admin_only: true,
    },
    NavItem {
        href: "/alerts",
        label: "Alerts",
        admin_only: true,
    },
    NavItem {
        href: "/events",
        label: "Events",
        admin_only: true,
    },
    NavItem {
        href: "/notifications",
        label: "Notify",
        admin_only: true,
    },
    NavItem {
        href: "/aars",
        label: "AARs",
        admin_only: true,
    },
    NavItem {
        href: "/audit",
        label: "Audit",
        admin_only: true,
    },
];

/// The section a page belongs to, by its path: its own entry, or the entry of the list it was
/// opened from (a service's incident page is under Services, a drill under Backups).
pub fn section_of(path: &str) -> Option<&'static str> {
    let first = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    let section = match first {
        "" => "/",
        "notices" => "/",
        "drills" => "/backups",
        "incidents" if path.starts_with("/incidents/nodes/") => "/topology",
        "incidents" | "pods" => "/services",
        "actions" => "/audit",
        other => return NAV_ITEMS.iter().map(|i| i.href).find(|h| h[1..] == *other),
    };
    Some(section)
}

/// `aria-current` for a navigation entry: "page" on the page itself, "true" on the section of a
/// page under it, so a screen reader and the highlight both say where one is.
pub fn current_marker(href: &str, path: &str) -> Option<&'static str> {
    if href == path {
        Some("page")
    } else if section_of(path) == Some(href) {
        Some("true")
    } else {
        None
    }
}

#[component]
pub fn Nav(ctx: RequestContext) -> impl IntoView {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let role = ctx.viewer.as_ref().map(|v| v.role);
    let items = NAV_ITEMS
        .iter()
        .filter(|item| match role {
            Some(Role::Admin) => true,
            Some(Role::Viewer) => !item.admin_only,
            None => false,
        })
        .map(|item| {
            let current = current_marker(item.href, &path);
            view! { <li><a href=item.href aria-current=current>{item.label}</a></li> }
        })
        .collect_view();
    let has_cluster = use_context::<Cluster>().is_some();
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Homelab"</a>
            {ctx.demo.then(|| view! { <span class="demo-marker" data-test="demo-marker">"demo"</span> })}
            <nav aria-label="Main">
                <ul>{items}</ul>
            </nav>
            <div class="who">
                {has_cluster.then(|| view! { <FreshnessClock/> })}
                {match ctx.viewer {
                    Some(v) => view! {
                        <span class="user" data-test="user">{v.display_name}" ("{v.role.as_str()}")"</span>
                        <form method="post" action="/auth/logout" class="inline">
                            <input type="hidden" name="csrf" value=ctx.csrf.clone()/>
                            <button type="submit" class="link">"Sign out"</button>
                        </form>
                    }.into_any(),
                    None => view! { <a href="/auth/login">"Sign in"</a> }.into_any(),
                }}
            </div>
        </header>
    }
}

#[cfg(test)]
mod tests {
    use super::current_marker;

    #[test]
    fn a_page_marks_itself_and_a_sub_page_its_section() {
        assert_eq!(current_marker("/services", "/services"), Some("page"));
        assert_eq!(
            current_marker("/services", "/services/media/plex"),
            Some("true")
        );
        assert_eq!(
            current_marker("/backups", "/drills/velero/drill-1"),
            Some("true")
        );
        assert_eq!(
            current_marker("/topology", "/incidents/nodes/k3s1"),
            Some("true")
        );
        assert_eq!(
            current_marker("/services", "/incidents/services/media/plex"),
            Some("true")
        );
        assert_eq!(current_marker("/aars", "/aars/3/edit"), Some("true"));
        assert_eq!(current_marker("/", "/"), Some("page"));
        // Status is no section of every page, and a lookalike prefix is not a section.
        assert_eq!(current_marker("/", "/storage"), None);
        assert_eq!(current_marker("/aars", "/aarsx"), None);
        assert_eq!(current_marker("/services", "/storage"), None);
    }
}
