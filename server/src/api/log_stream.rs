//! A followed log as Server-Sent Events: one `data:` line per line, ending with the log or
//! when the server shuts down.

use std::convert::Infallible;

use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;

pub fn log_stream(
    lines: mpsc::Receiver<String>,
    mut shutdown: watch::Receiver<bool>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let stream = ReceiverStream::new(lines)
        .map(|line| Ok(SseEvent::default().data(line)))
        .take_until(async move {
            if shutdown.wait_for(|stopping| *stopping).await.is_err() {
                std::future::pending::<()>().await;
            }
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
