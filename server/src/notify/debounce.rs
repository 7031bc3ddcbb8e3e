//! What to announce: each subject's last announced state against what is seen now. A new state
//! is announced only once it has held for the debounce time (a rollout's minute of Degraded is
//! not an outage); going back before that announces nothing. Pure: the caller stores the result.

use std::collections::HashMap;

/// A subject as seen now: every service of the catalog, and every problem the health summary
/// names (a node, a volume, a backup). A problem that is not seen is over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// `service:media/plex`, `node:k3s1`, `storage:pv-x`, `backup:Schedule velero/daily`.
    pub key: String,
    /// A service's status (`up`, `down`, …), or [`PROBLEM`] / [`OK`].
    pub state: String,
    /// Whether the state is a good one (a service up, a problem gone).
    pub ok: bool,
    /// How admin messages name the subject: `media/plex`, `k3s1`.
    pub subject: String,
    /// How family messages name it: the catalog's name (`Plex`).
    pub name: String,
    /// What is wrong (or right), in the views' words.
    pub words: String,
    /// Its page, as a path.
    pub link: String,
    /// A family service: its up and down also go to family targets.
    pub family: bool,
}

/// The state of a problem the health summary names.
pub const PROBLEM: &str = "problem";
/// The state of a problem no longer named.
pub const OK: &str = "ok";

/// What was last announced about a subject (a row of `notify_state`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announced {
    pub seen: Seen,
    /// Unix seconds it was announced (or first seen, for a baseline).
    pub since: i64,
}

/// One change to tell people about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub from: Seen,
    pub to: Seen,
}

impl Change {
    pub fn key(&self) -> &str {
        &self.to.key
    }

    /// Back to a good state.
    pub fn resolved(&self) -> bool {
        self.to.ok
    }
}

/// What one observation leads to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Changes that held for the debounce time: to send, then store.
    pub changes: Vec<Change>,
    /// Rows to store without sending: the first sight of a service, or of everything on a
    /// fresh database.
    pub baseline: Vec<Announced>,
    /// Rows to delete without sending: services gone from the catalog.
    pub forget: Vec<String>,
}

struct Entry {
    announced: Announced,
    /// A different state seen since (unix seconds), not yet held long enough.
    pending: Option<(Seen, i64)>,
}

pub struct Tracker {
    entries: HashMap<String, Entry>,
    /// Nothing was ever announced: the first observation is taken as it is, not as news.
    fresh: bool,
}

impl Tracker {
    /// Resumes from the stored rows; with none, the first observation is the baseline.
    pub fn resume(saved: Vec<Announced>) -> Self {
        let fresh = saved.is_empty();
        let entries = saved
            .into_iter()
            .map(|a| {
                (
                    a.seen.key.clone(),
                    Entry {
                        announced: a,
                        pending: None,
                    },
                )
            })
            .collect();
        Tracker { entries, fresh }
    }

    /// What is announced now, by key.
    pub fn announced(&self, key: &str) -> Option<&Announced> {
        self.entries.get(key).map(|e| &e.announced)
    }

    /// Takes in what is seen at `now`. Subjects for which `quiet` holds (a maintenance window)
    /// are left as they are: nothing becomes due for them, and after the window a state that
    /// still holds is debounced afresh.
    pub fn observe(
        &mut self,
        now: i64,
        seen: &[Seen],
        debounce: i64,
        quiet: impl Fn(&str) -> bool,
    ) -> Outcome {
        let mut out = Outcome::default();
        if std::mem::take(&mut self.fresh) {
            for s in seen {
                let a = Announced {
                    seen: s.clone(),
                    since: now,
                };
                self.entries.insert(
                    s.key.clone(),
                    Entry {
                        announced: a.clone(),
                        pending: None,
                    },
                );
                out.baseline.push(a);
            }
            return out;
        }
        // Problems no longer named are seen as over, in the words they were announced in.
        let mut all: Vec<Seen> = seen.to_vec();
        for (key, e) in &self.entries {
            if seen.iter().any(|s| &s.key == key) {
                continue;
            }
            if key.starts_with("service:") {
                out.forget.push(key.clone());
            } else {
                all.push(Seen {
                    state: OK.into(),
                    ok: true,
                    ..e.announced.seen.clone()
                });
            }
        }
        for key in &out.forget {
            self.entries.remove(key);
        }
        for s in all {
            let Some(entry) = self.entries.get_mut(&s.key) else {
                if s.key.starts_with("service:") {
                    let a = Announced {
                        seen: s.clone(),
                        since: now,
                    };
                    self.entries.insert(
                        s.key.clone(),
                        Entry {
                            announced: a.clone(),
                            pending: None,
                        },
                    );
                    out.baseline.push(a);
                } else {
                    // A new problem: it was fine until now.
                    let fine = Seen {
                        state: OK.into(),
                        ok: true,
                        ..s.clone()
                    };
                    self.entries.insert(
                        s.key.clone(),
                        Entry {
                            announced: Announced {
                                seen: fine,
                                since: now,
                            },
                            pending: Some((s, now)),
                        },
                    );
                }
                continue;
            };
            if quiet(&s.key) || s.state == entry.announced.seen.state {
                entry.pending = None;
                continue;
            }
            let since = match &entry.pending {
                Some((p, since)) if p.state == s.state => *since,
                _ => now,
            };
            if now - since >= debounce {
                out.changes.push(Change {
                    from: entry.announced.seen.clone(),
                    to: s.clone(),
                });
                entry.announced = Announced {
                    seen: s,
                    since: now,
                };
                entry.pending = None;
            } else {
                entry.pending = Some((s, since));
            }
        }
        // A problem announced over, and not pending again, needs no memory.
        self.entries.retain(|key, e| {
            key.starts_with("service:") || !e.announced.seen.ok || e.pending.is_some()
        });
        out.changes.sort_by(|a, b| a.key().cmp(b.key()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str, state: &str) -> Seen {
        Seen {
            key: format!("service:media/{name}"),
            state: state.into(),
            ok: state == "up",
            subject: format!("media/{name}"),
            name: name.into(),
            words: state.into(),
            link: format!("/services/media/{name}"),
            family: true,
        }
    }

    fn problem(key: &str) -> Seen {
        Seen {
            key: key.into(),
            state: PROBLEM.into(),
            ok: false,
            subject: key.into(),
            name: key.into(),
            words: "NotReady".into(),
            link: "/topology".into(),
            family: false,
        }
    }

    fn never(_: &str) -> bool {
        false
    }

    fn changed(out: &Outcome) -> Vec<(String, String, String)> {
        out.changes
            .iter()
            .map(|c| (c.key().to_owned(), c.from.state.clone(), c.to.state.clone()))
            .collect()
    }

    #[test]
    fn a_fresh_database_takes_the_first_sight_as_it_is_and_sends_nothing() {
        let mut t = Tracker::resume(vec![]);
        let out = t.observe(
            0,
            &[service("plex", "down"), problem("node:k3s1")],
            60,
            never,
        );
        assert!(out.changes.is_empty());
        assert_eq!(out.baseline.len(), 2);
        let out = t.observe(
            500,
            &[service("plex", "down"), problem("node:k3s1")],
            60,
            never,
        );
        assert_eq!(out, Outcome::default());
    }

    #[test]
    fn a_status_is_announced_once_it_held_for_the_debounce_time() {
        let mut t = Tracker::resume(vec![]);
        t.observe(0, &[service("jellyfin", "up")], 60, never);
        assert!(t
            .observe(10, &[service("jellyfin", "scaled_to_zero")], 60, never)
            .changes
            .is_empty());
        assert!(t
            .observe(69, &[service("jellyfin", "scaled_to_zero")], 60, never)
            .changes
            .is_empty());
        let out = t.observe(70, &[service("jellyfin", "scaled_to_zero")], 60, never);
        assert_eq!(
            changed(&out),
            [(
                "service:media/jellyfin".into(),
                "up".into(),
                "scaled_to_zero".into()
            )]
        );
        assert!(t
            .observe(71, &[service("jellyfin", "scaled_to_zero")], 60, never)
            .changes
            .is_empty());
        t.observe(100, &[service("jellyfin", "up")], 60, never);
        let out = t.observe(160, &[service("jellyfin", "up")], 60, never);
        assert!(out.changes[0].resolved());
    }

    #[test]
    fn going_back_within_the_debounce_time_announces_nothing() {
        let mut t = Tracker::resume(vec![]);
        t.observe(0, &[service("plex", "up")], 60, never);
        t.observe(10, &[service("plex", "degraded")], 60, never);
        t.observe(40, &[service("plex", "up")], 60, never);
        // Degraded again: the clock starts over.
        t.observe(50, &[service("plex", "degraded")], 60, never);
        assert!(t
            .observe(100, &[service("plex", "degraded")], 60, never)
            .changes
            .is_empty());
        assert_eq!(
            t.observe(110, &[service("plex", "degraded")], 60, never)
                .changes
                .len(),
            1
        );
    }

    #[test]
    fn a_problem_is_announced_when_named_and_resolved_when_no_longer_named() {
        let mut t = Tracker::resume(vec![]);
        t.observe(0, &[], 30, never);
        t.observe(1, &[problem("node:k3s1")], 30, never);
        let out = t.observe(31, &[problem("node:k3s1")], 30, never);
        assert_eq!(
            changed(&out),
            [("node:k3s1".into(), OK.into(), PROBLEM.into())]
        );
        t.observe(40, &[], 30, never);
        let out = t.observe(70, &[], 30, never);
        assert_eq!(
            changed(&out),
            [("node:k3s1".into(), PROBLEM.into(), OK.into())]
        );
        assert_eq!(
            out.changes[0].to.words, "NotReady",
            "resolved in the words it was announced in"
        );
        assert!(
            t.announced("node:k3s1").is_none(),
            "nothing kept once it is over"
        );
    }

    #[test]
    fn a_restart_compares_with_what_was_sent() {
        let saved = vec![Announced {
            seen: service("jellyfin", "scaled_to_zero"),
            since: 5,
        }];
        let mut t = Tracker::resume(saved);
        // Still scaled to zero: nothing again.
        assert_eq!(
            t.observe(100, &[service("jellyfin", "scaled_to_zero")], 10, never),
            Outcome::default()
        );
        t.observe(101, &[service("jellyfin", "up")], 10, never);
        assert_eq!(
            t.observe(111, &[service("jellyfin", "up")], 10, never)
                .changes
                .len(),
            1
        );
    }

    #[test]
    fn a_quiet_subject_becomes_due_only_after_its_window() {
        let mut t = Tracker::resume(vec![]);
        t.observe(0, &[service("plex", "up")], 10, never);
        let quiet = |k: &str| k == "service:media/plex";
        t.observe(1, &[service("plex", "down")], 10, quiet);
        assert!(t
            .observe(50, &[service("plex", "down")], 10, quiet)
            .changes
            .is_empty());
        // The window is over and Plex is still down: debounced from now.
        assert!(t
            .observe(60, &[service("plex", "down")], 10, never)
            .changes
            .is_empty());
        assert_eq!(
            t.observe(70, &[service("plex", "down")], 10, never)
                .changes
                .len(),
            1
        );
    }

    #[test]
    fn a_service_gone_from_the_catalog_is_forgotten_and_a_new_one_is_a_baseline() {
        let mut t = Tracker::resume(vec![]);
        t.observe(0, &[service("plex", "up")], 10, never);
        let out = t.observe(5, &[service("sonarr", "down")], 10, never);
        assert_eq!(out.forget, ["service:media/plex"]);
        assert_eq!(out.baseline.len(), 1);
        assert!(t
            .observe(50, &[service("sonarr", "down")], 10, never)
            .changes
            .is_empty());
    }
}
