//! A model's revisions, newest first: each one's role, its share of the traffic as a bar,
//! readiness, replicas and scaling, and what it serves; promote and roll back, each shown only
//! when it would change where the traffic goes.

use api::{RevisionRole, RevisionView};
use leptos::prelude::*;

use crate::components::ActionButton;
use crate::pages::profiles::utc;
use crate::serving_fns::ModelAction;

/// Which of (promote, roll back) apply. Promote: the newest revision shares the traffic with
/// an older one, or waits behind it. Roll back: an older one serves and the newest takes some
/// traffic (or will once ready).
pub fn rollout_actions(revisions: &[RevisionView]) -> (bool, bool) {
    let Some(newest) = revisions.iter().max_by_key(|r| r.number) else {
        return (false, false);
    };
    let older_serves = revisions.iter().any(|r| r.role == RevisionRole::Stable);
    (
        older_serves && newest.role == RevisionRole::Canary,
        older_serves && (newest.traffic_percent > 0 || !newest.ready),
    )
}

fn role_text(role: RevisionRole) -> &'static str {
    match role {
        RevisionRole::Stable => "stable",
        RevisionRole::Canary => "canary",
        RevisionRole::Latest => "latest",
        RevisionRole::Retired => "retired",
    }
}

#[component]
pub fn Revisions(
    profile: String,
    name: String,
    revisions: Vec<RevisionView>,
    act: ServerAction<ModelAction>,
) -> impl IntoView {
    let (promote, roll_back) = rollout_actions(&revisions);
    let fields = |verb: &str| {
        vec![
            ("profile", profile.clone()),
            ("name", name.clone()),
            ("action", verb.to_owned()),
        ]
    };
    view! {
        <table class="data" data-testid="revisions">
            <caption>"Revisions, newest first, and their share of the traffic"</caption>
            <thead>
                <tr>
                    <th scope="col">"Revision"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Traffic"</th>
                    <th scope="col">"Ready"</th>
                    <th scope="col">"Replicas ready"</th>
                    <th scope="col">"Scaling"</th>
                    <th scope="col">"Serves"</th>
                    <th scope="col">"Created (UTC)"</th>
                </tr>
            </thead>
            <tbody>{revisions.into_iter().map(revision_row).collect_view()}</tbody>
        </table>
        <div class="row-actions">
            {promote.then(|| view! {
                <ActionButton action=act fields=fields("promote") label="Promote the newest revision".to_owned() class="button"/>
            })}
            {roll_back.then(|| view! {
                <ActionButton action=act fields=fields("rollback") label="Roll back".to_owned()/>
            })}
        </div>
    }
}

fn revision_row(r: RevisionView) -> impl IntoView {
    let percent = r.traffic_percent.min(100);
    let scaling = format!(
        "{}–{} replicas, {} {} each",
        r.min_replicas, r.max_replicas, r.scale_target, r.scale_metric
    );
    let serves = match &r.storage_uri {
        Some(uri) => format!("{} ({}) from {uri}", r.model_format, r.runtime),
        None => format!("{} ({})", r.model_format, r.runtime),
    };
    view! {
        <tr data-revision=r.number.to_string() data-role=role_text(r.role) data-traffic=percent.to_string()>
            <th scope="row">{format!("r{}", r.number)}</th>
            <td>{role_text(r.role)}</td>
            <td class="traffic">
                // A bar drawn in SVG: the page's security policy allows no inline styles.
                <svg class="traffic-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                    <rect class="traffic-track" width="100" height="10"></rect>
                    <rect class="traffic-share" width=percent.to_string() height="10"></rect>
                </svg>
                {format!(" {percent}%")}
            </td>
            <td>
                {if r.ready { "yes" } else { "not yet" }}
                {r.failure.clone().map(|f| view! { <br/><span class="reason">{f}</span> })}
            </td>
            <td>{format!("{} of {}", r.replicas_ready, r.replicas_desired)}</td>
            <td>{scaling}</td>
            <td>{serves}</td>
            <td>{utc(r.created_at_ms)}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::model_parts::fixtures::revision;

    #[test]
    fn promote_and_roll_back_show_only_when_they_move_traffic() {
        use RevisionRole::*;
        // One revision taking everything: nothing to move.
        assert_eq!(
            rollout_actions(&[revision(1, Latest, 100, true)]),
            (false, false)
        );
        // A canary at 20%: either way.
        let canary = [revision(2, Canary, 20, true), revision(1, Stable, 80, true)];
        assert_eq!(rollout_actions(&canary), (true, true));
        // Rolled back (the newest at 0%): promote only.
        let back = [revision(2, Canary, 0, true), revision(1, Stable, 100, true)];
        assert_eq!(rollout_actions(&back), (true, false));
        // A new revision still starting behind the stable one: either way.
        let starting = [
            revision(2, Canary, 0, false),
            revision(1, Stable, 100, true),
        ];
        assert_eq!(rollout_actions(&starting), (true, true));
        // Promoted and rolled out: the old one is retired.
        let done = [
            revision(2, Latest, 100, true),
            revision(1, Retired, 0, true),
        ];
        assert_eq!(rollout_actions(&done), (false, false));
        // The first revision, not ready yet: nothing to promote over.
        assert_eq!(
            rollout_actions(&[revision(1, Canary, 100, false)]),
            (false, false)
        );
    }
}
