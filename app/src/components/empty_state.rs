use leptos::prelude::*;

/// What a page shows when it has nothing to list: the truth, never invented data.
#[component]
pub fn EmptyState(title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <section class="empty-state" aria-labelledby="empty-title">
            <h2 id="empty-title">{title}</h2>
            <p>{text}</p>
        </section>
    }
}
