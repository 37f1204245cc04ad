use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::server_fns::sign_in_options;

/// The sign-in page. A plain form that posts to `/auth/local`, so it works without JavaScript.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || {
        query.read().get("error").map(|code| match code.as_str() {
            "invalid" => "Wrong username or password.",
            "disabled" => "Password sign-in is turned off on this server.",
            "no_provider" => "No single sign-on provider is configured on this server.",
            _ => "Sign-in failed; please try again.",
        })
    };
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_owned());
    let options = SharedValue::new(sign_in_options).into_inner();
    let provider_href = move || format!("/auth/login?next={}", api::encode_query_value(&next()));
    view! {
        <Title text="Sign in"/>
        <main id="main" class="centered">
            <section class="signin" aria-labelledby="signin-title">
                <h1 id="signin-title">"Sign in to Capstan"</h1>
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                {options.provider.then(|| view! {
                    <a class="button provider" href=provider_href rel="external">"Sign in with your organisation"</a>
                })}
                {options.local_admin.then(|| view! {
                    <form method="post" action="/auth/local">
                        <input type="hidden" name="next" value=next/>
                        <label for="username">"Username"</label>
                        <input id="username" name="username" type="text" autocomplete="username" required/>
                        <label for="password">"Password"</label>
                        <input id="password" name="password" type="password" autocomplete="current-password" required/>
                        <button type="submit" class="button">"Sign in"</button>
                    </form>
                })}
            </section>
        </main>
    }
}
