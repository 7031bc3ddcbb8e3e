//! The document's title: the object first, then its section, then the site ("Plex · Services ·
//! Homelab"), so that a phone's tab switcher, the history and a screen reader's page announcement
//! tell pages apart. Every page renders one; the error pages the server writes by hand
//! (`http::page::simple_page`) end the same way.

use leptos::prelude::*;
use leptos_meta::Title;

/// The site's name, last in every title.
pub const SITE: &str = "Homelab";

/// "Plex · Services · Homelab" from `["Plex", "Services"]`; empty parts are left out.
pub fn title_text(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .chain(std::iter::once(SITE))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Sets the title from the most specific part to the section.
#[component]
pub fn PageTitle(parts: Vec<String>) -> impl IntoView {
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    view! { <Title text=title_text(&parts)/> }
}

#[cfg(test)]
mod tests {
    use super::title_text;

    #[test]
    fn a_title_names_the_object_then_the_section_then_the_site() {
        assert_eq!(
            title_text(&["Plex", "Services"]),
            "Plex · Services · Homelab"
        );
        assert_eq!(title_text(&["Status"]), "Status · Homelab");
        // A missing object name does not leave a dangling separator.
        assert_eq!(title_text(&["", "Services"]), "Services · Homelab");
    }
}
