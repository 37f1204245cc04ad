//! `cargo xtask bench http`: figures, never asserted. The last line is one JSON object.

use std::process::Command;
use std::time::Instant;

use crate::http_client::request;
use crate::process::step;
use crate::server::{self, RunningServer};
use crate::stats::round;
use crate::tools;

pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("http") => http(),
        Some("auth") => auth(),
        Some("scheduler") => crate::bench_scheduler::run_bench(&args[1..]),
        Some("notebooks") => crate::bench_notebooks::run(),
        Some("serving") => crate::bench_serving::run(),
        Some("pipelines") => crate::bench_pipelines::run(),
        Some("tuning") => crate::bench_tuning::run(&args[1..]),
        _ => Err(
            "usage: cargo xtask bench http|auth|scheduler|notebooks|pipelines|tuning [regrets]|serving"
                .to_owned(),
        ),
    }
}

/// Sign-in through the test OpenID provider, one authorization check, and listing a user's
/// profiles among 1,000 (target under 5 ms): the release build of `server/examples/auth_bench.rs`.
fn auth() -> Result<(), String> {
    crate::e2e::ensure_node_modules(&testkit::oidc::provider_dir())?;
    step("auth benchmark (release build of server/examples/auth_bench.rs)");
    crate::process::run(Command::new("cargo").args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "server",
        "--example",
        "auth_bench",
    ]))
}

fn http() -> Result<(), String> {
    tools::ensure_build_tools()?;
    tools::ensure_debian_packages(&[("wrk", "/usr/bin/wrk")])?;
    server::build_release()?;

    step("start: from launch to /readyz on an empty data directory");
    let launched = Instant::now();
    let capstan = RunningServer::start(&[])?;
    let start_ms = launched.elapsed().as_secs_f64() * 1000.0;
    println!("start to ready: {start_ms:.0} ms");

    let cookie = sign_in(capstan.port(), &capstan.admin_password)?;
    let (status, _, _) = request(capstan.port(), "GET", "/", &[("Cookie", &cookie)], "")?;
    if status != 200 {
        return Err(format!("the Home page answered {status} when signed in"));
    }

    step("Home page, server-side rendered: 64 connections for 10 s (wrk)");
    let output = Command::new("wrk")
        .args(["-t2", "-c64", "-d10s", "--latency", "-H"])
        .arg(format!("Cookie: {cookie}"))
        .arg(format!("{}/", capstan.url))
        .output()
        .map_err(|e| format!("could not run wrk: {e}"))?;
    let report = String::from_utf8_lossy(&output.stdout).to_string();
    println!("{report}");
    let home_rps = wrk_figure(&report, "Requests/sec:").ok_or("wrk printed no Requests/sec")?;
    let home_p50_ms = wrk_latency_ms(&report, "50%").ok_or("wrk printed no p50")?;
    let home_p99_ms = wrk_latency_ms(&report, "99%").ok_or("wrk printed no p99")?;
    if report.contains("Non-2xx") {
        return Err(
            "some Home page requests did not answer 2xx; the figures would be wrong".into(),
        );
    }

    let rss_mib = peak_rss_mib(capstan.pid())?;
    let first_visit_kib = first_visit_kib(capstan.port(), &cookie)?;
    capstan.stop()?;

    println!("start {start_ms:.0} ms (target ≤ 1000)");
    println!(
        "Home {home_rps:.0} req/s, p50 {home_p50_ms:.2} ms, p99 {home_p99_ms:.2} ms (target p99 ≤ 10)"
    );
    println!("peak memory {rss_mib:.1} MiB (target ≤ 60)");
    println!("first visit {first_visit_kib:.1} KiB of wasm + JS + CSS, compressed (target ≤ 400)");
    println!(
        "{}",
        serde_json::json!({
            "start_ms": round(start_ms),
            "home_rps": round(home_rps),
            "home_p50_ms": round(home_p50_ms),
            "home_p99_ms": round(home_p99_ms),
            "rss_mib": round(rss_mib),
            "first_visit_kib": round(first_visit_kib),
        })
    );
    Ok(())
}

/// Signs in as the admin; answers the session cookie (`name=value`).
pub(crate) fn sign_in(port: u16, password: &str) -> Result<String, String> {
    let body = format!(
        "username=admin&password={}&next=%2F",
        api::encode_query_value(password)
    );
    let (status, headers, _) = request(
        port,
        "POST",
        "/auth/local",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &body,
    )?;
    let cookie = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .and_then(|(_, v)| v.split(';').next())
        .map(str::to_owned);
    match (status, cookie) {
        (303, Some(cookie)) => Ok(cookie),
        (status, _) => Err(format!(
            "sign-in answered {status} without a session cookie"
        )),
    }
}

/// Bytes of wasm, JS and CSS that the Home page makes a browser fetch, as sent compressed.
fn first_visit_kib(port: u16, cookie: &str) -> Result<f64, String> {
    let (_, _, html) = request(port, "GET", "/", &[("Cookie", cookie)], "")?;
    let html = String::from_utf8_lossy(&html).to_string();
    let mut assets: Vec<String> = html
        .match_indices("/pkg/")
        .filter_map(|(at, _)| {
            let rest = &html[at..];
            let end = rest.find(['"', '\'', ' ', ')', '>'])?;
            Some(rest[..end].to_owned())
        })
        .collect();
    assets.sort();
    assets.dedup();
    if !assets.iter().any(|a| a.ends_with(".wasm")) || !assets.iter().any(|a| a.ends_with(".js")) {
        return Err(format!(
            "the Home page references no wasm or JS bundle: {assets:?}"
        ));
    }
    let mut bytes = 0usize;
    for asset in &assets {
        let (status, headers, body) =
            request(port, "GET", asset, &[("Accept-Encoding", "br, gzip")], "")?;
        if status != 200 {
            return Err(format!("{asset} answered {status}"));
        }
        let encoding = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-encoding"))
            .map(|(_, v)| v.as_str())
            .unwrap_or("identity");
        println!(
            "  {asset}: {:.1} KiB ({encoding})",
            body.len() as f64 / 1024.0
        );
        bytes += body.len();
    }
    Ok(bytes as f64 / 1024.0)
}

fn peak_rss_mib(pid: u32) -> Result<f64, String> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or("no VmHWM in /proc status")?;
    Ok(kib / 1024.0)
}

fn wrk_figure(report: &str, label: &str) -> Option<f64> {
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .and_then(|v| v.trim().parse().ok())
}

/// A line of wrk's latency distribution, such as `99%    4.21ms`, in milliseconds.
fn wrk_latency_ms(report: &str, percentile: &str) -> Option<f64> {
    let value = report
        .lines()
        .find_map(|l| l.trim().strip_prefix(percentile))?
        .trim();
    let split = value.find(|c: char| c.is_ascii_alphabetic())?;
    let number: f64 = value[..split].parse().ok()?;
    match &value[split..] {
        "us" => Some(number / 1000.0),
        "ms" => Some(number),
        "s" => Some(number * 1000.0),
        "m" => Some(number * 60_000.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK: &str = "Running 10s test @ http://127.0.0.1:1/\n  Latency Distribution\n     50%    1.52ms\n     75%  800.00us\n     99%    1.10s\nRequests/sec:  12345.67\n";

    #[test]
    fn reads_wrk_figures() {
        assert_eq!(wrk_figure(WRK, "Requests/sec:"), Some(12345.67));
        assert_eq!(wrk_latency_ms(WRK, "50%"), Some(1.52));
        assert_eq!(wrk_latency_ms(WRK, "75%"), Some(0.8));
        assert_eq!(wrk_latency_ms(WRK, "99%"), Some(1100.0));
    }
}
