//! The Runs page: one page of the profile's runs, filtered (state, name, experiment, archived),
//! sorted by a header's click and paged, all by the server, so that 100,000 runs list as fast
//! as ten. Where the list is lives in the URL (`run_query`). Ticked runs can be compared. The
//! page reloads when the event stream says a run of the profile changed.

use api::{ExperimentView, RunPage, RunState, RunView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::components::{EmptyState, error_text};
use crate::events::{changes_in, throttled};
use crate::experiment_fns::list_experiments;
use crate::layout::selected_profile;
use crate::pages::run_parts::{
    RUN_CHANGES, SETTLE_MS, StateBadge, pipeline_href, run_href, took, when,
};
use crate::run_fns::{MAX_COMPARED, list_runs};
use crate::run_query::RunsQuery;

#[component]
pub fn RunsPage() -> impl IntoView {
    let profile = selected_profile();
    let url = use_query_map();
    let query = Memo::new(move |_| url.with(|m| RunsQuery::read(|k| m.get(k))));
    let changed = throttled(changes_in(profile, RUN_CHANGES), SETTLE_MS);
    let runs = Resource::new(
        move || (profile.get(), query.get(), changed.get()),
        |(profile, query, _)| async move {
            let Some(p) = profile else {
                return Ok(None);
            };
            let (now, page) = list_runs(p.clone(), query.list_query()).await?;
            Ok::<_, ServerFnError>(Some(Listed {
                profile: p,
                query,
                now,
                page,
            }))
        },
    );
    let experiments = Resource::new(
        move || profile.get(),
        |profile| async move {
            match profile {
                Some(p) => list_experiments(p).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let selected = RwSignal::new(Vec::<i64>::new());
    view! {
        <Title text="Runs"/>
        <h1>"Runs"</h1>
        {move || profile.get().map(|p| view! { <RunFilter profile=p query=query.get() experiments/> })}
        <CompareBar profile selected/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match runs.await {
                    Ok(None) => view! {
                        <EmptyState title="Choose a profile" text="Runs belong to a profile: choose one at the top to see its runs."/>
                    }.into_any(),
                    Ok(Some(listed)) => view! { <RunTable listed selected/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A page of runs with what it was asked for.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Listed {
    profile: String,
    query: RunsQuery,
    now: i64,
    page: RunPage,
}

/// The filter: a GET form, so the filter is in the URL (sorting and page size kept).
#[component]
fn RunFilter(
    profile: String,
    query: RunsQuery,
    experiments: Resource<Result<Vec<ExperimentView>, ServerFnError>>,
) -> impl IntoView {
    let chosen = query.experiment.clone();
    let state = query.state.clone();
    view! {
        <Form method="GET" action="/runs">
            <fieldset class="filter">
                <legend>"Filter"</legend>
                <input type="hidden" name="ns" value=profile/>
                <input type="hidden" name="sort" value=query.sort.clone()/>
                <input type="hidden" name="order" value=if query.ascending { "asc" } else { "desc" }/>
                <input type="hidden" name="limit" value=query.limit.to_string()/>
                <label for="runs-state">"State"</label>
                <select id="runs-state" name="state">
                    <option value="">"any"</option>
                    {RunState::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=state == s.as_str()>{s.as_str()}</option>
                    }).collect_view()}
                </select>
                <label for="runs-q">"Name contains"</label>
                <input id="runs-q" name="q" type="search" value=query.q.clone()/>
                <label for="runs-experiment">"Experiment"</label>
                <Transition fallback=|| view! { <span></span> }>
                    {move || {
                        let chosen = chosen.clone();
                        Suspend::new(async move {
                            let names: Vec<String> = experiments.await.unwrap_or_default()
                                .into_iter().map(|e| e.name).collect();
                            view! {
                                <select id="runs-experiment" name="experiment">
                                    <option value="">"any"</option>
                                    {names.into_iter().map(|n| {
                                        let here = n == chosen;
                                        view! { <option value=n.clone() selected=here>{n.clone()}</option> }
                                    }).collect_view()}
                                </select>
                            }
                        })
                    }}
                </Transition>
                <label>
                    <input type="checkbox" name="archived" value="1" checked=query.archived/>
                    " Archived runs"
                </label>
                <button type="submit" class="button secondary">"Filter"</button>
            </fieldset>
        </Form>
    }
}

/// The ticked runs: compare them (two or more).
#[component]
fn CompareBar(profile: Memo<Option<String>>, selected: RwSignal<Vec<i64>>) -> impl IntoView {
    let bar = move || {
        let ids = selected.get();
        if ids.len() < 2 {
            return view! {
                <p class="empty-note compare-bar">{format!("Tick two runs or more (up to {MAX_COMPARED}) to compare them.")}</p>
            }
            .into_any();
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        let href = format!(
            "/runs/compare?ns={}&ids={}",
            api::encode_query_value(&profile.get().unwrap_or_default()),
            list.join(",")
        );
        view! {
            <p class="compare-bar">
                <a class="button" href=href>{format!("Compare {} runs", ids.len())}</a>
                " "
                <button type="button" class="button secondary" on:click=move |_| selected.set(Vec::new())>"Clear"</button>
            </p>
        }
        .into_any()
    };
    view! { <div aria-live="polite">{bar}</div> }
}

#[component]
fn RunTable(listed: Listed, selected: RwSignal<Vec<i64>>) -> impl IntoView {
    let Listed {
        profile,
        query,
        now,
        page,
    } = listed;
    if page.runs.is_empty() {
        return view! {
            <EmptyState title="No runs" text="No run matches. Start one from a pipeline's page, or change the filter."/>
        }
        .into_any();
    }
    let header = |column: &'static str, label: &'static str| {
        let sorted = query.sort_column() == column;
        let aria = sorted.then_some(if query.ascending {
            "ascending"
        } else {
            "descending"
        });
        let arrow = match (sorted, query.ascending) {
            (false, _) => "",
            (true, true) => " ▲",
            (true, false) => " ▼",
        };
        let href = query.sorted_by(column).href(Some(&profile));
        view! { <th scope="col" aria-sort=aria><a href=href>{label}{arrow}</a></th> }
    };
    let first = query.offset + 1;
    let last = query.offset + page.runs.len() as u64;
    let previous = (query.offset > 0).then(|| {
        query
            .at(query.offset.saturating_sub(query.limit))
            .href(Some(&profile))
    });
    let next = (last < page.total).then(|| query.at(last).href(Some(&profile)));
    view! {
        <table class="data runs" data-testid="runs">
            <caption>{format!("Runs {first}–{last} of {}", page.total)}</caption>
            <thead>
                <tr>
                    <th scope="col"><span class="visually-hidden">"Compare"</span></th>
                    {header("name", "Name")}
                    {header("state", "State")}
                    <th scope="col">"Pipeline"</th>
                    <th scope="col">"Experiment"</th>
                    {header("created", "Created (UTC)")}
                    {header("finished", "Finished (UTC)")}
                    <th scope="col">"Duration"</th>
                </tr>
            </thead>
            <tbody>
                {page.runs.into_iter().map(|run| run_row(&profile, now, run, selected)).collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label="Pages of runs">
            {previous.map(|href| view! { <a class="button secondary" href=href rel="prev">"← Newer page"</a> })}
            <span>{format!(" {first}–{last} of {} ", page.total)}</span>
            {next.map(|href| view! { <a class="button secondary" href=href rel="next">"Next page →"</a> })}
        </nav>
    }
    .into_any()
}

fn run_row(
    profile: &str,
    now: i64,
    run: RunView,
    selected: RwSignal<Vec<i64>>,
) -> impl IntoView + use<> {
    let id = run.id;
    let ticked = move || selected.with(|s| s.contains(&id));
    let toggle = move |_| {
        selected.update(|s| match s.iter().position(|x| *x == id) {
            Some(at) => {
                s.remove(at);
            }
            None if s.len() < MAX_COMPARED => s.push(id),
            None => {}
        })
    };
    let pipeline = pipeline_href(profile, &run.pipeline, Some(&run.version));
    view! {
        <tr data-run=run.id.to_string() data-state=run.state.as_str()>
            <td><input type="checkbox" aria-label=format!("Compare {}", run.name) prop:checked=ticked on:change=toggle/></td>
            <td><a href=run_href(profile, run.id)>{run.name.clone()}</a></td>
            <td><StateBadge state=run.state.as_str()/></td>
            <td><a href=pipeline>{format!("{} {}", run.pipeline, run.version)}</a></td>
            <td>{run.experiment.clone().unwrap_or_default()}</td>
            <td>{when(Some(run.created_at_ms))}</td>
            <td>{when(run.finished_at_ms)}</td>
            <td>{took(run.started_at_ms, run.finished_at_ms, now)}</td>
        </tr>
    }
}
