//! Cluster mode's inventory: a Node object as the scheduler's node. Its allocatable CPU,
//! memory and GPUs (the device plugin's resource), the GPU model and memory from GPU feature
//! discovery's labels. A node that cannot take Capstan's pods is left out, with the reason:
//! cordoned, not ready, or tainted with what Capstan's pods do not tolerate (they tolerate the
//! configured GPU taints only).

use k8s_openapi::api::core::v1::Node;

use super::{GpuInfo, NodeInfo};
use crate::k8s::K8sConfig;
use crate::k8s::resources::{parse_count, parse_cpu_milli, parse_memory_mib};

/// GPU feature discovery's label for one GPU's memory, in MiB.
const GPU_MEMORY_LABEL: &str = "nvidia.com/gpu.memory";

/// The node as the scheduler sees it, or why it is left out.
pub fn node_from_kube(node: &Node, config: &K8sConfig) -> Result<NodeInfo, String> {
    let name = node.metadata.name.clone().unwrap_or_default();
    let spec = node.spec.as_ref();
    if spec.and_then(|s| s.unschedulable) == Some(true) {
        return Err(format!("node {name} is cordoned"));
    }
    let status = node.status.as_ref();
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True");
    if !ready {
        return Err(format!("node {name} is not ready"));
    }
    let untolerated = spec
        .and_then(|s| s.taints.as_ref())
        .into_iter()
        .flatten()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .find(|t| {
            !config.gpu_tolerations.iter().any(|tol| {
                tol.key.as_deref() == Some(t.key.as_str())
                    && (tol.operator.as_deref() == Some("Exists")
                        || tol.value.as_deref() == t.value.as_deref())
            })
        });
    if let Some(taint) = untolerated {
        return Err(format!(
            "node {name} is tainted {}:{}, which Capstan's pods do not tolerate",
            taint.key, taint.effect
        ));
    }
    let allocatable = status.and_then(|s| s.allocatable.as_ref());
    let amount = |resource: &str, parse: fn(&str) -> Result<u64, _>| {
        allocatable
            .and_then(|a| a.get(resource))
            .map_or(Ok(0), |q| parse(&q.0))
            .map_err(|e: crate::k8s::resources::QuantityError| {
                format!("node {name}: allocatable {resource}: {e}")
            })
    };
    let labels = node.metadata.labels.as_ref();
    let label = |key: &str| labels.and_then(|l| l.get(key)).cloned();
    let gpus = amount(&config.gpu_resource, parse_count)?;
    let model = label(&config.gpu_model_label).unwrap_or_else(|| "unknown".to_owned());
    let memory_mib = label(GPU_MEMORY_LABEL)
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    Ok(NodeInfo {
        cpu_milli: amount("cpu", parse_cpu_milli)?,
        memory_mib: amount("memory", parse_memory_mib)?,
        gpus: (0..u32::try_from(gpus).unwrap_or(u32::MAX))
            .map(|index| GpuInfo {
                index,
                model: model.clone(),
                memory_mib,
            })
            .collect(),
        simulated: false,
        name,
    })
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{NodeCondition, NodeSpec, NodeStatus, Taint};
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    use super::*;

    fn gpu_node(gpus: &str) -> Node {
        Node {
            metadata: ObjectMeta {
                name: Some("gpu-a100-1".into()),
                labels: Some(
                    [
                        ("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-80GB"),
                        ("nvidia.com/gpu.memory", "81920"),
                    ]
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .into(),
                ),
                ..ObjectMeta::default()
            },
            spec: Some(NodeSpec {
                taints: Some(vec![Taint {
                    key: "nvidia.com/gpu".into(),
                    effect: "NoSchedule".into(),
                    ..Taint::default()
                }]),
                ..NodeSpec::default()
            }),
            status: Some(NodeStatus {
                allocatable: Some(
                    [
                        ("cpu", "63500m"),
                        ("memory", "515000Mi"),
                        ("nvidia.com/gpu", gpus),
                    ]
                    .map(|(k, v)| (k.to_owned(), Quantity(v.to_owned())))
                    .into(),
                ),
                conditions: Some(vec![NodeCondition {
                    type_: "Ready".into(),
                    status: "True".into(),
                    ..NodeCondition::default()
                }]),
                ..NodeStatus::default()
            }),
        }
    }

    #[test]
    fn a_gpu_node_has_its_allocatable_gpus_of_its_model() {
        let node = node_from_kube(&gpu_node("8"), &K8sConfig::default()).expect("usable");
        assert_eq!(node.name, "gpu-a100-1");
        assert_eq!((node.cpu_milli, node.memory_mib), (63_500, 515_000));
        assert_eq!(node.gpus.len(), 8);
        assert_eq!(node.gpus[7].index, 7);
        assert_eq!(node.gpus[0].model, "NVIDIA-A100-SXM4-80GB");
        assert_eq!(node.gpus[0].memory_mib, 81_920);
        assert!(!node.simulated);
    }

    #[test]
    fn nodes_that_cannot_take_capstans_pods_are_left_out_with_why() {
        let config = K8sConfig::default();
        let mut cordoned = gpu_node("8");
        cordoned.spec.as_mut().unwrap().unschedulable = Some(true);
        assert!(
            node_from_kube(&cordoned, &config)
                .unwrap_err()
                .contains("cordoned")
        );

        let mut not_ready = gpu_node("8");
        not_ready
            .status
            .as_mut()
            .unwrap()
            .conditions
            .as_mut()
            .unwrap()[0]
            .status = "False".into();
        assert!(
            node_from_kube(&not_ready, &config)
                .unwrap_err()
                .contains("not ready")
        );

        let mut control_plane = gpu_node("0");
        control_plane.spec.as_mut().unwrap().taints = Some(vec![Taint {
            key: "node-role.kubernetes.io/control-plane".into(),
            effect: "NoSchedule".into(),
            ..Taint::default()
        }]);
        let why = node_from_kube(&control_plane, &config).unwrap_err();
        assert!(
            why.contains("node-role.kubernetes.io/control-plane:NoSchedule"),
            "{why}"
        );

        let mut broken = gpu_node("eight");
        broken.metadata.name = Some("odd".into());
        assert!(
            node_from_kube(&broken, &config)
                .unwrap_err()
                .contains("node odd")
        );
    }
}
