//! The `capstan` binary.

use std::process::ExitCode;

/// Page rendering allocates many small, short-lived values; mimalloc serves them markedly
/// faster than glibc's allocator under concurrent load (see `cargo xtask bench http`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use backend::store::Store;
use clap::Parser;

use server::cli::{AdminAction, Cli, Command};
use server::config::{self, Config, Sources};
use server::{serve, telemetry, version};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A pipeline task's launcher: before any configuration, logging or async runtime.
    if let Some(Command::TaskLaunch(args)) = &cli.command {
        let code = backend::pipelines::warm::run_launcher(&args.socket, &args.argv);
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    if matches!(cli.command, Some(Command::Version)) {
        let info = version::info();
        println!(
            "capstan {} ({})",
            info.version,
            info.commit.as_deref().unwrap_or("unknown commit")
        );
        return ExitCode::SUCCESS;
    }
    if let Some(Command::Sim(args)) = &cli.command {
        return match server::sim_command::run(args) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("capstan sim: {message}");
                ExitCode::from(2)
            }
        };
    }
    if matches!(cli.command, Some(Command::Settings)) {
        print!("{}", config::settings_table());
        return ExitCode::SUCCESS;
    }
    let config = match cli
        .overrides()
        .map_err(|e| e.to_string())
        .and_then(|flags| {
            config::load(&Sources::from_process(cli.config.clone(), flags))
                .map_err(|e| e.to_string())
        }) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("capstan: {message}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format, &config.log_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("capstan: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("capstan: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<(), String> {
    match command {
        Command::Serve => {
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "starting Capstan");
            for line in config.redacted_lines() {
                tracing::info!("config: {line}");
            }
            serve::run(config).await.map_err(|e| e.to_string())
        }
        Command::Migrate => {
            let store = open_store(&config).await?;
            store.migrate().await.map_err(|e| e.to_string())?;
            println!("migrations applied to {}", store.kind().as_str());
            Ok(())
        }
        Command::Admin {
            action: AdminAction::ResetPassword,
        } => {
            let store = open_store(&config).await?;
            store.migrate().await.map_err(|e| e.to_string())?;
            let password = backend::local_accounts::reset_admin_password(&store)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "The password of `{}` is now: {password}",
                backend::local_accounts::ADMIN_USER
            );
            Ok(())
        }
        Command::Version | Command::Settings | Command::Sim(_) | Command::TaskLaunch(_) => Ok(()),
    }
}

async fn open_store(config: &Config) -> Result<Store, String> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
    Store::connect_lazy(&config.database_url()).map_err(|e| e.to_string())
}
