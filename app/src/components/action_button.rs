//! A form of one button that posts hidden fields to a server function: the row actions of the
//! lists (archive, enable, delete, …). Without JavaScript it is a plain POST.

use leptos::prelude::*;
use leptos::server_fn::client::Client;
use leptos::server_fn::codec::PostUrl;
use leptos::server_fn::request::ClientReq;
use leptos::server_fn::{Http, ServerFn};
use leptos::web_sys::FormData;
use serde::de::DeserializeOwned;

#[component]
pub fn ActionButton<S, P>(
    action: ServerAction<S>,
    /// The server function's arguments, by name.
    fields: Vec<(&'static str, String)>,
    label: String,
    #[prop(default = "button secondary")] class: &'static str,
    /// Shown but refused: the action does not apply now (a running job cannot be resumed).
    #[prop(optional)]
    disabled: bool,
) -> impl IntoView
where
    S: DeserializeOwned + ServerFn<Protocol = Http<PostUrl, P>> + Clone + Send + Sync + 'static,
    <<S::Client as Client<S::Error>>::Request as ClientReq<S::Error>>::FormData: From<FormData>,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
    <S as ServerFn>::Client: Client<<S as ServerFn>::Error>,
{
    view! {
        <ActionForm action>
            {fields.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value/> }).collect_view()}
            <button type="submit" class=class disabled=disabled>{label}</button>
        </ActionForm>
    }
}
