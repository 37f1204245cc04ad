//! Schedules for recurring pipeline runs (Kubeflow Pipelines' recurring runs, a.k.a. jobs): when
//! a trigger fires, and which fire times should produce runs now. Pure: no clock, no store; times
//! are i64 milliseconds since the Unix epoch, UTC only.
//!
//! A [`Trigger`] is either an interval of whole seconds, firing at `start + k·interval`, or a
//! cron expression ([`CronSchedule`]), firing on whole seconds.
//!
//! Cron syntax:
//!
//! - 6 fields, `second minute hour day-of-month month day-of-week`, as KFP writes them
//!   (`0 0 * * * *`: every hour at :00:00, robfig/cron's syntax), or 5 fields, classic cron's
//!   `minute hour day-of-month month day-of-week`, with second 0 (`*/5 * * * *`).
//! - Each field a comma-separated list of `*`, `n`, `a-b`, `*/n`, `a-b/n` and `a/n` (from `a` to
//!   the end of the field). Months 1-12 or `JAN`-`DEC`; days of the week 0-7 (0 and 7 are
//!   Sunday) or `SUN`-`SAT`; names in any case, in ranges too (`MON-FRI`). `?` is `*` in
//!   day-of-month and day-of-week.
//! - The macros `@yearly` (= `@annually`), `@monthly`, `@weekly` (Sunday), `@daily`
//!   (= `@midnight`) and `@hourly`, each at second 0 of its first minute. No `@every`: that is
//!   an interval trigger.
//! - Day-of-month and day-of-week: when both are restricted (written as anything but `*` or `?`,
//!   a step of 1 allowed: `*/2` restricts), a day matches when *either* matches
//!   (`0 0 1 * MON`: the 1st and every Monday); otherwise both must. This is the rule of classic
//!   cron and of robfig/cron.
//! - Refused, with the field's number and name and the reason: out-of-range values, empty list
//!   elements, steps of 0, ranges that go backwards, unknown names, `?` outside the day fields,
//!   a wrong number of fields, `TZ=` prefixes. So is an expression that can never fire
//!   (`0 0 30 2 *`); one that fires on 29 February only is accepted (every leap year).
//!
//! Fire times are searched field by field, skipping whole months, days, hours and minutes that
//! cannot match; a search gives up (`None`) after [`HORIZON_YEARS`] years, which a
//! schedule that parses never needs, or when the answer does not fit an i64.

mod civil;
mod cron;
mod describe;
mod due;
mod next;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use civil::utc_stamp;
pub use cron::{CronSchedule, MACROS};
pub use due::{MAX_CATCH_UP, due};
pub use next::HORIZON_YEARS;

/// Why a schedule is refused. `Display` is the message for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("the cron expression is empty")]
    Empty,
    #[error(
        "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), \
         found {found}"
    )]
    FieldCount { found: usize },
    /// `index` counts the fields as written, from 1.
    #[error("field {index} ({name}): {message}")]
    Field {
        index: usize,
        name: &'static str,
        message: String,
    },
    #[error(
        "unknown macro `{0}`: expected @yearly, @annually, @monthly, @weekly, @daily, @midnight \
         or @hourly (for @every, use an interval)"
    )]
    UnknownMacro(String),
    #[error("macro `{0}` must be the whole expression")]
    MacroNotAlone(String),
    #[error("time zones are not supported: schedules are in UTC")]
    TimeZone,
    #[error("`{0}` never fires: none of its days of the month exist in its months")]
    NeverFires(String),
    #[error("an interval must be at least 1 second")]
    ZeroInterval,
}

/// What starts a recurring run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    Cron(CronSchedule),
    /// Every `seconds` seconds from the start (at `start + k·seconds`, k ≥ 0). `seconds` must be
    /// at least 1 ([`Trigger::interval`] checks); an interval of 0 never fires.
    Interval {
        seconds: u64,
    },
}

impl Trigger {
    /// A cron trigger, parsed with [`CronSchedule::parse`].
    pub fn cron(text: &str) -> Result<Trigger, ScheduleError> {
        CronSchedule::parse(text).map(Trigger::Cron)
    }

    /// An interval trigger; 0 seconds is refused.
    pub fn interval(seconds: u64) -> Result<Trigger, ScheduleError> {
        if seconds == 0 {
            return Err(ScheduleError::ZeroInterval);
        }
        Ok(Trigger::Interval { seconds })
    }

    /// The first fire time strictly after `after_ms` and not before `start_ms`, for a schedule
    /// that starts at `start_ms`: an interval counts from `start_ms`; cron fires on whole
    /// seconds. `None` when there is none that an i64 holds.
    pub fn next_after(&self, after_ms: i64, start_ms: i64) -> Option<i64> {
        match self {
            Trigger::Cron(cron) => {
                let from_ms = after_ms.checked_add(1)?.max(start_ms);
                let from = from_ms.div_euclid(1000) + i64::from(from_ms.rem_euclid(1000) != 0);
                cron.first_at_or_after(from)?.checked_mul(1000)
            }
            Trigger::Interval { seconds } => {
                if *seconds == 0 {
                    return None;
                }
                if after_ms < start_ms {
                    return Some(start_ms);
                }
                let every = i128::from(*seconds) * 1000;
                let k = (i128::from(after_ms) - i128::from(start_ms)) / every + 1;
                i64::try_from(i128::from(start_ms) + k * every).ok()
            }
        }
    }

    /// The last fire time at or before `at_ms` and not before `start_ms` (see
    /// [`Trigger::next_after`]).
    pub fn last_at_or_before(&self, at_ms: i64, start_ms: i64) -> Option<i64> {
        if at_ms < start_ms {
            return None;
        }
        let fire = match self {
            Trigger::Cron(cron) => cron
                .last_at_or_before(at_ms.div_euclid(1000))?
                .checked_mul(1000)?,
            Trigger::Interval { seconds } => {
                if *seconds == 0 {
                    return None;
                }
                let every = i128::from(*seconds) * 1000;
                let k = (i128::from(at_ms) - i128::from(start_ms)) / every;
                i64::try_from(i128::from(start_ms) + k * every).ok()?
            }
        };
        (fire >= start_ms).then_some(fire)
    }
}
