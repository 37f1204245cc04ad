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
    /// Replay a GPU cluster trace through a placement policy and print the figures as JSON.
    Sim(SimArgs),
    /// A pipeline task's process: hands a KFP lightweight component's task to the warm Python.
    #[command(hide = true)]
    TaskLaunch(TaskLaunchArgs),
}

/// `capstan task-launch --socket PATH -- ARGV…`: started by the pipeline runner, not by hand.
#[derive(Debug, clap::Args)]
pub struct TaskLaunchArgs {
    /// The warm Python's socket.
    #[arg(long)]
    pub socket: PathBuf,
    /// The task's own command line, run as it is if the warm Python cannot take it.
    #[arg(last = true, required = true)]
    pub argv: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Node list CSV (sn,cpu_milli,memory_mib,gpu,model).
    #[arg(long)]
    pub nodes: PathBuf,
    /// Pod list CSV (name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,…).
    #[arg(long)]
    pub pods: PathBuf,
    /// best-fit or fgd.
    #[arg(long, default_value = "fgd")]
    pub policy: String,
    /// The first seed of the pod draw.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How many seeds (seed, seed+1, …) to average over.
    #[arg(long, default_value_t = 1)]
    pub seeds: u64,
    /// GPU demand drawn, as a multiple of the cluster's GPUs.
    #[arg(long, default_value_t = 1.3)]
    pub inflate: f64,
    /// Replay on this many nodes: the node list repeated (and cut) to that length, to measure
    /// decisions on a larger cluster of the same shape (0: the list as it is).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub replicate_nodes: usize,
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
