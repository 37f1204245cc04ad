//! A Kubeflow `Notebook` manifest (`kubeflow.org/v1` or `v1beta1`, YAML or JSON), pasted by a
//! user, as a Capstan [`NotebookSpec`]: the name, the environment whose image the container
//! runs, CPU and memory requests and limits, whole GPUs and their model, env and the data
//! volumes. What the manifest does not say stays `None`, for the defaults to fill; what Capstan
//! sets itself (`NB_PREFIX`, the token, the workspace's claim) is not taken over.

use std::collections::BTreeMap;

use api::{DataVolume, NotebookSpec};
use serde_yaml::Value;

use super::SpawnerConfig;
use crate::k8s::WORKSPACE_MOUNT;
use crate::k8s::resources::{QuantityError, parse_count, parse_cpu_milli, parse_memory_mib};

/// The Notebook versions Kubeflow serves.
pub const API_VERSIONS: [&str; 2] = ["kubeflow.org/v1", "kubeflow.org/v1beta1"];
/// The NVIDIA device plugin's resource, as Kubeflow's web app writes GPU limits.
const GPU_RESOURCE: &str = "nvidia.com/gpu";
/// GPU feature discovery's label of the GPU model.
const GPU_MODEL_LABEL: &str = "nvidia.com/gpu.product";

/// What is wrong with a manifest, and where (a path into it, such as
/// `spec.template.spec.containers[0].resources.limits.memory`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the manifest is not YAML or JSON: {0}")]
    NotYaml(String),
    #[error("the manifest is not a Kubernetes object (a mapping with apiVersion and kind)")]
    NotAnObject,
    #[error(
        "apiVersion: {found:?} is not a Kubeflow Notebook's; expected kubeflow.org/v1 or \
         kubeflow.org/v1beta1"
    )]
    ApiVersion { found: String },
    #[error("kind: {found:?} is not a Notebook")]
    Kind { found: String },
    #[error("{path}: missing")]
    Missing { path: String },
    #[error("{path}: expected {expected}")]
    WrongType {
        path: String,
        expected: &'static str,
    },
    #[error("spec.template.spec.containers: there is no container to take the notebook from")]
    NoContainers,
    #[error("{path}: {value:?} {problem}")]
    Quantity {
        path: String,
        value: String,
        problem: QuantityError,
    },
    #[error(
        "{path}: no environment runs the image `{image}`; the environments' images are {}",
        .available.join(", ")
    )]
    UnknownImage {
        path: String,
        image: String,
        available: Vec<String>,
    },
}

/// The spec of the notebook `manifest` describes, in terms of `config`'s environments.
pub fn import_kubeflow_notebook(
    manifest: &str,
    config: &SpawnerConfig,
) -> Result<NotebookSpec, ImportError> {
    let root: Value =
        serde_yaml::from_str(manifest).map_err(|e| ImportError::NotYaml(e.to_string()))?;
    if !root.is_mapping() {
        return Err(ImportError::NotAnObject);
    }
    let root = At {
        value: &root,
        path: String::new(),
    };
    let api_version = root.required("apiVersion")?.string()?;
    if !API_VERSIONS.contains(&api_version) {
        return Err(ImportError::ApiVersion {
            found: api_version.to_owned(),
        });
    }
    let kind = root.required("kind")?.string()?;
    if kind != "Notebook" {
        return Err(ImportError::Kind {
            found: kind.to_owned(),
        });
    }
    let name = root.required("metadata")?.required("name")?.string()?;

    let pod = root.descend(&["spec", "template", "spec"])?;
    let container = match &pod {
        Some(pod) => pod.list("containers")?.into_iter().next(),
        None => None,
    }
    .ok_or(ImportError::NoContainers)?;

    let image = container.required("image")?;
    let image_name = image.string()?;
    let environment = config
        .environments
        .iter()
        .find(|e| e.image == image_name)
        .ok_or_else(|| ImportError::UnknownImage {
            path: image.path.clone(),
            image: image_name.to_owned(),
            available: config
                .environments
                .iter()
                .map(|e| e.image.clone())
                .collect(),
        })?;

    let requests = container.descend(&["resources", "requests"])?;
    let limits = container.descend(&["resources", "limits"])?;
    let gpus = match quantity(&limits, GPU_RESOURCE, parse_count)? {
        Some(gpus) => Some(gpus),
        None => quantity(&requests, GPU_RESOURCE, parse_count)?,
    };

    let mut spec = NotebookSpec {
        name: name.to_owned(),
        environment: Some(environment.key.clone()),
        cpu_milli: quantity(&requests, "cpu", parse_cpu_milli)?,
        cpu_limit_milli: quantity(&limits, "cpu", parse_cpu_milli)?,
        memory_mib: quantity(&requests, "memory", parse_memory_mib)?,
        memory_limit_mib: quantity(&limits, "memory", parse_memory_mib)?,
        gpus: gpus.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        env: env(&container)?,
        ..NotebookSpec::default()
    };
    if let Some(pod) = &pod {
        spec.data_volumes = data_volumes(pod, &container)?;
        spec.gpu_model = gpu_model(pod)?;
    }
    Ok(spec)
}

/// `section[key]` as an amount, `None` when absent.
fn quantity(
    section: &Option<At>,
    key: &str,
    parse: fn(&str) -> Result<u64, QuantityError>,
) -> Result<Option<u64>, ImportError> {
    let Some(value) = section.as_ref().map(|s| s.key(key)).transpose()?.flatten() else {
        return Ok(None);
    };
    let text = value.scalar()?;
    parse(&text)
        .map(Some)
        .map_err(|problem| ImportError::Quantity {
            path: value.path,
            value: text,
            problem,
        })
}

/// The container's `name`/`value` pairs; those from a `valueFrom` (Secrets, fields) cannot be
/// carried over and are left out, and `NB_PREFIX` is Capstan's to set.
fn env(container: &At) -> Result<BTreeMap<String, String>, ImportError> {
    let mut env = BTreeMap::new();
    for var in container.list("env")? {
        let name = var.required("name")?.string()?;
        if var.key("valueFrom")?.is_some() || name == "NB_PREFIX" {
            continue;
        }
        let value = var.key("value")?.map(|v| v.scalar()).transpose()?;
        env.insert(name.to_owned(), value.unwrap_or_default());
    }
    Ok(env)
}

/// The container's mounts of claims, but the workspace's (the claim at the home, which Capstan
/// makes itself); other volumes (`emptyDir` such as `/dev/shm`, ConfigMaps) are left out.
fn data_volumes(pod: &At, container: &At) -> Result<Vec<DataVolume>, ImportError> {
    let mut claims = BTreeMap::new();
    for volume in pod.list("volumes")? {
        if let Some(claim) = volume.key("persistentVolumeClaim")? {
            let claim_name = claim.required("claimName")?.string()?;
            claims.insert(volume.required("name")?.string()?, claim_name);
        }
    }
    let mut volumes = Vec::new();
    for mount in container.list("volumeMounts")? {
        let mount_path = mount.required("mountPath")?.string()?;
        let Some(claim) = claims.get(mount.required("name")?.string()?) else {
            continue;
        };
        if mount_path.trim_end_matches('/') != WORKSPACE_MOUNT {
            volumes.push(DataVolume {
                name: (*claim).to_owned(),
                mount_path: mount_path.to_owned(),
                size_mib: None,
            });
        }
    }
    Ok(volumes)
}

/// The GPU model a `nodeSelector` or a single required node-affinity term asks for, when it asks
/// for exactly one.
fn gpu_model(pod: &At) -> Result<Option<String>, ImportError> {
    if let Some(model) = pod.descend(&["nodeSelector", GPU_MODEL_LABEL])? {
        return Ok(Some(model.scalar()?));
    }
    let Some(required) = pod.descend(&[
        "affinity",
        "nodeAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
    ])?
    else {
        return Ok(None);
    };
    let terms = required.list("nodeSelectorTerms")?;
    let [term] = terms.as_slice() else {
        return Ok(None);
    };
    for expression in term.list("matchExpressions")? {
        if expression.required("key")?.string()? != GPU_MODEL_LABEL
            || expression.required("operator")?.string()? != "In"
        {
            continue;
        }
        if let [model] = expression.list("values")?.as_slice() {
            return Ok(Some(model.scalar()?));
        }
    }
    Ok(None)
}

/// A place in the manifest and its path, for errors that say where.
struct At<'a> {
    value: &'a Value,
    path: String,
}

impl<'a> At<'a> {
    /// `key` of this mapping; `None` when absent or null.
    fn key(&self, key: &str) -> Result<Option<At<'a>>, ImportError> {
        let mapping = match self.value {
            Value::Mapping(mapping) => mapping,
            Value::Null => return Ok(None),
            _ => return Err(self.wrong("a mapping")),
        };
        Ok(mapping.get(key).filter(|v| !v.is_null()).map(|value| At {
            value,
            path: self.child_path(key),
        }))
    }

    /// `a.b`, or `a["nvidia.com/gpu"]` for a key that is itself dotted.
    fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else if key.contains(['.', '/']) {
            format!("{}[{key:?}]", self.path)
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn required(&self, key: &str) -> Result<At<'a>, ImportError> {
        self.key(key)?.ok_or_else(|| ImportError::Missing {
            path: self.child_path(key),
        })
    }

    /// `keys` one inside the other; `None` when one is absent.
    fn descend(&self, keys: &[&str]) -> Result<Option<At<'a>>, ImportError> {
        let mut at = At {
            value: self.value,
            path: self.path.clone(),
        };
        for key in keys {
            match at.key(key)? {
                Some(next) => at = next,
                None => return Ok(None),
            }
        }
        Ok(Some(at))
    }

    /// The items of the list at `key`; none when absent.
    fn list(&self, key: &str) -> Result<Vec<At<'a>>, ImportError> {
        let Some(list) = self.key(key)? else {
            return Ok(Vec::new());
        };
        let Value::Sequence(items) = list.value else {
            return Err(list.wrong("a list"));
        };
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, value)| At {
                value,
                path: format!("{}[{i}]", list.path),
            })
            .collect())
    }

    fn string(&self) -> Result<&'a str, ImportError> {
        self.value.as_str().ok_or_else(|| self.wrong("a string"))
    }

    /// A string, or a number or boolean as YAML wrote it (`cpu: 1.5`, `memory: 1073741824`).
    fn scalar(&self) -> Result<String, ImportError> {
        match self.value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(self.wrong("a string or a number")),
        }
    }

    fn wrong(&self, expected: &'static str) -> ImportError {
        ImportError::WrongType {
            path: self.path.clone(),
            expected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notebooks::DEFAULT_SPAWNER_CONFIG;

    fn config() -> SpawnerConfig {
        SpawnerConfig::parse(DEFAULT_SPAWNER_CONFIG).unwrap()
    }

    /// As Kubeflow 1.9's Jupyter web app creates it (`kubectl get notebook -o yaml`, less the
    /// status): one GPU of a model, a workspace, a data volume and the `/dev/shm` emptyDir.
    const JWA_MANIFEST: &str = r#"
apiVersion: kubeflow.org/v1
kind: Notebook
metadata:
  name: vision-lab
  namespace: kubeflow-user-example-com
  labels:
    app: vision-lab
    access-ml-pipeline: "true"
  annotations:
    notebooks.kubeflow.org/creator: user@example.com
    notebooks.kubeflow.org/server-type: jupyter
    notebooks.kubeflow.org/last-activity: "2025-03-04T10:11:12Z"
spec:
  template:
    spec:
      serviceAccountName: default-editor
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - key: nvidia.com/gpu.product
                    operator: In
                    values:
                      - NVIDIA-A100-SXM4-80GB
      tolerations: []
      containers:
        - name: vision-lab
          image: ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.10.0
          imagePullPolicy: IfNotPresent
          env:
            - name: HF_HOME
              value: /home/jovyan/.cache/huggingface
            - name: WANDB_API_KEY
              valueFrom:
                secretKeyRef:
                  name: wandb
                  key: api-key
            - name: NB_PREFIX
              value: /notebook/kubeflow-user-example-com/vision-lab
            - name: EMPTY
          resources:
            requests:
              cpu: "0.5"
              memory: 1Gi
            limits:
              cpu: "0.6"
              memory: 1.2Gi
              nvidia.com/gpu: "1"
          volumeMounts:
            - name: dshm
              mountPath: /dev/shm
            - name: vision-lab-workspace
              mountPath: /home/jovyan
            - name: team-datasets
              mountPath: /home/jovyan/datasets
      volumes:
        - name: dshm
          emptyDir:
            medium: Memory
        - name: vision-lab-workspace
          persistentVolumeClaim:
            claimName: vision-lab-workspace
        - name: team-datasets
          persistentVolumeClaim:
            claimName: datasets
"#;

    fn import(manifest: &str) -> Result<NotebookSpec, ImportError> {
        import_kubeflow_notebook(manifest, &config())
    }

    fn error(manifest: &str) -> String {
        import(manifest).unwrap_err().to_string()
    }

    #[test]
    fn a_manifest_of_kubeflows_web_app() {
        let spec = import(JWA_MANIFEST).unwrap();
        assert_eq!(
            spec,
            NotebookSpec {
                name: "vision-lab".into(),
                environment: Some("jupyterlab".into()),
                cpu_milli: Some(500),
                cpu_limit_milli: Some(600),
                memory_mib: Some(1024),
                memory_limit_mib: Some(1229),
                gpus: Some(1),
                gpu_milli: None,
                gpu_model: Some("NVIDIA-A100-SXM4-80GB".into()),
                workspace_size_mib: None,
                data_volumes: vec![DataVolume {
                    name: "datasets".into(),
                    mount_path: "/home/jovyan/datasets".into(),
                    size_mib: None,
                }],
                env: BTreeMap::from([
                    ("EMPTY".into(), String::new()),
                    ("HF_HOME".into(), "/home/jovyan/.cache/huggingface".into()),
                ]),
                configurations: vec![],
            }
        );
    }

    #[test]
    fn json_v1beta1_with_numbers_and_a_node_selector() {
        let manifest = r#"{
          "apiVersion": "kubeflow.org/v1beta1",
          "kind": "Notebook",
          "metadata": {"name": "small"},
          "spec": {"template": {"spec": {
            "nodeSelector": {"nvidia.com/gpu.product": "NVIDIA-L4"},
            "containers": [{
              "name": "small",
              "image": "ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.10.0",
              "resources": {
                "requests": {"cpu": 1, "memory": 1073741824},
                "limits": {"cpu": 1.5, "memory": "1G", "nvidia.com/gpu": 2}
              }
            }]
          }}}
        }"#;
        let spec = import(manifest).unwrap();
        assert_eq!(spec.cpu_milli, Some(1000));
        assert_eq!(spec.cpu_limit_milli, Some(1500));
        assert_eq!(spec.memory_mib, Some(1024));
        assert_eq!(spec.memory_limit_mib, Some(954), "1e9 bytes, rounded up");
        assert_eq!(spec.gpus, Some(2));
        assert_eq!(spec.gpu_model.as_deref(), Some("NVIDIA-L4"));
        assert!(spec.data_volumes.is_empty() && spec.env.is_empty());
    }

    #[test]
    fn what_it_does_not_say_is_left_to_the_defaults() {
        let manifest = "apiVersion: kubeflow.org/v1\nkind: Notebook\nmetadata: {name: bare}\n\
                        spec: {template: {spec: {containers: [{name: bare, image: \
                        ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.10.0}]}}}\n";
        let spec = import(manifest).unwrap();
        assert_eq!(
            spec,
            NotebookSpec {
                name: "bare".into(),
                environment: Some("jupyterlab".into()),
                ..NotebookSpec::default()
            }
        );
    }

    #[test]
    fn a_bad_quantity_is_named_with_its_place() {
        let manifest = JWA_MANIFEST.replace("memory: 1.2Gi", "memory: 12Qi");
        assert_eq!(
            error(&manifest),
            "spec.template.spec.containers[0].resources.limits.memory: \"12Qi\" is not a \
             Kubernetes quantity"
        );
        let manifest = JWA_MANIFEST.replace("nvidia.com/gpu: \"1\"", "nvidia.com/gpu: \"0.5\"");
        assert_eq!(
            error(&manifest),
            "spec.template.spec.containers[0].resources.limits[\"nvidia.com/gpu\"]: \"0.5\" is \
             not a whole number"
        );
        let manifest = JWA_MANIFEST.replace("cpu: \"0.5\"", "cpu: \"-1\"");
        assert_eq!(
            error(&manifest),
            "spec.template.spec.containers[0].resources.requests.cpu: \"-1\" is negative"
        );
    }

    #[test]
    fn an_unknown_image_names_it_and_the_images_there_are() {
        let manifest = JWA_MANIFEST.replace(
            "notebook-servers/jupyter-scipy:v1.10.0",
            "notebook-servers/jupyter-pytorch-cuda:v1.9.0",
        );
        assert_eq!(
            error(&manifest),
            "spec.template.spec.containers[0].image: no environment runs the image \
             `ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-pytorch-cuda:v1.9.0`; the \
             environments' images are \
             ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.10.0"
        );
    }

    #[test]
    fn other_objects_are_refused() {
        let profile = JWA_MANIFEST.replace("kind: Notebook", "kind: Profile");
        assert_eq!(error(&profile), "kind: \"Profile\" is not a Notebook");
        let statefulset =
            JWA_MANIFEST.replace("apiVersion: kubeflow.org/v1", "apiVersion: apps/v1");
        assert_eq!(
            error(&statefulset),
            "apiVersion: \"apps/v1\" is not a Kubeflow Notebook's; expected kubeflow.org/v1 or \
             kubeflow.org/v1beta1"
        );
        let no_version = JWA_MANIFEST.replace("apiVersion: kubeflow.org/v1\n", "");
        assert_eq!(error(&no_version), "apiVersion: missing");
        assert_eq!(
            import("just some text"),
            Err(ImportError::NotAnObject),
            "a YAML scalar"
        );
    }

    #[test]
    fn what_is_not_yaml_says_so() {
        let message = error("apiVersion: kubeflow.org/v1\nkind: [Notebook\n");
        assert!(
            message.starts_with("the manifest is not YAML or JSON: "),
            "{message}"
        );
        assert!(message.contains("line"), "serde_yaml says where: {message}");
        assert!(error("{\"apiVersion\": ").starts_with("the manifest is not YAML or JSON"));
    }

    #[test]
    fn no_container_no_notebook() {
        let empty = JWA_MANIFEST.replace("      containers:\n", "      containers: []\n      x:\n");
        assert_eq!(import(&empty), Err(ImportError::NoContainers));
        let no_spec = "apiVersion: kubeflow.org/v1\nkind: Notebook\nmetadata: {name: a}\n";
        assert_eq!(
            error(no_spec),
            "spec.template.spec.containers: there is no container to take the notebook from"
        );
    }

    #[test]
    fn wrong_shapes_and_missing_fields_are_named() {
        let manifest = "apiVersion: kubeflow.org/v1\nkind: Notebook\nmetadata: {name: a}\n\
                        spec: {template: {spec: {containers: nope}}}\n";
        assert_eq!(
            error(manifest),
            "spec.template.spec.containers: expected a list"
        );
        let manifest = "apiVersion: kubeflow.org/v1\nkind: Notebook\nmetadata: {}\n";
        assert_eq!(error(manifest), "metadata.name: missing");
        let manifest = JWA_MANIFEST.replace(
            "          image: ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.10.0\n",
            "",
        );
        assert_eq!(
            error(&manifest),
            "spec.template.spec.containers[0].image: missing"
        );
        let manifest =
            JWA_MANIFEST.replace("            - name: EMPTY\n", "            - value: x\n");
        assert_eq!(
            error(&manifest),
            "spec.template.spec.containers[0].env[3].name: missing"
        );
    }
}
