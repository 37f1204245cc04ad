use api::{VersionInfo, WhoAmI};
use axum::Json;

use crate::auth::Authenticated;

/// `GET /api/v1/whoami`
pub async fn whoami(Authenticated(principal): Authenticated) -> Json<WhoAmI> {
    Json(principal.whoami())
}

/// `GET /api/v1/version`
pub async fn version(Authenticated(_): Authenticated) -> Json<VersionInfo> {
    Json(crate::version::info())
}
