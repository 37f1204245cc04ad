//! The IR's leaves: interfaces (input and output definitions), executors with their container,
//! resources and environment, and retry policies.

use std::time::Duration;

use crate::k8s::resources::{parse_cpu_milli, parse_memory_mib};
use crate::pipelines::model::{
    Accelerator, ArtifactDef, ContainerSpec, EnvVar, Executor, ImporterSpec, Interface, ParamDef,
    ParamType, Resources, RetryPolicy, parse_duration,
};
use crate::pipelines::node::{Node, Obj, Result};

/// Which side of a component an interface describes (outputs have no defaults).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Inputs,
    Outputs,
}

/// `inputDefinitions` or `outputDefinitions` of a component (`None`: not written).
pub fn interface(node: Option<Node>, side: Side) -> Result<Interface> {
    let mut interface = Interface::default();
    let Some(node) = node else {
        return Ok(interface);
    };
    let obj = node.obj()?;
    obj.only(&["parameters", "artifacts"], &[])?;
    for (name, param) in obj.entries("parameters")? {
        interface
            .parameters
            .insert(name, parameter(param.obj()?, side)?);
    }
    for (name, artifact) in obj.entries("artifacts")? {
        interface
            .artifacts
            .insert(name, artifact_def(artifact.obj()?, side)?);
    }
    Ok(interface)
}

const V1_TYPE: &str = "a KFP v1 parameter type; recompile the pipeline with kfp 2 (2.17 is what \
                       Capstan reads)";

fn parameter(obj: Obj, side: Side) -> Result<ParamDef> {
    match side {
        Side::Inputs => obj.only(
            &[
                "parameterType",
                "defaultValue",
                "isOptional",
                "description",
                "literals",
            ],
            &[("type", V1_TYPE)],
        )?,
        Side::Outputs => obj.only(&["parameterType", "description"], &[("type", V1_TYPE)])?,
    }
    let ty = param_type(&obj.req("parameterType")?)?;
    let default = match obj.get("defaultValue") {
        Some(node) => Some(node.param_value(ty)?),
        None => None,
    };
    let optional = obj.opt_bool("isOptional")?.unwrap_or(false) || default.is_some();
    Ok(ParamDef {
        ty,
        default,
        optional,
        description: obj.opt_str("description")?,
    })
}

/// A `parameterType`.
pub fn param_type(node: &Node) -> Result<ParamType> {
    let name = node.str()?;
    if name == "TASK_CONFIG" {
        return Err(node.err(
            "TASK_CONFIG parameters (dsl.TaskConfig) are not supported: Capstan does not pass \
             a task's own configuration to it",
        ));
    }
    ParamType::from_kfp_name(name).ok_or_else(|| {
        node.err(format!(
            "unknown parameter type {name:?} (expected STRING, NUMBER_INTEGER, NUMBER_DOUBLE, \
             BOOLEAN, LIST, STRUCT or TASK_FINAL_STATUS)"
        ))
    })
}

fn artifact_def(obj: Obj, side: Side) -> Result<ArtifactDef> {
    match side {
        Side::Inputs => obj.only(
            &[
                "artifactType",
                "isArtifactList",
                "isOptional",
                "description",
            ],
            &[],
        )?,
        Side::Outputs => obj.only(
            &[
                "artifactType",
                "isArtifactList",
                "description",
                "metadata",
                "properties",
                "customProperties",
            ],
            &[],
        )?,
    }
    let ty = obj.req("artifactType")?.obj()?;
    ty.only(
        &[
            "schemaTitle",
            "schemaUri",
            "instanceSchema",
            "schemaVersion",
        ],
        &[],
    )?;
    let schema_title = match ty.opt_str("schemaTitle")? {
        Some(title) => title,
        None => ty
            .opt_str("schemaUri")?
            .unwrap_or_else(|| "system.Artifact".to_string()),
    };
    Ok(ArtifactDef {
        schema_title,
        schema_version: ty.opt_str("schemaVersion")?,
        is_list: obj.opt_bool("isArtifactList")?.unwrap_or(false),
        optional: obj.opt_bool("isOptional")?.unwrap_or(false),
        description: obj.opt_str("description")?,
    })
}

/// One of `deploymentSpec.executors`.
pub fn executor(node: &Node) -> Result<Executor> {
    let obj = node.obj()?;
    obj.only(
        &["container", "importer"],
        &[
            (
                "resolver",
                "resolver executors (artifact queries) are not supported",
            ),
            (
                "customJob",
                "Vertex AI custom jobs are not supported: Capstan runs containers",
            ),
        ],
    )?;
    match (obj.get("container"), obj.get("importer")) {
        (Some(container), None) => Ok(Executor::Container(container_spec(container.obj()?)?)),
        (None, Some(importer)) => Ok(Executor::Importer(importer_spec(importer.obj()?)?)),
        (Some(_), Some(_)) => Err(obj.err("both a container and an importer")),
        (None, None) => Err(obj.err("no container")),
    }
}

fn container_spec(obj: Obj) -> Result<ContainerSpec> {
    obj.only(
        &["image", "command", "args", "env", "resources"],
        &[(
            "lifecycle",
            "container lifecycle hooks (preCacheCheck) are not supported",
        )],
    )?;
    let mut env = Vec::new();
    if let Some(list) = obj.get("env") {
        for item in list.items()? {
            let var = item.obj()?;
            var.only(&["name", "value"], &[])?;
            env.push(EnvVar {
                name: var.req_str("name")?,
                value: var.opt_str("value")?.unwrap_or_default(),
            });
        }
    }
    Ok(ContainerSpec {
        image: obj.req_str("image")?,
        command: match obj.get("command") {
            Some(node) => node.strings()?,
            None => Vec::new(),
        },
        args: match obj.get("args") {
            Some(node) => node.strings()?,
            None => Vec::new(),
        },
        env,
        resources: match obj.opt_obj("resources")? {
            Some(resources) => self::resources(resources)?,
            None => Resources::default(),
        },
    })
}

/// Resources: the quantities as the user wrote them (`resourceCpuLimit: 500m`) where present,
/// else the numbers the compiler derived (`cpuLimit: 0.5` cores, `memoryLimit: 4.0` GB).
fn resources(obj: Obj) -> Result<Resources> {
    obj.only(
        &[
            "cpuLimit",
            "memoryLimit",
            "cpuRequest",
            "memoryRequest",
            "resourceCpuLimit",
            "resourceMemoryLimit",
            "resourceCpuRequest",
            "resourceMemoryRequest",
            "accelerator",
        ],
        &[],
    )?;
    let cpu = |text_key: &str, number_key: &str| -> Result<Option<u64>> {
        if let Some(node) = obj.get(text_key) {
            let text = quantity_text(&node)?;
            return parse_cpu_milli(&text)
                .map(Some)
                .map_err(|e| node.err(format!("{text:?} {e}")));
        }
        match obj.get(number_key) {
            Some(node) => Ok(Some(scaled(&node, 1000.0)?)),
            None => Ok(None),
        }
    };
    let memory = |text_key: &str, number_key: &str| -> Result<Option<u64>> {
        if let Some(node) = obj.get(text_key) {
            let text = quantity_text(&node)?;
            return parse_memory_mib(&text)
                .map(Some)
                .map_err(|e| node.err(format!("{text:?} {e}")));
        }
        match obj.get(number_key) {
            // gigabytes (10^9 bytes) into MiB
            Some(node) => Ok(Some(scaled(&node, 1.0e9 / 1_048_576.0)?)),
            None => Ok(None),
        }
    };
    Ok(Resources {
        cpu_request_milli: cpu("resourceCpuRequest", "cpuRequest")?,
        cpu_limit_milli: cpu("resourceCpuLimit", "cpuLimit")?,
        memory_request_mib: memory("resourceMemoryRequest", "memoryRequest")?,
        memory_limit_mib: memory("resourceMemoryLimit", "memoryLimit")?,
        accelerator: match obj.opt_obj("accelerator")? {
            Some(accelerator) => self::accelerator(accelerator)?,
            None => None,
        },
    })
}

/// A quantity string; placeholders (resources from pipeline parameters) are refused.
fn quantity_text(node: &Node) -> Result<String> {
    let text = node.str()?;
    if text.contains("{{$") {
        return Err(node.err(
            "resources taken from pipeline parameters are not supported; write the quantity",
        ));
    }
    Ok(text.to_string())
}

/// A non-negative number times `factor`, rounded up.
fn scaled(node: &Node, factor: f64) -> Result<u64> {
    let n = node.f64()?;
    let scaled = (n * factor).ceil();
    if !(0.0..9.0e15).contains(&scaled) {
        return Err(node.err(format!("{n} is out of range")));
    }
    Ok(scaled as u64)
}

fn accelerator(obj: Obj) -> Result<Option<Accelerator>> {
    obj.only(&["type", "count", "resourceType", "resourceCount"], &[])?;
    let kind = match obj.opt_str("resourceType")? {
        Some(kind) => Some(kind),
        None => obj.opt_str("type")?,
    }
    .filter(|kind| !kind.is_empty());
    let count = match obj.get("resourceCount").or_else(|| obj.get("count")) {
        Some(node) => {
            if node.value.as_str().is_some_and(|s| s.contains("{{$")) {
                return Err(node
                    .err("an accelerator count taken from a pipeline parameter is not supported"));
            }
            node.u32()?
        }
        None => 1,
    };
    Ok((count > 0).then_some(Accelerator { kind, count }))
}

fn importer_spec(obj: Obj) -> Result<ImporterSpec> {
    obj.only(
        &[
            "artifactUri",
            "typeSchema",
            "properties",
            "customProperties",
            "reimport",
            "metadata",
            "downloadToWorkspace",
        ],
        &[],
    )?;
    let schema_title = match obj.opt_obj("typeSchema")? {
        Some(ty) => ty.opt_str("schemaTitle")?,
        None => None,
    };
    Ok(ImporterSpec {
        artifact_uri: obj.req("artifactUri")?.value.clone(),
        schema_title,
        reimport: obj.opt_bool("reimport")?.unwrap_or(false),
        metadata: obj.get("metadata").map(|node| node.value.clone()),
    })
}

/// `retryPolicy`. What is not written takes kfp's defaults: no backoff, factor 2, at most an
/// hour between attempts.
pub fn retry_policy(obj: Obj) -> Result<RetryPolicy> {
    obj.only(
        &[
            "maxRetryCount",
            "backoffDuration",
            "backoffFactor",
            "backoffMaxDuration",
        ],
        &[],
    )?;
    let duration = |key: &str, default: Duration| -> Result<Duration> {
        match obj.get(key) {
            Some(node) => parse_duration(node.str()?).map_err(|problem| node.err(problem)),
            None => Ok(default),
        }
    };
    let backoff_factor = match obj.get("backoffFactor") {
        Some(node) => {
            let factor = node.f64()?;
            if !(factor.is_finite() && factor > 0.0) {
                return Err(node.err(format!("{factor} is not a positive number")));
            }
            factor
        }
        None => 2.0,
    };
    Ok(RetryPolicy {
        max_retries: match obj.get("maxRetryCount") {
            Some(node) => node.u32()?,
            None => 0,
        },
        backoff: duration("backoffDuration", Duration::ZERO)?,
        backoff_factor,
        backoff_max: duration("backoffMaxDuration", Duration::from_secs(3600))?,
    })
}
