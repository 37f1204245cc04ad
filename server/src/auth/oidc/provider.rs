//! One OpenID Connect provider, discovered at start: the authorization code flow with PKCE,
//! ID token verification (fetching the provider's keys again when a token names a key it has
//! not seen, which is how key rotation shows), user info, refresh and RP-initiated logout.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use backend::tokens::constant_time_eq;
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndSessionUrl, IssuerUrl, JsonWebKeySet, LogoutRequest, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, RedirectUrl, RefreshToken, Scope,
    SignatureVerificationError, TokenResponse as _, reqwest,
};
use serde::{Deserialize, Serialize};

use super::client::{Claims, Client, IdToken, Metadata, TokenResponse, UserInfo};
use super::identity::{Identity, identity_of};
use crate::config::Config;

/// A token that names an unknown key makes Capstan fetch the keys at most this often, so that
/// forged key ids cannot make it hammer the provider.
const KEY_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("cannot discover the OpenID Connect provider at {issuer}: {message}")]
    Discovery { issuer: String, message: String },
    #[error("the OpenID Connect setting {0} is not a valid URL: {1}")]
    BadUrl(&'static str, String),
    #[error("the provider refused the authorization code: {0}")]
    Exchange(String),
    #[error("the provider sent no ID token")]
    NoIdToken,
    #[error("the ID token was refused: {0}")]
    Verification(String),
    #[error("the provider's user info could not be read: {0}")]
    UserInfo(String),
    #[error("{0}")]
    Identity(String),
    #[error("the provider refused to refresh the sign-in: {0}")]
    Refresh(String),
}

/// What a browser's session holds between the redirect to the provider and the callback.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next: String,
}

/// The provider's tokens, kept in the server-side session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderTokens {
    pub id_token: String,
    pub refresh_token: Option<String>,
    /// When the access token expires; the sign-in is refreshed before then.
    pub expires_at_ms: Option<i64>,
}

pub struct OidcProvider {
    http: reqwest::Client,
    issuer: String,
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect: RedirectUrl,
    post_logout: PostLogoutRedirectUrl,
    scopes: Vec<String>,
    user_claim: String,
    groups_claim: String,
    metadata: RwLock<Metadata>,
    client: RwLock<Arc<Client>>,
    /// When the keys were last fetched again; `None`: only at discovery.
    keys_refetched_at: Mutex<Option<Instant>>,
}

impl OidcProvider {
    /// Fetches the provider's metadata and keys; fails with what went wrong, so that a wrong
    /// issuer stops the start rather than the first sign-in.
    pub async fn discover(config: &Config) -> Result<Self, OidcError> {
        let issuer = config.oidc_issuer.clone().unwrap_or_default();
        let public = config.public_url();
        // No redirects: a provider (or anyone who can make it answer) cannot point Capstan's
        // requests at internal addresses.
        let http = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| OidcError::Discovery {
                issuer: issuer.clone(),
                message: chain(&e),
            })?;
        let issuer_url = IssuerUrl::new(issuer.clone())
            .map_err(|e| OidcError::BadUrl("oidc_issuer", e.to_string()))?;
        let metadata = Metadata::discover_async(issuer_url, &http)
            .await
            .map_err(|e| OidcError::Discovery {
                issuer: issuer.clone(),
                message: chain(&e),
            })?;
        let redirect = RedirectUrl::new(format!("{public}/auth/callback"))
            .map_err(|e| OidcError::BadUrl("public_url", e.to_string()))?;
        let post_logout = PostLogoutRedirectUrl::new(format!("{public}/login"))
            .map_err(|e| OidcError::BadUrl("public_url", e.to_string()))?;
        let client_id = ClientId::new(config.oidc_client_id.clone().unwrap_or_default());
        let client_secret =
            ClientSecret::new(config.oidc_client_secret.clone().unwrap_or_default());
        let provider = OidcProvider {
            http,
            issuer,
            client: RwLock::new(Arc::new(build_client(
                &metadata,
                &client_id,
                &client_secret,
                &redirect,
            ))),
            metadata: RwLock::new(metadata),
            client_id,
            client_secret,
            redirect,
            post_logout,
            scopes: config
                .oidc_scopes
                .split_whitespace()
                .filter(|s| *s != "openid")
                .map(str::to_owned)
                .collect(),
            user_claim: config.oidc_user_claim.clone(),
            groups_claim: config.oidc_groups_claim.clone(),
            keys_refetched_at: Mutex::new(None),
        };
        Ok(provider)
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    fn client(&self) -> Arc<Client> {
        self.client
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The provider's authorization URL, and what the session must remember until the
    /// callback: state, nonce and the PKCE verifier (S256).
    pub fn start_login(&self, next: &str) -> (String, PendingLogin) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            next: next.to_owned(),
        };
        (url.to_string(), pending)
    }

    /// Trades the code for tokens, verifies the ID token (signature, issuer, audience,
    /// expiry, nonce and the access token's hash) and reads who the user is.
    pub async fn finish_login(
        &self,
        code: String,
        pending: &PendingLogin,
    ) -> Result<(Identity, ProviderTokens), OidcError> {
        let client = self.client();
        let response: TokenResponse = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Exchange(chain(&e)))?;
        let id_token = response.id_token().ok_or(OidcError::NoIdToken)?;
        let nonce = Nonce::new(pending.nonce.clone());
        let claims = self
            .verified_claims(id_token, |n: Option<&Nonce>| match n {
                Some(n) if constant_time_eq(n.secret(), nonce.secret()) => Ok(()),
                Some(_) => Err("the nonce does not match this sign-in".to_owned()),
                None => Err("the ID token carries no nonce".to_owned()),
            })
            .await?;
        self.check_access_token_hash(id_token, &claims, &response)?;
        let user_info = self.user_info(&response, &claims).await?;
        let identity = identity_of(
            &claims,
            user_info.as_ref(),
            &self.user_claim,
            &self.groups_claim,
        )
        .map_err(OidcError::Identity)?;
        Ok((identity, tokens_of(&response, id_token, None)))
    }

    /// Uses the refresh token; the provider may send a new one, or keep the old one valid.
    pub async fn refresh(&self, tokens: &ProviderTokens) -> Result<ProviderTokens, OidcError> {
        let Some(refresh) = &tokens.refresh_token else {
            return Err(OidcError::Refresh("there is no refresh token".to_owned()));
        };
        let refresh = RefreshToken::new(refresh.clone());
        let client = self.client();
        let response: TokenResponse = client
            .exchange_refresh_token(&refresh)
            .map_err(|e| OidcError::Refresh(e.to_string()))?
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Refresh(chain(&e)))?;
        // A refreshed ID token carries no nonce of this sign-in; everything else is checked.
        let id_token = match response.id_token() {
            Some(id_token) => {
                self.verified_claims(id_token, |_: Option<&Nonce>| Ok(()))
                    .await?;
                id_token.to_string()
            }
            None => tokens.id_token.clone(),
        };
        Ok(tokens_of(
            &response,
            &id_token,
            tokens.refresh_token.clone(),
        ))
    }

    /// Where to send the browser to end the provider's session too, if it advertises an
    /// end_session_endpoint.
    pub fn logout_url(&self, id_token: &str) -> Option<String> {
        let metadata = self
            .metadata
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let endpoint: &EndSessionUrl = metadata
            .additional_metadata()
            .end_session_endpoint
            .as_ref()?;
        let mut request = LogoutRequest::from(endpoint.clone())
            .set_client_id(self.client_id.clone())
            .set_post_logout_redirect_uri(self.post_logout.clone());
        if let Ok(hint) = id_token.parse::<IdToken>() {
            request = request.set_id_token_hint(&hint);
        }
        Some(request.http_get_url().to_string())
    }

    async fn verified_claims<N>(&self, id_token: &IdToken, nonce: N) -> Result<Claims, OidcError>
    where
        N: Fn(Option<&Nonce>) -> Result<(), String>,
    {
        let client = self.client();
        match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => return Ok(claims.clone()),
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {}
            Err(e) => return Err(verification(&e)),
        }
        // The provider may have rotated its keys since Capstan started.
        self.refetch_keys().await?;
        let client = self.client();
        id_token
            .claims(&client.id_token_verifier(), &nonce)
            .cloned()
            .map_err(|e| verification(&e))
    }

    async fn refetch_keys(&self) -> Result<(), OidcError> {
        {
            let mut last = self
                .keys_refetched_at
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if last.is_some_and(|at| at.elapsed() < KEY_REFETCH_INTERVAL) {
                return Err(OidcError::Verification(
                    "the token is signed with a key the provider does not publish".to_owned(),
                ));
            }
            *last = Some(Instant::now());
        }
        let jwks_uri = self
            .metadata
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .jwks_uri()
            .clone();
        let keys = JsonWebKeySet::fetch_async(&jwks_uri, &self.http)
            .await
            .map_err(|e| {
                OidcError::Verification(format!("cannot fetch the provider's keys: {}", chain(&e)))
            })?;
        tracing::info!(issuer = %self.issuer, "fetched the provider's signing keys again");
        let mut metadata = self
            .metadata
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *metadata = metadata.clone().set_jwks(keys);
        let client = build_client(
            &metadata,
            &self.client_id,
            &self.client_secret,
            &self.redirect,
        );
        *self
            .client
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(client);
        Ok(())
    }

    fn check_access_token_hash(
        &self,
        id_token: &IdToken,
        claims: &Claims,
        response: &TokenResponse,
    ) -> Result<(), OidcError> {
        let Some(expected) = claims.access_token_hash() else {
            return Ok(());
        };
        let client = self.client();
        let verifier = client.id_token_verifier();
        let algorithm = id_token.signing_alg().map_err(|e| verification(&e))?;
        let key = id_token
            .signing_key(&verifier)
            .map_err(|e| verification(&e))?;
        let actual = AccessTokenHash::from_token(response.access_token(), algorithm, key)
            .map_err(|e| OidcError::Verification(e.to_string()))?;
        if actual == *expected {
            Ok(())
        } else {
            Err(OidcError::Verification(
                "the access token does not match the ID token's at_hash".to_owned(),
            ))
        }
    }

    async fn user_info(
        &self,
        response: &TokenResponse,
        claims: &Claims,
    ) -> Result<Option<UserInfo>, OidcError> {
        let client = self.client();
        let Ok(request) = client.user_info(
            response.access_token().clone(),
            Some(claims.subject().clone()),
        ) else {
            // The provider has no user info endpoint: the ID token is all there is.
            return Ok(None);
        };
        let info: UserInfo = request
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::UserInfo(chain(&e)))?;
        Ok(Some(info))
    }
}

fn build_client(
    metadata: &Metadata,
    client_id: &ClientId,
    client_secret: &ClientSecret,
    redirect: &RedirectUrl,
) -> Client {
    Client::from_provider_metadata(
        metadata.clone(),
        client_id.clone(),
        Some(client_secret.clone()),
    )
    .set_redirect_uri(redirect.clone())
}

fn tokens_of(
    response: &TokenResponse,
    id_token: &impl ToString,
    previous_refresh: Option<String>,
) -> ProviderTokens {
    let expires_at_ms = response
        .expires_in()
        .map(|d| backend::clock::now_ms() + i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2));
    ProviderTokens {
        id_token: id_token.to_string(),
        refresh_token: response
            .refresh_token()
            .map(|r| r.secret().clone())
            .or(previous_refresh),
        expires_at_ms,
    }
}

fn verification(e: &dyn std::error::Error) -> OidcError {
    OidcError::Verification(chain(e))
}

/// An error with its causes: the crate's top-level messages ("Request failed") say little.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
