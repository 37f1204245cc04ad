//! How the Models pages write a model's figures: its page's address, its state badge, the
//! traffic split in a line, and the events after which they reload.

use api::{EventKind, ModelState, RevisionView};
use leptos::prelude::*;

/// A model changed: a revision became ready, traffic moved, replicas scaled.
pub const MODEL_CHANGES: &[EventKind] = &[EventKind::Model];

/// Where a model's page is.
pub fn model_href(profile: &str, name: &str) -> String {
    crate::nav::item_href("/models", profile, name)
}

/// The state as a class and test name: `scaled_to_zero`, as the API spells it.
pub fn state_key(state: ModelState) -> &'static str {
    match state {
        ModelState::Ready => "ready",
        ModelState::Starting => "starting",
        ModelState::ScaledToZero => "scaled_to_zero",
        ModelState::Failed => "failed",
    }
}

/// A model's state in its colour.
#[component]
pub fn ModelBadge(state: ModelState) -> impl IntoView {
    let key = state_key(state);
    view! { <span class=format!("state-badge st-{key}") data-state=key>{state.as_str()}</span> }
}

/// The revisions that take traffic, newest first: "r2 20% · r1 80%".
pub fn traffic_text(revisions: &[RevisionView]) -> String {
    let mut shares: Vec<&RevisionView> =
        revisions.iter().filter(|r| r.traffic_percent > 0).collect();
    shares.sort_by_key(|r| std::cmp::Reverse(r.number));
    let parts: Vec<String> = shares
        .iter()
        .map(|r| format!("r{} {}%", r.number, r.traffic_percent))
        .collect();
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(" · ")
    }
}

/// Revisions for the tests of the Models pages.
#[cfg(test)]
pub mod fixtures {
    use api::{RevisionRole, RevisionView};

    pub fn revision(number: u32, role: RevisionRole, traffic: u32, ready: bool) -> RevisionView {
        RevisionView {
            number,
            role,
            traffic_percent: traffic,
            ready,
            created_at_ms: 0,
            model_format: "custom".into(),
            runtime: "custom".into(),
            storage_uri: None,
            replicas_ready: 1,
            replicas_desired: 1,
            min_replicas: 1,
            max_replicas: 1,
            scale_metric: "concurrency".into(),
            scale_target: 100.0,
            failure: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::revision;
    use super::*;
    use api::RevisionRole;

    #[test]
    fn the_split_reads_newest_first_without_idle_revisions() {
        let revisions = [
            revision(1, RevisionRole::Stable, 80, true),
            revision(3, RevisionRole::Canary, 20, true),
            revision(2, RevisionRole::Retired, 0, true),
        ];
        assert_eq!(traffic_text(&revisions), "r3 20% · r1 80%");
        assert_eq!(traffic_text(&[]), "—");
        assert_eq!(model_href("team a", "iris"), "/models/iris?ns=team%20a");
    }
}
