//! The Pipelines page: the selected profile's pipelines with their versions (newest first),
//! delete (after a confirmation), and the upload form: a new pipeline, or a new version of one,
//! from a file or pasted text. A refused document is shown with every problem and its path.

use api::PipelineView;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{ActionError, EmptyState, error_text};
use crate::layout::selected_profile;
use crate::pages::profiles::utc;
use crate::pages::run_parts::pipeline_href;
use crate::pipeline_fns::{DeletePipeline, UploadPipeline, list_pipelines};

#[component]
pub fn PipelinesPage() -> impl IntoView {
    let profile = selected_profile();
    let upload = ServerAction::<UploadPipeline>::new();
    let delete = ServerAction::<DeletePipeline>::new();
    let list = Resource::new(
        move || {
            (
                profile.get(),
                upload.version().get() + delete.version().get(),
            )
        },
        |(profile, _)| async move {
            match profile {
                Some(p) => list_pipelines(p.clone()).await.map(|rows| Some((p, rows))),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="Pipelines"/>
        <h1>"Pipelines"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(None) => view! {
                        <EmptyState title="Choose a profile" text="Pipelines belong to a profile: choose one at the top to see its pipelines and upload new ones."/>
                    }.into_any(),
                    Ok(Some((profile, rows))) => view! { <PipelineTable profile rows delete/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
        {move || profile.get().map(|p| view! { <UploadPanel profile=p upload list/> })}
    }
}

type PipelineList = Resource<Result<Option<(String, Vec<PipelineView>)>, ServerFnError>>;

#[component]
fn PipelineTable(
    profile: String,
    rows: Vec<PipelineView>,
    delete: ServerAction<DeletePipeline>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <EmptyState title="No pipelines" text="This profile has no pipeline yet. Upload one with the form below."/>
        }
        .into_any();
    }
    view! {
        <table class="data" data-testid="pipelines">
            <caption>"Pipelines of the profile"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Description"</th>
                    <th scope="col">"Versions, newest first"</th>
                    <th scope="col">"Uploaded (UTC)"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|p| {
                    let profile = profile.clone();
                    let href = pipeline_href(&profile, &p.name, None);
                    let versions = p.versions.iter().map(|v| {
                        let href = pipeline_href(&profile, &p.name, Some(&v.name));
                        let title = format!("{} · {} · {} UTC", v.format, v.description, utc(v.created_at_ms));
                        view! { <li><a href=href title=title>{v.name.clone()}</a></li> }
                    }).collect_view();
                    let name = p.name.clone();
                    view! {
                        <tr data-pipeline=p.name.clone()>
                            <td><a href=href>{p.name.clone()}</a></td>
                            <td>{p.description.clone()}</td>
                            <td><ul class="inline-list">{versions}</ul></td>
                            <td>{utc(p.created_at_ms)}</td>
                            <td class="row-actions">
                                <details class="confirm">
                                    <summary>"Delete"<span class="visually-hidden">{format!(" {name}")}</span></summary>
                                    <ActionForm action=delete>
                                        <input type="hidden" name="profile" value=profile.clone()/>
                                        <input type="hidden" name="name" value=name.clone()/>
                                        <input type="hidden" name="version" value=""/>
                                        <p>{format!("Delete {name} and all its versions? Its runs stay.")}</p>
                                        <button type="submit" class="button danger">{format!("Delete {name}")}</button>
                                    </ActionForm>
                                </details>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <ActionError action=delete/>
    }
    .into_any()
}

/// Upload a new pipeline or a new version: the document from a file (read in the browser
/// into the text area) or pasted.
#[component]
fn UploadPanel(
    profile: String,
    upload: ServerAction<UploadPipeline>,
    list: PipelineList,
) -> impl IntoView {
    let (source, set_source) = signal(String::new());
    let here = profile.clone();
    // A stored upload clears the form's document.
    Effect::new(move || {
        if let Some(Ok(_)) = upload.value().get() {
            set_source.set(String::new());
        }
    });
    let done = move || {
        upload.value().get().and_then(Result::ok).map(|made| {
            let (pipeline, version) = made.split_once('/').unwrap_or((&made, ""));
            let href = pipeline_href(&here, pipeline, Some(version));
            view! { <p class="notice" role="status">"Uploaded " <a href=href>{made.clone()}</a></p> }
        })
    };
    let problems = move || {
        upload.value().get().and_then(Result::err).map(|e| {
            let text = error_text(&e);
            view! {
                <div class="error" role="alert" data-testid="upload-error">
                    <p>"The upload was refused:"</p>
                    <ul>{text.split("; ").map(|p| view! { <li><code>{p.to_owned()}</code></li> }).collect_view()}</ul>
                </div>
            }
        })
    };
    view! {
        <section aria-labelledby="upload-title" class="panel">
            <h2 id="upload-title">"Upload a pipeline"</h2>
            <ActionForm action=upload>
                <input type="hidden" name="profile" value=profile/>
                <div class="form-grid">
                    <label for="pl-target">"Upload as"</label>
                    <Transition fallback=|| view! { <span></span> }>
                        {move || Suspend::new(async move {
                            let names: Vec<String> = list.await.ok().flatten().map(|(_, rows)| rows).unwrap_or_default()
                                .into_iter().map(|p| p.name).collect();
                            view! {
                                <select id="pl-target" name="pipeline">
                                    <option value="">"a new pipeline"</option>
                                    {names.into_iter().map(|n| view! {
                                        <option value=n.clone()>{format!("a new version of {n}")}</option>
                                    }).collect_view()}
                                </select>
                            }
                        })}
                    </Transition>
                    <span></span>

                    <label for="pl-name">"Name"</label>
                    <input id="pl-name" name="upload[name]" maxlength="63" aria-describedby="pl-name-help"
                        pattern="[a-z0-9]([a-z0-9\\-]*[a-z0-9])?"/>
                    <small id="pl-name-help">"A new pipeline's name; blank: the name in the document."</small>

                    <label for="pl-version">"Version"</label>
                    <input id="pl-version" name="upload[version]" maxlength="63" aria-describedby="pl-version-help"/>
                    <small id="pl-version-help">"Blank: v1 for a new pipeline, else the next v<n>."</small>

                    <label for="pl-description">"Description"</label>
                    <input id="pl-description" name="upload[description]" aria-describedby="pl-description-help"/>
                    <small id="pl-description-help">"Blank: the document's own."</small>

                    <label for="pl-file">"From a file"</label>
                    <input id="pl-file" type="file" accept=".yaml,.yml,.json,application/json,application/yaml"
                        on:change=move |ev| crate::file_text::read_picked_file(ev, set_source)/>
                    <small>"Capstan pipeline YAML, or KFP IR as kfp's compiler writes it."</small>

                    <label for="pl-source">"Or paste it"</label>
                    <textarea id="pl-source" name="upload[source]" rows="10" class="code" required
                        prop:value=source on:input=move |ev| set_source.set(event_target_value(&ev))></textarea>
                    <span></span>
                </div>
                <button type="submit" class="button">"Upload"</button>
            </ActionForm>
            {done}
            {problems}
        </section>
    }
}
