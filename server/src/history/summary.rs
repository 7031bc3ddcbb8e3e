//! From hourly rows to what the Status page draws: seven local days of hours, each with the state
//! that mattered most in it, and the uptime over them. Pure, so it is tested with fixtures.

use std::collections::HashMap;

use frontend::model::{DayHistory, HourState, ServiceHistory, ServiceStatus};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// Days the bar covers, today included.
pub const DAYS: usize = 7;

/// An outage shorter than this does not colour its hour.
const NOTICEABLE_SECS: i64 = 60;

/// Seconds spent in each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateSeconds {
    pub up: i64,
    pub degraded: i64,
    pub down: i64,
    pub off: i64,
    pub unknown: i64,
}

impl StateSeconds {
    pub fn of(status: ServiceStatus, secs: i64) -> Self {
        let mut s = StateSeconds::default();
        match status {
            ServiceStatus::Up => s.up = secs,
            ServiceStatus::Degraded => s.degraded = secs,
            ServiceStatus::Down => s.down = secs,
            ServiceStatus::ScaledToZero => s.off = secs,
            ServiceStatus::Unknown => s.unknown = secs,
        }
        s
    }

    pub fn add(&mut self, other: StateSeconds) {
        self.up += other.up;
        self.degraded += other.degraded;
        self.down += other.down;
        self.off += other.off;
        self.unknown += other.unknown;
    }

    /// The hour's colour: an outage of a minute or more shows even in an otherwise good hour,
    /// since that is what "was it up last night?" asks about; otherwise whatever filled most of
    /// it.
    pub fn state(&self) -> HourState {
        if self.down >= NOTICEABLE_SECS {
            return HourState::Down;
        }
        if self.degraded >= NOTICEABLE_SECS {
            return HourState::Degraded;
        }
        let candidates = [
            (self.up, HourState::Up),
            (self.off, HourState::Off),
            (self.down, HourState::Down),
            (self.degraded, HourState::Degraded),
            (self.unknown, HourState::NoData),
        ];
        candidates
            .into_iter()
            .filter(|(secs, _)| *secs > 0)
            .max_by_key(|(secs, _)| *secs)
            .map(|(_, state)| state)
            .unwrap_or(HourState::NoData)
    }

    /// Seconds accounted for in any status.
    pub fn total(&self) -> i64 {
        self.up + self.degraded + self.down + self.off + self.unknown
    }

    /// Up time over the time the service was meant to run (not scaled to zero, and seen).
    pub fn uptime_permille(&self) -> Option<u32> {
        let meant = self.up + self.degraded + self.down;
        (meant > 0).then(|| ((self.up * 1000) / meant) as u32)
    }
}

/// Builds one service's history from its hourly rows (hour start → seconds), for the seven local
/// days ending at `now`.
pub fn history(
    hourly: &HashMap<i64, StateSeconds>,
    since: Option<i64>,
    now: Timestamp,
    tz: &TimeZone,
) -> ServiceHistory {
    let today = now.to_zoned(tz.clone()).date();
    let mut window_start = None;
    let mut total = StateSeconds::default();
    let mut days = Vec::with_capacity(DAYS);
    for back in (0..DAYS as i64).rev() {
        let Ok(date) = today.checked_sub(back.days()) else {
            continue;
        };
        let (Ok(start), Ok(end)) = (
            date.to_zoned(tz.clone()).and_then(|z| z.start_of_day()),
            date.tomorrow()
                .and_then(|d| d.to_zoned(tz.clone()))
                .and_then(|z| z.start_of_day()),
        ) else {
            continue;
        };
        let (start, end) = (start.timestamp().as_second(), end.timestamp().as_second());
        window_start.get_or_insert(start);
        let mut day = StateSeconds::default();
        let mut hours = Vec::with_capacity(25);
        let mut hour = start;
        while hour < end && hour <= now.as_second() {
            // Rows are keyed on UTC hours; in a zone with a half-hour offset a local hour takes
            // the row it starts in.
            let secs = hourly
                .get(&(hour - hour.rem_euclid(3600)))
                .copied()
                .unwrap_or_default();
            day.add(secs);
            hours.push(secs.state());
            hour += 3600;
        }
        total.add(day);
        days.push(DayHistory {
            label: date.strftime("%a %-d %b").to_string(),
            hours,
            uptime_permille: day.uptime_permille(),
        });
    }
    let since_label = since.and_then(|s| Timestamp::from_second(s).ok()).map(|t| {
        t.to_zoned(tz.clone())
            .strftime("%a %-d %b %H:%M")
            .to_string()
    });
    let covers_from_label = window_start
        .and_then(|start| covers_from(hourly, start, now.as_second()))
        .and_then(|from| Timestamp::from_second(from).ok())
        .map(|from| {
            let from = from.to_zoned(tz.clone());
            let format = if from.date() == today {
                "%H:%M"
            } else {
                "%a %-d %b %H:%M"
            };
            from.strftime(format).to_string()
        });
    ServiceHistory {
        status: None,
        since,
        since_label,
        days,
        uptime_permille: total.uptime_permille(),
        covers_from_label,
    }
}

/// When the data in `[window_start, now]` begins, if later than the window's first hour: a fresh
/// install has minutes of data, and "Last 7 days: 100% up" would claim a week. Within its first
/// hour the data is taken to run up to the hour's end (or to `now` in the current hour), so the
/// start is that end less the seconds recorded.
fn covers_from(hourly: &HashMap<i64, StateSeconds>, window_start: i64, now: i64) -> Option<i64> {
    let first_hour = window_start - window_start.rem_euclid(3600);
    let (&hour, secs) = hourly
        .iter()
        .filter(|&(&h, s)| h >= first_hour && h <= now && s.total() > 0)
        .min_by_key(|&(&h, _)| h)?;
    if hour <= first_hour {
        return None;
    }
    let end = (hour + 3600).min(now);
    Some((end - secs.total()).clamp(hour, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn hour(s: &str) -> i64 {
        ts(s).as_second()
    }

    #[test]
    fn a_quiet_week_is_seven_green_days() {
        let now = ts("2025-06-16T18:30:00Z");
        let mut rows = HashMap::new();
        let mut h = hour("2025-06-10T00:00:00Z");
        while h <= now.as_second() {
            rows.insert(h, StateSeconds::of(ServiceStatus::Up, 3600));
            h += 3600;
        }
        let out = history(&rows, Some(1), now, &TimeZone::UTC);
        assert_eq!(out.days.len(), 7);
        assert_eq!(out.days[0].label, "Tue 10 Jun");
        assert_eq!(out.days[6].label, "Mon 16 Jun");
        assert_eq!(out.days[0].hours.len(), 24);
        assert_eq!(out.days[6].hours.len(), 19, "today up to the current hour");
        assert!(out
            .days
            .iter()
            .flat_map(|d| &d.hours)
            .all(|h| *h == HourState::Up));
        assert_eq!(out.uptime_permille, Some(1000));
    }

    #[test]
    fn a_night_outage_shows_in_its_hours_and_the_uptime() {
        let now = ts("2025-06-16T12:00:00Z");
        let mut rows = HashMap::new();
        rows.insert(
            hour("2025-06-16T02:00:00Z"),
            StateSeconds::of(ServiceStatus::Down, 3600),
        );
        // Mostly up, but down for five minutes: the hour shows the outage.
        let mut mixed = StateSeconds::of(ServiceStatus::Up, 3300);
        mixed.add(StateSeconds::of(ServiceStatus::Down, 300));
        rows.insert(hour("2025-06-16T03:00:00Z"), mixed);
        // Down for 20 seconds: not worth a red hour.
        let mut blip = StateSeconds::of(ServiceStatus::Up, 3580);
        blip.add(StateSeconds::of(ServiceStatus::Down, 20));
        rows.insert(hour("2025-06-16T04:00:00Z"), blip);
        rows.insert(
            hour("2025-06-16T05:00:00Z"),
            StateSeconds::of(ServiceStatus::Up, 3600),
        );
        let out = history(&rows, None, now, &TimeZone::UTC);
        let today = &out.days[6];
        assert_eq!(today.hours[1], HourState::NoData);
        assert_eq!(today.hours[2], HourState::Down);
        assert_eq!(today.hours[3], HourState::Down);
        assert_eq!(today.hours[4], HourState::Up);
        assert_eq!(today.hours[5], HourState::Up);
        // 3300 + 3580 + 3600 up of 14400 meant to run.
        assert_eq!(today.uptime_permille, Some(727));
        assert_eq!(out.days[0].uptime_permille, None, "no data that day");
    }

    #[test]
    fn minutes_of_data_say_when_they_begin_and_a_full_week_does_not() {
        let now = ts("2025-06-16T19:20:00Z");
        let mut rows = HashMap::new();
        // Recording began at 19:13: seven minutes in the current hour.
        rows.insert(
            hour("2025-06-16T19:00:00Z"),
            StateSeconds::of(ServiceStatus::Up, 420),
        );
        let out = history(&rows, Some(1), now, &TimeZone::UTC);
        assert_eq!(out.covers_from_label.as_deref(), Some("19:13"));
        assert_eq!(out.uptime_permille, Some(1000));

        // Began two days ago at 08:45: the day is named.
        rows.insert(
            hour("2025-06-14T08:00:00Z"),
            StateSeconds::of(ServiceStatus::Up, 900),
        );
        let out = history(&rows, Some(1), now, &TimeZone::UTC);
        assert_eq!(out.covers_from_label.as_deref(), Some("Sat 14 Jun 08:45"));

        // Data from the window's first hour: the whole week is covered.
        rows.insert(
            hour("2025-06-10T00:00:00Z"),
            StateSeconds::of(ServiceStatus::Up, 3600),
        );
        let out = history(&rows, Some(1), now, &TimeZone::UTC);
        assert_eq!(out.covers_from_label, None);
    }

    #[test]
    fn scaled_to_zero_does_not_count_against_uptime() {
        let s = StateSeconds {
            up: 3600,
            off: 7200,
            ..Default::default()
        };
        assert_eq!(s.uptime_permille(), Some(1000));
        assert_eq!(
            StateSeconds::of(ServiceStatus::ScaledToZero, 3600).uptime_permille(),
            None
        );
        assert_eq!(
            StateSeconds::of(ServiceStatus::ScaledToZero, 3600).state(),
            HourState::Off
        );
    }

    #[test]
    fn local_days_follow_the_time_zone_and_its_dst_change() {
        let tz = TimeZone::get("America/Chicago").unwrap();
        // Chicago moved its clocks forward on Sunday 9 March 2025: that day has 23 hours.
        let now = ts("2025-03-10T12:00:00Z");
        let out = history(&HashMap::new(), None, now, &tz);
        let change = out.days.iter().find(|d| d.label == "Sun 9 Mar").unwrap();
        assert_eq!(change.hours.len(), 23);
        let before = out.days.iter().find(|d| d.label == "Sat 8 Mar").unwrap();
        assert_eq!(before.hours.len(), 24);
        // The last day is the local date of `now` (07:00 in Chicago, on daylight time now), up
        // to and including the current hour.
        assert_eq!(out.days[6].label, "Mon 10 Mar");
        assert_eq!(out.days[6].hours.len(), 8);
    }
}
