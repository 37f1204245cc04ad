//! Server functions of the Notebooks pages. Thin: who is asking, the notebook service, the DTO;
//! the same rules and answers as `/api/v1/profiles/{p}/notebooks`. The spawner form posts
//! plain text fields (it works without JavaScript); [`form_spec`] reads them into a spec and
//! names the field that does not read.

use api::{NotebookDetail, NotebookOptions, NotebookSpec, NotebookView};
use leptos::prelude::*;

/// What the spawner form offers: environments, configurations, defaults, locked fields.
#[server(prefix = "/fn", endpoint = "notebook_options")]
pub async fn load_notebook_options() -> Result<NotebookOptions, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (notebooks, _) = ssr::notebooks_caller()?;
    Ok(notebooks.options())
}

/// The profile's notebooks, and the server's clock (ms) to tell their ages by: the browser's
/// clock may be off, and wasm has none to read without JavaScript.
#[server(prefix = "/fn", endpoint = "list_notebooks")]
pub async fn list_notebooks(profile: String) -> Result<(i64, Vec<NotebookView>), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (notebooks, principal) = ssr::notebooks_caller()?;
    let list = notebooks
        .list(&principal, &profile)
        .await
        .map_err(ssr::refused)?;
    Ok((backend::clock::now_ms(), list))
}

/// The detail page: the notebook, its run's events, its spec as YAML and its log's end.
#[server(prefix = "/fn", endpoint = "notebook_page")]
pub async fn notebook_page(
    profile: String,
    name: String,
) -> Result<(i64, NotebookDetail, Vec<String>), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (notebooks, principal) = ssr::notebooks_caller()?;
    let detail = notebooks
        .detail(&principal, &profile, &name)
        .await
        .map_err(ssr::refused)?;
    // No run yet, or its files are gone: no log to show, which is no error.
    let log = notebooks
        .logs(&principal, &profile, &name, 200)
        .await
        .unwrap_or_default();
    Ok((backend::clock::now_ms(), detail, log))
}

/// A pasted Kubeflow `Notebook` manifest, read into a spec that fills the form.
#[server(prefix = "/fn", endpoint = "import_notebook")]
pub async fn import_notebook(manifest: String) -> Result<NotebookSpec, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (notebooks, _) = ssr::notebooks_caller()?;
    notebooks.import(&manifest).map_err(ssr::refused)
}

/// The spawner form, as the browser posts it: every field text, blank meaning "the default".
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NotebookForm {
    pub name: String,
    #[serde(default)]
    pub environment: Option<String>,
    /// Cores, decimals allowed.
    #[serde(default)]
    pub cpu: Option<String>,
    #[serde(default)]
    pub cpu_limit: Option<String>,
    /// GiB, decimals allowed.
    #[serde(default)]
    pub memory_gib: Option<String>,
    #[serde(default)]
    pub memory_limit_gib: Option<String>,
    #[serde(default)]
    pub gpus: Option<String>,
    /// A share of one GPU, in thousandths; blank or 0 for none.
    #[serde(default)]
    pub gpu_milli: Option<String>,
    #[serde(default)]
    pub gpu_model: Option<String>,
    #[serde(default)]
    pub workspace_gib: Option<String>,
    /// One `NAME=value` per line.
    #[serde(default)]
    pub env: Option<String>,
    /// One `volume-name /mount/path` per line.
    #[serde(default)]
    pub data_volumes: Option<String>,
    /// Configuration names, separated by commas or spaces.
    #[serde(default)]
    pub configurations: Option<String>,
}

#[server(prefix = "/fn", endpoint = "create_notebook")]
pub async fn create_notebook(
    profile: String,
    form: NotebookForm,
) -> Result<NotebookView, ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (notebooks, principal) = ssr::notebooks_caller()?;
    let spec = form_spec(&form).map_err(ssr::bad_request)?;
    notebooks
        .create(&principal, &profile, &spec)
        .await
        .map_err(ssr::refused)
}

/// Start, stop or delete a notebook (`action`): one server function for the list's three
/// buttons, so that the page carries one form type instead of three.
#[server(prefix = "/fn", endpoint = "notebook_action")]
pub async fn notebook_action(
    profile: String,
    name: String,
    action: String,
) -> Result<(), ServerFnError> {
    use crate::tenancy_fns::ssr;
    let (notebooks, principal) = ssr::notebooks_caller()?;
    let done = match action.as_str() {
        "start" => notebooks.start(&principal, &profile, &name).await.map(drop),
        "stop" => notebooks.stop(&principal, &profile, &name).await.map(drop),
        "delete" => notebooks.delete(&principal, &profile, &name).await,
        other => {
            return Err(ssr::bad_request(format!(
                "action: `{other}` is none of start, stop, delete"
            )));
        }
    };
    done.map_err(ssr::refused)
}

/// Reads the form into a spec; blank fields stay `None` (the defaults fill them).
pub fn form_spec(form: &NotebookForm) -> Result<NotebookSpec, String> {
    fn text(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let thousandths = |field: &str, v: &Option<String>, unit: f64| -> Result<Option<u64>, String> {
        text(v)
            .map(|t| {
                t.parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .map(|n| (n * unit).round() as u64)
                    .ok_or_else(|| format!("{field}: `{t}` is not a number"))
            })
            .transpose()
    };
    let whole = |field: &str, v: &Option<String>| -> Result<Option<u32>, String> {
        text(v)
            .map(|t| {
                t.parse::<u32>()
                    .map_err(|_| format!("{field}: `{t}` is not a whole number"))
            })
            .transpose()
    };
    let mut env = std::collections::BTreeMap::new();
    for line in text(&form.env).unwrap_or_default().lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("environment variables: `{line}` is not NAME=value"))?;
        env.insert(k.trim().to_owned(), v.to_owned());
    }
    let mut data_volumes = Vec::new();
    for line in text(&form.data_volumes).unwrap_or_default().lines() {
        let mut parts = line.split_whitespace();
        let (Some(name), Some(mount_path), None) = (parts.next(), parts.next(), parts.next())
        else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(format!(
                "data volumes: `{}` is not `volume-name /mount/path`",
                line.trim()
            ));
        };
        data_volumes.push(api::DataVolume {
            name: name.to_owned(),
            mount_path: mount_path.to_owned(),
            size_mib: None,
        });
    }
    Ok(NotebookSpec {
        name: form.name.trim().to_owned(),
        environment: text(&form.environment).map(str::to_owned),
        cpu_milli: thousandths("CPU", &form.cpu, 1000.0)?,
        cpu_limit_milli: thousandths("CPU limit", &form.cpu_limit, 1000.0)?,
        memory_mib: thousandths("memory", &form.memory_gib, 1024.0)?,
        memory_limit_mib: thousandths("memory limit", &form.memory_limit_gib, 1024.0)?,
        gpus: whole("GPUs", &form.gpus)?,
        gpu_milli: whole("GPU share", &form.gpu_milli)?,
        gpu_model: text(&form.gpu_model).map(str::to_owned),
        workspace_size_mib: thousandths("workspace size", &form.workspace_gib, 1024.0)?,
        data_volumes,
        env,
        configurations: text(&form.configurations)
            .unwrap_or_default()
            .split([',', ' '])
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_form_and_names_what_does_not_read() {
        let form = NotebookForm {
            name: " nb1 ".into(),
            cpu: Some("1.5".into()),
            memory_gib: Some("2".into()),
            gpus: Some("".into()),
            env: Some("A=1\n\nB = x=y\n".into()),
            data_volumes: Some("datasets /home/jovyan/data\n".into()),
            configurations: Some("offline-hub, gpu-nodes".into()),
            ..NotebookForm::default()
        };
        let spec = form_spec(&form).expect("reads");
        assert_eq!(spec.name, "nb1");
        assert_eq!(spec.cpu_milli, Some(1500));
        assert_eq!(spec.memory_mib, Some(2048));
        assert_eq!(spec.gpus, None, "blank is the default");
        assert_eq!(spec.env["B"], " x=y");
        assert_eq!(spec.data_volumes[0].mount_path, "/home/jovyan/data");
        assert_eq!(spec.configurations, ["offline-hub", "gpu-nodes"]);

        let bad = NotebookForm {
            cpu: Some("lots".into()),
            ..form.clone()
        };
        assert!(form_spec(&bad).unwrap_err().starts_with("CPU:"));
        let bad = NotebookForm {
            env: Some("NOEQUALS".into()),
            ..form
        };
        assert!(form_spec(&bad).unwrap_err().contains("NAME=value"));
    }
}
