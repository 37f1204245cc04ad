//! A pipeline version's page (`/pipelines/{name}?ns={profile}&version=v2`, the newest when no
//! version is named): its graph, its parameters, the create-run and schedule forms, its
//! source; the pipeline's other versions are a click away, and the version can be deleted.

use api::{ParameterView, VersionView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::compare_rows::json_text;
use crate::components::{ActionError, DagGraph, error_text};
use crate::layout::selected_profile;
use crate::nav::href_with_profile;
use crate::pages::profiles::utc;
use crate::pages::run_form::RunForm;
use crate::pages::run_parts::pipeline_href;
use crate::pages::schedule_form::Schedules;
use crate::pipeline_fns::{DeletePipeline, PipelinePage, load_pipeline_page};
use crate::run_params::is_required;
use crate::run_start_fns::{CreateRecurringRun, RecurringAction};

#[component]
pub fn PipelineDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let name = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    let version = Memo::new(move |_| query.read().get("version").filter(|v| !v.is_empty()));
    let profile = selected_profile();
    let schedule = ServerAction::<CreateRecurringRun>::new();
    let recurring = ServerAction::<RecurringAction>::new();
    let delete = ServerAction::<DeletePipeline>::new();
    let page = Resource::new(
        move || {
            let acted = schedule.version().get() + recurring.version().get();
            (profile.get(), name.get(), version.get(), acted)
        },
        |(profile, name, version, _)| async move {
            match profile {
                Some(p) => load_pipeline_page(p.clone(), name, version)
                    .await
                    .map(|page| Some((p, page))),
                None => Ok(None),
            }
        },
    );
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(())) = delete.value().get() {
            let back = href_with_profile("/pipelines", profile.get_untracked().as_deref());
            navigate(&back, Default::default());
        }
    });
    let actions = Actions {
        schedule,
        recurring,
        delete,
    };
    view! {
        <Title text=move || format!("Pipeline {}", name.get())/>
        <p><a href=move || href_with_profile("/pipelines", profile.get().as_deref())>"← Pipelines"</a></p>
        <h1>{move || format!("Pipeline {}", name.get())}</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some((profile, page))) => view! { <Version profile page actions/> }.into_any(),
                    Ok(None) => view! { <p>"Choose the pipeline's profile at the top."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    schedule: ServerAction<CreateRecurringRun>,
    recurring: ServerAction<RecurringAction>,
    delete: ServerAction<DeletePipeline>,
}

#[component]
fn Version(profile: String, page: PipelinePage, actions: Actions) -> impl IntoView {
    let PipelinePage {
        detail,
        pipeline,
        experiments,
        recurring,
    } = page;
    let name = detail.pipeline.clone();
    let version = detail.version.name.clone();
    let label = format!("The graph of {name} {version}");
    view! {
        <nav aria-label="Versions" class="versions">
            "Versions: "
            <ul class="inline-list">
                {pipeline.versions.iter().map(|v| version_link(&profile, &name, v, &version)).collect_view()}
            </ul>
        </nav>
        <p data-testid="version-summary">
            {format!("{version} · {} · uploaded {} UTC", detail.version.format, utc(detail.version.created_at_ms))}
            {(!detail.version.description.is_empty()).then(|| format!(" · {}", detail.version.description))}
        </p>
        <section aria-labelledby="graph-title">
            <h2 id="graph-title">"Graph"</h2>
            <DagGraph graph=detail.graph label/>
        </section>
        <section aria-labelledby="params-title">
            <h2 id="params-title">"Parameters"</h2>
            <ParameterTable parameters=detail.parameters.clone()/>
        </section>
        <RunForm profile=profile.clone() pipeline=name.clone() version=version.clone()
            parameters=detail.parameters.clone() experiments=experiments.clone()/>
        <Schedules profile=profile.clone() pipeline=name.clone() version=version.clone()
            parameters=detail.parameters experiments recurring schedule=actions.schedule act=actions.recurring/>
        <section aria-labelledby="source-title">
            <h2 id="source-title">"Source"</h2>
            <pre class="yaml" tabindex="0" aria-label="The version as uploaded" data-testid="pipeline-source">{detail.source}</pre>
        </section>
        <details class="confirm">
            <summary>{format!("Delete version {version}")}</summary>
            <ActionForm action=actions.delete>
                <input type="hidden" name="profile" value=profile/>
                <input type="hidden" name="name" value=name.clone()/>
                <input type="hidden" name="version" value=version.clone()/>
                <p>{format!("Delete {name} {version}? Its runs stay.")}</p>
                <button type="submit" class="button danger">{format!("Delete {name} {version}")}</button>
            </ActionForm>
        </details>
        <ActionError action=actions.delete/>
    }
}

fn version_link(
    profile: &str,
    pipeline: &str,
    v: &VersionView,
    shown: &str,
) -> impl IntoView + use<> {
    let current = (v.name == shown).then_some("page");
    let href = pipeline_href(profile, pipeline, Some(&v.name));
    view! { <li><a href=href aria-current=current>{v.name.clone()}</a></li> }
}

#[component]
fn ParameterTable(parameters: Vec<ParameterView>) -> impl IntoView {
    if parameters.is_empty() {
        return view! { <p class="empty-note">"It takes no parameters."</p> }.into_any();
    }
    view! {
        <table class="data" data-testid="parameters">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Type"</th>
                    <th scope="col">"Default"</th>
                    <th scope="col">"Required"</th>
                    <th scope="col">"Description"</th>
                </tr>
            </thead>
            <tbody>
                {parameters.into_iter().map(|p| view! {
                    <tr>
                        <td><code>{p.name.clone()}</code></td>
                        <td>{p.ty.clone()}</td>
                        <td><code>{p.default.as_ref().map(json_text).unwrap_or_else(|| "—".to_owned())}</code></td>
                        <td>{if is_required(&p) { "yes" } else { "no" }}</td>
                        <td>{p.description.clone().unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
