//! A job's replicas in its current attempt (type, index, phase, node, GPU placement) and the
//! chosen replica's last lines: the leader's at first, another's when chosen.

use api::{JobReplica, Phase};
use leptos::prelude::*;

use crate::components::error_text;
use crate::pages::job_parts::gpu_text;
use crate::pages::run_parts::StateBadge;

/// The last lines of a replica, `None` before one is chosen.
pub type LogResource = Resource<Result<Option<Vec<String>>, ServerFnError>>;

/// How the job's logs name a replica: `worker-1`.
pub fn replica_key(r: &JobReplica) -> String {
    format!("{}-{}", r.group, r.index)
}

#[component]
pub fn JobReplicas(replicas: Vec<JobReplica>) -> impl IntoView {
    view! {
        <table class="data" data-testid="job-replicas">
            <caption>"Replicas of the current attempt"</caption>
            <thead>
                <tr>
                    <th scope="col">"Type"</th>
                    <th scope="col">"Index"</th>
                    <th scope="col">"Phase"</th>
                    <th scope="col">"Node"</th>
                    <th scope="col">"GPUs"</th>
                </tr>
            </thead>
            <tbody>
                {replicas.into_iter().map(|r| view! {
                    <tr data-replica=replica_key(&r)>
                        <th scope="row">{r.replica_type.clone()}</th>
                        <td>{r.index.to_string()}</td>
                        <td>{match Phase::parse(&r.phase) {
                            Some(p) => view! { <StateBadge state=p.as_str()/> }.into_any(),
                            None => r.phase.clone().into_any(),
                        }}</td>
                        <td>{r.node.clone().unwrap_or_else(|| "—".to_owned())}</td>
                        <td>{gpu_text(&r.gpus)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Choose a replica, read its last lines; "Reload" reads them again.
#[component]
pub fn JobLog(
    replicas: Vec<JobReplica>,
    selected: RwSignal<Option<String>>,
    reload: RwSignal<u32>,
    log: LogResource,
) -> impl IntoView {
    let options = replicas
        .iter()
        .map(|r| {
            let key = replica_key(r);
            let label = format!("{} {}", r.replica_type, r.index);
            let chosen = move || selected.with(|s| s.as_deref() == Some(key.as_str()));
            view! { <option value=replica_key(r) selected=chosen>{label}</option> }
        })
        .collect_view();
    view! {
        <div class="row-actions">
            <label for="job-log-replica">"Replica"</label>
            <select id="job-log-replica"
                on:change=move |ev| selected.set(Some(event_target_value(&ev)))>
                {options}
            </select>
            <button type="button" class="button secondary" on:click=move |_| reload.update(|n| *n += 1)>
                "Reload"<span class="visually-hidden">" the log"</span>
            </button>
        </div>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Ok(Some(lines)) if !lines.is_empty() => view! {
                        <pre class="log" tabindex="0" aria-label="The replica's log" data-testid="job-log">{lines.join("\n")}</pre>
                    }.into_any(),
                    Ok(Some(_)) => view! { <p class="empty-note">"It has printed nothing yet."</p> }.into_any(),
                    Ok(None) => view! { <p class="empty-note">"Choose a replica for its log."</p> }.into_any(),
                    Err(e) => view! { <p class="empty-note">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
