//! Kubernetes objects for profiles and placed workloads, built by pure functions: no API server,
//! no I/O. `KubeRuntime` applies what these return (server-side apply) and prunes what it owns
//! but they no longer return, by the `app.kubernetes.io/managed-by=capstan` and
//! `capstan.dev/profile` labels.
//!
//! A profile ([`profile_objects`]) is a Namespace of the same name, a RoleBinding per
//! contributor to a configured ClusterRole, Kubeflow's `default-editor` and `default-viewer`
//! service accounts with their bindings, a ResourceQuota and a NetworkPolicy that admits traffic
//! only from the namespace itself and from Capstan's own.
//!
//! A workload ([`workload_objects`]) lives in its profile's namespace. Each replica group becomes
//! objects by the workload's kind:
//!
//! | kind       | objects per group                        | why                                                  |
//! |------------|------------------------------------------|------------------------------------------------------|
//! | `notebook` | StatefulSet (claim templates)            | stable pod name, home volume kept across restarts, as Kubeflow's notebook controller |
//! | `server`   | Deployment (`Recreate`) + claims         | stateless replicas behind a Service, restarted when they crash |
//! | `step`     | Job (`backoffLimit: 0`) + claims         | runs to completion; Capstan decides on retries       |
//! | `trial`    | Job (`backoffLimit: 0`) + claims         | as a step                                            |
//! | `training` | one Pod per replica + claims             | stable per-replica names and DNS (`<pod>.<service>`), as the training operators create them, each pinned to its own placed node |
//!
//! and a Service when the group has ports (headless for training). Names are `<workload>-<group>`
//! (training pods `<workload>-<group>-<replica>`), shortened with a hash when too long
//! ([`names`]).
//!
//! A notebook started from the spawner ([`notebook_objects`]) takes the shape of Kubeflow's
//! notebook controller instead, so that Kubeflow's images and habits carry over:
//!
//! | object                          | name               | what                                                    |
//! |---------------------------------|--------------------|---------------------------------------------------------|
//! | StatefulSet                     | `<name>`           | one replica, none while stopped (`kubeflow-resource-stopped`); pods labelled `statefulset` and `notebook-name`; container `<name>` on port 8888 (`notebook-port`), `NB_PREFIX`, `JUPYTER_TOKEN` from the Secret `<name>-token` that Capstan creates, requests and limits as the spec says, `fsGroup` 100 |
//! | Service                         | `<name>`           | ClusterIP, port 80 `http-<name>` to 8888                |
//! | PersistentVolumeClaim           | `<name>-workspace` | the home, `/home/jovyan`: a standalone claim, not a template, so it outlives the StatefulSet |
//! | PersistentVolumeClaim (each)    | the volume's name  | the data volumes of the spec and its configurations (10 GiB unless sized), labelled by the profile only: notebooks share them |
//!
//! Its GPUs, model, placement and queue gate are a workload's, through the same pod template.
//!
//! While a workload is queued its pods carry the `capstan.dev/queued` scheduling gate and no
//! node; once admitted the gate is gone and each pod is pinned to the node that Capstan's
//! scheduler chose ([`scheduling`] says how, and why not `nodeName`). Resources are requests equal
//! to limits, GPUs as the device plugin's resource, milli-GPU shares as a configured sharing
//! resource ([`resources`]).

mod config;
mod error;
pub mod labels;
pub mod names;
mod notebook_objects;
mod pod_template;
mod profile_objects;
mod replica_env;
pub mod resources;
pub mod scheduling;
mod volumes;
mod workload_objects;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod workload_tests;

pub use config::K8sConfig;
pub use error::BuildError;
pub use notebook_objects::{
    DEFAULT_DATA_VOLUME_MIB, NOTEBOOK_PORT, NotebookObjects, NotebookPlan, STOPPED_ANNOTATION,
    TOKEN_SECRET_KEY, WORKSPACE_MOUNT, notebook_objects,
};
pub use profile_objects::{
    DEFAULT_EDITOR, DEFAULT_VIEWER, NETWORK_POLICY_NAME, ProfileManifests, ProfileObjects,
    QUOTA_NAME, cluster_role, profile_objects,
};
pub use scheduling::QUEUED_GATE;
pub use workload_objects::{PlacedWorkload, WorkloadObject, workload_objects};
