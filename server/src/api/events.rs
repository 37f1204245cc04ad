use std::collections::HashSet;
use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use crate::auth::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

/// `GET /api/v1/events`: Server-Sent Events of the state changes this user may see. Each
/// event's data is an `api::Event` as JSON; a `lagged` event says some were missed (reload).
/// The stream ends when the server shuts down, so that shutdown is not held up by it. The
/// profiles whose events it carries are those the user belongs to when it connects (a browser
/// reconnects after a change of membership anyway: the page reloads).
pub async fn stream(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, AppError> {
    let member_of: HashSet<String> =
        backend::profiles::service::visible_profiles(&state.store, &principal)
            .await?
            .into_iter()
            .map(|(name, _)| name)
            .collect();
    let mut shutdown = state.shutdown.clone();
    let events = BroadcastStream::new(state.events.subscribe())
        .filter_map(move |received| {
            let out = match received {
                Ok(event) if principal.may_see(&event, &member_of) => {
                    SseEvent::default().json_data(&event).ok()
                }
                Ok(_) => None,
                Err(BroadcastStreamRecvError::Lagged(missed)) => {
                    Some(SseEvent::default().event("lagged").data(missed.to_string()))
                }
            };
            std::future::ready(out.map(Ok))
        })
        .take_until(async move {
            // A dropped sender means nobody will ever ask for shutdown: stream on.
            if shutdown.wait_for(|stopping| *stopping).await.is_err() {
                std::future::pending::<()>().await;
            }
        });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
