//! `cargo xtask bench notebooks`: figures, never asserted. The last line is one JSON object.
//!
//! - Spawn to ready: from the create request until the notebook's state is `ready` (polled
//!   every 20 ms), three times with a fresh notebook each time; the median is reported.
//! - Latency of JupyterLab's `api/status` over one keep-alive connection each: straight to
//!   Jupyter (its own port and token) and through Capstan's proxy (the session cookie), in
//!   alternating blocks of 100 so that machine noise hits both alike.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::bench::sign_in;
use crate::http_client::request;
use crate::process::step;
use crate::server::{self, RunningServer};
use crate::stats::{mean, median, percentile, round};
use crate::tools;

const PROFILE: &str = "bench";
const SPAWNS: usize = 3;
const WARM_UP: usize = 200;
const MEASURED: usize = 2000;
const BLOCK: usize = 100;
const POLL: Duration = Duration::from_millis(20);
const READY_LIMIT: Duration = Duration::from_secs(60);

pub fn run() -> Result<(), String> {
    tools::ensure_build_tools()?;
    tools::ensure_jupyter()?;
    server::build_release()?;

    step("start Capstan, sign in, create profile `bench`");
    let capstan = RunningServer::start(&[])?;
    let cookie = sign_in(capstan.port(), &capstan.admin_password)?;
    let (status, _, body) = request(
        capstan.port(),
        "POST",
        "/api/v1/profiles",
        &[("Cookie", &cookie), ("Content-Type", "application/json")],
        &json!({"name": PROFILE, "owner": "admin"}).to_string(),
    )?;
    if status != 201 {
        return Err(format!(
            "creating profile `{PROFILE}` answered {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }

    // Deletes whatever notebook is left if a step fails: their processes outlive Capstan.
    let mut notebooks = Notebooks {
        port: capstan.port(),
        cookie: cookie.clone(),
        data_dir: capstan.data_dir().to_owned(),
        live: Vec::new(),
    };
    let figures = measure(&mut notebooks)?;
    notebooks.delete_all()?;
    capstan.stop()?;

    let Figures {
        spawns,
        direct,
        proxy,
    } = figures;
    let spawn_to_ready_ms = median(&spawns);
    let (direct_p50, direct_p99) = (percentile(&direct, 50.0), percentile(&direct, 99.0));
    let (proxy_p50, proxy_p99) = (percentile(&proxy, 50.0), percentile(&proxy, 99.0));
    println!();
    println!(
        "spawn to ready: median {spawn_to_ready_ms:.0} ms of {}",
        spawns
            .iter()
            .map(|ms| format!("{ms:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "api/status direct: p50 {direct_p50:.2} ms, p90 {:.2} ms, p99 {direct_p99:.2} ms, max {:.2} ms, mean {:.2} ms ({} GETs)",
        percentile(&direct, 90.0),
        percentile(&direct, 100.0),
        mean(&direct),
        direct.len()
    );
    println!(
        "api/status proxy:  p50 {proxy_p50:.2} ms, p90 {:.2} ms, p99 {proxy_p99:.2} ms, max {:.2} ms, mean {:.2} ms ({} GETs)",
        percentile(&proxy, 90.0),
        percentile(&proxy, 100.0),
        mean(&proxy),
        proxy.len()
    );
    println!(
        "proxy overhead: p50 +{:.2} ms, p99 +{:.2} ms",
        proxy_p50 - direct_p50,
        proxy_p99 - direct_p99
    );
    println!(
        "{}",
        json!({
            "spawn_to_ready_ms": round(spawn_to_ready_ms),
            "direct_p50_ms": round(direct_p50),
            "direct_p99_ms": round(direct_p99),
            "proxy_p50_ms": round(proxy_p50),
            "proxy_p99_ms": round(proxy_p99),
        })
    );
    Ok(())
}

struct Figures {
    /// Milliseconds from create to ready, one per spawn.
    spawns: Vec<f64>,
    /// Milliseconds per measured GET.
    direct: Vec<f64>,
    proxy: Vec<f64>,
}

fn measure(notebooks: &mut Notebooks) -> Result<Figures, String> {
    step(&format!(
        "spawn to ready: {SPAWNS} notebooks, each created, awaited and deleted"
    ));
    let mut spawns = Vec::new();
    let mut last = None;
    for i in 1..=SPAWNS {
        let name = format!("spawn-{i}");
        let ms = notebooks.spawn(&name)?;
        println!("  {name}: {ms:.0} ms");
        spawns.push(ms);
        // The last one stays up for the latency figures.
        if i < SPAWNS {
            notebooks.delete(&name)?;
        } else {
            last = Some(name);
        }
    }
    let name = last.ok_or("no notebook was spawned")?;

    let jupyter = notebooks.jupyter(&name)?;
    let direct_path = format!("{}api/status", jupyter.base_url);
    let proxy_path = format!("/notebook/{PROFILE}/{name}/api/status");
    let authorization = format!("token {}", jupyter.token);
    let mut direct = KeepAlive::connect(
        jupyter.port,
        &direct_path,
        &[("Authorization", &authorization)],
    )?;
    let mut proxy = KeepAlive::connect(
        notebooks.port,
        &proxy_path,
        &[("Cookie", &notebooks.cookie)],
    )?;

    step(&format!(
        "api/status over one keep-alive connection each: {WARM_UP} warm-up GETs, then {MEASURED} \
         measured, direct (127.0.0.1:{}{direct_path}) and through the proxy ({proxy_path}) in \
         alternating blocks of {BLOCK}",
        jupyter.port
    ));
    for _ in 0..WARM_UP {
        direct.get()?;
        proxy.get()?;
    }
    let mut direct_ms = Vec::with_capacity(MEASURED);
    let mut proxy_ms = Vec::with_capacity(MEASURED);
    for _ in 0..MEASURED / BLOCK {
        for _ in 0..BLOCK {
            direct_ms.push(direct.get()?);
        }
        for _ in 0..BLOCK {
            proxy_ms.push(proxy.get()?);
        }
    }
    Ok(Figures {
        spawns,
        direct: direct_ms,
        proxy: proxy_ms,
    })
}

/// The bench's notebooks, through Capstan's API, and the ones still running.
struct Notebooks {
    port: u16,
    cookie: String,
    data_dir: PathBuf,
    /// Name and Jupyter's pid (once known) of each notebook not deleted yet.
    live: Vec<(String, Option<u32>)>,
}

/// What Jupyter wrote in its runtime directory, and the token Capstan gave it.
struct Jupyter {
    port: u16,
    token: String,
    base_url: String,
    pid: u32,
}

impl Notebooks {
    /// Creates a notebook and answers the milliseconds until its state is `ready`.
    fn spawn(&mut self, name: &str) -> Result<f64, String> {
        let path = format!("/api/v1/profiles/{PROFILE}/notebooks/{name}");
        let started = Instant::now();
        let (status, _, body) = request(
            self.port,
            "POST",
            &format!("/api/v1/profiles/{PROFILE}/notebooks"),
            &[
                ("Cookie", &self.cookie),
                ("Content-Type", "application/json"),
            ],
            &json!({"name": name}).to_string(),
        )?;
        if status != 201 {
            return Err(format!(
                "creating notebook `{name}` answered {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        self.live.push((name.to_owned(), None));
        loop {
            let (status, _, body) =
                request(self.port, "GET", &path, &[("Cookie", &self.cookie)], "")?;
            let elapsed = started.elapsed();
            if status != 200 {
                return Err(format!(
                    "{path} answered {status}: {}",
                    String::from_utf8_lossy(&body)
                ));
            }
            let detail: Value = serde_json::from_slice(&body)
                .map_err(|e| format!("{path} answered something other than JSON: {e}"))?;
            match detail["notebook"]["state"].as_str() {
                Some("ready") => {
                    let ms = elapsed.as_secs_f64() * 1000.0;
                    // Known now, so that deleting can wait for the process to end.
                    let pid = self.jupyter(name)?.pid;
                    if let Some(entry) = self.live.iter_mut().find(|(n, _)| n == name) {
                        entry.1 = Some(pid);
                    }
                    return Ok(ms);
                }
                Some("failed" | "stopped") => {
                    return Err(format!(
                        "notebook `{name}` did not start: {}",
                        detail["notebook"]
                    ));
                }
                _ if elapsed > READY_LIMIT => {
                    return Err(format!(
                        "notebook `{name}` was not ready after {READY_LIMIT:?}: {}",
                        detail["notebook"]
                    ));
                }
                _ => std::thread::sleep(POLL),
            }
        }
    }

    /// Port, base URL and pid from Jupyter's `runtime/jpserver-<pid>.json`; the token from
    /// the notebook's `token` file.
    fn jupyter(&self, name: &str) -> Result<Jupyter, String> {
        let dir = self.data_dir.join("notebooks").join(PROFILE).join(name);
        let token = std::fs::read_to_string(dir.join("token"))
            .map_err(|e| format!("{}: {e}", dir.join("token").display()))?;
        let started = Instant::now();
        let server = loop {
            match server_file(&dir.join("runtime")) {
                Some(server) => break server,
                None if started.elapsed() > Duration::from_secs(10) => {
                    return Err(format!(
                        "no jpserver-<pid>.json in {}",
                        dir.join("runtime").display()
                    ));
                }
                None => std::thread::sleep(POLL),
            }
        };
        let field = |key: &str| {
            server
                .get(key)
                .ok_or(format!("jpserver file without `{key}`"))
        };
        let port = field("port")?
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .ok_or("jpserver file: `port` is no port")?;
        let pid = field("pid")?
            .as_u64()
            .and_then(|p| u32::try_from(p).ok())
            .ok_or("jpserver file: `pid` is no pid")?;
        let base_url = field("base_url")?
            .as_str()
            .ok_or("jpserver file: `base_url` is no string")?
            .to_owned();
        if let Some(own) = server.get("token").and_then(Value::as_str)
            && own != token
        {
            println!("  note: Jupyter's jpserver file names another token than the token file");
        }
        Ok(Jupyter {
            port,
            token,
            base_url,
            pid,
        })
    }

    /// Deletes a notebook and waits (up to 15 s) for its Jupyter process to end.
    fn delete(&mut self, name: &str) -> Result<(), String> {
        let Some(at) = self.live.iter().position(|(n, _)| n == name) else {
            return Ok(());
        };
        let (_, pid) = self.live.remove(at);
        let path = format!("/api/v1/profiles/{PROFILE}/notebooks/{name}");
        let (status, _, body) =
            request(self.port, "DELETE", &path, &[("Cookie", &self.cookie)], "")?;
        if status != 204 {
            return Err(format!(
                "deleting notebook `{name}` answered {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        let Some(pid) = pid else { return Ok(()) };
        let started = Instant::now();
        while alive(pid) {
            if started.elapsed() > Duration::from_secs(15) {
                println!("  note: Jupyter (pid {pid}) outlived its notebook's deletion; ending it");
                let _ = Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status();
                break;
            }
            std::thread::sleep(POLL);
        }
        Ok(())
    }

    fn delete_all(&mut self) -> Result<(), String> {
        let names: Vec<String> = self.live.iter().map(|(n, _)| n.clone()).collect();
        for name in names {
            self.delete(&name)?;
        }
        Ok(())
    }
}

impl Drop for Notebooks {
    fn drop(&mut self) {
        if let Err(e) = self.delete_all() {
            eprintln!("xtask: could not delete the bench's notebooks: {e}");
        }
    }
}

/// The JSON of `jpserver-<pid>.json` in Jupyter's runtime directory, once it is complete.
fn server_file(runtime: &Path) -> Option<Value> {
    std::fs::read_dir(runtime)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("jpserver-") && n.ends_with(".json"))
        })
        .find_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            serde_json::from_str::<Value>(&text)
                .ok()
                .filter(|v| v.get("port").is_some())
        })
}

/// Whether a process runs (a zombie, ended but not yet reaped, does not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z")
    })
}

/// One keep-alive HTTP/1.1 connection that sends the same GET again and again.
struct KeepAlive {
    reader: BufReader<TcpStream>,
    request: Vec<u8>,
    body: Vec<u8>,
}

impl KeepAlive {
    fn connect(port: u16, path: &str, headers: &[(&str, &str)]) -> Result<Self, String> {
        let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let mut head = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        Ok(KeepAlive {
            reader: BufReader::new(stream),
            request: head.into_bytes(),
            body: Vec::new(),
        })
    }

    /// Sends the GET and reads the whole answer; answers the milliseconds it took. Anything
    /// but a 200 that keeps the connection open is an error.
    fn get(&mut self) -> Result<f64, String> {
        let started = Instant::now();
        self.reader
            .get_mut()
            .write_all(&self.request)
            .map_err(|e| e.to_string())?;
        let mut line = String::new();
        self.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("not an HTTP status line: {line:?}"))?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        loop {
            self.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((key, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if key.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if key.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            } else if key.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            }
        }
        self.body.clear();
        if chunked {
            self.read_chunks()?;
        } else if let Some(length) = length {
            self.body.resize(length, 0);
            self.reader
                .read_exact(&mut self.body)
                .map_err(|e| e.to_string())?;
        } else if status != 204 && status != 304 {
            return Err("a response with neither Content-Length nor chunks".into());
        }
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if status != 200 {
            return Err(format!(
                "api/status answered {status}: {}",
                String::from_utf8_lossy(&self.body)
            ));
        }
        if close {
            return Err("the server closed the keep-alive connection".into());
        }
        Ok(ms)
    }

    fn read_chunks(&mut self) -> Result<(), String> {
        let mut line = String::new();
        loop {
            self.read_line(&mut line)?;
            let size_text = line.trim_end().split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| format!("a bad chunk size: {line:?}"))?;
            if size == 0 {
                // Trailers, if any, up to the empty line.
                loop {
                    self.read_line(&mut line)?;
                    if line.trim_end().is_empty() {
                        return Ok(());
                    }
                }
            }
            let start = self.body.len();
            self.body.resize(start + size, 0);
            self.reader
                .read_exact(&mut self.body[start..])
                .map_err(|e| e.to_string())?;
            self.read_line(&mut line)?;
        }
    }

    fn read_line(&mut self, line: &mut String) -> Result<(), String> {
        line.clear();
        match self.reader.read_line(line) {
            Ok(0) => Err("the server closed the connection".into()),
            Ok(_) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let values: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), 50.0);
        assert_eq!(percentile(&values, 99.0), 99.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    }
}
