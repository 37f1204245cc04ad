//! Deploying a model from the Models page: the form (a shorthand the server writes as an
//! InferenceService) or a KServe `InferenceService` manifest, pasted or from a file. Both lead
//! to the new model's page; a refusal names the place of the error in the manifest.

use leptos::prelude::*;

use crate::components::{ManifestImport, open_when_made, refusal_alert};
use crate::pages::model_parts::model_href;
use crate::serving_fns::{CreateModel, ImportModel};

#[component]
pub fn NewModel(profile: String) -> impl IntoView {
    let create = ServerAction::<CreateModel>::new();
    let import = ServerAction::<ImportModel>::new();
    open_when_made(create, import, profile.clone(), model_href);
    let for_import = profile.clone();
    view! {
        <section aria-labelledby="new-model-title" class="panel">
            <h2 id="new-model-title">"Deploy a model"</h2>
            <ActionForm action=create>
                <input type="hidden" name="profile" value=profile/>
                <div class="form-grid">
                    <label for="md-name">"Model name"</label>
                    <input id="md-name" name="form[name]" required maxlength="40"
                        pattern="[a-z0-9]([a-z0-9\\-]*[a-z0-9])?" aria-describedby="md-name-help"/>
                    <small id="md-name-help">"Lower-case letters, digits and -; its URL is /serving/<profile>/<name>."</small>

                    <label for="md-format">"Format"</label>
                    <select id="md-format" name="form[model_format]">
                        <option value="sklearn">"scikit-learn"</option>
                        <option value="xgboost">"XGBoost"</option>
                        <option value="lightgbm">"LightGBM"</option>
                        <option value="onnx">"ONNX"</option>
                        <option value="custom">"Custom (your own server)"</option>
                    </select>
                    <small>"scikit-learn, XGBoost, LightGBM and ONNX are served by MLServer (V2 protocol)."</small>

                    <label for="md-storage">"Storage URI"</label>
                    <input id="md-storage" name="form[storage_uri]" aria-describedby="md-storage-help"/>
                    <small id="md-storage-help">"Where the model's files are, such as file:///models/iris; blank for a custom server."</small>

                    <label for="md-command">"Command"</label>
                    <textarea id="md-command" name="form[command]" rows="3" class="code" aria-describedby="md-command-help"></textarea>
                    <small id="md-command-help">"Custom only: one argument per line; the server listens on $PORT."</small>

                    <label for="md-min">"Minimum replicas"</label>
                    <input id="md-min" name="form[min_replicas]" type="number" min="0" aria-describedby="md-min-help"/>
                    <small id="md-min-help">"Blank: 1. With 0 the model scales to zero when idle."</small>

                    <label for="md-max">"Maximum replicas"</label>
                    <input id="md-max" name="form[max_replicas]" type="number" min="0" aria-describedby="md-max-help"/>
                    <small id="md-max-help">"Blank: 4."</small>

                    <label for="md-metric">"Scale on"</label>
                    <select id="md-metric" name="form[scale_metric]">
                        <option value="concurrency">"Requests at once (concurrency)"</option>
                        <option value="rps">"Requests per second (rps)"</option>
                    </select>
                    <span></span>

                    <label for="md-target">"Target per replica"</label>
                    <input id="md-target" name="form[scale_target]" inputmode="decimal" aria-describedby="md-target-help"/>
                    <small id="md-target-help">"Blank: 100 at once, or 200 a second."</small>

                    <label for="md-canary">"Canary traffic (%)"</label>
                    <input id="md-canary" name="form[canary_traffic_percent]" type="number" min="0" max="100" aria-describedby="md-canary-help"/>
                    <small id="md-canary-help">"The share a new revision takes from the one before; blank: all, once ready."</small>

                    <label for="md-gpus">"GPUs per replica"</label>
                    <input id="md-gpus" name="form[gpus]" type="number" min="0" value="0"/>
                    <span></span>
                </div>
                <button type="submit" class="button">"Deploy model"</button>
            </ActionForm>
            {move || refusal_alert(create.value().get().and_then(Result::err), "model-error")}

            <h3>"Or import a KServe InferenceService"</h3>
            <ManifestImport action=import profile=for_import prefix="md"
                hint="serving.kserve.io/v1beta1 InferenceService, YAML or JSON."
                button="Import model" error_testid="model-error"/>
        </section>
    }
}
