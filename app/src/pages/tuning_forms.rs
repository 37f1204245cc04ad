//! Starting a tuning experiment from the Experiments page: the form (a shorthand the server
//! turns into a Katib manifest) or a Katib `Experiment` manifest, pasted or from a file. Both
//! lead to the new experiment's page; a refusal names the place of the error.

use leptos::prelude::*;

use crate::components::{ManifestImport, open_when_made, refusal_alert};
use crate::tuning_fns::{CreateTuning, ImportTuning};

/// Where an experiment's page is.
pub fn tuning_href(profile: &str, name: &str) -> String {
    crate::nav::item_href("/experiments", profile, name)
}

#[component]
pub fn NewTuning(profile: String) -> impl IntoView {
    let create = ServerAction::<CreateTuning>::new();
    let import = ServerAction::<ImportTuning>::new();
    let profile_field = profile.clone();
    open_when_made(create, import, profile.clone(), tuning_href);
    let for_import = profile.clone();
    view! {
        <section aria-labelledby="new-tuning-title" class="panel">
            <h2 id="new-tuning-title">"New tuning experiment"</h2>
            <ActionForm action=create>
                <input type="hidden" name="profile" value=profile_field/>
                <div class="form-grid">
                    <label for="tn-name">"Experiment name"</label>
                    <input id="tn-name" name="form[name]" required maxlength="40"
                        pattern="[a-z0-9]([a-z0-9\\-]*[a-z0-9])?" aria-describedby="tn-name-help"/>
                    <small id="tn-name-help">"Lower-case letters, digits and -; trials are named after it."</small>

                    <label for="tn-objective">"Objective"</label>
                    <select id="tn-objective" name="form[objective]">
                        <option value="maximize">"maximize"</option>
                        <option value="minimize">"minimize"</option>
                    </select>
                    <span></span>

                    <label for="tn-metric">"Metric"</label>
                    <input id="tn-metric" name="form[metric]" required aria-describedby="tn-metric-help"/>
                    <small id="tn-metric-help">"What trials print as name=value lines, such as accuracy."</small>

                    <label for="tn-goal">"Goal"</label>
                    <input id="tn-goal" name="form[goal]" inputmode="decimal" aria-describedby="tn-goal-help"/>
                    <small id="tn-goal-help">"Blank: run all trials. Reached: the experiment succeeds."</small>

                    <label for="tn-algorithm">"Algorithm"</label>
                    <select id="tn-algorithm" name="form[algorithm]">
                        <option value="tpe">"TPE"</option>
                        <option value="bayesianoptimization">"Bayesian optimization (GP, EI)"</option>
                        <option value="random">"Random"</option>
                        <option value="sobol">"Sobol"</option>
                        <option value="grid">"Grid"</option>
                    </select>
                    <span></span>

                    <label for="tn-parallel">"Trials at once"</label>
                    <input id="tn-parallel" name="form[parallel]" type="number" min="1" value="3" required/>
                    <span></span>

                    <label for="tn-max">"Trials"</label>
                    <input id="tn-max" name="form[max_trials]" type="number" min="1" value="12" required/>
                    <span></span>

                    <label for="tn-failed">"Failures allowed"</label>
                    <input id="tn-failed" name="form[max_failed]" type="number" min="0" value="3"/>
                    <span></span>

                    <label for="tn-gpus">"GPUs per trial"</label>
                    <input id="tn-gpus" name="form[gpus]" type="number" min="0" value="0"/>
                    <span></span>

                    <label for="tn-parameters">"Parameters"</label>
                    <textarea id="tn-parameters" name="form[parameters]" rows="4" class="code" required
                        aria-describedby="tn-parameters-help"></textarea>
                    <small id="tn-parameters-help">"One per line: lr double 0.001 0.1 log · layers int 1 5 · optimizer categorical sgd adam · batch discrete 16 32 64"</small>

                    <label for="tn-command">"Command"</label>
                    <textarea id="tn-command" name="form[command]" rows="4" class="code" required
                        aria-describedby="tn-command-help"></textarea>
                    <small id="tn-command-help">"One argument per line; ${trialParameters.lr} stands for the trial's lr."</small>
                </div>
                <button type="submit" class="button">"Start experiment"</button>
            </ActionForm>
            {move || refusal_alert(create.value().get().and_then(Result::err), "tuning-error")}

            <h3>"Or import a Katib Experiment"</h3>
            <ManifestImport action=import profile=for_import prefix="tn"
                hint="kubeflow.org/v1beta1 Experiment, YAML or JSON."
                button="Import experiment" error_testid="tuning-error"/>
        </section>
    }
}
