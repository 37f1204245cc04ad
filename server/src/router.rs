//! The whole HTTP surface in one router, with its layers in the order a request meets them.

use app::{App, shell};
use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{any, get, post};
use leptos_axum::{LeptosRoutes, file_and_error_handler, generate_route_list};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::{self, DbSessionStore};
use crate::http::{csrf, health, metrics, profile_choices, request_id, security_headers};
use crate::notebook_access;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "capstan_session";

pub fn build(state: AppState) -> Router {
    let leptos_options = state.leptos.clone();
    let pages = generate_route_list(App);
    // Server functions reach the database and the workload engine through the context.
    let store = state.store.clone();
    let engine = state.engine.clone();
    let notebooks = state.notebooks.clone();
    let pipelines = state.pipelines.clone();
    let tuning = state.tuning.clone();
    let serving = state.serving.clone();
    let training = state.training.clone();

    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.store.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.serves_https())
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            i64::try_from(state.config.session_idle_minutes).unwrap_or(i64::MAX / 60),
        )));

    // The model router: off the dashboard's middleware, so that inference stays fast; model
    // tokens are checked first, other callers go through the sign-in layers.
    let models = crate::serving_router::routes()
        .layer(
            ServiceBuilder::new()
                .layer(sessions.clone())
                .layer(from_fn_with_state(state.clone(), auth::attach_principal))
                .layer(from_fn_with_state(state.clone(), csrf::same_origin_only)),
        )
        .layer(from_fn_with_state(
            state.clone(),
            crate::serving_router::gate,
        ))
        .with_state(state.clone());

    // Everything that knows who is asking: pages, server functions, the REST API, sign-in.
    let signed_in = Router::new()
        .leptos_routes_with_context(
            &state,
            pages,
            move || {
                leptos::prelude::provide_context(store.clone());
                leptos::prelude::provide_context(engine.clone());
                leptos::prelude::provide_context(notebooks.clone());
                leptos::prelude::provide_context(pipelines.clone());
                leptos::prelude::provide_context(tuning.clone());
                leptos::prelude::provide_context(serving.clone());
                leptos::prelude::provide_context(training.clone());
            },
            move || shell(leptos_options.clone()),
        )
        // Pages only: the frame's profile selector, read with the page.
        .layer(from_fn_with_state(state.clone(), profile_choices::attach))
        .nest("/api/v1", crate::api::routes())
        // Notebooks, through the authorizing proxy (every method, WebSocket upgrades too).
        // A wildcard matches no empty rest: the base URL itself needs its own route.
        .route("/notebook/{profile}/{name}", any(notebook_access::proxy))
        .route("/notebook/{profile}/{name}/", any(notebook_access::proxy))
        .route(
            "/notebook/{profile}/{name}/{*rest}",
            any(notebook_access::proxy),
        )
        .route("/auth/local", post(auth::sign_in))
        .route("/auth/login", get(auth::oidc::login))
        .route("/auth/callback", get(auth::oidc::callback))
        .route("/auth/logout", post(auth::sign_out))
        .fallback(file_and_error_handler::<AppState, _>(shell))
        .layer(
            ServiceBuilder::new()
                .layer(sessions)
                .layer(from_fn_with_state(state.clone(), auth::attach_principal))
                .layer(from_fn(auth::require_sign_in_for_pages))
                .layer(from_fn_with_state(state.clone(), csrf::same_origin_only)),
        );

    // The site's assets, sent as the build compressed them when the browser takes that
    // (see xtask's precompress); other files and encodings go through the compression layer.
    let assets = ServeDir::new(state.config.site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();

    Router::new()
        .nest_service("/pkg", assets)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .merge(signed_in)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id::HEADER, MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_id::span))
                .layer(PropagateRequestIdLayer::new(request_id::HEADER))
                .layer(from_fn(security_headers::add))
                .layer(from_fn(metrics::track))
                .layer(CompressionLayer::new()),
        )
        .with_state(state)
        .merge(models)
}
