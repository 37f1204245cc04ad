//! Installs what a fresh machine lacks, at pinned versions. Everything comes from crates.io,
//! npm or Debian; nothing is downloaded from GitHub (it is unreachable here).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{root, run, step, version_of};

const CARGO_LEPTOS_VERSION: &str = "0.3.8";
/// Debian's binaryen (108) builds a wasm that fails to hydrate; npm's works.
const BINARYEN_VERSION: &str = "132.0.0";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Where npm-installed tools live (ignored by git).
pub fn tools_dir() -> PathBuf {
    root().join(".tools")
}

/// PATH with the npm-installed tools first, so cargo-leptos finds `wasm-opt`, and then
/// JupyterLab's virtualenv, so that the default notebook environment finds `jupyter-lab`.
pub fn path_with_tools() -> String {
    let bin = tools_dir().join("node_modules").join(".bin");
    let current = std::env::var("PATH").unwrap_or_default();
    format!(
        "{}:{}:{}:{current}",
        bin.display(),
        jupyter_venv().join("bin").display(),
        mlserver_venv().join("bin").display()
    )
}

/// The JupyterLab that the built-in notebook environment runs.
const JUPYTERLAB: &str = "jupyterlab==4.6.6";

/// The Kubeflow Pipelines SDK: compiles pipelines in tests and benchmarks, and its executor
/// runs lightweight Python components as pipeline tasks.
const KFP: &str = "kfp==2.17.3";

/// The virtualenv with JupyterLab (ignored by git).
pub fn jupyter_venv() -> PathBuf {
    tools_dir().join("jupyter")
}

/// MLServer and its sklearn, xgboost and lightgbm runtimes, and onnxruntime for Capstan's own
/// ONNX runtime: what standalone mode serves models with (onnx builds the tests' ONNX model).
/// xgboost comes as PyPI's `xgboost-cpu` (the `xgboost` wheel pulls in NCCL, ~200 MB).
const MLSERVER: [&str; 8] = [
    "mlserver==1.7.1",
    "mlserver-sklearn==1.7.1",
    "mlserver-lightgbm==1.7.1",
    "scikit-learn==1.9.1",
    "lightgbm==4.7.0",
    "xgboost-cpu==3.2.0",
    "onnxruntime==1.32.0",
    "onnx==1.23.2",
];
/// Installed without its dependencies, which would bring the full `xgboost` back.
const MLSERVER_XGBOOST: &str = "mlserver-xgboost==1.7.1";

/// The virtualenv with MLServer (ignored by git).
pub fn mlserver_venv() -> PathBuf {
    tools_dir().join("mlserver")
}

/// A Python virtualenv with the pinned MLServer and runtimes, from PyPI; about 50 seconds,
/// once (560 MB).
pub fn ensure_mlserver() -> Result<(), String> {
    let venv = mlserver_venv();
    ensure_venv(&venv, &MLSERVER, "mlserver", "model serving")?;
    let marker = venv.join("capstan-xgboost-pin.txt");
    if std::fs::read_to_string(&marker).unwrap_or_default() != MLSERVER_XGBOOST {
        run(Command::new(venv.join("bin").join("pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
            ])
            .arg(MLSERVER_XGBOOST))?;
        std::fs::write(&marker, MLSERVER_XGBOOST).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The virtualenv with the kfp SDK (ignored by git).
pub fn kfp_venv() -> PathBuf {
    tools_dir().join("kfp")
}

/// A Python virtualenv with the pinned JupyterLab, from PyPI; about 20 seconds, once.
pub fn ensure_jupyter() -> Result<(), String> {
    ensure_venv(&jupyter_venv(), &[JUPYTERLAB], "jupyter-lab", "notebooks")
}

/// A Python virtualenv with the pinned kfp SDK, from PyPI; about 15 seconds, once.
pub fn ensure_kfp() -> Result<(), String> {
    ensure_venv(&kfp_venv(), &[KFP], "kfp", "pipelines")
}

/// torch, for the training tests' PyTorchJob (a gloo all-reduce on CPU), and Optuna with what
/// its GPSampler needs, for `cargo xtask bench tuning`'s comparison: torch and scipy, and
/// greenlet, without which it warns and falls back to optimizing its acquisition function one
/// start at a time (twice as slow, and not how Optuna means it to run). PyPI's torch is the
/// CUDA build, about 5 GB installed: hence one virtualenv outside the clone, shared by both.
const TORCH: [&str; 4] = [
    "optuna==5.0.0",
    "scipy==1.17.1",
    "torch==2.15.0",
    "greenlet==3.5.6",
];

/// A virtualenv with the pinned torch, Optuna and scipy, from PyPI (minutes, once), shared by
/// every clone: `~/.cache/capstan/optuna-venv` (named after its first use).
pub fn ensure_torch() -> Result<PathBuf, String> {
    let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
    let venv = PathBuf::from(home)
        .join(".cache")
        .join("capstan")
        .join("optuna-venv");
    ensure_venv(
        &venv,
        &TORCH,
        "optuna",
        "the training tests and the tuning benchmark",
    )?;
    Ok(venv)
}

/// Sets what Capstan and the tests need to find the tools: PATH (wasm-opt, jupyter-lab) and
/// `CAPSTAN_PIPELINE_PATH` (the `python3` with kfp that pipeline tasks run).
pub fn with_tools(command: &mut Command) -> &mut Command {
    command
        .env("PATH", path_with_tools())
        .env("CAPSTAN_PIPELINE_PATH", kfp_venv().join("bin"))
}

/// `pins` installed in the virtualenv `venv` (checked by its `program` and a pin file).
fn ensure_venv(venv: &Path, pins: &[&str], program: &str, purpose: &str) -> Result<(), String> {
    let pin_file = venv.join("capstan-pin.txt");
    let wanted = pins.join(" ");
    let installed = std::fs::read_to_string(&pin_file).unwrap_or_default();
    if installed.trim() == wanted && venv.join("bin").join(program).exists() {
        return Ok(());
    }
    step(&format!(
        "installing {wanted} in a virtualenv ({}) for {purpose}",
        venv.display()
    ));
    // An existing virtualenv is kept: pip then installs only what differs from the pins, and
    // the Optuna one holds gigabytes of torch.
    let usable = Command::new(venv.join("bin").join("python3"))
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !usable {
        let _ = std::fs::remove_dir_all(venv);
        if run(Command::new("python3").arg("-m").arg("venv").arg(venv)).is_err() {
            // Debian's own Python keeps venv in a package of its own.
            ensure_debian_packages(&[(
                "python3-venv",
                "/usr/lib/python3/dist-packages/ensurepip",
            )])?;
            run(Command::new("python3").arg("-m").arg("venv").arg(venv))?;
        }
    }
    run(Command::new(venv.join("bin").join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(pins))?;
    std::fs::write(&pin_file, wanted).map_err(|e| e.to_string())
}

/// The wasm target, cargo-leptos, wasm-bindgen (the lock file's version) and wasm-opt.
pub fn ensure_build_tools() -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_cargo_leptos()?;
    ensure_wasm_bindgen()?;
    ensure_wasm_opt()
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(WASM_TARGET))
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    step(&format!("installing the Rust target {WASM_TARGET}"));
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

fn ensure_cargo_leptos() -> Result<(), String> {
    let current = version_of("cargo-leptos").unwrap_or_default();
    if current.ends_with(CARGO_LEPTOS_VERSION) {
        return Ok(());
    }
    step(&format!(
        "installing cargo-leptos {CARGO_LEPTOS_VERSION} (no downloads at build time); this compiles for 10-15 minutes, once"
    ));
    run(Command::new("cargo").args([
        "install",
        "cargo-leptos",
        "--version",
        CARGO_LEPTOS_VERSION,
        "--locked",
        "--features",
        "no_downloads",
    ]))
}

fn ensure_wasm_bindgen() -> Result<(), String> {
    let wanted = locked_version("wasm-bindgen")?;
    let current = version_of("wasm-bindgen").unwrap_or_default();
    if current == format!("wasm-bindgen {wanted}") {
        return Ok(());
    }
    step(&format!(
        "installing wasm-bindgen-cli {wanted} (the version in Cargo.lock); about 2 minutes, once"
    ));
    // Not --locked: its lock file names a yanked crate.
    run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

fn ensure_wasm_opt() -> Result<(), String> {
    let wasm_opt = tools_dir()
        .join("node_modules")
        .join(".bin")
        .join("wasm-opt");
    let current = Command::new(&wasm_opt)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(&BINARYEN_VERSION[..3]))
        .unwrap_or(false);
    if current {
        return Ok(());
    }
    step(&format!(
        "installing wasm-opt (npm binaryen {BINARYEN_VERSION})"
    ));
    std::fs::create_dir_all(tools_dir()).map_err(|e| e.to_string())?;
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(tools_dir())
        .arg(format!("binaryen@{BINARYEN_VERSION}")))
}

/// Debian packages the tests need: chromium for the browser tests, PostgreSQL for the
/// database tests, wrk for the benchmark.
pub fn ensure_debian_packages(packages: &[(&str, &str)]) -> Result<(), String> {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|(_, probe)| !PathBuf::from(probe).exists())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    step(&format!(
        "installing Debian packages: {}",
        missing.join(" ")
    ));
    run(Command::new("apt-get").arg("update").arg("-qq"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// A package's version as Cargo.lock pins it.
fn locked_version(package: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let marker = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&marker)
        .ok_or_else(|| format!("Cargo.lock has no {package}"))?
        + marker.len();
    let end = lock[start..]
        .find('"')
        .ok_or_else(|| format!("Cargo.lock's {package} entry is malformed"))?;
    Ok(lock[start..start + end].to_owned())
}
