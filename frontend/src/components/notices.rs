//! Notices as the Status page shows them: what holds now first, then what is coming, each with
//! its times and the services it is about.

use leptos::prelude::*;

use crate::components::when::{utc, When};
use crate::model::notices::Notice;

#[component]
pub fn NoticeList(
    notices: Vec<Notice>,
    now: i64,
    /// Service ids to names, for "About: Plex, Jellyfin".
    names: Vec<(String, String)>,
    /// Admins see the AAR a notice links to.
    admin: bool,
) -> impl IntoView {
    if notices.is_empty() {
        return ().into_any();
    }
    let items = notices
        .into_iter()
        .map(|n| {
            let holds = n.holds_at(now);
            let kind = match (n.maintenance, holds) {
                (true, true) => "Maintenance now",
                (true, false) => "Maintenance coming",
                (false, true) => "Notice",
                (false, false) => "Coming",
            };
            let about = if n.services.is_empty() {
                "The whole homelab".to_owned()
            } else {
                n.services
                    .iter()
                    .map(|id| {
                        names
                            .iter()
                            .find(|(i, _)| i == id)
                            .map_or(id.as_str(), |(_, name)| name.as_str())
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let aar = n.aar.clone().filter(|_| admin).map(|(id, title)| {
                view! { <a href=format!("/aars/{id}") data-test="notice-aar">"AAR: "{title}</a> }
            });
            let when = if holds {
                view! { "Until "<When now at=Some(n.ends_at)/>" ("{utc(n.ends_at)}")" }.into_any()
            } else {
                view! { "From "<When now at=Some(n.starts_at)/>" ("{utc(n.starts_at)}") to "{utc(n.ends_at)} }.into_any()
            };
            view! {
                <li class=if holds { "notice-card holds" } else { "notice-card" } data-test="notice" data-notice=n.id data-holds=holds.to_string()>
                    <strong>{kind}</strong>
                    <p class="notice-text">{n.text}</p>
                    <p class="muted">{about}" · "{when}</p>
                    {aar}
                </li>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="notices-heading">
            <h2 id="notices-heading">"Notices"</h2>
            <ul class="notice-cards">{items}</ul>
        </section>
    }
    .into_any()
}
