//! Backups: Velero schedules with their next run (the cron expression evaluated in the cluster's
//! time zone) and last backup, the storage locations, which namespaces with volumes no schedule
//! covers, and the last 14 days of backups per schedule.
//!
//! The health rules about backups (stale, failed, paused, unreadable) live in
//! [`super::health::summary`], the one place health is decided, which reads the facts this
//! module finds; the schedule rows here carry the reasons of that summary, handed in, rather
//! than a judgement of their own.
//!
//! Long for its tests (a third of the file): each Velero trap the homelab met has one.

use std::collections::{BTreeMap, BTreeSet};

use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;
use frontend::model::{
    BackupSummary, BackupTimeline, BackupsView, HealthSummary, NamespaceCoverage, ScheduleRow,
    StorageLocationRow, TimelineRow,
};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};

use super::{key, unix, Snapshot};
use crate::cluster::crds::{Backup, Schedule};

/// The label Velero puts on every backup a schedule makes.
pub const SCHEDULE_LABEL: &str = "velero.io/schedule-name";
/// How far back the timeline reaches.
pub const TIMELINE_DAYS: i64 = 14;
/// How many backups the "recent" table lists.
const RECENT: usize = 20;
const DAY: i64 = 86_400;

/// A schedule's expression, parsed, with the time zone it runs in.
#[derive(Clone, Debug)]
pub struct CronSchedule {
    when: When,
    tz: TimeZone,
}

#[derive(Clone, Debug)]
enum When {
    Cron(Box<Cron>),
    /// `@every <duration>`: seconds between runs, counted from the last one.
    Every(i64),
}

impl CronSchedule {
    /// Parses Velero's `spec.schedule` as Velero does: five fields (minute hour day month
    /// weekday) or a name such as `@daily`, or `@every <duration>`; an optional `CRON_TZ=<zone>`
    /// (or `TZ=<zone>`) prefix overrides `tz`. The error says what is wrong, for the page.
    pub fn parse(expression: &str, tz: &TimeZone) -> Result<Self, String> {
        let expression = expression.trim();
        let (tz, rest) = match expression.split_once(char::is_whitespace) {
            Some((first, rest)) if first.starts_with("CRON_TZ=") || first.starts_with("TZ=") => {
                let name = first.split_once('=').map(|(_, n)| n).unwrap_or_default();
                let tz = TimeZone::get(name)
                    .map_err(|_| format!("unknown time zone `{name}` in the schedule"))?;
                (tz, rest.trim())
            }
            _ => (tz.clone(), expression),
        };
        if rest.is_empty() {
            return Err("the schedule is empty".into());
        }
        if let Some(duration) = rest.strip_prefix("@every") {
            let duration = duration.trim();
            let seconds = parse_go_duration(duration)
                .filter(|s| *s > 0)
                .ok_or_else(|| format!("`{duration}` after @every is not a duration like 6h"))?;
            return Ok(Self {
                when: When::Every(seconds),
                tz,
            });
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(rest)
            .map_err(|e| format!("not a cron expression Velero accepts: {e}"))?;
        Ok(Self {
            when: When::Cron(Box::new(cron)),
            tz,
        })
    }

    /// The first run after `now`. For `@every`, one interval after the last run (Velero counts
    /// from it), or `now` when that is overdue.
    pub fn next_after(&self, now: Timestamp, last_run: Option<Timestamp>) -> Result<Zoned, String> {
        match &self.when {
            When::Cron(cron) => cron
                .find_next_occurrence(&now.to_zoned(self.tz.clone()), false)
                .map_err(|e| format!("no next run: {e}")),
            When::Every(seconds) => {
                let next = last_run
                    .unwrap_or(now)
                    .checked_add(SignedDuration::from_secs(*seconds))
                    .map_err(|e| format!("no next run: {e}"))?;
                Ok(next.max(now).to_zoned(self.tz.clone()))
            }
        }
    }

    /// How often it runs, in seconds: the longest gap between consecutive runs among the next
    /// eight, so a weekdays-only schedule is judged by its weekend gap.
    pub fn interval(&self, now: Timestamp) -> Option<i64> {
        match &self.when {
            When::Every(seconds) => Some(*seconds),
            When::Cron(cron) => {
                let runs: Vec<i64> = cron
                    .iter_after(now.to_zoned(self.tz.clone()))
                    .take(9)
                    .map(|z| z.timestamp().as_second())
                    .collect();
                runs.windows(2).map(|w| w[1] - w[0]).max()
            }
        }
    }

    /// The expression in words.
    pub fn words(&self) -> String {
        match &self.when {
            When::Cron(cron) => cron.describe(),
            When::Every(seconds) => format!("Every {}", duration_words(*seconds)),
        }
    }

    /// IANA name of the zone it runs in.
    pub fn time_zone_name(&self) -> String {
        self.tz.iana_name().unwrap_or("UTC").to_string()
    }
}

/// A time in a zone as the pages show it: "Mon 16 Jun 2025 19:00 UTC".
pub fn local_time(zoned: &Zoned) -> String {
    zoned.strftime("%a %-d %b %Y %H:%M %Z").to_string()
}

/// Seconds of a Go duration as Velero writes them ("72h0m0s", "1h30m", "1.5h", "90s").
pub fn parse_go_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text == "0" {
        return Some(0);
    }
    let mut total = 0.0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "h" => 3_600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * seconds;
    }
    (total.is_finite() && total < i64::MAX as f64).then_some(total.floor() as i64)
}

/// A length of time in the largest whole unit: "3 days", "1 hour", "90 minutes", "45 seconds".
pub fn duration_words(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match seconds {
        s if s >= DAY && s % DAY == 0 => plural(s / DAY, "day"),
        s if s >= 3_600 && s % 3_600 == 0 => plural(s / 3_600, "hour"),
        s if s >= 2 * DAY => plural(s / DAY, "day"),
        s if s >= 60 && s % 60 == 0 && s < 3 * 3_600 => plural(s / 60, "minute"),
        s if s >= 3_600 => plural(s / 3_600, "hour"),
        s if s >= 60 => plural(s / 60, "minute"),
        s => plural(s.max(0), "second"),
    }
}

/// A namespace pattern of Velero's `includedNamespaces`: a name, `*`, or a glob with `*`.
fn matches_namespace(pattern: &str, namespace: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == namespace,
        Some((prefix, suffix)) if !suffix.contains('*') => {
            namespace.len() >= prefix.len() + suffix.len()
                && namespace.starts_with(prefix)
                && namespace.ends_with(suffix)
        }
        // More than one star: only the plain prefix is checked (rare in practice).
        Some((prefix, _)) => namespace.starts_with(prefix),
    }
}

/// Whether a backup with these namespace lists includes `namespace` (empty means all).
pub fn includes(included: &[String], excluded: &[String], namespace: &str) -> bool {
    (included.is_empty() || included.iter().any(|p| matches_namespace(p, namespace)))
        && !excluded.iter().any(|p| matches_namespace(p, namespace))
}

/// What a schedule's template says about its backups.
#[derive(Clone, Debug, Default)]
pub struct Template {
    pub included_namespaces: Vec<String>,
    pub excluded_namespaces: Vec<String>,
    pub ttl: Option<String>,
    pub storage_location: Option<String>,
    pub label_selector: Option<String>,
}

fn strings(value: &serde_json::Value, field: &str) -> Vec<String> {
    value
        .get(field)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn template(schedule: &Schedule) -> Template {
    let t = &schedule.spec.template;
    let text = |field: &str| t.get(field).and_then(|v| v.as_str()).map(str::to_string);
    let label_selector = t
        .get("labelSelector")
        .and_then(|s| s.get("matchLabels"))
        .and_then(|m| m.as_object())
        .filter(|m| !m.is_empty())
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", ")
        });
    Template {
        included_namespaces: strings(t, "includedNamespaces"),
        excluded_namespaces: strings(t, "excludedNamespaces"),
        ttl: text("ttl"),
        storage_location: text("storageLocation"),
        label_selector,
    }
}

/// Velero's phases after which a backup no longer changes.
pub fn is_finished(phase: &str) -> bool {
    matches!(
        phase,
        "Completed" | "PartiallyFailed" | "Failed" | "FailedValidation"
    )
}

/// Phases that mean the backup is not complete and will not become so.
pub fn is_failure(phase: &str) -> bool {
    matches!(phase, "PartiallyFailed" | "Failed" | "FailedValidation")
}

pub fn summary(backup: &Backup) -> BackupSummary {
    let status = backup.status.clone().unwrap_or_default();
    let progress = status.progress.unwrap_or_default();
    let count = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok());
    BackupSummary {
        namespace: backup.metadata.namespace.clone().unwrap_or_default(),
        name: backup.metadata.name.clone().unwrap_or_default(),
        schedule: backup
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(SCHEDULE_LABEL))
            .cloned(),
        phase: status.phase.unwrap_or_else(|| "Unknown".into()),
        started: unix(status.start_timestamp.as_deref()).or_else(|| {
            backup
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_second())
        }),
        completed: unix(status.completion_timestamp.as_deref()),
        errors: count(status.errors).unwrap_or(0),
        warnings: count(status.warnings).unwrap_or(0),
        items_backed_up: count(progress.items_backed_up),
        total_items: count(progress.total_items),
        failure_reason: status.failure_reason.filter(|r| !r.is_empty()),
        namespaces: backup
            .spec
            .included_namespaces
            .iter()
            .filter(|n| *n != "*")
            .cloned()
            .collect(),
    }
}

/// Newest first; ties (and backups without times) by name, newest name first.
/// Newest first; a backup Velero has not started yet was just asked for, so it comes first.
pub fn newest_first(backups: &mut [BackupSummary]) {
    let key = |b: &BackupSummary| b.started.unwrap_or(i64::MAX);
    backups.sort_by(|a, b| (key(b), &b.name).cmp(&(key(a), &a.name)));
}

/// What the views and the health summary need to know about one schedule.
pub struct ScheduleFacts {
    /// The expression parsed in the cluster's time zone, or why it cannot be.
    pub parsed: Result<CronSchedule, String>,
    /// Its backups, newest first.
    pub backups: Vec<BackupSummary>,
    /// Unix seconds its newest Completed backup finished (or started, without a finish time).
    pub last_completed: Option<i64>,
    pub created: Option<i64>,
}

impl ScheduleFacts {
    /// The newest backup that has finished, whatever the outcome.
    pub fn last_finished(&self) -> Option<&BackupSummary> {
        self.backups.iter().find(|b| is_finished(&b.phase))
    }
}

pub fn facts(snap: &Snapshot, schedule: &Schedule) -> ScheduleFacts {
    let name = schedule.metadata.name.as_deref().unwrap_or_default();
    let namespace = schedule.metadata.namespace.as_deref();
    let mut backups: Vec<BackupSummary> = snap
        .backups
        .iter()
        .filter(|b| b.metadata.namespace.as_deref() == namespace)
        .filter(|b| {
            b.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(SCHEDULE_LABEL))
                .is_some_and(|s| s == name)
        })
        .map(|b| summary(b))
        .collect();
    newest_first(&mut backups);
    let last_completed = backups
        .iter()
        .find(|b| b.phase == "Completed")
        .and_then(|b| b.completed.or(b.started));
    ScheduleFacts {
        parsed: CronSchedule::parse(&schedule.spec.schedule, &snap.tz()),
        backups,
        last_completed,
        created: schedule
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.as_second()),
    }
}

/// The health subject of a schedule, which its row uses to find its reasons.
pub fn schedule_subject(schedule: &Schedule) -> String {
    format!("Schedule {}", key(&schedule.metadata))
}

fn schedule_row(snap: &Snapshot, schedule: &Schedule, reasons: &[(String, String)]) -> ScheduleRow {
    let facts = facts(snap, schedule);
    let template = template(schedule);
    let now = Timestamp::from_second(snap.now).unwrap_or(Timestamp::UNIX_EPOCH);
    let last_run = facts
        .backups
        .first()
        .and_then(|b| b.started)
        .and_then(|t| Timestamp::from_second(t).ok());
    let (cron_words, next, cron_error, time_zone) = match &facts.parsed {
        Ok(parsed) => {
            let next = parsed.next_after(now, last_run);
            let error = next.as_ref().err().cloned();
            (
                Some(parsed.words()),
                next.ok(),
                error,
                parsed.time_zone_name(),
            )
        }
        Err(e) => (
            None,
            None,
            Some(e.clone()),
            snap.tz().iana_name().unwrap_or("UTC").to_string(),
        ),
    };
    let subject = schedule_subject(schedule);
    ScheduleRow {
        namespace: schedule.metadata.namespace.clone().unwrap_or_default(),
        name: schedule.metadata.name.clone().unwrap_or_default(),
        cron: schedule.spec.schedule.clone(),
        cron_words,
        cron_error,
        next_run: next.as_ref().map(|z| z.timestamp().as_second()),
        next_run_local: next.as_ref().map(local_time),
        time_zone,
        ttl_words: template
            .ttl
            .as_deref()
            .and_then(parse_go_duration)
            .map(duration_words),
        ttl: template.ttl,
        included_namespaces: template.included_namespaces,
        excluded_namespaces: template.excluded_namespaces,
        label_selector: template.label_selector,
        storage_location: template.storage_location,
        paused: schedule.spec.paused,
        last_backup: facts.backups.first().cloned(),
        last_completed: facts.last_completed,
        warnings: reasons
            .iter()
            .filter(|(s, _)| *s == subject)
            .map(|(_, m)| m.clone())
            .collect(),
    }
}

fn locations(snap: &Snapshot) -> Vec<StorageLocationRow> {
    let mut out: Vec<StorageLocationRow> = snap
        .storage_locations
        .iter()
        .map(|l| {
            let status = l.status.clone().unwrap_or_default();
            StorageLocationRow {
                namespace: l.metadata.namespace.clone().unwrap_or_default(),
                name: l.metadata.name.clone().unwrap_or_default(),
                provider: l.spec.provider.clone(),
                bucket: l.spec.object_storage.as_ref().map(|o| match &o.prefix {
                    Some(p) if !p.is_empty() => format!("{}/{p}", o.bucket),
                    _ => o.bucket.clone(),
                }),
                default: l.spec.default,
                phase: status.phase.unwrap_or_else(|| "Unknown".into()),
                message: status.message.filter(|m| !m.is_empty()),
                last_validated: unix(status.last_validation_time.as_deref()),
            }
        })
        .collect();
    out.sort_by(|a, b| (!a.default, &a.name).cmp(&(!b.default, &b.name)));
    out
}

/// Namespaces with persistent volume claims, and the schedules (not paused) that include them.
pub fn coverage(snap: &Snapshot) -> Vec<NamespaceCoverage> {
    let mut claims: BTreeMap<String, usize> = BTreeMap::new();
    for pvc in &snap.pvcs {
        if let Some(ns) = &pvc.metadata.namespace {
            *claims.entry(ns.clone()).or_default() += 1;
        }
    }
    let active: Vec<(String, Template)> = snap
        .schedules
        .iter()
        .filter(|s| !s.spec.paused)
        .map(|s| (s.metadata.name.clone().unwrap_or_default(), template(s)))
        .collect();
    claims
        .into_iter()
        .map(|(namespace, claims)| {
            let mut schedules: Vec<String> = active
                .iter()
                .filter(|(_, t)| {
                    includes(&t.included_namespaces, &t.excluded_namespaces, &namespace)
                })
                .map(|(name, _)| name.clone())
                .collect();
            schedules.sort();
            NamespaceCoverage {
                namespace,
                claims,
                schedules,
            }
        })
        .collect()
}

/// The last [`TIMELINE_DAYS`] days of backups: one row per schedule (in name order), then rows
/// for backups of schedules that no longer exist, then manual backups.
pub fn timeline(snap: &Snapshot) -> BackupTimeline {
    let to = snap.now;
    let from = to - TIMELINE_DAYS * DAY;
    let mut rows: BTreeMap<(u8, String), Vec<BackupSummary>> = BTreeMap::new();
    let schedules: BTreeSet<(String, String)> = snap
        .schedules
        .iter()
        .map(|s| {
            (
                s.metadata.namespace.clone().unwrap_or_default(),
                s.metadata.name.clone().unwrap_or_default(),
            )
        })
        .collect();
    for (_, name) in &schedules {
        rows.entry((0, name.clone())).or_default();
    }
    for b in &snap.backups {
        let b = summary(b);
        // No upper bound: a backup a few seconds "ahead" (clocks differ) belongs at the end.
        if b.started.is_none_or(|t| t < from) {
            continue;
        }
        let row = match &b.schedule {
            Some(s) if schedules.contains(&(b.namespace.clone(), s.clone())) => (0, s.clone()),
            Some(s) => (1, s.clone()),
            None => (2, "manual".to_string()),
        };
        rows.entry(row).or_default().push(b);
    }
    BackupTimeline {
        from,
        to,
        rows: rows
            .into_iter()
            .map(|((_, label), mut backups)| {
                backups.sort_by_key(|b| b.started);
                TimelineRow { label, backups }
            })
            .collect(),
    }
}

/// The Backups page, with the backup reasons of `health` (the summary of the same snapshot).
pub fn view(snap: &Snapshot, health: &HealthSummary) -> BackupsView {
    let reasons: Vec<(String, String)> = health
        .reasons
        .iter()
        .filter(|r| r.area == "backup")
        .map(|r| (r.subject.clone(), r.message.clone()))
        .collect();
    let mut schedules: Vec<ScheduleRow> = snap
        .schedules
        .iter()
        .map(|s| schedule_row(snap, s, &reasons))
        .collect();
    schedules.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let mut recent: Vec<BackupSummary> = snap.backups.iter().map(|b| summary(b)).collect();
    newest_first(&mut recent);
    recent.truncate(RECENT);
    BackupsView {
        now: snap.now,
        time_zone: snap.tz().iana_name().unwrap_or("UTC").to_string(),
        schedules,
        locations: locations(snap),
        coverage: coverage(snap),
        timeline: timeline(snap),
        recent,
        // Filled in by `super::drills::backups_page`, which reads this module's coverage.
        drills: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::demo::DEMO_NOW;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("a timestamp")
    }

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).expect("a known zone")
    }

    fn next(expression: &str, tz: &str, now: &str) -> String {
        CronSchedule::parse(expression, &zone(tz))
            .expect("parses")
            .next_after(at(now), None)
            .expect("a next run")
            .timestamp()
            .to_string()
    }

    #[test]
    fn the_next_run_of_an_hourly_schedule_is_the_next_full_hour() {
        assert_eq!(
            next("0 * * * *", "UTC", "2025-06-16T18:00:04Z"),
            "2025-06-16T19:00:00Z"
        );
        assert_eq!(
            next("@hourly", "UTC", "2025-06-16T18:59:59Z"),
            "2025-06-16T19:00:00Z"
        );
    }

    #[test]
    fn the_next_run_is_computed_in_the_cluster_time_zone() {
        // 03:00 in Chicago is 08:00 UTC in June (CDT, UTC-5).
        assert_eq!(
            next("0 3 * * *", "America/Chicago", "2025-06-16T18:00:00Z"),
            "2025-06-17T08:00:00Z"
        );
        // A schedule's own CRON_TZ wins over the configured zone.
        assert_eq!(
            next(
                "CRON_TZ=Europe/Berlin 0 3 * * *",
                "America/Chicago",
                "2025-06-16T18:00:00Z"
            ),
            "2025-06-17T01:00:00Z"
        );
    }

    #[test]
    fn a_daily_run_keeps_its_wall_clock_time_across_a_daylight_saving_change() {
        // Europe/Berlin springs forward on 2025-03-30 (02:00 CET becomes 03:00 CEST).
        let schedule = CronSchedule::parse("0 3 * * *", &zone("Europe/Berlin")).expect("parses");
        let before = schedule
            .next_after(at("2025-03-28T12:00:00Z"), None)
            .expect("next");
        let after = schedule.next_after(before.timestamp(), None).expect("next");
        assert_eq!(before.timestamp().to_string(), "2025-03-29T02:00:00Z");
        assert_eq!(after.timestamp().to_string(), "2025-03-30T01:00:00Z");
        assert_eq!(local_time(&before), "Sat 29 Mar 2025 03:00 CET");
        assert_eq!(local_time(&after), "Sun 30 Mar 2025 03:00 CEST");
        // Still 03:00 on the wall clock, so only 23 hours apart.
        assert_eq!(
            after.timestamp().as_second() - before.timestamp().as_second(),
            23 * 3_600
        );
    }

    #[test]
    fn a_run_inside_the_skipped_hour_happens_once_right_after_the_gap() {
        // 02:30 does not exist in Berlin on 2025-03-30: the run moves to 03:00 CEST, once.
        let schedule = CronSchedule::parse("30 2 * * *", &zone("Europe/Berlin")).expect("parses");
        let first = schedule
            .next_after(at("2025-03-29T12:00:00Z"), None)
            .expect("next");
        assert_eq!(local_time(&first), "Sun 30 Mar 2025 03:00 CEST");
        let second = schedule.next_after(first.timestamp(), None).expect("next");
        assert_eq!(local_time(&second), "Mon 31 Mar 2025 02:30 CEST");
    }

    #[test]
    fn a_run_inside_the_repeated_hour_happens_once() {
        // America/New_York falls back on 2025-11-02: 01:30 happens twice; the job runs once.
        let schedule =
            CronSchedule::parse("30 1 * * *", &zone("America/New_York")).expect("parses");
        let first = schedule
            .next_after(at("2025-11-01T12:00:00Z"), None)
            .expect("next");
        assert_eq!(first.timestamp().to_string(), "2025-11-02T05:30:00Z");
        let second = schedule.next_after(first.timestamp(), None).expect("next");
        assert_eq!(second.timestamp().to_string(), "2025-11-03T06:30:00Z");
    }

    #[test]
    fn an_invalid_cron_expression_is_an_error_message_not_a_panic() {
        for bad in [
            "",
            "every day",
            "61 * * * *",
            "0 0 * * * *",
            "@every soon",
            "CRON_TZ=Nowhere/Land 0 3 * * *",
        ] {
            let err = CronSchedule::parse(bad, &TimeZone::UTC).expect_err(bad);
            assert!(!err.is_empty(), "{bad:?}");
        }
        let err = CronSchedule::parse("CRON_TZ=Nowhere/Land 0 3 * * *", &TimeZone::UTC)
            .expect_err("unknown zone");
        assert!(err.contains("Nowhere/Land"), "{err}");
    }

    #[test]
    fn every_durations_run_one_interval_after_the_last_backup() {
        let schedule = CronSchedule::parse("@every 6h", &TimeZone::UTC).expect("parses");
        assert_eq!(schedule.words(), "Every 6 hours");
        assert_eq!(
            schedule.interval(at("2025-06-16T18:00:00Z")),
            Some(6 * 3_600)
        );
        let next = schedule
            .next_after(at("2025-06-16T18:00:00Z"), Some(at("2025-06-16T15:00:00Z")))
            .expect("next");
        assert_eq!(next.timestamp().to_string(), "2025-06-16T21:00:00Z");
    }

    #[test]
    fn the_interval_is_the_longest_gap_between_runs() {
        let now = at("2025-06-16T18:00:00Z");
        let interval = |e: &str| {
            CronSchedule::parse(e, &TimeZone::UTC)
                .expect("parses")
                .interval(now)
        };
        assert_eq!(interval("0 * * * *"), Some(3_600));
        assert_eq!(interval("0 4 * * 0"), Some(7 * DAY));
        assert_eq!(interval("0 3 * * 1-5"), Some(3 * DAY), "the weekend gap");
    }

    #[test]
    fn go_durations_and_their_words() {
        assert_eq!(parse_go_duration("72h0m0s"), Some(72 * 3_600));
        assert_eq!(parse_go_duration("1h30m"), Some(5_400));
        assert_eq!(parse_go_duration("1.5h"), Some(5_400));
        assert_eq!(parse_go_duration("soon"), None);
        assert_eq!(parse_go_duration("5x"), None);
        assert_eq!(duration_words(72 * 3_600), "3 days");
        assert_eq!(duration_words(2_160 * 3_600), "90 days");
        assert_eq!(duration_words(3_600), "1 hour");
        assert_eq!(duration_words(5_400), "90 minutes");
        assert_eq!(duration_words(15 * 3_600 + 60), "15 hours");
    }

    #[test]
    fn namespace_lists_follow_velero() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(includes(&v(&[]), &v(&[]), "media"));
        assert!(includes(&v(&["*"]), &v(&["kube-system"]), "media"));
        assert!(!includes(&v(&["*"]), &v(&["media"]), "media"));
        assert!(includes(&v(&["med*"]), &v(&[]), "media"));
        assert!(!includes(&v(&["ai"]), &v(&[]), "media"));
    }

    #[test]
    fn the_demo_schedules_show_next_runs_last_backups_and_their_warnings() {
        let snap = crate::cluster::views::fixtures::demo_snapshot();
        let view = view(&snap, &super::super::health::summary(&snap));
        assert_eq!(view.now, DEMO_NOW);
        let names: Vec<_> = view.schedules.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["daily-critical", "hourly-longhorn", "weekly-full"]);

        let hourly = &view.schedules[1];
        assert_eq!(
            hourly.next_run_local.as_deref(),
            Some("Mon 16 Jun 2025 19:00 UTC")
        );
        assert_eq!(hourly.ttl_words.as_deref(), Some("3 days"));
        assert_eq!(hourly.included_namespaces, ["media", "ai"]);
        assert_eq!(
            hourly.label_selector.as_deref(),
            Some("homelab.fletcherlabs.net/storage=longhorn")
        );
        let last = hourly.last_backup.as_ref().expect("a last backup");
        assert_eq!(last.phase, "InProgress");
        assert_eq!(
            (last.items_backed_up, last.total_items),
            (Some(412), Some(1050))
        );
        assert!(hourly.warnings.is_empty(), "{:?}", hourly.warnings);

        let daily = &view.schedules[0];
        assert_eq!(
            daily.next_run_local.as_deref(),
            Some("Tue 17 Jun 2025 03:00 UTC")
        );
        assert!(
            daily.warnings.is_empty(),
            "the failed one was followed by a completed one"
        );

        let weekly = &view.schedules[2];
        assert_eq!(
            weekly.last_backup.as_ref().map(|b| b.phase.as_str()),
            Some("PartiallyFailed")
        );
        assert!(weekly.last_completed.is_none());
        assert!(
            weekly
                .warnings
                .iter()
                .any(|w| w.contains("PartiallyFailed")),
            "{:?}",
            weekly.warnings
        );
        assert!(
            weekly.warnings.iter().any(|w| w.contains("has completed")),
            "never completed: {:?}",
            weekly.warnings
        );
    }

    #[test]
    fn the_demo_minio_location_is_unavailable_with_its_message() {
        let snap = crate::cluster::views::fixtures::demo_snapshot();
        let view = view(&snap, &super::super::health::summary(&snap));
        let names: Vec<_> = view.locations.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["b2", "minio"], "the default first");
        let minio = &view.locations[1];
        assert_eq!(minio.phase, "Unavailable");
        assert!(minio
            .message
            .as_deref()
            .is_some_and(|m| m.contains("0 drives provided")));
        assert!(minio.last_validated.is_some());
    }

    #[test]
    fn coverage_names_the_schedules_of_each_namespace_with_volumes() {
        let snap = crate::cluster::views::fixtures::demo_snapshot();
        let view = view(&snap, &super::super::health::summary(&snap));
        let media = view
            .coverage
            .iter()
            .find(|c| c.namespace == "media")
            .expect("media has claims");
        assert_eq!(
            media.schedules,
            ["daily-critical", "hourly-longhorn", "weekly-full"]
        );
        let monitoring = view
            .coverage
            .iter()
            .find(|c| c.namespace == "monitoring")
            .expect("monitoring has claims");
        assert_eq!(monitoring.schedules, ["daily-critical", "weekly-full"]);
    }

    #[test]
    fn a_namespace_no_schedule_includes_is_uncovered_and_paused_schedules_do_not_count() {
        let mut snap = crate::cluster::views::fixtures::demo_snapshot();
        snap.schedules
            .retain(|s| s.metadata.name.as_deref() == Some("hourly-longhorn"));
        let mut paused = (*snap.schedules[0]).clone();
        paused.metadata.name = Some("paused-all".into());
        paused.spec.paused = true;
        paused.spec.template = serde_json::json!({"includedNamespaces": ["*"]});
        snap.schedules.push(std::sync::Arc::new(paused));
        let coverage = coverage(&snap);
        let monitoring = coverage
            .iter()
            .find(|c| c.namespace == "monitoring")
            .expect("monitoring");
        assert!(monitoring.schedules.is_empty(), "{monitoring:?}");
    }

    #[test]
    fn the_timeline_holds_the_last_fourteen_days_per_schedule() {
        let t = timeline(&crate::cluster::views::fixtures::demo_snapshot());
        assert_eq!(t.to - t.from, 14 * DAY);
        let labels: Vec<_> = t.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["daily-critical", "hourly-longhorn", "weekly-full"]);
        assert_eq!(t.rows[1].backups.len(), 25);
        assert_eq!(t.rows[0].backups.len(), 4);
        assert!(t.rows[0].backups.iter().any(|b| b.phase == "Failed"));
        assert!(t.rows[1]
            .backups
            .windows(2)
            .all(|w| w[0].started <= w[1].started));
    }

    #[test]
    fn backups_older_than_the_window_and_manual_ones_get_their_own_place() {
        let mut snap = crate::cluster::views::fixtures::demo_snapshot();
        // The window now starts at 2025-06-16T00:00Z, in the middle of the hourly backups.
        snap.now += TIMELINE_DAYS * DAY - 18 * 3_600;
        let mut manual = (*snap.backups[0]).clone();
        manual.metadata.name = Some("before-upgrade".into());
        manual.metadata.labels = None;
        manual
            .status
            .get_or_insert_with(Default::default)
            .start_timestamp = Some("2025-06-20T10:00:00Z".into());
        snap.backups.push(std::sync::Arc::new(manual));
        let t = timeline(&snap);
        let hourly = t
            .rows
            .iter()
            .find(|r| r.label == "hourly-longhorn")
            .expect("row");
        assert_eq!(hourly.backups.len(), 19);
        let manual = t.rows.last().expect("rows");
        assert_eq!(manual.label, "manual");
        assert_eq!(manual.backups[0].name, "before-upgrade");
    }
}
