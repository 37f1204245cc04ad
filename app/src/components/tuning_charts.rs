//! The tuning page's charts, as SVG: the objective by trial (with the best so far), the
//! parallel-coordinates plot of parameters against the objective, and one trial's metric
//! history. Pure: data in, SVG out; the geometry is in plain functions, tested below (what
//! all charts share is in `chart_geometry`).

use std::collections::BTreeMap;

use api::{MetricPoint, TrialView};
use leptos::prelude::*;

use super::chart_geometry::{
    BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, line_through, range, scale, short,
};

/// `(trial number, value)` pairs.
type Series = Vec<(u32, f64)>;

/// Points `(number, objective)` of the trials that reported one, and the best-so-far line.
fn objective_series(trials: &[TrialView], maximize: bool) -> (Series, Series) {
    let mut points: Vec<(u32, f64)> = trials
        .iter()
        .filter_map(|t| t.objective.map(|v| (t.number, v)))
        .collect();
    points.sort_by_key(|p| p.0);
    let mut best: Option<f64> = None;
    let frontier = points
        .iter()
        .map(|&(n, v)| {
            let b = match best {
                Some(b) if (maximize && b >= v) || (!maximize && b <= v) => b,
                _ => v,
            };
            best = Some(b);
            (n, b)
        })
        .collect();
    (points, frontier)
}

/// The objective of each trial by its number, and the best found so far.
#[component]
pub fn ObjectiveChart(
    trials: Vec<TrialView>,
    metric: String,
    maximize: bool,
    best: Option<String>,
) -> impl IntoView {
    let (points, frontier) = objective_series(&trials, maximize);
    let Some((lo, hi)) = range(points.iter().map(|p| p.1)) else {
        return view! { <p class="empty-note">"No trial has reported the objective yet."</p> }
            .into_any();
    };
    let last = trials.iter().map(|t| t.number).max().unwrap_or(0).max(1) as f64;
    let x = move |n: u32| scale(n as f64, 0.0, last, LEFT, RIGHT);
    let y = move |v: f64| scale(v, lo, hi, BOTTOM, TOP);
    let line = line_through(frontier.iter().map(|&(n, v)| (x(n), y(v))));
    let best_name = best.unwrap_or_default();
    let dots = points
        .iter()
        .map(|&(n, v)| {
            let name = trials
                .iter()
                .find(|t| t.number == n)
                .map(|t| t.name.clone())
                .unwrap_or_default();
            let class = if name == best_name { "dot best" } else { "dot" };
            view! {
                <circle class=class cx=format!("{:.1}", x(n)) cy=format!("{:.1}", y(v)) r="4">
                    <title>{format!("{name}: {metric} {}", short(v))}</title>
                </circle>
            }
        })
        .collect_view();
    let label = format!(
        "{metric} by trial: {} trials reported it, from {} to {}",
        points.len(),
        short(lo),
        short(hi)
    );
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label data-testid="objective-chart">
                <line class="chart-axis" x1=LEFT.to_string() x2=RIGHT.to_string() y1=BOTTOM.to_string() y2=BOTTOM.to_string()></line>
                <line class="chart-axis" x1=LEFT.to_string() x2=LEFT.to_string() y1=TOP.to_string() y2=BOTTOM.to_string()></line>
                <text x=(LEFT - 6.0).to_string() y=(TOP + 4.0).to_string() text-anchor="end">{short(hi)}</text>
                <text x=(LEFT - 6.0).to_string() y=(BOTTOM + 4.0).to_string() text-anchor="end">{short(lo)}</text>
                <text x=LEFT.to_string() y=(BOTTOM + 18.0).to_string()>"trial 0"</text>
                <text x=RIGHT.to_string() y=(BOTTOM + 18.0).to_string() text-anchor="end">{format!("trial {last}")}</text>
                <path class="chart-line" d=line></path>
                {dots}
            </svg>
            <figcaption>{format!("Each dot is a trial's {metric}; the line is the best so far.")}</figcaption>
        </figure>
    }
    .into_any()
}

/// Where a trial's value sits on an axis, 0‥1 (`None`: it has none).
type Position = Box<dyn Fn(&TrialView) -> Option<f64>>;

/// One axis of the parallel-coordinates plot.
struct Axis {
    name: String,
    labels: (String, String),
    position: Position,
}

/// A numeric axis when every value is a number, else one step per distinct value.
fn parameter_axis(name: &str, trials: &[TrialView]) -> Axis {
    let texts: Vec<&str> = trials
        .iter()
        .filter_map(|t| t.parameters.get(name).map(String::as_str))
        .collect();
    let numbers: Option<Vec<f64>> = texts.iter().map(|t| t.parse::<f64>().ok()).collect();
    let key = name.to_owned();
    match numbers.and_then(|n| range(n.into_iter())) {
        Some((lo, hi)) => Axis {
            name: name.to_owned(),
            labels: (short(lo), short(hi)),
            position: Box::new(move |t| {
                let v: f64 = t.parameters.get(&key)?.parse().ok()?;
                Some(scale(v, lo, hi, 0.0, 1.0))
            }),
        },
        None => {
            let mut distinct: Vec<String> = texts.iter().map(|t| (*t).to_owned()).collect();
            distinct.sort();
            distinct.dedup();
            let labels = (
                distinct.first().cloned().unwrap_or_default(),
                distinct.last().cloned().unwrap_or_default(),
            );
            let n = distinct.len().max(1) as f64 - 1.0;
            Axis {
                name: name.to_owned(),
                labels,
                position: Box::new(move |t| {
                    let v = t.parameters.get(&key)?;
                    let i = distinct.iter().position(|d| d == v)? as f64;
                    Some(scale(i, 0.0, n, 0.0, 1.0))
                }),
            }
        }
    }
}

/// Each trial as a line across one axis per parameter and one for the objective.
#[component]
pub fn ParallelCoordinates(
    trials: Vec<TrialView>,
    parameters: Vec<String>,
    metric: String,
    best: Option<String>,
) -> impl IntoView {
    if trials.is_empty() || parameters.is_empty() {
        return view! { <p class="empty-note">"No trial yet."</p> }.into_any();
    }
    let mut axes: Vec<Axis> = parameters
        .iter()
        .map(|p| parameter_axis(p, &trials))
        .collect();
    let objective = range(trials.iter().filter_map(|t| t.objective));
    if let Some((lo, hi)) = objective {
        axes.push(Axis {
            name: metric.clone(),
            labels: (short(lo), short(hi)),
            position: Box::new(move |t| t.objective.map(|v| scale(v, lo, hi, 0.0, 1.0))),
        });
    }
    let count = axes.len().max(2) as f64 - 1.0;
    let x = |i: usize| scale(i as f64, 0.0, count, LEFT, RIGHT);
    let best = best.unwrap_or_default();
    let lines = trials
        .iter()
        .map(|t| {
            let d = line_through(axes.iter().enumerate().filter_map(|(i, a)| {
                (a.position)(t).map(|p| (x(i), scale(p, 0.0, 1.0, BOTTOM, TOP)))
            }));
            let class = match (t.name == best, t.objective.is_some()) {
                (true, _) => "pc-line best",
                (false, true) => "pc-line",
                (false, false) => "pc-line no-objective",
            };
            view! { <path class=class d=d><title>{t.name.clone()}</title></path> }
        })
        .collect_view();
    let axis_views = axes
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let xi = format!("{:.1}", x(i));
            view! {
                <line class="chart-axis" x1=xi.clone() x2=xi.clone() y1=TOP.to_string() y2=BOTTOM.to_string()></line>
                <text x=xi.clone() y=(BOTTOM + 16.0).to_string() text-anchor="middle" class="pc-name">{a.name.clone()}</text>
                <text x=xi.clone() y=(TOP - 4.0).to_string() text-anchor="middle">{a.labels.1.clone()}</text>
                <text x=xi y=(BOTTOM + 30.0).to_string() text-anchor="middle">{a.labels.0.clone()}</text>
            }
        })
        .collect_view();
    let label = format!(
        "Parallel coordinates of {} trials over {} and {metric}",
        trials.len(),
        parameters.join(", ")
    );
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 -6 {WIDTH} {}", HEIGHT + 26.0) role="img" aria-label=label data-testid="parallel-coordinates">
                {axis_views}
                {lines}
            </svg>
            <figcaption>"Each line is a trial; the highlighted one is the best."</figcaption>
        </figure>
    }
    .into_any()
}

/// A trial's reports of each metric, step by step.
#[component]
pub fn MetricHistory(metrics: BTreeMap<String, Vec<MetricPoint>>) -> impl IntoView {
    let Some((lo, hi)) = range(metrics.values().flatten().map(|p| p.value)) else {
        return view! { <p class="empty-note">"No metric reported yet."</p> }.into_any();
    };
    let steps = metrics
        .values()
        .flatten()
        .map(|p| p.step)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let paths = metrics
        .iter()
        .enumerate()
        .map(|(k, (name, points))| {
            let d = line_through(points.iter().map(|p| {
                (
                    scale(p.step as f64, 0.0, steps, LEFT, RIGHT),
                    scale(p.value, lo, hi, BOTTOM, TOP),
                )
            }));
            view! { <path class=format!("chart-line series-{}", k % 4) d=d><title>{name.clone()}</title></path> }
        })
        .collect_view();
    let names: Vec<String> = metrics.keys().cloned().collect();
    let label = format!("Metric history: {}", names.join(", "));
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label data-testid="metric-history">
                <line class="chart-axis" x1=LEFT.to_string() x2=RIGHT.to_string() y1=BOTTOM.to_string() y2=BOTTOM.to_string()></line>
                <text x=(LEFT - 6.0).to_string() y=(TOP + 4.0).to_string() text-anchor="end">{short(hi)}</text>
                <text x=(LEFT - 6.0).to_string() y=(BOTTOM + 4.0).to_string() text-anchor="end">{short(lo)}</text>
                {paths}
            </svg>
            <figcaption>{format!("Reports by step: {}", names.join(", "))}</figcaption>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(number: u32, objective: Option<f64>, lr: &str) -> TrialView {
        TrialView {
            name: format!("t-{number}"),
            number,
            state: api::TrialState::Succeeded,
            reason: None,
            parameters: [("lr".to_owned(), lr.to_owned())].into(),
            metrics: BTreeMap::new(),
            objective,
            workload: format!("t-{number}"),
            created_at_ms: 0,
            finished_at_ms: None,
        }
    }

    #[test]
    fn the_best_so_far_only_improves() {
        let trials = [
            trial(0, Some(0.5), "1"),
            trial(1, Some(0.3), "2"),
            trial(2, None, "3"),
            trial(3, Some(0.8), "4"),
        ];
        let (points, frontier) = objective_series(&trials, true);
        assert_eq!(points.len(), 3);
        assert_eq!(frontier, vec![(0, 0.5), (1, 0.5), (3, 0.8)]);
        let (_, frontier) = objective_series(&trials, false);
        assert_eq!(frontier, vec![(0, 0.5), (1, 0.3), (3, 0.3)]);
    }

    #[test]
    fn axes_place_numbers_by_value_and_names_by_order() {
        let trials = [trial(0, None, "0.1"), trial(1, None, "0.3")];
        let axis = parameter_axis("lr", &trials);
        assert_eq!((axis.position)(&trials[1]), Some(1.0));
        let names = [
            trial(0, None, "sgd"),
            trial(1, None, "adam"),
            trial(2, None, "ftrl"),
        ];
        let axis = parameter_axis("lr", &names);
        assert_eq!(axis.labels, ("adam".to_owned(), "sgd".to_owned()));
        assert_eq!((axis.position)(&names[2]), Some(0.5));
    }
}
