//! A spec's replicas as the scheduler sees them, in a fixed order (group by group, replica by
//! replica) that placements follow.

use api::{ReplicaPlacement, Resources, WorkloadSpec};

use crate::scheduler::{GpuAsk, Request, Spot};

/// What one replica of a group asks for.
pub fn request_of(resources: &Resources) -> Request {
    let gpu = if resources.gpu_milli > 0 {
        GpuAsk::Share(resources.gpu_milli)
    } else if resources.gpus > 0 {
        GpuAsk::Whole(resources.gpus)
    } else {
        GpuAsk::None
    };
    Request {
        cpu_milli: resources.cpu_milli,
        memory_mib: resources.memory_mib,
        gpu,
        gpu_models: resources.gpu_models.clone(),
    }
}

/// Every replica: (group name, replica index, request).
pub fn replicas_of(spec: &WorkloadSpec) -> Vec<(&str, u32, Request)> {
    spec.groups
        .iter()
        .flat_map(|g| (0..g.replicas).map(move |r| (g.name.as_str(), r, request_of(&g.resources))))
        .collect()
}

/// Stored placements laid beside the replicas: `placed[i]` is replica i's spot, if it has one.
pub fn spots_of(spec: &WorkloadSpec, placements: &[ReplicaPlacement]) -> Vec<Option<Spot>> {
    replicas_of(spec)
        .iter()
        .map(|(group, replica, _)| {
            placements
                .iter()
                .find(|p| p.group == *group && p.replica == *replica)
                .map(|p| Spot {
                    node: p.node.clone(),
                    gpus: p.gpus.iter().map(|g| (g.index, g.milli)).collect(),
                })
        })
        .collect()
}

/// Spots back to placements, replica by replica.
pub fn placements_of(spec: &WorkloadSpec, spots: &[Option<Spot>]) -> Vec<ReplicaPlacement> {
    replicas_of(spec)
        .iter()
        .zip(spots)
        .filter_map(|((group, replica, _), spot)| {
            spot.as_ref().map(|s| ReplicaPlacement {
                group: (*group).to_owned(),
                replica: *replica,
                node: s.node.clone(),
                gpus: s
                    .gpus
                    .iter()
                    .map(|&(index, milli)| api::GpuShare { index, milli })
                    .collect(),
            })
        })
        .collect()
}
