//! A pipeline's recurring runs (schedule, next start, enable or disable, delete) and the form
//! that schedules one of the version shown: a cron expression or an interval, at most so many
//! runs at once, catching up on missed starts or not, with the parameters its runs get.

use api::{ExperimentView, ParameterView, RecurringRunView};
use leptos::prelude::*;

use crate::components::{ActionButton, ActionError};
use crate::pages::profiles::utc;
use crate::pages::run_form::{experiment_options, parameter_inputs};
use crate::run_start_fns::{CreateRecurringRun, RecurringAction};

#[component]
pub fn Schedules(
    profile: String,
    pipeline: String,
    version: String,
    parameters: Vec<ParameterView>,
    experiments: Vec<ExperimentView>,
    recurring: Vec<RecurringRunView>,
    schedule: ServerAction<CreateRecurringRun>,
    act: ServerAction<RecurringAction>,
) -> impl IntoView {
    let none = recurring.is_empty();
    let rows = recurring
        .into_iter()
        .map(|r| recurring_row(&profile, r, act))
        .collect_view();
    view! {
        <section aria-labelledby="schedule-title" class="panel">
            <h2 id="schedule-title">"Recurring runs"</h2>
            {none.then(|| view! { <p class="empty-note">"This pipeline runs on no schedule yet."</p> })}
            <table class="data" data-testid="recurring-runs" hidden=none>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Version"</th>
                        <th scope="col">"Schedule"</th>
                        <th scope="col">"Next start (UTC)"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <ActionError action=act/>
            <details class="schedule">
                <summary>"Schedule this version"</summary>
                <ActionForm action=schedule>
                    <input type="hidden" name="profile" value=profile/>
                    <input type="hidden" name="form[pipeline]" value=pipeline/>
                    <input type="hidden" name="form[version]" value=version/>
                    <div class="form-grid">
                        {parameter_inputs("rr-param", &parameters)}
                        <label for="rr-name">"Name"</label>
                        <input id="rr-name" name="form[name]" required maxlength="63"
                            pattern="[a-z0-9]([a-z0-9\\-]*[a-z0-9])?"/>
                        <span></span>
                        <label for="rr-trigger">"Every"</label>
                        <select id="rr-trigger" name="form[trigger]">
                            <option value="interval">"interval in seconds"</option>
                            <option value="cron">"cron expression (UTC)"</option>
                        </select>
                        <span></span>
                        <label for="rr-every">"Interval or cron"</label>
                        <input id="rr-every" name="form[every]" required aria-describedby="rr-every-help"/>
                        <small id="rr-every-help">"3600, or 0 0 * * * * (with seconds) / 0 * * * *"</small>
                        <label for="rr-concurrency">"Max concurrency"</label>
                        <input id="rr-concurrency" type="number" min="1" step="1" name="form[max_concurrency]" value="1"/>
                        <span></span>
                        <label for="rr-catch-up">"Catch up"</label>
                        <input id="rr-catch-up" type="checkbox" name="form[catch_up]" value="true"
                            aria-describedby="rr-catch-up-help"/>
                        <small id="rr-catch-up-help">"Start the runs missed while Capstan was down or the schedule off."</small>
                        <label for="rr-experiment">"Experiment"</label>
                        <select id="rr-experiment" name="form[experiment]">{experiment_options(&experiments)}</select>
                        <span></span>
                    </div>
                    <button type="submit" class="button secondary">"Schedule"</button>
                </ActionForm>
            </details>
            <ActionError action=schedule/>
        </section>
    }
}

fn recurring_row(
    profile: &str,
    r: RecurringRunView,
    act: ServerAction<RecurringAction>,
) -> impl IntoView + use<> {
    let (verb, label) = if r.enabled {
        ("disable", "Disable")
    } else {
        ("enable", "Enable")
    };
    let fields = |verb: &str| {
        vec![
            ("profile", profile.to_owned()),
            ("name", r.spec.name.clone()),
            ("action", verb.to_owned()),
        ]
    };
    view! {
        <tr data-recurring=r.spec.name.clone()>
            <td>{r.spec.name.clone()}</td>
            <td>{r.spec.version.clone().unwrap_or_default()}</td>
            <td>{format!("{}{}", r.schedule, if r.enabled { "" } else { " (disabled)" })}</td>
            <td>{r.next_fire_ms.filter(|_| r.enabled).map(utc).unwrap_or_else(|| "—".to_owned())}</td>
            <td class="row-actions">
                <ActionButton action=act fields=fields(verb) label=format!("{label} {}", r.spec.name)/>
                <details class="confirm">
                    <summary>"Delete"<span class="visually-hidden">{format!(" {}", r.spec.name)}</span></summary>
                    <ActionButton action=act fields=fields("delete") label=format!("Delete {}", r.spec.name) class="button danger"/>
                </details>
            </td>
        </tr>
    }
}
