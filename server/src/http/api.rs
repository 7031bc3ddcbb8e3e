//! The JSON API for scripts: `/api/v1/status`, the family status (service, status, URL, since),
//! for Home Assistant or a Homepage "custom API" widget.

use axum::extract::State;
use axum::Json;
use frontend::model::{Audience, FamilyStatus};
use frontend::source::{ClusterSource, HistorySource};

use crate::state::AppState;

pub async fn status(State(state): State<AppState>) -> Json<Vec<FamilyStatus>> {
    let notices = frontend::source::NoticeSource::current(&*state.notices);
    let now = jiff::Timestamp::now().as_second();
    let out = state
        .cluster
        .services()
        .into_iter()
        .filter(|s| s.audience == Audience::Family)
        .map(|s| {
            // The recorder's `since` belongs to the status it recorded; a change it has not
            // written yet (within a second) has no since.
            let since = state
                .history
                .history(&s.id)
                .filter(|h| h.status == Some(s.status))
                .and_then(|h| h.since);
            let about: Vec<_> = notices.iter().filter(|n| n.about(&s.id)).collect();
            FamilyStatus {
                maintenance: about.iter().any(|n| n.maintenance && n.holds_at(now)),
                notices: about.into_iter().map(Into::into).collect(),
                service: s.name,
                status: s.status,
                url: s.url,
                since,
            }
        })
        .collect();
    Json(out)
}
