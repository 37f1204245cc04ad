//! A tuning experiment's page (`/experiments/{name}?ns={profile}`): where it stands (state,
//! algorithm, objective, the best trial), stop, resume and delete; the trials table with the
//! best trial highlighted; the objective by trial and the parallel-coordinates plot; a
//! trial's metric history and output when chosen. Reloads when the event stream says this
//! experiment changed.

use api::{EventKind, TrialView, TuningDetail, TuningState};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::components::{
    ActionButton, ActionError, MetricHistory, ObjectiveChart, ParallelCoordinates, error_text,
};
use crate::events::{changes_where, throttled};
use crate::layout::selected_profile;
use crate::nav::href_with_profile;
use crate::pages::run_parts::{SETTLE_MS, StateBadge, took, when};
use crate::tuning_fns::{TuningAction, load_trial, load_tuning};

const TUNING_CHANGES: &[EventKind] = &[EventKind::Tuning];

#[component]
pub fn TuningPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    let profile = selected_profile();
    let changed = throttled(
        changes_where(profile, TUNING_CHANGES, move |e| {
            e.data.get("name").and_then(|n| n.as_str()) == Some(name.get_untracked().as_str())
        }),
        SETTLE_MS,
    );
    let act = ServerAction::<TuningAction>::new();
    let delete = ServerAction::<TuningAction>::new();
    let page = Resource::new(
        move || {
            (
                profile.get(),
                name.get(),
                changed.get(),
                act.version().get(),
            )
        },
        |(profile, name, _, _)| async move {
            match profile {
                Some(p) => load_tuning(p.clone(), name).await.map(|d| Some((p, d))),
                None => Ok(None),
            }
        },
    );
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(())) = delete.value().get() {
            navigate(
                &href_with_profile("/experiments", profile.get_untracked().as_deref()),
                Default::default(),
            );
        }
    });
    let selected = RwSignal::new(None::<String>);
    view! {
        <Title text=move || format!("Experiment {}", name.get())/>
        <p><a href=move || href_with_profile("/experiments", profile.get().as_deref())>"← Experiments"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some((profile, detail))) => view! { <Experiment profile detail act delete selected/> }.into_any(),
                    Ok(None) => view! { <p>"Choose the experiment's profile at the top."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
        <ActionError action=act/>
        <ActionError action=delete/>
        <TrialPanel profile name selected changed/>
    }
}

#[component]
fn Experiment(
    profile: String,
    detail: TuningDetail,
    act: ServerAction<TuningAction>,
    delete: ServerAction<TuningAction>,
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    let s = detail.summary.clone();
    let direction = if s.maximize { "maximize" } else { "minimize" };
    let best = match (&s.best_trial, s.best_value) {
        (Some(t), Some(v)) => format!("{v} ({t})"),
        _ => "—".to_owned(),
    };
    let facts = vec![
        ("Algorithm", s.algorithm.clone()),
        ("Objective", format!("{direction} {}", s.objective_metric)),
        (
            "Goal",
            detail
                .goal
                .map(|g| g.to_string())
                .unwrap_or_else(|| "—".into()),
        ),
        ("Best", best),
        (
            "Trials",
            format!(
                "{} of {} ({} running, {} succeeded, {} failed, {} stopped early); {} at once",
                s.trials,
                detail
                    .max_trials
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "no limit".into()),
                s.running,
                s.succeeded,
                s.failed,
                s.early_stopped,
                detail.parallel_trials
            ),
        ),
        (
            "Early stopping",
            detail
                .early_stopping
                .clone()
                .unwrap_or_else(|| "off".into()),
        ),
        ("Created by", s.created_by.clone()),
        ("Created (UTC)", when(Some(detail.created_at_ms))),
        ("Finished (UTC)", when(s.finished_at_ms)),
    ];
    let fields = |verb: &str| {
        vec![
            ("profile", profile.clone()),
            ("name", detail.name.clone()),
            ("action", verb.to_owned()),
        ]
    };
    let toggle = match s.state {
        TuningState::Running => Some(("stop", "Stop")),
        TuningState::Stopped => Some(("resume", "Resume")),
        _ => None,
    };
    let trials = detail.trials.clone();
    view! {
        <h1>{format!("Experiment {}", detail.name)}</h1>
        <section aria-labelledby="tuning-overview-title" class="panel">
            <h2 id="tuning-overview-title" class="visually-hidden">"Overview"</h2>
            <dl class="quota" data-testid="tuning-overview" data-state=s.state.as_str()>
                <dt>"State"</dt>
                <dd>
                    <StateBadge state=s.state.as_str()/>
                    {s.reason.clone().map(|r| view! { " " <span class="reason">{r}</span> })}
                </dd>
                {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
            </dl>
            <div class="row-actions">
                {toggle.map(|(verb, label)| view! {
                    <ActionButton action=act fields=fields(verb) label=label.to_owned() class="button"/>
                })}
                <details class="confirm">
                    <summary>"Delete"</summary>
                    <p>{format!("Delete {} with its {} trials?", detail.name, s.trials)}</p>
                    <ActionButton action=delete fields=fields("delete") label=format!("Delete {}", detail.name) class="button danger"/>
                </details>
            </div>
        </section>
        <section aria-labelledby="trials-title">
            <h2 id="trials-title">"Trials"</h2>
            <TrialTable detail=detail.clone() selected/>
        </section>
        <section aria-labelledby="objective-title">
            <h2 id="objective-title">{format!("{} by trial", s.objective_metric)}</h2>
            <ObjectiveChart trials=trials.clone() metric=s.objective_metric.clone() maximize=s.maximize best=s.best_trial.clone()/>
        </section>
        <section aria-labelledby="parallel-title">
            <h2 id="parallel-title">"Parameters and objective"</h2>
            <ParallelCoordinates trials parameters=detail.parameters.clone() metric=s.objective_metric.clone() best=s.best_trial.clone()/>
        </section>
        <section aria-labelledby="manifest-title">
            <h2 id="manifest-title">"Manifest"</h2>
            <pre class="yaml" tabindex="0" aria-label="The experiment's manifest" data-testid="tuning-manifest">{detail.manifest.clone()}</pre>
        </section>
    }
}

#[component]
fn TrialTable(detail: TuningDetail, selected: RwSignal<Option<String>>) -> impl IntoView {
    if detail.trials.is_empty() {
        return view! { <p class="empty-note">"No trial yet: the first ones start in a moment."</p> }.into_any();
    }
    let best = detail.summary.best_trial.clone().unwrap_or_default();
    let now = detail
        .trials
        .iter()
        .filter_map(|t| t.finished_at_ms)
        .chain(std::iter::once(detail.created_at_ms))
        .max()
        .unwrap_or_default();
    let metrics = detail.metrics.clone();
    let parameters = detail.parameters.clone();
    let rows = detail
        .trials
        .into_iter()
        .map(|t| trial_row(t, &parameters, &metrics, &best, now, selected))
        .collect_view();
    view! {
        <table class="data trials" data-testid="trials">
            <caption>"Trials; the best is marked. Choose a trial for its metric history and output."</caption>
            <thead>
                <tr>
                    <th scope="col">"Trial"</th>
                    <th scope="col">"State"</th>
                    {detail.parameters.iter().map(|p| view! { <th scope="col"><code>{p.clone()}</code></th> }).collect_view()}
                    {detail.metrics.iter().map(|m| view! { <th scope="col">{m.clone()}</th> }).collect_view()}
                    <th scope="col">"Duration"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn trial_row(
    t: TrialView,
    parameters: &[String],
    metrics: &[String],
    best: &str,
    now: i64,
    selected: RwSignal<Option<String>>,
) -> impl IntoView + use<> {
    let is_best = t.name == best;
    let name = t.name.clone();
    let choose = name.clone();
    let values: Vec<String> = parameters
        .iter()
        .map(|p| t.parameters.get(p).cloned().unwrap_or_default())
        .collect();
    let reported: Vec<String> = metrics
        .iter()
        .map(|m| {
            t.metrics
                .get(m)
                .map(|v| v.to_string())
                .unwrap_or_else(|| "—".into())
        })
        .collect();
    let end = t
        .finished_at_ms
        .or(Some(now).filter(|_| !t.state.is_finished()));
    view! {
        <tr data-trial=name.clone() data-state=t.state.as_str() class:best=is_best
            aria-current=move || (selected.get().as_deref() == Some(name.as_str())).then_some("true")>
            <th scope="row">
                <button type="button" class="link" on:click=move |_| selected.set(Some(choose.clone()))>{t.name.clone()}</button>
                {is_best.then(|| view! { " " <span class="best-mark">"best"</span> })}
            </th>
            <td>
                <StateBadge state=t.state.as_str()/>
                {t.reason.clone().map(|r| view! { <span class="reason">{r}</span> })}
            </td>
            {values.into_iter().map(|v| view! { <td><code>{v}</code></td> }).collect_view()}
            {reported.into_iter().map(|v| view! { <td>{v}</td> }).collect_view()}
            <td>{took(Some(t.created_at_ms), end, now)}</td>
        </tr>
    }
}

/// The chosen trial's metric history and the end of its output.
#[component]
fn TrialPanel(
    profile: Memo<Option<String>>,
    name: Memo<String>,
    selected: RwSignal<Option<String>>,
    changed: ReadSignal<u32>,
) -> impl IntoView {
    let trial = Resource::new(
        move || (profile.get(), name.get(), selected.get(), changed.get()),
        |(profile, name, trial, _)| async move {
            match (profile, trial) {
                (Some(p), Some(t)) => load_trial(p, name, t.clone()).await.map(|d| Some((t, d))),
                _ => Ok(None),
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match trial.await {
                    Ok(Some((name, (metrics, logs)))) => view! {
                        <section aria-labelledby="trial-title" class="panel" data-testid="trial-panel">
                            <h2 id="trial-title">{format!("Trial {name}")}</h2>
                            <h3>"Metric history"</h3>
                            <MetricHistory metrics=metrics.metrics/>
                            <h3>"Output"</h3>
                            <pre class="log" tabindex="0" aria-label=format!("The output of trial {name}") data-testid="trial-log">{logs.join("\n")}</pre>
                        </section>
                    }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
