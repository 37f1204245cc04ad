//! A run's page (`/runs/{id}?ns={profile}`): what ran (pipeline, version, experiment,
//! parameters, times, why it stands where it does), what can be done to it (cancel, retry,
//! archive or restore, delete), its live graph, whose nodes open the task panel, and its
//! outputs and metrics. Reloads when the event stream says this run changed.

use api::{RunDetail, RunState};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::compare_rows::json_text;
use crate::components::{ActionButton, ActionError, DagGraph, error_text};
use crate::events::{changes_where, throttled};
use crate::layout::selected_profile;
use crate::nav::href_with_profile;
use crate::pages::run_parts::{
    RUN_CHANGES, SETTLE_MS, StateBadge, about_run, pipeline_href, took, when,
};
use crate::pages::task_panel::{RunResource, TaskPanel};
use crate::run_fns::{RunAction, load_run};

#[component]
pub fn RunDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let profile = selected_profile();
    let changed = throttled(
        changes_where(profile, RUN_CHANGES, move |e| {
            about_run(e, id.get_untracked())
        }),
        SETTLE_MS,
    );
    let act = ServerAction::<RunAction>::new();
    let delete = ServerAction::<RunAction>::new();
    let page: RunResource = Resource::new(
        move || (profile.get(), id.get(), changed.get(), act.version().get()),
        |(profile, id, _, _)| async move {
            match profile {
                Some(p) => load_run(p.clone(), id)
                    .await
                    .map(|(now, detail)| Some((p, now, detail))),
                None => Ok(None),
            }
        },
    );
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(())) = delete.value().get() {
            navigate(
                &href_with_profile("/runs", profile.get_untracked().as_deref()),
                Default::default(),
            );
        }
    });
    let selected = RwSignal::new(None::<String>);
    let actions = Actions { act, delete };
    view! {
        <Title text=move || format!("Run {}", id.get())/>
        <p><a href=move || href_with_profile("/runs", profile.get().as_deref())>"← Runs"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some((profile, now, detail))) => view! {
                        <Run profile now detail actions selected/>
                    }.into_any(),
                    Ok(None) => view! { <p>"Choose the run's profile at the top."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
        <TaskPanel profile id page selected changed/>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    act: ServerAction<RunAction>,
    delete: ServerAction<RunAction>,
}

#[component]
fn Run(
    profile: String,
    now: i64,
    detail: RunDetail,
    actions: Actions,
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    let RunDetail {
        run,
        graph,
        outputs,
        metrics,
        options,
        ..
    } = detail;
    let experiment = run.experiment.clone().map(|e| {
        let href = format!(
            "/runs?ns={}&experiment={}",
            api::encode_query_value(&profile),
            api::encode_query_value(&e)
        );
        view! { <a href=href>{e}</a> }
    });
    let facts = vec![
        ("Created by", run.created_by.clone()),
        ("Created (UTC)", when(Some(run.created_at_ms))),
        ("Started (UTC)", when(run.started_at_ms)),
        ("Finished (UTC)", when(run.finished_at_ms)),
        ("Duration", took(run.started_at_ms, run.finished_at_ms, now)),
        (
            "Caching",
            if options.caching { "on" } else { "off" }.to_owned(),
        ),
        (
            "Parallelism",
            options
                .parallelism
                .map(|p| p.to_string())
                .unwrap_or_else(|| "the server's setting".to_owned()),
        ),
    ];
    let label = format!("The tasks of run {}; choose one for its details", run.name);
    let metric_rows: Vec<(String, String, f64)> = metrics
        .into_iter()
        .flat_map(|(node, named)| named.into_iter().map(move |(k, v)| (node.clone(), k, v)))
        .collect();
    view! {
        <h1>{format!("Run {}", run.name)}</h1>
        <section aria-labelledby="run-overview-title" class="panel">
            <h2 id="run-overview-title" class="visually-hidden">"Overview"</h2>
            <dl class="quota" data-testid="run-overview" data-state=run.state.as_str()>
                <dt>"State"</dt>
                <dd>
                    <StateBadge state=run.state.as_str()/>
                    {(!run.reason.is_empty()).then(|| view! { " " <span class="reason">{run.reason.clone()}</span> })}
                    {run.archived.then_some(" (archived)")}
                </dd>
                <dt>"Pipeline"</dt>
                <dd><a href=pipeline_href(&profile, &run.pipeline, Some(&run.version))>{format!("{} {}", run.pipeline, run.version)}</a></dd>
                <dt>"Experiment"</dt>
                <dd>{experiment}</dd>
                {run.recurring_run.clone().map(|r| view! { <dt>"Recurring run"</dt><dd>{r}</dd> })}
                {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
            </dl>
            <RunActions profile=profile.clone() id=run.id state=run.state archived=run.archived actions/>
        </section>
        <section aria-labelledby="run-params-title">
            <h2 id="run-params-title">"Parameters"</h2>
            {if run.parameters.is_empty() {
                view! { <p class="empty-note">"None given: the pipeline's defaults."</p> }.into_any()
            } else {
                view! {
                    <table class="data" data-testid="run-parameters">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Value"</th></tr></thead>
                        <tbody>
                            {run.parameters.iter().map(|(k, v)| view! {
                                <tr><td><code>{k.clone()}</code></td><td><code>{json_text(v)}</code></td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="run-graph-title">
            <h2 id="run-graph-title">"Graph"</h2>
            <DagGraph graph selected label/>
        </section>
        <section aria-labelledby="run-outputs-title">
            <h2 id="run-outputs-title">"Outputs"</h2>
            {match outputs {
                Some(v) => view! { <pre class="yaml" tabindex="0" aria-label="The run's outputs" data-testid="run-outputs">{pretty(&v)}</pre> }.into_any(),
                None => view! { <p class="empty-note">"None yet: a run's outputs come when it succeeds."</p> }.into_any(),
            }}
            <h3>"Metrics"</h3>
            {if metric_rows.is_empty() {
                view! { <p class="empty-note">"No task reported a metric."</p> }.into_any()
            } else {
                view! {
                    <table class="data" data-testid="run-metrics">
                        <thead><tr><th scope="col">"Task"</th><th scope="col">"Metric"</th><th scope="col">"Value"</th></tr></thead>
                        <tbody>
                            {metric_rows.into_iter().map(|(node, name, value)| view! {
                                <tr><td>{node}</td><td>{name}</td><td>{value.to_string()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// The buttons a run's state allows: cancel while unfinished, retry when it failed or was
/// canceled, archive or restore, delete once finished (after a confirmation).
#[component]
fn RunActions(
    profile: String,
    id: i64,
    state: RunState,
    archived: bool,
    actions: Actions,
) -> impl IntoView {
    let fields = move |verb: &str| {
        vec![
            ("profile", profile.clone()),
            ("id", id.to_string()),
            ("action", verb.to_owned()),
        ]
    };
    let act = actions.act;
    let unfinished = !state.is_finished() && state != RunState::Canceling;
    let retry = matches!(state, RunState::Failed | RunState::Canceled);
    view! {
        <div class="row-actions" data-testid="run-actions">
            {unfinished.then(|| view! { <ActionButton action=act fields=fields("cancel") label="Cancel run".to_owned()/> })}
            {retry.then(|| view! { <ActionButton action=act fields=fields("retry") label="Retry".to_owned()/> })}
            {
                let (verb, label) = if archived { ("restore", "Restore") } else { ("archive", "Archive") };
                view! { <ActionButton action=act fields=fields(verb) label=label.to_owned()/> }
            }
            {state.is_finished().then(|| view! {
                <details class="confirm">
                    <summary>"Delete"</summary>
                    <p>"Delete this run, its records and its files? This cannot be undone."</p>
                    <ActionButton action=actions.delete fields=fields("delete") label="Delete run".to_owned() class="button danger"/>
                </details>
            })}
        </div>
        <ActionError action=act/>
        <ActionError action=actions.delete/>
    }
}

pub fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
