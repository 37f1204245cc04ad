use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::EmptyState;
use crate::nav::Section;

/// A section of the dashboard that has nothing to list yet.
#[component]
pub fn SectionPage(section: Section) -> impl IntoView {
    view! {
        <Title text=section.label/>
        <h1>{section.label}</h1>
        <EmptyState title=section.empty_title text=section.empty_text/>
    }
}
