use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::SsrMode;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use crate::layout::Layout;
use crate::nav::SECTIONS;
use crate::pages::{HomePage, LoginPage, NotFound, SectionPage};

/// The HTML document around the app, rendered on the server for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Inline scripts (hydration, resource data) carry this response's nonce; nothing else runs.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use http::header::{CONTENT_SECURITY_POLICY, HeaderValue};
    use leptos::nonce::use_nonce;

    let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/capstan.css"/>
        <Title formatter=|page: String| format!("{page} · Capstan")/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=Layout ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("notebooks") view=|| view! { <SectionPage section=SECTIONS[1]/> } ssr=SsrMode::Async/>
                    <Route path=path!("pipelines") view=|| view! { <SectionPage section=SECTIONS[2]/> } ssr=SsrMode::Async/>
                    <Route path=path!("runs") view=|| view! { <SectionPage section=SECTIONS[3]/> } ssr=SsrMode::Async/>
                    <Route path=path!("experiments") view=|| view! { <SectionPage section=SECTIONS[4]/> } ssr=SsrMode::Async/>
                    <Route path=path!("models") view=|| view! { <SectionPage section=SECTIONS[5]/> } ssr=SsrMode::Async/>
                    <Route path=path!("jobs") view=|| view! { <SectionPage section=SECTIONS[6]/> } ssr=SsrMode::Async/>
                    <Route path=path!("gpus") view=|| view! { <SectionPage section=SECTIONS[7]/> } ssr=SsrMode::Async/>
                    <Route path=path!("profiles") view=|| view! { <SectionPage section=SECTIONS[8]/> } ssr=SsrMode::Async/>
                    <Route path=path!("settings") view=|| view! { <SectionPage section=SECTIONS[9]/> } ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
