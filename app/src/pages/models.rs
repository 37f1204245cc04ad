//! The Models page: the profile's served models with their state, address, revisions and
//! traffic, and replicas ready of desired; delete one; deploy another (the form, or a KServe
//! InferenceService). A model's name leads to its page. Reloads when a model changes.

use api::ModelSummary;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{ActionButton, ActionError, EmptyState, error_text};
use crate::events::{changes_in, throttled};
use crate::layout::selected_profile;
use crate::pages::model_forms::NewModel;
use crate::pages::model_parts::{MODEL_CHANGES, ModelBadge, model_href, traffic_text};
use crate::pages::profiles::utc;
use crate::pages::run_parts::SETTLE_MS;
use crate::serving_fns::{ModelAction, list_models};

#[component]
pub fn ModelsPage() -> impl IntoView {
    let profile = selected_profile();
    let changed = throttled(changes_in(profile, MODEL_CHANGES), SETTLE_MS);
    let act = ServerAction::<ModelAction>::new();
    let list = Resource::new(
        move || (profile.get(), changed.get(), act.version().get()),
        |(profile, _, _)| async move {
            match profile {
                Some(p) => list_models(p.clone()).await.map(|rows| Some((p, rows))),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="Models"/>
        <h1>"Models"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(None) => view! {
                        <EmptyState title="No models" text="Served models belong to a profile: choose one at the top."/>
                    }.into_any(),
                    Ok(Some((profile, rows))) => view! { <ModelTable profile rows act/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
        {move || profile.get().map(|p| view! { <NewModel profile=p/> })}
    }
}

#[component]
fn ModelTable(
    profile: String,
    rows: Vec<ModelSummary>,
    act: ServerAction<ModelAction>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <EmptyState title="No models" text="This profile serves no model yet. Deploy one below, from the form or a KServe InferenceService."/>
        }
        .into_any();
    }
    view! {
        <table class="data" data-testid="models">
            <caption>"Models served in the profile"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"URL"</th>
                    <th scope="col">"Format"</th>
                    <th scope="col">"Traffic"</th>
                    <th scope="col">"Replicas ready"</th>
                    <th scope="col">"Created (UTC)"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|m| model_row(&profile, m, act)).collect_view()}
            </tbody>
        </table>
        <ActionError action=act/>
    }
    .into_any()
}

fn model_row(
    profile: &str,
    m: ModelSummary,
    act: ServerAction<ModelAction>,
) -> impl IntoView + use<> {
    let fields = vec![
        ("profile", profile.to_owned()),
        ("name", m.name.clone()),
        ("action", "delete".to_owned()),
    ];
    view! {
        <tr data-model=m.name.clone()>
            <td><a href=model_href(profile, &m.name)>{m.name.clone()}</a><br/><small>{format!("by {}", m.created_by)}</small></td>
            <td><ModelBadge state=m.state/></td>
            <td><code>{m.url.clone()}</code></td>
            <td>{m.model_format.clone()}</td>
            <td data-testid="model-traffic">{traffic_text(&m.revisions)}</td>
            <td>{format!("{} of {}", m.replicas_ready, m.replicas)}</td>
            <td>{utc(m.created_at_ms)}</td>
            <td class="row-actions">
                <details class="confirm">
                    <summary>"Delete"<span class="visually-hidden">{format!(" {}", m.name)}</span></summary>
                    <p>{format!("Delete {}? Its replicas stop and its tokens stop working.", m.name)}</p>
                    <ActionButton action=act fields label=format!("Delete {}", m.name) class="button danger"/>
                </details>
            </td>
        </tr>
    }
}
