//! GPUs as `nvidia-smi` lists them.

use std::process::Stdio;

use super::GpuInfo;

/// Arguments that make `nvidia-smi` print one CSV line per GPU: index, name, memory in MiB.
pub const NVIDIA_SMI_QUERY: [&str; 2] = [
    "--query-gpu=index,name,memory.total",
    "--format=csv,noheader,nounits",
];

/// Asks `nvidia-smi`; `Ok(None)` when it is not installed (a machine without NVIDIA GPUs).
/// Synchronous: it runs once at start and on demand, and answers in milliseconds.
pub fn discover() -> Result<Option<Vec<GpuInfo>>, String> {
    let output = std::process::Command::new("nvidia-smi")
        .args(NVIDIA_SMI_QUERY)
        .stdin(Stdio::null())
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("could not run nvidia-smi: {e}")),
    };
    if !output.status.success() {
        return Err(format!(
            "nvidia-smi failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    parse_nvidia_smi(&String::from_utf8_lossy(&output.stdout)).map(Some)
}

/// Parses `index, name, memory.total` lines.
///
/// ```
/// use backend::inventory::parse_nvidia_smi;
/// let gpus = parse_nvidia_smi("0, NVIDIA H200, 143771\n1, NVIDIA H200, 143771\n").unwrap();
/// assert_eq!(gpus.len(), 2);
/// assert_eq!(gpus[1].model, "NVIDIA H200");
/// assert_eq!(gpus[1].memory_mib, 143771);
/// assert!(parse_nvidia_smi("0, H200").unwrap_err().contains("line 1"));
/// ```
pub fn parse_nvidia_smi(text: &str) -> Result<Vec<GpuInfo>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let bad = |what: &str| format!("nvidia-smi line {}: {what}: `{line}`", n + 1);
            let [index, name, memory] = fields[..] else {
                return Err(bad("expected index, name, memory.total"));
            };
            Ok(GpuInfo {
                index: index.parse().map_err(|_| bad("index is not a number"))?,
                model: name.to_owned(),
                memory_mib: memory
                    .parse()
                    .map_err(|_| bad("memory is not a number of MiB"))?,
            })
        })
        .collect()
}
