//! Starting a training job from the Training jobs page: the form (a shorthand the server
//! writes as a PyTorchJob or TFJob) or a manifest of either kind, pasted or from a file. Both
//! lead to the new job's page; a refusal names the place of the error in the manifest.

use leptos::prelude::*;

use crate::components::{ManifestImport, open_when_made, refusal_alert};
use crate::pages::job_parts::job_href;
use crate::training_fns::{CreateJobFromForm, ImportJob};

#[component]
pub fn NewJob(profile: String) -> impl IntoView {
    let create = ServerAction::<CreateJobFromForm>::new();
    let import = ServerAction::<ImportJob>::new();
    open_when_made(create, import, profile.clone(), job_href);
    let for_import = profile.clone();
    view! {
        <section aria-labelledby="new-job-title" class="panel">
            <h2 id="new-job-title">"New training job"</h2>
            <ActionForm action=create>
                <input type="hidden" name="profile" value=profile/>
                <div class="form-grid">
                    <label for="jb-name">"Job name"</label>
                    <input id="jb-name" name="form[name]" required maxlength="40"
                        pattern="[a-z0-9]([a-z0-9\\-]*[a-z0-9])?" aria-describedby="jb-name-help"/>
                    <small id="jb-name-help">"Lower-case letters, digits and -; replicas are named after it."</small>

                    <label for="jb-kind">"Kind"</label>
                    <select id="jb-kind" name="form[kind]" aria-describedby="jb-kind-help">
                        <option value="PyTorchJob">"PyTorchJob"</option>
                        <option value="TFJob">"TFJob"</option>
                    </select>
                    <small id="jb-kind-help">"A PyTorchJob has a master, a TFJob a chief; both add the workers below."</small>

                    <label for="jb-command">"Command"</label>
                    <textarea id="jb-command" name="form[command]" rows="4" class="code" required
                        aria-describedby="jb-command-help"></textarea>
                    <small id="jb-command-help">"Every replica runs it; one argument per line. Lines name=value are metrics."</small>

                    <label for="jb-workers">"Workers"</label>
                    <input id="jb-workers" name="form[workers]" type="number" min="0" value="0" aria-describedby="jb-workers-help"/>
                    <small id="jb-workers-help">"Beside the master or chief; 0: it runs alone."</small>

                    <label for="jb-ps">"Parameter servers"</label>
                    <input id="jb-ps" name="form[ps]" type="number" min="0" aria-describedby="jb-ps-help"/>
                    <small id="jb-ps-help">"TFJob only; blank: none."</small>

                    <label for="jb-gpus">"GPUs per replica"</label>
                    <input id="jb-gpus" name="form[gpus]" type="number" min="0" value="0"/>
                    <span></span>

                    <label for="jb-restart">"Restart policy"</label>
                    <select id="jb-restart" name="form[restart_policy]" aria-describedby="jb-restart-help">
                        <option value="Never">"Never"</option>
                        <option value="OnFailure">"OnFailure"</option>
                        <option value="ExitCode">"ExitCode (retry on exit codes 128 and above)"</option>
                    </select>
                    <small id="jb-restart-help">"When a replica fails: the job fails, or it starts again (a new attempt) after a back-off."</small>

                    <label for="jb-backoff">"Backoff limit"</label>
                    <input id="jb-backoff" name="form[backoff_limit]" type="number" min="0" aria-describedby="jb-backoff-help"/>
                    <small id="jb-backoff-help">"Restarts allowed before the job fails; blank: 6."</small>

                    <label for="jb-deadline">"Active deadline (s)"</label>
                    <input id="jb-deadline" name="form[active_deadline_seconds]" type="number" min="1" aria-describedby="jb-deadline-help"/>
                    <small id="jb-deadline-help">"The job fails once it has run this long; blank: no deadline."</small>
                </div>
                <button type="submit" class="button">"Start job"</button>
            </ActionForm>
            {move || refusal_alert(create.value().get().and_then(Result::err), "job-error")}

            <h3>"Or import a TFJob or PyTorchJob"</h3>
            <ManifestImport action=import profile=for_import prefix="jb"
                hint="kubeflow.org/v1 TFJob or PyTorchJob, YAML or JSON."
                button="Import job" error_testid="job-error"/>
        </section>
    }
}
