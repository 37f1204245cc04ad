//! GPUs declared in configuration, for machines without any: `COUNTxMODEL[:MEMORY_MIB]`,
//! comma-separated.

use super::GpuInfo;

/// Memory of a simulated GPU when the declaration gives none.
const DEFAULT_MEMORY_MIB: u64 = 81_920;

/// ```
/// use backend::inventory::parse_simulated;
/// let gpus = parse_simulated("2xH100:81920, 1xL4").unwrap();
/// assert_eq!(gpus.len(), 3);
/// assert_eq!((gpus[2].index, gpus[2].model.as_str()), (2, "L4"));
/// assert!(parse_simulated("twoxH100").is_err());
/// ```
pub fn parse_simulated(text: &str) -> Result<Vec<GpuInfo>, String> {
    let mut gpus = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let bad = |why: &str| {
            format!(
                "simulated GPUs `{item}`: {why} (write COUNTxMODEL[:MEMORY_MIB], e.g. 2xH100:81920)"
            )
        };
        let (count, rest) = item.split_once('x').ok_or_else(|| bad("no `x`"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| bad("the count is not a number"))?;
        let (model, memory) = match rest.split_once(':') {
            Some((m, mem)) => (
                m.trim(),
                mem.trim()
                    .parse()
                    .map_err(|_| bad("the memory is not a number of MiB"))?,
            ),
            None => (rest.trim(), DEFAULT_MEMORY_MIB),
        };
        if model.is_empty() {
            return Err(bad("no model"));
        }
        for _ in 0..count {
            gpus.push(GpuInfo {
                index: gpus.len() as u32,
                model: model.to_owned(),
                memory_mib: memory,
            });
        }
    }
    Ok(gpus)
}
