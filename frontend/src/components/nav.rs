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
            let current = if item.href == path {
                Some("page")
            } else {
                None
            };
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
