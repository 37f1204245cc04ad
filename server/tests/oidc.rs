//! Sign-in through a real OpenID Connect provider (the npm package oidc-provider, started by
//! testkit), driven without a browser: a cookie jar and the provider's own login form.

use std::collections::HashMap;
use std::sync::Arc;

use backend::store::Store;
use openidconnect::reqwest::{self, Url};
use server::auth::oidc::OidcProvider;
use server::config::{Sources, load};
use server::readiness::Readiness;
use testkit::oidc::{CLIENT_ID, CLIENT_SECRET, OidcProvider as TestProvider};
use tokio::sync::watch;

/// Just enough of a browser: one cookie jar (every server here is 127.0.0.1), no automatic
/// redirects, so that each hop can be looked at.
struct Browser {
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

struct Answer {
    status: u16,
    location: Option<Url>,
    body: String,
}

impl Browser {
    fn new() -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder, url: &Url) -> Answer {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let response = request
            .header("cookie", cookie.join("; "))
            .send()
            .await
            .expect("the server answers");
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            let gone = value.is_empty() || attributes.to_ascii_lowercase().contains("max-age=0");
            if gone {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), value.to_owned());
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| url.join(l.to_str().unwrap()).unwrap());
        let body = response.text().await.unwrap_or_default();
        Answer {
            status,
            location,
            body,
        }
    }

    async fn get(&mut self, url: &Url) -> Answer {
        let request = self.http.get(url.clone());
        self.send(request, url).await
    }

    async fn post(&mut self, url: &Url, form: &[(&str, &str)]) -> Answer {
        let request = self
            .http
            .post(url.clone())
            .header("origin", url.origin().ascii_serialization())
            .form(form);
        self.send(request, url).await
    }

    /// Follows redirects from `url` while they stay off `stop_at`; answers the last URL and
    /// its answer.
    async fn follow(&mut self, mut url: Url, stop_at: &str) -> (Url, Answer) {
        for _ in 0..10 {
            let answer = self.get(&url).await;
            match &answer.location {
                Some(next) if !next.as_str().starts_with(stop_at) => url = next.clone(),
                _ => return (url, answer),
            }
        }
        panic!("too many redirects from {url}");
    }
}

struct World {
    base: Url,
    provider: TestProvider,
    _dir: tempfile::TempDir,
}

async fn world(provider_env: &[(&str, &str)]) -> World {
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
async fn to_callback(browser: &mut Browser, world: &World, login: &str, password: &str) -> Url {
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
