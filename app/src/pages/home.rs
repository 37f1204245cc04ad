use leptos::prelude::*;
use leptos_meta::Title;

use crate::events::use_events;
use crate::layout::selected_profile;
use crate::nav::{SECTIONS, href_with_profile};

#[component]
pub fn HomePage() -> impl IntoView {
    let profile = selected_profile();
    view! {
        <Title text="Home"/>
        <h1>"Home"</h1>
        <ul class="cards">
            {SECTIONS[1..]
                .iter()
                .map(|section| {
                    let path = section.path;
                    view! {
                        <li class="card">
                            <h2>
                                <a href=move || href_with_profile(path, profile.get().as_deref())>
                                    {section.label}
                                </a>
                            </h2>
                            <p class="card-status">{section.empty_title}</p>
                        </li>
                    }
                })
                .collect_view()}
            <LiveCard/>
        </ul>
    }
}

/// Shows that the page receives the server's live updates, and the latest one.
#[component]
fn LiveCard() -> impl IntoView {
    let feed = use_events();
    view! {
        <li class="card" aria-live="polite">
            <h2>"Live updates"</h2>
            <p class="card-status">
                "Connection: "
                <span data-testid="live-status">{move || feed.connection.get().label()}</span>
            </p>
            <p data-testid="latest-event">
                {move || match feed.latest.get() {
                    Some(event) => format!(
                        "Latest: {} {}",
                        event.kind.as_str().replace('_', " "),
                        event.user.unwrap_or_default(),
                    ),
                    None => "No changes since this page opened.".to_owned(),
                }}
            </p>
        </li>
    }
}
