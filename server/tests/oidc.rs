//! Sign-in through a real OpenID Connect provider (the npm package oidc-provider, started by
//! testkit), driven without a browser: a cookie jar and the provider's own login form.

use openidconnect::reqwest::{self, Url};
use server::auth::oidc::OidcProvider;
use server::config::{Sources, load};

#[path = "support/browser.rs"]
mod browser;
#[path = "support/provider_world.rs"]
mod provider_world;
use browser::{Answer, Browser};
use provider_world::{World, to_callback, world};

async fn whoami(browser: &mut Browser, world: &World) -> Answer {
    browser
        .get(&world.base.join("/api/v1/whoami").unwrap())
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_through_the_provider_then_sign_out_everywhere() {
    let world = world(&[]).await;
    let mut browser = Browser::new();
    let callback = to_callback(&mut browser, &world, "alice@example.com", "alice-password").await;
    let before = browser.cookies.get("capstan_session").cloned();
    let answer = browser.get(&callback).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.location.unwrap().path(), "/notebooks");
    let session = browser.cookies.get("capstan_session").cloned().unwrap();
    assert_ne!(
        Some(&session),
        before.as_ref(),
        "a new session id at sign-in"
    );

    let me: serde_json::Value =
        serde_json::from_str(&whoami(&mut browser, &world).await.body).unwrap();
    assert_eq!(me["user"], "alice@example.com");
    assert_eq!(me["groups"], serde_json::json!(["ml-team"]));
    assert_eq!(me["auth_method"], "oidc");
    // Self-registration made Alice a profile of her own.
    let profiles = browser
        .get(&world.base.join("/api/v1/profiles").unwrap())
        .await;
    assert_eq!(profiles.body, r#"[{"name":"alice","role":"owner"}]"#);

    // The same answer again: refused, whether the code is replayed or the state is stale.
    let replay = browser.get(&callback).await;
    assert_eq!(replay.status, 400);
    assert!(
        replay.body.contains("No sign-in is in progress"),
        "{}",
        replay.body
    );

    let logout = browser
        .post(&world.base.join("/auth/logout").unwrap(), &[])
        .await;
    assert_eq!(logout.status, 200);
    assert!(
        logout
            .body
            .contains(&format!("{}/session/end", world.provider.issuer)),
        "RP-initiated logout: {}",
        logout.body
    );
    // The old cookie is worth nothing now.
    browser.cookies.insert("capstan_session".into(), session);
    assert_eq!(whoami(&mut browser, &world).await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_with_a_wrong_state_is_refused() {
    let world = world(&[]).await;
    let mut browser = Browser::new();
    let mut callback = to_callback(&mut browser, &world, "bob@example.com", "bob-password").await;
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                "forged".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    callback.query_pairs_mut().clear().extend_pairs(pairs);
    let answer = browser.get(&callback).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("does not belong"), "{}", answer.body);
    assert_eq!(whoami(&mut browser, &world).await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_keys_are_fetched_again_and_short_tokens_are_refreshed() {
    // Access tokens of 61 s: within the refresh margin at once.
    let world = world(&[("OIDC_ACCESS_TOKEN_TTL", "61")]).await;
    let rotate = Url::parse(&format!(
        "{}/test/rotate-keys?retain_previous=0",
        world.provider.issuer
    ))
    .unwrap();
    let rotated = reqwest::Client::new().post(rotate).send().await.unwrap();
    assert!(rotated.status().is_success());

    let mut browser = Browser::new();
    let callback = to_callback(&mut browser, &world, "alice@example.com", "alice-password").await;
    let answer = browser.get(&callback).await;
    assert_eq!(
        answer.status, 303,
        "a token signed with a new key: {}",
        answer.body
    );
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    // This request refreshes the sign-in at the provider and stays signed in.
    assert_eq!(whoami(&mut browser, &world).await.status, 200);
    assert_eq!(whoami(&mut browser, &world).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_issuer_stops_discovery_with_its_reason() {
    let config = load(&Sources {
        flags: vec![
            ("oidc_issuer".into(), "http://127.0.0.1:9/".into()),
            ("oidc_client_id".into(), "x".into()),
            ("oidc_client_secret".into(), "y".into()),
        ],
        ..Sources::default()
    })
    .unwrap();
    let Err(err) = OidcProvider::discover(&config).await else {
        panic!("discovery of a closed port must fail");
    };
    assert!(err.to_string().contains("cannot discover"), "{err}");
}
