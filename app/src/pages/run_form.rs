//! The create-run form of a pipeline version, made from its parameters: one input per
//! parameter by its type (text, whole number, number, checkbox, JSON), defaults filled in,
//! required ones marked; then the run's name, experiment, caching and parallelism. A started
//! run's page opens.

use api::{ExperimentView, ParameterView};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::components::ActionError;
use crate::pages::run_parts::run_href;
use crate::run_params::{Field, default_text, field_of, is_required};
use crate::run_start_fns::CreateRun;

#[component]
pub fn RunForm(
    profile: String,
    pipeline: String,
    version: String,
    parameters: Vec<ParameterView>,
    experiments: Vec<ExperimentView>,
) -> impl IntoView {
    let create = ServerAction::<CreateRun>::new();
    let navigate = use_navigate();
    let here = profile.clone();
    Effect::new(move || {
        if let Some(Ok(run)) = create.value().get() {
            navigate(&run_href(&here, run.id), Default::default());
        }
    });
    let any_required = parameters.iter().any(is_required);
    view! {
        <section aria-labelledby="run-title" class="panel">
            <h2 id="run-title">"Start a run"</h2>
            <ActionForm action=create>
                <input type="hidden" name="profile" value=profile/>
                <input type="hidden" name="form[pipeline]" value=pipeline/>
                <input type="hidden" name="form[version]" value=version/>
                <div class="form-grid">
                    {parameter_inputs("param", &parameters)}
                    <label for="run-name">"Run name"</label>
                    <input id="run-name" name="form[name]" maxlength="63" aria-describedby="run-name-help"/>
                    <small id="run-name-help">"Blank: the pipeline's name and the time."</small>

                    <label for="run-experiment">"Experiment"</label>
                    <select id="run-experiment" name="form[experiment]">
                        {experiment_options(&experiments)}
                    </select>
                    <span></span>

                    <label for="run-caching">"Caching"</label>
                    <input id="run-caching" type="checkbox" name="form[caching]" value="true" checked
                        aria-describedby="run-caching-help"/>
                    <small id="run-caching-help">"Reuse the outputs of identical earlier tasks that ask for it."</small>

                    <label for="run-parallelism">"Parallelism"</label>
                    <input id="run-parallelism" type="number" min="1" step="1" name="form[parallelism]"
                        aria-describedby="run-parallelism-help"/>
                    <small id="run-parallelism-help">"At most this many tasks at once; blank: the server's setting."</small>
                </div>
                {any_required.then(|| view! { <p class="empty-note">"* required: the pipeline has no default for it."</p> })}
                <button type="submit" class="button">"Start run"</button>
            </ActionForm>
            <ActionError action=create/>
        </section>
    }
}

/// "No experiment", then the experiments that are not archived.
pub fn experiment_options(experiments: &[ExperimentView]) -> impl IntoView + use<> {
    let names: Vec<String> = experiments
        .iter()
        .filter(|e| !e.archived)
        .map(|e| e.name.clone())
        .collect();
    view! {
        <option value="">"none"</option>
        {names.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
    }
}

/// One input per parameter (ids `{prefix}-{name}`), defaults filled in.
pub fn parameter_inputs(prefix: &str, parameters: &[ParameterView]) -> impl IntoView + use<> {
    parameters
        .iter()
        .map(|p| parameter_input(prefix, p))
        .collect_view()
}

/// A parameter's label, input and help, in the form's three columns.
fn parameter_input(prefix: &str, p: &ParameterView) -> impl IntoView + use<> {
    let id = format!("{prefix}-{}", p.name);
    let help_id = format!("{id}-help");
    let name = format!("form[parameters][{}]", p.name);
    let required = is_required(p);
    let label = if required {
        format!("{} *", p.name)
    } else {
        p.name.clone()
    };
    let help = match &p.description {
        Some(d) => format!("{}: {d}", p.ty),
        None => p.ty.clone(),
    };
    let value = default_text(p);
    let input = match field_of(&p.ty) {
        Field::Checkbox => view! {
            <input id=id.clone() type="checkbox" name=name value="true" checked=value == "true"
                aria-describedby=help_id.clone()/>
        }
        .into_any(),
        Field::Json => view! {
            <textarea id=id.clone() name=name rows="3" class="code" required=required
                aria-describedby=help_id.clone()>{value}</textarea>
        }
        .into_any(),
        field => {
            let (kind, step) = match field {
                Field::Integer => ("number", Some("1")),
                Field::Number => ("number", Some("any")),
                _ => ("text", None),
            };
            view! {
                <input id=id.clone() type=kind step=step name=name value=value required=required
                    aria-describedby=help_id.clone()/>
            }
            .into_any()
        }
    };
    view! {
        <label for=id>{label}</label>
        {input}
        <small id=help_id>{help}</small>
    }
}
