//! Which fields a save changed, in words, for the revision history.

use frontend::model::aar::AarContent;

/// The fields that differ between `old` and `new`, comma-separated; None when nothing did.
pub fn changes(old: &AarContent, new: &AarContent) -> Option<String> {
    let mut changed: Vec<&str> = Vec::new();
    let mut check = |differs: bool, name: &'static str| {
        if differs {
            changed.push(name);
        }
    };
    check(old.title != new.title, "title");
    check(
        old.incident_date != new.incident_date
            || old.incident_end != new.incident_end
            || old.time_of_day != new.time_of_day,
        "incident date",
    );
    check(old.severity != new.severity, "severity");
    check(old.status != new.status, "status");
    check(old.summary != new.summary, "summary");
    check(old.timeline != new.timeline, "timeline");
    check(
        old.direct_cause != new.direct_cause
            || old.contributing_factors != new.contributing_factors,
        "root cause",
    );
    check(old.went_well != new.went_well, "went well");
    check(old.could_improve != new.could_improve, "could improve");
    check(old.lessons != new.lessons, "lessons");
    check(old.action_items != new.action_items, "action items");
    check(old.extra_sections != new.extra_sections, "other sections");
    check(old.tags != new.tags, "tags");
    check(old.services != new.services, "services");
    check(
        old.window_start != new.window_start || old.window_end != new.window_end,
        "incident window",
    );
    check(old.evidence != new.evidence, "evidence");
    (!changed.is_empty()).then(|| changed.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_content_has_no_changes_and_each_field_is_named() {
        let old = AarContent::default();
        assert_eq!(changes(&old, &old.clone()), None);
        let mut new = old.clone();
        new.summary = "x".into();
        new.tags = vec!["dns".into()];
        assert_eq!(changes(&old, &new).as_deref(), Some("summary, tags"));
    }
}
