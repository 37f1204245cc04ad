//! A real PostgreSQL server in a temporary directory, on a free port, without Docker:
//! `initdb` and `pg_ctl` from the machine's PostgreSQL, as the `postgres` user when we are
//! root (PostgreSQL refuses to run as root). Stopped and deleted on drop.

use std::fmt;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug)]
pub struct PgError(String);

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PgError {}

pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres_user: bool,
}

impl PgCluster {
    /// Creates and starts a server; about a second.
    pub fn start() -> Result<Self, PgError> {
        let bin = find_bin_dir()?;
        let as_postgres_user = running_as_root();
        let dir = make_data_dir(as_postgres_user)?;
        let port = free_port()?;
        let cluster = PgCluster {
            dir,
            bin,
            port,
            as_postgres_user,
        };
        let data = cluster.dir.join("data");
        cluster.run(
            "initdb",
            &[
                "-D",
                path_str(&data)?,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        let server_options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            path_str(&cluster.dir)?
        );
        let log = cluster.dir.join("server.log");
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&data)?,
                "-o",
                &server_options,
                "-l",
                path_str(&log)?,
                "-w",
                "start",
            ],
        )?;
        Ok(cluster)
    }

    /// The URL of the `postgres` database as the superuser `postgres`.
    pub fn url(&self) -> String {
        self.url_of("postgres")
    }

    /// The URL of another database on this server.
    pub fn url_of(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), PgError> {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let output = command
            .args(args)
            .current_dir(&self.dir)
            .output()
            .map_err(|e| PgError(format!("could not run {}: {e}", program.display())))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(PgError(format!(
                "{tool} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )))
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        if let Some(data) = data.to_str() {
            let _ = self.run("pg_ctl", &["-D", data, "-m", "immediate", "-w", "stop"]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest PostgreSQL under /usr/lib/postgresql, or the folder that `PG_BIN` names.
fn find_bin_dir() -> Result<PathBuf, PgError> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .map_err(|e| {
            PgError(format!(
                "PostgreSQL is not installed ({}: {e}); `apt-get install postgresql` or set PG_BIN",
                root.display()
            ))
        })?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| PgError(format!("no initdb under {}", root.display())))
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A fresh directory that the server's user owns.
fn make_data_dir(chown_to_postgres: bool) -> Result<PathBuf, PgError> {
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("capstan-pg-{}-{nonce}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| PgError(format!("could not create {}: {e}", dir.display())))?;
    if chown_to_postgres {
        let status = Command::new("chown")
            .arg("postgres:postgres")
            .arg(&dir)
            .status()
            .map_err(|e| PgError(format!("could not run chown: {e}")))?;
        if !status.success() {
            return Err(PgError(format!(
                "could not hand {} to the postgres user",
                dir.display()
            )));
        }
    }
    Ok(dir)
}

fn free_port() -> Result<u16, PgError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| PgError(format!("no free port: {e}")))
}

fn path_str(path: &Path) -> Result<&str, PgError> {
    path.to_str()
        .ok_or_else(|| PgError(format!("{} is not UTF-8", path.display())))
}
