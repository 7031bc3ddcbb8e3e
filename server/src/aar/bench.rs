//! `homelab bench aar-search`: search latency over many synthetic AARs (a measurement, not a
//! test). The AARs are written with a vocabulary of the homelab's own AAR log (about 700 words,
//! the most frequent) and 5,000 made-up words, drawn with Zipf's law as natural text is: a few
//! words occur in most AARs, most in few. Half the queries are drawn the same way (common words,
//! the slow case: many matches to rank), half uniformly from the vocabulary (the distinctive
//! words people search for).

use std::time::{Duration, Instant};

use frontend::model::aar::{
    AarContent, AarFilter, ActionItem, ItemStatus, Priority, TimelineEntry,
};

use crate::db::aar::{self as store, Author};
use crate::db::{self, DbError};

/// Latencies of the search queries, and how the data was made.
#[derive(Debug)]
pub struct BenchReport {
    pub aars: usize,
    pub queries: usize,
    pub fill: Duration,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub mean_hits: f64,
    /// p99 of the queries drawn like text (common words, many matches to rank).
    pub p99_common: Duration,
    /// p99 of the queries drawn uniformly from the vocabulary (distinctive words).
    pub p99_distinctive: Duration,
}

/// The `p` quantile (0 to 1) of sorted `times`.
fn quantile(times: &[Duration], p: f64) -> Duration {
    if times.is_empty() {
        return Duration::ZERO;
    }
    let i = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1;
    times[i]
}

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A uniform float in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Words with Zipf weights (rank r drawn with probability proportional to 1 / (r + 1)).
struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new() -> Vocabulary {
        let text = include_str!("../../demo/aar-log.md");
        let mut words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 2)
            .map(str::to_lowercase)
            .collect();
        words.sort_unstable();
        words.dedup();
        const SYLLABLES: [&str; 16] = [
            "ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "bre", "dan", "fel", "gor", "hux",
            "jin", "pol", "sek",
        ];
        for n in 0..5000usize {
            let word: String = (0..3).map(|i| SYLLABLES[(n >> (4 * i)) % 16]).collect();
            words.push(format!("{word}{}", n / 4096));
        }
        let mut total = 0.0;
        let cumulative = (0..words.len())
            .map(|r| {
                total += 1.0 / (r as f64 + 1.0);
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    fn zipf(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.unit() * total;
        let i = self.cumulative.partition_point(|&c| c < x);
        &self.words[i.min(self.words.len() - 1)]
    }

    fn uniform(&self, rng: &mut Rng) -> &str {
        &self.words[rng.next() as usize % self.words.len()]
    }

    fn sentence(&self, rng: &mut Rng, n: usize) -> String {
        (0..n).map(|_| self.zipf(rng)).collect::<Vec<_>>().join(" ")
    }
}

fn synthetic(rng: &mut Rng, words: &Vocabulary, n: usize) -> AarContent {
    AarContent {
        title: format!("{} #{n}", words.sentence(rng, 4)),
        incident_date: format!("20{:02}-{:02}-{:02}", 20 + n % 6, 1 + n % 12, 1 + n % 28),
        summary: words.sentence(rng, 40),
        timeline: (0..5)
            .map(|i| TimelineEntry {
                when: format!("{:02}:00", 8 + i),
                text: words.sentence(rng, 12),
            })
            .collect(),
        direct_cause: words.sentence(rng, 10),
        contributing_factors: (0..2).map(|_| words.sentence(rng, 8)).collect(),
        went_well: (0..2).map(|_| words.sentence(rng, 8)).collect(),
        could_improve: (0..2).map(|_| words.sentence(rng, 8)).collect(),
        lessons: (0..2).map(|_| words.sentence(rng, 10)).collect(),
        action_items: (0..3)
            .map(|i| ActionItem {
                text: words.sentence(rng, 8),
                priority: Priority::from_rank(i),
                status: ItemStatus::Open,
                ..ActionItem::default()
            })
            .collect(),
        tags: vec![words.zipf(rng).to_owned()],
        services: vec![words.zipf(rng).to_owned()],
        ..AarContent::default()
    }
}

/// Fills a fresh database in `dir` with `aars` synthetic AARs, then times `queries` searches of
/// one or two words (the page's query: ranked, with snippets, 20 hits at most).
pub async fn aar_search(
    dir: &std::path::Path,
    aars: usize,
    queries: usize,
) -> Result<BenchReport, DbError> {
    let pool = db::open(dir).await?;
    let words = Vocabulary::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let by = Author::now("bench");
    let started = Instant::now();
    let mut batch = Vec::with_capacity(1000);
    for n in 0..aars {
        batch.push(synthetic(&mut rng, &words, n));
        if batch.len() == 1000 || n + 1 == aars {
            store::import(&pool, &batch, &by).await?;
            batch.clear();
        }
    }
    let fill = started.elapsed();
    let mut times = Vec::with_capacity(queries);
    let mut common = Vec::new();
    let mut distinctive = Vec::new();
    let mut hits = 0usize;
    for i in 0..queries {
        let q = match i % 4 {
            0 => words.zipf(&mut rng).to_owned(),
            1 => format!("{} {}", words.zipf(&mut rng), words.zipf(&mut rng)),
            2 => words.uniform(&mut rng).to_owned(),
            _ => format!("{} {}", words.uniform(&mut rng), words.zipf(&mut rng)),
        };
        let filter = AarFilter {
            q,
            ..AarFilter::default()
        };
        let t = Instant::now();
        hits += store::search(&pool, &filter, 20).await?.len();
        let took = t.elapsed();
        times.push(took);
        if i % 4 < 2 {
            common.push(took);
        } else {
            distinctive.push(took);
        }
    }
    pool.close().await;
    for list in [&mut times, &mut common, &mut distinctive] {
        list.sort_unstable();
    }
    Ok(BenchReport {
        aars,
        queries,
        fill,
        p50: quantile(&times, 0.50),
        p95: quantile(&times, 0.95),
        p99: quantile(&times, 0.99),
        p99_common: quantile(&common, 0.99),
        p99_distinctive: quantile(&distinctive, 0.99),
        max: times.last().copied().unwrap_or_default(),
        mean_hits: hits as f64 / queries.max(1) as f64,
    })
}

/// `homelab bench aar-form`: how long the form takes to refuse a field naming action-item row
/// ten million (a hostile post; before the bound it built ten million rows). Times the whole
/// read of a complete form with that one extra field, `runs` times; returns (median, max).
pub fn hostile_form(runs: usize) -> Result<(Duration, Duration), String> {
    let mut fields: Vec<(String, String)> = [
        ("title", "Huge row"),
        ("incident_date", "2025-06-20"),
        ("summary", "A form with one field too many."),
        ("item_text.0", "Alert on stale NFS handles"),
        ("item_text.10000000", "sneaky"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    fields.push(("item_priority.0".into(), "P1".into()));
    let mut times = Vec::with_capacity(runs.max(1));
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let refused = super::form::read(&fields).is_err();
        times.push(started.elapsed());
        if !refused {
            return Err("the form took action-item row ten million".into());
        }
    }
    times.sort();
    Ok((quantile(&times, 0.5), quantile(&times, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_small_run_fills_the_database_and_finds_something() {
        let dir = tempfile::tempdir().unwrap();
        let report = aar_search(dir.path(), 30, 20).await.unwrap();
        assert_eq!((report.aars, report.queries), (30, 20));
        assert!(report.mean_hits > 0.0, "{report:?}");
        assert!(report.p50 <= report.p99 && report.p99 <= report.max);
    }
}
