//! `cargo xtask bench pipelines`: figures, never asserted. The last line is one JSON object.
//!
//! - The reference pipeline (`../shared/bench/kfp_ten_tasks.py`, 10 task runs: a producer, 4
//!   readers of its artifact, an aggregate, a condition holding a 3-way parallel-for, a
//!   collector), compiled by the kfp SDK, run alternately by kfp.local
//!   (`SubprocessRunner(use_venv=False)`; the pipeline call, timed in the harness) and by a
//!   release Capstan (from the run's creation to its end, as Capstan records them; caching
//!   off), RUNS times each; medians and their ratio.
//! - Task overhead: for every task of Capstan's runs, from the latest exit of another task
//!   before it started to its start (its workload's times, recorded by the engine in ms).
//!   This is Capstan's own path from one process's end to the next one's spawn.
//! - The run list with 100,000 runs in the database: the first page of the default listing,
//!   a state filter, a name sort and a name search, each timed over HTTP; the slowest median.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http_client::ApiClient;
use crate::process::{root, step};
use crate::server::{self, RunningServer, sqlite};
use crate::stats::{median, percentile, round};
use crate::tools;

const PROFILE: &str = "bench";
const RUNS: usize = 5;
const BULK_RUNS: u32 = 100_000;
const LIST_SAMPLES: usize = 20;
const POLL: Duration = Duration::from_millis(10);

pub fn run() -> Result<(), String> {
    tools::ensure_build_tools()?;
    tools::ensure_kfp()?;
    server::build_release()?;
    let pipeline = root()
        .join("..")
        .join("shared")
        .join("bench")
        .join("kfp_ten_tasks.py");
    if !pipeline.is_file() {
        return Err(format!(
            "the reference pipeline is missing: {}",
            pipeline.display()
        ));
    }
    let work = std::env::temp_dir().join(format!("capstan-bench-pipelines-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let ir = work.join("kfp_ten_tasks.yaml");
    step("compiling the reference pipeline with the kfp SDK");
    harness(&["compile", &path(&pipeline), "baseline", &path(&ir)])?;

    step("start Capstan, sign in, create profile `bench`, upload the pipeline");
    let capstan = RunningServer::start(&[])?;
    let client = ApiClient::sign_in(&capstan)?;
    client.call(
        "POST",
        "/api/v1/profiles",
        &json!({"name": PROFILE, "owner": "admin"}),
        201,
    )?;
    let source = std::fs::read_to_string(&ir).map_err(|e| e.to_string())?;
    client.call(
        "POST",
        &format!("/api/v1/profiles/{PROFILE}/pipelines"),
        &json!({"name": "ten-tasks", "source": source}),
        201,
    )?;

    step(&format!(
        "{RUNS} runs each, alternating: kfp.local, then Capstan"
    ));
    let (mut local_s, mut capstan_s, mut gaps) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..RUNS {
        let seconds = kfp_local(&pipeline, &work.join(format!("local-{i}")))?;
        let (ours, run_gaps) = capstan_run(&client, capstan.data_dir())?;
        println!("  run {i}: kfp.local {seconds:.3} s, Capstan {ours:.3} s");
        local_s.push(seconds);
        capstan_s.push(ours);
        gaps.extend(run_gaps);
    }

    step(&format!(
        "the run list with {BULK_RUNS} runs in the database"
    ));
    bulk_runs(capstan.data_dir())?;
    let lists = [
        ("first page", "limit=50"),
        ("failed only", "state=failed&limit=50"),
        ("by name", "sort=name&order=asc&limit=50"),
        ("name search", "q=bulk-9999&limit=50"),
    ];
    let mut list_ms = Vec::new();
    for (what, query) in lists {
        let path = format!("/api/v1/profiles/{PROFILE}/runs?{query}");
        let mut samples = Vec::new();
        for _ in 0..LIST_SAMPLES {
            let start = Instant::now();
            let page = client.call("GET", &path, &Value::Null, 200)?;
            samples.push(start.elapsed().as_secs_f64() * 1000.0);
            if page["total"].as_u64().unwrap_or(0) == 0 {
                return Err(format!("the run list ({what}) is empty"));
            }
        }
        let ms = median(&samples);
        println!("  {what}: median {ms:.2} ms ({LIST_SAMPLES} requests)");
        list_ms.push(ms);
    }
    capstan.stop()?;
    let _ = std::fs::remove_dir_all(&work);

    let kfp_local_s = median(&local_s);
    let capstan_median = median(&capstan_s);
    let overhead = median(&gaps);
    println!();
    println!(
        "kfp.local median {kfp_local_s:.3} s, Capstan median {capstan_median:.3} s: {:.2}x",
        kfp_local_s / capstan_median
    );
    // The spread says more than the median on a 2-core machine: tasks that follow one other
    // are the low end, the later siblings of a wave the high end.
    println!(
        "task overhead (exit to next spawn): median {overhead:.1} ms (p25 {:.1}, p75 {:.1}, \
         max {:.1}) over {} task starts",
        percentile(&gaps, 25.0),
        percentile(&gaps, 75.0),
        percentile(&gaps, 100.0),
        gaps.len()
    );
    println!(
        "{}",
        json!({
            "kfp_local_s": round3(kfp_local_s),
            "capstan_s": round3(capstan_median),
            "speedup": round(kfp_local_s / capstan_median),
            "task_overhead_ms": round(overhead),
            "run_list_100k_ms": round(list_ms.iter().copied().fold(0.0, f64::max)),
        })
    );
    Ok(())
}

/// One kfp.local run; the seconds of the pipeline call.
fn kfp_local(pipeline: &Path, root: &Path) -> Result<f64, String> {
    let out = harness(&["local", &path(pipeline), "baseline", &path(root)])?;
    let summary: Value = out
        .lines()
        .find_map(|l| l.strip_prefix("SUMMARY "))
        .and_then(|l| serde_json::from_str(l).ok())
        .ok_or("the kfp harness printed no summary")?;
    summary["seconds"][0]
        .as_f64()
        .ok_or_else(|| "the kfp harness gave no time".to_owned())
}

/// One Capstan run: its seconds from creation to end, and its tasks' overheads in ms.
fn capstan_run(client: &ApiClient, data_dir: &Path) -> Result<(f64, Vec<f64>), String> {
    let run = client.call(
        "POST",
        &format!("/api/v1/profiles/{PROFILE}/runs"),
        &json!({"pipeline": "ten-tasks", "caching": false}),
        201,
    )?;
    let id = run["id"].as_i64().ok_or("the new run has no id")?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let detail = loop {
        let detail = client.call(
            "GET",
            &format!("/api/v1/profiles/{PROFILE}/runs/{id}"),
            &Value::Null,
            200,
        )?;
        if detail["run"]["finished_at_ms"].is_i64() {
            break detail;
        }
        if Instant::now() > deadline {
            return Err(format!("run {id} did not finish in 2 minutes"));
        }
        std::thread::sleep(POLL);
    };
    if detail["run"]["state"] != "succeeded" {
        return Err(format!("run {id} did not succeed: {}", detail["run"]));
    }
    let created = detail["run"]["created_at_ms"].as_i64().unwrap_or(0);
    let finished = detail["run"]["finished_at_ms"].as_i64().unwrap_or(0);
    let tasks = detail["tasks"].as_array().map(Vec::len).unwrap_or(0);
    if tasks == 0 {
        return Err(format!("run {id} has no tasks"));
    }
    Ok((
        (finished - created) as f64 / 1000.0,
        task_gaps(data_dir, id)?,
    ))
}

/// For each task workload of the run: its start minus the latest end of another before it.
fn task_gaps(data_dir: &Path, run_id: i64) -> Result<Vec<f64>, String> {
    let rows = sqlite(
        data_dir,
        &format!(
            "SELECT started_at_ms, finished_at_ms FROM workloads \
             WHERE name LIKE 'run-{run_id}-%' AND started_at_ms IS NOT NULL"
        ),
    )?;
    let times: Vec<(i64, i64)> = rows
        .iter()
        .filter_map(|r| Some((r[0].as_i64()?, r[1].as_i64()?)))
        .collect();
    Ok(times
        .iter()
        .filter_map(|(start, _)| {
            times
                .iter()
                .map(|(_, end)| *end)
                .filter(|end| end <= start)
                .max()
                .map(|end| (start - end) as f64)
        })
        .collect())
}

/// 100,000 finished runs of the uploaded version, one in ten failed, in one statement.
fn bulk_runs(data_dir: &Path) -> Result<(), String> {
    sqlite(
        data_dir,
        &format!(
            "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {BULK_RUNS}) \
             INSERT INTO runs (profile, name, version_id, options_json, state, reason, \
             created_by, created_at_ms, started_at_ms, finished_at_ms) \
             SELECT '{PROFILE}', 'bulk-' || i, (SELECT MAX(id) FROM pipeline_versions), \
             '{{\"parameters\":{{}},\"caching\":true,\"parallelism\":null}}', \
             CASE i % 10 WHEN 0 THEN 'failed' ELSE 'succeeded' END, '', 'admin', \
             1700000000000 + i * 1000, 1700000000000 + i * 1000, 1700000000000 + i * 1000 + 500 \
             FROM k"
        ),
    )
    .map(|_| ())
}

/// The kfp harness (backend/tests/kfp/harness.py) in the kfp virtualenv.
fn harness(args: &[&str]) -> Result<String, String> {
    let script = root()
        .join("backend")
        .join("tests")
        .join("kfp")
        .join("harness.py");
    let out = Command::new(tools::kfp_venv().join("bin").join("python3"))
        .arg(script)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run the kfp harness: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the kfp harness failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn path(p: &Path) -> String {
    PathBuf::from(p).display().to_string()
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
