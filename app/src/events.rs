//! Live updates: pages subscribe to the server's event stream (`GET /api/v1/events`, SSE)
//! through [`use_events`]. On the server, and before hydration, nothing is connected.

use api::Event;
use leptos::prelude::*;

/// The state of the page's connection to the event stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Not connected: server rendering, or the browser has not hydrated yet.
    Offline,
    Connecting,
    Live,
}

impl Connection {
    pub fn label(self) -> &'static str {
        match self {
            Connection::Offline => "offline",
            Connection::Connecting => "connecting",
            Connection::Live => "live",
        }
    }
}

/// What a subscribed page sees: the connection's state and the latest event.
#[derive(Clone, Copy)]
pub struct EventFeed {
    pub connection: ReadSignal<Connection>,
    pub latest: ReadSignal<Option<Event>>,
}

/// A counter that moves whenever the event stream says something of one of `kinds` changed in
/// the `profile` the page shows: resources keyed on it reload.
pub fn changes_in(
    profile: Memo<Option<String>>,
    kinds: &'static [api::EventKind],
) -> ReadSignal<u32> {
    changes_where(profile, kinds, |_| true)
}

/// [`changes_in`], for the events that `concerns` picks (those of one run, say).
pub fn changes_where(
    profile: Memo<Option<String>>,
    kinds: &'static [api::EventKind],
    concerns: impl Fn(&Event) -> bool + Send + Sync + 'static,
) -> ReadSignal<u32> {
    let feed = use_events();
    let (changed, set_changed) = signal(0u32);
    Effect::new(move || {
        if let Some(event) = feed.latest.get()
            && kinds.contains(&event.kind)
            && event.profile == profile.get_untracked()
            && concerns(&event)
        {
            set_changed.update(|v| *v = v.wrapping_add(1));
        }
    });
    changed
}

/// `changed`, moving at most once every `ms`: a burst of events (a run's tasks finishing one
/// after the other) reloads a page once, at the end of the burst's first `ms`.
pub fn throttled(changed: ReadSignal<u32>, ms: u64) -> ReadSignal<u32> {
    let (out, set_out) = signal(0u32);
    let (pending, set_pending) = signal(false);
    Effect::new(move |seen: Option<u32>| {
        let now = changed.get();
        if seen.is_some_and(|seen| seen != now) && !pending.get_untracked() {
            set_pending.set(true);
            set_timeout(
                move || {
                    set_pending.set(false);
                    set_out.update(|v| *v = v.wrapping_add(1));
                },
                std::time::Duration::from_millis(ms),
            );
        }
        now
    });
    out
}

/// Subscribes the calling component to the event stream until it is unmounted.
pub fn use_events() -> EventFeed {
    let (connection, set_connection) = signal(Connection::Offline);
    let (latest, set_latest) = signal(None::<Event>);
    #[cfg(feature = "hydrate")]
    browser::connect(set_connection, set_latest);
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_connection, set_latest);
    EventFeed { connection, latest }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::Connection;
    use api::Event;
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    pub fn connect(
        set_connection: WriteSignal<Connection>,
        set_latest: WriteSignal<Option<Event>>,
    ) {
        let Ok(source) = EventSource::new("/api/v1/events") else {
            return;
        };
        set_connection.set(Connection::Connecting);
        let on_open = Closure::<dyn FnMut()>::new(move || set_connection.set(Connection::Live));
        // The browser reconnects by itself after an error; show that it is trying.
        let on_error =
            Closure::<dyn FnMut()>::new(move || set_connection.set(Connection::Connecting));
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let Some(text) = message.data().as_string() else {
                return;
            };
            if let Ok(event) = serde_json::from_str::<Event>(&text) {
                set_latest.set(Some(event));
            }
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let held = SendWrapper::new((source, on_open, on_error, on_message));
        on_cleanup(move || {
            let (source, ..) = held.take();
            source.close();
        });
    }
}
