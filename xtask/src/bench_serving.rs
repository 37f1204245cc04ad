//! `cargo xtask bench serving`: figures, never asserted. The last line is one JSON object.
//!
//! A real scikit-learn model served by MLServer (one replica: min = max = 1, so the router
//! and the direct calls reach the same process) is called with the same V2 infer body:
//! - at 1 connection, straight to the replica's port and through Capstan's router (a model
//!   token), in alternating rounds so that machine noise hits both alike: p50 and p99;
//! - at 32 connections, the requests per second of each;
//! - and the router's requests per second at 32 connections in front of a trivial upstream
//!   (nginx answering at once), which shows the router's own ceiling.
//!
//! The load generator is wrk (Debian's), on the same 2 cores as everything else.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http_client::ApiClient;
use crate::process::step;
use crate::server::{self, RunningServer};
use crate::stats::{median, round};
use crate::tools;

const PROFILE: &str = "bench";
const ROUNDS: usize = 3;
const LATENCY_SECONDS: u32 = 5;
const THROUGHPUT_SECONDS: u32 = 10;
const READY_LIMIT: Duration = Duration::from_secs(120);
const INFER_BODY: &str = r#"{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP64", "data": [6.8, 2.8, 4.8, 1.4]}]}"#;

pub fn run() -> Result<(), String> {
    tools::ensure_build_tools()?;
    tools::ensure_mlserver()?;
    tools::ensure_debian_packages(&[("wrk", "/usr/bin/wrk"), ("nginx", "/usr/sbin/nginx")])?;
    server::build_release()?;

    step("start Capstan, sign in, create profile `bench`, deploy a scikit-learn model");
    let capstan = RunningServer::start(&[("CAPSTAN_SERVING_SCALE_TO_ZERO_SECONDS", "3600")])?;
    let api = ApiClient::sign_in(&capstan)?;
    api.call(
        "POST",
        "/api/v1/profiles",
        &json!({"name": PROFILE, "owner": "admin"}),
        201,
    )?;
    let model_dir = capstan.data_dir().join("models").join("iris");
    train_model(&model_dir)?;
    let iris = deploy(&api, "iris", &sklearn_manifest(&model_dir))?;
    let nginx = deploy(&api, "trivial", &nginx_manifest(capstan.data_dir())?)?;
    let token = api.call(
        "POST",
        &format!("/api/v1/profiles/{PROFILE}/models/iris/tokens"),
        &json!({"label": "bench"}),
        201,
    )?["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let trivial_token = api.call(
        "POST",
        &format!("/api/v1/profiles/{PROFILE}/models/trivial/tokens"),
        &json!({"label": "bench"}),
        201,
    )?["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let script = capstan.data_dir().join("infer.lua");
    std::fs::write(&script, lua(INFER_BODY)).map_err(|e| e.to_string())?;
    let direct = Target {
        url: format!("http://{iris}/v2/models/iris/infer"),
        token: None,
    };
    let router = Target {
        url: format!(
            "{}/serving/{PROFILE}/iris/v2/models/iris/infer",
            capstan.url
        ),
        token: Some(token),
    };

    step(&format!(
        "1 connection: {ROUNDS} rounds of {LATENCY_SECONDS} s, direct ({}) then through the router",
        direct.url
    ));
    wrk(&direct, &script, 1, 2)?;
    wrk(&router, &script, 1, 2)?;
    let mut direct_p = (Vec::new(), Vec::new());
    let mut router_p = (Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        let d = wrk(&direct, &script, 1, LATENCY_SECONDS)?;
        let r = wrk(&router, &script, 1, LATENCY_SECONDS)?;
        println!(
            "  round {round}: direct p50 {:.3} p99 {:.3} ms; router p50 {:.3} p99 {:.3} ms",
            d.p50_ms, d.p99_ms, r.p50_ms, r.p99_ms
        );
        direct_p.0.push(d.p50_ms);
        direct_p.1.push(d.p99_ms);
        router_p.0.push(r.p50_ms);
        router_p.1.push(r.p99_ms);
    }
    step(&format!(
        "32 connections, {THROUGHPUT_SECONDS} s each: direct, router"
    ));
    let direct_rps = wrk(&direct, &script, 32, THROUGHPUT_SECONDS)?.rps;
    let router_rps = wrk(&router, &script, 32, THROUGHPUT_SECONDS)?.rps;
    println!("  direct {direct_rps:.0} requests/s, router {router_rps:.0} requests/s");

    step("a trivial upstream (nginx) behind the router, 32 connections");
    let trivial_direct = Target {
        url: format!("http://{nginx}/v2/models/trivial/infer"),
        token: None,
    };
    let trivial = Target {
        url: format!(
            "{}/serving/{PROFILE}/trivial/v2/models/trivial/infer",
            capstan.url
        ),
        token: Some(trivial_token),
    };
    wrk(&trivial, &script, 32, 2)?;
    let nginx_rps = wrk(&trivial_direct, &script, 32, THROUGHPUT_SECONDS)?.rps;
    let router_rps_trivial = wrk(&trivial, &script, 32, THROUGHPUT_SECONDS)?.rps;
    println!(
        "  nginx directly {nginx_rps:.0} requests/s, through the router {router_rps_trivial:.0} requests/s"
    );

    for name in ["iris", "trivial"] {
        api.call(
            "DELETE",
            &format!("/api/v1/profiles/{PROFILE}/models/{name}"),
            &Value::Null,
            204,
        )?;
    }
    capstan.stop()?;

    let (direct_p50, direct_p99) = (median(&direct_p.0), median(&direct_p.1));
    let (router_p50, router_p99) = (median(&router_p.0), median(&router_p.1));
    println!();
    println!(
        "direct: p50 {direct_p50:.3} ms, p99 {direct_p99:.3} ms, {direct_rps:.0} requests/s at 32 connections"
    );
    println!(
        "router: p50 {router_p50:.3} ms, p99 {router_p99:.3} ms, {router_rps:.0} requests/s at 32 connections ({:.1}% of direct)",
        100.0 * router_rps / direct_rps.max(1e-9)
    );
    println!(
        "router overhead: p50 +{:.3} ms, p99 +{:.3} ms; in front of nginx {router_rps_trivial:.0} requests/s (nginx alone {nginx_rps:.0})",
        router_p50 - direct_p50,
        router_p99 - direct_p99
    );
    println!(
        "{}",
        json!({
            "direct_p50_ms": round(direct_p50),
            "direct_p99_ms": round(direct_p99),
            "router_p50_ms": round(router_p50),
            "router_p99_ms": round(router_p99),
            "overhead_p50_ms": round(router_p50 - direct_p50),
            "overhead_p99_ms": round(router_p99 - direct_p99),
            "direct_rps": direct_rps.round(),
            "router_rps": router_rps.round(),
            "router_rps_trivial": router_rps_trivial.round(),
        })
    );
    Ok(())
}

struct Target {
    url: String,
    token: Option<String>,
}

struct Measured {
    p50_ms: f64,
    p99_ms: f64,
    rps: f64,
}

/// Runs wrk (one thread per 16 connections, at most 2) and reads its percentiles and rate.
fn wrk(target: &Target, script: &Path, connections: u32, seconds: u32) -> Result<Measured, String> {
    let threads = connections.div_ceil(16).clamp(1, 2);
    let mut command = Command::new("wrk");
    command
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("--latency")
        .arg("-s")
        .arg(script);
    if let Some(token) = &target.token {
        command
            .arg("-H")
            .arg(format!("Authorization: Bearer {token}"));
    }
    let output = command
        .arg(&target.url)
        .output()
        .map_err(|e| format!("could not run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    if !output.status.success() {
        return Err(format!(
            "wrk failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    if text.contains("Non-2xx") {
        return Err(format!(
            "answers other than 2xx from {}:\n{text}",
            target.url
        ));
    }
    let percentile = |label: &str| -> Result<f64, String> {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(label))
            .and_then(|rest| duration_ms(rest.trim()))
            .ok_or_else(|| format!("no {label} percentile in wrk's output:\n{text}"))
    };
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no rate in wrk's output:\n{text}"))?;
    Ok(Measured {
        p50_ms: percentile("50%")?,
        p99_ms: percentile("99%")?,
        rps,
    })
}

/// wrk's durations: `812.00us`, `1.23ms`, `2.00s`.
fn duration_ms(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e3)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

fn lua(body: &str) -> String {
    format!(
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [[{body}]]\n"
    )
}

/// Deploys `manifest` and waits until the model is ready; answers its replica's address.
fn deploy(api: &ApiClient, name: &str, manifest: &Value) -> Result<String, String> {
    api.call(
        "POST",
        &format!("/api/v1/profiles/{PROFILE}/models"),
        manifest,
        201,
    )?;
    let started = Instant::now();
    loop {
        let detail = api.call(
            "GET",
            &format!("/api/v1/profiles/{PROFILE}/models/{name}"),
            &Value::Null,
            200,
        )?;
        let address = detail["replicas"]
            .as_array()
            .and_then(|r| r.iter().find_map(|r| r["address"].as_str()))
            .map(str::to_owned);
        if detail["summary"]["state"] == "ready"
            && let Some(address) = address
        {
            println!(
                "  {name} ready after {:.1} s at {address}",
                started.elapsed().as_secs_f64()
            );
            return Ok(address);
        }
        if started.elapsed() > READY_LIMIT {
            return Err(format!(
                "model {name} was not ready after {READY_LIMIT:?}: {detail}"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A logistic regression on iris-like rows, saved as KServe's sklearn format expects it.
fn train_model(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let python = tools::mlserver_venv().join("bin").join("python3");
    let script = format!(
        "from sklearn.linear_model import LogisticRegression\nimport joblib\n\
         X = [[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [6.8, 2.8, 4.8, 1.4], [6.7, 3.1, 4.4, 1.4]]\n\
         joblib.dump(LogisticRegression().fit(X, [0, 0, 1, 1]), '{}')\n",
        dir.join("model.joblib").display()
    );
    crate::process::run(Command::new(python).arg("-c").arg(script))
}

fn sklearn_manifest(dir: &Path) -> Value {
    json!({
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "iris"},
        "spec": {"predictor": {
            "minReplicas": 1, "maxReplicas": 1,
            "model": {"modelFormat": {"name": "sklearn"}, "storageUri": format!("file://{}", dir.display())}
        }}
    })
}

/// nginx from the bench's config, on the replica's `$PORT`, in its own folder.
fn nginx_manifest(data_dir: &Path) -> Result<Value, String> {
    let template = crate::process::root()
        .join("xtask")
        .join("bench")
        .join("nginx-trivial.conf");
    let folder = data_dir.join("nginx");
    std::fs::create_dir_all(folder.join("tmp")).map_err(|e| e.to_string())?;
    let script = format!(
        "sed \"s/@PORT@/$PORT/\" {} > {dir}/nginx.conf && exec nginx -p {dir} -c {dir}/nginx.conf",
        template.display(),
        dir = folder.display()
    );
    Ok(json!({
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "trivial"},
        "spec": {"predictor": {
            "minReplicas": 1, "maxReplicas": 1,
            "containers": [{"name": "nginx", "command": ["sh", "-c", script]}]
        }}
    }))
}
