//! The open action items of all AARs (`/aars/open-items`), each with its status buttons.

use leptos::prelude::*;

use crate::components::page_title::PageTitle;
use crate::components::table_region::TableRegion;
use crate::model::aar::{ItemStatus, OpenItem, Priority};

use super::common::md_inline;
use super::items::ItemButtons;

#[component]
pub(super) fn OpenItemsPage(items: Vec<OpenItem>) -> impl IntoView {
    let empty = items.is_empty().then(|| {
        view! { <tr><td colspan="6" class="muted">"No open action items."</td></tr> }
    });
    let rows = items
        .into_iter()
        .map(|o| {
            view! {
                <tr data-test="open-item" data-aar=o.aar_id>
                    <td>{o.item.priority.map(Priority::as_str).unwrap_or("–")}</td>
                    <td class="wrap" inner_html=md_inline(&o.item.text)></td>
                    <td>{o.item.owner.clone().unwrap_or_default()}</td>
                    <td>{o.item.due.clone().unwrap_or_default()}</td>
                    <td class="wrap"><a href=format!("/aars/{}", o.aar_id)>{o.aar_title.clone()}</a>
                        <div class="small muted">{o.incident_date.clone()}</div></td>
                    <td><ItemButtons aar_id=o.aar_id version=o.aar_version position=o.position status=ItemStatus::Open back="open-items"/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <PageTitle parts=vec!["Open action items".to_string(), "AARs".to_string()]/><h1>"Open action items"</h1>
        <p class="muted">"Across all AARs: highest priority first, then the oldest incident."</p>
        <TableRegion label="Open action items">
            <table>
                <caption class="visually-hidden">"Open action items"</caption>
                <thead><tr><th>"Priority"</th><th>"Action"</th><th>"Owner"</th><th>"Due"</th><th>"AAR"</th><th>"Mark as"</th></tr></thead>
                <tbody>{empty}{rows}</tbody>
            </table>
        </TableRegion>
        <p><a href="/aars">"All AARs"</a></p>
    }
}
