//! Behind oauth2-proxy or an Istio gateway, the proxy signs users in and names them in a
//! header (Kubeflow's `kubeflow-userid`). Anyone can send that header, so it is believed only
//! from the proxies' own addresses (`trusted_proxies`); from anywhere else it is ignored.

use std::net::SocketAddr;

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request};
use backend::authz::{AuthMethod, Principal};

use crate::state::AppState;

/// The principal a trusted proxy names, if this request came from one and names anyone.
pub fn principal(state: &AppState, request: &Request) -> Option<Principal> {
    if state.trusted_proxies.is_empty() {
        return None;
    }
    let headers = request.headers();
    let user = headers
        .get(state.config.trusted_user_header.as_str())?
        .to_str()
        .ok()?
        .trim();
    // Tests stand in for the socket with `MockConnectInfo`, as axum's extractor allows.
    let extensions = request.extensions();
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .or_else(|| {
            extensions
                .get::<MockConnectInfo<SocketAddr>>()
                .map(|MockConnectInfo(addr)| addr.ip())
        });
    if !peer.is_some_and(|ip| state.trusted_proxies.contains(&ip)) {
        tracing::warn!(
            ?peer,
            "user header from an address that is not a trusted proxy; ignored"
        );
        return None;
    }
    if user.is_empty() {
        return None;
    }
    let groups = headers
        .get(state.config.trusted_groups_header.as_str())
        .and_then(|v| v.to_str().ok())
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Some(Principal::external(
        user,
        groups,
        AuthMethod::TrustedHeader,
        &state.admins,
    ))
}

/// Header sign-ins have no sign-in moment; the first request of a user in this process
/// stands in for it (self-registration).
pub async fn first_sight(state: &AppState, principal: &Principal) {
    let first = state
        .header_users_seen
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(principal.user.clone());
    if first {
        super::registration::after_sign_in(state, principal).await;
    }
}
