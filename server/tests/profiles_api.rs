//! The profiles, contributors, tokens and audit endpoints: what they store and how they
//! refuse bad input, on SQLite and PostgreSQL. Who may call what is `authz.rs`'s table.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use backend::store::Store;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::config::{Sources, load};
use server::readiness::Readiness;
use tokio::sync::watch;
use tower::ServiceExt;

const OPS: &str = "ops@example.com";
const ALICE: &str = "alice@example.com";

fn app(store: Store) -> Router {
    let config = load(&Sources {
        flags: vec![
            ("admins".into(), OPS.into()),
            ("trusted_proxies".into(), "127.0.0.1".into()),
        ],
        ..Sources::default()
    })
    .unwrap();
    let readiness = Arc::new(Readiness::default());
    readiness.mark_ready();
    let (_stop, shutdown) = watch::channel(false);
    server::router::build(server::serve::app_state(
        config, store, readiness, shutdown, None,
    ))
    .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 1))))
}

enum As<'a> {
    User(&'a str),
    Token(&'a str),
}

async fn call(
    app: &Router,
    who: As<'_>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    request = match who {
        As::User(user) => request.header("kubeflow-userid", user),
        As::Token(token) => request.header("authorization", format!("Bearer {token}")),
    };
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn profiles_refuse_bad_input_and_store_nothing_half(store: Store) {
    let app = app(store);
    let create = |name: &str| json!({ "name": name, "owner": ALICE });
    let (status, body) = call(
        &app,
        As::User(OPS),
        Method::POST,
        "/api/v1/profiles",
        Some(create("Team_A")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("`T` at position 1"),
        "{body}"
    );
    let (status, body) = call(
        &app,
        As::User(OPS),
        Method::POST,
        "/api/v1/profiles",
        Some(create("kube-system")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = call(
        &app,
        As::User(OPS),
        Method::POST,
        "/api/v1/profiles",
        Some(json!({"nam": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("nam"), "{body}");
    let (status, _) = call(&app, As::User(OPS), Method::GET, "/api/v1/profiles", None).await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = call(
        &app,
        As::User(OPS),
        Method::POST,
        "/api/v1/profiles",
        Some(create("team-a")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["name"], "team-a");
    let (status, _) = call(
        &app,
        As::User(OPS),
        Method::POST,
        "/api/v1/profiles",
        Some(create("team-a")),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Alice owns it and sees it, marked as owner; nobody else does.
    let (_, list) = call(&app, As::User(ALICE), Method::GET, "/api/v1/profiles", None).await;
    assert_eq!(list, json!([{ "name": "team-a", "role": "owner" }]));
    let (_, list) = call(
        &app,
        As::User("bob@example.com"),
        Method::GET,
        "/api/v1/profiles",
        None,
    )
    .await;
    assert_eq!(list, json!([]));

    let contributors = "/api/v1/profiles/team-a/contributors";
    let bob = json!({ "email": "bob@example.com", "role": "edit" });
    let (status, _) = call(
        &app,
        As::User(ALICE),
        Method::POST,
        contributors,
        Some(bob.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = call(&app, As::User(ALICE), Method::POST, contributors, Some(bob)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("already a contributor"),
        "{body}"
    );
    let (status, body) = call(
        &app,
        As::User(ALICE),
        Method::POST,
        contributors,
        Some(json!({"group": "ml-team", "role": "boss"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("`boss` is not a role"),
        "{body}"
    );
    let (status, _) = call(
        &app,
        As::User(ALICE),
        Method::POST,
        contributors,
        Some(json!({"group": "ml-team", "role": "view"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // A member of the group now sees the profile, as a viewer.
    let mut request =
        Request::get("/api/v1/profiles").header("kubeflow-userid", "carol@example.com");
    request = request.header("kubeflow-groups", "ml-team, other");
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let list: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(list, json!([{ "name": "team-a", "role": "view" }]));

    let (status, body) = call(
        &app,
        As::User(ALICE),
        Method::DELETE,
        contributors,
        Some(json!({"email": ALICE})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("at least one owner"),
        "{body}"
    );
    let (status, body) = call(
        &app,
        As::User(ALICE),
        Method::PATCH,
        contributors,
        Some(json!({"email": ALICE, "role": "view"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    let (status, body) = call(
        &app,
        As::User(OPS),
        Method::PATCH,
        "/api/v1/profiles/team-a",
        Some(json!({"quota": {"gpu_milli": -1}})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = call(
        &app,
        As::User(OPS),
        Method::PATCH,
        "/api/v1/profiles/team-a",
        Some(json!({"quota": {"gpu_milli": 4000, "workloads": 10}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["quota"]["gpu_milli"], 4000);

    let (status, audit) = call(
        &app,
        As::User(ALICE),
        Method::GET,
        "/api/v1/profiles/team-a/audit",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor"].as_str().unwrap(), e["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            (OPS, "profile.quota"),
            (ALICE, "contributor.add"),
            (ALICE, "contributor.add"),
            (OPS, "profile.create"),
        ]
    );
}

async fn tokens_are_shown_once_carry_their_owner_and_die_when_revoked(store: Store) {
    let app = app(store);
    let (status, made) = call(
        &app,
        As::User(ALICE),
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "ci", "expires_in_days": 30})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let secret = made["secret"].as_str().unwrap().to_owned();
    let id = made["id"].as_str().unwrap().to_owned();
    let (_, list) = call(&app, As::User(ALICE), Method::GET, "/api/v1/tokens", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(
        !list.to_string().contains(&secret),
        "a listed token shows no secret"
    );

    let (status, me) = call(
        &app,
        As::Token(&secret),
        Method::GET,
        "/api/v1/whoami",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (me["user"].as_str(), me["auth_method"].as_str()),
        (Some(ALICE), Some("token"))
    );
    let (status, body) = call(
        &app,
        As::Token(&secret),
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "more"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = call(
        &app,
        As::Token(&format!("{secret}x")),
        Method::GET,
        "/api/v1/whoami",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        &app,
        As::User(ALICE),
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": " "})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Someone else cannot revoke it; its owner can, and then it no longer works.
    let path = format!("/api/v1/tokens/{id}");
    let (status, _) = call(
        &app,
        As::User("bob@example.com"),
        Method::DELETE,
        &path,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, As::User(ALICE), Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = call(
        &app,
        As::Token(&secret),
        Method::GET,
        "/api/v1/whoami",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["message"].as_str().unwrap().contains("revoked"),
        "{body}"
    );
}

testkit::on_both_databases!(
    profiles_refuse_bad_input_and_store_nothing_half,
    tokens_are_shown_once_carry_their_owner_and_die_when_revoked,
);
