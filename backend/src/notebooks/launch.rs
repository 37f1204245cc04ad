//! A notebook run as a workload: one replica named `notebook`, kind `notebook`, its port
//! `http`, started from the environment's command (standalone) or image (cluster).

use std::collections::BTreeMap;

use api::{
    NotebookSpec, PortSpec, ReplicaGroup, Resources, VolumeSource, VolumeSpec, WorkloadKind,
    WorkloadSpec,
};

use super::files::NotebookFiles;
use super::resolve::HOME;
use super::{Environment, SpawnerConfig};

/// The run's workload is named after the notebook with this prefix, so that it cannot clash
/// with a workload the user named like the notebook.
pub const WORKLOAD_PREFIX: &str = "nb-";

/// The group (and so the log) of a notebook's one replica.
pub const GROUP: &str = "notebook";

/// The port's name; the runtime passes it as `CAPSTAN_PORT_HTTP`.
pub const PORT_NAME: &str = "http";

/// Kubeflow's images listen here in cluster mode.
const CONTAINER_PORT: u16 = 8888;

pub fn workload_name(notebook: &str) -> String {
    format!("{WORKLOAD_PREFIX}{notebook}")
}

/// The notebook a workload runs, if it is a notebook's run.
pub fn notebook_of(workload: &str) -> Option<&str> {
    workload.strip_prefix(WORKLOAD_PREFIX)
}

/// The path the proxy serves a notebook under, which is also Jupyter's base URL.
pub fn base_url(profile: &str, name: &str) -> String {
    format!("/notebook/{profile}/{name}/")
}

/// The workload for one run of a resolved notebook.
pub fn workload_spec(
    config: &SpawnerConfig,
    files: &NotebookFiles,
    profile: &str,
    spec: &NotebookSpec,
) -> WorkloadSpec {
    let environment = spec
        .environment
        .as_deref()
        .and_then(|key| config.environment(key))
        .unwrap_or(&config.environments[0]);
    let picked: Vec<_> = spec
        .configurations
        .iter()
        .filter_map(|c| config.configuration(c))
        .collect();
    let base = base_url(profile, &spec.name);

    // Configurations first, the user's own variables over them, Capstan's over both.
    let mut env: BTreeMap<String, String> = picked
        .iter()
        .flat_map(|c| c.env.clone())
        .chain(spec.env.clone())
        .collect();
    let workspace = files.workspace(profile, &spec.name);
    let mut set = |k: &str, v: String| env.insert(k.to_owned(), v);
    set("NB_PREFIX", base.trim_end_matches('/').to_owned());
    set("HOME", workspace.display().to_string());
    set(
        "JUPYTER_TOKEN_FILE",
        files.token_file(profile, &spec.name).display().to_string(),
    );
    set(
        "JUPYTER_RUNTIME_DIR",
        files.runtime_dir(profile, &spec.name).display().to_string(),
    );
    set("PYTHONUNBUFFERED", "1".to_owned());

    let mut volumes = vec![VolumeSpec {
        name: format!("{}-workspace", spec.name),
        mount_path: HOME.to_owned(),
        size_mib: spec.workspace_size_mib,
        source: VolumeSource::Fresh,
    }];
    for volume in data_volumes(config, spec) {
        env.insert(
            format!(
                "CAPSTAN_VOLUME_{}",
                volume.name.to_uppercase().replace('-', "_")
            ),
            files
                .volume_dir(profile, &volume.name)
                .display()
                .to_string(),
        );
        volumes.push(VolumeSpec {
            name: volume.name.clone(),
            mount_path: volume.mount_path.clone(),
            size_mib: volume.size_mib,
            source: VolumeSource::Fresh,
        });
    }

    WorkloadSpec {
        name: workload_name(&spec.name),
        kind: WorkloadKind::Notebook,
        priority_class: None,
        groups: vec![ReplicaGroup {
            name: GROUP.to_owned(),
            replicas: 1,
            command: command(environment, &base),
            image: Some(environment.image.clone()),
            args: vec![],
            env,
            ports: vec![PortSpec {
                name: PORT_NAME.to_owned(),
                container_port: CONTAINER_PORT,
            }],
            volumes,
            working_dir: Some(workspace.display().to_string()),
            resources: Resources {
                cpu_milli: spec.cpu_milli.unwrap_or(0),
                memory_mib: spec.memory_mib.unwrap_or(0),
                gpus: spec.gpus.unwrap_or(0),
                gpu_milli: spec.gpu_milli.unwrap_or(0),
                gpu_models: spec.gpu_model.iter().cloned().collect(),
            },
        }],
        gang: false,
        requeue_on_failure: false,
        leader: None,
    }
}

/// The data volumes a run mounts: the spec's own, then those its configurations add.
pub fn data_volumes<'a>(
    config: &'a SpawnerConfig,
    spec: &'a NotebookSpec,
) -> impl Iterator<Item = &'a api::DataVolume> {
    spec.data_volumes.iter().chain(
        spec.configurations
            .iter()
            .filter_map(|c| config.configuration(c))
            .flat_map(|c| &c.volumes),
    )
}

/// The environment's command with `{port}` and `{base_url}` filled: the port as the runtime's
/// `$(CAPSTAN_PORT_HTTP)`, which it replaces once it has allocated one.
fn command(environment: &Environment, base_url: &str) -> Vec<String> {
    environment
        .command
        .iter()
        .map(|arg| {
            arg.replace("{port}", "$(CAPSTAN_PORT_HTTP)")
                .replace("{base_url}", base_url)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notebooks::{DEFAULT_SPAWNER_CONFIG, resolve::resolve};

    #[test]
    fn a_run_listens_on_its_port_under_its_base_url_in_its_workspace() {
        let config = SpawnerConfig::parse(DEFAULT_SPAWNER_CONFIG).expect("config");
        let files = NotebookFiles::new("/data");
        let spec = resolve(
            &config,
            &NotebookSpec {
                name: "nb1".into(),
                env: [("HF_HUB_OFFLINE".to_owned(), "0".to_owned())].into(),
                configurations: vec!["offline-hub".into()],
                gpus: Some(1),
                ..NotebookSpec::default()
            },
        )
        .expect("resolve");
        let w = workload_spec(&config, &files, "team", &spec);
        assert_eq!(w.name, "nb-nb1");
        let g = &w.groups[0];
        assert!(
            g.command
                .contains(&"--ServerApp.port=$(CAPSTAN_PORT_HTTP)".to_owned())
        );
        assert!(
            g.command
                .contains(&"--ServerApp.base_url=/notebook/team/nb1/".to_owned())
        );
        assert_eq!(
            g.working_dir.as_deref(),
            Some("/data/notebooks/team/nb1/workspace")
        );
        assert_eq!(g.env["NB_PREFIX"], "/notebook/team/nb1");
        assert_eq!(
            g.env["JUPYTER_TOKEN_FILE"],
            "/data/notebooks/team/nb1/token"
        );
        assert_eq!(g.env["HF_HUB_OFFLINE"], "0", "the user's variable wins");
        assert_eq!(
            g.env["TRANSFORMERS_OFFLINE"], "1",
            "the configuration's is added"
        );
        assert_eq!(g.resources.gpus, 1);
        assert_eq!(g.volumes[0].mount_path, "/home/jovyan");
        assert_eq!(notebook_of(&w.name), Some("nb1"));
    }
}
