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
