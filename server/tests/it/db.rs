//! `homelab db backup`, `homelab db check` and `homelab aar import`, run as the real binary: the
//! backup against a database that a writer keeps changing meanwhile (WAL mode, as the server runs
//! it), and the database commands with nothing but a data directory configured.

use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use homelab::db;

async fn homelab(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_homelab"))
        .args(args)
        .env_remove("HOMELAB_CONFIG")
        .output()
        .await
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn count(path: &Path) -> i64 {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let n = sqlx::query_scalar("select count(*) from load")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

#[tokio::test]
async fn a_backup_during_a_write_load_holds_every_row_committed_before_it_and_passes_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pool = db::open(&data).await.unwrap();
    sqlx::query("create table load (id integer primary key, body blob not null)")
        .execute(&pool)
        .await
        .unwrap();
    // Enough data that the copy takes a while, so the writer commits while it runs.
    for _ in 0..40 {
        sqlx::query(
            "insert into load (body)
             select randomblob(1024) from (select 1 union all select 2 union all select 3) a,
               (select 1 union all select 2 union all select 3) b,
               (select 1 union all select 2 union all select 3) c",
        )
        .execute(&pool)
        .await
        .unwrap();
    }

    // The writer: one row per transaction; `committed` counts rows whose commit has returned.
    let committed = Arc::new(AtomicI64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (pool, committed, stop) = (pool.clone(), committed.clone(), stop.clone());
        async move {
            let base: i64 = sqlx::query_scalar("select count(*) from load")
                .fetch_one(&pool)
                .await
                .unwrap();
            committed.store(base, Ordering::SeqCst);
            while !stop.load(Ordering::SeqCst) {
                sqlx::query("insert into load (body) values (randomblob(256))")
                    .execute(&pool)
                    .await
                    .unwrap();
                committed.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    while committed.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;

    let copy = dir.path().join("backup.db");
    let before = committed.load(Ordering::SeqCst);
    let backup = homelab(&[
        "db",
        "backup",
        "--data-dir",
        data.to_str().unwrap(),
        copy.to_str().unwrap(),
    ])
    .await;
    let after = committed.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert!(backup.status.success(), "{}", text(&backup));
    assert!(
        after > before,
        "the writer kept committing during the backup ({before} then {after})"
    );

    let check = homelab(&["db", "check", copy.to_str().unwrap()]).await;
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains("integrity ok"), "{}", text(&check));
    let rows = count(&copy).await;
    assert!(
        rows >= before && rows <= after,
        "the copy holds {rows} rows: at least the {before} committed before the backup began, \
         at most the {after} committed when it ended"
    );
    eprintln!(
        "backup measured: {before} rows committed before, {rows} in the copy, {after} by its end"
    );

    // The live database checks out too, read-only, while the pool is still open.
    let live = homelab(&["db", "check", "--data-dir", data.to_str().unwrap()]).await;
    assert!(live.status.success(), "{}", text(&live));

    let again = homelab(&[
        "db",
        "backup",
        "--data-dir",
        data.to_str().unwrap(),
        copy.to_str().unwrap(),
    ])
    .await;
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(text(&again).contains("already exists"), "{}", text(&again));
    pool.close().await;
}

#[tokio::test]
async fn the_check_fails_with_a_clear_message_on_a_damaged_copy() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pool = db::open(&data).await.unwrap();
    sqlx::query("create table load (id integer primary key, body text not null)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("create index load_body on load (body)")
        .execute(&pool)
        .await
        .unwrap();
    for i in 0..2000 {
        sqlx::query("insert into load (body) values (?)")
            .bind(format!("row {i:05}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let copy = dir.path().join("copy.db");
    let backup = homelab(&[
        "db",
        "backup",
        "--data-dir",
        data.to_str().unwrap(),
        copy.to_str().unwrap(),
    ])
    .await;
    assert!(backup.status.success(), "{}", text(&backup));

    // Scribble over the middle of the file, past the schema page.
    let mut bytes = std::fs::read(&copy).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 3000].fill(0x41);
    std::fs::write(&copy, bytes).unwrap();
    let check = homelab(&["db", "check", copy.to_str().unwrap()]).await;
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert!(text(&check).contains("error:"), "{}", text(&check));

    let missing = homelab(&["db", "check", dir.path().join("nope.db").to_str().unwrap()]).await;
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    assert!(
        text(&missing).contains("no database at"),
        "{}",
        text(&missing)
    );
}

/// The commands that only open the database need no sign-in settings: `--data-dir` alone, or a
/// configuration naming only `server.data_dir`, is enough (outside demo mode, without `[oidc]`).
#[tokio::test]
async fn aar_import_and_db_check_need_only_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("log.md");
    std::fs::write(&log, include_str!("../../demo/aar-log.md")).unwrap();

    let import = homelab(&[
        "aar",
        "import",
        "--data-dir",
        data.to_str().unwrap(),
        log.to_str().unwrap(),
    ])
    .await;
    assert!(import.status.success(), "{}", text(&import));
    assert!(text(&import).contains("8 new"), "{}", text(&import));

    let check = homelab(&["db", "check", "--data-dir", data.to_str().unwrap()]).await;
    assert!(check.status.success(), "{}", text(&check));

    // The same through a configuration file that names only the data directory.
    let config = dir.path().join("homelab.toml");
    std::fs::write(
        &config,
        format!("[server]\ndata_dir = {:?}\n", data.to_str().unwrap()),
    )
    .unwrap();
    let again = homelab(&[
        "aar",
        "import",
        "--config",
        config.to_str().unwrap(),
        log.to_str().unwrap(),
    ])
    .await;
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("8 unchanged"), "{}", text(&again));
    let check = homelab(&["db", "check", "--config", config.to_str().unwrap()]).await;
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains("integrity ok"), "{}", text(&check));

    // A configuration that cannot be read is still refused, naming the key.
    std::fs::write(&config, "[server]\ndata_dir = 3\n").unwrap();
    let bad = homelab(&["db", "check", "--config", config.to_str().unwrap()]).await;
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(text(&bad).contains("data_dir"), "{}", text(&bad));
}

/// The command of Velero's pre-backup hook on the shipped Deployment's pod.
fn hook_command() -> Vec<String> {
    let yaml = include_str!("../../../deploy/base/deployment.yaml");
    let deployment: serde_json::Value = serde_yaml::from_str(yaml).unwrap();
    let annotations = &deployment["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(
        annotations["pre.hook.backup.velero.io/container"],
        "homelab"
    );
    let command = annotations["pre.hook.backup.velero.io/command"]
        .as_str()
        .unwrap();
    serde_json::from_str(command).unwrap()
}

#[tokio::test]
async fn velero_s_hook_copies_the_database_and_a_restore_puts_the_copy_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("log.md");
    std::fs::write(&log, include_str!("../../demo/aar-log.md")).unwrap();
    // As in the pod: the data directory from the image's environment, no configuration file.
    let run = |args: Vec<String>| {
        let data = data.clone();
        async move {
            tokio::process::Command::new(env!("CARGO_BIN_EXE_homelab"))
                .args(&args)
                .env_remove("HOMELAB_CONFIG")
                .env("HOMELAB_SERVER__DATA_DIR", &data)
                .output()
                .await
                .unwrap()
        }
    };
    let args = |list: &[&str]| list.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let import = run(args(&["aar", "import", log.to_str().unwrap()])).await;
    assert!(import.status.success(), "{}", text(&import));

    // The hook's command, with the pod's /data at this test's data directory, twice: a copy at
    // a fixed path is replaced by the next one.
    let command = hook_command();
    assert_eq!(command[0], "/app/homelab");
    // The restore Job restores what the hook writes.
    let job: serde_json::Value =
        serde_yaml::from_str(include_str!("../../../deploy/restore-job.yaml")).unwrap();
    let restore_args = &job["spec"]["template"]["spec"]["containers"][0]["args"];
    assert_eq!(restore_args[2].as_str(), command.last().map(String::as_str));
    let hook: Vec<String> = command[1..]
        .iter()
        .map(|a| a.replacen("/data", data.to_str().unwrap(), 1))
        .collect();
    for _ in 0..2 {
        let backup = run(hook.clone()).await;
        assert!(backup.status.success(), "{}", text(&backup));
    }
    let copy = data.join("backup/homelab.db");
    assert!(copy.is_file());

    // Later changes, then the restore: the database is the copy again; what it replaced is kept.
    let pool = db::open(&data).await.unwrap();
    sqlx::query("delete from aars where id = 1")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let restore = run(args(&["db", "restore", copy.to_str().unwrap()])).await;
    assert!(restore.status.success(), "{}", text(&restore));
    assert!(
        text(&restore).contains("the database it replaced is kept at"),
        "{}",
        text(&restore)
    );
    let pool = db::open(&data).await.unwrap();
    let aars: i64 = sqlx::query_scalar("select count(*) from aars")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(aars, 8);
    pool.close().await;
    let check = run(args(&["db", "check"])).await;
    assert!(check.status.success(), "{}", text(&check));
}
