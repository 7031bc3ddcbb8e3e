//! The AAR list at `/aars`: the filter and search form, the table of AARs or the search hits with
//! their highlighted snippets, and the links to the other AAR pages.

use leptos::prelude::*;

use crate::components::page_title::PageTitle;
use crate::components::table_region::TableRegion;
use crate::model::aar::{AarListView, AarRow, AarStatus, Severity};

use super::common::severity_badge;

#[component]
fn Actions() -> impl IntoView {
    view! {
        <p class="aar-actions">
            <a class="button" href="/aars/new" data-test="new-aar">"New AAR"</a>
            " "<a href="/aars/open-items">"Open action items"</a>
            " · "<a href="/aars/import">"Import Markdown"</a>
            " · "<a href="/aars/export" download="aar-log.md">"Export all"</a>
        </p>
    }
}

#[component]
pub(super) fn ListPage(view: AarListView) -> impl IntoView {
    let f = view.filter.clone();
    let severities = Severity::ALL
        .into_iter()
        .map(|s| {
            let selected = f.severity == s.as_str();
            view! { <option value=s.as_str() selected=selected>{s.as_str()}</option> }
        })
        .collect_view();
    let choice = |all: Vec<String>, current: &str| {
        all.into_iter()
            .map(|t| {
                let selected = t == current;
                view! { <option value=t.clone() selected=selected>{t.clone()}</option> }
            })
            .collect_view()
    };
    let tags = choice(view.all_tags, &f.tag);
    let services = choice(view.all_services, &f.service);
    let notice = view
        .notice
        .map(|n| view! { <p class="banner neutral" role="status" data-test="notice">{n}</p> });
    let results = match view.hits {
        Some(hits) if hits.is_empty() => view! {
            <p class="muted" data-test="no-hits">"No AAR matches “"{f.q.clone()}"”."</p>
        }
        .into_any(),
        Some(hits) => {
            let items = hits
                .into_iter()
                .map(|hit| {
                    let snippet = hit
                        .snippet
                        .into_iter()
                        .map(|p| {
                            if p.hit {
                                view! { <mark>{p.text}</mark> }.into_any()
                            } else {
                                p.text.into_any()
                            }
                        })
                        .collect_view();
                    view! {
                        <li class="card" data-test="aar-hit" data-id=hit.row.id>
                            <a href=format!("/aars/{}", hit.row.id)>{hit.row.title.clone()}</a>
                            " "<span class="muted small">{hit.row.incident_date.clone()}</span>
                            <p class="snippet small">{snippet}</p>
                        </li>
                    }
                })
                .collect_view();
            view! { <ol class="hits" data-test="search-hits">{items}</ol> }.into_any()
        }
        None => view! { <AarTable rows=view.rows/> }.into_any(),
    };
    view! {
        <PageTitle parts=vec!["AARs".to_string()]/><h1>"After-action reviews"</h1>
        {notice}
        <Actions/>
        <form class="filters card" method="get" action="/aars" role="search">
            <label>"Search "<input type="search" name="q" value=f.q.clone() data-test="aar-search"/></label>
            <label>"Severity "<select name="severity"><option value="">"any"</option>{severities}</select></label>
            <label>"Tag "<select name="tag"><option value="">"any"</option>{tags}</select></label>
            <label>"Service or node "<select name="service"><option value="">"any"</option>{services}</select></label>
            <label><input type="checkbox" name="open" value="1" checked=f.open_items/>" with open action items"</label>
            <button class="primary" type="submit">"Search"</button>
        </form>
        {results}
    }
}

#[component]
fn AarTable(rows: Vec<AarRow>) -> impl IntoView {
    let empty = rows.is_empty().then(|| {
        view! { <tr><td colspan="5" class="muted">"No AARs yet, or none match the filters."</td></tr> }
    });
    let rows = rows
        .into_iter()
        .map(|r| {
            let status = match r.status {
                AarStatus::Draft => "Draft",
                AarStatus::Published => "Published",
            };
            view! {
                <tr data-test="aar-row" data-id=r.id>
                    <th scope="row" class="wrap"><a href=format!("/aars/{}", r.id)>{r.title.clone()}</a></th>
                    <td>{r.incident_date.clone()}</td>
                    <td>{severity_badge(r.severity)}" "<span class="small muted">{status}</span></td>
                    <td class="wrap small">{r.tags.join(", ")}<div class="muted">{r.services.join(", ")}</div></td>
                    <td class="num" data-test="open-count">{r.open_items}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableRegion label="AARs">
            <table>
                <caption class="visually-hidden">"AARs"</caption>
                <thead><tr><th>"AAR"</th><th>"Incident"</th><th>"Severity"</th><th>"Tags, services"</th><th>"Open items"</th></tr></thead>
                <tbody>{empty}{rows}</tbody>
            </table>
        </TableRegion>
    }
}
