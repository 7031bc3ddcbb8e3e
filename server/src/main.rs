//! `homelab`: the control plane's command line.

use std::path::PathBuf;
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
        #[command(subcommand)]
        command: AarCommand,
        /// TOML configuration file (its `server.data_dir` holds the database).
        #[arg(long, env = "HOMELAB_CONFIG", global = true)]
        config: Option<PathBuf>,
    },
    /// Measurements (not tests); see the README.
    #[command(hide = true)]
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
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
    /// Full-text search latency over synthetic AARs in a temporary database.
    AarSearch {
        #[arg(long, default_value_t = 10_000)]
        aars: usize,
        #[arg(long, default_value_t = 2_000)]
        queries: usize,
        /// Keep the database in this (new or empty) directory instead of a temporary one.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
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
        Command::Aar { command, config } => aar(config, command),
        Command::Bench { command } => bench(command),
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

fn aar(config: Option<PathBuf>, command: AarCommand) -> ExitCode {
    let config = match Config::load(config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    let result = match command {
        AarCommand::Import { file, by } => runtime
            .block_on(homelab::aar::cli::import_file(&config, &file, &by))
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
            .block_on(homelab::aar::cli::export(&config, id, out.as_deref()))
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

fn bench(command: BenchCommand) -> ExitCode {
    let BenchCommand::AarSearch { aars, queries, dir } = command;
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
