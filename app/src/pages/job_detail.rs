//! A training job's page (`/jobs/{name}?ns={profile}`): where it stands (state, message,
//! attempt, restarts of the limit, times), suspend, resume and delete for editors; its
//! conditions; the current attempt's replicas with node and GPU placement; a replica's log;
//! the metrics of the current attempt by step; the manifest. Reloads when the event stream
//! says this job changed.

use api::JobDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::components::{ActionButton, ActionError, MetricHistory, error_text};
use crate::events::{changes_where, throttled};
use crate::layout::{may_edit, selected_profile};
use crate::nav::href_with_profile;
use crate::pages::job_parts::{
    JOB_CHANGES, JobBadge, attempt_metrics, can_resume, can_suspend, replicas_text, restarts_text,
};
use crate::pages::job_replicas::{JobLog, JobReplicas, LogResource, replica_key};
use crate::pages::run_parts::{SETTLE_MS, took, when};
use crate::training_fns::{DeleteJob, ResumeJob, SuspendJob, job_detail, job_logs};

/// The page's data: the profile and the job.
type JobResource = Resource<Result<Option<(String, JobDetail)>, ServerFnError>>;

/// Suspend, resume and delete, each its own server function.
#[derive(Clone, Copy)]
struct Actions {
    suspend: ServerAction<SuspendJob>,
    resume: ServerAction<ResumeJob>,
    delete: ServerAction<DeleteJob>,
    /// Whether the user may use them (an editor of the profile).
    editor: Signal<bool>,
}

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    let profile = selected_profile();
    let changed = throttled(
        changes_where(profile, JOB_CHANGES, move |e| {
            e.data.get("name").and_then(|n| n.as_str()) == Some(name.get_untracked().as_str())
        }),
        SETTLE_MS,
    );
    let acts = Actions {
        suspend: ServerAction::new(),
        resume: ServerAction::new(),
        delete: ServerAction::new(),
        editor: may_edit(),
    };
    let page: JobResource = Resource::new(
        move || {
            let acted = acts.suspend.version().get() + acts.resume.version().get();
            (profile.get(), name.get(), changed.get(), acted)
        },
        |(profile, name, _, _)| async move {
            match profile {
                Some(p) => job_detail(p.clone(), name).await.map(|d| Some((p, d))),
                None => Ok(None),
            }
        },
    );
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(())) = acts.delete.value().get() {
            navigate(
                &href_with_profile("/jobs", profile.get_untracked().as_deref()),
                Default::default(),
            );
        }
    });
    // The log shows the leader's lines (the first replica) until another replica is chosen.
    let selected = RwSignal::new(None::<String>);
    Effect::new(move || {
        if let Some(Ok(Some((_, detail)))) = page.get()
            && selected.with_untracked(Option::is_none)
        {
            selected.set(detail.replicas.first().map(replica_key));
        }
    });
    let reload = RwSignal::new(0u32);
    let log: LogResource = Resource::new(
        move || {
            (
                profile.get(),
                name.get(),
                selected.get(),
                changed.get(),
                reload.get(),
            )
        },
        |(profile, name, replica, _, _)| async move {
            match (profile, replica) {
                (Some(p), Some(r)) => job_logs(p, name, r).await.map(Some),
                _ => Ok(None),
            }
        },
    );
    view! {
        <Title text=move || format!("Training job {}", name.get())/>
        <p><a href=move || href_with_profile("/jobs", profile.get().as_deref())>"← Training jobs"</a></p>
        <h1>{move || format!("Training job {}", name.get())}</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some((profile, detail))) => view! {
                        <Overview profile detail=detail.clone() acts/>
                        <Workings detail selected reload log/>
                    }.into_any(),
                    Ok(None) => view! { <p>"Choose the job's profile at the top."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
        <ActionError action=acts.suspend/>
        <ActionError action=acts.resume/>
        <ActionError action=acts.delete/>
    }
}

/// Where the job stands, and what an editor may do to it now.
#[component]
fn Overview(profile: String, detail: JobDetail, acts: Actions) -> impl IntoView {
    let s = detail.summary;
    let finished = s.finished_at_ms.is_some();
    let facts = vec![
        ("Kind", s.kind.clone()),
        ("Replicas", replicas_text(&s.replicas)),
        ("GPUs", s.gpus.to_string()),
        ("Attempt", s.attempt.to_string()),
        ("Restarts", restarts_text(&s)),
        ("Created by", s.created_by.clone()),
        ("Created (UTC)", when(Some(s.created_at_ms))),
        ("Started (UTC)", when(s.started_at_ms)),
        ("Finished (UTC)", when(s.finished_at_ms)),
        (
            "Duration",
            if finished {
                took(s.started_at_ms, s.finished_at_ms, 0)
            } else {
                "—".to_owned()
            },
        ),
    ];
    let fields = vec![("profile", profile), ("name", s.name.clone())];
    let Actions {
        suspend,
        resume,
        delete,
        editor,
    } = acts;
    view! {
        <section aria-labelledby="job-overview-title" class="panel">
            <h2 id="job-overview-title" class="visually-hidden">"Overview"</h2>
            <dl class="quota" data-testid="job-overview" data-state=s.state.as_str()>
                <dt>"State"</dt>
                <dd><JobBadge state=s.state/></dd>
                <dt>"Message"</dt>
                <dd data-testid="job-message">{s.message.clone()}</dd>
                {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
            </dl>
            <Show when=move || editor.get()>
                <div class="row-actions">
                    <ActionButton action=suspend fields=fields.clone() label="Suspend".to_owned()
                        disabled=!can_suspend(s.state)/>
                    <ActionButton action=resume fields=fields.clone() label="Resume".to_owned()
                        class="button" disabled=!can_resume(s.state)/>
                    <details class="confirm">
                        <summary>"Delete"</summary>
                        <p>{format!("Delete {}? Its replicas stop and their logs go.", s.name)}</p>
                        <ActionButton action=delete fields=fields.clone() label=format!("Delete {}", s.name) class="button danger"/>
                    </details>
                </div>
            </Show>
        </section>
    }
}

/// How the job ran: conditions, replicas, a replica's log, metrics and the manifest.
#[component]
fn Workings(
    detail: JobDetail,
    selected: RwSignal<Option<String>>,
    reload: RwSignal<u32>,
    log: LogResource,
) -> impl IntoView {
    let metrics = attempt_metrics(&detail.metrics, detail.summary.attempt);
    let JobDetail {
        conditions,
        replicas,
        manifest,
        ..
    } = detail;
    view! {
        <section aria-labelledby="conditions-title">
            <h2 id="conditions-title">"Conditions"</h2>
            <table class="data" data-testid="job-conditions">
                <thead>
                    <tr>
                        <th scope="col">"Type"</th>
                        <th scope="col">"Reason"</th>
                        <th scope="col">"Message"</th>
                        <th scope="col">"When (UTC)"</th>
                    </tr>
                </thead>
                <tbody>
                    {conditions.into_iter().map(|c| view! {
                        <tr data-condition=c.condition_type.clone()>
                            <td>{c.condition_type.clone()}</td>
                            <td>{c.reason}</td>
                            <td>{c.message}</td>
                            <td>{when(Some(c.at_ms))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section aria-labelledby="job-replicas-title">
            <h2 id="job-replicas-title">"Replicas"</h2>
            <JobReplicas replicas=replicas.clone()/>
        </section>
        <section aria-labelledby="job-log-title">
            <h2 id="job-log-title">"Logs"</h2>
            <JobLog replicas selected reload log/>
        </section>
        <section aria-labelledby="job-metrics-title" data-testid="job-metrics">
            <h2 id="job-metrics-title">"Metrics of the current attempt"</h2>
            <MetricHistory metrics/>
        </section>
        <section aria-labelledby="manifest-title">
            <h2 id="manifest-title">"YAML"</h2>
            <pre class="yaml" tabindex="0" aria-label="The job's manifest" data-testid="job-manifest">{manifest}</pre>
        </section>
    }
}
