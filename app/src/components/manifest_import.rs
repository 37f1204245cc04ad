//! What the create forms of the Experiments, Models and Training jobs pages share: the
//! "import a manifest" form (a file read in the browser, or pasted text, posted as
//! `manifest`), the refusal under each form, and opening the new item's page when either
//! form made it.

use leptos::prelude::*;
use leptos::server_fn::Http;
use leptos::server_fn::ServerFn;
use leptos::server_fn::client::Client;
use leptos::server_fn::codec::PostUrl;
use leptos::server_fn::request::ClientReq;
use leptos::web_sys::FormData;
use leptos_router::hooks::use_navigate;
use serde::de::DeserializeOwned;

use super::refusal_alert;

/// The import form: `{prefix}-file` and `{prefix}-manifest` are its fields' ids; `hint` says
/// which manifest it takes; its refusal is marked `error_testid`.
#[component]
pub fn ManifestImport<S, P>(
    action: ServerAction<S>,
    profile: String,
    prefix: &'static str,
    hint: &'static str,
    button: &'static str,
    error_testid: &'static str,
) -> impl IntoView
where
    S: DeserializeOwned
        + ServerFn<Protocol = Http<PostUrl, P>, Output = String, Error = ServerFnError>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Client: Client<ServerFnError>,
    <<S::Client as Client<ServerFnError>>::Request as ClientReq<ServerFnError>>::FormData:
        From<FormData>,
{
    let (manifest, set_manifest) = signal(String::new());
    let (file_id, paste_id) = (format!("{prefix}-file"), format!("{prefix}-manifest"));
    view! {
        <ActionForm action>
            <input type="hidden" name="profile" value=profile/>
            <div class="form-grid">
                <label for=file_id.clone()>"From a file"</label>
                <input id=file_id type="file" accept=".yaml,.yml,.json,application/json,application/yaml"
                    on:change=move |ev| crate::file_text::read_picked_file(ev, set_manifest)/>
                <small>{hint}</small>

                <label for=paste_id.clone()>"Or paste it"</label>
                <textarea id=paste_id name="manifest" rows="10" class="code" required
                    prop:value=manifest on:input=move |ev| set_manifest.set(event_target_value(&ev))></textarea>
                <span></span>
            </div>
            <button type="submit" class="button">{button}</button>
        </ActionForm>
        {move || refusal_alert(action.value().get().and_then(Result::err), error_testid)}
    }
}

/// Opens the page `href(profile, name)` of what either form (`create` or `import`) made;
/// the other may still hold an old refusal.
pub fn open_when_made<A, B>(
    create: ServerAction<A>,
    import: ServerAction<B>,
    profile: String,
    href: fn(&str, &str) -> String,
) where
    A: ServerFn<Output = String, Error = ServerFnError> + Clone + Send + Sync + 'static,
    B: ServerFn<Output = String, Error = ServerFnError> + Clone + Send + Sync + 'static,
{
    let navigate = use_navigate();
    Effect::new(move || {
        let made = [create.value().get(), import.value().get()];
        if let Some(Ok(name)) = made.into_iter().flatten().find(Result::is_ok) {
            navigate(&href(&profile, &name), Default::default());
        }
    });
}
