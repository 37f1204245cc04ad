//! A notebook's page (`/notebooks/{name}?ns={profile}`): overview, its run's events, the end
//! of JupyterLab's log and the spec as YAML. Reloads when the event stream says the notebook
//! or a workload of its profile changed.

use api::{NotebookDetail, NotebookState};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::events::changes_in;
use crate::layout::selected_profile;
use crate::notebook_fns::notebook_page;
use crate::pages::notebook_parts::NOTEBOOK_CHANGES;
use crate::pages::notebook_parts::{ago, gpus_of, megabytes_as_gib, milli_as_cores, state_text};
use crate::pages::profiles::utc;

#[component]
pub fn NotebookDetailPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    let profile = selected_profile();
    let changed = changes_in(profile, NOTEBOOK_CHANGES);
    let page = Resource::new(
        move || (profile.get(), name.get(), changed.get()),
        |(profile, name, _)| async move {
            match profile {
                Some(p) => notebook_page(p, name).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text=move || format!("Notebook {}", name.get())/>
        <p><a href=move || format!("/notebooks?ns={}", api::encode_query_value(&profile.get().unwrap_or_default()))>"← Notebooks"</a></p>
        <h1>{move || format!("Notebook {}", name.get())}</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some((now, detail, log))) => view! { <Detail now detail log/> }.into_any(),
                    Ok(None) => view! { <p>"Choose the notebook's profile at the top."</p> }.into_any(),
                    Err(e) => view! {
                        <p class="error" role="alert">{e.to_string().trim_start_matches("error running server function: ").to_owned()}</p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(now: i64, detail: NotebookDetail, log: Vec<String>) -> impl IntoView {
    let NotebookDetail {
        notebook: nb,
        events,
        spec_yaml,
    } = detail;
    let spec = &nb.spec;
    let overview = vec![
        ("Status", state_text(&nb)),
        ("Environment", nb.environment_name.clone()),
        (
            "CPU",
            format!(
                "{} (limit {})",
                milli_as_cores(spec.cpu_milli.unwrap_or(0)),
                milli_as_cores(spec.cpu_limit_milli.unwrap_or(0))
            ),
        ),
        (
            "Memory",
            format!(
                "{} GiB (limit {} GiB)",
                megabytes_as_gib(spec.memory_mib.unwrap_or(0)),
                megabytes_as_gib(spec.memory_limit_mib.unwrap_or(0))
            ),
        ),
        ("GPUs", gpus_of(spec)),
        (
            "Workspace",
            format!(
                "{} GiB",
                megabytes_as_gib(spec.workspace_size_mib.unwrap_or(0))
            ),
        ),
        ("Created", format!("{} UTC", utc(nb.created_at_ms))),
        (
            "Running since",
            nb.started_at_ms
                .map(|t| format!("{} UTC ({} ago)", utc(t), ago(now, t)))
                .unwrap_or_else(|| "—".to_owned()),
        ),
        (
            "Last activity",
            nb.last_activity_ms
                .map(|t| format!("{} ago", ago(now, t)))
                .unwrap_or_else(|| "—".to_owned()),
        ),
    ];
    view! {
        <section aria-labelledby="overview-title" class="panel">
            <h2 id="overview-title">"Overview"</h2>
            <dl class="quota" data-testid="notebook-overview" data-state=nb.state.as_str()>
                {overview.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
            </dl>
            {(nb.state == NotebookState::Ready).then(|| view! {
                <a class="button" href=nb.url.clone() target="_blank" rel="external noopener">"Connect"</a>
            })}
        </section>
        <section aria-labelledby="events-title">
            <h2 id="events-title">"Events"</h2>
            {if events.is_empty() {
                view! { <p class="empty-note">"It has not run yet."</p> }.into_any()
            } else {
                view! {
                    <table class="data">
                        <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Phase"</th><th scope="col">"Why"</th></tr></thead>
                        <tbody>
                            {events.into_iter().map(|e| view! {
                                <tr><td>{utc(e.at_ms)}</td><td>{e.phase.as_str()}</td><td>{e.reason}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="logs-title">
            <h2 id="logs-title">"Logs"</h2>
            {if log.is_empty() {
                view! { <p class="empty-note">"No log yet."</p> }.into_any()
            } else {
                view! { <pre class="log" tabindex="0" aria-label="JupyterLab's log">{log.join("\n")}</pre> }.into_any()
            }}
        </section>
        <section aria-labelledby="yaml-title">
            <h2 id="yaml-title">"Spec"</h2>
            <pre class="yaml" tabindex="0" aria-label="The notebook's spec as YAML" data-testid="notebook-yaml">{spec_yaml}</pre>
        </section>
    }
}
