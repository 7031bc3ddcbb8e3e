//! The recorder's memory: each service's status and since when, and how far its time has been
//! added up. Pure: it turns observations into the rows to write, and the store writes them.

use std::collections::HashMap;

use frontend::model::ServiceStatus;

/// What is known of one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Current {
    /// The last status seen while the cluster was visible.
    pub status: ServiceStatus,
    /// Unix seconds since which it has had `status`.
    pub since: i64,
    /// Time up to here has been credited to the hourly rows.
    pub accounted_until: i64,
    /// What the time since `accounted_until` is credited as when it is added up: `status`, or
    /// Unknown while the cluster cannot be seen.
    pub accruing: ServiceStatus,
}

/// Time one service spent in one status, to add to its hourly rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credit {
    pub service: String,
    pub status: ServiceStatus,
    pub from: i64,
    pub to: i64,
}

/// What one observation changes; written in one transaction.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub credits: Vec<Credit>,
    /// Rows of `service_status` to insert or replace.
    pub current: Vec<(String, Current)>,
    /// Services no longer in the catalog: their `service_status` row goes, their history stays.
    pub removed: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.credits.is_empty() && self.current.is_empty() && self.removed.is_empty()
    }
}

#[derive(Debug, Default)]
pub struct Tracker {
    current: HashMap<String, Current>,
}

impl Tracker {
    /// Picks up where the last run stopped. The time the server was not running is not known,
    /// so it is not credited to anything: the bars show it as "no data".
    pub fn resume(saved: HashMap<String, Current>, now: i64) -> Self {
        let current = saved
            .into_iter()
            .map(|(id, c)| {
                let resumed = Current {
                    accounted_until: now.max(c.accounted_until),
                    accruing: c.status,
                    ..c
                };
                (id, resumed)
            })
            .collect();
        Tracker { current }
    }

    pub fn get(&self, id: &str) -> Option<&Current> {
        self.current.get(id)
    }

    pub fn all(&self) -> &HashMap<String, Current> {
        &self.current
    }

    /// Takes in the statuses seen at `now`. A change of status is recorded at once; time in an
    /// unchanged status is added up only when `flush` is set (the periodic checkpoint), so a busy
    /// cluster does not write on every pod event. `Unknown` (the cluster cannot be seen) is
    /// credited as such but does not end the last known status or reset its `since`.
    pub fn observe(&mut self, now: i64, seen: &[(String, ServiceStatus)], flush: bool) -> Changes {
        let mut changes = Changes::default();
        for (id, status) in seen {
            let Some(c) = self.current.get_mut(id) else {
                let fresh = Current {
                    status: *status,
                    since: now,
                    accounted_until: now,
                    accruing: *status,
                };
                self.current.insert(id.clone(), fresh.clone());
                changes.current.push((id.clone(), fresh));
                continue;
            };
            let status_changes = *status != ServiceStatus::Unknown && *status != c.status;
            if !(flush || status_changes || *status != c.accruing) {
                continue;
            }
            if now > c.accounted_until {
                changes.credits.push(Credit {
                    service: id.clone(),
                    status: c.accruing,
                    from: c.accounted_until,
                    to: now,
                });
            }
            c.accounted_until = c.accounted_until.max(now);
            c.accruing = *status;
            if status_changes {
                c.status = *status;
                c.since = now;
            }
            changes.current.push((id.clone(), c.clone()));
        }
        let gone: Vec<String> = self
            .current
            .keys()
            .filter(|id| !seen.iter().any(|(s, _)| s == *id))
            .cloned()
            .collect();
        for id in gone {
            if let Some(c) = self.current.remove(&id) {
                if now > c.accounted_until {
                    changes.credits.push(Credit {
                        service: id.clone(),
                        status: c.accruing,
                        from: c.accounted_until,
                        to: now,
                    });
                }
            }
            changes.removed.push(id);
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ServiceStatus::*;

    fn seen(list: &[(&str, ServiceStatus)]) -> Vec<(String, ServiceStatus)> {
        list.iter().map(|(id, s)| (id.to_string(), *s)).collect()
    }

    fn credit(service: &str, status: ServiceStatus, from: i64, to: i64) -> Credit {
        Credit {
            service: service.into(),
            status,
            from,
            to,
        }
    }

    #[test]
    fn a_new_service_starts_now_and_credits_nothing() {
        let mut t = Tracker::default();
        let c = t.observe(100, &seen(&[("media/plex", Up)]), false);
        assert!(c.credits.is_empty());
        assert_eq!(c.current.len(), 1);
        assert_eq!(t.get("media/plex").unwrap().since, 100);
    }

    #[test]
    fn unchanged_status_writes_only_on_flush() {
        let mut t = Tracker::default();
        t.observe(100, &seen(&[("media/plex", Up)]), false);
        assert!(t
            .observe(150, &seen(&[("media/plex", Up)]), false)
            .is_empty());
        let c = t.observe(160, &seen(&[("media/plex", Up)]), true);
        assert_eq!(c.credits, vec![credit("media/plex", Up, 100, 160)]);
        assert_eq!(t.get("media/plex").unwrap().since, 100, "since is kept");
    }

    #[test]
    fn a_change_credits_the_old_status_and_resets_since() {
        let mut t = Tracker::default();
        t.observe(100, &seen(&[("media/plex", Up)]), false);
        let c = t.observe(400, &seen(&[("media/plex", Down)]), false);
        assert_eq!(c.credits, vec![credit("media/plex", Up, 100, 400)]);
        let now = t.get("media/plex").unwrap();
        assert_eq!((now.status, now.since), (Down, 400));
    }

    #[test]
    fn an_unseen_cluster_is_credited_as_unknown_without_ending_the_status() {
        let mut t = Tracker::default();
        t.observe(100, &seen(&[("media/plex", Up)]), false);
        let c = t.observe(200, &seen(&[("media/plex", Unknown)]), false);
        assert_eq!(c.credits, vec![credit("media/plex", Up, 100, 200)]);
        let c = t.observe(500, &seen(&[("media/plex", Up)]), false);
        assert_eq!(c.credits, vec![credit("media/plex", Unknown, 200, 500)]);
        let now = t.get("media/plex").unwrap();
        assert_eq!((now.status, now.since), (Up, 100), "still up since 100");
    }

    #[test]
    fn a_removed_service_gets_its_last_time_and_is_dropped() {
        let mut t = Tracker::default();
        t.observe(100, &seen(&[("media/plex", Up), ("ai/ollama", Up)]), false);
        let c = t.observe(300, &seen(&[("media/plex", Up)]), false);
        assert_eq!(c.credits, vec![credit("ai/ollama", Up, 100, 300)]);
        assert_eq!(c.removed, vec!["ai/ollama".to_string()]);
        assert!(t.get("ai/ollama").is_none());
    }

    #[test]
    fn resuming_skips_the_time_the_server_was_stopped() {
        let saved = HashMap::from([(
            "media/plex".to_string(),
            Current {
                status: Up,
                since: 100,
                accounted_until: 200,
                accruing: Up,
            },
        )]);
        let mut t = Tracker::resume(saved, 1_000);
        let c = t.observe(1_060, &seen(&[("media/plex", Up)]), true);
        assert_eq!(c.credits, vec![credit("media/plex", Up, 1_000, 1_060)]);
        assert_eq!(t.get("media/plex").unwrap().since, 100);
    }
}
