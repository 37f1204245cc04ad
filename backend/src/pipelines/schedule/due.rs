//! Which fire times should produce runs now.

use super::Trigger;

/// The most fire times one call to [`due`] returns with catch-up.
pub const MAX_CATCH_UP: usize = 1000;

/// The fire times of `trigger` that should produce runs at `now_ms`, oldest first, for a
/// schedule that runs from `start_ms` to `end_ms` (inclusive; `None`: forever) and last fired at
/// `last_fired_ms` (`None`: never).
///
/// The candidates are the fire times `t` with `t > last_fired_ms`, `start_ms ≤ t`,
/// `t ≤ end_ms` and `t ≤ now_ms`: those missed since the last run.
///
/// - Without `catch_up`: the latest candidate only, so a schedule that was paused or whose
///   scheduler was down resumes with one run, not a burst. At most one.
/// - With `catch_up`: every candidate, in order, but at most [`MAX_CATCH_UP`]: the oldest
///   ones. Record the last one returned as `last_fired_ms` and call again for the rest.
pub fn due(
    trigger: &Trigger,
    start_ms: i64,
    end_ms: Option<i64>,
    last_fired_ms: Option<i64>,
    now_ms: i64,
    catch_up: bool,
) -> Vec<i64> {
    let until = end_ms.map_or(now_ms, |end| end.min(now_ms));
    if !catch_up {
        return trigger
            .last_at_or_before(until, start_ms)
            .filter(|&t| last_fired_ms.is_none_or(|last| t > last))
            .into_iter()
            .collect();
    }
    let mut times = Vec::new();
    let mut next = match last_fired_ms {
        Some(last) => trigger.next_after(last, start_ms),
        None => first_at_or_after(trigger, start_ms),
    };
    while let Some(t) = next {
        if t > until || times.len() == MAX_CATCH_UP {
            break;
        }
        times.push(t);
        next = trigger.next_after(t, start_ms);
    }
    times
}

/// The first fire time at or after `start_ms`.
fn first_at_or_after(trigger: &Trigger, start_ms: i64) -> Option<i64> {
    match start_ms.checked_sub(1) {
        Some(before) => trigger.next_after(before, start_ms),
        // Nothing is before i64::MIN: anything after it is at or after it, except itself.
        None => trigger
            .last_at_or_before(start_ms, start_ms)
            .or_else(|| trigger.next_after(start_ms, start_ms)),
    }
}
