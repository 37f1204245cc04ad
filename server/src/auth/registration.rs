//! What happens once someone has proved who they are, whatever the method: with
//! self-registration on, a user without a profile gets one.

use backend::authz::Principal;
use backend::clock::now_ms;
use backend::profiles::personal::ensure_personal_profile;

use crate::state::AppState;

pub async fn after_sign_in(state: &AppState, principal: &Principal) {
    if !state.config.self_registration {
        return;
    }
    match ensure_personal_profile(&state.store, principal, now_ms()).await {
        Ok(Some(profile)) => {
            tracing::info!(user = %principal.user, %profile, "created a profile at first sign-in");
        }
        Ok(None) => {}
        // Signing in still works; the user asks an admin for a profile instead.
        Err(e) => tracing::warn!(user = %principal.user, error = %e, "self-registration failed"),
    }
}
