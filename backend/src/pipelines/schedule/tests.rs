//! Known answers: the calendar, parsing and its errors, next/last fire times, `due`, `describe`.

use super::civil::{DateTime, civil_from_days, days_from_civil, is_leap, weekday_from_days};
use super::*;

/// `2026-11-29T10:07:30Z` or `2026-11-29T10:07:30.250Z` as milliseconds.
pub(super) fn ts(text: &str) -> i64 {
    let (date, time) = text
        .strip_suffix('Z')
        .and_then(|t| t.split_once('T'))
        .expect("YYYY-MM-DDTHH:MM:SS[.mmm]Z");
    let date: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let (time, millis) = time.split_once('.').unwrap_or((time, "0"));
    let time: Vec<u32> = time.split(':').map(|p| p.parse().unwrap()).collect();
    let seconds = DateTime {
        year: date[0],
        month: date[1] as u32,
        day: date[2] as u32,
        hour: time[0],
        minute: time[1],
        second: time[2],
    }
    .to_seconds()
    .unwrap();
    seconds * 1000 + millis.parse::<i64>().unwrap()
}

/// Milliseconds as `2026-11-29T10:07:30Z` (`.mmm` when not a whole second).
pub(super) fn show(ms: i64) -> String {
    let t = DateTime::from_seconds(ms.div_euclid(1000));
    let millis = ms.rem_euclid(1000);
    let fraction = if millis == 0 {
        String::new()
    } else {
        format!(".{millis:03}")
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

fn cron(text: &str) -> Trigger {
    Trigger::cron(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The next fire of `text` after `after`, both written as timestamps.
fn next(text: &str, after: &str) -> String {
    show(
        cron(text)
            .next_after(ts(after), i64::MIN)
            .expect("a next fire time"),
    )
}

/// The next `n` fire times of `text` after `after`.
fn nexts(text: &str, after: &str, n: usize) -> Vec<String> {
    let trigger = cron(text);
    let mut t = ts(after);
    (0..n)
        .map(|_| {
            t = trigger.next_after(t, i64::MIN).unwrap();
            show(t)
        })
        .collect()
}

fn error(text: &str) -> String {
    CronSchedule::parse(text)
        .expect_err(&format!("{text} should be refused"))
        .to_string()
}

// ---- the calendar ----

#[test]
fn known_dates_have_the_day_numbers_and_weekdays_that_date_gives() {
    // `date -u -d D +%s` / 86400 and `+%w`.
    let cases = [
        ((1970, 1, 1), 0, 4),
        ((2000, 2, 29), 951_782_400 / 86_400, 2),
        ((1900, 3, 1), -2_203_891_200 / 86_400, 4),
        ((1600, 1, 1), -11_676_096_000 / 86_400, 6),
        ((1, 1, 1), -62_135_596_800 / 86_400, 1),
        ((2100, 3, 1), 4_107_542_400 / 86_400, 1),
        ((9999, 12, 31), 253_402_214_400 / 86_400, 5),
    ];
    for ((y, m, d), days, weekday) in cases {
        assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        assert_eq!(civil_from_days(days), (y, m, d));
        assert_eq!(weekday_from_days(days), weekday, "{y}-{m}-{d}");
    }
    assert_eq!(ts("2026-11-29T10:07:30Z"), 1_795_946_850_000);
    assert_eq!(show(1_795_946_850_250), "2026-11-29T10:07:30.250Z");
}

#[test]
fn leap_years_follow_the_gregorian_rule() {
    assert!(is_leap(2000) && is_leap(2028) && is_leap(1600) && is_leap(0) && is_leap(-4));
    assert!(!is_leap(1900) && !is_leap(2100) && !is_leap(2026) && !is_leap(-1));
}

#[test]
fn day_numbers_round_trip_and_count_up_one_day_at_a_time() {
    let mut expected = civil_from_days(-800_000);
    for days in -800_000..800_000i64 {
        let date = civil_from_days(days);
        assert_eq!(date, expected, "day {days}");
        assert_eq!(days_from_civil(date.0, date.1, date.2), days);
        let (y, m, d) = date;
        expected = if d < super::civil::days_in_month(y, m) {
            (y, m, d + 1)
        } else if m < 12 {
            (y, m + 1, 1)
        } else {
            (y + 1, 1, 1)
        };
    }
}

#[test]
fn the_extremes_of_i64_milliseconds_convert() {
    for ms in [i64::MIN, i64::MAX, 0, -1] {
        let seconds = ms.div_euclid(1000);
        assert_eq!(DateTime::from_seconds(seconds).to_seconds(), Some(seconds));
    }
    assert_eq!(show(i64::MAX), "292278994-08-17T07:12:55.807Z");
    assert_eq!(show(-1), "1969-12-31T23:59:59.999Z");
}

// ---- next fire times ----

#[test]
fn every_15_minutes() {
    assert_eq!(
        next("*/15 * * * *", "2026-11-29T10:07:30Z"),
        "2026-11-29T10:15:00Z"
    );
    assert_eq!(
        nexts("*/15 * * * *", "2026-11-29T23:30:00Z", 3),
        [
            "2026-11-29T23:45:00Z",
            "2026-11-30T00:00:00Z",
            "2026-11-30T00:15:00Z"
        ]
    );
}

#[test]
fn weekdays_at_noon_skip_the_weekend() {
    // 2026-11-27 is a Friday.
    let expr = "0 0 12 * * MON-FRI";
    assert_eq!(next(expr, "2026-11-27T11:59:59Z"), "2026-11-27T12:00:00Z");
    assert_eq!(next(expr, "2026-11-27T12:00:00Z"), "2026-11-30T12:00:00Z");
    assert_eq!(next(expr, "2026-11-28T00:00:00Z"), "2026-11-30T12:00:00Z");
    assert_eq!(
        next("0 12 * * 1-5", "2026-11-27T12:00:00Z"),
        "2026-11-30T12:00:00Z"
    );
}

#[test]
fn once_a_year_crosses_the_year() {
    assert_eq!(
        next("0 0 1 1 *", "2026-06-15T08:00:00Z"),
        "2027-01-01T00:00:00Z"
    );
    assert_eq!(
        next("0 0 1 1 *", "2027-01-01T00:00:00Z"),
        "2028-01-01T00:00:00Z"
    );
    assert_eq!(
        next("0 0 1 1 *", "2026-12-31T23:59:59.999Z"),
        "2027-01-01T00:00:00Z"
    );
}

#[test]
fn the_29th_of_february_waits_for_a_leap_year() {
    assert_eq!(
        next("0 0 29 2 *", "2026-03-01T00:00:00Z"),
        "2028-02-29T00:00:00Z"
    );
    assert_eq!(
        next("0 0 29 2 *", "2028-02-29T00:00:00Z"),
        "2032-02-29T00:00:00Z"
    );
    // 2100 is not a leap year: eight years between two.
    assert_eq!(
        next("0 0 29 2 *", "2096-03-01T00:00:00Z"),
        "2104-02-29T00:00:00Z"
    );
    let trigger = cron("0 0 29 2 *");
    assert_eq!(
        trigger
            .last_at_or_before(ts("2104-02-28T00:00:00Z"), i64::MIN)
            .map(show)
            .as_deref(),
        Some("2096-02-29T00:00:00Z")
    );
}

#[test]
fn the_31st_skips_short_months() {
    assert_eq!(
        nexts("0 0 31 * *", "2026-01-31T00:00:00Z", 3),
        [
            "2026-03-31T00:00:00Z",
            "2026-05-31T00:00:00Z",
            "2026-07-31T00:00:00Z"
        ]
    );
}

#[test]
fn day_of_month_or_day_of_week_when_both_are_restricted() {
    // The 13th, and every Friday (2026-12-04, -11, -18 are Fridays; the 13th is a Sunday).
    assert_eq!(
        nexts("0 0 13 * FRI", "2026-11-29T10:00:00Z", 4),
        [
            "2026-12-04T00:00:00Z",
            "2026-12-11T00:00:00Z",
            "2026-12-13T00:00:00Z",
            "2026-12-18T00:00:00Z"
        ]
    );
    // A step restricts: the odd days, and Mondays.
    assert_eq!(
        nexts("0 0 */2 * MON", "2026-11-28T12:00:00Z", 4),
        [
            "2026-11-29T00:00:00Z",
            "2026-11-30T00:00:00Z",
            "2026-12-01T00:00:00Z",
            "2026-12-03T00:00:00Z"
        ]
    );
    // An impossible date with a weekday still fires: on that weekday, in its months.
    assert_eq!(
        next("0 0 31 2 MON", "2026-11-29T10:00:00Z"),
        "2027-02-01T00:00:00Z"
    );
}

#[test]
fn day_of_month_and_day_of_week_when_one_is_a_star() {
    assert_eq!(
        nexts("0 0 13 * *", "2026-11-29T10:00:00Z", 2),
        ["2026-12-13T00:00:00Z", "2027-01-13T00:00:00Z"]
    );
    assert_eq!(
        nexts("0 0 * * FRI", "2026-11-29T10:00:00Z", 2),
        ["2026-12-04T00:00:00Z", "2026-12-11T00:00:00Z"]
    );
    // `?` is a star: Mondays only.
    assert_eq!(
        nexts("0 0 0 ? * MON", "2026-11-29T10:00:00Z", 2),
        ["2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z"]
    );
    // So is `*/1`.
    assert_eq!(
        nexts("0 0 */1 * MON", "2026-11-29T10:00:00Z", 2),
        ["2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z"]
    );
    // `?` with a date: that date only.
    assert_eq!(
        next("0 0 13 11 ?", "2026-11-29T10:00:00Z"),
        "2027-11-13T00:00:00Z"
    );
}

#[test]
fn the_macros() {
    let after = "2026-11-29T10:07:30Z"; // a Sunday
    assert_eq!(next("@hourly", after), "2026-11-29T11:00:00Z");
    assert_eq!(next("@daily", after), "2026-11-30T00:00:00Z");
    assert_eq!(next("@midnight", after), "2026-11-30T00:00:00Z");
    assert_eq!(next("@weekly", after), "2026-12-06T00:00:00Z");
    assert_eq!(next("@monthly", after), "2026-12-01T00:00:00Z");
    assert_eq!(next("@yearly", after), "2027-01-01T00:00:00Z");
    assert_eq!(next("@annually", after), "2027-01-01T00:00:00Z");
    assert_eq!(next("  @Daily ", after), "2026-11-30T00:00:00Z");
    for (name, expansion) in MACROS {
        assert_eq!(
            CronSchedule::parse(name).unwrap().seconds,
            CronSchedule::parse(expansion).unwrap().seconds
        );
        let (a, b) = (cron(name), cron(expansion));
        let mut t = ts(after);
        for _ in 0..5 {
            let n = a.next_after(t, 0);
            assert_eq!(n, b.next_after(t, 0), "{name}");
            t = n.unwrap();
        }
    }
    assert_eq!(cron("@daily").describe(), "every day at 00:00 UTC");
    assert_eq!(CronSchedule::parse("@daily").unwrap().as_str(), "@daily");
}

#[test]
fn six_fields_have_seconds() {
    let after = "2026-11-29T10:07:30Z";
    assert_eq!(next("*/10 * * * * *", after), "2026-11-29T10:07:40Z");
    assert_eq!(
        next("*/10 * * * * *", "2026-11-29T10:07:30.001Z"),
        "2026-11-29T10:07:40Z"
    );
    assert_eq!(
        next("* * * * * *", "2026-11-29T10:07:30.001Z"),
        "2026-11-29T10:07:31Z"
    );
    assert_eq!(next("30 * * * * *", after), "2026-11-29T10:08:30Z");
    assert_eq!(next("0 0 * * * *", after), "2026-11-29T11:00:00Z");
    assert_eq!(next("15,45 30 9 * * *", after), "2026-11-30T09:30:15Z");
    assert_eq!(next("59 59 23 31 12 *", after), "2026-12-31T23:59:59Z");
    // Five fields: second 0, so a fraction past the minute waits for the next one.
    assert_eq!(
        next("* * * * *", "2026-11-29T10:07:00.001Z"),
        "2026-11-29T10:08:00Z"
    );
}

#[test]
fn lists_ranges_steps_and_names() {
    let after = "2026-11-29T10:07:30Z";
    assert_eq!(
        nexts("5/20 10 * * *", after, 3),
        [
            "2026-11-29T10:25:00Z",
            "2026-11-29T10:45:00Z",
            "2026-11-30T10:05:00Z"
        ]
    );
    assert_eq!(
        nexts("10-30/10 10 * * *", after, 3),
        [
            "2026-11-29T10:10:00Z",
            "2026-11-29T10:20:00Z",
            "2026-11-29T10:30:00Z"
        ]
    );
    assert_eq!(
        nexts("0 0 1 jan,Jul,OCT-DEC *", after, 3),
        [
            "2026-12-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
            "2027-07-01T00:00:00Z"
        ]
    );
    // 7 is Sunday, and 5-7 is Friday to Sunday.
    assert_eq!(next("0 0 * * 7", after), "2026-12-06T00:00:00Z");
    assert_eq!(next("0 0 * * 0", after), "2026-12-06T00:00:00Z");
    assert_eq!(
        nexts("0 0 * * 5-7", after, 3),
        [
            "2026-12-04T00:00:00Z",
            "2026-12-05T00:00:00Z",
            "2026-12-06T00:00:00Z"
        ]
    );
    // `*/2` in day-of-week is Sunday, Tuesday, Thursday, Saturday (7 does not count twice).
    assert_eq!(
        nexts("0 0 * * */2", after, 4),
        [
            "2026-12-01T00:00:00Z",
            "2026-12-03T00:00:00Z",
            "2026-12-05T00:00:00Z",
            "2026-12-06T00:00:00Z"
        ]
    );
    // A step larger than the field keeps the start only.
    assert_eq!(next("*/90 * * * *", after), "2026-11-29T11:00:00Z");
    assert_eq!(next("7/99999999999 * * * *", after), "2026-11-29T11:07:00Z");
    // Leading zeros and tabs.
    assert_eq!(next("05\t09 * * *", after), "2026-11-30T09:05:00Z");
}

#[test]
fn before_the_epoch() {
    assert_eq!(
        next("0 0 1 1 *", "1969-06-01T00:00:00Z"),
        "1970-01-01T00:00:00Z"
    );
    assert_eq!(cron("0 0 1 1 *").next_after(-1, i64::MIN), Some(0));
    assert_eq!(
        cron("0 0 1 1 *").next_after(0, i64::MIN),
        Some(ts("1971-01-01T00:00:00Z"))
    );
    assert_eq!(
        next("*/15 * * * *", "1900-02-28T23:59:00Z"),
        "1900-03-01T00:00:00Z"
    );
}

#[test]
fn the_start_bounds_cron_too() {
    let trigger = cron("0 * * * *");
    let start = ts("2026-11-29T10:07:30Z");
    assert_eq!(
        trigger.next_after(0, start).map(show).as_deref(),
        Some("2026-11-29T11:00:00Z")
    );
    assert_eq!(
        trigger.last_at_or_before(start + 3_600_000, start),
        Some(ts("2026-11-29T11:00:00Z"))
    );
    assert_eq!(trigger.last_at_or_before(start + 1_000_000, start), None);
    assert_eq!(trigger.last_at_or_before(start - 1, start), None);
    // A start on a fire time includes it.
    let start = ts("2026-11-29T10:00:00Z");
    assert_eq!(trigger.next_after(start - 1, start), Some(start));
    assert_eq!(trigger.last_at_or_before(start, start), Some(start));
}

#[test]
fn last_at_or_before_is_the_mirror_of_next_after() {
    let at = ts("2026-11-29T10:07:30Z");
    let last = |text: &str| show(cron(text).last_at_or_before(at, i64::MIN).unwrap());
    assert_eq!(last("*/15 * * * *"), "2026-11-29T10:00:00Z");
    assert_eq!(last("30 * * * * *"), "2026-11-29T10:07:30Z");
    assert_eq!(last("0 0 12 * * MON-FRI"), "2026-11-27T12:00:00Z");
    assert_eq!(last("0 0 1 1 *"), "2026-01-01T00:00:00Z");
    assert_eq!(last("0 0 31 * *"), "2026-10-31T00:00:00Z");
    assert_eq!(last("0 0 13 * FRI"), "2026-11-27T00:00:00Z");
    assert_eq!(last("59 59 23 31 12 *"), "2025-12-31T23:59:59Z");
    assert_eq!(last("0 0 29 2 *"), "2024-02-29T00:00:00Z");
}

#[test]
fn the_ends_of_i64_give_none_not_a_panic() {
    let every_second = cron("* * * * * *");
    assert_eq!(every_second.next_after(i64::MAX, i64::MIN), None);
    assert_eq!(every_second.next_after(i64::MAX - 807, i64::MIN), None);
    assert_eq!(
        every_second.next_after(i64::MAX - 808, i64::MIN),
        Some(9_223_372_036_854_775_000)
    );
    assert_eq!(
        every_second.next_after(i64::MIN, i64::MIN),
        Some(-9_223_372_036_854_775_000)
    );
    assert_eq!(every_second.last_at_or_before(i64::MIN, i64::MIN), None);
    assert_eq!(
        every_second.last_at_or_before(i64::MAX, i64::MIN),
        Some(9_223_372_036_854_775_000)
    );
    for text in ["0 0 29 2 *", "0 0 1 1 *", "@hourly", "0 0 31 12 SUN"] {
        let trigger = cron(text);
        for t in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
            if let Some(n) = trigger.next_after(t, i64::MIN) {
                assert!(n > t);
            }
            if let Some(n) = trigger.last_at_or_before(t, i64::MIN) {
                assert!(n <= t);
            }
        }
        assert_eq!(trigger.next_after(i64::MAX - 86_400_000, i64::MAX), None);
    }
    let interval = Trigger::Interval { seconds: u64::MAX };
    assert_eq!(interval.next_after(i64::MIN, i64::MIN), None);
    assert_eq!(
        interval.next_after(i64::MIN, i64::MIN + 1),
        Some(i64::MIN + 1)
    );
    assert_eq!(interval.next_after(0, i64::MIN), None);
    assert_eq!(
        interval.last_at_or_before(i64::MAX, i64::MIN),
        Some(i64::MIN)
    );
    let interval = Trigger::Interval { seconds: 1 };
    assert_eq!(interval.next_after(i64::MAX - 1000, -193), Some(i64::MAX));
    assert_eq!(interval.next_after(i64::MAX, -193), None);
    assert_eq!(interval.next_after(i64::MAX - 1, 0), None);
}

// ---- intervals ----

#[test]
fn intervals_count_from_the_start() {
    let every_minute = Trigger::interval(60).unwrap();
    let start = ts("2026-11-29T10:07:30.500Z");
    let next = |after| every_minute.next_after(after, start).map(show);
    assert_eq!(next(0).as_deref(), Some("2026-11-29T10:07:30.500Z"));
    assert_eq!(next(start - 1).as_deref(), Some("2026-11-29T10:07:30.500Z"));
    assert_eq!(next(start).as_deref(), Some("2026-11-29T10:08:30.500Z"));
    assert_eq!(
        next(start + 59_999).as_deref(),
        Some("2026-11-29T10:08:30.500Z")
    );
    assert_eq!(
        next(start + 60_000).as_deref(),
        Some("2026-11-29T10:09:30.500Z")
    );
    let last = |at| every_minute.last_at_or_before(at, start).map(show);
    assert_eq!(last(start - 1), None);
    assert_eq!(last(start).as_deref(), Some("2026-11-29T10:07:30.500Z"));
    assert_eq!(
        last(start + 119_999).as_deref(),
        Some("2026-11-29T10:08:30.500Z")
    );
    assert_eq!(Trigger::interval(0), Err(ScheduleError::ZeroInterval));
    assert_eq!(Trigger::Interval { seconds: 0 }.next_after(0, 0), None);
    assert_eq!(
        Trigger::Interval { seconds: 0 }.last_at_or_before(0, 0),
        None
    );
}

// ---- errors ----

#[test]
fn errors_name_the_field_and_the_reason() {
    let cases = [
        ("0 0 24 * * *", "field 3 (hour): 24 is out of range 0-23"),
        ("0 24 * * *", "field 2 (hour): 24 is out of range 0-23"),
        ("60 * * * *", "field 1 (minute): 60 is out of range 0-59"),
        ("60 * * * * *", "field 1 (second): 60 is out of range 0-59"),
        (
            "* * 0 * *",
            "field 3 (day-of-month): 0 is out of range 1-31",
        ),
        (
            "* * 32 * *",
            "field 3 (day-of-month): 32 is out of range 1-31",
        ),
        ("* * * 13 *", "field 4 (month): 13 is out of range 1-12"),
        ("* * * 0 *", "field 4 (month): 0 is out of range 1-12"),
        ("* * * * 8", "field 5 (day-of-week): 8 is out of range 0-7"),
        (
            "* 99999999999 * * *",
            "field 2 (hour): 99999999999 is out of range 0-23",
        ),
        (
            "1,,2 * * * *",
            "field 1 (minute): empty list element in `1,,2`",
        ),
        ("1, * * * *", "field 1 (minute): empty list element in `1,`"),
        (
            "*/0 * * * *",
            "field 1 (minute): step 0 in `*/0` must be at least 1",
        ),
        (
            "* * 1-10/0 * *",
            "field 3 (day-of-month): step 0 in `1-10/0` must be at least 1",
        ),
        (
            "*/x * * * *",
            "field 1 (minute): step `x` in `*/x` is not a number",
        ),
        (
            "*/ * * * *",
            "field 1 (minute): step `` in `*/` is not a number",
        ),
        (
            "1/2/3 * * * *",
            "field 1 (minute): `1/2/3` has more than one `/`",
        ),
        (
            "/5 * * * *",
            "field 1 (minute): `/5` has nothing before the `/`",
        ),
        (
            "5-2 * * * *",
            "field 1 (minute): range `5-2` goes backwards (5 > 2)",
        ),
        (
            "* * * * FRI-MON",
            "field 5 (day-of-week): range `FRI-MON` goes backwards (5 > 1)",
        ),
        ("* * * 1- *", "field 4 (month): `1-` is not a valid range"),
        ("-1 * * * *", "field 1 (minute): `-1` is not a valid range"),
        ("1-2-3 * * * *", "field 1 (minute): `2-3` is not a number"),
        ("*-5 * * * *", "field 1 (minute): `*` is not a number"),
        ("x * * * *", "field 1 (minute): `x` is not a number"),
        ("MON * * * *", "field 1 (minute): `MON` is not a number"),
        (
            "* * * FOO *",
            "field 4 (month): `FOO` is not a number or a month name (JAN-DEC)",
        ),
        (
            "* * * JANUARY *",
            "field 4 (month): `JANUARY` is not a number or a month name (JAN-DEC)",
        ),
        (
            "* * * * FOO",
            "field 5 (day-of-week): `FOO` is not a number or a day name (SUN-SAT)",
        ),
        (
            "* * * * JAN",
            "field 5 (day-of-week): `JAN` is not a number or a day name (SUN-SAT)",
        ),
        (
            "? * * * *",
            "field 1 (minute): `?` is only allowed in day-of-month and day-of-week",
        ),
        (
            "* * * ? *",
            "field 4 (month): `?` is only allowed in day-of-month and day-of-week",
        ),
        (
            "0 0 30 2 *",
            "`0 0 30 2 *` never fires: none of its days of the month exist in its months",
        ),
        ("", "the cron expression is empty"),
        (" \t ", "the cron expression is empty"),
        (
            "* * * *",
            "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second \
             first), found 4",
        ),
        (
            "* * * * * * *",
            "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second \
             first), found 7",
        ),
        (
            "@every 1h",
            "unknown macro `@every`: expected @yearly, @annually, @monthly, @weekly, @daily, \
             @midnight or @hourly (for @every, use an interval)",
        ),
        ("@daily 5", "macro `@daily` must be the whole expression"),
        ("0 @daily", "macro `@daily` must be the whole expression"),
        (
            "TZ=UTC 0 0 * * *",
            "time zones are not supported: schedules are in UTC",
        ),
        (
            "CRON_TZ=Europe/Paris 0 0 * * *",
            "time zones are not supported: schedules are in UTC",
        ),
    ];
    for (text, message) in cases {
        assert_eq!(error(text), message, "{text:?}");
    }
    assert_eq!(
        CronSchedule::parse("0 0 24 * * *"),
        Err(ScheduleError::Field {
            index: 3,
            name: "hour",
            message: "24 is out of range 0-23".to_string()
        })
    );
}

#[test]
fn schedules_that_never_fire_are_refused_and_rare_ones_are_not() {
    for text in [
        "0 0 30 2 *",
        "0 0 31 2,4,6,9,11 *",
        "0 0 31 APR ?",
        "0 0 0 30-31 2 *",
    ] {
        assert_eq!(
            CronSchedule::parse(text),
            Err(ScheduleError::NeverFires(text.to_string()))
        );
    }
    for text in [
        "0 0 29 2 *",
        "0 0 31 2 MON",
        "0 0 30,31 2,3 *",
        "0 0 31 * *",
    ] {
        assert!(CronSchedule::parse(text).is_ok(), "{text}");
    }
}

#[test]
fn the_text_is_kept_as_written_but_trimmed() {
    let schedule: CronSchedule = "  0 */5 * * MON-fri \n".parse().unwrap();
    assert_eq!(schedule.as_str(), "0 */5 * * MON-fri");
    assert_eq!(schedule.to_string(), "0 */5 * * MON-fri");
    assert_eq!(
        "0 24 * * *"
            .parse::<CronSchedule>()
            .unwrap_err()
            .to_string(),
        "field 2 (hour): 24 is out of range 0-23"
    );
}

// ---- describe ----

#[test]
fn triggers_in_words() {
    let cases = [
        ("* * * * * *", "every second"),
        ("*/15 * * * * *", "every 15 seconds"),
        ("* * * * *", "every minute"),
        ("0 * * * * *", "every minute"),
        ("*/5 * * * *", "every 5 minutes"),
        ("0,30 * * * *", "every 30 minutes"),
        ("0 * * * *", "every hour"),
        ("0 0 * * * *", "every hour"),
        ("@hourly", "every hour"),
        ("5 * * * *", "every hour at minute 5"),
        ("0 */6 * * *", "every 6 hours"),
        ("30 2 * * *", "every day at 02:30 UTC"),
        ("15 30 2 * * *", "every day at 02:30:15 UTC"),
        ("0 12 * * MON-FRI", "every Monday to Friday at 12:00 UTC"),
        (
            "0 12 * * 1,3,5",
            "every Monday, Wednesday and Friday at 12:00 UTC",
        ),
        ("0 12 * * 6,0", "every Sunday and Saturday at 12:00 UTC"),
        ("@weekly", "every Sunday at 00:00 UTC"),
        ("0 0 * * 7", "every Sunday at 00:00 UTC"),
        ("@monthly", "on day 1 of every month at 00:00 UTC"),
        ("@yearly", "every year on 1 January at 00:00 UTC"),
        ("0 9 15 6 *", "every year on 15 June at 09:00 UTC"),
        // Anything else: the expression.
        ("*/7 * * * *", "cron */7 * * * * (UTC)"),
        ("*/5 9-17 * * *", "cron */5 9-17 * * * (UTC)"),
        ("0 0 13 * FRI", "cron 0 0 13 * FRI (UTC)"),
        ("0 0 1,15 * *", "cron 0 0 1,15 * * (UTC)"),
        ("0 0 0 * * *", "every day at 00:00 UTC"),
    ];
    for (text, words) in cases {
        assert_eq!(cron(text).describe(), words, "{text}");
    }
    let interval = |seconds| Trigger::Interval { seconds }.describe();
    assert_eq!(interval(1), "every second");
    assert_eq!(interval(90), "every 90 seconds");
    assert_eq!(interval(300), "every 5 minutes");
    assert_eq!(interval(5400), "every 90 minutes");
    assert_eq!(interval(3600), "every hour");
    assert_eq!(interval(7200), "every 2 hours");
    assert_eq!(interval(86_400), "every day");
    assert_eq!(interval(604_800), "every week");
    assert_eq!(interval(1_209_600), "every 2 weeks");
    assert_eq!(interval(0), "never (an interval of 0 seconds)");
}

// ---- due ----

const MINUTE: i64 = 60_000;
const NONE: [i64; 0] = [];

#[test]
fn due_without_catch_up_is_the_latest_missed_time_only() {
    let trigger = Trigger::interval(60).unwrap();
    let start = ts("2026-11-29T10:00:00Z");
    let now = start + 150_000;
    assert_eq!(
        due(&trigger, start, None, None, now, false),
        [start + 2 * MINUTE]
    );
    assert_eq!(
        due(&trigger, start, None, Some(start), now, false),
        [start + 2 * MINUTE]
    );
    assert_eq!(
        due(&trigger, start, None, Some(start + 2 * MINUTE), now, false),
        NONE
    );
    // A fire time equal to now is due.
    assert_eq!(
        due(&trigger, start, None, Some(start), start + MINUTE, false),
        [start + MINUTE]
    );
    assert_eq!(due(&trigger, start, None, None, start, false), [start]);
    assert_eq!(due(&trigger, start, None, None, start - 1, false), NONE);
}

#[test]
fn due_with_catch_up_is_every_missed_time_in_order() {
    let trigger = Trigger::interval(60).unwrap();
    let start = ts("2026-11-29T10:00:00Z");
    let now = start + 150_000;
    assert_eq!(
        due(&trigger, start, None, None, now, true),
        [start, start + MINUTE, start + 2 * MINUTE]
    );
    assert_eq!(
        due(&trigger, start, None, Some(start), now, true),
        [start + MINUTE, start + 2 * MINUTE]
    );
    assert_eq!(
        due(&trigger, start, None, Some(start + 2 * MINUTE), now, true),
        NONE
    );
    assert_eq!(due(&trigger, start, None, None, start - 1, true), NONE);
    // A last fire before the start (the start was moved later) does not reach before it.
    assert_eq!(
        due(&trigger, start, None, Some(start - 10 * MINUTE), now, true),
        [start, start + MINUTE, start + 2 * MINUTE]
    );
}

#[test]
fn due_stops_at_the_end() {
    let trigger = Trigger::interval(60).unwrap();
    let start = ts("2026-11-29T10:00:00Z");
    let now = start + 10 * MINUTE;
    let end = Some(start + 90_000);
    assert_eq!(
        due(&trigger, start, end, None, now, false),
        [start + MINUTE]
    );
    assert_eq!(
        due(&trigger, start, end, None, now, true),
        [start, start + MINUTE]
    );
    assert_eq!(
        due(&trigger, start, end, Some(start + MINUTE), now, false),
        NONE
    );
    assert_eq!(
        due(&trigger, start, end, Some(start + MINUTE), now, true),
        NONE
    );
    // The end itself is included.
    let end = Some(start + MINUTE);
    assert_eq!(
        due(&trigger, start, end, None, now, true),
        [start, start + MINUTE]
    );
    // An end before the start: nothing, ever.
    let end = Some(start - 1);
    assert_eq!(due(&trigger, start, end, None, now, true), NONE);
    assert_eq!(due(&trigger, start, end, None, now, false), NONE);
}

#[test]
fn due_with_cron_starts_at_the_start() {
    let trigger = cron("0 * * * *");
    let start = ts("2026-11-29T10:07:30Z");
    let now = ts("2026-11-29T13:30:00Z");
    let shown = |times: Vec<i64>| times.into_iter().map(show).collect::<Vec<_>>();
    assert_eq!(
        shown(due(&trigger, start, None, None, now, false)),
        ["2026-11-29T13:00:00Z"]
    );
    assert_eq!(
        shown(due(&trigger, start, None, None, now, true)),
        [
            "2026-11-29T11:00:00Z",
            "2026-11-29T12:00:00Z",
            "2026-11-29T13:00:00Z"
        ]
    );
    assert_eq!(
        shown(due(
            &trigger,
            start,
            None,
            Some(ts("2026-11-29T12:00:00Z")),
            now,
            true
        )),
        ["2026-11-29T13:00:00Z"]
    );
    assert_eq!(
        shown(due(
            &trigger,
            start,
            Some(ts("2026-11-29T12:59:59Z")),
            None,
            now,
            false
        )),
        ["2026-11-29T12:00:00Z"]
    );
    // Before the first fire time: nothing yet.
    assert_eq!(
        due(
            &trigger,
            start,
            None,
            None,
            ts("2026-11-29T10:59:59Z"),
            true
        ),
        NONE
    );
    assert_eq!(
        due(
            &trigger,
            start,
            None,
            None,
            ts("2026-11-29T10:59:59Z"),
            false
        ),
        NONE
    );
}

#[test]
fn catch_up_is_capped_and_resumes_where_it_stopped() {
    let trigger = Trigger::interval(1).unwrap();
    let start = ts("2026-11-29T10:00:00Z");
    let now = start + 2500 * 1000;
    let first = due(&trigger, start, None, None, now, true);
    assert_eq!(first.len(), MAX_CATCH_UP);
    assert_eq!((first[0], first[999]), (start, start + 999_000));
    let second = due(&trigger, start, None, first.last().copied(), now, true);
    assert_eq!((second.len(), second[0]), (MAX_CATCH_UP, start + 1_000_000));
    let third = due(&trigger, start, None, second.last().copied(), now, true);
    assert_eq!(
        (third.len(), third[0], third[500]),
        (501, start + 2_000_000, now)
    );
    assert_eq!(
        due(&trigger, start, None, third.last().copied(), now, true),
        NONE
    );
    // Without catch-up, one, however many were missed.
    assert_eq!(due(&trigger, start, None, None, now, false), [now]);
    // Every second for years: still quick.
    let years = 5 * 366 * 86_400_000;
    let cron = cron("* * * * * *");
    assert_eq!(
        due(&cron, start, None, None, start + years, true).len(),
        MAX_CATCH_UP
    );
    assert_eq!(
        due(&cron, start, None, None, start + years, false),
        [start + years]
    );
}

#[test]
fn due_at_the_ends_of_i64() {
    let trigger = Trigger::interval(1).unwrap();
    assert_eq!(
        due(&trigger, i64::MIN, None, None, i64::MIN, true),
        [i64::MIN]
    );
    assert_eq!(
        due(&trigger, i64::MIN, None, None, i64::MIN, false),
        [i64::MIN]
    );
    assert_eq!(
        due(&trigger, i64::MAX, None, None, i64::MAX, true),
        [i64::MAX]
    );
    assert_eq!(due(&trigger, 0, None, Some(i64::MAX), i64::MAX, true), NONE);
    let cron = cron("0 0 29 2 *");
    assert_eq!(due(&cron, i64::MIN, None, None, i64::MIN + 1, true), NONE);
    assert_eq!(due(&cron, i64::MAX - 1, None, None, i64::MAX, true), NONE);
    assert_eq!(due(&cron, i64::MAX - 1, None, None, i64::MAX, false), NONE);
}
