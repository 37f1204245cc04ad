//! The Training jobs page: the profile's TFJobs and PyTorchJobs with their state, replicas
//! per type, GPUs, restarts of the limit and age; start another (the form, or a manifest).
//! A job's name leads to its page. Reloads when a job changes.

use api::JobSummary;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{EmptyState, error_text};
use crate::events::{changes_in, throttled};
use crate::layout::selected_profile;
use crate::pages::job_forms::NewJob;
use crate::pages::job_parts::{JOB_CHANGES, JobBadge, job_href, replicas_text, restarts_text};
use crate::pages::notebook_parts::ago;
use crate::pages::run_parts::SETTLE_MS;
use crate::training_fns::list_jobs;

#[component]
pub fn JobsPage() -> impl IntoView {
    let profile = selected_profile();
    let changed = throttled(changes_in(profile, JOB_CHANGES), SETTLE_MS);
    let list = Resource::new(
        move || (profile.get(), changed.get()),
        |(profile, _)| async move {
            match profile {
                Some(p) => list_jobs(p.clone()).await.map(|rows| Some((p, rows))),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="Training jobs"/>
        <h1>"Training jobs"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(None) => view! {
                        <EmptyState title="No training jobs" text="Training jobs belong to a profile: choose one at the top."/>
                    }.into_any(),
                    Ok(Some((profile, (now, rows)))) => view! { <JobTable profile now rows/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
        {move || profile.get().map(|p| view! { <NewJob profile=p/> })}
    }
}

#[component]
fn JobTable(profile: String, now: i64, rows: Vec<JobSummary>) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <EmptyState title="No training jobs" text="This profile has no training job yet. Start one below, from the form or a TFJob or PyTorchJob manifest."/>
        }
        .into_any();
    }
    view! {
        <table class="data" data-testid="jobs">
            <caption>"Training jobs of the profile, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Replicas"</th>
                    <th scope="col">"GPUs"</th>
                    <th scope="col">"Restarts"</th>
                    <th scope="col">"Age"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|j| view! {
                    <tr data-job=j.name.clone() data-state=j.state.as_str()>
                        <td><a href=job_href(&profile, &j.name)>{j.name.clone()}</a><br/><small>{format!("by {}", j.created_by)}</small></td>
                        <td>{j.kind.clone()}</td>
                        <td><JobBadge state=j.state/></td>
                        <td>{replicas_text(&j.replicas)}</td>
                        <td>{j.gpus.to_string()}</td>
                        <td>{restarts_text(&j)}</td>
                        <td>{ago(now, j.created_at_ms)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
