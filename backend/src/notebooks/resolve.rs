//! From what a user submitted to the notebook that runs: every left-out field takes the
//! administrator's default, a locked field keeps it, and every field is checked and named when
//! wrong. What comes out has every `Option` filled (`gpu_model` stays `None` for "any").

use std::collections::BTreeSet;

use api::{DataVolume, NotebookSpec};

use super::{NotebookError, SpawnerConfig};
use crate::profiles::validate_dns_label;

/// Notebook names are at most this long, as Kubeflow's: the StatefulSet's pods carry the name
/// in a label with a hash suffix.
pub const MAX_NAME_LEN: usize = 52;

/// Where the workspace is mounted in cluster mode and what `HOME` is: Kubeflow's images use it.
pub const HOME: &str = "/home/jovyan";

/// Variables Capstan sets itself; a spec may not set them.
const RESERVED_ENV: &[&str] = &["HOME", "NB_PREFIX", "JUPYTER_TOKEN", "JUPYTER_TOKEN_FILE"];

pub fn resolve(config: &SpawnerConfig, spec: &NotebookSpec) -> Result<NotebookSpec, NotebookError> {
    let d = &config.defaults;
    let pick = Picker { config };
    let resolved = NotebookSpec {
        name: spec.name.clone(),
        environment: Some(pick.one(
            "environment",
            spec.environment.clone(),
            d.environment.clone(),
        )?),
        cpu_milli: Some(pick.one("cpu_milli", spec.cpu_milli, d.cpu_milli)?),
        cpu_limit_milli: Some(pick.one(
            "cpu_limit_milli",
            spec.cpu_limit_milli,
            d.cpu_limit_milli,
        )?),
        memory_mib: Some(pick.one("memory_mib", spec.memory_mib, d.memory_mib)?),
        memory_limit_mib: Some(pick.one(
            "memory_limit_mib",
            spec.memory_limit_mib,
            d.memory_limit_mib,
        )?),
        gpus: Some(pick.one("gpus", spec.gpus, d.gpus)?),
        gpu_milli: Some(pick.one("gpu_milli", spec.gpu_milli, d.gpu_milli)?),
        gpu_model: pick
            .one(
                "gpu_model",
                spec.gpu_model.clone().map(Some),
                d.gpu_model.clone(),
            )?
            .filter(|m| !m.is_empty()),
        workspace_size_mib: Some(pick.one(
            "workspace_size_mib",
            spec.workspace_size_mib,
            d.workspace_size_mib,
        )?),
        data_volumes: pick.many("data_volumes", &spec.data_volumes, &d.data_volumes)?,
        env: pick.many("env", &spec.env, &d.env)?,
        configurations: pick.many("configurations", &spec.configurations, &d.configurations)?,
    };
    check(config, &resolved)?;
    Ok(resolved)
}

struct Picker<'a> {
    config: &'a SpawnerConfig,
}

impl Picker<'_> {
    /// The submitted value, or the default when left out; a locked field accepts only its
    /// default.
    fn one<T: PartialEq + std::fmt::Debug>(
        &self,
        field: &str,
        given: Option<T>,
        default: T,
    ) -> Result<T, NotebookError> {
        match given {
            Some(value) if self.config.is_locked(field) && value != default => Err(
                NotebookError::Locked(field.to_owned(), format!("{default:?}")),
            ),
            Some(value) => Ok(value),
            None => Ok(default),
        }
    }

    /// As [`Picker::one`] for lists and maps, where empty means left out.
    fn many<T: PartialEq + Clone + std::fmt::Debug + IsEmpty>(
        &self,
        field: &str,
        given: &T,
        default: &T,
    ) -> Result<T, NotebookError> {
        let given = (!given.is_empty()).then(|| given.clone());
        self.one(field, given, default.clone())
    }
}

trait IsEmpty {
    fn is_empty(&self) -> bool;
}

impl<T> IsEmpty for Vec<T> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

impl<K, V> IsEmpty for std::collections::BTreeMap<K, V> {
    fn is_empty(&self) -> bool {
        std::collections::BTreeMap::is_empty(self)
    }
}

fn check(config: &SpawnerConfig, spec: &NotebookSpec) -> Result<(), NotebookError> {
    validate_dns_label(&spec.name).map_err(|e| NotebookError::invalid("name", e.to_string()))?;
    if spec.name.len() > MAX_NAME_LEN {
        return Err(NotebookError::invalid(
            "name",
            format!("`{}` is longer than {MAX_NAME_LEN} characters", spec.name),
        ));
    }
    let environment = spec.environment.as_deref().unwrap_or_default();
    if config.environment(environment).is_none() {
        let keys: Vec<&str> = config.environments.iter().map(|e| e.key.as_str()).collect();
        return Err(NotebookError::invalid(
            "environment",
            format!(
                "no environment `{environment}`; the environments are {}",
                keys.join(", ")
            ),
        ));
    }
    let (cpu, cpu_limit) = (
        spec.cpu_milli.unwrap_or(0),
        spec.cpu_limit_milli.unwrap_or(0),
    );
    if cpu == 0 {
        return Err(NotebookError::invalid("cpu_milli", "must be at least 1"));
    }
    if cpu_limit < cpu {
        return Err(NotebookError::invalid(
            "cpu_limit_milli",
            format!("{cpu_limit} is below the request, {cpu}"),
        ));
    }
    let (memory, memory_limit) = (
        spec.memory_mib.unwrap_or(0),
        spec.memory_limit_mib.unwrap_or(0),
    );
    if memory == 0 {
        return Err(NotebookError::invalid("memory_mib", "must be at least 1"));
    }
    if memory_limit < memory {
        return Err(NotebookError::invalid(
            "memory_limit_mib",
            format!("{memory_limit} is below the request, {memory}"),
        ));
    }
    let (gpus, gpu_milli) = (spec.gpus.unwrap_or(0), spec.gpu_milli.unwrap_or(0));
    if gpus > 0 && gpu_milli > 0 {
        return Err(NotebookError::invalid(
            "gpu_milli",
            "ask for whole GPUs or a share of one, not both",
        ));
    }
    if gpu_milli >= 1000 {
        return Err(NotebookError::invalid(
            "gpu_milli",
            "a share is 1 to 999 thousandths; ask for whole GPUs instead",
        ));
    }
    if spec.workspace_size_mib.unwrap_or(0) == 0 {
        return Err(NotebookError::invalid(
            "workspace_size_mib",
            "must be at least 1",
        ));
    }
    check_volumes(&spec.data_volumes)?;
    for name in spec.env.keys() {
        check_env_name(name)?;
    }
    for (i, name) in spec.configurations.iter().enumerate() {
        if config.configuration(name).is_none() {
            return Err(NotebookError::invalid(
                format!("configurations[{i}]"),
                format!("no configuration `{name}`"),
            ));
        }
    }
    Ok(())
}

fn check_volumes(volumes: &[DataVolume]) -> Result<(), NotebookError> {
    let mut names = BTreeSet::new();
    let mut paths = BTreeSet::new();
    for (i, volume) in volumes.iter().enumerate() {
        let at = |what: &str| format!("data_volumes[{i}].{what}");
        validate_dns_label(&volume.name)
            .map_err(|e| NotebookError::invalid(at("name"), e.to_string()))?;
        let path = volume.mount_path.trim_end_matches('/');
        if !path.starts_with('/') || path.split('/').any(|p| p == "..") {
            return Err(NotebookError::invalid(
                at("mount_path"),
                "must be an absolute path without `..`",
            ));
        }
        if path == HOME || HOME.starts_with(&format!("{path}/")) || path.is_empty() {
            return Err(NotebookError::invalid(
                at("mount_path"),
                format!("{HOME} is the workspace; mount data volumes below it or elsewhere"),
            ));
        }
        if !names.insert(&volume.name) {
            return Err(NotebookError::invalid(
                at("name"),
                format!("`{}` is mounted twice", volume.name),
            ));
        }
        if !paths.insert(path) {
            return Err(NotebookError::invalid(
                at("mount_path"),
                format!("two volumes are mounted at {path}"),
            ));
        }
    }
    Ok(())
}

fn check_env_name(name: &str) -> Result<(), NotebookError> {
    let field = || format!("env.{name}");
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(NotebookError::invalid(
            field(),
            "a variable name is letters, digits and `_`, not starting with a digit",
        ));
    }
    if RESERVED_ENV.contains(&name) || name.starts_with("CAPSTAN_") {
        return Err(NotebookError::invalid(
            field(),
            "Capstan sets this variable",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notebooks::DEFAULT_SPAWNER_CONFIG;

    fn config() -> SpawnerConfig {
        SpawnerConfig::parse(DEFAULT_SPAWNER_CONFIG).expect("config")
    }

    fn named(name: &str) -> NotebookSpec {
        NotebookSpec {
            name: name.to_owned(),
            ..NotebookSpec::default()
        }
    }

    #[test]
    fn fills_every_left_out_field_with_its_default() {
        let spec = resolve(&config(), &named("nb1")).expect("resolves");
        assert_eq!(spec.environment.as_deref(), Some("jupyterlab"));
        assert_eq!(spec.cpu_milli, Some(500));
        assert_eq!(spec.memory_limit_mib, Some(4096));
        assert_eq!(spec.gpus, Some(0));
        assert_eq!(spec.gpu_model, None);
    }

    #[test]
    fn a_locked_field_keeps_its_default() {
        let mut config = config();
        config.locked = vec!["cpu_milli".into(), "env".into()];
        let mut spec = named("nb1");
        spec.cpu_milli = Some(500);
        assert!(
            resolve(&config, &spec).is_ok(),
            "the default itself is fine"
        );
        spec.cpu_milli = Some(4000);
        let err = resolve(&config, &spec).expect_err("locked");
        assert!(err.to_string().starts_with("cpu_milli: "), "{err}");
        spec.cpu_milli = None;
        spec.env.insert("A".into(), "1".into());
        assert!(matches!(resolve(&config, &spec), Err(NotebookError::Locked(f, _)) if f == "env"));
    }

    #[test]
    fn names_the_field_that_is_wrong() {
        let cases: Vec<(NotebookSpec, &str)> = vec![
            (named("Bad_Name"), "name"),
            (named(&"a".repeat(53)), "name"),
            (
                NotebookSpec {
                    environment: Some("rstudio".into()),
                    ..named("nb")
                },
                "environment",
            ),
            (
                NotebookSpec {
                    cpu_milli: Some(3000),
                    ..named("nb")
                },
                "cpu_limit_milli",
            ),
            (
                NotebookSpec {
                    gpus: Some(1),
                    gpu_milli: Some(500),
                    ..named("nb")
                },
                "gpu_milli",
            ),
            (
                NotebookSpec {
                    data_volumes: vec![DataVolume {
                        name: "data".into(),
                        mount_path: "/home/jovyan".into(),
                        size_mib: None,
                    }],
                    ..named("nb")
                },
                "data_volumes[0].mount_path",
            ),
            (
                NotebookSpec {
                    env: [("NB_PREFIX".to_owned(), "/x".to_owned())].into(),
                    ..named("nb")
                },
                "env.NB_PREFIX",
            ),
            (
                NotebookSpec {
                    configurations: vec!["nope".into()],
                    ..named("nb")
                },
                "configurations[0]",
            ),
        ];
        for (spec, field) in cases {
            let err = resolve(&config(), &spec).expect_err(field);
            assert!(
                err.to_string().starts_with(&format!("{field}: ")),
                "{field}: {err}"
            );
        }
    }
}
