//! Where a pod may run: the GPU model it accepts, the GPU taints it tolerates, the gate that
//! holds it while Capstan's queue has not admitted it, and, once admitted, the node Capstan's
//! scheduler chose.
//!
//! The chosen node is a required node affinity on the node's name (`matchFields` on
//! `metadata.name`, as the DaemonSet controller pins its pods), not `nodeName` and not a
//! `kubernetes.io/hostname` selector:
//! - `nodeName` skips kube-scheduler, so taints and the device plugin's free GPUs are not
//!   checked and a pod that does not fit fails on the kubelet instead of waiting; it also cannot
//!   be set on an existing pod, while a gated pod may gain affinity terms. A queued pod can thus
//!   be created gated and, on admission, be pinned and ungated in place.
//! - the hostname label is usually the node's name but not always (clouds and
//!   `--hostname-override` differ), and the scheduler's inventory speaks node names.
//! - an affinity term holds several nodes, which a group run by one controller (a Deployment's
//!   replicas) needs, and it sits in the same term as the GPU models, so both must hold.

use k8s_openapi::api::core::v1::{
    Affinity, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm,
    PodSchedulingGate, PodSpec,
};

use api::Resources;

use super::config::K8sConfig;
use super::resources::wants_gpu;

/// The scheduling gate of a pod that waits in Capstan's queue; the runtime removes it when the
/// workload is admitted.
pub const QUEUED_GATE: &str = "capstan.dev/queued";

/// The node field that `matchFields` compares: the node's name.
pub const NODE_NAME_FIELD: &str = "metadata.name";

/// Adds to `spec` the constraints of a replica with `resources`: held by the queue gate when
/// `queued`, else pinned to `nodes` (none: not pinned).
pub fn constrain(
    config: &K8sConfig,
    resources: &Resources,
    queued: bool,
    nodes: &[String],
    spec: &mut PodSpec,
) {
    let mut expressions = Vec::new();
    if wants_gpu(resources) {
        match resources.gpu_models.as_slice() {
            [] => {}
            [model] => {
                spec.node_selector = Some([(config.gpu_model_label.clone(), model.clone())].into());
            }
            models => expressions.push(NodeSelectorRequirement {
                key: config.gpu_model_label.clone(),
                operator: "In".to_owned(),
                values: Some(models.to_vec()),
            }),
        }
        if !config.gpu_tolerations.is_empty() {
            spec.tolerations = Some(config.gpu_tolerations.clone());
        }
    }
    let fields = if queued || nodes.is_empty() {
        Vec::new()
    } else {
        vec![NodeSelectorRequirement {
            key: NODE_NAME_FIELD.to_owned(),
            operator: "In".to_owned(),
            values: Some(nodes.to_vec()),
        }]
    };
    if !expressions.is_empty() || !fields.is_empty() {
        let term = NodeSelectorTerm {
            match_expressions: (!expressions.is_empty()).then_some(expressions),
            match_fields: (!fields.is_empty()).then_some(fields),
        };
        spec.affinity = Some(Affinity {
            node_affinity: Some(NodeAffinity {
                required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                    node_selector_terms: vec![term],
                }),
                ..NodeAffinity::default()
            }),
            ..Affinity::default()
        });
    }
    if queued {
        spec.scheduling_gates = Some(vec![PodSchedulingGate {
            name: QUEUED_GATE.to_owned(),
        }]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu(models: &[&str]) -> Resources {
        Resources {
            gpus: 1,
            gpu_models: models.iter().map(|m| (*m).to_owned()).collect(),
            ..Resources::default()
        }
    }

    fn constrained(resources: &Resources, queued: bool, nodes: &[&str]) -> PodSpec {
        let nodes: Vec<String> = nodes.iter().map(|n| (*n).to_owned()).collect();
        let mut spec = PodSpec::default();
        constrain(&K8sConfig::default(), resources, queued, &nodes, &mut spec);
        spec
    }

    fn only_term(spec: &PodSpec) -> &NodeSelectorTerm {
        let required = spec
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|n| {
                n.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })
            .expect("a required node affinity");
        assert_eq!(required.node_selector_terms.len(), 1);
        &required.node_selector_terms[0]
    }

    #[test]
    fn one_model_is_a_node_selector() {
        let spec = constrained(&gpu(&["NVIDIA-H100-80GB-HBM3"]), true, &[]);
        assert_eq!(
            spec.node_selector.unwrap()["nvidia.com/gpu.product"],
            "NVIDIA-H100-80GB-HBM3"
        );
        assert!(spec.affinity.is_none());
    }

    #[test]
    fn several_models_are_a_required_affinity() {
        let spec = constrained(&gpu(&["A100", "H100"]), true, &[]);
        assert!(spec.node_selector.is_none());
        let expression = &only_term(&spec).match_expressions.as_ref().unwrap()[0];
        assert_eq!(expression.key, "nvidia.com/gpu.product");
        assert_eq!(expression.operator, "In");
        assert_eq!(
            expression.values.as_deref(),
            Some(&["A100".to_owned(), "H100".to_owned()][..])
        );
    }

    #[test]
    fn models_mean_nothing_without_a_gpu() {
        let resources = Resources {
            cpu_milli: 100,
            gpu_models: vec!["A100".into()],
            ..Resources::default()
        };
        let spec = constrained(&resources, false, &[]);
        assert!(spec.node_selector.is_none());
        assert!(spec.affinity.is_none());
        assert!(spec.tolerations.is_none());
    }

    #[test]
    fn tolerations_only_for_gpu_replicas() {
        let tolerations = constrained(&gpu(&[]), false, &[]).tolerations.unwrap();
        assert_eq!(tolerations.len(), 1);
        assert_eq!(tolerations[0].key.as_deref(), Some("nvidia.com/gpu"));
        assert_eq!(tolerations[0].operator.as_deref(), Some("Exists"));
        assert_eq!(tolerations[0].effect.as_deref(), Some("NoSchedule"));

        let share = Resources {
            gpu_milli: 300,
            ..Resources::default()
        };
        assert!(constrained(&share, false, &[]).tolerations.is_some());

        let cpu_only = Resources {
            cpu_milli: 500,
            ..Resources::default()
        };
        assert!(constrained(&cpu_only, false, &[]).tolerations.is_none());
    }

    #[test]
    fn the_gate_is_there_only_while_queued() {
        let gates = constrained(&gpu(&[]), true, &[]).scheduling_gates.unwrap();
        assert_eq!(gates.len(), 1);
        assert_eq!(gates[0].name, QUEUED_GATE);
        assert!(
            constrained(&gpu(&[]), false, &["n1"])
                .scheduling_gates
                .is_none()
        );
    }

    #[test]
    fn admitted_replicas_are_pinned_by_node_name_in_the_models_term() {
        let spec = constrained(&gpu(&["A100", "H100"]), false, &["gpu-node-7"]);
        assert!(spec.node_name.is_none());
        let term = only_term(&spec);
        assert_eq!(term.match_expressions.as_ref().unwrap().len(), 1);
        let fields = term.match_fields.as_ref().unwrap();
        assert_eq!(fields[0].key, "metadata.name");
        assert_eq!(fields[0].operator, "In");
        assert_eq!(
            fields[0].values.as_deref(),
            Some(&["gpu-node-7".to_owned()][..])
        );
    }

    #[test]
    fn queued_replicas_are_not_pinned() {
        let spec = constrained(&Resources::default(), true, &["n1"]);
        assert!(spec.affinity.is_none());
    }
}
