//! `/api/v1/tokens`: the caller's personal API tokens.

use api::{ApiToken, CreatedToken, NewToken};
use axum::Json;
use axum::extract::{Path, State};
use backend::clock::now_ms;
use backend::tokens;
use http::StatusCode;

use super::json_body::JsonBody;
use crate::auth::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<Json<Vec<ApiToken>>, AppError> {
    let rows = tokens::list(&state.store, &principal).await?;
    Ok(Json(rows.into_iter().map(ApiToken::from).collect()))
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    JsonBody(body): JsonBody<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), AppError> {
    let made = tokens::create(
        &state.store,
        &principal,
        &body.name,
        body.expires_in_days,
        now_ms(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: ApiToken::from(made.row),
            secret: made.token,
        }),
    ))
}

pub async fn revoke(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    tokens::revoke(&state.store, &principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
