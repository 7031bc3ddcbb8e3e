//! `homelab`: the control plane's command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use homelab::config::Config;

#[derive(Parser)]
#[command(
    name = "homelab",
    version,
    about = "The web control plane of a K3s homelab"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and API.
    Serve {
        /// TOML configuration file (see homelab.example.toml).
        #[arg(long, env = "HOMELAB_CONFIG")]
        config: Option<PathBuf>,
        /// Serve the embedded demo homelab with a dev sign-in (loopback only).
        #[arg(long)]
        demo: bool,
    },
    /// After-action reviews: import and export the Markdown AAR log.
    Aar {
        /// Directory of homelab.db. Default: `server.data_dir` of the configuration.
        #[arg(long, global = true)]
        data_dir: Option<PathBuf>,
        /// TOML configuration file, read for `server.data_dir` when --data-dir is not given.
        #[arg(long, env = "HOMELAB_CONFIG", global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: AarCommand,
    },
    /// Benchmarks that print figures (not tests: they never fail on a slow machine).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Database safety: an online backup, and integrity checks.
    Db {
        /// Directory of homelab.db. Default: `server.data_dir` of the configuration.
        #[arg(long, global = true)]
        data_dir: Option<PathBuf>,
        /// TOML configuration file, read for `server.data_dir` when --data-dir is not given.
        #[arg(long, env = "HOMELAB_CONFIG", global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: DbCommand,
    },
}

#[derive(Subcommand)]
enum AarCommand {
    /// Import a Markdown file in the AAR log format (CLUSTER-SETUP.md's), whole or not at all.
    /// AARs with the title and date of a stored one update it; equal ones change nothing.
    Import {
        file: PathBuf,
        /// Who the revisions name.
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Export one AAR (--id) or all of them as Markdown, to OUT or standard output.
    Export {
        #[arg(long)]
        id: Option<i64>,
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Time each view over a synthetic cluster held in the caches, and report memory.
    Views {
        #[arg(long, default_value_t = 5_000)]
        pods: usize,
        #[arg(long, default_value_t = 500)]
        deployments: usize,
        /// Timed runs of each view.
        #[arg(long, default_value_t = 200)]
        iterations: usize,
        /// Also write the figures as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Write the synthetic cluster as one YAML stream, for the test API server
    /// (`testbed --apply FILE`): the page benchmarks of `make bench` watch it.
    Synthetic {
        #[arg(long, default_value_t = 5_000)]
        pods: usize,
        #[arg(long, default_value_t = 500)]
        deployments: usize,
        /// Where to write it; an existing file is replaced.
        out: PathBuf,
    },
    /// Flip the readiness of the synthetic cluster's pods through the API server of KUBECONFIG,
    /// RATE changes a second for SECONDS (the churn of `make bench`).
    Churn {
        #[arg(long)]
        kubeconfig: PathBuf,
        #[arg(long, default_value_t = 50.0)]
        rate: f64,
        #[arg(long, default_value_t = 20.0)]
        seconds: f64,
        /// Also write the figures as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// How fast the AAR form refuses a field naming action-item row ten million.
    AarForm {
        #[arg(long, default_value_t = 1_000)]
        runs: usize,
    },
    /// Full-text search latency over synthetic AARs in a temporary database.
    AarSearch {
        #[arg(long, default_value_t = 10_000)]
        aars: usize,
        #[arg(long, default_value_t = 2_000)]
        queries: usize,
        /// Keep the database in this (new or empty) directory instead of a temporary one.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Also write the figures as JSON here (aars, p50_ms, p99_ms, ...).
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Copy the database to a new file while the server runs (a consistent snapshot).
    Backup {
        /// Where to write the copy; an existing file is never overwritten, unless --replace.
        path: PathBuf,
        /// Replace the file at PATH once the new copy is complete and checked (a scheduled copy
        /// at a fixed path, such as Velero's pre-backup hook writes).
        #[arg(long)]
        replace: bool,
    },
    /// Put a backup in place of the database, with the server stopped. The backup is checked
    /// first; the database it replaces is kept beside it as homelab.db.replaced-<unix seconds>.
    Restore {
        /// The backup to restore (a `db backup` copy).
        from: PathBuf,
    },
    /// Run SQLite's integrity and foreign key checks; exit code 1 when they find anything.
    Check {
        /// The database file to check (a backup, say). Default: the data directory's homelab.db.
        path: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Bench(BenchCommand::Views {
            pods,
            deployments,
            iterations,
            json,
        }) => {
            let size = homelab::cluster::synthetic::Size { pods, deployments };
            let report = match homelab::bench::views::run(size, iterations.max(1)) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            print!("{}", homelab::bench::views::table(&report));
            if let Some(path) = json {
                let written = serde_json::to_vec_pretty(&report)
                    .map_err(std::io::Error::other)
                    .and_then(|bytes| std::fs::write(&path, bytes));
                if let Err(e) = written {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Command::Bench(BenchCommand::Synthetic {
            pods,
            deployments,
            out,
        }) => {
            let size = homelab::cluster::synthetic::Size { pods, deployments };
            match std::fs::write(&out, homelab::cluster::synthetic::yaml(size)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", out.display());
                    ExitCode::FAILURE
                }
            }
        }
        Command::Bench(BenchCommand::Churn {
            kubeconfig,
            rate,
            seconds,
            json,
        }) => churn(&kubeconfig, rate, seconds, json),
        Command::Bench(BenchCommand::AarSearch {
            aars,
            queries,
            dir,
            json,
        }) => aar_search(aars, queries, dir, json),
        Command::Bench(BenchCommand::AarForm { runs }) => {
            let (median, max) = match homelab::aar::bench::hostile_form(runs) {
                Ok(times) => times,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            println!(
                "a form naming action-item row 10,000,000 refused in {:.1} us (median of {runs}), \
                 {:.1} us at most",
                median.as_secs_f64() * 1e6,
                max.as_secs_f64() * 1e6
            );
            ExitCode::SUCCESS
        }
        Command::Aar {
            data_dir,
            config,
            command,
        } => match data_dir_of(data_dir, config) {
            Ok(dir) => aar(&dir, command),
            Err(code) => code,
        },
        Command::Db {
            data_dir,
            config,
            command,
        } => db_command(data_dir, config, command),
        Command::Serve { config, demo } => {
            if demo {
                // The flag is the same setting as `demo = true`, so it goes through validation.
                std::env::set_var("HOMELAB_DEMO", "true");
            }
            let config = match Config::load(config.as_deref()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            init_tracing(config.server.json_logs);
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(homelab::startup::serve(config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// `homelab db ...`: exit 0 when done and sound, 1 when the check found problems or the command
/// failed, 2 for a configuration that cannot be read.
fn db_command(data_dir: Option<PathBuf>, config: Option<PathBuf>, command: DbCommand) -> ExitCode {
    // The database of the data directory; the configuration is read only when it is needed.
    let dir = || data_dir_of(data_dir.clone(), config.clone());
    let database = || dir().map(|d| homelab::db::backup::database_path(&d));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match command {
        DbCommand::Backup { path, replace } => {
            let database = match database() {
                Ok(d) => d,
                Err(code) => return code,
            };
            let copied = if replace {
                runtime.block_on(homelab::db::backup::backup_replacing(&database, &path))
            } else {
                runtime.block_on(homelab::db::backup::backup(&database, &path))
            };
            match copied {
                Ok(()) => {
                    println!("backed up {} to {}", database.display(), path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        DbCommand::Restore { from } => {
            let data_dir = match dir() {
                Ok(d) => d,
                Err(code) => return code,
            };
            let now = jiff::Timestamp::now().as_second();
            match runtime.block_on(homelab::db::backup::restore(&from, &data_dir, now)) {
                Ok(restored) => {
                    println!(
                        "restored {} to {}",
                        from.display(),
                        homelab::db::backup::database_path(&data_dir).display()
                    );
                    if let Some(previous) = restored.previous {
                        println!("the database it replaced is kept at {}", previous.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        DbCommand::Check { path } => {
            let path = match path {
                Some(p) => p,
                None => match database() {
                    Ok(d) => d,
                    Err(code) => return code,
                },
            };
            match runtime.block_on(homelab::db::backup::check(&path)) {
                Ok(report) if report.is_ok() => {
                    println!("{}: integrity ok, foreign keys ok", path.display());
                    ExitCode::SUCCESS
                }
                Ok(report) => {
                    eprintln!("error: {} failed its checks:", path.display());
                    for line in report.integrity.iter().chain(&report.foreign_keys) {
                        eprintln!("  {line}");
                    }
                    ExitCode::FAILURE
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// A runtime for a one-off command; None (after saying why) when it cannot start.
fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Runtime::new() {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            None
        }
    }
}

/// The data directory of a command that only opens the database: `--data-dir`, else
/// `server.data_dir` of the configuration (file and environment; no sign-in settings needed).
/// Exit code 2, after saying why, when the configuration cannot be read.
fn data_dir_of(flag: Option<PathBuf>, config: Option<PathBuf>) -> Result<PathBuf, ExitCode> {
    if let Some(dir) = flag {
        return Ok(dir);
    }
    Config::load_data_dir(config.as_deref()).map_err(|e| {
        eprintln!(
            "error: no --data-dir given, and the configuration that would name \
             server.data_dir cannot be read: {e}"
        );
        ExitCode::from(2)
    })
}

fn aar(data_dir: &Path, command: AarCommand) -> ExitCode {
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    let result = match command {
        AarCommand::Import { file, by } => runtime
            .block_on(homelab::aar::cli::import_file(data_dir, &file, &by))
            .map(|r| {
                println!(
                    "imported {}: {} new, {} updated, {} unchanged",
                    file.display(),
                    r.created,
                    r.updated,
                    r.unchanged
                )
            }),
        AarCommand::Export { id, out } => runtime
            .block_on(homelab::aar::cli::export(data_dir, id, out.as_deref()))
            .map(|text| {
                if let Some(text) = text {
                    print!("{text}");
                }
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `homelab bench churn`: the changes sent, as a line and optionally as JSON.
fn churn(kubeconfig: &std::path::Path, rate: f64, seconds: f64, json: Option<PathBuf>) -> ExitCode {
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    let report = match runtime.block_on(homelab::bench::churn::run(kubeconfig, rate, seconds)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "{} pod status changes done in {:.1} s ({:.1}/s, asked {rate}/s); {} failed, {} skipped; \
         patch p50 {:.1} ms, p99 {:.1} ms",
        report.ok,
        report.seconds,
        report.rate_done,
        report.failed,
        report.skipped,
        report.patch_p50_ms,
        report.patch_p99_ms
    );
    if let Some(path) = json {
        let written = serde_json::to_vec_pretty(&report)
            .map_err(std::io::Error::other)
            .and_then(|bytes| std::fs::write(&path, bytes));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn aar_search(
    aars: usize,
    queries: usize,
    dir: Option<PathBuf>,
    json: Option<PathBuf>,
) -> ExitCode {
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    let temp = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot make a temporary directory: {e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = dir.unwrap_or_else(|| temp.path().to_owned());
    match runtime.block_on(homelab::aar::bench::aar_search(&dir, aars, queries)) {
        Ok(r) => {
            println!(
                "{} AARs stored in {:.1} s; {} searches (1-2 words, ranked, snippets, at most 20 hits; {:.1} hits on average)",
                r.aars,
                r.fill.as_secs_f64(),
                r.queries,
                r.mean_hits
            );
            let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
            println!(
                "p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                ms(r.p50),
                ms(r.p95),
                ms(r.p99),
                ms(r.max)
            );
            println!(
                "p99 of common-word queries {:.2} ms, of distinctive-word queries {:.2} ms",
                ms(r.p99_common),
                ms(r.p99_distinctive)
            );
            if let Some(path) = json {
                let figures = serde_json::json!({
                    "aars": r.aars,
                    "queries": r.queries,
                    "p50_ms": ms(r.p50),
                    "p95_ms": ms(r.p95),
                    "p99_ms": ms(r.p99),
                    "max_ms": ms(r.max),
                    "p99_common_ms": ms(r.p99_common),
                    "p99_distinctive_ms": ms(r.p99_distinctive),
                });
                if let Err(e) = std::fs::write(&path, figures.to_string()) {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HOMELAB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
