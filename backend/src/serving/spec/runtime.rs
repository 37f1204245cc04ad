//! What serves a model: MLServer (from the virtualenv the harness installs) for the formats it
//! has a runtime for, or the predictor's own container. And which inference protocol it speaks.

use std::collections::BTreeMap;

use api::Resources;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::SpecError;
use super::kserve::{Model, Predictor};
use crate::manifest::container;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelFormat {
    Sklearn,
    Xgboost,
    Lightgbm,
    Onnx,
    /// The predictor's own server (`containers`).
    Custom,
}

impl ModelFormat {
    pub const NAMES: [&str; 5] = ["sklearn", "xgboost", "lightgbm", "onnx", "custom"];

    pub fn named(name: &str) -> Option<ModelFormat> {
        Some(match name.to_ascii_lowercase().as_str() {
            "sklearn" => ModelFormat::Sklearn,
            "xgboost" => ModelFormat::Xgboost,
            "lightgbm" => ModelFormat::Lightgbm,
            "onnx" => ModelFormat::Onnx,
            "custom" => ModelFormat::Custom,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// MLServer's model class for the format; ONNX's is Capstan's own (onnxruntime behind
    /// MLServer's protocol, `runtimes/capstan_onnx.py`).
    fn mlserver_implementation(self) -> Option<&'static str> {
        Some(match self {
            ModelFormat::Sklearn => "mlserver_sklearn.SKLearnModel",
            ModelFormat::Xgboost => "mlserver_xgboost.XGBoostModel",
            ModelFormat::Lightgbm => "mlserver_lightgbm.LightGBMModel",
            ModelFormat::Onnx => "capstan_onnx.OnnxModel",
            ModelFormat::Custom => return None,
        })
    }
}

/// KServe's name for the MLServer runtime, and the short one.
const MLSERVER_NAMES: [&str; 2] = ["kserve-mlserver", "mlserver"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    /// `mlserver start` with the model given by `MLSERVER_MODEL_*` variables.
    MlServer {
        implementation: String,
        /// The model's `env` and `args` (MLServer reads its settings from the environment).
        env: BTreeMap<String, String>,
    },
    /// The predictor's container: its command (standalone) or image (cluster), listening on
    /// `$PORT`.
    Container {
        argv: Vec<String>,
        env: BTreeMap<String, String>,
        image: Option<String>,
    },
}

impl Runtime {
    pub fn needs_storage(&self) -> bool {
        matches!(self, Runtime::MlServer { .. })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Runtime::MlServer { .. } => "mlserver",
            Runtime::Container { .. } => "custom",
        }
    }
}

/// The inference protocol the runtime speaks; the router takes both on its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    V1,
    V2,
}

/// The runtime and resources of the predictor, whose model (if any) is at `path`.
pub(super) fn runtime_of(
    format: ModelFormat,
    model: Option<&Model>,
    path: &str,
    p: &Predictor,
    cluster: bool,
) -> Result<(Runtime, Resources), SpecError> {
    let Some(model) = model else {
        let container = container::read(&p.containers[0], path)?;
        if p.containers.len() > 1 {
            return Err(SpecError::at(
                "spec.predictor.containers[1]",
                "one container serves; sidecars need a cluster",
            ));
        }
        if !cluster && container.argv.is_empty() {
            return Err(SpecError::at(
                format!("{path}.command"),
                "missing: standalone mode runs the container's command",
            ));
        }
        if cluster && container.image.is_none() {
            return Err(SpecError::at(format!("{path}.image"), "missing"));
        }
        return Ok((
            Runtime::Container {
                argv: container.argv,
                env: container.env,
                image: container.image,
            },
            container.resources,
        ));
    };
    let parts = container::read(
        &json!({"env": model.env, "args": model.args, "resources": model.resources}),
        path,
    )?;
    let implementation = format.mlserver_implementation();
    match (model.runtime.as_deref(), implementation) {
        (Some(name), _) if !MLSERVER_NAMES.contains(&name) => Err(SpecError::at(
            format!("{path}.runtime"),
            format!(
                "`{name}` is not a runtime Capstan has; it has {} (sklearn, xgboost, lightgbm, \
                 onnx), or give `containers` with your own server",
                MLSERVER_NAMES[0]
            ),
        )),
        (_, None) => Err(SpecError::at(
            format!("{path}.modelFormat.name"),
            "`custom` models are served by `spec.predictor.containers`, not `model`",
        )),
        (_, Some(implementation)) => {
            if !parts.argv.is_empty() {
                return Err(SpecError::at(
                    format!("{path}.args"),
                    "MLServer takes no arguments here; set its options with `env` \
                     (MLSERVER_…)",
                ));
            }
            Ok((
                Runtime::MlServer {
                    implementation: implementation.to_owned(),
                    env: parts.env,
                },
                parts.resources,
            ))
        }
    }
}

pub(super) fn protocol_of(
    model: Option<&Model>,
    path: &str,
    runtime: &Runtime,
) -> Result<Protocol, SpecError> {
    let written = model.and_then(|m| m.protocol_version.as_deref());
    match (written, runtime) {
        (None, Runtime::MlServer { .. }) | (Some("v2"), _) => Ok(Protocol::V2),
        (None, Runtime::Container { .. }) | (Some("v1"), Runtime::Container { .. }) => {
            Ok(Protocol::V1)
        }
        (Some("v1"), Runtime::MlServer { .. }) => Err(SpecError::at(
            format!("{path}.protocolVersion"),
            "MLServer speaks v2; the router still takes v1 `:predict` requests for it",
        )),
        (Some(other), _) => Err(SpecError::at(
            format!("{path}.protocolVersion"),
            format!("`{other}` is not v1 or v2"),
        )),
    }
}
