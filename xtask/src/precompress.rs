//! Brotli and gzip copies of the site's wasm, JS and CSS, made once after the release build,
//! which the server sends as they are (`ServeDir::precompressed_*`). Compressing the 1 MiB
//! wasm per request cost CPU and ~15 MiB of encoder memory at the server's peak, at a lower
//! quality than this one-off maximum.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::process::step;

/// Brotli's best quality and its default window (4 MiB): what `brotli -q 11` does.
const BROTLI_QUALITY: u32 = 11;
const BROTLI_WINDOW: u32 = 22;

/// Writes `<file>.br` and `<file>.gz` beside each asset in `pkg` that lacks a fresh copy.
pub fn precompress(pkg: &Path) -> Result<(), String> {
    let entries = fs::read_dir(pkg).map_err(|e| format!("cannot read {}: {e}", pkg.display()))?;
    let mut done = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let asset = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "wasm" | "js" | "css"));
        if !asset || is_fresh(&path) {
            continue;
        }
        let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        write(&with_suffix(&path, "br"), &brotli(&bytes)?)?;
        write(&with_suffix(&path, "gz"), &gzip(&bytes)?)?;
        done += 1;
    }
    if done > 0 {
        step(&format!(
            "compressed {done} site assets (brotli 11, gzip 9)"
        ));
    }
    Ok(())
}

/// Both copies exist and are newer than the asset.
fn is_fresh(path: &Path) -> bool {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(source) = modified(path) else {
        return false;
    };
    ["br", "gz"]
        .iter()
        .all(|suffix| modified(&with_suffix(path, suffix)).is_some_and(|copy| copy >= source))
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    name.into()
}

fn brotli(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut writer =
            brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, BROTLI_WINDOW);
        writer
            .write_all(bytes)
            .map_err(|e| format!("brotli failed: {e}"))?;
    }
    Ok(out)
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .map_err(|e| format!("gzip failed: {e}"))?;
    encoder.finish().map_err(|e| format!("gzip failed: {e}"))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
