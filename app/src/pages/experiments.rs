//! The Experiments page: the profile's experiments — groups of runs with their run counts,
//! and tuning experiments with their state, trials and best value — create either kind,
//! archive or restore a group, delete. A group's name leads to its runs, a tuning
//! experiment's to its page.

use api::ExperimentView;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{ActionButton, ActionError, EmptyState, error_text};
use crate::experiment_fns::{CreateExperiment, ExperimentAction, list_experiments};
use crate::layout::selected_profile;
use crate::pages::profiles::utc;
use crate::pages::tuning_forms::{NewTuning, tuning_href};

#[component]
pub fn ExperimentsPage() -> impl IntoView {
    let profile = selected_profile();
    let create = ServerAction::<CreateExperiment>::new();
    let act = ServerAction::<ExperimentAction>::new();
    let list = Resource::new(
        move || (profile.get(), create.version().get() + act.version().get()),
        |(profile, _)| async move {
            match profile {
                Some(p) => list_experiments(p.clone())
                    .await
                    .map(|rows| Some((p, rows))),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="Experiments"/>
        <h1>"Experiments"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(None) => view! {
                        <EmptyState title="Choose a profile" text="Experiments belong to a profile: choose one at the top."/>
                    }.into_any(),
                    Ok(Some((profile, rows))) => view! { <ExperimentTable profile rows act/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
        {move || profile.get().map(|p| { let here = p.clone(); view! {
            <section aria-labelledby="new-experiment-title" class="panel">
                <h2 id="new-experiment-title">"New group of runs"</h2>
                <ActionForm action=create>
                    <input type="hidden" name="profile" value=p/>
                    <div class="form-grid">
                        <label for="exp-name">"Name"</label>
                        <input id="exp-name" name="name" required maxlength="63"
                            pattern="[a-z0-9]([a-z0-9\\-]*[a-z0-9])?" aria-describedby="exp-name-help"/>
                        <small id="exp-name-help">"Lower-case letters, digits and -."</small>
                        <label for="exp-description">"Description"</label>
                        <input id="exp-description" name="description"/>
                        <span></span>
                    </div>
                    <button type="submit" class="button">"Create experiment"</button>
                </ActionForm>
                <ActionError action=create/>
            </section>
            <NewTuning profile=here/>
        }})}
    }
}

#[component]
fn ExperimentTable(
    profile: String,
    rows: Vec<ExperimentView>,
    act: ServerAction<ExperimentAction>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <EmptyState title="No experiments" text="This profile has no experiment yet. Create one below, then choose it when starting runs."/>
        }
        .into_any();
    }
    view! {
        <table class="data" data-testid="experiments">
            <caption>"Experiments of the profile"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Runs or trials"</th>
                    <th scope="col">"Best"</th>
                    <th scope="col">"Created (UTC)"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|e| experiment_row(&profile, e, act)).collect_view()}
            </tbody>
        </table>
        <ActionError action=act/>
    }
    .into_any()
}

fn experiment_row(
    profile: &str,
    e: ExperimentView,
    act: ServerAction<ExperimentAction>,
) -> impl IntoView + use<> {
    let tuning = e.tuning.clone();
    let href = match &tuning {
        Some(_) => tuning_href(profile, &e.name),
        None => format!(
            "/runs?ns={}&experiment={}",
            api::encode_query_value(profile),
            api::encode_query_value(&e.name)
        ),
    };
    let kind = match &tuning {
        Some(t) => format!("tuning ({})", t.algorithm),
        None => "runs".to_owned(),
    };
    let state = tuning.as_ref().map(|t| t.state.as_str()).unwrap_or("—");
    let best = tuning
        .as_ref()
        .and_then(|t| t.best_value.map(|v| format!("{} {v}", t.objective_metric)))
        .unwrap_or_else(|| "—".to_owned());
    let description = match &tuning {
        Some(t) => t.reason.clone().unwrap_or_default(),
        None => e.description.clone(),
    };
    let fields = |verb: &str| {
        vec![
            ("profile", profile.to_owned()),
            ("name", e.name.clone()),
            ("action", verb.to_owned()),
        ]
    };
    let (verb, label) = if e.archived {
        ("restore", "Restore")
    } else {
        ("archive", "Archive")
    };
    view! {
        <tr data-experiment=e.name.clone() data-archived=e.archived.to_string()>
            <td><a href=href>{e.name.clone()}</a>{e.archived.then_some(" (archived)")}<br/><small>{description}</small></td>
            <td>{kind}</td>
            <td>{state}</td>
            <td>{e.runs.to_string()}</td>
            <td>{best}</td>
            <td>{utc(e.created_at_ms)}</td>
            <td class="row-actions">
                {tuning.is_none().then(|| view! {
                    <ActionButton action=act fields=fields(verb) label=format!("{label} {}", e.name)/>
                })}
                <details class="confirm">
                    <summary>"Delete"<span class="visually-hidden">{format!(" {}", e.name)}</span></summary>
                    <p>{if e.kind == api::ExperimentKind::Tuning {
                        format!("Delete {} with its trials?", e.name)
                    } else {
                        format!("Delete {}? Its runs stay, in no experiment.", e.name)
                    }}</p>
                    <ActionButton action=act fields=fields("delete") label=format!("Delete {}", e.name) class="button danger"/>
                </details>
            </td>
        </tr>
    }
}
