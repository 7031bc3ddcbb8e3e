//! The whole file: each `### AAR:` found and its end, its heading read into title and dates, its
//! metadata lines and sections split off and handed to `fields`; a second AAR of the same title
//! and date, or a file without any, refused.
//!
//! Long for its tests, which read the seed log (demo/aar-log.md) through [`parse`], as an import
//! does: AAR by AAR and field by field, and every refusal with its line.

use std::collections::HashMap;

use frontend::model::aar::AarContent;

use super::dates::parse_date_label;
use super::error::{err, ParseError};
use super::fields::{apply, is_meta, set_meta};
use super::sections::{aar_end, section_heading, Kind, Section};

/// Every AAR of `text`, in file order. Refuses the whole file at the first problem, and a file
/// without any AAR.
pub fn parse(text: &str) -> Result<Vec<AarContent>, ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut aars = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(heading) = lines[i].trim_end().strip_prefix("### AAR:") else {
            i += 1;
            continue;
        };
        let start = i;
        let end = aar_end(&lines, start + 1);
        let content = parse_aar(heading.trim(), start + 1, &lines[start + 1..end], start + 2)?;
        let key = (content.title.clone(), content.incident_date.clone());
        if let Some(first) = seen.insert(key, start + 1) {
            return Err(err(
                start + 1,
                format!(
                    "a second AAR titled \"{}\" on {} (the first is at line {first})",
                    content.title, content.incident_date
                ),
            ));
        }
        aars.push(content);
        i = end;
    }
    if aars.is_empty() {
        return Err(err(
            1,
            "no AAR found: each starts with a line `### AAR: Title (June 14, 2025)`",
        ));
    }
    Ok(aars)
}

fn parse_aar(
    heading: &str,
    heading_line: usize,
    lines: &[&str],
    first_line: usize,
) -> Result<AarContent, ParseError> {
    let mut aar = AarContent::default();
    parse_heading(heading, heading_line, &mut aar)?;

    // Split into the metadata lines before the first section, and sections.
    let mut sections: Vec<Section> = Vec::new();
    let mut fenced = false;
    for (offset, raw) in lines.iter().enumerate() {
        let n = first_line + offset;
        let line = raw.trim_end();
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        let top_level = !fenced && !line.starts_with(' ') && !line.starts_with('\t');
        if top_level && !line.trim_start().starts_with("```") {
            if let Some((label, rest)) = section_heading(line) {
                // Metadata only before the first section; later the same label is a section.
                if sections.is_empty() && line.starts_with("**") && is_meta(&label) {
                    set_meta(&mut aar, &label, &rest, n)?;
                } else {
                    sections.push(Section {
                        heading: label,
                        line: n,
                        inline: rest,
                        body: Vec::new(),
                    });
                }
                continue;
            }
        }
        match sections.last_mut() {
            Some(section) => section.body.push((n, line)),
            None if line.trim().is_empty() => {}
            None => {
                return Err(err(
                    n,
                    "text before the first section: sections start with a bold heading such as \
                     `**1. What Happened:**`",
                ))
            }
        }
    }

    let mut filled: HashMap<&'static str, usize> = HashMap::new();
    for section in sections {
        let kind = Kind::of(&section.heading);
        if let Some(slot) = kind.slot() {
            if let Some(first) = filled.insert(slot, section.line) {
                return Err(err(
                    section.line,
                    format!("a second {slot} section in this AAR (the first is at line {first})"),
                ));
            }
        }
        apply(&mut aar, kind, section)?;
    }
    Ok(aar)
}

fn parse_heading(heading: &str, line: usize, aar: &mut AarContent) -> Result<(), ParseError> {
    let (title, date) = heading
        .strip_suffix(')')
        .and_then(|h| h.rsplit_once('('))
        .ok_or_else(|| {
            err(
                line,
                "an AAR heading needs the incident date in parentheses at its end, e.g. \
                 `### AAR: Gateway TLS (June 14, 2025)`",
            )
        })?;
    let title = title.trim();
    if title.is_empty() {
        return Err(err(line, "the AAR heading has no title"));
    }
    aar.title = title.to_owned();
    let (start, end, time_of_day) = parse_date_label(date.trim()).map_err(|r| err(line, r))?;
    aar.incident_date = start;
    aar.incident_end = end;
    aar.time_of_day = time_of_day;
    Ok(())
}

#[cfg(test)]
mod tests {
    use frontend::model::aar::{AarStatus, ActionItem, ItemStatus, Priority};

    use super::*;

    const SEED: &str = include_str!("../../../demo/aar-log.md");

    fn by_title<'a>(aars: &'a [AarContent], title: &str) -> &'a AarContent {
        aars.iter()
            .find(|a| a.title == title)
            .unwrap_or_else(|| panic!("no AAR {title}"))
    }

    fn action(
        text: &str,
        owner: Option<&str>,
        priority: Option<Priority>,
        status: ItemStatus,
    ) -> ActionItem {
        ActionItem {
            text: text.into(),
            owner: owner.map(str::to_owned),
            priority,
            status,
            due: None,
            done_on: None,
        }
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_seed_log_yields_its_eight_aars_in_order() {
        let aars = parse(SEED).unwrap();
        let titles: Vec<_> = aars.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "k3s1 Networking Failure",
                "Gateway HTTPS/TLS Resolution",
                "Longhorn CSI Complete Failure",
                "Monitoring Alerts Implementation",
                "Prometheus External Access Configuration",
                "OAuth2-Proxy Deployment",
                "OAuth2-Proxy DNS Resolution",
                "DCGM Exporter Debugging",
            ]
        );
    }

    #[test]
    fn k3s1_networking_failure_field_by_field() {
        let aars = parse(SEED).unwrap();
        let a = by_title(&aars, "k3s1 Networking Failure");
        assert_eq!(a.incident_date, "2025-06-14");
        assert_eq!(
            (a.incident_end.as_deref(), a.time_of_day.as_deref()),
            (None, None)
        );
        assert_eq!(a.severity, None);
        assert_eq!(a.status, AarStatus::Draft);
        assert!(a
            .summary
            .starts_with("Node k3s1 lost connectivity to cluster services"));
        assert!(a
            .summary
            .ends_with("misdiagnosed as K3s v1.32.5 CSI driver bug."));
        let timeline: Vec<_> = a
            .timeline
            .iter()
            .map(|e| (e.when.as_str(), e.text.as_str()))
            .collect();
        assert_eq!(
            timeline,
            [
                ("", "Detection: Longhorn pods in CrashLoopBackOff with \"context deadline exceeded\""),
                ("", "Initial diagnosis: Assumed CSI driver incompatibility"),
                ("", "Investigation: Discovered all nodes had CSI drivers registered"),
                ("", "Root cause found: k3s1 networking issue"),
                ("", "Resolution: Cordoned k3s1, allowed self-recovery, verified with canary pod"),
            ]
        );
        assert_eq!(
            a.direct_cause,
            "Network service failure on k3s1 (specific trigger unknown)"
        );
        assert_eq!(
            a.contributing_factors,
            strings(&[
                "Lack of node-level network monitoring",
                "CSI error messages masked underlying network issue"
            ])
        );
        assert_eq!(
            a.went_well,
            strings(&[
                "Node isolation prevented cluster-wide impact",
                "Discovered and fixed unrelated issues (MinIO secrets, VSL config)"
            ])
        );
        assert_eq!(
            a.could_improve,
            strings(&[
                "Started with application layer (CSI) instead of network layer",
                "No automated alerting for node network health"
            ])
        );
        assert_eq!(
            a.action_items,
            [
                action(
                    "Investigate k3s1 logs for root cause",
                    Some("AI Team"),
                    Some(Priority::P1),
                    ItemStatus::Open
                ),
                action(
                    "Create node network health monitoring",
                    Some("AI Team"),
                    Some(Priority::P2),
                    ItemStatus::Open
                ),
                action(
                    "Update troubleshooting guides to check connectivity first",
                    Some("AI Team"),
                    None,
                    ItemStatus::Done
                ),
            ]
        );
        assert_eq!(
            a.lessons,
            strings(&[
                "Always verify Layer 3/4 connectivity before debugging application protocols",
                "Node-specific issues can present as cluster-wide symptoms"
            ])
        );
        assert!(a.extra_sections.is_empty());
    }

    #[test]
    fn gateway_tls_keeps_its_configuration_section_verbatim() {
        let aars = parse(SEED).unwrap();
        let a = by_title(&aars, "Gateway HTTPS/TLS Resolution");
        assert_eq!(a.incident_date, "2025-06-14");
        assert!(a.summary.starts_with("HTTPS services were inaccessible"));
        assert!(a.timeline.is_empty());
        assert_eq!(
            a.direct_cause,
            "Cilium Gateway API configuration missing required features"
        );
        assert_eq!(
            a.contributing_factors,
            strings(&["Gateway API requirements not fully documented"])
        );
        assert_eq!(a.extra_sections.len(), 1);
        assert_eq!(a.extra_sections[0].heading, "Configuration Changes");
        let body = &a.extra_sections[0].body;
        assert!(
            body.starts_with("```yaml\n# Required for Gateway API HTTP/2 and gRPC support\n"),
            "{body}"
        );
        assert!(body.ends_with("enable-gateway-api-app-protocol: \"true\" # Enables backend protocol selection\n```"), "{body}");
        assert_eq!(
            a.lessons,
            strings(&[
                "Gateway API requires specific Cilium features for full functionality",
                "ALPN is mandatory for proper HTTP/2 and gRPC support"
            ])
        );
        assert!(a.action_items.is_empty() && a.went_well.is_empty());
    }

    #[test]
    fn longhorn_csi_failure_field_by_field() {
        let aars = parse(SEED).unwrap();
        let a = by_title(&aars, "Longhorn CSI Complete Failure");
        assert_eq!(a.incident_date, "2025-06-15");
        assert_eq!(a.summary, "Longhorn storage system completely failed after kubelet path changes. 24-hour outage with complete data loss.");
        let timeline: Vec<_> = a
            .timeline
            .iter()
            .map(|e| (e.when.as_str(), e.text.as_str()))
            .collect();
        assert_eq!(
            timeline,
            [
                (
                    "June 14 AM",
                    "Day shift changed kubelet paths from K3s default to standard"
                ),
                (
                    "June 14 PM",
                    "CSI drivers stopped functioning, volumes inaccessible"
                ),
                (
                    "June 15 Early AM",
                    "Nuclear cleanup approach decided after recovery attempts failed"
                ),
                (
                    "June 15 AM",
                    "Fresh Longhorn v1.6.2 installed with correct paths"
                ),
            ]
        );
        assert_eq!(
            a.direct_cause,
            "Kubelet path change broke CSI socket connections"
        );
        assert_eq!(
            a.contributing_factors,
            strings(&[
                "No documentation of K3s-specific requirements",
                "No testing before infrastructure changes",
                "Admission webhooks prevented cleanup"
            ])
        );
        assert_eq!(a.went_well.len(), 3);
        assert_eq!(
            a.could_improve[2],
            "Monitoring didn't catch CSI registration failures"
        );
        assert_eq!(
            a.action_items,
            [
                action(
                    "Migrate monitoring to Longhorn storage",
                    None,
                    Some(Priority::P0),
                    ItemStatus::Open
                ),
                action(
                    "Configure Velero backups immediately",
                    None,
                    Some(Priority::P0),
                    ItemStatus::Open
                ),
                action(
                    "Implement SOPS encryption",
                    None,
                    Some(Priority::P1),
                    ItemStatus::Open
                ),
            ]
        );
        assert_eq!(a.lessons[0], "K3s uses `/var/lib/rancher/k3s/agent/kubelet` - NEVER change without storage migration");
        assert_eq!(a.lessons.len(), 3);
        assert_eq!(a.extra_sections.len(), 1);
        assert_eq!(a.extra_sections[0].heading, "Full Details");
        assert!(a.extra_sections[0]
            .body
            .starts_with("See [LONGHORN-INCIDENT-POSTMORTEM-2025-06-15.md]"));
    }

    #[test]
    fn dated_spans_times_of_day_and_one_sided_sections() {
        let aars = parse(SEED).unwrap();
        let night = by_title(&aars, "OAuth2-Proxy Deployment");
        assert_eq!(night.incident_date, "2025-06-15");
        assert_eq!(night.incident_end.as_deref(), Some("2025-06-16"));
        assert_eq!(night.time_of_day.as_deref(), Some("Night"));
        assert_eq!(night.timeline[1].when, "Initial Deploy");
        assert_eq!(night.extra_sections[0].heading, "Technical Issues Resolved");
        assert_eq!(
            night.action_items[1],
            action(
                "Complete Authentik setup IMMEDIATELY",
                None,
                Some(Priority::P0),
                ItemStatus::Open
            )
        );

        let alerts = by_title(&aars, "Monitoring Alerts Implementation");
        assert_eq!(alerts.time_of_day.as_deref(), Some("Evening"));
        assert_eq!(alerts.timeline[0].when, "Evening");
        assert_eq!(alerts.timeline[1].when, "");
        assert_eq!(alerts.went_well.len(), 4);
        assert_eq!(alerts.action_items.len(), 2);
        assert_eq!(
            alerts.lessons,
            strings(&["Proactive monitoring prevents catastrophic failures"])
        );

        let dns = by_title(&aars, "OAuth2-Proxy DNS Resolution");
        assert_eq!(dns.time_of_day.as_deref(), Some("Early Morning"));
        assert_eq!(dns.direct_cause, "Classic DNS hairpin/NAT loopback issue");
        assert_eq!(
            dns.contributing_factors,
            strings(&[
                "Cluster DNS doesn't resolve external domains internally",
                "**Impact:** Blocked OAuth2-Proxy from performing OIDC discovery"
            ])
        );
        assert_eq!(dns.action_items[1].priority, Some(Priority::P3));

        let dcgm = by_title(&aars, "DCGM Exporter Debugging");
        assert_eq!(
            dcgm.action_items[0],
            action(
                "Monitor pod startup after image pull completes",
                Some("Next shift"),
                None,
                ItemStatus::Open
            )
        );
    }

    fn refused(text: &str) -> ParseError {
        parse(text).expect_err("should be refused")
    }

    #[test]
    fn malformed_files_are_refused_with_the_line_and_reason() {
        let e = refused("# Notes\n\nnothing here\n");
        assert_eq!(e.line, 1);
        assert!(e.reason.contains("no AAR found"), "{e}");

        let e = refused("### AAR: No date\n\n**1. What Happened:** x\n");
        assert_eq!(e.line, 1);
        assert!(e.reason.contains("date in parentheses"), "{e}");

        let e = refused("### AAR: Bad date (Juno 40, 2025)\n");
        assert!(e.reason.contains("is not a date"), "{e}");

        let e =
            refused("### AAR: Ok (June 14, 2025)\n\n**1. Timeline:**\n- fine\nnot a list item\n");
        assert_eq!(e.line, 5);
        assert!(e.reason.contains("Timeline takes list items"), "{e}");

        let e = refused("### AAR: Ok (June 14, 2025)\n\n**1. Action Items:**\n- **Action:** Do it (Priority: P7)\n");
        assert_eq!(e.line, 4);
        assert!(e.reason.contains("priority `P7`"), "{e}");

        let e = refused("### AAR: Ok (June 14, 2025)\n**Severity:** huge\n");
        assert_eq!(e.line, 2);

        let e = refused(
            "### AAR: Ok (June 14, 2025)\n\n**Window:** 2025-06-14T20:00 to 2025-06-14T19:00 UTC\n",
        );
        assert_eq!(e.line, 3);
        assert!(e.reason.contains("after its start"), "{e}");

        let e = refused("### AAR: Twice (June 14, 2025)\n\n### AAR: Twice (June 14, 2025)\n");
        assert_eq!(e.line, 3);
        assert!(e.reason.contains("first is at line 1"), "{e}");

        let e = refused("### AAR: Review (June 14, 2025)\n**1. What Went Well / What Could Be Improved:**\n- unmarked\n");
        assert_eq!(e.line, 3);

        let e = refused("### AAR: Two timelines (June 14, 2025)\n**1. Timeline:**\n- a\n**2. Timeline:**\n- b\n");
        assert_eq!(e.line, 4);
        assert!(e.reason.contains("second Timeline"), "{e}");
    }
}
