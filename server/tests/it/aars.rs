//! The AAR pages over HTTP, as a browser without JavaScript uses them: admins only, forms with
//! field-level messages, a refused concurrent save, import whole or not at all, search, the
//! open-items page and export.

use reqwest::StatusCode;

use crate::support::{config, dev_signed_in as signed_in, location, TestApp};

const SEED: &str = include_str!("../../demo/aar-log.md");

async fn start() -> (tempfile::TempDir, TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start(config(dir.path())).await.unwrap();
    (dir, app)
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// A complete new-AAR form with two action items.
pub(crate) fn new_aar<'a>(csrf: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("title", title),
        ("incident_date", "2025-06-20"),
        ("severity", "high"),
        ("status", "draft"),
        ("summary", "Jellyfin could not reach its **NFS** share."),
        (
            "timeline",
            "- **09:10**: Playback failed with stale file handles\n- **09:30**: Remounted the share",
        ),
        ("direct_cause", "The NFS server restarted"),
        ("tags", "storage, nfs"),
        ("services", "jellyfin, r730"),
        ("item_text.0", "Alert on stale NFS handles"),
        ("item_priority.0", "P1"),
        ("item_status.0", "open"),
        ("item_text.1", "Document the remount"),
        ("item_priority.1", "P3"),
        ("item_status.1", "open"),
    ]
}

#[tokio::test]
async fn family_members_get_403_on_every_aar_page_and_post() {
    let (_dir, app) = start().await;
    let family = signed_in(&app, "viewer").await;
    for path in [
        "/aars",
        "/aars/new",
        "/aars/open-items",
        "/aars/import",
        "/aars/1",
        "/aars/export",
    ] {
        assert_eq!(
            family.get(path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let csrf = family.csrf("/").await;
    let response = family
        .post_form("/aars/new", &new_aar(&csrf, "Family was here"))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = family
        .post_form("/aars/import", &[("csrf", &csrf), ("markdown", SEED)])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "aars").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn an_admin_creates_an_aar_and_finds_it_by_a_word_of_its_timeline() {
    let (_dir, app) = start().await;
    let admin = signed_in(&app, "admin").await;
    let csrf = admin.csrf("/aars/new").await;
    let response = admin
        .post_form("/aars/new", &new_aar(&csrf, "NFS stale handles"))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let detail = location(&response);
    let page = admin.get(&detail).await.text().await.unwrap();
    assert!(page.contains("NFS stale handles"), "{page}");
    assert!(page.contains("<strong>NFS</strong>"), "{page}");
    assert_eq!(page.matches("data-test=\"action-item\"").count(), 2);

    let search = admin.get("/aars?q=remounted").await.text().await.unwrap();
    assert_eq!(
        search.matches("data-test=\"aar-hit\"").count(),
        1,
        "{search}"
    );
    assert!(search.contains("<mark>Remounted</mark>"), "{search}");
    let filtered = admin
        .get("/aars?severity=high&tag=nfs&service=jellyfin&open=1")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(filtered.matches("data-test=\"aar-row\"").count(), 1);
    let none = admin.get("/aars?severity=low").await.text().await.unwrap();
    assert_eq!(none.matches("data-test=\"aar-row\"").count(), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_refused_form_comes_back_as_typed_with_a_message_per_field() {
    let (_dir, app) = start().await;
    let admin = signed_in(&app, "admin").await;
    let csrf = admin.csrf("/aars/new").await;
    let mut fields = new_aar(&csrf, "");
    fields.push(("item_owner.2", "Sam"));
    fields.retain(|(k, _)| *k != "incident_date");
    fields.push(("incident_date", "2025-13-01"));
    let response = admin.post_form("/aars/new", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    for field in ["title", "incident_date", "item_text.2"] {
        assert!(
            page.contains(&format!("data-field=\"{field}\"")),
            "no message for {field}: {page}"
        );
    }
    assert!(page.contains("A title is required."));
    // What was typed is still there.
    assert!(page.contains("Alert on stale NFS handles"));
    assert!(page.contains("Jellyfin could not reach its **NFS** share."));
    assert_eq!(count(&app, "aars").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_second_save_of_the_same_version_is_refused_and_overwrites_nothing() {
    let (_dir, app) = start().await;
    let alice = signed_in(&app, "admin").await;
    let csrf = alice.csrf("/aars/new").await;
    let created = alice
        .post_form("/aars/new", &new_aar(&csrf, "Concurrent edits"))
        .await;
    let edit = format!("{}/edit", location(&created).trim_end_matches("?saved=1"));
    let bob = signed_in(&app, "admin").await;
    let bob_csrf = bob.csrf(&edit).await;
    let form = alice.get(&edit).await.text().await.unwrap();
    assert!(form.contains("name=\"version\" value=\"1\""), "{form}");

    let mut first = new_aar(&csrf, "Concurrent edits");
    first.push(("version", "1"));
    first.retain(|(k, _)| *k != "summary");
    first.push(("summary", "Alice's summary"));
    assert_eq!(
        alice.post_form(&edit, &first).await.status(),
        StatusCode::SEE_OTHER
    );

    let mut second = new_aar(&bob_csrf, "Concurrent edits");
    second.push(("version", "1"));
    second.retain(|(k, _)| *k != "summary");
    second.push(("summary", "Bob's summary"));
    let refused = bob.post_form(&edit, &second).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let page = refused.text().await.unwrap();
    assert!(page.contains("data-test=\"conflict\""), "{page}");
    assert!(page.contains("your changes were not saved"), "{page}");
    assert_eq!(textarea_value(&page, "summary"), "Bob's summary");
    // The form is now based on the current version: saving again is a deliberate choice.
    assert!(page.contains("name=\"version\" value=\"2\""), "{page}");

    let detail = alice
        .get(edit.trim_end_matches("/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains("Alice&#x27;s summary") || detail.contains("Alice's summary"));
    assert_eq!(detail.matches("data-test=\"revision\"").count(), 2);
    // The first version can still be read as it was.
    let v1 = alice
        .get(&format!("{}/revisions/1", edit.trim_end_matches("/edit")))
        .await;
    assert_eq!(v1.status(), StatusCode::OK);
    let v1 = v1.text().await.unwrap();
    assert!(v1.contains("data-test=\"old-revision\""), "{v1}");
    assert!(v1.contains("<strong>NFS</strong> share"), "{v1}");
    assert!(
        !v1.contains("data-test=\"mark-done\""),
        "old versions are read-only: {v1}"
    );
    app.stop().await;
}

#[tokio::test]
async fn importing_the_log_twice_changes_nothing_and_a_broken_file_writes_nothing() {
    let (_dir, app) = start().await;
    let admin = signed_in(&app, "admin").await;
    let csrf = admin.csrf("/aars/import").await;

    let mut broken = SEED.to_owned();
    broken
        .push_str("\n### AAR: Broken (June 17, 2025)\n\n**1. Timeline:**\n- ok\nnot a list item\n");
    let response = admin
        .post_form("/aars/import", &[("csrf", &csrf), ("markdown", &broken)])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    let line = broken.lines().count();
    assert!(page.contains(&format!("Line {line}:")), "{page}");
    assert!(page.contains("Nothing was imported"), "{page}");
    for table in ["aars", "aar_action_items", "aar_revisions", "aar_fts"] {
        assert_eq!(count(&app, table).await, 0, "{table}");
    }

    let first = admin
        .post_form("/aars/import", &[("csrf", &csrf), ("markdown", SEED)])
        .await;
    assert_eq!(location(&first), "/aars?imported=8,0,0");
    let revisions = count(&app, "aar_revisions").await;
    let second = admin
        .post_form("/aars/import", &[("csrf", &csrf), ("markdown", SEED)])
        .await;
    assert_eq!(location(&second), "/aars?imported=0,0,8");
    assert_eq!(count(&app, "aars").await, 8);
    assert_eq!(count(&app, "aar_revisions").await, revisions);
    let list = admin
        .get("/aars?imported=0,0,8")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("0 new, 0 updated, 8 unchanged"), "{list}");

    // Export, then import of the export: the same AARs, still nothing new.
    let export = admin.get("/aars/export").await.text().await.unwrap();
    let again = admin
        .post_form("/aars/import", &[("csrf", &csrf), ("markdown", &export)])
        .await;
    assert_eq!(location(&again), "/aars?imported=0,0,8");
    app.stop().await;
}

#[tokio::test]
async fn an_uploaded_file_is_imported_whole_or_refused_with_its_line_and_reason() {
    let (_dir, app) = start().await;
    let admin = signed_in(&app, "admin").await;
    let csrf = admin.csrf("/aars/import").await;
    let page = admin.get("/aars/import").await.text().await.unwrap();
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    let upload = |fields: Vec<(&'static str, String)>, file: Option<(&'static str, Vec<u8>)>| {
        let admin = admin.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let file = file.as_ref().map(|(n, b)| (*n, b.as_slice()));
            admin
                .post_multipart("/aars/import/file", &fields, "file", file)
                .await
        }
    };
    let token = || vec![("csrf", csrf.clone())];

    // Without the CSRF token in the form: refused before anything is read.
    let response = upload(vec![], Some(("log.md", SEED.as_bytes().to_vec()))).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let mut broken = SEED.to_owned();
    broken
        .push_str("\n### AAR: Broken (June 17, 2025)\n\n**1. Timeline:**\n- ok\nnot a list item\n");
    let response = upload(token(), Some(("broken.md", broken.clone().into_bytes()))).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    let line = broken.lines().count();
    assert!(page.contains(&format!("broken.md: Line {line}:")), "{page}");
    assert_eq!(count(&app, "aars").await, 0);

    let too_large = vec![b'a'; 513 * 1024];
    let response = upload(token(), Some(("huge.md", too_large))).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = response.text().await.unwrap();
    assert!(page.contains("huge.md is larger than 512 KB"), "{page}");

    let response = upload(token(), Some(("binary.md", vec![b'#', 0xff, 0xfe]))).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("is not UTF-8 text (byte 2"));
    let response = upload(token(), Some(("empty.md", Vec::new()))).await;
    assert!(response.text().await.unwrap().contains("empty.md is empty"));
    let response = upload(token(), None).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Choose a Markdown file"));
    assert_eq!(count(&app, "aars").await, 0);

    // Windows line ends and a byte-order mark, as editors write them, import the same.
    let windows = format!("\u{feff}{}", SEED.replace('\n', "\r\n"));
    let response = upload(token(), Some(("CLUSTER-SETUP.md", windows.into_bytes()))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/aars?imported=8,0,0");
    let again = upload(token(), Some(("log.md", SEED.as_bytes().to_vec()))).await;
    assert_eq!(location(&again), "/aars?imported=0,0,8");
    app.stop().await;
}

#[tokio::test]
async fn an_action_item_edited_inline_is_saved_as_a_version_or_refused_as_json() {
    let (_dir, app) = start().await;
    let admin = signed_in(&app, "admin").await;
    let csrf = admin.csrf("/aars/new").await;
    let created = admin
        .post_form("/aars/new", &new_aar(&csrf, "Inline items"))
        .await;
    let detail = location(&created);
    let id: i64 = detail
        .trim_start_matches("/aars/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // Without WASM the island's HTML is the plain buttons, and the page carries its id and
    // version, where the island reads them.
    let page = admin.get(&detail).await.text().await.unwrap();
    assert_eq!(
        page.matches("data-test=\"item-editor\"").count(),
        2,
        "{page}"
    );
    assert_eq!(page.matches("data-test=\"mark-done\"").count(), 2, "{page}");
    assert!(
        page.contains(&format!(
            "id=\"aar-version\" data-aar=\"{id}\" data-version=\"1\""
        )),
        "{page}"
    );

    let post = |fields: Vec<(&'static str, String)>, token: Option<String>| {
        let admin = admin.clone();
        let url = app.url(&format!("/aars/{id}/items/0/inline"));
        async move {
            let mut request = admin
                .http
                .post(url)
                .header(reqwest::header::ORIGIN, admin.origin())
                .form(&fields);
            if let Some(token) = token {
                request = request.header("x-csrf-token", token);
            }
            request.send().await.unwrap()
        }
    };
    let edit = |version: i64, status: &str, due: &str| {
        vec![
            ("version", version.to_string()),
            ("status", status.to_owned()),
            ("priority", "P0".to_owned()),
            ("owner", "Sam".to_owned()),
            ("due", due.to_owned()),
        ]
    };
    let token = Some(csrf.clone());

    let response = post(edit(1, "done", "2025-07-01"), None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "no CSRF token");

    let response = post(edit(1, "done", "2025-07-01"), token.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let reply: serde_json::Value = response.json().await.unwrap();
    assert_eq!(reply["saved"], true);
    assert_eq!(reply["version"], 2);
    assert_eq!(reply["item"]["owner"], "Sam");
    assert_eq!(reply["item"]["status"], "done");
    assert!(!reply["item"]["done_on"].as_str().unwrap().is_empty());

    let response = post(edit(2, "done", "next week"), token.clone()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let reply: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        (reply["saved"].as_bool(), reply["field"].as_str()),
        (Some(false), Some("due"))
    );
    assert_eq!(reply["message"], "A date like 2025-07-01, or empty.");

    let response = post(edit(1, "open", ""), token.clone()).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let reply: serde_json::Value = response.json().await.unwrap();
    let message = reply["message"].as_str().unwrap();
    assert!(
        message.contains("version 2") && message.contains("Reload"),
        "{message}"
    );

    let aar = homelab::db::aar::get(&app.state.db, id).await.unwrap();
    assert_eq!(aar.version, 2);
    let item = &aar.content.action_items[0];
    assert_eq!(item.owner.as_deref(), Some("Sam"));
    assert_eq!(item.due.as_deref(), Some("2025-07-01"));
    assert_eq!(item.status.as_str(), "done");
    // The page after a reload shows it, with the new version for the next save.
    let page = admin.get(&detail).await.text().await.unwrap();
    assert!(page.contains("data-status=\"done\""), "{page}");
    assert!(
        page.contains(&format!(
            "id=\"aar-version\" data-aar=\"{id}\" data-version=\"2\""
        )),
        "{page}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_done_action_item_leaves_the_open_items_page() {
    let (_dir, app) = start().await;
    let admin = signed_in(&app, "admin").await;
    let csrf = admin.csrf("/aars/new").await;
    admin
        .post_form("/aars/new", &new_aar(&csrf, "Open items"))
        .await;
    let open = admin.get("/aars/open-items").await.text().await.unwrap();
    assert_eq!(open.matches("data-test=\"open-item\"").count(), 2);
    // P1 before P3.
    assert!(open.find("Alert on stale NFS handles") < open.find("Document the remount"));
    let aar_id: i64 = sqlx::query_scalar("select id from aars")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let done = admin
        .post_form(
            &format!("/aars/{aar_id}/items/0"),
            &[
                ("csrf", &csrf),
                ("status", "done"),
                ("version", "1"),
                ("back", "open-items"),
            ],
        )
        .await;
    assert_eq!(location(&done), "/aars/open-items");
    let open = admin.get("/aars/open-items").await.text().await.unwrap();
    assert_eq!(open.matches("data-test=\"open-item\"").count(), 1);
    assert!(!open.contains("Alert on stale NFS handles"));
    // A button from a page showing the old version is refused, not applied.
    let stale = admin
        .post_form(
            &format!("/aars/{aar_id}/items/1"),
            &[("csrf", &csrf), ("status", "done"), ("version", "1")],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert!(stale.text().await.unwrap().contains("not saved"));
    app.stop().await;
}

#[tokio::test]
async fn markdown_in_an_aar_is_rendered_without_its_scripts() {
    let (_dir, app) = start().await;
    let admin = signed_in(&app, "admin").await;
    let csrf = admin.csrf("/aars/new").await;
    let mut fields = new_aar(&csrf, "XSS");
    fields.retain(|(k, _)| *k != "summary");
    fields.push((
        "summary",
        "<script>alert(1)</script><img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))",
    ));
    let created = admin.post_form("/aars/new", &fields).await;
    let page = admin.get(&location(&created)).await.text().await.unwrap();
    let lower = page.to_ascii_lowercase();
    assert!(!lower.contains("onerror"), "{page}");
    assert!(!lower.contains("href=\"javascript"), "{page}");
    assert!(!lower.contains("<script>alert"), "{page}");
    app.stop().await;
}

/// The text of the `<textarea name="{name}">` of `html`, as a browser would read it: HTML
/// character references decoded, the one newline after the start tag dropped.
fn textarea_value(html: &str, name: &str) -> String {
    let start = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no textarea {name}"));
    let open_end = start + html[start..].find('>').unwrap() + 1;
    let close = open_end + html[open_end..].find("</textarea>").unwrap();
    let raw = &html[open_end..close];
    let raw = raw.strip_prefix('\n').unwrap_or(raw);
    raw.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Text that would end a textarea, refresh the page or run a script if it were put into the
/// HTML as it is, and an entity that must stay an entity.
const HOSTILE: &str =
    "x</textarea><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">\
                       <script>alert(1)</script><textarea>&lt;script&gt;";

#[tokio::test]
async fn text_round_trips_through_the_edit_and_import_pages_unchanged_and_never_live() {
    let (_dir, app) = start().await;
    let admin = signed_in(&app, "admin").await;
    let csrf = admin.csrf("/aars/new").await;
    let mut form = new_aar(&csrf, "Hostile summary");
    for field in form.iter_mut().filter(|(k, _)| *k == "summary") {
        field.1 = HOSTILE;
    }
    let created = admin.post_form("/aars/new", &form).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let id: i64 = sqlx::query_scalar("select id from aars")
        .fetch_one(&app.state.db)
        .await
        .unwrap();

    let live = |html: &str| {
        html.contains("<meta http-equiv=\"refresh\"")
            || html.contains("<script>alert(1)")
            || html.matches("</textarea>").count() != html.matches("<textarea").count()
    };
    let edit = admin.text(&format!("/aars/{id}/edit")).await;
    assert!(!live(&edit), "the edit page carries live markup");
    assert_eq!(textarea_value(&edit, "summary"), HOSTILE);

    // Saved again as a browser sends the form back: nothing changes, no new version.
    let mut again = new_aar(&csrf, "Hostile summary");
    let summary = textarea_value(&edit, "summary");
    for field in again.iter_mut().filter(|(k, _)| *k == "summary") {
        field.1 = summary.as_str();
    }
    again.push(("version", "1"));
    admin.post_form(&format!("/aars/{id}/edit"), &again).await;
    let stored = homelab::db::aar::get(&app.state.db, id).await.unwrap();
    assert_eq!(stored.content.summary, HOSTILE);
    assert_eq!(
        stored.version, 1,
        "a save that changes nothing makes no version"
    );

    // A refused import shows the pasted text back, unchanged and inert.
    let pasted = format!("### AAR: Broken (Juno 1, 2025)\n\n{HOSTILE}\n");
    let refused = admin
        .post_form("/aars/import", &[("csrf", &csrf), ("markdown", &pasted)])
        .await;
    let page = refused.text().await.unwrap();
    assert!(!live(&page), "the import page carries live markup");
    assert_eq!(textarea_value(&page, "markdown"), pasted);
}

#[tokio::test]
async fn an_action_item_row_of_ten_million_is_refused_at_once_and_writes_nothing() {
    let (_dir, app) = start().await;
    let admin = signed_in(&app, "admin").await;
    let csrf = admin.csrf("/aars/new").await;
    for row in ["item_text.10000000", "item_text.18446744073709551615"] {
        let mut form = new_aar(&csrf, "Huge row");
        form.push((row, "sneaky"));
        let started = std::time::Instant::now();
        let response = admin.post_form("/aars/new", &form).await;
        let took = started.elapsed();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{row}");
        let page = response.text().await.unwrap();
        assert!(page.contains("at most 100 action items"), "{row}");
        assert!(page.matches("data-test=\"item-row\"").count() <= 100);
        eprintln!("bench: a form with {row} refused in {took:?}");
    }
    assert_eq!(count(&app, "aars").await, 0);
}

#[tokio::test]
async fn an_import_is_refused_where_the_form_would_refuse() {
    let (_dir, app) = start().await;
    let admin = signed_in(&app, "admin").await;
    let csrf = admin.csrf("/aars/import").await;
    let title = "t".repeat(5_000);
    let text = format!("### AAR: {title} (June 18, 2025)\n\n**1. What Happened:** Long.\n");
    let response = admin
        .post_form("/aars/import", &[("csrf", &csrf), ("markdown", &text)])
        .await;
    let page = response.text().await.unwrap();
    assert!(page.contains("at most 200 characters"), "{page}");
    assert_eq!(count(&app, "aars").await, 0);
}
