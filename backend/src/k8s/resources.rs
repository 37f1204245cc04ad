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

/// Why a text is not the amount asked for; reads after the text (`"12Qi" is not a Kubernetes
/// quantity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("is not a Kubernetes quantity")]
    Invalid,
    #[error("is negative")]
    Negative,
    #[error("is too large")]
    TooLarge,
    #[error("is not a whole number")]
    NotWhole,
}

/// A Kubernetes quantity (`500m`, `1.5`, `1Gi`, `1G`, `1e9`) in thousandths of a core, rounded
/// up as Kubernetes rounds CPU.
pub fn parse_cpu_milli(text: &str) -> Result<u64, QuantityError> {
    Ok(scaled(text, 3, 0)?.0)
}

/// A Kubernetes quantity of bytes in MiB, rounded up: never less than was asked for.
pub fn parse_memory_mib(text: &str) -> Result<u64, QuantityError> {
    Ok(scaled(text, 0, -20)?.0)
}

/// A Kubernetes quantity that must be a whole number (`2`, `1k`), as extended resources are.
pub fn parse_count(text: &str) -> Result<u64, QuantityError> {
    match scaled(text, 0, 0)? {
        (n, true) => Ok(n),
        (_, false) => Err(QuantityError::NotWhole),
    }
}

/// `text` times `10^pow10 × 2^pow2`, rounded up, and whether that was exact.
fn scaled(text: &str, pow10: i64, pow2: i64) -> Result<(u64, bool), QuantityError> {
    let (digits, p10, p2) = parse_quantity(text)?;
    if digits == 0 {
        return Ok((0, true));
    }
    let (p10, p2) = (p10 + pow10, p2 + pow2);
    let power = |base: u128, exp: i64| {
        u32::try_from(exp.max(0))
            .ok()
            .and_then(|exp| base.checked_pow(exp))
    };
    let numerator = power(10, p10)
        .zip(power(2, p2))
        .and_then(|(a, b)| digits.checked_mul(a)?.checked_mul(b))
        .ok_or(QuantityError::TooLarge)?;
    let Some(denominator) = power(10, -p10)
        .zip(power(2, -p2))
        .and_then(|(a, b)| a.checked_mul(b))
    else {
        // Beyond u128, so more than the numerator: a sliver, which rounds up to one.
        return Ok((1, false));
    };
    let quotient = numerator.div_ceil(denominator);
    let exact = numerator % denominator == 0;
    Ok((
        u64::try_from(quotient).map_err(|_| QuantityError::TooLarge)?,
        exact,
    ))
}

/// A quantity as `(digits, pow10, pow2)`: its value is `digits × 10^pow10 × 2^pow2`. The
/// grammar is Kubernetes': an optionally signed decimal number, then a binary suffix (`Ki` to
/// `Ei`), a decimal one (`n`, `u`, `m`, none, `k`, `M` to `E`) or an exponent (`e3`, `E-2`).
fn parse_quantity(text: &str) -> Result<(u128, i64, i64), QuantityError> {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.len() + fraction.len() == 0 || fraction.contains('.') {
        return Err(QuantityError::Invalid);
    }
    let mut digits: u128 = 0;
    for digit in whole.bytes().chain(fraction.bytes()) {
        digits = digits
            .checked_mul(10)
            .and_then(|d| d.checked_add(u128::from(digit - b'0')))
            .ok_or(QuantityError::TooLarge)?;
    }
    let fraction_digits = i64::try_from(fraction.len()).map_err(|_| QuantityError::TooLarge)?;
    let (pow10, pow2) = match suffix {
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "" => (0, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        exponent => {
            let exponent = exponent
                .strip_prefix(['e', 'E'])
                .filter(|e| {
                    let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
                    !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit())
                })
                .ok_or(QuantityError::Invalid)?;
            (
                exponent
                    .parse::<i32>()
                    .map_err(|_| QuantityError::TooLarge)?
                    .into(),
                0,
            )
        }
    };
    if negative && digits != 0 {
        return Err(QuantityError::Negative);
    }
    Ok((digits, pow10 - fraction_digits, pow2))
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
    fn cpu_quantities_are_thousandths_rounded_up() {
        for (text, milli) in [
            ("500m", 500),
            ("1", 1000),
            ("1.5", 1500),
            ("0.5", 500),
            (".25", 250),
            ("2.", 2000),
            ("+1", 1000),
            ("0.0001", 1),
            ("100u", 1),
            ("1e3", 1_000_000),
            ("15E-1", 1500),
            ("0", 0),
            ("-0", 0),
            ("1k", 1_000_000),
        ] {
            assert_eq!(parse_cpu_milli(text), Ok(milli), "{text}");
        }
    }

    #[test]
    fn memory_quantities_are_mib_rounded_up() {
        for (text, mib) in [
            ("1Gi", 1024),
            ("512Mi", 512),
            ("1.2Gi", 1229),
            ("1G", 954),
            ("1e9", 954),
            ("1073741824", 1024),
            ("1024Ki", 1),
            ("1Ki", 1),
            ("2Ti", 2 * 1024 * 1024),
            ("1E", 953_674_316_407),
        ] {
            assert_eq!(parse_memory_mib(text), Ok(mib), "{text}");
        }
    }

    #[test]
    fn counts_are_whole() {
        assert_eq!(parse_count("2"), Ok(2));
        assert_eq!(parse_count("1k"), Ok(1000));
        assert_eq!(parse_count("0.5"), Err(QuantityError::NotWhole));
        assert_eq!(parse_count("1500m"), Err(QuantityError::NotWhole));
    }

    #[test]
    fn what_is_not_a_quantity_says_why() {
        for text in [
            "", "12Qi", "1.2.3", "abc", "1 Gi", "Gi", "1e", "1e+", "1ei", ".", "-", "1gi",
        ] {
            assert_eq!(
                parse_memory_mib(text),
                Err(QuantityError::Invalid),
                "{text:?}"
            );
        }
        assert_eq!(parse_cpu_milli("-1"), Err(QuantityError::Negative));
        assert_eq!(
            parse_memory_mib("99999999999999999999999Ei"),
            Err(QuantityError::TooLarge)
        );
        assert_eq!(
            parse_cpu_milli("1e99999999999"),
            Err(QuantityError::TooLarge)
        );
        assert_eq!(parse_cpu_milli("1e-99999"), Ok(1), "a sliver rounds up");
        assert_eq!(
            format!("\"12Qi\" {}", QuantityError::Invalid),
            "\"12Qi\" is not a Kubernetes quantity"
        );
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
