//! Capstan's units as Kubernetes quantities: CPU in thousandths (`250m`), memory in MiB
//! (`512Mi`), whole GPUs as the device plugin's resource and milli-GPU shares as the sharing
//! plugin's resource counted in thousandths. Requests and limits are equal: the scheduler placed
//! exactly this much, so each pod is `Guaranteed` and gets what was accounted for it, no more.

use std::collections::BTreeMap;

use api::{Quota, Resources};
use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::config::K8sConfig;
use super::error::BuildError;

pub fn cpu(milli: u64) -> Quantity {
    Quantity(format!("{milli}m"))
}

pub fn memory(mib: u64) -> Quantity {
    Quantity(format!("{mib}Mi"))
}

pub fn count(n: u64) -> Quantity {
    Quantity(n.to_string())
}

/// Whether a replica with these resources runs on a GPU (a whole one or a share).
pub fn wants_gpu(resources: &Resources) -> bool {
    resources.gpus > 0 || resources.gpu_milli > 0
}

/// A container's requests and limits; `None` when it asks for nothing. Errors name the workload
/// and the group.
pub fn container_resources(
    config: &K8sConfig,
    workload: &str,
    group: &str,
    resources: &Resources,
) -> Result<Option<ResourceRequirements>, BuildError> {
    let mut amounts = BTreeMap::new();
    if resources.cpu_milli > 0 {
        amounts.insert("cpu".to_owned(), cpu(resources.cpu_milli));
    }
    if resources.memory_mib > 0 {
        amounts.insert("memory".to_owned(), memory(resources.memory_mib));
    }
    match (resources.gpus, resources.gpu_milli) {
        (0, 0) => {}
        (gpus, 0) => {
            amounts.insert(config.gpu_resource.clone(), count(u64::from(gpus)));
        }
        (0, milli) if milli < 1000 => {
            let Some(shared) = &config.shared_gpu_resource else {
                return Err(BuildError::SharedGpuNotConfigured {
                    workload: workload.to_owned(),
                    group: group.to_owned(),
                });
            };
            amounts.insert(shared.clone(), count(u64::from(milli)));
        }
        (0, milli) => {
            return Err(BuildError::ShareOutOfRange {
                workload: workload.to_owned(),
                group: group.to_owned(),
                milli,
            });
        }
        (gpus, milli) => {
            return Err(BuildError::GpusAndShare {
                workload: workload.to_owned(),
                group: group.to_owned(),
                gpus,
                milli,
            });
        }
    }
    if amounts.is_empty() {
        return Ok(None);
    }
    Ok(Some(ResourceRequirements {
        requests: Some(amounts.clone()),
        limits: Some(amounts),
        ..ResourceRequirements::default()
    }))
}

/// A profile's quota as a ResourceQuota's `hard` map; empty when the quota limits nothing.
///
/// Capstan counts GPUs in thousandths, whole GPUs as 1000 each; Kubernetes counts whole GPUs
/// and shares under two resource names. So the whole-GPU ceiling is the quota floored to whole
/// GPUs, and shares are counted by the shared-GPU resource name (in thousandths) when one is
/// configured. Each is a ceiling of its own here; that whole GPUs and shares together stay within
/// the quota is the scheduler's to enforce, and this object is the cluster's backstop.
///
/// `workloads` becomes `count/pods`: Kubernetes cannot count workloads, and a workload has at
/// least one pod.
pub fn quota_hard(
    config: &K8sConfig,
    profile: &str,
    quota: &Quota,
) -> Result<BTreeMap<String, Quantity>, BuildError> {
    let non_negative = |field: &'static str, value: Option<i64>| match value {
        Some(value) if value < 0 => Err(BuildError::NegativeQuota {
            profile: profile.to_owned(),
            field,
            value,
        }),
        other => Ok(other.map(|v| v.unsigned_abs())),
    };
    // Capstan's scheduler enforces the quota itself; the ResourceQuota is the cluster's
    // backstop, so it must also allow what the profile may borrow.
    let with_borrowing =
        |limit: Option<u64>, borrow: Option<u64>| limit.map(|l| l + borrow.unwrap_or(0));
    let gpu_milli = with_borrowing(
        non_negative("gpu_milli", quota.gpu_milli)?,
        non_negative("borrow_gpu_milli", quota.borrow_gpu_milli)?,
    );
    let cpu_milli = with_borrowing(
        non_negative("cpu_milli", quota.cpu_milli)?,
        non_negative("borrow_cpu_milli", quota.borrow_cpu_milli)?,
    );
    let memory_mib = with_borrowing(
        non_negative("memory_mib", quota.memory_mib)?,
        non_negative("borrow_memory_mib", quota.borrow_memory_mib)?,
    );
    let workloads = non_negative("workloads", quota.workloads)?;

    let mut hard = BTreeMap::new();
    if let Some(milli) = gpu_milli {
        hard.insert(
            format!("requests.{}", config.gpu_resource),
            count(milli / 1000),
        );
        if let Some(shared) = &config.shared_gpu_resource {
            hard.insert(format!("requests.{shared}"), count(milli));
        }
    }
    if let Some(milli) = cpu_milli {
        hard.insert("requests.cpu".to_owned(), cpu(milli));
    }
    if let Some(mib) = memory_mib {
        hard.insert("requests.memory".to_owned(), memory(mib));
    }
    if let Some(n) = workloads {
        hard.insert("count/pods".to_owned(), count(n));
    }
    Ok(hard)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        Quantity(text.to_owned())
    }

    fn resources(gpus: u32, gpu_milli: u32) -> Resources {
        Resources {
            cpu_milli: 2500,
            memory_mib: 4096,
            gpus,
            gpu_milli,
            gpu_models: vec![],
        }
    }

    #[test]
    fn whole_gpus_are_the_device_plugin_resource_in_requests_and_limits() {
        let r = container_resources(&K8sConfig::default(), "w", "g", &resources(2, 0))
            .unwrap()
            .unwrap();
        let limits = r.limits.as_ref().unwrap();
        assert_eq!(limits["nvidia.com/gpu"], q("2"));
        assert_eq!(limits["cpu"], q("2500m"));
        assert_eq!(limits["memory"], q("4096Mi"));
        assert!(!limits.contains_key("capstan.dev/gpu-milli"));
        assert_eq!(r.requests, r.limits);
    }

    #[test]
    fn shares_are_the_shared_resource_in_thousandths() {
        let r = container_resources(&K8sConfig::default(), "w", "g", &resources(0, 250))
            .unwrap()
            .unwrap();
        let limits = r.limits.unwrap();
        assert_eq!(limits["capstan.dev/gpu-milli"], q("250"));
        assert!(!limits.contains_key("nvidia.com/gpu"));
    }

    #[test]
    fn a_share_without_a_shared_resource_is_refused() {
        let config = K8sConfig {
            shared_gpu_resource: None,
            ..K8sConfig::default()
        };
        let err = container_resources(&config, "w", "g", &resources(0, 250)).unwrap_err();
        assert_eq!(
            err,
            BuildError::SharedGpuNotConfigured {
                workload: "w".into(),
                group: "g".into()
            }
        );
    }

    #[test]
    fn ambiguous_gpu_requests_are_refused() {
        let config = K8sConfig::default();
        assert!(matches!(
            container_resources(&config, "w", "g", &resources(1, 500)),
            Err(BuildError::GpusAndShare {
                gpus: 1,
                milli: 500,
                ..
            })
        ));
        assert!(matches!(
            container_resources(&config, "w", "g", &resources(0, 1000)),
            Err(BuildError::ShareOutOfRange { milli: 1000, .. })
        ));
    }

    #[test]
    fn nothing_asked_is_no_resources() {
        let r = container_resources(&K8sConfig::default(), "w", "g", &Resources::default());
        assert_eq!(r, Ok(None));
    }

    #[test]
    fn quota_floors_whole_gpus_and_counts_shares_in_thousandths() {
        let quota = Quota {
            gpu_milli: Some(2500),
            cpu_milli: Some(16000),
            memory_mib: Some(65536),
            workloads: Some(10),
            ..Quota::default()
        };
        let hard = quota_hard(&K8sConfig::default(), "p", &quota).unwrap();
        assert_eq!(hard["requests.nvidia.com/gpu"], q("2"));
        assert_eq!(hard["requests.capstan.dev/gpu-milli"], q("2500"));
        assert_eq!(hard["requests.cpu"], q("16000m"));
        assert_eq!(hard["requests.memory"], q("65536Mi"));
        assert_eq!(hard["count/pods"], q("10"));
    }

    #[test]
    fn the_backstop_allows_what_may_be_borrowed() {
        let quota = Quota {
            gpu_milli: Some(2000),
            borrow_gpu_milli: Some(1000),
            ..Quota::default()
        };
        let hard = quota_hard(&K8sConfig::default(), "p", &quota).unwrap();
        assert_eq!(hard["requests.nvidia.com/gpu"], q("3"));
    }

    #[test]
    fn no_limit_is_no_entry() {
        let quota = Quota {
            cpu_milli: Some(1000),
            ..Quota::default()
        };
        let hard = quota_hard(&K8sConfig::default(), "p", &quota).unwrap();
        assert_eq!(hard.keys().collect::<Vec<_>>(), ["requests.cpu"]);
        assert!(
            quota_hard(&K8sConfig::default(), "p", &Quota::default())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_negative_quota_is_refused_with_its_field() {
        let quota = Quota {
            memory_mib: Some(-1),
            ..Quota::default()
        };
        let err = quota_hard(&K8sConfig::default(), "team-a", &quota).unwrap_err();
        assert_eq!(
            err.to_string(),
            "quota `memory_mib` of profile `team-a` is negative (-1)"
        );
    }
}
