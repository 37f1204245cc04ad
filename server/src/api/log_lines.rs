//! How many log lines an endpoint returns: what the caller asks for, within bounds.

/// When the caller does not say.
const DEFAULT_LOG_LINES: usize = 200;
/// The most a caller may ask for.
const MAX_LOG_LINES: usize = 10_000;

pub fn log_lines(asked: Option<usize>) -> usize {
    asked.unwrap_or(DEFAULT_LOG_LINES).min(MAX_LOG_LINES)
}
