//! The words of a message: one per audience for a group of changes. Family members hear of
//! their services working or not, in plain words; admins hear of everything, each with a link
//! to where to look. Pure.

use serde_json::json;

use super::debounce::{Change, Seen};
use frontend::model::Audience;

/// One message, ready to queue for a target.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub title: String,
    pub body: String,
    pub link: String,
    /// The webhook body: the words under the names Home Assistant, Discord (`content`), Slack
    /// (`text`) and Gotify (`title`, `message`) read, and the changes themselves.
    pub payload: serde_json::Value,
}

/// Whether a service's status means it can be used: degraded still plays.
fn works(state: &str) -> bool {
    matches!(state, "up" | "degraded")
}

/// A family member's sentence about a service, or None when nothing changed for them.
fn family_line(c: &Change) -> Option<String> {
    if !c.to.family || !c.key().starts_with("service:") {
        return None;
    }
    if works(&c.from.state) == works(&c.to.state) {
        return None;
    }
    let name = display_name(&c.to);
    Some(match c.to.state.as_str() {
        "up" | "degraded" => format!("{name} is back up."),
        "scaled_to_zero" => format!("{name} is switched off for now."),
        _ => format!("{name} is down."),
    })
}

fn display_name(s: &Seen) -> &str {
    &s.name
}

/// An admin's line: what, now, and what it was.
fn admin_line(c: &Change) -> String {
    let area = c.key().split(':').next().unwrap_or_default();
    if c.key().starts_with("service:") {
        let verb = if c.resolved() { "Resolved: " } else { "" };
        format!(
            "{verb}{} is {} (was {})",
            c.to.subject, c.to.words, c.from.words
        )
    } else if c.resolved() {
        format!("Resolved ({area}): {}: {}", c.to.subject, c.to.words)
    } else {
        format!("Problem ({area}): {}: {}", c.to.subject, c.to.words)
    }
}

fn absolute(public_url: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        path.to_owned()
    } else {
        format!("{}{path}", public_url.trim_end_matches('/'))
    }
}

/// The webhook body: the words under each receiver's field names, and the changes.
fn payload(
    title: &str,
    body: &str,
    audience: &str,
    link: &str,
    changes: Vec<serde_json::Value>,
) -> serde_json::Value {
    json!({
        "title": title,
        "message": body,
        "text": format!("{title}\n{body}"),
        "content": format!("**{title}**\n{body}"),
        "audience": audience,
        "link": link,
        "changes": changes,
    })
}

/// The message `audience`'s targets get for `changes`, or None when none concerns them.
pub fn compose(audience: Audience, changes: &[Change], public_url: &str) -> Option<Message> {
    let (lines, links): (Vec<String>, Vec<String>) = match audience {
        Audience::Family => changes
            .iter()
            .filter_map(|c| family_line(c).map(|l| (l, absolute(public_url, "/status"))))
            .unzip(),
        Audience::Admin => changes
            .iter()
            .map(|c| (admin_line(c), absolute(public_url, &c.to.link)))
            .unzip(),
    };
    if lines.is_empty() {
        return None;
    }
    let title = match (audience, lines.len()) {
        (_, 1) => lines[0].trim_end_matches('.').to_owned(),
        (Audience::Family, n) => format!("{n} services changed"),
        (Audience::Admin, n) => {
            let resolved = changes.iter().filter(|c| c.resolved()).count();
            format!("Homelab: {n} changes, {resolved} resolved")
        }
    };
    let body = match audience {
        Audience::Family => lines.join("\n"),
        Audience::Admin => lines
            .iter()
            .zip(&links)
            .map(|(line, link)| format!("{line}\n{link}"))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let link = if lines.len() == 1 {
        links[0].clone()
    } else if audience == Audience::Family {
        absolute(public_url, "/status")
    } else {
        absolute(public_url, "/")
    };
    let listed: Vec<serde_json::Value> = match audience {
        Audience::Family => changes
            .iter()
            .filter(|c| family_line(c).is_some())
            .map(|c| {
                json!({
                    "service": display_name(&c.to),
                    "works": works(&c.to.state),
                    "resolved": c.resolved(),
                })
            })
            .collect(),
        Audience::Admin => changes
            .iter()
            .zip(&links)
            .map(|(c, link)| {
                json!({
                    "key": c.key(),
                    "subject": c.to.subject,
                    "from": c.from.state,
                    "to": c.to.state,
                    "words": c.to.words,
                    "resolved": c.resolved(),
                    "link": link,
                })
            })
            .collect(),
    };
    let audience = match audience {
        Audience::Family => "family",
        Audience::Admin => "admin",
    };
    let payload = payload(&title, &body, audience, &link, listed);
    Some(Message {
        title,
        body,
        link,
        payload,
    })
}

/// The message of "send test".
pub fn test(target: &str, public_url: &str) -> Message {
    let title = "Test from the homelab control plane".to_owned();
    let body = format!("If you read this, `{target}` receives the homelab's notifications.");
    let link = absolute(public_url, "/notifications");
    let payload = payload(&title, &body, "test", &link, Vec::new());
    Message {
        title,
        body,
        link,
        payload,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str, state: &str, words: &str, family: bool) -> Seen {
        Seen {
            key: format!("service:media/{name}"),
            state: state.into(),
            ok: state == "up",
            subject: format!("media/{name}"),
            name: format!("{}{}", name[..1].to_uppercase(), &name[1..]),
            words: words.into(),
            link: format!("/incidents/services/media/{name}"),
            family,
        }
    }

    fn change(from: Seen, to: Seen) -> Change {
        Change { from, to }
    }

    const URL: &str = "https://homelab.example.net";

    #[test]
    fn family_members_hear_of_their_service_in_plain_words_and_admins_get_a_link() {
        let off = change(
            service("jellyfin", "up", "Up", true),
            service("jellyfin", "scaled_to_zero", "Scaled to zero", true),
        );
        let family = compose(Audience::Family, std::slice::from_ref(&off), URL).unwrap();
        assert_eq!(family.title, "Jellyfin is switched off for now");
        assert_eq!(family.body, "Jellyfin is switched off for now.");
        assert_eq!(family.link, "https://homelab.example.net/status");
        let admin = compose(Audience::Admin, &[off], URL).unwrap();
        assert_eq!(admin.title, "media/jellyfin is Scaled to zero (was Up)");
        assert!(admin
            .body
            .contains("https://homelab.example.net/incidents/services/media/jellyfin"));
        assert_eq!(admin.payload["changes"][0]["to"], "scaled_to_zero");
        assert_eq!(
            admin.payload["content"],
            format!("**{}**\n{}", admin.title, admin.body)
        );
    }

    #[test]
    fn family_members_hear_nothing_of_admin_services_or_of_degraded_that_still_plays() {
        let grafana = change(
            service("grafana", "up", "Up", false),
            service("grafana", "down", "Down", false),
        );
        let slow = change(
            service("plex", "up", "Up", true),
            service("plex", "degraded", "Degraded", true),
        );
        assert!(compose(Audience::Family, &[grafana.clone(), slow.clone()], URL).is_none());
        let admin = compose(Audience::Admin, &[grafana, slow], URL).unwrap();
        assert_eq!(admin.title, "Homelab: 2 changes, 0 resolved");
        assert_eq!(admin.link, "https://homelab.example.net/");
    }

    #[test]
    fn a_recovery_is_resolved_for_both_audiences() {
        let back = change(
            service("jellyfin", "scaled_to_zero", "Scaled to zero", true),
            service("jellyfin", "up", "Up", true),
        );
        let family = compose(Audience::Family, std::slice::from_ref(&back), URL).unwrap();
        assert_eq!(family.body, "Jellyfin is back up.");
        let admin = compose(Audience::Admin, &[back], URL).unwrap();
        assert!(
            admin.title.starts_with("Resolved: media/jellyfin is Up"),
            "{}",
            admin.title
        );
        assert_eq!(admin.payload["changes"][0]["resolved"], true);
    }
}
