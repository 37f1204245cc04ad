//! `cargo xtask bench scheduler [TRACE_DIR]`: `capstan sim` on every pod list of the Alibaba
//! GPU trace (default `../shared/data/alibaba-gpu-v2023`) with the GPU node list, under both
//! policies, then fgd on the default pods with the node list repeated to 10,000 nodes. Prints
//! a table; the last line is one JSON object. Figures, never asserted.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{root, run, step};

/// Seeds per trace and policy (the figures are means of 10).
const SEEDS: u64 = 10;
/// Seeds for the 10,000-node replay (about ten times the decisions of one seed on the list).
const SEEDS_10K: u64 = 3;
const NODES_10K: usize = 10_000;
const NODE_LIST: &str = "openb_node_list_gpu_node.csv";
const POD_LIST_PREFIX: &str = "openb_pod_list_";
const POLICIES: [&str; 2] = ["best-fit", "fgd"];

struct Row {
    trace: String,
    policy: &'static str,
    figures: serde_json::Value,
}

pub fn run_bench(args: &[String]) -> Result<(), String> {
    let dir = match args.first() {
        Some(dir) => PathBuf::from(dir),
        None => root()
            .join("..")
            .join("shared")
            .join("data")
            .join("alibaba-gpu-v2023"),
    };
    let nodes = dir.join(NODE_LIST);
    if !nodes.is_file() {
        return Err(format!(
            "no {NODE_LIST} in {}: give the trace folder as `cargo xtask bench scheduler DIR`",
            dir.display()
        ));
    }
    let traces = pod_lists(&dir)?;
    let capstan = build()?;

    let mut rows = Vec::new();
    for (trace, pods) in &traces {
        for policy in POLICIES {
            step(&format!("capstan sim: {trace}, {policy}, {SEEDS} seeds"));
            let figures = sim(&capstan, &nodes, pods, policy, SEEDS, None)?;
            rows.push(Row {
                trace: trace.clone(),
                policy,
                figures,
            });
        }
    }
    let default_pods = traces
        .iter()
        .find(|(trace, _)| trace == "default")
        .map(|(_, pods)| pods.clone())
        .ok_or_else(|| format!("no {POD_LIST_PREFIX}default.csv in {}", dir.display()))?;
    step(&format!(
        "capstan sim: default, fgd, the node list repeated to {NODES_10K} nodes, {SEEDS_10K} seeds"
    ));
    let large = sim(
        &capstan,
        &nodes,
        &default_pods,
        "fgd",
        SEEDS_10K,
        Some(NODES_10K),
    )?;

    print_table(&rows, &large);
    let number = |v: &serde_json::Value, key: &str| v[key].as_f64().unwrap_or(f64::NAN);
    println!(
        "{}",
        serde_json::json!({
            "rows": rows
                .iter()
                .map(|r| serde_json::json!({
                    "trace": r.trace,
                    "policy": r.policy,
                    "gpu_alloc_pct": number(&r.figures, "gpu_alloc_pct"),
                    "p99_us": number(&r.figures, "p99_us"),
                }))
                .collect::<Vec<_>>(),
            "p99_us_10k_nodes": number(&large, "p99_us"),
        })
    );
    Ok(())
}

/// The pod lists in the folder, by trace name (`openb_pod_list_NAME.csv`), default first.
fn pod_lists(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut lists: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            let trace = name
                .strip_prefix(POD_LIST_PREFIX)?
                .strip_suffix(".csv")?
                .to_owned();
            Some((trace, entry.path()))
        })
        .collect();
    lists.sort_by_key(|(trace, _)| (trace != "default", trace.clone()));
    if lists.is_empty() {
        return Err(format!("no {POD_LIST_PREFIX}*.csv in {}", dir.display()));
    }
    Ok(lists)
}

/// The release `capstan`, built in its own target folder (`target/sim`) so that it neither
/// waits for nor invalidates the release build that cargo-leptos makes; without LTO, which
/// takes minutes on the whole server and nothing measurable from a replay whose hot loop is
/// within the backend crate.
fn build() -> Result<PathBuf, String> {
    let target = root().join("target").join("sim");
    step("building capstan in release (target/sim, LTO off)");
    run(Command::new("cargo")
        .args(["build", "--release", "-p", "server", "--bin", "capstan"])
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .current_dir(root()))?;
    Ok(target.join("release").join("capstan"))
}

/// One `capstan sim` run: its JSON answer.
fn sim(
    capstan: &Path,
    nodes: &Path,
    pods: &Path,
    policy: &str,
    seeds: u64,
    replicate: Option<usize>,
) -> Result<serde_json::Value, String> {
    let mut command = Command::new(capstan);
    command
        .arg("sim")
        .arg("--nodes")
        .arg(nodes)
        .arg("--pods")
        .arg(pods)
        .args(["--policy", policy, "--seeds", &seeds.to_string()]);
    if let Some(count) = replicate {
        command.args(["--replicate-nodes", &count.to_string()]);
    }
    let output = command
        .output()
        .map_err(|e| format!("could not run {}: {e}", capstan.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "capstan sim failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).map_err(|e| format!("capstan sim printed `{last}`: {e}"))
}

fn print_table(rows: &[Row], large: &serde_json::Value) {
    let number = |v: &serde_json::Value, key: &str| v[key].as_f64().unwrap_or(f64::NAN);
    println!();
    println!(
        "{:<14} {:<9} {:>5} {:>13} {:>15} {:>8} {:>8} {:>12}",
        "trace", "policy", "seeds", "gpu_alloc_%", "min–max", "p50_us", "p99_us", "decisions/s"
    );
    for row in rows {
        let f = &row.figures;
        println!(
            "{:<14} {:<9} {:>5} {:>13.2} {:>15} {:>8.1} {:>8.1} {:>12.0}",
            row.trace,
            row.policy,
            f["seeds"].as_u64().unwrap_or(1),
            number(f, "gpu_alloc_pct"),
            format!(
                "{:.2}–{:.2}",
                number(f, "gpu_alloc_pct_min"),
                number(f, "gpu_alloc_pct_max")
            ),
            number(f, "p50_us"),
            number(f, "p99_us"),
            number(f, "decisions_per_sec"),
        );
    }
    println!(
        "{:<14} {:<9} {:>5} {:>13.2} {:>15} {:>8.1} {:>8.1} {:>12.0}",
        format!("default×{}", large["nodes"].as_u64().unwrap_or(0)),
        "fgd",
        large["seeds"].as_u64().unwrap_or(1),
        number(large, "gpu_alloc_pct"),
        format!(
            "{:.2}–{:.2}",
            number(large, "gpu_alloc_pct_min"),
            number(large, "gpu_alloc_pct_max")
        ),
        number(large, "p50_us"),
        number(large, "p99_us"),
        number(large, "decisions_per_sec"),
    );
    println!();
    let alloc = |trace: &str, policy: &str| {
        rows.iter()
            .find(|r| r.trace == trace && r.policy == policy)
            .map_or(f64::NAN, |r| number(&r.figures, "gpu_alloc_pct"))
    };
    let mut traces: Vec<&str> = rows.iter().map(|r| r.trace.as_str()).collect();
    traces.dedup();
    for trace in traces {
        let (fgd, best_fit) = (alloc(trace, "fgd"), alloc(trace, "best-fit"));
        println!(
            "{trace}: fgd {fgd:.2}% vs best-fit {best_fit:.2}% ({:+.2}; target: fgd ahead)",
            fgd - best_fit
        );
    }
    let fgd_default = rows
        .iter()
        .find(|r| r.trace == "default" && r.policy == "fgd");
    if let Some(row) = fgd_default {
        println!(
            "default fgd: {:.2}% (target ≥ 95.5), p99 {:.1} µs (target ≤ 50)",
            number(&row.figures, "gpu_alloc_pct"),
            number(&row.figures, "p99_us")
        );
    }
    println!(
        "{} nodes fgd: p99 {:.1} µs (target ≤ 200)",
        large["nodes"].as_u64().unwrap_or(0),
        number(large, "p99_us")
    );
}
