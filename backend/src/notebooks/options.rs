//! What the spawner form offers: the administrator's environments, configurations, defaults
//! and locks, and the GPU models the nodes have.

use std::collections::BTreeSet;

use api::{ConfigurationChoice, EnvironmentChoice, NotebookOptions, NotebookSpec};

use super::Notebooks;

impl Notebooks {
    /// A pasted Kubeflow `Notebook` manifest as a spec for the form (nothing is created).
    pub fn import(&self, manifest: &str) -> Result<NotebookSpec, super::NotebookError> {
        super::import_kubeflow_notebook(manifest, &self.config)
            .map_err(|e| super::NotebookError::Import(e.to_string()))
    }

    /// Any signed-in user may read them: they hold no profile's data.
    pub fn options(&self) -> NotebookOptions {
        let c = &self.config;
        let d = &c.defaults;
        let gpu_models: BTreeSet<String> = self
            .engine
            .nodes()
            .iter()
            .flat_map(|n| n.gpus.iter().map(|g| g.model.clone()))
            .collect();
        NotebookOptions {
            environments: c
                .environments
                .iter()
                .map(|e| EnvironmentChoice {
                    key: e.key.clone(),
                    display_name: e.display_name.clone(),
                    image: e.image.clone(),
                })
                .collect(),
            configurations: c
                .configurations
                .iter()
                .map(|c| ConfigurationChoice {
                    name: c.name.clone(),
                    description: c.description.clone(),
                })
                .collect(),
            defaults: NotebookSpec {
                name: String::new(),
                environment: Some(d.environment.clone()),
                cpu_milli: Some(d.cpu_milli),
                cpu_limit_milli: Some(d.cpu_limit_milli),
                memory_mib: Some(d.memory_mib),
                memory_limit_mib: Some(d.memory_limit_mib),
                gpus: Some(d.gpus),
                gpu_milli: Some(d.gpu_milli),
                gpu_model: d.gpu_model.clone(),
                workspace_size_mib: Some(d.workspace_size_mib),
                data_volumes: d.data_volumes.clone(),
                env: d.env.clone(),
                configurations: d.configurations.clone(),
            },
            locked: c.locked.clone(),
            gpu_models: gpu_models.into_iter().collect(),
        }
    }
}
