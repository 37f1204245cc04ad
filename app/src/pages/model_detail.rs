//! A model's page (`/models/{name}?ns={profile}`): where it stands (state, URL, format,
//! runtime), delete; its revisions with their traffic, promote and roll back; "try it"; its
//! replicas and their logs; the router's metrics over time; events; tokens; the manifest.
//! Reloads when the event stream says this model changed.

use api::ModelDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::components::{ActionButton, ActionError, ModelCharts, error_text};
use crate::events::{changes_where, throttled};
use crate::layout::selected_profile;
use crate::nav::href_with_profile;
use crate::pages::model_parts::{MODEL_CHANGES, ModelBadge, state_key, traffic_text};
use crate::pages::model_replicas::{ReplicaLog, Replicas};
use crate::pages::model_revisions::Revisions;
use crate::pages::model_tokens::ModelTokens;
use crate::pages::model_try::{TryIt, infer_url};
use crate::pages::profiles::utc;
use crate::pages::run_parts::SETTLE_MS;
use crate::serving_fns::{CreateModelToken, DeleteModelToken, ModelAction, load_model};

/// The page's data: the profile and the model.
type ModelResource = Resource<Result<Option<(String, ModelDetail)>, ServerFnError>>;

#[component]
pub fn ModelPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    let profile = selected_profile();
    let changed = throttled(
        changes_where(profile, MODEL_CHANGES, move |e| {
            e.data.get("name").and_then(|n| n.as_str()) == Some(name.get_untracked().as_str())
        }),
        SETTLE_MS,
    );
    let act = ServerAction::<ModelAction>::new();
    let delete = ServerAction::<ModelAction>::new();
    let create_token = ServerAction::<CreateModelToken>::new();
    let revoke = ServerAction::<DeleteModelToken>::new();
    let page: ModelResource = Resource::new(
        move || {
            let acted = act.version().get() + create_token.version().get() + revoke.version().get();
            (profile.get(), name.get(), changed.get(), acted)
        },
        |(profile, name, _, _)| async move {
            match profile {
                Some(p) => load_model(p.clone(), name).await.map(|d| Some((p, d))),
                None => Ok(None),
            }
        },
    );
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(())) = delete.value().get() {
            navigate(
                &href_with_profile("/models", profile.get_untracked().as_deref()),
                Default::default(),
            );
        }
    });
    // "Try it" sends from the browser: it shows once the page has hydrated and the model is
    // found, with the model's example request to start from.
    let request = RwSignal::new(String::new());
    let found = RwSignal::new(false);
    Effect::new(move || {
        if let Some(Ok(Some((_, detail)))) = page.get() {
            if request.with_untracked(String::is_empty) {
                request.set(detail.example_request);
            }
            // Once shown it stays (a reload must not take the answer away).
            found.set(true);
        }
    });
    let url = Signal::derive(move || profile.get().map(|p| infer_url(&p, &name.get())));
    let selected = RwSignal::new(None::<String>);
    view! {
        <Title text=move || format!("Model {}", name.get())/>
        <p><a href=move || href_with_profile("/models", profile.get().as_deref())>"← Models"</a></p>
        <h1>{move || format!("Model {}", name.get())}</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some((profile, detail))) => view! { <Overview profile detail act delete/> }.into_any(),
                    Ok(None) => view! { <p>"Choose the model's profile at the top."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
        <ActionError action=act/>
        <ActionError action=delete/>
        <Show when=move || found.get()>
            <TryIt url request/>
        </Show>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                page.await.ok().flatten().map(|(profile, detail)| view! {
                    <Workings profile detail selected create_token revoke/>
                })
            })}
        </Transition>
        <ReplicaLog profile selected changed/>
    }
}

/// Where the model stands, delete, and its revisions with their traffic.
#[component]
fn Overview(
    profile: String,
    detail: ModelDetail,
    act: ServerAction<ModelAction>,
    delete: ServerAction<ModelAction>,
) -> impl IntoView {
    let s = detail.summary;
    let newest = s.revisions.first();
    let facts = vec![
        ("URL", s.url.clone()),
        ("Format", s.model_format.clone()),
        (
            "Runtime",
            newest.map(|r| r.runtime.clone()).unwrap_or_default(),
        ),
        ("Traffic", traffic_text(&s.revisions)),
        (
            "Replicas ready",
            format!("{} of {}", s.replicas_ready, s.replicas),
        ),
        ("Created by", s.created_by.clone()),
        ("Created (UTC)", utc(s.created_at_ms)),
    ];
    let fields = vec![
        ("profile", profile.clone()),
        ("name", s.name.clone()),
        ("action", "delete".to_owned()),
    ];
    view! {
        <section aria-labelledby="model-overview-title" class="panel">
            <h2 id="model-overview-title" class="visually-hidden">"Overview"</h2>
            <dl class="quota" data-testid="model-overview" data-state=state_key(s.state)>
                <dt>"State"</dt>
                <dd><ModelBadge state=s.state/></dd>
                {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
            </dl>
            <div class="row-actions">
                <details class="confirm">
                    <summary>"Delete"</summary>
                    <p>{format!("Delete {}? Its replicas stop and its tokens stop working.", s.name)}</p>
                    <ActionButton action=delete fields label=format!("Delete {}", s.name) class="button danger"/>
                </details>
            </div>
        </section>
        <section aria-labelledby="revisions-title">
            <h2 id="revisions-title">"Revisions and traffic"</h2>
            <Revisions profile name=s.name.clone() revisions=s.revisions act/>
        </section>
    }
}

/// How the model runs: replicas, metrics, events, tokens and the manifest.
#[component]
fn Workings(
    profile: String,
    detail: ModelDetail,
    selected: RwSignal<Option<String>>,
    create_token: ServerAction<CreateModelToken>,
    revoke: ServerAction<DeleteModelToken>,
) -> impl IntoView {
    let ModelDetail {
        summary,
        replicas,
        events,
        samples,
        tokens,
        manifest,
        ..
    } = detail;
    view! {
        <section aria-labelledby="replicas-title">
            <h2 id="replicas-title">"Replicas"</h2>
            <Replicas replicas selected/>
        </section>
        <section aria-labelledby="metrics-title">
            <h2 id="metrics-title">"Metrics"</h2>
            <ModelCharts samples/>
        </section>
        <section aria-labelledby="model-events-title">
            <h2 id="model-events-title">"Events"</h2>
            {if events.is_empty() {
                view! { <p class="empty-note">"Nothing has happened yet."</p> }.into_any()
            } else {
                view! {
                    <table class="data" data-testid="model-events">
                        <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"What"</th></tr></thead>
                        <tbody>
                            {events.into_iter().map(|e| view! {
                                <tr><td>{utc(e.at_ms)}</td><td>{e.message}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="tokens-title">
            <h2 id="tokens-title">"Tokens"</h2>
            <ModelTokens profile name=summary.name url=summary.url tokens create=create_token revoke/>
        </section>
        <section aria-labelledby="manifest-title">
            <h2 id="manifest-title">"YAML"</h2>
            <pre class="yaml" tabindex="0" aria-label="The model's manifest" data-testid="model-manifest">{manifest}</pre>
        </section>
    }
}
