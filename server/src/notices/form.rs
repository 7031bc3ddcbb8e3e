//! The posted notice form: read from its fields and checked, each problem named with its field.
//! Pure; whether the AAR exists is asked by the handler.

use frontend::model::notices::NoticeForm;

use super::store::NewNotice;
use crate::aar::window::{self, MAX_DAYS};

/// The longest notice text: a Status page line, not an AAR.
pub const MAX_TEXT: usize = 500;

/// The form as posted (`services` may repeat).
pub fn read(fields: &[(String, String)]) -> NoticeForm {
    let one = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    NoticeForm {
        text: one("text"),
        services: fields
            .iter()
            .filter(|(k, v)| k == "services" && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect(),
        starts: one("starts"),
        ends: one("ends"),
        maintenance: !one("maintenance").is_empty(),
        aar: one("aar"),
    }
}

/// The notice the form describes, or every problem with it.
pub fn check(
    form: &NoticeForm,
    catalog: &[String],
    now: i64,
    created_by: &str,
) -> Result<NewNotice, Vec<(String, String)>> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| problems.push((field.to_owned(), message));
    let chars = form.text.chars().count();
    if chars == 0 {
        problem("text", "write what the family should know".into());
    } else if chars > MAX_TEXT {
        problem(
            "text",
            format!("at most {MAX_TEXT} characters ({chars} given)"),
        );
    }
    for s in &form.services {
        if !catalog.contains(s) {
            problem("services", format!("`{s}` is not a service of the catalog"));
        }
    }
    let time = |text: &str| window::parse_time(text);
    let starts = if form.starts.is_empty() {
        Some(now)
    } else {
        let t = time(&form.starts);
        if t.is_none() {
            problem(
                "starts",
                format!("`{}` is not a time (YYYY-MM-DDTHH:MM, UTC)", form.starts),
            );
        }
        t
    };
    let ends = if form.ends.is_empty() {
        problem("ends", "say when it ends".into());
        None
    } else {
        let t = time(&form.ends);
        if t.is_none() {
            problem(
                "ends",
                format!("`{}` is not a time (YYYY-MM-DDTHH:MM, UTC)", form.ends),
            );
        }
        t
    };
    if let (Some(s), Some(e)) = (starts, ends) {
        if e <= s {
            problem("ends", "must be after the start".into());
        } else if e <= now {
            problem("ends", "is in the past".into());
        } else if e - s > MAX_DAYS * 86_400 {
            problem("ends", format!("a notice holds at most {MAX_DAYS} days"));
        }
    }
    let aar_id = if form.aar.is_empty() {
        None
    } else {
        match form.aar.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                problem("aar", format!("`{}` is not an AAR number", form.aar));
                None
            }
        }
    };
    match (starts, ends) {
        (Some(starts_at), Some(ends_at)) if problems.is_empty() => Ok(NewNotice {
            text: form.text.clone(),
            services: form.services.clone(),
            starts_at,
            ends_at,
            maintenance: form.maintenance,
            aar_id,
            created_by: created_by.to_owned(),
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_750_096_800; // 2025-06-16T18:00:00Z

    fn form() -> NoticeForm {
        NoticeForm {
            text: "Plex moves to the new GPU node".into(),
            services: vec!["media/plex".into()],
            starts: "2025-06-16T18:30".into(),
            ends: "2025-06-16T20:00".into(),
            maintenance: true,
            aar: String::new(),
        }
    }

    fn catalog() -> Vec<String> {
        vec!["media/plex".into(), "media/jellyfin".into()]
    }

    fn problems(f: NoticeForm) -> Vec<(String, String)> {
        check(&f, &catalog(), NOW, "admin")
            .err()
            .unwrap_or_default()
    }

    #[test]
    fn a_good_form_is_a_notice_and_an_empty_start_is_now() {
        let n = check(&form(), &catalog(), NOW, "admin").unwrap();
        assert_eq!((n.starts_at, n.ends_at), (NOW + 1800, NOW + 7200));
        assert!(n.maintenance);
        let n = check(
            &NoticeForm {
                starts: String::new(),
                ..form()
            },
            &catalog(),
            NOW,
            "admin",
        )
        .unwrap();
        assert_eq!(n.starts_at, NOW);
    }

    #[test]
    fn each_bad_field_is_named_and_nothing_is_made() {
        let cases = [
            (
                NoticeForm {
                    text: " ".trim().into(),
                    ..form()
                },
                "text",
                "write what",
            ),
            (
                NoticeForm {
                    text: "x".repeat(501),
                    ..form()
                },
                "text",
                "at most 500 characters (501 given)",
            ),
            (
                NoticeForm {
                    services: vec!["media/nope".into()],
                    ..form()
                },
                "services",
                "`media/nope` is not a service",
            ),
            (
                NoticeForm {
                    starts: "tomorrow".into(),
                    ..form()
                },
                "starts",
                "`tomorrow` is not a time",
            ),
            (
                NoticeForm {
                    ends: String::new(),
                    ..form()
                },
                "ends",
                "say when it ends",
            ),
            (
                NoticeForm {
                    ends: "2025-06-16T18:00".into(),
                    ..form()
                },
                "ends",
                "must be after the start",
            ),
            (
                NoticeForm {
                    starts: "2025-06-16T10:00".into(),
                    ends: "2025-06-16T11:00".into(),
                    ..form()
                },
                "ends",
                "is in the past",
            ),
            (
                NoticeForm {
                    ends: "2025-08-16T18:00".into(),
                    ..form()
                },
                "ends",
                "at most 31 days",
            ),
            (
                NoticeForm {
                    aar: "first".into(),
                    ..form()
                },
                "aar",
                "`first` is not an AAR number",
            ),
        ];
        for (f, field, says) in cases {
            let p = problems(f);
            assert!(
                p.iter().any(|(k, m)| k == field && m.contains(says)),
                "{field}: {p:?}"
            );
        }
    }
}
