//! Finding a cron schedule's fire times: the first at or after a second, the last at or before
//! one. Both walk the calendar field by field, largest first, jumping to the next allowed month,
//! day, hour, minute and second (a bit scan each) rather than stepping through time, and give up
//! past [`HORIZON_YEARS`].

use super::civil::{DateTime, days_from_civil, days_in_month, weekday_from_days};
use super::cron::CronSchedule;

/// How far either search goes before answering `None`. A schedule that [`CronSchedule::parse`]
/// accepts fires at least once every 8 years (29 February only, across a century that is not a
/// leap year: 2096 to 2104), so this only ends searches that run off the representable times.
pub const HORIZON_YEARS: i64 = 10;

impl CronSchedule {
    /// Whether the expression fires at `ms` (which must then be a whole second).
    pub fn matches(&self, ms: i64) -> bool {
        if ms.rem_euclid(1000) != 0 {
            return false;
        }
        let t = DateTime::from_seconds(ms.div_euclid(1000));
        has(self.months, t.month)
            && self.day_matches(t.year, t.month, t.day)
            && has(self.hours, t.hour)
            && has(self.minutes, t.minute)
            && has(self.seconds, t.second)
    }

    /// Day-of-month and day-of-week, with the standard rule: when both are restricted, either
    /// may match; otherwise (one is `*`, so it matches every day) both must.
    fn day_matches(&self, year: i64, month: u32, day: u32) -> bool {
        let by_date = has(self.days, day);
        let by_weekday = has(
            self.weekdays,
            weekday_from_days(days_from_civil(year, month, day)),
        );
        if self.days_restricted && self.weekdays_restricted {
            by_date || by_weekday
        } else {
            by_date && by_weekday
        }
    }

    /// The first fire time, in seconds since the epoch, at or after `seconds`.
    pub(super) fn first_at_or_after(&self, seconds: i64) -> Option<i64> {
        let t = DateTime::from_seconds(seconds);
        let (mut year, mut month, mut day) = (t.year, t.month, t.day);
        // A step past the end of a field (hour 24, minute 60) is a value no bit scan finds.
        let (mut hour, mut minute, mut second) = (t.hour, t.minute, t.second);
        let limit = year + HORIZON_YEARS;
        loop {
            if year > limit {
                return None;
            }
            if !has(self.months, month) {
                match next_bit(self.months, month + 1) {
                    Some(m) => month = m,
                    None => {
                        year += 1;
                        month = next_bit(self.months, 1)?;
                    }
                }
                (day, hour, minute, second) = (1, 0, 0, 0);
                continue;
            }
            if !self.day_matches(year, month, day) {
                next_day(&mut year, &mut month, &mut day);
                (hour, minute, second) = (0, 0, 0);
                continue;
            }
            match next_bit(self.hours, hour) {
                None => {
                    next_day(&mut year, &mut month, &mut day);
                    (hour, minute, second) = (0, 0, 0);
                    continue;
                }
                Some(h) if h != hour => (hour, minute, second) = (h, 0, 0),
                Some(_) => {}
            }
            match next_bit(self.minutes, minute) {
                None => {
                    (hour, minute, second) = (hour + 1, 0, 0);
                    continue;
                }
                Some(m) if m != minute => (minute, second) = (m, 0),
                Some(_) => {}
            }
            match next_bit(self.seconds, second) {
                None => {
                    (minute, second) = (minute + 1, 0);
                    continue;
                }
                Some(s) => second = s,
            }
            return DateTime {
                year,
                month,
                day,
                hour,
                minute,
                second,
            }
            .to_seconds();
        }
    }

    /// The last fire time, in seconds since the epoch, at or before `seconds`.
    pub(super) fn last_at_or_before(&self, seconds: i64) -> Option<i64> {
        let t = DateTime::from_seconds(seconds);
        let (mut year, mut month, mut day) = (t.year, t.month, t.day);
        // Signed, so that a step before the start of a field (-1) is a value no bit scan finds.
        let (mut hour, mut minute, mut second) = (t.hour as i32, t.minute as i32, t.second as i32);
        let limit = year - HORIZON_YEARS;
        loop {
            if year < limit {
                return None;
            }
            if !has(self.months, month) {
                match prev_bit(self.months, month as i32 - 1) {
                    Some(m) => month = m,
                    None => {
                        year -= 1;
                        month = prev_bit(self.months, 12)?;
                    }
                }
                day = days_in_month(year, month);
                (hour, minute, second) = (23, 59, 59);
                continue;
            }
            if !self.day_matches(year, month, day) {
                prev_day(&mut year, &mut month, &mut day);
                (hour, minute, second) = (23, 59, 59);
                continue;
            }
            match prev_bit(self.hours, hour) {
                None => {
                    prev_day(&mut year, &mut month, &mut day);
                    (hour, minute, second) = (23, 59, 59);
                    continue;
                }
                Some(h) if h as i32 != hour => (hour, minute, second) = (h as i32, 59, 59),
                Some(_) => {}
            }
            match prev_bit(self.minutes, minute) {
                None => {
                    (hour, minute, second) = (hour - 1, 59, 59);
                    continue;
                }
                Some(m) if m as i32 != minute => (minute, second) = (m as i32, 59),
                Some(_) => {}
            }
            match prev_bit(self.seconds, second) {
                None => {
                    (minute, second) = (minute - 1, 59);
                    continue;
                }
                Some(s) => second = s as i32,
            }
            return DateTime {
                year,
                month,
                day,
                hour: hour as u32,
                minute: minute as u32,
                second: second as u32,
            }
            .to_seconds();
        }
    }
}

fn has(mask: u64, value: u32) -> bool {
    value < 64 && mask & (1 << value) != 0
}

/// The smallest allowed value ≥ `from`.
fn next_bit(mask: u64, from: u32) -> Option<u32> {
    if from >= 64 {
        return None;
    }
    let rest = mask >> from;
    (rest != 0).then(|| from + rest.trailing_zeros())
}

/// The largest allowed value ≤ `from`.
fn prev_bit(mask: u64, from: i32) -> Option<u32> {
    if from < 0 {
        return None;
    }
    let upto = mask & (u64::MAX >> (63 - from.min(63)));
    (upto != 0).then(|| 63 - upto.leading_zeros())
}

fn next_day(year: &mut i64, month: &mut u32, day: &mut u32) {
    *day += 1;
    if *day > days_in_month(*year, *month) {
        *day = 1;
        *month += 1;
        if *month > 12 {
            *month = 1;
            *year += 1;
        }
    }
}

fn prev_day(year: &mut i64, month: &mut u32, day: &mut u32) {
    if *day > 1 {
        *day -= 1;
        return;
    }
    *month -= 1;
    if *month == 0 {
        *month = 12;
        *year -= 1;
    }
    *day = days_in_month(*year, *month);
}
