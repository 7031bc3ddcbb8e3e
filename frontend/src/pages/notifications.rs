//! Notifications (admins): where messages go, "Send test" for each target, what is announced as
//! wrong now, and the last deliveries with their attempts and errors. The server's handler
//! (`http::notifications`) provides [`NotificationsView`].

use leptos::prelude::*;

use crate::components::page_title::PageTitle;
use crate::components::table_region::TableRegion;
use crate::components::when::When;
use crate::context::request_context;
use crate::model::notify::NotificationsView;
use crate::model::Audience;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let Some(v) = use_context::<NotificationsView>() else {
        return view! { <PageTitle parts=vec!["Notifications".to_string()]/><h1>"Notifications"</h1> }.into_any();
    };
    let now = v.now;
    let csrf = request_context().csrf;
    let tested = v.tested.map(|name| {
        view! { <p class="notice" role="status" data-test="tested">"A test message for "<code>{name}</code>" is queued; its delivery shows below."</p> }
    });
    let targets = if v.targets.is_empty() {
        let why = if v.demo {
            "The demo sends nothing; below are the deliveries of its past."
        } else {
            "No targets are configured: add [[notify.targets]] to the configuration file."
        };
        view! { <p class="muted" data-test="no-targets">{why}</p> }.into_any()
    } else {
        let rows = v
            .targets
            .into_iter()
            .map(|t| {
                let audience = match t.audience {
                    Audience::Family => "Family: media services up or down",
                    Audience::Admin => "Admins: everything",
                };
                let (attr, shown) = (t.name.clone(), t.name.clone());
                view! {
                    <tr data-test="target" data-target=attr>
                        <th scope="row" data-label="Name">{shown}</th>
                        <td data-label="Kind">{t.kind}</td>
                        <td data-label="Audience">{audience}</td>
                        <td data-label="Sends to">{t.host}</td>
                        <td data-label="Test">
                            <form method="post" action="/notifications/test">
                                <input type="hidden" name="csrf" value=csrf.clone()/>
                                <input type="hidden" name="target" value=t.name/>
                                <button type="submit" class="button">"Send test"</button>
                            </form>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <TableRegion label="Targets">
                <table data-test="targets" class="stack">
                    <caption>"Targets"</caption>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Kind"</th><th scope="col">"Audience"</th><th scope="col">"Sends to"</th><th scope="col">"Test"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </TableRegion>
        }
        .into_any()
    };
    let announced = if v.announced.is_empty() {
        view! { <p class="muted" data-test="announced-none">"Nothing is announced as wrong."</p> }
            .into_any()
    } else {
        let items = v
            .announced
            .into_iter()
            .map(|a| view! { <li data-test="announced"><a href=a.link>{a.subject}</a>": "{a.words}", told "<When now at=Some(a.since)/></li> })
            .collect_view();
        view! { <ul>{items}</ul> }.into_any()
    };
    let deliveries = v
        .deliveries
        .into_iter()
        .map(|d| {
            let state = d.state();
            let next = (state == "retrying" || state == "waiting").then(|| view! { " · next "<When now at=Some(d.next_attempt_at)/> });
            let target = d.target.clone();
            view! {
                <tr data-test="delivery" data-state=state data-target=target>
                    <td data-label="Queued"><When now at=Some(d.created_at)/></td>
                    <td data-label="Target">{d.target}{d.test.then_some(" (test)")}</td>
                    <th scope="row" data-label="Message" class="wrap"><strong>{d.title}</strong><br/><span class="muted pre">{d.body}</span></th>
                    <td data-label="State">{state}{next}</td>
                    <td data-label="Attempts">{d.attempts}</td>
                    <td data-label="Last error" class="wrap" data-test="delivery-error">{d.last_error.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <PageTitle parts=vec!["Notifications".to_string()]/><h1>"Notifications"</h1>
        <p class="muted">
            "A change is sent once it has held for "{v.debounce_secs}" s; changes within "
            {v.group_secs}" s of each other go out as one message. Family targets hear of the "
            "media services only; admin targets of every service, node, volume and backup."
        </p>
        {tested}
        {targets}
        <h2>"Announced as wrong now"</h2>
        {announced}
        <TableRegion label="Last deliveries">
            <table data-test="deliveries" class="stack">
                <caption>"Last deliveries"</caption>
                <thead><tr><th scope="col">"Queued"</th><th scope="col">"Target"</th><th scope="col">"Message"</th><th scope="col">"State"</th><th scope="col">"Attempts"</th><th scope="col">"Last error"</th></tr></thead>
                <tbody>{deliveries}</tbody>
            </table>
        </TableRegion>
    }
    .into_any()
}
