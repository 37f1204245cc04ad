//! A group's volumes in its pods, by where their contents come from:
//!
//! - fresh: an `emptyDir`, or a claim that Capstan makes when the volume is sized ([`Claims`]);
//! - an existing claim of the profile, its sub-path mounted (read-only when asked): a served
//!   model on a PVC, mounted at `/mnt/models` as KServe does for `pvc://`;
//! - a download: an `emptyDir` that an init container fills from a URI before the replica
//!   starts, as KServe's storage initializer does for `s3://`. Its credentials come from the
//!   configured Secret of the profile's namespace (`AWS_ACCESS_KEY_ID`, `S3_ENDPOINT`…), optional
//!   so that a public bucket needs none.

use api::{ReplicaGroup, VolumeSource, VolumeSpec};
use k8s_openapi::api::core::v1::{
    Container, EmptyDirVolumeSource, EnvFromSource, PersistentVolumeClaimVolumeSource,
    ResourceRequirements, SecretEnvSource, Volume, VolumeMount,
};

use super::config::K8sConfig;
use super::names::{claim_name, fit};
use super::pod_template::Claims;
use super::resources::{cpu, memory};

/// The pod's volumes; a sized fresh one under claim templates is the StatefulSet's to add.
pub fn pod_volumes(workload: &str, group: &ReplicaGroup, claims: Claims) -> Vec<Volume> {
    group
        .volumes
        .iter()
        .filter_map(|volume| pod_volume(workload, group, volume, claims))
        .collect()
}

fn pod_volume(
    workload: &str,
    group: &ReplicaGroup,
    volume: &VolumeSpec,
    claims: Claims,
) -> Option<Volume> {
    let mut out = Volume {
        name: volume.name.clone(),
        ..Volume::default()
    };
    let claim = |claim_name: String, read_only: bool| PersistentVolumeClaimVolumeSource {
        claim_name,
        read_only: read_only.then_some(true),
    };
    match (&volume.source, volume.size_mib, claims) {
        (VolumeSource::Fresh, Some(_), Claims::Templates) => return None,
        (VolumeSource::Fresh, Some(_), Claims::Shared) => {
            let name = claim_name(workload, &group.name, &volume.name);
            out.persistent_volume_claim = Some(claim(name, false));
        }
        (
            VolumeSource::Claim {
                claim: name,
                read_only,
                ..
            },
            _,
            _,
        ) => out.persistent_volume_claim = Some(claim(name.clone(), *read_only)),
        (VolumeSource::Fresh, None, _) | (VolumeSource::Download { .. }, _, _) => {
            out.empty_dir = Some(EmptyDirVolumeSource::default());
        }
    }
    Some(out)
}

/// Where the main container sees each volume.
pub fn mounts(group: &ReplicaGroup) -> Vec<VolumeMount> {
    group
        .volumes
        .iter()
        .map(|volume| {
            let mut mount = VolumeMount {
                name: volume.name.clone(),
                mount_path: volume.mount_path.clone(),
                ..VolumeMount::default()
            };
            if let VolumeSource::Claim {
                sub_path,
                read_only,
                ..
            } = &volume.source
            {
                mount.sub_path = (!sub_path.is_empty()).then(|| sub_path.clone());
                mount.read_only = read_only.then_some(true);
            }
            mount
        })
        .collect()
}

/// One init container per downloaded volume: `<image> <uri> <mount path>`, KServe's storage
/// initializer's arguments, with KServe's default requests and limits (a namespace with a
/// ResourceQuota refuses a container without them).
pub fn init_containers(config: &K8sConfig, group: &ReplicaGroup) -> Vec<Container> {
    group
        .volumes
        .iter()
        .filter_map(|volume| match &volume.source {
            VolumeSource::Download { uri } => Some(Container {
                name: fit(&format!("storage-initializer-{}", volume.name), 63),
                image: Some(config.storage_initializer_image.clone()),
                args: Some(vec![uri.clone(), volume.mount_path.clone()]),
                env_from: Some(vec![EnvFromSource {
                    secret_ref: Some(SecretEnvSource {
                        name: config.storage_secret.clone(),
                        optional: Some(true),
                    }),
                    ..EnvFromSource::default()
                }]),
                volume_mounts: Some(vec![VolumeMount {
                    name: volume.name.clone(),
                    mount_path: volume.mount_path.clone(),
                    ..VolumeMount::default()
                }]),
                resources: Some(ResourceRequirements {
                    requests: Some(
                        [("cpu", cpu(100)), ("memory", memory(100))]
                            .map(|(k, v)| (k.to_owned(), v))
                            .into(),
                    ),
                    limits: Some(
                        [("cpu", cpu(1000)), ("memory", memory(1024))]
                            .map(|(k, v)| (k.to_owned(), v))
                            .into(),
                    ),
                    ..ResourceRequirements::default()
                }),
                ..Container::default()
            }),
            _ => None,
        })
        .collect()
}
