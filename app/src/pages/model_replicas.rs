//! A model's replicas (one workload each): revision, phase, readiness, requests outstanding,
//! GPUs; and the chosen replica's log in a side panel, its end then what it prints from then
//! on (its workload's log, as the workload endpoints give it).

use api::ReplicaView;
use leptos::prelude::*;

use crate::components::error_text;
use crate::log_follow::follow_lines;
use crate::pages::run_parts::StateBadge;
use crate::serving_fns::replica_log;

#[component]
pub fn Replicas(replicas: Vec<ReplicaView>, selected: RwSignal<Option<String>>) -> impl IntoView {
    if replicas.is_empty() {
        return view! { <p class="empty-note">"No replica runs: the first request starts one."</p> }
            .into_any();
    }
    view! {
        <table class="data" data-testid="replicas">
            <caption>"Replicas; choose one for its log."</caption>
            <thead>
                <tr>
                    <th scope="col">"Workload"</th>
                    <th scope="col">"Revision"</th>
                    <th scope="col">"Phase"</th>
                    <th scope="col">"Ready"</th>
                    <th scope="col">"Outstanding requests"</th>
                    <th scope="col">"GPUs"</th>
                    <th scope="col">"Log"</th>
                </tr>
            </thead>
            <tbody>{replicas.into_iter().map(|r| replica_row(r, selected)).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

fn replica_row(r: ReplicaView, selected: RwSignal<Option<String>>) -> impl IntoView {
    let name = r.workload.clone();
    let choose = name.clone();
    let gpus = if r.gpus.is_empty() {
        "—".to_owned()
    } else {
        r.gpus.join(", ")
    };
    view! {
        <tr data-replica=name.clone() data-ready=r.ready.to_string()>
            <th scope="row"><code>{name.clone()}</code></th>
            <td>{format!("r{}", r.revision)}</td>
            <td><StateBadge state=r.phase.as_str()/></td>
            <td>{if r.ready { "yes" } else { "no" }}</td>
            <td>{r.outstanding.to_string()}</td>
            <td>{gpus}</td>
            <td>
                <button type="button" class="button secondary" on:click=move |_| selected.set(Some(choose.clone()))>
                    "Log"<span class="visually-hidden">{format!(" of {name}")}</span>
                </button>
            </td>
        </tr>
    }
}

/// The chosen replica's log: its end, reloaded when the model changes, and the lines it
/// prints while the panel is open.
#[component]
pub fn ReplicaLog(
    profile: Memo<Option<String>>,
    selected: RwSignal<Option<String>>,
    changed: ReadSignal<u32>,
) -> impl IntoView {
    // A new tail replaces what was followed before it: follow again from the reload on.
    let follow_url = Signal::derive(move || {
        changed.track();
        let (profile, workload) = (profile.get()?, selected.get()?);
        Some(format!(
            "/api/v1/profiles/{}/workloads/{}/logs/follow?group={}",
            api::encode_query_value(&profile),
            api::encode_query_value(&workload),
            api::REPLICA_GROUP
        ))
    });
    let live = follow_lines(follow_url);
    let tail = Resource::new(
        move || (profile.get(), selected.get(), changed.get()),
        |(profile, workload, _)| async move {
            match (profile, workload) {
                (Some(p), Some(w)) => replica_log(p, w).await.map(Some),
                _ => Ok(None),
            }
        },
    );
    move || {
        selected.get().map(|workload| view! {
            <aside class="task-panel" aria-labelledby="replica-log-title" data-testid="replica-log">
                <button type="button" class="button secondary close" on:click=move |_| selected.set(None)>
                    "Close"<span class="visually-hidden">" the replica's log"</span>
                </button>
                <h2 id="replica-log-title">{format!("Log of {workload}")}</h2>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match tail.await {
                            Ok(Some(lines)) if !lines.is_empty() => view! {
                                <pre class="log" tabindex="0" aria-label="The replica's log">{lines.join("\n")}</pre>
                            }.into_any(),
                            Ok(_) => view! { <p class="empty-note">"Its log is empty."</p> }.into_any(),
                            Err(e) => view! { <p class="empty-note">{error_text(&e)}</p> }.into_any(),
                        }
                    })}
                </Transition>
                {move || {
                    let lines = live.get();
                    (!lines.is_empty()).then(|| view! {
                        <pre class="log" tabindex="0" aria-label="The replica's log, live">{lines.join("\n")}</pre>
                    })
                }}
            </aside>
        })
    }
}
