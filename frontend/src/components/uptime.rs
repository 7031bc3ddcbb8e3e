//! A service's last seven days as one bar of hours, coloured by what mattered most in each hour,
//! with the uptime in words next to it (never by colour alone) and a title per day.

use leptos::prelude::*;

use crate::model::{HourState, ServiceHistory};

/// Width of one day in the bar; each day's hours share it.
const DAY: f64 = 24.0;
const GAP: f64 = 2.0;

/// "99.8% up", or why there is no figure.
pub fn uptime_words(permille: Option<u32>) -> String {
    match permille {
        Some(1000) => "100% up".to_string(),
        Some(p) => format!("{}.{}% up", p / 10, p % 10),
        None => "no data".to_string(),
    }
}

/// The period the figure covers, then the figure: "Last 7 days: 100% up", or "Since 19:13: 100%
/// up" when the recording began inside the seven days.
pub fn summary_words(history: &ServiceHistory) -> String {
    let uptime = uptime_words(history.uptime_permille);
    match &history.covers_from_label {
        Some(from) => format!("Since {from}: {uptime}"),
        None => format!("Last {} days: {uptime}", history.days.len()),
    }
}

/// Consecutive hours in one state, as (first hour, count, state).
fn runs(hours: &[HourState]) -> Vec<(usize, usize, HourState)> {
    let mut out: Vec<(usize, usize, HourState)> = Vec::new();
    for (i, h) in hours.iter().enumerate() {
        match out.last_mut() {
            Some((_, n, state)) if state == h => *n += 1,
            _ => out.push((i, 1, *h)),
        }
    }
    out
}

#[component]
pub fn UptimeBar(history: ServiceHistory) -> impl IntoView {
    let days = history.days.len();
    let width = days as f64 * (DAY + GAP);
    let summary = summary_words(&history);
    let groups = history
        .days
        .iter()
        .enumerate()
        .map(|(d, day)| {
            let x0 = d as f64 * (DAY + GAP);
            // A day always spans its full width; a DST day's 23 or 25 hours share it.
            let per_hour = DAY / (day.hours.len().max(24) as f64);
            let title = format!("{}: {}", day.label, uptime_words(day.uptime_permille));
            let rects = runs(&day.hours)
                .into_iter()
                .map(|(first, count, state)| {
                    view! {
                        <rect
                            class=format!("h-{}", state.as_str())
                            x=format!("{:.2}", x0 + first as f64 * per_hour)
                            y="0"
                            width=format!("{:.2}", count as f64 * per_hour)
                            height="10"
                        />
                    }
                })
                .collect_view();
            view! {
                <g>
                    <title>{title}</title>
                    <rect class="h-day" x=format!("{x0:.0}") y="0" width=format!("{DAY:.0}") height="10"/>
                    {rects}
                </g>
            }
        })
        .collect_view();
    view! {
        <div class="uptime" data-test="uptime">
            <svg viewBox=format!("0 0 {width:.0} 10") preserveAspectRatio="none" role="img" aria-label=summary.clone()>
                {groups}
            </svg>
            <span class="uptime-words" data-test="uptime-words">{summary}</span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_equal_neighbours() {
        use HourState::*;
        assert_eq!(
            runs(&[Up, Up, Down, Up]),
            vec![(0, 2, Up), (2, 1, Down), (3, 1, Up)]
        );
        assert!(runs(&[]).is_empty());
    }

    #[test]
    fn uptime_reads_in_tenths_of_a_percent() {
        assert_eq!(uptime_words(Some(998)), "99.8% up");
        assert_eq!(uptime_words(Some(1000)), "100% up");
        assert_eq!(uptime_words(None), "no data");
    }
}
