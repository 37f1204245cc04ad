//! Server functions of the Runs pages: one page of the run list (the server filters, sorts and
//! pages: a profile may hold 100,000 runs), a run with its tasks and graph, its actions, a
//! task's log, and runs side by side. The server's clock comes with what shows times.

use std::collections::BTreeMap;

use api::{RunDetail, RunListQuery, RunPage, RunView};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Runs to compare at once, at most.
pub const MAX_COMPARED: usize = 20;

#[server(prefix = "/fn", endpoint = "list_runs")]
pub async fn list_runs(
    profile: String,
    // Everything is optional: none of it posted is the first page of all runs.
    #[server(default)] query: RunListQuery,
) -> Result<(i64, RunPage), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let page = pipelines
        .list_runs(&principal, &profile, &query)
        .await
        .map_err(ssr::refused)?;
    Ok((backend::clock::now_ms(), page))
}

#[server(prefix = "/fn", endpoint = "run_page")]
pub async fn load_run(profile: String, id: i64) -> Result<(i64, RunDetail), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let detail = pipelines
        .run_detail(&principal, &profile, id)
        .await
        .map_err(ssr::refused)?;
    Ok((backend::clock::now_ms(), detail))
}

/// Cancel, retry, archive, restore or delete a run (`action`).
#[server(prefix = "/fn", endpoint = "run_action")]
pub async fn run_action(profile: String, id: i64, action: String) -> Result<(), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let done = match action.as_str() {
        "cancel" => pipelines
            .cancel_run(&principal, &profile, id)
            .await
            .map(drop),
        "retry" => pipelines
            .retry_run(&principal, &profile, id)
            .await
            .map(drop),
        "archive" | "restore" => pipelines
            .archive_run(&principal, &profile, id, action == "archive")
            .await
            .map(drop),
        "delete" => pipelines.delete_run(&principal, &profile, id).await,
        other => {
            return Err(ssr::bad_request(format!(
                "action: `{other}` is none of cancel, retry, archive, restore, delete"
            )));
        }
    };
    done.map_err(ssr::refused)
}

/// The last 200 lines of a task's log (its latest try).
#[server(prefix = "/fn", endpoint = "task_log")]
pub async fn task_log(
    profile: String,
    id: i64,
    node: String,
) -> Result<Vec<String>, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    pipelines
        .task_logs(&principal, &profile, id, &node, 200)
        .await
        .map_err(ssr::refused)
}

/// One run of a comparison: what it was given and what it measured (`node/metric`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparedRun {
    pub run: RunView,
    pub metrics: BTreeMap<String, f64>,
}

/// Runs side by side; `ids` is `1,2,3`.
#[server(prefix = "/fn", endpoint = "compare_runs")]
pub async fn compare_runs(profile: String, ids: String) -> Result<Vec<ComparedRun>, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (pipelines, principal) = ssr::pipelines_caller()?;
    let ids = run_ids(&ids).map_err(ssr::bad_request)?;
    let mut compared = Vec::with_capacity(ids.len());
    for id in ids {
        let detail = pipelines
            .run_detail(&principal, &profile, id)
            .await
            .map_err(ssr::refused)?;
        let metrics = detail
            .metrics
            .into_iter()
            .flat_map(|(node, named)| {
                named
                    .into_iter()
                    .map(move |(name, value)| (format!("{node}/{name}"), value))
            })
            .collect();
        compared.push(ComparedRun {
            run: detail.run,
            metrics,
        });
    }
    Ok(compared)
}

/// `1, 2,3` → [1, 2, 3], each once, at most [`MAX_COMPARED`].
pub fn run_ids(text: &str) -> Result<Vec<i64>, String> {
    let mut ids = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = part
            .parse::<i64>()
            .map_err(|_| format!("ids: `{part}` is not a run id"))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err("ids: choose the runs to compare".to_owned());
    }
    if ids.len() > MAX_COMPARED {
        return Err(format!("ids: at most {MAX_COMPARED} runs at once"));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ids_to_compare() {
        assert_eq!(run_ids("3, 1,3,,2").unwrap(), [3, 1, 2]);
        assert!(run_ids("").unwrap_err().contains("choose"));
        assert!(run_ids("1,x").unwrap_err().contains("`x`"));
        let many = (0..=MAX_COMPARED)
            .map(|i| i.to_string())
            .collect::<Vec<_>>();
        assert!(run_ids(&many.join(",")).unwrap_err().contains("at most"));
    }
}
