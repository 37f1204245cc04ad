//! A model's tokens: bearer tokens that may call this model's endpoints and nothing else
//! (for scripts and services outside the dashboard). A new token's text is shown once.

use api::ModelTokenView;
use leptos::prelude::*;

use crate::components::{ActionButton, ActionError};
use crate::pages::profiles::utc;
use crate::serving_fns::{CreateModelToken, DeleteModelToken};

#[component]
pub fn ModelTokens(
    profile: String,
    name: String,
    url: String,
    tokens: Vec<ModelTokenView>,
    create: ServerAction<CreateModelToken>,
    revoke: ServerAction<DeleteModelToken>,
) -> impl IntoView {
    let none = tokens.is_empty();
    let rows = tokens
        .into_iter()
        .map(|t| {
            let fields = vec![
                ("profile", profile.clone()),
                ("name", name.clone()),
                ("id", t.id.to_string()),
            ];
            view! {
                <tr data-token=t.id.to_string()>
                    <th scope="row">{t.label.clone()}</th>
                    <td>{t.created_by}</td>
                    <td>{utc(t.created_at_ms)}</td>
                    <td><ActionButton action=revoke fields label=format!("Revoke {}", t.label)/></td>
                </tr>
            }
        })
        .collect_view();
    // Shown once: the server keeps only its hash.
    let model = name.clone();
    let made = move || {
        create.value().get().and_then(Result::ok).map(|t| {
            let example = format!(
                "curl -H 'Authorization: Bearer {}' -d @request.json {url}/v2/models/{model}/infer",
                t.token
            );
            view! {
                <div class="notice" role="status">
                    <p>{format!("Token {} made. Copy it now: it is not shown again.", t.label)}</p>
                    <p><code data-testid="model-token">{t.token.clone()}</code></p>
                    <p><code>{example}</code></p>
                </div>
            }
        })
    };
    view! {
        {none.then(|| view! { <p class="empty-note">"No token yet: only members of the profile may call the model."</p> })}
        <table class="data" data-testid="model-tokens" hidden=none>
            <caption>"Tokens that may call this model"</caption>
            <thead>
                <tr>
                    <th scope="col">"Label"</th>
                    <th scope="col">"Created by"</th>
                    <th scope="col">"Created (UTC)"</th>
                    <th scope="col">"Revoke"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {made}
        <ActionForm action=create>
            <input type="hidden" name="profile" value=profile.clone()/>
            <input type="hidden" name="name" value=name.clone()/>
            <div class="form-grid">
                <label for="mt-label">"Token label"</label>
                <input id="mt-label" name="label" maxlength="100" aria-describedby="mt-label-help"/>
                <small id="mt-label-help">"What uses it, to tell tokens apart."</small>
            </div>
            <button type="submit" class="button secondary">"Create token"</button>
        </ActionForm>
        <ActionError action=create/>
        <ActionError action=revoke/>
    }
}
