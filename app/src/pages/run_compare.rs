//! Runs side by side (`/runs/compare?ns={profile}&ids=1,2,3`): one column per run, one row per
//! parameter and per `node/metric`; the rows where the runs differ are marked.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::compare_rows::{CompareRow, compare_rows};
use crate::components::error_text;
use crate::layout::selected_profile;
use crate::nav::href_with_profile;
use crate::pages::run_parts::{StateBadge, run_href};
use crate::run_fns::{ComparedRun, compare_runs};

#[component]
pub fn RunComparePage() -> impl IntoView {
    let query = use_query_map();
    let ids = Memo::new(move |_| query.read().get("ids").unwrap_or_default());
    let profile = selected_profile();
    let runs = Resource::new(
        move || (profile.get(), ids.get()),
        |(profile, ids)| async move {
            match profile {
                Some(p) => compare_runs(p.clone(), ids)
                    .await
                    .map(|runs| Some((p, runs))),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="Compare runs"/>
        <p><a href=move || href_with_profile("/runs", profile.get().as_deref())>"← Runs"</a></p>
        <h1>"Compare runs"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match runs.await {
                    Ok(Some((profile, runs))) => view! { <Comparison profile runs/> }.into_any(),
                    Ok(None) => view! { <p>"Choose the runs' profile at the top."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Comparison(profile: String, runs: Vec<ComparedRun>) -> impl IntoView {
    let (parameters, metrics) = compare_rows(&runs);
    let heads = runs
        .iter()
        .map(|r| {
            view! {
                <th scope="col">
                    <a href=run_href(&profile, r.run.id)>{r.run.name.clone()}</a>
                    <br/>
                    <StateBadge state=r.run.state.as_str()/>
                    <br/>
                    <small>{format!("{} {}", r.run.pipeline, r.run.version)}</small>
                </th>
            }
        })
        .collect_view();
    let columns = runs.len();
    view! {
        <table class="data compare" data-testid="compare">
            <caption>"Rows where the runs differ are marked ≠."</caption>
            <thead><tr><th scope="col">"Run"</th>{heads}</tr></thead>
            <tbody>
                {section("Parameters", parameters, columns)}
                {section("Metrics", metrics, columns)}
            </tbody>
        </table>
    }
}

fn section(title: &'static str, rows: Vec<CompareRow>, columns: usize) -> impl IntoView + use<> {
    let empty = rows.is_empty().then(|| {
        view! { <tr><td colspan=(columns + 1).to_string() class="empty-note">"None."</td></tr> }
    });
    view! {
        <tr class="compare-section"><th scope="colgroup" colspan=(columns + 1).to_string()>{title}</th></tr>
        {empty}
        {rows.into_iter().map(|row| {
            let mark = if row.differs { " ≠" } else { "" };
            view! {
                <tr class:differs=row.differs data-row=row.label.clone() data-differs=row.differs.to_string()>
                    <th scope="row"><code>{row.label.clone()}</code>{mark}</th>
                    {row.values.into_iter().map(|v| view! { <td>{v.unwrap_or_else(|| "—".to_owned())}</td> }).collect_view()}
                </tr>
            }
        }).collect_view()}
    }
}
