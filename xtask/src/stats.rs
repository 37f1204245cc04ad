//! Summaries of measured samples for the benchmarks.

pub fn median(values: &[f64]) -> f64 {
    percentile(values, 50.0)
}

/// Nearest rank: the smallest value with at least `p` percent of values at or below it.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Two decimals, for the JSON lines.
pub fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
