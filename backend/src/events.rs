//! A broadcast of state changes. The server streams them to browsers (SSE), filtered by
//! [`crate::authz::Principal::may_see`].

use api::Event;
use tokio::sync::broadcast;

/// How many events a slow subscriber may fall behind before it misses some. A browser that
/// lags this far reloads its data anyway.
const BACKLOG: usize = 256;

#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(BACKLOG);
        EventBus { sender }
    }
}

impl EventBus {
    /// Sends an event to every current subscriber; nobody listening is not an error.
    pub fn publish(&self, event: Event) {
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api::EventKind;

    #[tokio::test]
    async fn subscribers_receive_what_is_published_after_they_subscribe() {
        let bus = EventBus::default();
        bus.publish(Event {
            kind: EventKind::SignedOut,
            profile: None,
            user: Some("early".into()),
            at_ms: 1,
            data: serde_json::Value::Null,
        });
        let mut rx = bus.subscribe();
        bus.publish(Event {
            kind: EventKind::SignedIn,
            profile: None,
            user: Some("alice".into()),
            at_ms: 2,
            data: serde_json::Value::Null,
        });
        let got = rx.recv().await.expect("an event");
        assert_eq!(got.user.as_deref(), Some("alice"));
        assert_eq!(got.kind, EventKind::SignedIn);
    }
}
