//! How the Pipelines and Runs pages write a run's figures: state badges, links, times,
//! durations, and the events after which they reload.

use api::{Event, EventKind};
use leptos::prelude::*;

use crate::pages::profiles::utc;

/// A run or one of its tasks changed state.
pub const RUN_CHANGES: &[EventKind] = &[EventKind::Run];

/// Reloads wait this long after the first event of a burst, to take the burst in once.
pub const SETTLE_MS: u64 = 400;

/// Whether an event is about run `id` (`data.id`).
pub fn about_run(event: &Event, id: i64) -> bool {
    event.data.get("id").and_then(serde_json::Value::as_i64) == Some(id)
}

pub fn run_href(profile: &str, id: i64) -> String {
    format!("/runs/{id}?ns={}", api::encode_query_value(profile))
}

pub fn pipeline_href(profile: &str, pipeline: &str, version: Option<&str>) -> String {
    let mut href = format!(
        "/pipelines/{}?ns={}",
        api::encode_query_value(pipeline),
        api::encode_query_value(profile)
    );
    if let Some(v) = version {
        href.push_str(&format!("&version={}", api::encode_query_value(v)));
    }
    href
}

/// A state in its colour (`st-running`, …), run or task alike.
#[component]
pub fn StateBadge(state: &'static str) -> impl IntoView {
    view! { <span class=format!("state-badge st-{state}") data-state=state>{state}</span> }
}

/// A time in UTC, or a dash.
pub fn when(ms: Option<i64>) -> String {
    ms.map(utc).unwrap_or_else(|| "—".to_owned())
}

/// How long from `start` to `end` (to `now` while unfinished), or a dash before the start.
pub fn took(start: Option<i64>, end: Option<i64>, now: i64) -> String {
    match start {
        Some(start) => duration(end.unwrap_or(now) - start),
        None => "—".to_owned(),
    }
}

/// 850 → "850 ms", 12_400 → "12.4 s", 184_000 → "3 min 4 s", 7_500_000 → "2 h 5 min".
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    match ms {
        ms if ms < 1000 => format!("{ms} ms"),
        ms if ms < 60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        ms if ms < 3_600_000 => format!("{} min {} s", ms / 60_000, ms % 60_000 / 1000),
        ms => format!("{} h {} min", ms / 3_600_000, ms % 3_600_000 / 60_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_briefly() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(12_400), "12.4 s");
        assert_eq!(duration(184_000), "3 min 4 s");
        assert_eq!(duration(7_500_000), "2 h 5 min");
        assert_eq!(took(Some(1000), None, 3000), "2.0 s");
        assert_eq!(took(None, None, 3000), "—");
    }

    #[test]
    fn links_name_the_profile_and_version() {
        assert_eq!(run_href("team a", 7), "/runs/7?ns=team%20a");
        assert_eq!(
            pipeline_href("t", "p", Some("v2")),
            "/pipelines/p?ns=t&version=v2"
        );
    }
}
