//! How a task is retried and how long it may take: `retries`, `timeout` and their durations.

use std::time::Duration;

use crate::pipelines::model::{RetryPolicy, parse_duration};
use crate::pipelines::node::{Node, Obj, Result, show};

/// A duration: a number and a unit, `ms`, `s`, `m` or `h` (`500ms`, `5s`, `1.5s`, `2m`, `1h`).
pub fn duration(node: &Node) -> Result<Duration> {
    let bad = || {
        node.err(format!(
            "{} is not a duration: expected a number and a unit (ms, s, m or h), such as 5s, \
             1.5s, 2m or 1h",
            show(node.value)
        ))
    };
    let text = node.value.as_str().ok_or_else(bad)?;
    // the longest suffix first: "ms" before "s"
    let units: [(&str, u32, u32); 4] = [("ms", 1, 1000), ("s", 1, 1), ("m", 60, 1), ("h", 3600, 1)];
    let (number, times, divide) = units
        .iter()
        .find_map(|(unit, times, divide)| {
            text.strip_suffix(unit)
                .filter(|n| !n.ends_with(['m', 's', 'h']))
                .map(|n| (n, *times, *divide))
        })
        .ok_or_else(bad)?;
    // the number, read as seconds with protobuf's rules (digits, up to nine decimals)
    let seconds = parse_duration(&format!("{number}s")).map_err(|_| bad())?;
    seconds
        .checked_mul(times)
        .map(|d| d / divide)
        .ok_or_else(|| node.err(format!("{text:?} is too long")))
}

/// `timeout`: a duration above zero.
pub fn timeout(node: &Node) -> Result<Duration> {
    let timeout = duration(node)?;
    if timeout.is_zero() {
        return Err(node.err("a timeout must be longer than 0s"));
    }
    Ok(timeout)
}

/// `retries: {limit, backoff, factor, maxBackoff}`. Only `limit` is required; the rest take
/// KFP's defaults: no backoff, factor 2, at most an hour between attempts.
pub fn retries(obj: Obj) -> Result<RetryPolicy> {
    obj.only(&["limit", "backoff", "factor", "maxBackoff"], &[])?;
    let optional = |key: &str, default: Duration| match obj.get(key) {
        Some(node) => duration(&node),
        None => Ok(default),
    };
    let backoff_factor = match obj.get("factor") {
        Some(node) => {
            let factor = node.f64()?;
            if !(factor.is_finite() && factor > 0.0) {
                return Err(node.err(format!("{factor} is not a positive number")));
            }
            factor
        }
        None => 2.0,
    };
    Ok(RetryPolicy {
        max_retries: obj.req("limit")?.u32()?,
        backoff: optional("backoff", Duration::ZERO)?,
        backoff_factor,
        backoff_max: optional("maxBackoff", Duration::from_secs(3600))?,
    })
}
