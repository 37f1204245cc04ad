//! Properties: for random valid expressions (generated with the sets of values they stand for,
//! so parsing is checked too) and random times, the next fire time is later, matches, and no
//! time in between does (checked by brute force over a bounded window); parsing and searching
//! never panic; `due` agrees with stepping `next_after`.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::civil::{DateTime, days_from_civil, days_in_month, weekday_from_days};
use super::tests::show;
use super::*;

const MONTHS: [&str; 12] = [
    "jan", "FEB", "Mar", "APR", "may", "JUN", "jul", "AUG", "sep", "OCT", "nov", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "mon", "Tue", "WED", "thu", "FRI", "sat"];

/// A field's bounds: `min..=max` is what may be written, `min..=open_max` what `*` means.
#[derive(Clone, Copy)]
struct Bounds {
    min: u32,
    max: u32,
    open_max: u32,
    names: &'static [&'static str],
    question_mark: bool,
}

const SECOND: Bounds = Bounds {
    min: 0,
    max: 59,
    open_max: 59,
    names: &[],
    question_mark: false,
};
const HOUR: Bounds = Bounds {
    max: 23,
    open_max: 23,
    ..SECOND
};
const DAY: Bounds = Bounds {
    min: 1,
    max: 31,
    open_max: 31,
    question_mark: true,
    ..SECOND
};
const MONTH: Bounds = Bounds {
    min: 1,
    max: 12,
    open_max: 12,
    names: &MONTHS,
    ..SECOND
};
const WEEKDAY: Bounds = Bounds {
    min: 0,
    max: 7,
    open_max: 6,
    names: &DAYS,
    question_mark: true,
};

/// One written field: its text, the values it allows, whether it is restricted.
#[derive(Debug, Clone)]
struct FieldCase {
    text: String,
    values: BTreeSet<u32>,
    restricted: bool,
}

/// A value as a number or, where the field has names, sometimes as its name.
fn written(b: Bounds) -> impl Strategy<Value = (String, u32)> + Clone {
    (b.min..=b.max, any::<bool>()).prop_map(move |(v, name)| {
        let index = (v - b.min) as usize;
        if name && index < b.names.len() {
            (b.names[index].to_string(), v)
        } else {
            (v.to_string(), v)
        }
    })
}

fn element(b: Bounds) -> impl Strategy<Value = FieldCase> {
    let range =
        (written(b), written(b)).prop_map(|(x, y)| if x.1 <= y.1 { (x, y) } else { (y, x) });
    let step = 1..=b.max + 2;
    let set = move |from: u32, to: u32, step: u32| -> BTreeSet<u32> {
        (from..=to).step_by(step as usize).collect()
    };
    prop_oneof![
        any::<bool>().prop_map(move |question| FieldCase {
            text: if question && b.question_mark {
                "?"
            } else {
                "*"
            }
            .into(),
            values: set(b.min, b.open_max, 1),
            restricted: false
        }),
        written(b).prop_map(|(text, v)| FieldCase {
            text,
            values: [v].into(),
            restricted: true
        }),
        range.clone().prop_map(move |((x, a), (y, c))| FieldCase {
            text: format!("{x}-{y}"),
            values: set(a, c, 1),
            restricted: true
        }),
        step.clone().prop_map(move |n| FieldCase {
            text: format!("*/{n}"),
            values: set(b.min, b.open_max, n),
            restricted: n > 1
        }),
        (range, step.clone()).prop_map(move |(((x, a), (y, c)), n)| FieldCase {
            text: format!("{x}-{y}/{n}"),
            values: set(a, c, n),
            restricted: true
        }),
        (written(b), step).prop_map(move |((x, a), n)| FieldCase {
            text: format!("{x}/{n}"),
            values: set(a, b.open_max.max(a), n),
            restricted: true
        }),
    ]
}

fn field(b: Bounds) -> impl Strategy<Value = FieldCase> {
    prop::collection::vec(element(b), 1..=3).prop_map(move |elements| {
        let mut values: BTreeSet<u32> = elements.iter().flat_map(|e| e.values.clone()).collect();
        if b.max == 7 && values.remove(&7) {
            values.insert(0);
        }
        FieldCase {
            text: elements
                .iter()
                .map(|e| e.text.as_str())
                .collect::<Vec<_>>()
                .join(","),
            values,
            restricted: elements.iter().any(|e| e.restricted),
        }
    })
}

/// A generated expression and what it means.
#[derive(Debug, Clone)]
struct Case {
    text: String,
    six: bool,
    fields: [FieldCase; 6],
}

impl Case {
    /// Whether the expression fires at `seconds`, decided from the generated sets.
    fn fires(&self, seconds: i64) -> bool {
        let t = DateTime::from_seconds(seconds);
        let weekday = weekday_from_days(days_from_civil(t.year, t.month, t.day));
        let [s, m, h, dom, mon, dow] = &self.fields;
        let by_date = dom.values.contains(&t.day);
        let by_weekday = dow.values.contains(&weekday);
        let day = if dom.restricted && dow.restricted {
            by_date || by_weekday
        } else {
            by_date && by_weekday
        };
        day && s.values.contains(&t.second)
            && m.values.contains(&t.minute)
            && h.values.contains(&t.hour)
            && mon.values.contains(&t.month)
    }

    /// Whether some day exists (the parser refuses the others).
    fn can_fire(&self) -> bool {
        let [.., dom, mon, dow] = &self.fields;
        if dow.restricted || !dom.restricted {
            return true;
        }
        let longest = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        mon.values
            .iter()
            .any(|&m| dom.values.iter().any(|&d| d <= longest[m as usize]))
    }
}

fn case() -> impl Strategy<Value = Case> {
    let second = prop_oneof![
        field(SECOND),
        Just(FieldCase {
            text: String::new(),
            values: [0].into(),
            restricted: true
        })
    ];
    (
        second,
        field(SECOND),
        field(HOUR),
        field(DAY),
        field(MONTH),
        field(WEEKDAY),
    )
        .prop_map(|(s, m, h, dom, mon, dow)| {
            let six = !s.text.is_empty();
            let fields = [s, m, h, dom, mon, dow];
            let texts: Vec<&str> = fields[usize::from(!six)..]
                .iter()
                .map(|f| f.text.as_str())
                .collect();
            Case {
                text: texts.join(" "),
                six,
                fields,
            }
        })
}

/// Times from 1900 to 2200, to the millisecond: uniform, or built from calendar parts that are
/// often at the edges (the last day of a month or year, 23:59:59), where the searches roll over.
fn time() -> impl Strategy<Value = i64> {
    let edge = |low: u32, high: u32| prop_oneof![Just(low), Just(high), low..=high];
    let parts = (
        1890i64..2210,
        edge(1, 12),
        prop_oneof![1u32..=31, 27u32..=31],
        edge(0, 23),
        edge(0, 59),
        edge(0, 59),
        prop_oneof![Just(0i64), Just(999), 0i64..1000],
    )
        .prop_map(|(year, month, day, hour, minute, second, millis)| {
            let t = DateTime {
                year,
                month,
                day: day.min(days_in_month(year, month)),
                hour,
                minute,
                second,
            };
            t.to_seconds().unwrap() * 1000 + millis
        });
    prop_oneof![-2_208_988_800_000i64..7_258_118_400_000, parts]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn next_after_is_the_first_matching_second_after(case in case(), t in time()) {
        let parsed = CronSchedule::parse(&case.text);
        if !case.can_fire() {
            prop_assert_eq!(parsed, Err(ScheduleError::NeverFires(case.text.clone())));
            return Ok(());
        }
        let schedule = parsed.map_err(|e| TestCaseError::fail(format!("{}: {e}", case.text)))?;
        let trigger = Trigger::Cron(schedule.clone());
        let next = trigger.next_after(t, i64::MIN);
        let next = next.ok_or_else(|| TestCaseError::fail(format!("none after {}", show(t))))?;
        prop_assert!(next > t);
        prop_assert_eq!(next % 1000, 0);
        prop_assert!(case.fires(next / 1000), "{} does not fire at {}", case.text, show(next));
        prop_assert!(schedule.matches(next));
        // Nothing in between: every minute for 5 fields (second 0), every second for 6.
        let (step, window) = if case.six { (1, 20_000) } else { (60, 50_000 * 60) };
        let first = t.div_euclid(1000 * step) * step + step;
        let mut s = first;
        while s * 1000 < next && s < first + window {
            prop_assert!(!case.fires(s), "{} fires at {}, before {}", case.text, show(s * 1000), show(next));
            s += step;
        }
        // And the search backwards agrees.
        prop_assert_eq!(trigger.last_at_or_before(next, i64::MIN), Some(next));
        if let Some(before) = trigger.last_at_or_before(next - 1, i64::MIN) {
            prop_assert!(before <= t, "{} fires at {}", case.text, show(before));
            prop_assert!(case.fires(before / 1000));
        }
    }

    #[test]
    fn the_search_never_panics_at_any_time(case in case(), t in any::<i64>(), start in any::<i64>()) {
        let Ok(schedule) = CronSchedule::parse(&case.text) else { return Ok(()) };
        let trigger = Trigger::Cron(schedule);
        if let Some(next) = trigger.next_after(t, start) {
            prop_assert!(next > t && next >= start);
        }
        if let Some(last) = trigger.last_at_or_before(t, start) {
            prop_assert!(last <= t && last >= start);
        }
    }

    #[test]
    fn parse_never_panics(text in ".{0,60}") {
        let _ = CronSchedule::parse(&text);
    }

    #[test]
    fn parse_never_panics_on_cron_like_text(text in "[0-9*/,?@ \\-A-Za-z]{0,40}", t in time()) {
        if let Ok(schedule) = CronSchedule::parse(&text) {
            let next = Trigger::Cron(schedule.clone()).next_after(t, i64::MIN);
            prop_assert!(next.is_some_and(|n| n > t && schedule.matches(n)), "{}", text);
        }
    }

    #[test]
    fn intervals_are_aligned_on_the_start(seconds in 1u64..100_000, start in time(), t in time()) {
        let trigger = Trigger::Interval { seconds };
        let every = seconds as i64 * 1000;
        let next = trigger.next_after(t, start).unwrap();
        prop_assert!(next > t && next >= start);
        prop_assert_eq!((next - start) % every, 0);
        prop_assert!(next == start || next - every <= t);
        let last = trigger.last_at_or_before(t, start);
        prop_assert_eq!(last.is_some(), t >= start);
        if let Some(last) = last {
            prop_assert!(last <= t && t < last + every && (last - start) % every == 0);
        }
    }

    #[test]
    fn intervals_never_panic(seconds in any::<u64>(), start in any::<i64>(), t in any::<i64>()) {
        let trigger = Trigger::Interval { seconds };
        if let Some(next) = trigger.next_after(t, start) {
            prop_assert!(next > t && next >= start);
        }
        if let Some(last) = trigger.last_at_or_before(t, start) {
            prop_assert!(last <= t && last >= start);
        }
    }

    #[test]
    fn due_agrees_with_stepping(
        case in case(),
        interval in prop::option::of(1u64..4_000),
        start in time(),
        last in prop::option::of(-100_000_000i64..100_000_000),
        now in 0i64..200_000_000,
        end in prop::option::of(0i64..200_000_000),
    ) {
        let trigger = match interval {
            Some(seconds) => Trigger::Interval { seconds },
            None => match CronSchedule::parse(&case.text) {
                Ok(schedule) => Trigger::Cron(schedule),
                Err(_) => return Ok(()),
            },
        };
        let (last, now, end) = (last.map(|l| start + l), start + now, end.map(|e| start + e));
        let caught_up = due(&trigger, start, end, last, now, true);
        let latest = due(&trigger, start, end, last, now, false);
        // Stepping by hand from the last fire time, or from the start.
        let mut expected = Vec::new();
        let mut t = trigger.next_after(last.unwrap_or(start - 1).max(start - 1), start);
        while let Some(fire) = t {
            if fire > now || end.is_some_and(|e| fire > e) || expected.len() == MAX_CATCH_UP {
                break;
            }
            expected.push(fire);
            t = trigger.next_after(fire, start);
        }
        if caught_up.len() < MAX_CATCH_UP && expected.len() < MAX_CATCH_UP {
            prop_assert_eq!(&caught_up, &expected);
            prop_assert_eq!(latest, caught_up.last().copied().into_iter().collect::<Vec<_>>());
        } else {
            prop_assert_eq!(caught_up.len(), MAX_CATCH_UP);
            prop_assert!(caught_up.windows(2).all(|w| w[0] < w[1]));
            prop_assert_eq!(latest.len(), 1);
            prop_assert!(latest[0] >= caught_up[MAX_CATCH_UP - 1]);
        }
    }
}
