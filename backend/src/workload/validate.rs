//! What is refused at submission: a malformed spec (with the field that is wrong), and a
//! workload that can never run here: larger than any node, a GPU model no node has, or more
//! than the profile's quota with all it may borrow (a quota of zero included).

use std::collections::HashSet;

use api::{ReplicaGroup, VolumeSource, VolumeSpec, WorkloadSpec};

use super::WorkloadError;
use super::requests::{replicas_of, request_of};
use crate::profiles::validate_dns_label;
use crate::scheduler::{Amount, GpuAsk, Node, Request, TaskMix, WHOLE_GPU_MILLI, WorkingInventory};
use crate::store::Quota;

/// Replicas in one workload, so that a typo cannot ask for a million processes.
const MAX_REPLICAS: u32 = 1024;

/// Checks the spec's form, field by field.
pub fn check_spec(spec: &WorkloadSpec) -> Result<(), WorkloadError> {
    validate_dns_label(&spec.name).map_err(|e| WorkloadError::invalid("name", e.to_string()))?;
    if spec.groups.is_empty() {
        return Err(WorkloadError::invalid(
            "groups",
            "a workload needs at least one replica group",
        ));
    }
    let mut names = HashSet::new();
    for (i, group) in spec.groups.iter().enumerate() {
        let at = |field: &str| format!("groups[{i}].{field}");
        validate_dns_label(&group.name)
            .map_err(|e| WorkloadError::invalid(at("name"), e.to_string()))?;
        if !names.insert(group.name.as_str()) {
            return Err(WorkloadError::invalid(
                at("name"),
                format!("`{}` is used by another group", group.name),
            ));
        }
        check_group(group, &at)?;
    }
    if let Some(leader) = &spec.leader
        && !names.contains(leader.as_str())
    {
        return Err(WorkloadError::invalid(
            "leader",
            format!("`{leader}` is not one of the workload's groups"),
        ));
    }
    Ok(())
}

fn check_group(group: &ReplicaGroup, at: &dyn Fn(&str) -> String) -> Result<(), WorkloadError> {
    if group.replicas == 0 || group.replicas > MAX_REPLICAS {
        return Err(WorkloadError::invalid(
            at("replicas"),
            format!("must be 1 to {MAX_REPLICAS}"),
        ));
    }
    if group.command.is_empty() && group.image.as_deref().is_none_or(str::is_empty) {
        return Err(WorkloadError::invalid(
            at("command"),
            "give a command (standalone) or an image (cluster)",
        ));
    }
    if group.command.first().is_some_and(|c| c.is_empty()) {
        return Err(WorkloadError::invalid(
            at("command[0]"),
            "the program must not be empty",
        ));
    }
    for key in group.env.keys() {
        if key.is_empty() || key.contains('=') || key.contains('\0') {
            return Err(WorkloadError::invalid(
                at("env"),
                format!("`{key}` is not a variable name (no `=`, not empty)"),
            ));
        }
    }
    let mut ports = HashSet::new();
    for (p, port) in group.ports.iter().enumerate() {
        validate_dns_label(&port.name)
            .map_err(|e| WorkloadError::invalid(at(&format!("ports[{p}].name")), e.to_string()))?;
        if !ports.insert(port.name.as_str()) {
            return Err(WorkloadError::invalid(
                at(&format!("ports[{p}].name")),
                "listed twice",
            ));
        }
        if port.container_port == 0 {
            return Err(WorkloadError::invalid(
                at(&format!("ports[{p}].container_port")),
                "must be 1 to 65535",
            ));
        }
    }
    for (v, volume) in group.volumes.iter().enumerate() {
        validate_dns_label(&volume.name).map_err(|e| {
            WorkloadError::invalid(at(&format!("volumes[{v}].name")), e.to_string())
        })?;
        if !volume.mount_path.starts_with('/') {
            return Err(WorkloadError::invalid(
                at(&format!("volumes[{v}].mount_path")),
                "must be an absolute path",
            ));
        }
        check_volume_source(volume).map_err(|(field, message)| {
            WorkloadError::invalid(at(&format!("volumes[{v}].{field}")), message)
        })?;
    }
    if let Some(dir) = &group.working_dir
        && (!dir.starts_with('/') || dir.split('/').any(|part| part == ".."))
    {
        return Err(WorkloadError::invalid(
            at("working_dir"),
            "must be an absolute path without `..`",
        ));
    }
    let r = &group.resources;
    if r.gpus > 0 && r.gpu_milli > 0 {
        return Err(WorkloadError::invalid(
            at("resources"),
            "ask either whole GPUs (gpus) or a share of one (gpu_milli), not both",
        ));
    }
    if r.gpu_milli >= WHOLE_GPU_MILLI {
        return Err(WorkloadError::invalid(
            at("resources.gpu_milli"),
            "a share is 1 to 999 thousandths of one GPU; for whole GPUs use gpus",
        ));
    }
    if r.gpu_models.iter().any(String::is_empty) {
        return Err(WorkloadError::invalid(
            at("resources.gpu_models"),
            "a model name must not be empty",
        ));
    }
    Ok(())
}

/// A volume's source: an existing claim by a valid name and a relative sub-path, a download
/// from a URI with a scheme; neither has a size of its own. Answers the field and the message.
fn check_volume_source(volume: &VolumeSpec) -> Result<(), (&'static str, String)> {
    if !volume.source.is_fresh() && volume.size_mib.is_some() {
        return Err(("size_mib", "only a fresh volume has a size".to_owned()));
    }
    match &volume.source {
        VolumeSource::Fresh => Ok(()),
        VolumeSource::Claim {
            claim, sub_path, ..
        } => {
            validate_dns_label(claim).map_err(|e| ("source.claim", e.to_string()))?;
            if sub_path.starts_with('/') || sub_path.split('/').any(|part| part == "..") {
                return Err((
                    "source.sub_path",
                    "must be a path inside the claim: relative, without `..`".to_owned(),
                ));
            }
            Ok(())
        }
        VolumeSource::Download { uri } => match uri.split_once("://") {
            Some((scheme, rest)) if !scheme.is_empty() && !rest.is_empty() => Ok(()),
            _ => Err((
                "source.uri",
                format!("`{uri}` is not a URI such as s3://bucket/key"),
            )),
        },
    }
}

/// Refuses a workload that no state of these nodes and this quota lets start.
pub fn check_can_run(
    spec: &WorkloadSpec,
    profile: &str,
    nodes: &[Node],
    quota: &Quota,
) -> Result<(), WorkloadError> {
    for group in &spec.groups {
        check_group_fits_a_node(group, nodes)?;
    }
    let replicas: Vec<Request> = replicas_of(spec).into_iter().map(|(_, _, r)| r).collect();
    let whole = Amount {
        workloads: 1,
        ..Amount::of_replicas(&replicas)
    };
    check_quota(whole, profile, quota)?;
    let all: Vec<&Request> = replicas.iter().collect();
    if spec.gang
        && WorkingInventory::new(nodes)
            .place_all(&all, crate::scheduler::Policy::BestFit, &TaskMix::default())
            .is_none()
    {
        return Err(WorkloadError::NeverRuns(format!(
            "its {} replicas must start together (gang), and the whole cluster cannot hold them at once",
            all.len()
        )));
    }
    Ok(())
}

fn check_group_fits_a_node(group: &ReplicaGroup, nodes: &[Node]) -> Result<(), WorkloadError> {
    let request = request_of(&group.resources);
    let models: Vec<&str> = nodes
        .iter()
        .filter_map(|n| n.gpu_model.as_deref())
        .collect();
    if request.gpu != GpuAsk::None
        && !request.gpu_models.is_empty()
        && !request
            .gpu_models
            .iter()
            .any(|m| models.contains(&m.as_str()))
    {
        let known: Vec<&str> = dedup(models);
        return Err(WorkloadError::NeverRuns(format!(
            "group `{}` accepts GPU models {}, and no node has one (models here: {})",
            group.name,
            request.gpu_models.join(", "),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    }
    let fits = nodes.iter().any(|n| {
        let empty = Node::new(
            &n.name,
            n.cpu_milli,
            n.memory_mib,
            n.gpus.len() as u32,
            n.gpu_model.as_deref(),
        );
        empty.admits(&request) && !empty.gpu_options(request.gpu).is_empty()
    });
    if fits {
        return Ok(());
    }
    let largest = |f: fn(&Node) -> u64| nodes.iter().map(f).max().unwrap_or(0);
    Err(WorkloadError::NeverRuns(format!(
        "a replica of group `{}` asks {}m CPU, {} MiB and {}; the largest node has {}m CPU, {} MiB and {} GPU(s)",
        group.name,
        request.cpu_milli,
        request.memory_mib,
        describe_gpu(request.gpu),
        largest(|n| n.cpu_milli),
        largest(|n| n.memory_mib),
        largest(|n| n.gpus.len() as u64),
    )))
}

fn check_quota(whole: Amount, profile: &str, quota: &Quota) -> Result<(), WorkloadError> {
    let limit = |q: Option<i64>, borrow: Option<i64>| {
        q.map(|q| q.max(0) as u64 + borrow.unwrap_or(0).max(0) as u64)
    };
    let checks = [
        (
            "GPU milli",
            whole.gpu_milli,
            limit(quota.gpu_milli, quota.borrow_gpu_milli),
        ),
        (
            "CPU milli",
            whole.cpu_milli,
            limit(quota.cpu_milli, quota.borrow_cpu_milli),
        ),
        (
            "memory MiB",
            whole.memory_mib,
            limit(quota.memory_mib, quota.borrow_memory_mib),
        ),
        ("workloads", 1, limit(quota.workloads, None)),
    ];
    for (what, asked, allowed) in checks {
        if let Some(allowed) = allowed
            && asked > allowed
        {
            return Err(WorkloadError::NeverRuns(format!(
                "it asks {asked} {what} in all, and profile `{profile}` may use at most {allowed} \
                 (its quota plus what it may borrow); ask an admin to raise the quota"
            )));
        }
    }
    Ok(())
}

fn describe_gpu(gpu: GpuAsk) -> String {
    match gpu {
        GpuAsk::None => "no GPU".to_owned(),
        GpuAsk::Whole(n) => format!("{n} GPU(s)"),
        GpuAsk::Share(m) => format!("{m} thousandths of a GPU"),
    }
}

fn dedup(mut items: Vec<&str>) -> Vec<&str> {
    items.sort_unstable();
    items.dedup();
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume(size_mib: Option<u64>, source: VolumeSource) -> VolumeSpec {
        VolumeSpec {
            name: "model".into(),
            mount_path: "/mnt/models".into(),
            size_mib,
            source,
        }
    }

    fn claim(name: &str, sub_path: &str) -> VolumeSource {
        VolumeSource::Claim {
            claim: name.into(),
            sub_path: sub_path.into(),
            read_only: true,
        }
    }

    #[test]
    fn volume_sources_are_checked_field_by_field() {
        assert_eq!(
            check_volume_source(&volume(Some(1), VolumeSource::Fresh)),
            Ok(())
        );
        assert_eq!(
            check_volume_source(&volume(None, claim("models", "iris/v1"))),
            Ok(())
        );
        let download = VolumeSource::Download {
            uri: "s3://bucket/iris".into(),
        };
        assert_eq!(check_volume_source(&volume(None, download.clone())), Ok(()));

        let field = |v: VolumeSpec| check_volume_source(&v).map_err(|(field, _)| field);
        assert_eq!(field(volume(Some(1), download)), Err("size_mib"));
        assert_eq!(
            field(volume(None, claim("Models", ""))),
            Err("source.claim")
        );
        assert_eq!(
            field(volume(None, claim("models", "../etc"))),
            Err("source.sub_path")
        );
        assert_eq!(
            field(volume(None, claim("models", "/abs"))),
            Err("source.sub_path")
        );
        let bare = VolumeSource::Download {
            uri: "bucket/iris".into(),
        };
        assert_eq!(field(volume(None, bare)), Err("source.uri"));
    }
}
