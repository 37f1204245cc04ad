//! One replica of a revision as a workload: kind `server`, one process listening on the port
//! `http`. MLServer gets the model through its `MLSERVER_MODEL_*` variables (as KServe's
//! MLServer runtime does), its ports through `$(CAPSTAN_PORT_…)`, and runs in one process
//! (`parallel_workers` 0: MLServer 1.7's worker pool never loads a model under uvloop 0.23).

use api::{PortSpec, ReplicaGroup, VolumeSource, VolumeSpec, WorkloadKind, WorkloadSpec};
use rand::distributions::{Alphanumeric, DistString};

use super::spec::{RevisionSpec, Runtime, Storage};

/// The group (and so the log) of a replica's one process.
pub const GROUP: &str = api::REPLICA_GROUP;
/// The port the router sends requests to.
pub const PORT_NAME: &str = "http";
/// KServe's containers listen here in cluster mode.
const CONTAINER_PORT: u16 = 8080;
/// Where a replica finds its model in cluster mode, KServe's path.
pub const MODEL_MOUNT: &str = "/mnt/models";
const MODEL_VOLUME: &str = "model";

/// Capstan's MLServer runtime for ONNX (`capstan_onnx.OnnxModel`), written beside the data at
/// start and put on the replicas' PYTHONPATH.
const ONNX_RUNTIME: &str = include_str!("../../runtimes/capstan_onnx.py");

/// Writes Capstan's own MLServer runtimes into `dir`; answers the folder for PYTHONPATH.
pub fn install_python_runtimes(dir: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("capstan_onnx.py"), ONNX_RUNTIME)?;
    Ok(dir.to_owned())
}

/// Where the MLServer program is (`mlserver` on PATH by default), and the folder with
/// Capstan's own MLServer runtimes (ONNX), put on PYTHONPATH.
#[derive(Debug, Clone)]
pub struct RuntimePaths {
    pub mlserver: String,
    pub python_runtimes: Option<std::path::PathBuf>,
}

/// A new replica's workload name: `<service>-<revision>-<5 random>`, as a Pod's.
pub fn workload_name(service: &str, revision: u32) -> String {
    let suffix = Alphanumeric
        .sample_string(&mut rand::thread_rng(), 5)
        .to_ascii_lowercase();
    format!("{service}-{revision}-{suffix}")
}

pub fn workload_spec(
    service: &str,
    revision: &RevisionSpec,
    paths: &RuntimePaths,
    name: String,
) -> WorkloadSpec {
    let mut ports = vec![port(PORT_NAME, CONTAINER_PORT)];
    let (command, env, image) = match &revision.runtime {
        Runtime::MlServer {
            implementation,
            env: user_env,
        } => {
            ports.push(port("grpc", 9000));
            ports.push(port("metrics", 8082));
            let model_uri = match &revision.storage {
                Some(Storage::Local(path)) => path.display().to_string(),
                _ => MODEL_MOUNT.to_owned(),
            };
            let mut env = user_env.clone();
            let mut set = |k: &str, v: &str| env.insert(k.to_owned(), v.to_owned());
            set("MLSERVER_HTTP_PORT", "$(CAPSTAN_PORT_HTTP)");
            set("MLSERVER_GRPC_PORT", "$(CAPSTAN_PORT_GRPC)");
            set("MLSERVER_METRICS_PORT", "$(CAPSTAN_PORT_METRICS)");
            set("MLSERVER_PARALLEL_WORKERS", "0");
            set("MLSERVER_MODEL_NAME", service);
            set("MLSERVER_MODEL_IMPLEMENTATION", implementation);
            set("MLSERVER_MODEL_URI", &model_uri);
            set("PYTHONUNBUFFERED", "1");
            if let Some(dir) = &paths.python_runtimes {
                set("PYTHONPATH", &dir.display().to_string());
            }
            (
                vec![paths.mlserver.clone(), "start".to_owned(), ".".to_owned()],
                env,
                Some("docker.io/seldonio/mlserver:1.7.1".to_owned()),
            )
        }
        Runtime::Container { argv, env, image } => (argv.clone(), env.clone(), image.clone()),
    };
    WorkloadSpec {
        name,
        kind: WorkloadKind::Server,
        priority_class: None,
        groups: vec![ReplicaGroup {
            name: GROUP.to_owned(),
            replicas: 1,
            command,
            image,
            args: vec![],
            env,
            ports,
            volumes: revision
                .storage
                .as_ref()
                .and_then(model_volume)
                .into_iter()
                .collect(),
            working_dir: None,
            resources: revision.resources.clone(),
        }],
        gang: false,
        requeue_on_failure: false,
        leader: None,
    }
}

/// In cluster mode, the volume with the model at [`MODEL_MOUNT`]: the claim's sub-path
/// mounted read-only, or an S3 copy made by the storage initializer (both as KServe does).
fn model_volume(storage: &Storage) -> Option<VolumeSpec> {
    let source = match storage {
        Storage::Local(_) => return None,
        Storage::Pvc { claim, path } => VolumeSource::Claim {
            claim: claim.clone(),
            sub_path: path.clone(),
            read_only: true,
        },
        Storage::S3 { .. } => VolumeSource::Download { uri: storage.uri() },
    };
    Some(VolumeSpec {
        name: MODEL_VOLUME.to_owned(),
        mount_path: MODEL_MOUNT.to_owned(),
        size_mib: None,
        source,
    })
}

fn port(name: &str, container_port: u16) -> PortSpec {
    PortSpec {
        name: name.to_owned(),
        container_port,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::serving::spec::{ModelFormat, Protocol, Scale, ScaleMetric};

    #[test]
    fn an_mlserver_replica_loads_its_model_from_the_environment() {
        let revision = RevisionSpec {
            format: ModelFormat::Sklearn,
            storage: Some(Storage::Local("/models/iris".into())),
            runtime: Runtime::MlServer {
                implementation: "mlserver_sklearn.SKLearnModel".into(),
                env: BTreeMap::from([("MLSERVER_DEBUG".to_owned(), "true".to_owned())]),
            },
            protocol: Protocol::V2,
            resources: api::Resources::default(),
            scale: Scale {
                min: 1,
                max: 1,
                metric: ScaleMetric::Concurrency,
                target: 1.0,
            },
            container_concurrency: 0,
            timeout_s: 60,
        };
        let paths = RuntimePaths {
            mlserver: "mlserver".into(),
            python_runtimes: None,
        };
        let name = workload_name("iris", 2);
        assert!(name.starts_with("iris-2-") && name.len() == "iris-2-".len() + 5);
        let w = workload_spec("iris", &revision, &paths, name);
        let g = &w.groups[0];
        assert_eq!(g.command, ["mlserver", "start", "."]);
        assert_eq!(g.env["MLSERVER_MODEL_URI"], "/models/iris");
        assert_eq!(g.env["MLSERVER_MODEL_NAME"], "iris");
        assert_eq!(g.env["MLSERVER_HTTP_PORT"], "$(CAPSTAN_PORT_HTTP)");
        assert_eq!(g.env["MLSERVER_DEBUG"], "true");
        assert_eq!(g.ports[0].name, "http");
        assert_eq!(w.kind, WorkloadKind::Server);
    }
}
