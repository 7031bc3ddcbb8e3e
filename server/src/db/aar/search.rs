//! The full-text search over the AARs' index: ranked by bm25 inside FTS5, with a highlighted
//! snippet per hit, the list filters applied too.

use frontend::model::aar::{AarFilter, AarRow, SearchHit};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::read::{push_filters, row_from, RowTuple, ROW_SELECT};
use crate::aar::search;
use crate::db::DbError;

/// Full-text search ranked by bm25 over every match (title matches weigh more), with a
/// highlighted snippet per hit; the list filters apply too. Empty or punctuation-only queries
/// find nothing.
///
/// Ordered by FTS5's `rank` column rather than `bm25(...)`: FTS5 then sorts inside the virtual
/// table and `snippet()` runs for the rows returned only; sorted outside, SQLite computes the
/// snippet of every match before sorting. The list rows of the hits are a second query by id.
/// docs/benchmarks.md, "Search benchmark".
#[tracing::instrument(skip_all)]
pub async fn search(
    pool: &SqlitePool,
    filter: &AarFilter,
    limit: i64,
) -> Result<Vec<SearchHit>, DbError> {
    let Some(fts) = search::fts_query(&filter.q) else {
        return Ok(Vec::new());
    };
    let filtered = !filter.severity.is_empty()
        || !filter.tag.is_empty()
        || !filter.service.is_empty()
        || filter.open_items;
    // The match and the filters, shared by both queries.
    let push_where = |query: &mut QueryBuilder<'_, Sqlite>| {
        query.push(" from aar_fts where aar_fts match ");
        query.push_bind(fts.clone());
        if filtered {
            query.push(" and rowid in (select a.id from aars a where 1 = 1");
            push_filters(query, filter);
            query.push(")");
        }
    };
    let mut conn = pool.acquire().await?;

    let mut ranked = QueryBuilder::<Sqlite>::new("select rowid, snippet(aar_fts, -1, ");
    ranked.push_bind(search::HIT_START.to_string());
    ranked.push(", ");
    ranked.push_bind(search::HIT_END.to_string());
    ranked.push(", '…', 16)");
    push_where(&mut ranked);
    ranked.push(" and rank match 'bm25(5.0, 1.0)'");
    ranked.push(" order by rank limit ");
    ranked.push_bind(limit);
    let ranked: Vec<(i64, String)> = ranked.build_query_as().fetch_all(&mut *conn).await?;
    if ranked.is_empty() {
        return Ok(Vec::new());
    }

    let mut rows = QueryBuilder::<Sqlite>::new(ROW_SELECT);
    rows.push(" from aars a where a.id in (");
    let mut list = rows.separated(", ");
    for (id, _) in &ranked {
        list.push_bind(*id);
    }
    rows.push(")");
    let mut rows: std::collections::HashMap<i64, AarRow> = rows
        .build_query_as::<RowTuple>()
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| row_from(r).map(|row| (row.id, row)))
        .collect::<Result<_, DbError>>()?;
    Ok(ranked
        .into_iter()
        .filter_map(|(id, snippet)| {
            rows.remove(&id).map(|row| SearchHit {
                row,
                snippet: search::snippet_parts(&snippet),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use frontend::model::aar::{AarContent, Severity};

    use super::*;
    use crate::db::aar::edit::{create, update};
    use crate::db::aar::fixtures::{pool, sample};
    use crate::db::aar::import::import;
    use crate::db::aar::version::Author;

    #[tokio::test]
    async fn search_finds_a_word_of_the_timeline_and_highlights_it() {
        let (_dir, pool) = pool().await;
        let by = Author::now("alice");
        let aar = create(&pool, &sample("k3s1 Networking Failure"), &by)
            .await
            .unwrap();
        let mut other = sample("Gateway TLS");
        other.timeline.clear();
        other.summary = "ALPN was off".into();
        create(&pool, &other, &by).await.unwrap();
        let q = |q: &str| AarFilter {
            q: q.into(),
            ..AarFilter::default()
        };
        let hits = search(&pool, &q("crashloopbackoff"), 20).await.unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].row.id, aar.id);
        let marked: Vec<_> = hits[0].snippet.iter().filter(|p| p.hit).collect();
        assert_eq!(marked.len(), 1);
        assert_eq!(marked[0].text, "CrashLoopBackOff");
        // The list filters apply to hits too.
        let filtered = |severity: &str, open_items: bool| AarFilter {
            q: "crashloopbackoff".into(),
            severity: severity.into(),
            open_items,
            ..AarFilter::default()
        };
        assert_eq!(
            search(&pool, &filtered("high", true), 20)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(search(&pool, &filtered("low", false), 20)
            .await
            .unwrap()
            .is_empty());
        // Query syntax in the input is text, not FTS5 syntax.
        assert!(search(&pool, &q("\"unbalanced AND ("), 20)
            .await
            .unwrap()
            .is_empty());
        assert!(search(&pool, &q("  "), 20).await.unwrap().is_empty());
        // An edit is searchable at once, and the old text is gone from the index.
        let mut edited = aar.content.clone();
        edited.timeline[0].text = "Pods were evicted".into();
        update(&pool, aar.id, 1, &edited, &by).await.unwrap();
        assert!(search(&pool, &q("crashloopbackoff"), 20)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(search(&pool, &q("evicted"), 20).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn the_best_match_is_found_however_old_and_however_many_matches_there_are() {
        let (_dir, pool) = pool().await;
        let by = Author::now("alice");
        let many = (0..1_200)
            .map(|n| AarContent {
                title: format!("Outage {n}"),
                incident_date: "2025-06-14".into(),
                summary: if n == 0 {
                    // The oldest, behind 1,199 newer matches: the best bm25 score.
                    "kernel kernel kernel kernel".into()
                } else {
                    format!("kernel panic number {n} with many other words around it")
                },
                severity: (n == 0).then_some(Severity::High),
                ..AarContent::default()
            })
            .collect::<Vec<_>>();
        import(&pool, &many, &by).await.unwrap();
        let q = |q: &str, severity: &str| AarFilter {
            q: q.into(),
            severity: severity.into(),
            ..AarFilter::default()
        };
        let hits = search(&pool, &q("kernel", ""), 20).await.unwrap();
        assert_eq!(hits.len(), 20);
        assert_eq!(hits[0].row.title, "Outage 0");
        // With a filter, the one high-severity match.
        let hits = search(&pool, &q("kernel", "high"), 20).await.unwrap();
        assert_eq!(
            hits.iter()
                .map(|h| h.row.title.as_str())
                .collect::<Vec<_>>(),
            ["Outage 0"]
        );
        let aar = create(
            &pool,
            &AarContent {
                title: "Rare".into(),
                incident_date: "2025-06-15".into(),
                summary: "zebra".into(),
                severity: Some(Severity::Low),
                ..AarContent::default()
            },
            &by,
        )
        .await
        .unwrap();
        let hits = search(&pool, &q("zebra", "low"), 20).await.unwrap();
        assert_eq!(hits.iter().map(|h| h.row.id).collect::<Vec<_>>(), [aar.id]);
        assert!(search(&pool, &q("kernel", "low"), 20)
            .await
            .unwrap()
            .is_empty());
    }
}
