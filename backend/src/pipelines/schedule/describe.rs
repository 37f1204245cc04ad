//! Triggers in words, for the UI: "every 5 minutes", "every Monday to Friday at 12:00 UTC".
//! Cron expressions of the common shapes are put in words from their value sets (so `0,30` in
//! the minutes reads as "every 30 minutes"); any other shows as `cron <expression> (UTC)`.

use super::Trigger;
use super::cron::CronSchedule;

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Trigger {
    /// The trigger in words.
    pub fn describe(&self) -> String {
        match self {
            Trigger::Cron(cron) => cron.describe(),
            Trigger::Interval { seconds: 0 } => "never (an interval of 0 seconds)".to_string(),
            Trigger::Interval { seconds } => {
                let units = [
                    (604_800, "week"),
                    (86_400, "day"),
                    (3_600, "hour"),
                    (60, "minute"),
                    (1, "second"),
                ];
                let (size, unit) = units
                    .into_iter()
                    .find(|(size, _)| seconds % size == 0)
                    .unwrap_or((1, "second"));
                every(seconds / size, unit)
            }
        }
    }
}

impl CronSchedule {
    /// The schedule in words (see the module documentation).
    pub fn describe(&self) -> String {
        self.in_words()
            .unwrap_or_else(|| format!("cron {} (UTC)", self.text))
    }

    fn in_words(&self) -> Option<String> {
        let every_day =
            !self.days_restricted && !self.weekdays_restricted && self.months == ALL_MONTHS;
        let at = self.time_of_day();
        if every_day {
            let full = |mask: u64, n: u32| mask == steps(n, 1);
            let (s, m, h) = (self.seconds, self.minutes, self.hours);
            if full(h, 24) {
                if full(m, 60) {
                    if full(s, 60) {
                        return Some("every second".to_string());
                    }
                    if s == 1 {
                        return Some("every minute".to_string());
                    }
                    if let Some(n) = uniform_step(s, 60) {
                        return Some(every(u64::from(n), "second"));
                    }
                }
                if s == 1 {
                    if let Some(n) = uniform_step(m, 60) {
                        return Some(every(u64::from(n), "minute"));
                    }
                    if m == 1 {
                        return Some("every hour".to_string());
                    }
                    if m.count_ones() == 1 {
                        return Some(format!("every hour at minute {}", m.trailing_zeros()));
                    }
                }
            }
            if s == 1
                && m == 1
                && let Some(n) = uniform_step(h, 24)
            {
                return Some(every(u64::from(n), "hour"));
            }
            return at.map(|at| format!("every day at {at}"));
        }
        let at = at?;
        let single_day = (self.days.count_ones() == 1).then(|| self.days.trailing_zeros());
        match (self.days_restricted, self.weekdays_restricted) {
            (false, true) if self.months == ALL_MONTHS => {
                Some(format!("every {} at {at}", weekdays(self.weekdays)))
            }
            (true, false) if self.months == ALL_MONTHS => {
                Some(format!("on day {} of every month at {at}", single_day?))
            }
            (true, false) if self.months.count_ones() == 1 => Some(format!(
                "every year on {} {} at {at}",
                single_day?,
                MONTHS[self.months.trailing_zeros() as usize - 1]
            )),
            _ => None,
        }
    }

    /// "12:00 UTC" when the expression fires at one time of day.
    fn time_of_day(&self) -> Option<String> {
        let single = |mask: u64| (mask.count_ones() == 1).then(|| mask.trailing_zeros());
        let (h, m, s) = (
            single(self.hours)?,
            single(self.minutes)?,
            single(self.seconds)?,
        );
        Some(if s == 0 {
            format!("{h:02}:{m:02} UTC")
        } else {
            format!("{h:02}:{m:02}:{s:02} UTC")
        })
    }
}

const ALL_MONTHS: u64 = 0b1_1111_1111_1110;

/// The values 0, n, 2n, … below `size`.
fn steps(size: u32, n: u32) -> u64 {
    (0..size)
        .step_by(n as usize)
        .fold(0, |mask, v| mask | 1 << v)
}

/// The step n (2 ≤ n < size, dividing `size`) when `mask` is exactly 0, n, 2n, …
fn uniform_step(mask: u64, size: u32) -> Option<u32> {
    (2..size).find(|&n| size.is_multiple_of(n) && mask == steps(size, n))
}

fn every(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("every {unit}")
    } else {
        format!("every {n} {unit}s")
    }
}

/// "Monday", "Monday to Friday", "Monday, Wednesday and Friday".
fn weekdays(mask: u64) -> String {
    let days: Vec<usize> = (0..7).filter(|d| mask & (1 << d) != 0).collect();
    let contiguous = days.windows(2).all(|w| w[1] == w[0] + 1);
    match days.as_slice() {
        [one] => WEEKDAYS[*one].to_string(),
        [first, .., last] if contiguous && days.len() >= 3 => {
            format!("{} to {}", WEEKDAYS[*first], WEEKDAYS[*last])
        }
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(|&d| WEEKDAYS[d]).collect();
            format!("{} and {}", init.join(", "), WEEKDAYS[*last])
        }
        [] => String::new(),
    }
}
