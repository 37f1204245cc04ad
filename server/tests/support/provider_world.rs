//! Capstan signed in through the test OpenID provider, served on a real port (shared by path
//! between the sign-in tests and the auth benchmark).

use std::sync::Arc;

use backend::store::Store;
use openidconnect::reqwest::Url;
use server::auth::oidc::OidcProvider;
use server::config::{Sources, load};
use server::readiness::Readiness;
use testkit::oidc::{CLIENT_ID, CLIENT_SECRET, OidcProvider as TestProvider};
use tokio::sync::watch;

use super::browser::Browser;

pub struct World {
    pub base: Url,
    pub provider: TestProvider,
    _dir: tempfile::TempDir,
}

pub async fn world(provider_env: &[(&str, &str)]) -> World {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let provider = TestProvider::start(
        &format!("{base}/auth/callback"),
        &format!("{base}/login"),
        provider_env,
    );
    let dir = tempfile::tempdir().unwrap();
    let flag = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let config = load(&Sources {
        flags: vec![
            flag("public_url", &base),
            flag("oidc_issuer", &provider.issuer),
            flag("oidc_client_id", CLIENT_ID),
            flag("oidc_client_secret", CLIENT_SECRET),
            flag("oidc_scopes", "openid email profile groups"),
            flag("self_registration", "true"),
        ],
        ..Sources::default()
    })
    .unwrap();
    let store =
        Store::connect_lazy(&format!("sqlite://{}/t.db?mode=rwc", dir.path().display())).unwrap();
    store.migrate().await.unwrap();
    let oidc = OidcProvider::discover(&config)
        .await
        .expect("discovery works");
    let readiness = Arc::new(Readiness::default());
    readiness.mark_ready();
    let (_stop, shutdown) = watch::channel(false);
    std::mem::forget(_stop);
    let app = server::router::build(server::serve::app_state(
        config,
        store,
        readiness,
        shutdown,
        Some(oidc),
    ));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    World {
        base: Url::parse(&base).unwrap(),
        provider,
        _dir: dir,
    }
}

/// Through the provider's login page up to (not into) Capstan's callback; answers its URL.
pub async fn to_callback(browser: &mut Browser, world: &World, login: &str, password: &str) -> Url {
    let start = world.base.join("/auth/login?next=/notebooks").unwrap();
    let callback = world.base.join("/auth/callback").unwrap();
    let (login_page, answer) = browser.follow(start, callback.as_str()).await;
    assert_eq!(
        answer.status, 200,
        "the provider's login page: {}",
        answer.body
    );
    assert!(answer.body.contains("name=\"password\""), "{}", answer.body);
    let answer = browser
        .post(&login_page, &[("login", login), ("password", password)])
        .await;
    let next = answer.location.expect("a correct password moves on");
    let (_, answer) = browser.follow(next, callback.as_str()).await;
    answer
        .location
        .expect("the provider sends the browser back")
}
