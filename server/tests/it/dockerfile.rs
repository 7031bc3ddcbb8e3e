//! `scripts/check-dockerfile.sh` on the layout a fresh machine has: the cargo target directory
//! outside the checkout, holding binaries but no `site/` (cargo-leptos writes the site under the
//! checkout's `site-root`). The check passes there, and names each path that is really missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A checkout holding the real Cargo.toml and Dockerfile, and a target directory beside it (not
/// inside it), as the release build leaves them.
fn built_layout(root: &Path) -> (PathBuf, PathBuf) {
    let checkout = root.join("checkout");
    let target = root.join("cache/target");
    std::fs::create_dir_all(checkout.join("target/site/pkg")).unwrap();
    std::fs::create_dir_all(target.join("release")).unwrap();
    for file in ["Cargo.toml", "Dockerfile"] {
        std::fs::copy(repo().join(file), checkout.join(file)).unwrap();
    }
    std::fs::write(checkout.join("target/site/pkg/homelab.css"), "").unwrap();
    std::fs::write(target.join("release/homelab"), "").unwrap();
    std::fs::write(target.join("release/hash.txt"), "").unwrap();
    (checkout, target)
}

fn check(checkout: &Path, target: &Path) -> Output {
    Command::new("bash")
        .arg(repo().join("scripts/check-dockerfile.sh"))
        .arg(checkout.join("Dockerfile"))
        .arg(target)
        .arg(checkout)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn passes_with_the_target_directory_outside_the_checkout() {
    let root = tempfile::tempdir().unwrap();
    let (checkout, target) = built_layout(root.path());
    assert!(!target.join("site").exists());
    let out = check(&checkout, &target);
    assert!(out.status.success(), "check failed: {}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("all 3 paths"), "{stdout}");
}

#[test]
fn names_a_missing_site_and_a_missing_binary_file() {
    let root = tempfile::tempdir().unwrap();
    let (checkout, target) = built_layout(root.path());
    // A site left in the target directory by an earlier build must not count.
    std::fs::rename(checkout.join("target/site"), target.join("site")).unwrap();
    std::fs::remove_file(target.join("release/hash.txt")).unwrap();
    let out = check(&checkout, &target);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("MISSING  /src/target/site "), "{err}");
    assert!(
        err.contains("MISSING  /src/target/release/hash.txt "),
        "{err}"
    );
    assert!(err.contains("2 of 3 paths"), "{err}");
}
