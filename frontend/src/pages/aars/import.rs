//! The Markdown import (`/aars/import`): upload a file or paste the AAR log, all or nothing.

use leptos::prelude::*;

use crate::components::page_title::PageTitle;
use crate::context::request_context;
use crate::html::textarea_content;
use crate::model::aar::ImportView;

#[component]
pub(super) fn ImportPage(view: ImportView) -> impl IntoView {
    let csrf = request_context().csrf;
    let error = view
        .error
        .map(|e| view! { <p class="error" role="alert" data-test="import-error">{e}</p> });
    view! {
        <PageTitle parts=vec!["Import".to_string(), "AARs".to_string()]/><h1>"Import AARs from Markdown"</h1>
        <p>
            "Upload or paste the AAR log (the format of CLUSTER-SETUP.md: "<code>"### AAR: Title (June 14, 2025)"</code>
            " and its numbered sections, or an export from here). The whole text is imported or none of it; "
            "an AAR with the same title and date as a stored one updates it (as a new version) or, "
            "when equal, is left alone."
        </p>
        {error}
        <form method="post" action="/aars/import/file" enctype="multipart/form-data" class="stack card" data-test="upload-form">
            <input type="hidden" name="csrf" value=csrf.clone()/>
            <label for="file">"A Markdown file (at most 512 KB)"</label>
            <input id="file" type="file" name="file" accept=".md,.markdown,.txt,text/markdown,text/plain" required data-test="upload-file"/>
            <button class="primary" type="submit" data-test="upload-aars">"Upload and import"</button>
        </form>
        <p>"Or paste it:"</p>
        <form method="post" action="/aars/import" class="stack">
            <input type="hidden" name="csrf" value=csrf/>
            <label for="markdown">"Markdown"</label>
            <textarea id="markdown" name="markdown" rows="20" inner_html=textarea_content(&view.text)></textarea>
            <button class="primary" type="submit" data-test="import-aars">"Import"</button>
        </form>
    }
}
