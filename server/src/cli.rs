use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Capstan: notebooks, pipelines, experiments, model serving and training jobs on your GPUs.
#[derive(Debug, Parser)]
#[command(name = "capstan", version)]
pub struct Cli {
    /// A TOML configuration file (also CAPSTAN_CONFIG).
    #[arg(long, global = true, env = "CAPSTAN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on (setting `listen`).
    #[arg(long, global = true)]
    pub listen: Option<String>,
    /// Data directory (setting `data_dir`).
    #[arg(long, global = true)]
    pub data_dir: Option<String>,
    /// sqlite://… or postgres://… (setting `database_url`).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// text or json (setting `log_format`).
    #[arg(long, global = true)]
    pub log_format: Option<String>,
    /// Any setting, as key=value; may be repeated.
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard and the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage the built-in admin account.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Print every setting (key, environment variable, default, meaning) as a Markdown table.
    Settings,
    /// Print the version and exit.
    Version,
}

#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Give the admin account a new generated password and print it.
    ResetPassword,
}

impl Cli {
    /// The flags as setting overrides, in the order they were given.
    pub fn overrides(&self) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        for (key, value) in [
            ("listen", &self.listen),
            ("data_dir", &self.data_dir),
            ("database_url", &self.database_url),
            ("log_format", &self.log_format),
        ] {
            if let Some(value) = value {
                out.push((key.to_owned(), value.clone()));
            }
        }
        for pair in &self.set {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("--set {pair}: expected KEY=VALUE"))?;
            out.push((key.trim().to_owned(), value.to_owned()));
        }
        Ok(out)
    }
}
