//! The Notebooks page: the selected profile's notebooks (status, environment, resources, last
//! activity, age; connect, start, stop, delete) and the spawner form, which a Kubeflow
//! Notebook manifest can fill. Rendered on the server; once hydrated the list reloads when
//! the event stream says a notebook or a workload of the profile changed.

use api::{NotebookOptions, NotebookSpec, NotebookState, NotebookView};
use std::borrow::Cow;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{ActionError, EmptyState};
use crate::events::changes_in;
use crate::layout::selected_profile;
use crate::notebook_fns::{
    CreateNotebook, NotebookAction, import_notebook, list_notebooks, load_notebook_options,
};
use crate::pages::notebook_parts::NOTEBOOK_CHANGES;
use crate::pages::notebook_parts::{ago, gpus_of, megabytes_as_gib, milli_as_cores, state_text};

#[component]
pub fn NotebooksPage() -> impl IntoView {
    let profile = selected_profile();
    let create = ServerAction::<CreateNotebook>::new();
    let act = ServerAction::<NotebookAction>::new();
    let changed = changes_in(profile, NOTEBOOK_CHANGES);
    let versions = move || create.version().get() + act.version().get() + changed.get() as usize;
    let list = Resource::new(
        move || (profile.get(), versions()),
        |(profile, _)| async move {
            match profile {
                Some(p) => list_notebooks(p).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let options = Resource::new(|| (), |_| load_notebook_options());
    let actions = RowActions { act };
    view! {
        <Title text="Notebooks"/>
        <h1>"Notebooks"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(None) => view! {
                        <EmptyState title="Choose a profile" text="Notebooks belong to a profile: choose one at the top to see its notebooks and start new ones."/>
                    }.into_any(),
                    Ok(Some((now, rows))) => view! { <NotebookTable now rows actions/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{clean(e)}</p> }.into_any(),
                }
            })}
        </Transition>
        {move || profile.get().map(|p| view! {
            <Suspense fallback=|| ()>
                {move || {
                    let p = p.clone();
                    Suspend::new(async move {
                        match options.await {
                            Ok(options) => view! { <Spawner profile=p options create/> }.into_any(),
                            Err(e) => view! { <p class="error" role="alert">{clean(e)}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        })}
    }
}

fn clean(e: ServerFnError) -> String {
    e.to_string()
        .trim_start_matches("error running server function: ")
        .to_owned()
}

#[derive(Clone, Copy)]
struct RowActions {
    act: ServerAction<NotebookAction>,
}

#[component]
fn NotebookTable(now: i64, rows: Vec<NotebookView>, actions: RowActions) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <EmptyState title="No notebooks" text="This profile has no notebook yet. Start one with the form below."/>
        }
        .into_any();
    }
    view! {
        <table class="data notebooks" data-testid="notebooks">
            <caption>"Notebooks of the profile"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Environment"</th>
                    <th scope="col">"GPUs"</th>
                    <th scope="col">"CPU"</th>
                    <th scope="col">"Memory"</th>
                    <th scope="col">"Last activity"</th>
                    <th scope="col">"Age"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|nb| view! { <NotebookRow now nb actions/> }).collect_view()}
            </tbody>
        </table>
        <ActionError action=actions.act/>
    }
    .into_any()
}

#[component]
fn NotebookRow(now: i64, nb: NotebookView, actions: RowActions) -> impl IntoView {
    let detail = format!(
        "/notebooks/{}?ns={}",
        nb.name,
        api::encode_query_value(&nb.profile)
    );
    let running = matches!(
        nb.state,
        NotebookState::Queued | NotebookState::Starting | NotebookState::Ready
    );
    let name = nb.name.clone();
    let profile = nb.profile.clone();
    let confirm_id = format!("delete-{}", nb.name);
    let (name2, profile2, name3, profile3) =
        (name.clone(), profile.clone(), name.clone(), profile.clone());
    let connect_label = format!(" to {name}");
    view! {
        <tr data-notebook=nb.name.clone() data-state=nb.state.as_str()>
            <td><a href=detail>{nb.name.clone()}</a></td>
            <td>
                <span class=format!("state state-{}", nb.state.as_str())>{state_text(&nb)}</span>
                {nb.last_log_lines.last().cloned().map(|l| view! { <br/><small class="log-line">{l}</small> })}
            </td>
            <td>{nb.environment_name.clone()}</td>
            <td>{gpus_of(&nb.spec)}</td>
            <td>{milli_as_cores(nb.spec.cpu_milli.unwrap_or(0))}</td>
            <td>{megabytes_as_gib(nb.spec.memory_mib.unwrap_or(0))}</td>
            <td>{nb.last_activity_ms.map(|t| format!("{} ago", ago(now, t))).unwrap_or_else(|| "—".to_owned())}</td>
            <td>{ago(now, nb.created_at_ms)}</td>
            <td class="row-actions">
                {(nb.state == NotebookState::Ready).then(|| view! {
                    <a class="button" href=nb.url.clone() target="_blank" rel="external noopener">
                        "Connect"<span class="visually-hidden">{connect_label}</span>
                    </a>
                })}
                {
                    let (verb, label) = if running { ("stop", "Stop") } else { ("start", "Start") };
                    let hidden = format!(" {name2}");
                    view! {
                        <ActionForm action=actions.act>
                            <input type="hidden" name="profile" value=profile2/>
                            <input type="hidden" name="name" value=name2/>
                            <input type="hidden" name="action" value=verb/>
                            <button type="submit" class="button secondary">{label}<span class="visually-hidden">{hidden}</span></button>
                        </ActionForm>
                    }
                }
                <details class="confirm">
                    <summary id=confirm_id>"Delete"<span class="visually-hidden">{format!(" {name}")}</span></summary>
                    <ActionForm action=actions.act>
                        <input type="hidden" name="profile" value=profile3/>
                        <input type="hidden" name="name" value=name3/>
                        <input type="hidden" name="action" value="delete"/>
                        <p>{format!("Delete {name} and its workspace? This cannot be undone.")}</p>
                        <button type="submit" class="button danger">{format!("Delete {name}")}</button>
                    </ActionForm>
                </details>
            </td>
        </tr>
    }
}

/// The spawner form. Fields start at the administrator's defaults (or what an imported
/// manifest says); locked fields are shown but cannot be changed.
#[component]
fn Spawner(
    profile: String,
    options: NotebookOptions,
    create: ServerAction<CreateNotebook>,
) -> impl IntoView {
    let defaults = options.defaults.clone();
    let (spec, set_spec) = signal(defaults.clone());
    let import = Action::new(|manifest: &String| import_notebook(manifest.clone()));
    Effect::new(move || {
        if let Some(Ok(imported)) = import.value().get() {
            set_spec.set(over_defaults(&defaults, imported));
        }
    });
    let (manifest, set_manifest) = signal(String::new());
    let locked_fields = options.locked.clone();
    let locked = options.locked.clone();
    let is_locked = move |field: &str| locked.iter().any(|f| f == field);
    let environments = options.environments.clone();
    let gpu_models = options.gpu_models.clone();
    let configurations = options.configurations.clone();
    let field = move |f: fn(&NotebookSpec) -> String| move || spec.with(f);
    view! {
        <section aria-labelledby="spawn-title" class="panel spawner">
            <h2 id="spawn-title">"New notebook"</h2>
            <details class="import">
                <summary>"Fill from a Kubeflow Notebook manifest"</summary>
                <label for="nb-manifest">"Manifest (YAML or JSON, kubeflow.org/v1)"</label>
                <textarea id="nb-manifest" rows="8" prop:value=manifest on:input=move |ev| set_manifest.set(event_target_value(&ev))></textarea>
                <label for="nb-manifest-file">"Or upload it"</label>
                <input id="nb-manifest-file" type="file" accept=".yaml,.yml,.json,application/json,application/yaml"
                    on:change=move |ev| crate::file_text::read_picked_file(ev, set_manifest)/>
                <button type="button" class="button secondary" on:click=move |_| { import.dispatch(manifest.get_untracked()); }>"Fill the form"</button>
                {move || import.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{clean(e)}</p> })}
            </details>
            <ActionForm action=create>
                <input type="hidden" name="profile" value=profile/>
                <div class="form-grid">
                    <label for="nb-name">"Name"</label>
                    <input id="nb-name" name="form[name]" required maxlength="52"
                        pattern="[a-z0-9]([-a-z0-9]*[a-z0-9])?" prop:value=field(|s| s.name.clone())
                        aria-describedby="nb-name-help"/>
                    <small id="nb-name-help">"Lower-case letters, digits and -, at most 52."</small>

                    <label for="nb-environment">"Environment"</label>
                    <select id="nb-environment" name="form[environment]" disabled=is_locked("environment")>
                        {environments.into_iter().map(|e| {
                            let key = e.key.clone();
                            let chosen = move || spec.with(|s| s.environment.as_deref() == Some(key.as_str()));
                            view! { <option value=e.key.clone() selected=chosen>{e.display_name}</option> }
                        }).collect_view()}
                    </select>
                    <span></span>

                    {spec_inputs(&RESOURCE_FIELDS, spec, &locked_fields)}
                    <label for="nb-gpu-share">"Or a share of one GPU"</label>
                    <select id="nb-gpu-share" name="form[gpu_milli]" disabled=is_locked("gpu_milli")>
                        {[(0u32, "none"), (250, "a quarter"), (500, "a half"), (750, "three quarters")].into_iter().map(|(milli, label)| {
                            let chosen = move || spec.with(|s| s.gpu_milli.unwrap_or(0) == milli);
                            view! { <option value=milli.to_string() selected=chosen>{label}</option> }
                        }).collect_view()}
                    </select>
                    <span></span>
                    <label for="nb-gpu-model">"GPU model"</label>
                    <select id="nb-gpu-model" name="form[gpu_model]" disabled=is_locked("gpu_model")>
                        <option value="">"any"</option>
                        {gpu_models.into_iter().map(|m| {
                            let model = m.clone();
                            let chosen = move || spec.with(|s| s.gpu_model.as_deref() == Some(model.as_str()));
                            view! { <option value=m.clone() selected=chosen>{m.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <span></span>

                    {spec_inputs(&WORKSPACE_FIELD, spec, &locked_fields)}
                    <label for="nb-volumes">"Data volumes"</label>
                    <textarea id="nb-volumes" name="form[data_volumes]" rows="2" disabled=is_locked("data_volumes")
                        aria-describedby="nb-volumes-help"
                        prop:value=field(|s| s.data_volumes.iter().map(|v| format!("{} {}", v.name, v.mount_path)).collect::<Vec<_>>().join("\n"))></textarea>
                    <small id="nb-volumes-help">"One per line: volume-name /home/jovyan/data. Shared by the profile's notebooks."</small>

                    <label for="nb-env">"Environment variables"</label>
                    <textarea id="nb-env" name="form[env]" rows="2" disabled=is_locked("env")
                        aria-describedby="nb-env-help"
                        prop:value=field(|s| s.env.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("\n"))></textarea>
                    <small id="nb-env-help">"One NAME=value per line."</small>

                    {spec_inputs(&[configurations_field(&configurations)], spec, &locked_fields)}
                </div>
                {(!options.locked.is_empty()).then(|| view! {
                    <p class="empty-note">{format!("Locked by the administrator: {}.", options.locked.join(", "))}</p>
                })}
                <button type="submit" class="button">"Start notebook"</button>
            </ActionForm>
            <ActionError action=create/>
        </section>
    }
}

/// An imported spec over the defaults: what the manifest does not say stays the default.
fn over_defaults(defaults: &NotebookSpec, imported: NotebookSpec) -> NotebookSpec {
    NotebookSpec {
        name: imported.name,
        environment: imported.environment.or(defaults.environment.clone()),
        cpu_milli: imported.cpu_milli.or(defaults.cpu_milli),
        cpu_limit_milli: imported.cpu_limit_milli.or(defaults.cpu_limit_milli),
        memory_mib: imported.memory_mib.or(defaults.memory_mib),
        memory_limit_mib: imported.memory_limit_mib.or(defaults.memory_limit_mib),
        gpus: imported.gpus.or(defaults.gpus),
        gpu_milli: imported.gpu_milli.or(defaults.gpu_milli),
        gpu_model: imported.gpu_model.or(defaults.gpu_model.clone()),
        workspace_size_mib: imported.workspace_size_mib.or(defaults.workspace_size_mib),
        data_volumes: imported.data_volumes,
        env: imported.env,
        configurations: imported.configurations,
    }
}

/// One text field of the spawner form that shows a figure of the spec.
#[derive(Clone)]
struct SpecField {
    id: &'static str,
    /// The form field (`form[cpu]`).
    name: &'static str,
    label: &'static str,
    /// The spec field an administrator may lock.
    lock: &'static str,
    help: Cow<'static, str>,
    get: fn(&NotebookSpec) -> String,
}

const RESOURCE_FIELDS: [SpecField; 5] = [
    SpecField {
        id: "nb-cpu",
        name: "form[cpu]",
        label: "CPU (cores)",
        lock: "cpu_milli",
        help: Cow::Borrowed(""),
        get: |s| milli_as_cores(s.cpu_milli.unwrap_or(0)),
    },
    SpecField {
        id: "nb-cpu-limit",
        name: "form[cpu_limit]",
        label: "CPU limit (cores)",
        lock: "cpu_limit_milli",
        help: Cow::Borrowed(""),
        get: |s| milli_as_cores(s.cpu_limit_milli.unwrap_or(0)),
    },
    SpecField {
        id: "nb-memory",
        name: "form[memory_gib]",
        label: "Memory (GiB)",
        lock: "memory_mib",
        help: Cow::Borrowed(""),
        get: |s| megabytes_as_gib(s.memory_mib.unwrap_or(0)),
    },
    SpecField {
        id: "nb-memory-limit",
        name: "form[memory_limit_gib]",
        label: "Memory limit (GiB)",
        lock: "memory_limit_mib",
        help: Cow::Borrowed(""),
        get: |s| megabytes_as_gib(s.memory_limit_mib.unwrap_or(0)),
    },
    SpecField {
        id: "nb-gpus",
        name: "form[gpus]",
        label: "GPUs",
        lock: "gpus",
        help: Cow::Borrowed("Whole GPUs; or choose a share below."),
        get: |s| s.gpus.unwrap_or(0).to_string(),
    },
];

const WORKSPACE_FIELD: [SpecField; 1] = [SpecField {
    id: "nb-workspace",
    name: "form[workspace_gib]",
    label: "Workspace (GiB)",
    lock: "workspace_size_mib",
    help: Cow::Borrowed("Kept when the notebook stops; removed when it is deleted."),
    get: |s| megabytes_as_gib(s.workspace_size_mib.unwrap_or(0)),
}];

fn configurations_field(offered: &[api::ConfigurationChoice]) -> SpecField {
    let help = if offered.is_empty() {
        Cow::Borrowed("None are configured.")
    } else {
        Cow::Owned(format!(
            "Names, separated by commas: {}",
            offered
                .iter()
                .map(|c| format!("{} ({})", c.name, c.description))
                .collect::<Vec<_>>()
                .join("; ")
        ))
    };
    SpecField {
        id: "nb-configurations",
        name: "form[configurations]",
        label: "Configurations",
        lock: "configurations",
        help,
        get: |s| s.configurations.join(", "),
    }
}

/// The fields as label, input and help, in the form's three columns. One function for every
/// such field keeps the browser's code small: each distinct element tree is compiled anew.
fn spec_inputs(
    fields: &[SpecField],
    spec: ReadSignal<NotebookSpec>,
    locked: &[String],
) -> impl IntoView + use<> {
    fields
        .iter()
        .map(|f| {
            let get = f.get;
            let help_id = format!("{}-help", f.id);
            view! {
                <label for=f.id>{f.label}</label>
                <input id=f.id name=f.name inputmode="decimal" disabled=locked.iter().any(|l| l == f.lock)
                    aria-describedby=help_id.clone() prop:value=move || spec.with(get)/>
                <small id=help_id>{f.help.to_string()}</small>
            }
        })
        .collect_view()
}
