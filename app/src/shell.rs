use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::SsrMode;
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::{Lazy, LazyRoute, lazy_route, path};

use crate::layout::Layout;
use crate::pages::{
    ExperimentsPage, GpusPage, HomePage, JobPage, JobsPage, LoginPage, ModelPage, ModelsPage,
    NotFound, NotebookDetailPage, NotebooksPage, PipelineDetailPage, PipelinesPage, ProfilesPage,
    RunComparePage, RunDetailPage, RunsPage, SettingsPage, TuningPage,
};

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
    crate::layout::provide_frame_data();
    // Flat routes, each page inside the frame: cheaper to render on the server than a
    // nested router (Home page throughput, `cargo xtask bench http`).
    view! {
        <Stylesheet id="leptos" href="/pkg/capstan.css"/>
        // The base text "" keeps the title from going blank while a lazily loaded page's code
        // arrives (between hydration and the page's own <Title>): it reads "Capstan" then.
        <Title text="" formatter=|page: String| {
            if page.is_empty() { "Capstan".to_owned() } else { format!("{page} · Capstan") }
        }/>
        <Router>
            <FlatRoutes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/") view=|| view! { <Layout><HomePage/></Layout> } ssr=SsrMode::Async/>
                <Route path=path!("/notebooks") view={Lazy::<NotebooksRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/notebooks/:name") view={Lazy::<NotebookRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/pipelines") view={Lazy::<PipelinesRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/pipelines/:name") view={Lazy::<PipelineRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/runs") view={Lazy::<RunsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/runs/compare") view={Lazy::<RunCompareRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/runs/:id") view={Lazy::<RunRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/experiments") view={Lazy::<ExperimentsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/experiments/:name") view={Lazy::<TuningRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/models") view={Lazy::<ModelsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/models/:name") view={Lazy::<ModelRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/jobs") view={Lazy::<JobsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/jobs/:name") view={Lazy::<JobRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/gpus") view=|| view! { <Layout><GpusPage/></Layout> } ssr=SsrMode::Async/>
                <Route path=path!("/profiles") view=|| view! { <Layout><ProfilesPage/></Layout> } ssr=SsrMode::Async/>
                <Route path=path!("/settings") view=|| view! { <Layout><SettingsPage/></Layout> } ssr=SsrMode::Async/>
            </FlatRoutes>
        </Router>
    }
}

// The pages of the larger sections (Notebooks, Pipelines, Runs, Experiments, Models, Training
// jobs) are split
// out of the first wasm (`cargo leptos build --split`) and loaded when one is visited, so that
// the first visit of any other page stays small (`cargo xtask bench http`).

/// A lazily loaded page inside the frame: `lazy_page!(Route, Page)` makes the route type that
/// `Lazy::<Route>` takes.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        #[derive(Clone)]
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <Layout><$page/></Layout> }.into_any()
            }
        }
    };
}

lazy_page!(NotebooksRoute, NotebooksPage);
lazy_page!(NotebookRoute, NotebookDetailPage);
lazy_page!(PipelinesRoute, PipelinesPage);
lazy_page!(PipelineRoute, PipelineDetailPage);
lazy_page!(RunsRoute, RunsPage);
lazy_page!(RunCompareRoute, RunComparePage);
lazy_page!(RunRoute, RunDetailPage);
lazy_page!(ExperimentsRoute, ExperimentsPage);
lazy_page!(TuningRoute, TuningPage);
lazy_page!(ModelsRoute, ModelsPage);
lazy_page!(ModelRoute, ModelPage);
lazy_page!(JobsRoute, JobsPage);
lazy_page!(JobRoute, JobPage);
