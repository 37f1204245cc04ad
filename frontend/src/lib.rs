//! Hydrates the server-rendered page in the browser.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes (app/src/shell.rs) need their split-out code before they hydrate.
    leptos::mount::hydrate_lazy(app::App);
}
