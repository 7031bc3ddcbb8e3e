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
    /// Benchmarks that print figures (not tests: they never fail on a slow machine).
    #[command(subcommand)]
    Bench(BenchCommand),
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
