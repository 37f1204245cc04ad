//! The side panel of a run's page: the task chosen in the graph, with its state and why, its
//! try, its times, inputs, outputs and metrics, and the end of its log. The log reloads when
//! the run changes (a task started or finished) and when asked; while the panel is open, the
//! lines the task prints from then on are followed live.

use api::{RunDetail, TaskView};
use leptos::prelude::*;

use crate::components::error_text;
use crate::log_follow::follow_lines;
use crate::pages::run_detail::pretty;
use crate::pages::run_parts::{StateBadge, took, when};
use crate::run_fns::task_log;

/// The run page's data: the profile, the server's clock and the run.
pub type RunResource = Resource<Result<Option<(String, i64, RunDetail)>, ServerFnError>>;

#[component]
pub fn TaskPanel(
    profile: Memo<Option<String>>,
    id: Memo<i64>,
    page: RunResource,
    selected: RwSignal<Option<String>>,
    changed: ReadSignal<u32>,
) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    // A new tail replaces what was followed before it: follow again from the reload on.
    let follow_url = Signal::derive(move || {
        let _ = (changed.get(), refresh.get());
        let (profile, node) = (profile.get()?, selected.get()?);
        Some(format!(
            "/api/v1/profiles/{profile}/runs/{}/logs/follow?node={}",
            id.get(),
            api::encode_query_value(&node)
        ))
    });
    let live = follow_lines(follow_url);
    let log = Resource::new(
        move || {
            let asked = (changed.get(), refresh.get());
            (profile.get(), id.get(), selected.get(), asked)
        },
        |(profile, id, node, _)| async move {
            match (profile, node) {
                (Some(p), Some(node)) => task_log(p, id, node).await.map(Some),
                _ => Ok(None),
            }
        },
    );
    move || {
        selected.get().map(|node| {
            let here = node.clone();
            view! {
                <aside class="task-panel" aria-labelledby="task-title" data-testid="task-panel" data-node=node.clone()>
                    <button type="button" class="button secondary close" on:click=move |_| selected.set(None)>
                        "Close"<span class="visually-hidden">" the task's details"</span>
                    </button>
                    <h2 id="task-title">{node.clone()}</h2>
                    <Transition fallback=|| view! { <p>"Loading…"</p> }>
                        {move || {
                            let node = here.clone();
                            Suspend::new(async move {
                                let found = page.await.ok().flatten().map(|(_, now, detail)| {
                                    let task = detail.tasks.iter().find(|t| t.node == node).cloned();
                                    let metrics = detail.metrics.get(&node).cloned().unwrap_or_default();
                                    (now, task, metrics)
                                });
                                match found {
                                    Some((now, Some(task), metrics)) => view! { <TaskFacts now task metrics/> }.into_any(),
                                    _ => view! { <p class="empty-note">"The run has not reached this task yet."</p> }.into_any(),
                                }
                            })
                        }}
                    </Transition>
                    <h3>"Log"</h3>
                    <button type="button" class="button secondary" on:click=move |_| refresh.update(|n| *n += 1)>"Reload the log"</button>
                    <Transition fallback=|| view! { <p>"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            match log.await {
                                Ok(Some(lines)) if !lines.is_empty() => view! {
                                    <pre class="log" tabindex="0" aria-label="The task's log" data-testid="task-log">{lines.join("\n")}</pre>
                                }.into_any(),
                                Ok(_) => view! { <p class="empty-note">"Its log is empty."</p> }.into_any(),
                                Err(e) => view! { <p class="empty-note">{error_text(&e)}</p> }.into_any(),
                            }
                        })}
                    </Transition>
                    {move || {
                        let lines = live.get();
                        (!lines.is_empty()).then(|| view! {
                            <pre class="log" tabindex="0" aria-label="The task's log, live" data-testid="task-log-live">{lines.join("\n")}</pre>
                        })
                    }}
                </aside>
            }
        })
    }
}

#[component]
fn TaskFacts(
    now: i64,
    task: TaskView,
    metrics: std::collections::BTreeMap<String, f64>,
) -> impl IntoView {
    let facts = vec![
        ("Try", (task.attempt + 1).to_string()),
        ("Started (UTC)", when(task.started_at_ms)),
        ("Finished (UTC)", when(task.finished_at_ms)),
        (
            "Duration",
            took(task.started_at_ms, task.finished_at_ms, now),
        ),
    ];
    let json = |label: &'static str, value: Option<serde_json::Value>| {
        value.filter(|v| !v.is_null()).map(|v| {
            view! {
                <h3>{label}</h3>
                <pre class="yaml" tabindex="0" aria-label=label data-testid=format!("task-{}", label.to_lowercase())>{pretty(&v)}</pre>
            }
        })
    };
    view! {
        <dl class="quota" data-testid="task-facts" data-state=task.state.as_str()>
            <dt>"State"</dt>
            <dd><StateBadge state=task.state.as_str()/></dd>
            {(!task.reason.is_empty()).then(|| view! { <dt>"Why"</dt><dd>{task.reason.clone()}</dd> })}
            {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
            {metrics.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v.to_string()}</dd> }).collect_view()}
        </dl>
        {json("Inputs", task.inputs)}
        {json("Outputs", task.outputs)}
    }
}
