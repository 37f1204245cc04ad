//! The model page's charts, as SVG: requests per second, latency (median and 99th percentile)
//! and replicas over time, from the router's samples. Pure: data in, SVG out.

use api::ModelSample;
use leptos::prelude::*;

use super::chart_geometry::{
    BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, line_through, range, scale, short,
};

/// One line of a chart: its name and `(at_ms, value)` points.
type Line = (&'static str, Vec<(i64, f64)>);

/// The samples' values that `pick` gives (a tick with no answered request has no latency).
fn points(samples: &[ModelSample], pick: impl Fn(&ModelSample) -> Option<f64>) -> Vec<(i64, f64)> {
    samples
        .iter()
        .filter_map(|s| pick(s).map(|v| (s.at_ms, v)))
        .collect()
}

/// The value axis from 0 (a rate, a latency or a count is never below it) to the largest.
fn value_range(lines: &[Line]) -> Option<(f64, f64)> {
    range(lines.iter().flat_map(|(_, p)| p.iter().map(|&(_, v)| v)))
        .map(|(lo, hi)| (lo.min(0.0), hi))
}

/// `hh:mm:ss` of a time in UTC, for the time axis.
fn clock(ms: i64) -> String {
    let s = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The router's measurements of the model, one chart each.
#[component]
pub fn ModelCharts(samples: Vec<ModelSample>) -> impl IntoView {
    if samples.is_empty() {
        return view! {
            <p class="empty-note">"Nothing measured yet: the charts fill in as the model runs."</p>
        }
        .into_any();
    }
    let rps = vec![("requests per second", points(&samples, |s| Some(s.rps)))];
    let latency = vec![
        ("p50 latency (ms)", points(&samples, |s| s.p50_ms)),
        ("p99 latency (ms)", points(&samples, |s| s.p99_ms)),
    ];
    let replicas = vec![(
        "replicas",
        points(&samples, |s| Some(f64::from(s.replicas))),
    )];
    let span = (
        samples.first().map_or(0, |s| s.at_ms),
        samples.last().map_or(0, |s| s.at_ms),
    );
    view! {
        <TimeChart title="Requests per second" testid="rps-chart" lines=rps span/>
        <TimeChart title="Latency" testid="latency-chart" lines=latency span/>
        <TimeChart title="Replicas" testid="replicas-chart" lines=replicas span/>
    }
    .into_any()
}

/// Lines over the time from `span.0` to `span.1`, with their names as the legend.
#[component]
fn TimeChart(
    title: &'static str,
    testid: &'static str,
    lines: Vec<Line>,
    span: (i64, i64),
) -> impl IntoView {
    let Some((lo, hi)) = value_range(&lines) else {
        return view! { <p class="empty-note">{format!("{title}: nothing measured yet.")}</p> }
            .into_any();
    };
    let (start, end) = (span.0 as f64, span.1 as f64);
    let paths = lines
        .iter()
        .enumerate()
        .map(|(k, (name, points))| {
            let d = line_through(points.iter().map(|&(at, v)| {
                (
                    scale(at as f64, start, end, LEFT, RIGHT),
                    scale(v, lo, hi, BOTTOM, TOP),
                )
            }));
            view! { <path class=format!("chart-line series-{}", k % 4) d=d><title>{*name}</title></path> }
        })
        .collect_view();
    let names: Vec<&str> = lines.iter().map(|(n, _)| *n).collect();
    let legend = lines
        .iter()
        .enumerate()
        .map(|(k, (name, _))| view! { <li><span class=format!("legend-line series-{}", k % 4)></span>{*name}</li> })
        .collect_view();
    let label = format!(
        "{title} from {} to {} UTC: {}, between {} and {}",
        clock(span.0),
        clock(span.1),
        names.join(" and "),
        short(lo),
        short(hi)
    );
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label data-testid=testid>
                <line class="chart-axis" x1=LEFT.to_string() x2=RIGHT.to_string() y1=BOTTOM.to_string() y2=BOTTOM.to_string()></line>
                <line class="chart-axis" x1=LEFT.to_string() x2=LEFT.to_string() y1=TOP.to_string() y2=BOTTOM.to_string()></line>
                <text x=(LEFT - 6.0).to_string() y=(TOP + 4.0).to_string() text-anchor="end">{short(hi)}</text>
                <text x=(LEFT - 6.0).to_string() y=(BOTTOM + 4.0).to_string() text-anchor="end">{short(lo)}</text>
                <text x=LEFT.to_string() y=(BOTTOM + 18.0).to_string()>{clock(span.0)}</text>
                <text x=RIGHT.to_string() y=(BOTTOM + 18.0).to_string() text-anchor="end">{format!("{} UTC", clock(span.1))}</text>
                {paths}
            </svg>
            <figcaption>{title}<ul class="chart-legend">{legend}</ul></figcaption>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_ms: i64, rps: f64, p50_ms: Option<f64>) -> ModelSample {
        ModelSample {
            at_ms,
            rps,
            concurrency: 0.0,
            replicas: 1,
            p50_ms,
            p99_ms: None,
            errors: 0,
        }
    }

    #[test]
    fn ticks_without_answers_have_no_latency_and_axes_start_at_zero() {
        let samples = [sample(1_000, 2.0, Some(5.0)), sample(2_000, 4.0, None)];
        assert_eq!(points(&samples, |s| s.p50_ms), vec![(1_000, 5.0)]);
        let lines: Vec<Line> = vec![("rps", points(&samples, |s| Some(s.rps)))];
        assert_eq!(value_range(&lines), Some((0.0, 4.0)));
        assert_eq!(value_range(&[("none", vec![])]), None);
        assert_eq!(clock(3_723_000), "01:02:03");
    }
}
