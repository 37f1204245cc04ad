//! Reading a file the user picked (`<input type="file">`) as text, in the browser: the
//! spawner's "upload a manifest". Nothing leaves the browser until the user asks to import.

use leptos::prelude::*;

/// Reads the first file picked in the input that fired `event` and hands its text to `done`.
/// On the server (and before hydration) there is no file to read.
pub fn read_picked_file(event: leptos::ev::Event, done: WriteSignal<String>) {
    #[cfg(feature = "hydrate")]
    browser::read(event, done);
    #[cfg(not(feature = "hydrate"))]
    let _ = (event, done);
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::HtmlInputElement;

    pub fn read(event: leptos::ev::Event, done: WriteSignal<String>) {
        let Some(file) = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await
                && let Some(text) = text.as_string()
            {
                done.set(text);
            }
        });
    }
}
