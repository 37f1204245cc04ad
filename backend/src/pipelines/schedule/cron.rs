//! Parsing cron expressions into sets of allowed values, one bit mask per field.

use std::fmt;
use std::str::FromStr;

use super::ScheduleError;
use super::civil::days_in_month;

/// A parsed cron expression: when, in UTC, it fires. Build one with [`CronSchedule::parse`]
/// (or `str::parse`); a schedule that never fires cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSchedule {
    /// The expression as written, trimmed.
    pub(super) text: String,
    /// Bit `n` set when value `n` is allowed.
    pub(super) seconds: u64,
    pub(super) minutes: u64,
    pub(super) hours: u64,
    /// Bits 1-31.
    pub(super) days: u64,
    /// Bits 1-12.
    pub(super) months: u64,
    /// Bits 0-6, 0 = Sunday (a written 7 sets bit 0).
    pub(super) weekdays: u64,
    /// Whether day-of-month / day-of-week were written as something other than `*` or `?`: when
    /// both are, a day matches when either matches (the standard cron rule).
    pub(super) days_restricted: bool,
    pub(super) weekdays_restricted: bool,
}

/// One field's name, bounds and value names.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    /// Where `*` and an open-ended `a/n` stop: `max`, except for day-of-week, where 7 is only
    /// another name for Sunday (0).
    open_max: u32,
    /// Names for `min`, `min + 1`, … (case-insensitive); empty when the field has none.
    names: &'static [&'static str],
    /// What the names are, for errors.
    names_hint: &'static str,
    /// Whether `?` may stand for `*`.
    question_mark: bool,
}

const SECOND: Field = Field {
    name: "second",
    min: 0,
    max: 59,
    open_max: 59,
    names: &[],
    names_hint: "",
    question_mark: false,
};
const MINUTE: Field = Field {
    name: "minute",
    ..SECOND
};
const HOUR: Field = Field {
    name: "hour",
    max: 23,
    open_max: 23,
    ..SECOND
};
const DAY_OF_MONTH: Field = Field {
    name: "day-of-month",
    min: 1,
    max: 31,
    open_max: 31,
    question_mark: true,
    ..SECOND
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    open_max: 12,
    names: &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ],
    names_hint: "a month name (JAN-DEC)",
    ..SECOND
};
const DAY_OF_WEEK: Field = Field {
    name: "day-of-week",
    min: 0,
    max: 7,
    open_max: 6,
    names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    names_hint: "a day name (SUN-SAT)",
    question_mark: true,
};

/// The macros, and the 6-field expressions they stand for.
pub const MACROS: &[(&str, &str)] = &[
    ("@yearly", "0 0 0 1 1 *"),
    ("@annually", "0 0 0 1 1 *"),
    ("@monthly", "0 0 0 1 * *"),
    ("@weekly", "0 0 0 * * 0"),
    ("@daily", "0 0 0 * * *"),
    ("@midnight", "0 0 0 * * *"),
    ("@hourly", "0 0 * * * *"),
];

impl CronSchedule {
    /// Parses a cron expression: 6 fields (`second minute hour day-of-month month day-of-week`,
    /// as Kubeflow Pipelines writes them) or 5 (`minute hour day-of-month month day-of-week`,
    /// classic cron, second 0), or one of the [`MACROS`]. See the module documentation for the
    /// syntax. Errors name the field and what is wrong with it; an expression that can never fire
    /// (`0 0 30 2 *`) is refused too.
    pub fn parse(text: &str) -> Result<CronSchedule, ScheduleError> {
        let text = text.trim();
        let mut words: Vec<&str> = text.split_whitespace().collect();
        let Some(&first) = words.first() else {
            return Err(ScheduleError::Empty);
        };
        let upper = first.to_ascii_uppercase();
        if upper.starts_with("TZ=") || upper.starts_with("CRON_TZ=") {
            return Err(ScheduleError::TimeZone);
        }
        if first.starts_with('@') {
            let lower = first.to_ascii_lowercase();
            let Some(&(_, expansion)) = MACROS.iter().find(|(name, _)| *name == lower) else {
                return Err(ScheduleError::UnknownMacro(first.to_string()));
            };
            if words.len() > 1 {
                return Err(ScheduleError::MacroNotAlone(first.to_string()));
            }
            words = expansion.split_whitespace().collect();
        } else if let Some(word) = words.iter().find(|w| w.starts_with('@')) {
            return Err(ScheduleError::MacroNotAlone(word.to_string()));
        }
        // With 5 fields, the first is the minute and the second is always 0.
        let (seconds, rest, first_index) = match words.len() {
            6 => (parse_field(words[0], 1, &SECOND)?.0, &words[1..], 2),
            5 => (1, &words[..], 1),
            found => return Err(ScheduleError::FieldCount { found }),
        };
        let (minutes, _) = parse_field(rest[0], first_index, &MINUTE)?;
        let (hours, _) = parse_field(rest[1], first_index + 1, &HOUR)?;
        let (days, days_restricted) = parse_field(rest[2], first_index + 2, &DAY_OF_MONTH)?;
        let (months, _) = parse_field(rest[3], first_index + 3, &MONTH)?;
        let (mut weekdays, weekdays_restricted) =
            parse_field(rest[4], first_index + 4, &DAY_OF_WEEK)?;
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays & !(1 << 7)) | 1;
        }
        let schedule = CronSchedule {
            text: text.to_string(),
            seconds,
            minutes,
            hours,
            days,
            months,
            weekdays,
            days_restricted,
            weekdays_restricted,
        };
        if !schedule.can_fire() {
            return Err(ScheduleError::NeverFires(schedule.text));
        }
        Ok(schedule)
    }

    /// The expression as written (trimmed).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether some day exists that the expression allows. Every other field is non-empty by
    /// construction, and every month has every weekday, so this fails only when day-of-month
    /// alone decides and none of its days exist in its months (`30 2`, `31 4,6`). 29 February
    /// counts: such a schedule fires in leap years, at most 8 years apart.
    fn can_fire(&self) -> bool {
        if self.weekdays_restricted || !self.days_restricted {
            return true;
        }
        (1..=12u32).any(|month| {
            self.months & (1 << month) != 0
                && (1..=days_in_month(2000, month)).any(|day| self.days & (1 << day) != 0)
        })
    }
}

impl FromStr for CronSchedule {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        CronSchedule::parse(text)
    }
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses one field into its bit mask, and whether it restricts anything (is not `*` or `?`,
/// with a step of 1 at most).
fn parse_field(text: &str, index: usize, field: &Field) -> Result<(u64, bool), ScheduleError> {
    let error = |message: String| ScheduleError::Field {
        index,
        name: field.name,
        message,
    };
    let mut mask = 0u64;
    let mut restricted = false;
    for element in text.split(',') {
        if element.is_empty() {
            return Err(error(format!("empty list element in `{text}`")));
        }
        let (base, step) = match element.split_once('/') {
            None => (element, None),
            Some((base, step)) => {
                if step.contains('/') {
                    return Err(error(format!("`{element}` has more than one `/`")));
                }
                (base, Some(parse_step(step, element).map_err(error)?))
            }
        };
        let star = base == "*" || (base == "?" && field.question_mark);
        if base == "?" && !star {
            return Err(error(
                "`?` is only allowed in day-of-month and day-of-week".to_string(),
            ));
        }
        let (low, high) = if star {
            (field.min, field.open_max)
        } else if base.is_empty() {
            return Err(error(format!("`{element}` has nothing before the `/`")));
        } else if let Some((a, b)) = base.split_once('-') {
            if a.is_empty() || b.is_empty() {
                return Err(error(format!("`{base}` is not a valid range")));
            }
            let (low, high) = (
                value(a, field).map_err(error)?,
                value(b, field).map_err(error)?,
            );
            if low > high {
                return Err(error(format!(
                    "range `{base}` goes backwards ({low} > {high})"
                )));
            }
            (low, high)
        } else {
            let low = value(base, field).map_err(error)?;
            // `a/n` runs from a to the end of the field; a lone `a` is just a.
            (
                low,
                if step.is_some() {
                    field.open_max.max(low)
                } else {
                    low
                },
            )
        };
        restricted |= !star || step.is_some_and(|n| n > 1);
        let step = step.unwrap_or(1);
        let mut v = low;
        while v <= high {
            mask |= 1 << v;
            v = v.saturating_add(step);
        }
    }
    Ok((mask, restricted))
}

fn parse_step(step: &str, element: &str) -> Result<u32, String> {
    if step.is_empty() || !step.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("step `{step}` in `{element}` is not a number"));
    }
    match step.parse::<u32>() {
        Ok(0) => Err(format!("step 0 in `{element}` must be at least 1")),
        Ok(n) => Ok(n),
        // Too many digits for a u32: larger than any field, so only the start is kept.
        Err(_) => Ok(u32::MAX),
    }
}

/// One value: a number within the field's bounds or one of its names.
fn value(text: &str, field: &Field) -> Result<u32, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u32>() {
            Ok(n) if (field.min..=field.max).contains(&n) => Ok(n),
            _ => Err(format!(
                "{text} is out of range {}-{}",
                field.min, field.max
            )),
        };
    }
    if let Some(i) = field
        .names
        .iter()
        .position(|name| name.eq_ignore_ascii_case(text))
    {
        return Ok(field.min + i as u32);
    }
    Err(if field.names.is_empty() {
        format!("`{text}` is not a number")
    } else {
        format!("`{text}` is not a number or {}", field.names_hint)
    })
}
