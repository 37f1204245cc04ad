//! The HTTP surface through the real router (tower `oneshot`), on SQLite and PostgreSQL.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use backend::local_accounts;
use backend::store::Store;
use http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use server::config::{Sources, load};
use server::readiness::Readiness;
use tokio::sync::watch;
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";

async fn app_on(store: Store) -> Router {
    let config = load(&Sources {
        flags: vec![("admin_password".into(), PASSWORD.into())],
        ..Sources::default()
    })
    .expect("test configuration");
    local_accounts::bootstrap_admin(&store, Some(PASSWORD))
        .await
        .expect("admin account");
    let readiness = Arc::new(Readiness::default());
    readiness.mark_ready();
    let (_stop, shutdown) = watch::channel(false);
    server::router::build(server::serve::app_state(
        config, store, readiness, shutdown, None,
    ))
}

async fn send(app: &Router, request: Request<Body>) -> Response<Body> {
    app.clone()
        .oneshot(request)
        .await
        .expect("the router answers")
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path);
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder.body(Body::empty()).unwrap()
}

fn form_post(path: &str, body: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin");
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

async fn body_text(response: Response<Body>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn location(response: &Response<Body>) -> &str {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The whole `Set-Cookie` header of a response that must set one.
fn set_cookie(response: &Response<Body>) -> String {
    response
        .headers()
        .get(header::SET_COOKIE)
        .expect("a Set-Cookie header")
        .to_str()
        .unwrap()
        .to_owned()
}

/// Signs in; answers the `name=value` of the session cookie.
async fn sign_in(app: &Router) -> String {
    let body = format!(
        "username=admin&password={}&next=%2Fruns",
        api::encode_query_value(PASSWORD)
    );
    let response = send(app, form_post("/auth/local", &body, None)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/runs");
    let set_cookie = set_cookie(&response);
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    set_cookie.split(';').next().unwrap().to_owned()
}

testkit::on_both_databases!(
    sign_in_gives_a_session_that_whoami_and_pages_accept,
    sign_out_deletes_the_session_server_side,
    a_wrong_password_redirects_with_an_error_and_sets_no_session,
    the_session_id_changes_at_sign_in,
    readyz_answers_when_the_database_does,
);

async fn sign_in_gives_a_session_that_whoami_and_pages_accept(store: Store) {
    let app = app_on(store).await;
    let cookie = sign_in(&app).await;
    let response = send(&app, get("/api/v1/whoami", Some(&cookie))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let who: api::WhoAmI = serde_json::from_str(&body_text(response).await).unwrap();
    assert_eq!(who.user, "admin");
    assert!(who.is_admin);

    let page = send(&app, get("/", Some(&cookie))).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let html = body_text(page).await;
    assert!(html.contains("<h1>Home</h1>"), "{html}");
    assert!(
        html.contains("admin (admin)"),
        "the user menu shows who is signed in"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("a nonce in the policy");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the policy's nonce"
    );
}

async fn sign_out_deletes_the_session_server_side(store: Store) {
    let app = app_on(store).await;
    let cookie = sign_in(&app).await;
    let response = send(&app, form_post("/auth/logout", "", Some(&cookie))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login");
    let replay = send(&app, get("/api/v1/whoami", Some(&cookie))).await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
}

async fn a_wrong_password_redirects_with_an_error_and_sets_no_session(store: Store) {
    let app = app_on(store).await;
    let response = send(
        &app,
        form_post(
            "/auth/local",
            "username=admin&password=nope&next=%2Fruns",
            None,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login?error=invalid&next=%2Fruns");
    assert!(response.headers().get(header::SET_COOKIE).is_none());
}

async fn the_session_id_changes_at_sign_in(store: Store) {
    let app = app_on(store).await;
    let first = sign_in(&app).await;
    // Signing in again while holding a session must not keep that session's id.
    let body = format!(
        "username=admin&password={}",
        api::encode_query_value(PASSWORD)
    );
    let response = send(&app, form_post("/auth/local", &body, Some(&first))).await;
    assert_ne!(set_cookie(&response).split(';').next().unwrap(), first);
}

async fn readyz_answers_when_the_database_does(store: Store) {
    let app = app_on(store).await;
    let response = send(&app, get("/readyz", None)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(body_text(response).await.contains("\"database\":\"ok\""));
}

async fn sqlite_app() -> (Router, testkit::Keep) {
    let (store, keep) = testkit::sqlite().await;
    (app_on(store).await, keep)
}

#[tokio::test]
async fn the_api_refuses_anonymous_callers_with_a_json_error() {
    let (app, _keep) = sqlite_app().await;
    for path in ["/api/v1/whoami", "/api/v1/version", "/api/v1/events"] {
        let response = send(&app, get(path, None)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        let error: api::ApiError = serde_json::from_str(&body_text(response).await).unwrap();
        assert_eq!(error.error, "unauthenticated", "{path}");
    }
}

#[tokio::test]
async fn unknown_api_paths_are_json_404s() {
    let (app, _keep) = sqlite_app().await;
    let cookie = sign_in(&app).await;
    let response = send(&app, get("/api/v1/nothing-here", Some(&cookie))).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(body_text(response).await.contains("not_found"));
}

#[tokio::test]
async fn pages_send_anonymous_visitors_to_sign_in() {
    let (app, _keep) = sqlite_app().await;
    let response = send(&app, get("/pipelines?ns=a", None)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login?next=%2Fpipelines%3Fns%3Da");
    let login = send(&app, get("/login", None)).await;
    assert_eq!(login.status(), StatusCode::OK);
    let html = body_text(login).await;
    assert!(html.contains("action=\"/auth/local\"") && html.contains("name=\"password\""));
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let (app, _keep) = sqlite_app().await;
    let request = Request::post("/auth/local")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, "http://evil.example")
        .body(Body::from(format!("username=admin&password={PASSWORD}")))
        .unwrap();
    let response = send(&app, request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn every_response_has_security_headers_and_a_request_id() {
    let (app, _keep) = sqlite_app().await;
    for path in ["/healthz", "/login", "/api/v1/whoami"] {
        let response = send(&app, get(path, None)).await;
        let headers = response.headers();
        assert_eq!(
            headers.get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
        assert_eq!(headers.get("x-frame-options").unwrap(), "DENY", "{path}");
        let csp = headers
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(headers.get("x-request-id").unwrap().len(), 36, "{path}");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let (app, _keep) = sqlite_app().await;
    send(&app, get("/healthz", None)).await;
    let response = send(&app, get("/metrics", None)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = body_text(response).await;
    assert!(
        text.contains(
            "capstan_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"
        ),
        "{text}"
    );
    assert!(
        text.contains("capstan_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("capstan_build_info{"), "{text}");
}

#[tokio::test]
async fn readyz_reports_an_unreachable_database_with_its_cause() {
    // Nothing listens on port 1: the pool fails to connect, the server does not panic.
    let store = Store::connect_lazy("postgres://capstan@127.0.0.1:1/capstan").unwrap();
    let config = load(&Sources::empty()).unwrap();
    let readiness = Arc::new(Readiness::default());
    readiness.mark_ready();
    let (_stop, shutdown) = watch::channel(false);
    let app = server::router::build(server::serve::app_state(
        config, store, readiness, shutdown, None,
    ));
    let response = send(&app, get("/readyz", None)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = body_text(response).await;
    assert!(
        body.contains("not ready") && body.contains("database:"),
        "{body}"
    );
    let health = send(&app, get("/healthz", None)).await;
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_event_stream_delivers_what_the_user_may_see() {
    let (app, _keep) = sqlite_app().await;
    let cookie = sign_in(&app).await;
    let response = send(&app, get("/api/v1/events", Some(&cookie))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "text/event-stream"
    );
    let mut body = response.into_body();
    // A second sign-in of the same user is an event this admin may see.
    sign_in(&app).await;
    let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
        .await
        .expect("an event within 5 s")
        .expect("a frame")
        .expect("no error");
    let data = String::from_utf8_lossy(frame.data_ref().expect("data")).into_owned();
    assert!(data.starts_with("data: {"), "{data}");
    assert!(
        data.contains("\"kind\":\"signed_in\"") && data.contains("\"user\":\"admin\""),
        "{data}"
    );
}
