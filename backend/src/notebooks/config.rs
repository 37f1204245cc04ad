//! The spawner's configuration, as an administrator writes it (TOML, like Kubeflow's
//! `spawner_ui_config.yaml`): the environments users pick from, the configurations they may add
//! (Kubeflow's PodDefaults), the defaults of every field and which fields are locked.

use std::collections::BTreeMap;

use api::DataVolume;
use serde::Deserialize;

/// The configuration Capstan ships with.
pub const DEFAULT_SPAWNER_CONFIG: &str = include_str!("default_spawner.toml");

/// The fields of [`api::NotebookSpec`] that a default fills and a lock can hold.
pub const LOCKABLE_FIELDS: [&str; 12] = [
    "environment",
    "cpu_milli",
    "cpu_limit_milli",
    "memory_mib",
    "memory_limit_mib",
    "gpus",
    "gpu_milli",
    "gpu_model",
    "workspace_size_mib",
    "data_volumes",
    "env",
    "configurations",
];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpawnerConfig {
    #[serde(default)]
    pub locked: Vec<String>,
    pub defaults: Defaults,
    pub environments: Vec<Environment>,
    #[serde(default)]
    pub configurations: Vec<Configuration>,
}

/// The value of every field a user leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub environment: String,
    pub cpu_milli: u64,
    pub cpu_limit_milli: u64,
    pub memory_mib: u64,
    pub memory_limit_mib: u64,
    #[serde(default)]
    pub gpus: u32,
    #[serde(default)]
    pub gpu_milli: u32,
    #[serde(default)]
    pub gpu_model: Option<String>,
    pub workspace_size_mib: u64,
    #[serde(default)]
    pub data_volumes: Vec<DataVolume>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub configurations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub key: String,
    pub display_name: String,
    /// The container image in cluster mode.
    pub image: String,
    /// argv in standalone mode; `{port}` and `{base_url}` are filled in at start.
    pub command: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub volumes: Vec<DataVolume>,
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
}

/// A Kubernetes toleration, as a configuration adds it to the notebook's pod.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Toleration {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub operator: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub effect: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("notebook spawner configuration: {0}")]
pub struct SpawnerConfigError(String);

impl SpawnerConfig {
    /// Parses and checks a configuration: every name it refers to exists, every command has a
    /// `{port}` to listen on.
    pub fn parse(text: &str) -> Result<Self, SpawnerConfigError> {
        let config: SpawnerConfig =
            toml::from_str(text).map_err(|e| SpawnerConfigError(e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    pub fn environment(&self, key: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.key == key)
    }

    pub fn configuration(&self, name: &str) -> Option<&Configuration> {
        self.configurations.iter().find(|c| c.name == name)
    }

    pub fn is_locked(&self, field: &str) -> bool {
        self.locked.iter().any(|f| f == field)
    }

    fn check(&self) -> Result<(), SpawnerConfigError> {
        let fail = |m: String| Err(SpawnerConfigError(m));
        if self.environments.is_empty() {
            return fail("`environments` is empty: users need at least one".into());
        }
        for (i, env) in self.environments.iter().enumerate() {
            if env.key.is_empty() || env.display_name.is_empty() {
                return fail(format!("environments[{i}] needs a key and a display_name"));
            }
            if !env.command.iter().any(|a| a.contains("{port}")) {
                return fail(format!(
                    "environments[{i}] (`{}`): the command must contain {{port}}, the port it listens on",
                    env.key
                ));
            }
            if self.environments[..i].iter().any(|e| e.key == env.key) {
                return fail(format!("environment `{}` is defined twice", env.key));
            }
        }
        for (i, c) in self.configurations.iter().enumerate() {
            if self.configurations[..i].iter().any(|o| o.name == c.name) {
                return fail(format!("configuration `{}` is defined twice", c.name));
            }
        }
        if self.environment(&self.defaults.environment).is_none() {
            return fail(format!(
                "defaults.environment: no environment `{}`",
                self.defaults.environment
            ));
        }
        for name in &self.defaults.configurations {
            if self.configuration(name).is_none() {
                return fail(format!(
                    "defaults.configurations: no configuration `{name}`"
                ));
            }
        }
        for field in &self.locked {
            if !LOCKABLE_FIELDS.contains(&field.as_str()) {
                return fail(format!(
                    "locked: `{field}` is not a notebook field; they are {}",
                    LOCKABLE_FIELDS.join(", ")
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_configuration_is_valid() {
        let config = SpawnerConfig::parse(DEFAULT_SPAWNER_CONFIG).expect("valid");
        assert_eq!(config.defaults.environment, "jupyterlab");
        assert!(config.configuration("gpu-nodes").is_some());
    }

    #[test]
    fn names_what_is_wrong() {
        let broken = DEFAULT_SPAWNER_CONFIG.replace("locked = []", "locked = [\"colour\"]");
        let err = SpawnerConfig::parse(&broken).expect_err("unknown field");
        assert!(err.to_string().contains("`colour`"), "{err}");

        let broken = DEFAULT_SPAWNER_CONFIG.replace("--ServerApp.port={port}", "--port=1");
        let err = SpawnerConfig::parse(&broken).expect_err("no port");
        assert!(err.to_string().contains("{port}"), "{err}");

        let broken =
            DEFAULT_SPAWNER_CONFIG.replace("environment = \"jupyterlab\"", "environment = \"r\"");
        let err = SpawnerConfig::parse(&broken).expect_err("no such default");
        assert!(err.to_string().contains("no environment `r`"), "{err}");
    }
}
