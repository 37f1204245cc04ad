//! A model deployment's spec: KServe's `serving.kserve.io/v1beta1` `InferenceService` read,
//! checked and turned into what the controller runs. Every refusal names the place in the
//! manifest.
//!
//! - `kserve`: the manifest's fields as KServe spells them;
//! - `storage`: where the model's files are, and whether this user may serve them;
//! - `runtime`: what serves a format (MLServer, or the predictor's own container).

pub mod kserve;
mod runtime;
mod storage;

pub use runtime::{ModelFormat, Protocol, Runtime};
pub use storage::Storage;

use std::path::PathBuf;

use api::Resources;
use serde::{Deserialize, Serialize};

use self::kserve::{InferenceService, Model, Predictor};
pub use crate::manifest::SpecError;
use crate::manifest::count;

pub const API_VERSION: &str = "serving.kserve.io/v1beta1";
pub const KIND: &str = "InferenceService";

/// Longest name: replicas' workloads are named `<name>-<revision>-<replica>`.
const MAX_NAME: usize = 40;
/// Replicas at most when the spec sets no maxReplicas (Knative's "no limit" would let one
/// model take a whole machine).
pub const DEFAULT_MAX_REPLICAS: u32 = 4;
/// Knative's defaults: 100 requests at once, or 200 a second, per replica.
const DEFAULT_CONCURRENCY_TARGET: f64 = 100.0;
const DEFAULT_RPS_TARGET: f64 = 200.0;
/// Seconds a request may take when the spec does not say (KServe's default).
const DEFAULT_TIMEOUT_S: u32 = 60;

/// What the autoscaler measures per replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleMetric {
    Concurrency,
    Rps,
}

impl ScaleMetric {
    pub fn as_str(self) -> &'static str {
        match self {
            ScaleMetric::Concurrency => "concurrency",
            ScaleMetric::Rps => "rps",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scale {
    /// 0: the revision scales to zero when idle.
    pub min: u32,
    pub max: u32,
    pub metric: ScaleMetric,
    /// Of the metric, per replica.
    pub target: f64,
}

/// Everything that makes a revision: a change to any of it is a new revision. (The canary
/// percent is not in it: changing it moves traffic between the revisions there are.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionSpec {
    pub format: ModelFormat,
    pub storage: Option<Storage>,
    pub runtime: Runtime,
    pub protocol: Protocol,
    pub resources: Resources,
    pub scale: Scale,
    /// Requests one replica takes at once; 0: no limit.
    pub container_concurrency: u32,
    pub timeout_s: u32,
}

/// A checked InferenceService.
#[derive(Debug, Clone)]
pub struct ServingSpec {
    pub name: String,
    pub revision: RevisionSpec,
    /// The share of traffic (0-100) the newest revision takes from the one before it; `None`:
    /// all of it, once ready.
    pub canary_percent: Option<u32>,
}

/// Where Capstan serves from: the model roots that standalone storage must lie under, and
/// whether it runs on Kubernetes.
#[derive(Debug, Clone, Default)]
pub struct StorageRules {
    pub roots: Vec<PathBuf>,
    pub cluster: bool,
}

/// Reads a manifest (YAML or JSON).
pub fn parse(text: &str, rules: &StorageRules) -> Result<ServingSpec, SpecError> {
    check(crate::manifest::read(text)?, rules)
}

/// Checks a manifest already read.
pub fn check(manifest: InferenceService, rules: &StorageRules) -> Result<ServingSpec, SpecError> {
    let name = manifest.metadata.name.clone();
    crate::manifest::Header {
        api_version: API_VERSION,
        kind: KIND,
        owner: "KServe",
        max_name: MAX_NAME,
        named_after: "replicas",
    }
    .check(&manifest.api_version, &manifest.kind, &name)?;
    let p = &manifest.spec.predictor;
    let (format, model_path, model) = model_of(p)?;
    let storage = match model.and_then(|m| m.storage_uri.as_deref()) {
        Some(uri) => Some(storage::read(
            uri,
            &format!("{model_path}.storageUri"),
            &rules.roots,
            rules.cluster,
        )?),
        None => None,
    };
    let (runtime, resources) = runtime::runtime_of(format, model, &model_path, p, rules.cluster)?;
    if runtime.needs_storage() && storage.is_none() {
        return Err(SpecError::at(
            format!("{model_path}.storageUri"),
            "missing: the runtime loads the model from it",
        ));
    }
    let protocol = runtime::protocol_of(model, &model_path, &runtime)?;
    let canary_percent = p
        .canary_traffic_percent
        .map(|v| {
            u32::try_from(v).ok().filter(|v| *v <= 100).ok_or_else(|| {
                SpecError::at(
                    "spec.predictor.canaryTrafficPercent",
                    format!("{v} is not a percent between 0 and 100"),
                )
            })
        })
        .transpose()?;
    Ok(ServingSpec {
        name,
        revision: RevisionSpec {
            format,
            storage,
            runtime,
            protocol,
            resources,
            scale: scale(p)?,
            container_concurrency: count(
                p.container_concurrency,
                "spec.predictor.containerConcurrency",
                0,
            )?
            .unwrap_or(0),
            timeout_s: match count(p.timeout, "spec.predictor.timeout", 0)? {
                None => DEFAULT_TIMEOUT_S,
                Some(0) => {
                    return Err(SpecError::at(
                        "spec.predictor.timeout",
                        "0 seconds: no request could finish",
                    ));
                }
                Some(t) => t,
            },
        },
        canary_percent,
    })
}

/// The model's format, where its fields are in the manifest, and the fields (`None` for a
/// custom predictor, which has containers instead).
fn model_of(p: &Predictor) -> Result<(ModelFormat, String, Option<&Model>), SpecError> {
    let base = "spec.predictor";
    let legacy = [
        ("sklearn", &p.sklearn),
        ("xgboost", &p.xgboost),
        ("lightgbm", &p.lightgbm),
        ("onnx", &p.onnx),
    ];
    let mut given: Vec<(String, &Model, Option<ModelFormat>)> = Vec::new();
    if let Some(model) = &p.model {
        let format = model
            .model_format
            .as_ref()
            .ok_or_else(|| SpecError::at(format!("{base}.model.modelFormat"), "missing"))?;
        let known = ModelFormat::named(&format.name).ok_or_else(|| {
            SpecError::at(
                format!("{base}.model.modelFormat.name"),
                format!(
                    "`{}` is not a format Capstan serves; it serves {}",
                    format.name,
                    ModelFormat::NAMES.join(", ")
                ),
            )
        })?;
        given.push((format!("{base}.model"), model, Some(known)));
    }
    for (key, model) in legacy {
        if let Some(model) = model {
            given.push((format!("{base}.{key}"), model, ModelFormat::named(key)));
        }
    }
    match (given.len(), p.containers.is_empty()) {
        (0, true) => Err(SpecError::at(
            base,
            "no model: give `model` (modelFormat and storageUri) or `containers`",
        )),
        (0, false) => Ok((ModelFormat::Custom, format!("{base}.containers[0]"), None)),
        (1, true) => {
            let (path, model, format) = given.remove(0);
            Ok((format.unwrap_or(ModelFormat::Custom), path, Some(model)))
        }
        _ => Err(SpecError::at(
            base,
            "give one of `model`, a framework field or `containers`, not several",
        )),
    }
}

fn scale(p: &Predictor) -> Result<Scale, SpecError> {
    let min = count(p.min_replicas, "spec.predictor.minReplicas", 0)?.unwrap_or(1);
    let max = match count(p.max_replicas, "spec.predictor.maxReplicas", 0)? {
        None | Some(0) => min.max(DEFAULT_MAX_REPLICAS),
        Some(max) if max < min => {
            return Err(SpecError::at(
                "spec.predictor.maxReplicas",
                format!("{max} is below minReplicas ({min})"),
            ));
        }
        Some(max) => max,
    };
    let metric = match p.scale_metric.as_deref() {
        None | Some("concurrency") => ScaleMetric::Concurrency,
        Some("rps") => ScaleMetric::Rps,
        Some(other @ ("cpu" | "memory")) => {
            return Err(SpecError::at(
                "spec.predictor.scaleMetric",
                format!("`{other}` needs Kubernetes' HPA; Capstan scales on concurrency or rps"),
            ));
        }
        Some(other) => {
            return Err(SpecError::at(
                "spec.predictor.scaleMetric",
                format!("`{other}` is not concurrency or rps"),
            ));
        }
    };
    let target = match p.scale_target {
        None => match (metric, p.container_concurrency) {
            // Knative: a hard limit per replica is also what the autoscaler aims at.
            (ScaleMetric::Concurrency, Some(cc)) if cc > 0 => cc as f64,
            (ScaleMetric::Concurrency, _) => DEFAULT_CONCURRENCY_TARGET,
            (ScaleMetric::Rps, _) => DEFAULT_RPS_TARGET,
        },
        Some(t) if t.is_finite() && t > 0.0 => t,
        Some(t) => {
            return Err(SpecError::at(
                "spec.predictor.scaleTarget",
                format!("{t} is not a positive number"),
            ));
        }
    };
    Ok(Scale {
        min,
        max,
        metric,
        target,
    })
}

#[cfg(test)]
mod tests;
