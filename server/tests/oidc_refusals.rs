//! ID tokens that a real provider never issues (a wrong nonce, an expired token, another
//! issuer, another audience, a foreign key) must be refused. They can only be made by hand:
//! a small provider of this test's own (discovery, keys, token endpoint) signs them with a key
//! generated for the test. The real provider's flow is `oidc.rs`.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use chrono::{Duration, Utc};
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey,
};
use openidconnect::{
    Audience, EmptyAdditionalClaims, EndUserEmail, IssuerUrl, JsonWebKeyId, Nonce,
    PrivateSigningKey, StandardClaims, SubjectIdentifier,
};
use server::auth::oidc::OidcProvider;
use server::config::{Sources, load};
use server::readiness::Readiness;
use tokio::sync::watch;
use tower::ServiceExt;

/// How the next ID token is made wrong.
#[derive(Clone, Copy, PartialEq)]
enum Flaw {
    None,
    WrongNonce,
    Expired,
    OtherIssuer,
    OtherAudience,
    ForeignKey,
}

struct Fake {
    issuer: String,
    key: CoreRsaPrivateSigningKey,
    foreign_key: CoreRsaPrivateSigningKey,
    /// The flaw, and the nonce of the sign-in in progress.
    next: Mutex<(Flaw, String)>,
}

fn rsa_key(kid: &str) -> CoreRsaPrivateSigningKey {
    let out = std::process::Command::new("openssl")
        .args(["genrsa", "-traditional", "2048"])
        .output()
        .expect("openssl makes a test key");
    let pem = String::from_utf8(out.stdout).unwrap();
    CoreRsaPrivateSigningKey::from_pem(&pem, Some(JsonWebKeyId::new(kid.into()))).unwrap()
}

impl Fake {
    fn id_token(&self) -> String {
        let (flaw, nonce) = self.next.lock().unwrap().clone();
        let issuer = if flaw == Flaw::OtherIssuer {
            "http://127.0.0.1:1/elsewhere".to_owned()
        } else {
            self.issuer.clone()
        };
        let audience = if flaw == Flaw::OtherAudience {
            "someone-else"
        } else {
            "capstan"
        };
        let now = Utc::now();
        let expiry = if flaw == Flaw::Expired {
            now - Duration::minutes(5)
        } else {
            now + Duration::minutes(5)
        };
        let nonce = if flaw == Flaw::WrongNonce {
            "not-the-nonce".to_owned()
        } else {
            nonce
        };
        let claims = CoreIdTokenClaims::new(
            IssuerUrl::new(issuer).unwrap(),
            vec![Audience::new(audience.into())],
            expiry,
            now - Duration::minutes(10),
            StandardClaims::new(SubjectIdentifier::new("mallory".into()))
                .set_email(Some(EndUserEmail::new("mallory@example.com".into()))),
            EmptyAdditionalClaims {},
        )
        .set_nonce(Some(Nonce::new(nonce)));
        let key = if flaw == Flaw::ForeignKey {
            &self.foreign_key
        } else {
            &self.key
        };
        CoreIdToken::new(
            claims,
            key,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            None,
            None,
        )
        .unwrap()
        .to_string()
    }
}

async fn start_fake() -> Arc<Fake> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let fake = Arc::new(Fake {
        issuer: issuer.clone(),
        key: rsa_key("test-key"),
        // Same key id, other key: a token that no published key verifies.
        foreign_key: rsa_key("test-key"),
        next: Mutex::new((Flaw::None, String::new())),
    });
    let discovery = serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    });
    let jwks = serde_json::json!({ "keys": [fake.key.as_verification_key()] });
    let for_token = fake.clone();
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { axum::Json(discovery) }),
        )
        .route("/jwks", get(move || async move { axum::Json(jwks) }))
        .route(
            "/token",
            post(move || async move {
                axum::Json(serde_json::json!({
                    "access_token": "opaque",
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": for_token.id_token(),
                }))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    fake
}

/// Starts a sign-in at Capstan, lets the fake make its token with `flaw`, and answers the
/// callback's status and page.
async fn sign_in_with(flaw: Flaw) -> (StatusCode, String) {
    let fake = start_fake().await;
    let config = load(&Sources {
        flags: vec![
            ("oidc_issuer".into(), fake.issuer.clone()),
            ("oidc_client_id".into(), "capstan".into()),
            ("oidc_client_secret".into(), "secret".into()),
        ],
        ..Sources::default()
    })
    .unwrap();
    let oidc = OidcProvider::discover(&config)
        .await
        .expect("the fake is discovered");
    let dir = tempfile::tempdir().unwrap();
    let store = backend::store::Store::connect_lazy(&format!(
        "sqlite://{}/t.db?mode=rwc",
        dir.path().display()
    ))
    .unwrap();
    store.migrate().await.unwrap();
    let readiness = Arc::new(Readiness::default());
    readiness.mark_ready();
    let (_stop, shutdown) = watch::channel(false);
    let app = server::router::build(server::serve::app_state(
        config,
        store,
        readiness,
        shutdown,
        Some(oidc),
    ));
    let login = app
        .clone()
        .oneshot(Request::get("/auth/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let cookie = login.headers()[header::SET_COOKIE].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let to_provider =
        openidconnect::reqwest::Url::parse(login.headers()[header::LOCATION].to_str().unwrap())
            .unwrap();
    let param = |name: &str| {
        to_provider
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    *fake.next.lock().unwrap() = (flaw, param("nonce"));
    let callback = format!("/auth/callback?code=c0de&state={}", param("state"));
    let answer = app
        .oneshot(
            Request::get(callback)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = answer.status();
    let bytes = answer.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_well_made_token_signs_in() {
    let (status, page) = sign_in_with(Flaw::None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flawed_tokens_are_refused_with_the_reason() {
    for (flaw, reason) in [
        (Flaw::WrongNonce, "nonce"),
        (Flaw::Expired, "expired"),
        (Flaw::OtherIssuer, "issuer"),
        (Flaw::OtherAudience, "audience"),
        (Flaw::ForeignKey, "ignature"),
    ] {
        let (status, page) = sign_in_with(flaw).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{reason}: {page}");
        assert!(
            page.contains("ID token was refused") && page.contains(reason),
            "{reason}: {page}"
        );
    }
}
