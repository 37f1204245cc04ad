//! A log followed live in the browser: the lines a Server-Sent Events stream sends (one
//! `data:` per line, as `…/logs/follow` endpoints do), appended to a signal. The stream is
//! closed when the URL changes, when the view goes away, and when it ends (the task finished),
//! so that the browser does not keep reconnecting to a log that grows no more.

use leptos::prelude::*;

/// At most this many followed lines are kept (the oldest go first).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const KEEP: usize = 2000;

/// Follows `url` while it is `Some`; the lines received since it last changed.
pub fn follow_lines(url: Signal<Option<String>>) -> ReadSignal<Vec<String>> {
    let (lines, set_lines) = signal(Vec::<String>::new());
    #[cfg(feature = "hydrate")]
    browser::follow(url, set_lines);
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, set_lines);
    lines
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn push(lines: &mut Vec<String>, line: String) {
    lines.push(line);
    if lines.len() > KEEP {
        let extra = lines.len() - KEEP;
        lines.drain(..extra);
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    type Held = SendWrapper<(
        EventSource,
        Closure<dyn FnMut(MessageEvent)>,
        Closure<dyn FnMut()>,
    )>;

    pub fn follow(url: Signal<Option<String>>, set_lines: WriteSignal<Vec<String>>) {
        let current: StoredValue<Option<Held>> = StoredValue::new(None);
        let close = move || {
            if let Some(held) = current.try_update_value(Option::take).flatten() {
                held.take().0.close();
            }
        };
        Effect::new(move |_| {
            close();
            set_lines.set(Vec::new());
            let Some(url) = url.get() else {
                return;
            };
            let Ok(source) = EventSource::new(&url) else {
                return;
            };
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |m: MessageEvent| {
                if let Some(line) = m.data().as_string() {
                    set_lines.update(|lines| super::push(lines, line));
                }
            });
            let ended = source.clone();
            let on_error = Closure::<dyn FnMut()>::new(move || ended.close());
            source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            current.set_value(Some(SendWrapper::new((source, on_message, on_error))));
        });
        on_cleanup(close);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_newest_lines_are_kept() {
        let mut lines = Vec::new();
        for i in 0..super::KEEP + 5 {
            super::push(&mut lines, i.to_string());
        }
        assert_eq!(lines.len(), super::KEEP);
        assert_eq!(lines[0], "5");
    }
}
