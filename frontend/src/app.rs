//! The HTML shell and the router. Every route renders complete HTML on the server; the shell loads
//! the WASM only to hydrate islands.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::components::nav::Nav;
use crate::context::request_context;
use crate::pages;

/// The document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let ctx = request_context();
    #[cfg(feature = "ssr")]
    {
        if !ctx.nonce.is_empty() {
            provide_context(leptos::nonce::Nonce::from_value(ctx.nonce.clone()));
        }
    }
    // For scripts that post (`X-CSRF-Token`); forms carry a hidden `csrf` field instead.
    let csrf = (!ctx.csrf.is_empty()).then(|| view! { <meta name="csrf-token" content=ctx.csrf/> });
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
                {csrf}
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

fn now_unix() -> i64 {
    #[cfg(feature = "ssr")]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        0
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let ctx = request_context();
    view! {
        <Router>
            // The first Tab stop of every page: past the navigation to the page's own content.
            <a class="skip-link" href="#main" data-test="skip-link">"Skip to content"</a>
            <Nav ctx=ctx/>
            <main id="main" tabindex="-1">
                {use_context::<crate::source::Cluster>().map(|c| view! {
                    <crate::components::banner::StaleBanner freshness=c.freshness() now=now_unix()/>
                })}
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::status::StatusPage/>
                    <Route path=path!("/topology") view=pages::topology::TopologyPage/>
                    <Route path=path!("/topology/:node") view=pages::topology::NodePage/>
                    <Route path=path!("/services") view=pages::services::ServicesPage/>
                    <Route path=path!("/services/:namespace/:name") view=pages::services::ServiceDetailPage/>
                    <Route path=path!("/backups") view=pages::backups::BackupsPage/>
                    <Route path=path!("/drills/:namespace/:name") view=pages::drills::DrillPage/>
                    <Route path=path!("/storage") view=pages::storage::StoragePage/>
                    <Route path=path!("/gitops") view=pages::gitops::GitOpsPage/>
                    <Route path=path!("/events") view=pages::events::EventsPage/>
                    <Route path=path!("/alerts") view=pages::alerts::AlertsPage/>
                    <Route path=path!("/notifications") view=pages::notifications::NotificationsPage/>
                    <Route path=path!("/notices") view=pages::notices::NoticesPage/>
                    // The AAR pages: each shows the data its server handler loaded (pages::aars).
                    <Route path=path!("/aars") view=pages::aars::AarsPage/>
                    <Route path=path!("/aars/new") view=pages::aars::AarsPage/>
                    <Route path=path!("/aars/open-items") view=pages::aars::AarsPage/>
                    <Route path=path!("/aars/import") view=pages::aars::AarsPage/>
                    <Route path=path!("/aars/:id") view=pages::aars::AarsPage/>
                    <Route path=path!("/aars/:id/edit") view=pages::aars::AarsPage/>
                    <Route path=path!("/aars/:id/revisions/:version") view=pages::aars::AarsPage/>
                    // Guarded actions and the audit log (pages::actions), loaded by their handlers.
                    <Route path=path!("/audit") view=pages::actions::ActionsPage/>
                    <Route path=path!("/pods/:namespace/:name/logs") view=pages::logs::LogsPage/>
                    <Route path=path!("/incidents/services/:namespace/:name") view=pages::incident::IncidentPage/>
                    <Route path=path!("/incidents/nodes/:name") view=pages::incident::IncidentPage/>
                    <Route path=path!("/actions/preview") view=pages::actions::ActionsPage/>
                    <Route path=path!("/actions/run") view=pages::actions::ActionsPage/>
                </Routes>
            </main>
            // Where the live island says, politely, what changed on the page (a service going
            // down); screen readers read it out, nobody sees it.
            <div id="announcer" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-test="announcer"></div>
        </Router>
    }
}
