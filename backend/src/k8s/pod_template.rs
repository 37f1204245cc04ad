//! One replica's pod: its container (image, command, args, env, ports, mounts, resources), its
//! volumes, the service account it runs as and where it may be scheduled. Every kind of
//! controller and the bare training pods share it.

use api::{ReplicaGroup, WorkloadKind, port_env_name};
use k8s_openapi::api::core::v1::{Container, ContainerPort, EnvVar, PodSpec};

use super::config::K8sConfig;
use super::error::BuildError;
use super::profile_objects::DEFAULT_EDITOR;
use super::resources::container_resources;
use super::scheduling::constrain;
use super::volumes;

/// How a group's sized volumes (those with `size_mib`) reach its pods; unsized ones are always
/// an `emptyDir` that lives as long as the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claims {
    /// A StatefulSet's claim templates: the controller makes one claim per replica and adds the
    /// volume to each pod itself.
    Templates,
    /// Claims created beside the group, one per volume, that all replicas mount.
    Shared,
}

/// The pod of one replica of `group` in workload `workload` (a `kind`), pinned to `nodes` when
/// admitted, held by the queue gate when `queued`.
pub struct PodPlan<'a> {
    pub config: &'a K8sConfig,
    pub workload: &'a str,
    pub kind: WorkloadKind,
    pub group: &'a ReplicaGroup,
    pub claims: Claims,
    pub restart_policy: &'static str,
    pub queued: bool,
    pub nodes: &'a [String],
}

impl PodPlan<'_> {
    pub fn pod_spec(&self) -> Result<PodSpec, BuildError> {
        let mut spec = PodSpec {
            init_containers: non_empty(volumes::init_containers(self.config, self.group)),
            containers: vec![self.container()?],
            volumes: non_empty(volumes::pod_volumes(self.workload, self.group, self.claims)),
            restart_policy: Some(self.restart_policy.to_owned()),
            ..PodSpec::default()
        };
        // Notebooks are where people work with the cluster (launch pipelines, look at their
        // runs), so they run as the profile's editor, as in Kubeflow; nothing else needs the
        // API, so nothing else gets a token.
        if self.kind == WorkloadKind::Notebook {
            spec.service_account_name = Some(DEFAULT_EDITOR.to_owned());
        } else {
            spec.automount_service_account_token = Some(false);
        }
        constrain(
            self.config,
            &self.group.resources,
            self.queued,
            self.nodes,
            &mut spec,
        );
        Ok(spec)
    }

    fn container(&self) -> Result<Container, BuildError> {
        let group = self.group;
        let image = group
            .image
            .clone()
            .filter(|image| !image.trim().is_empty())
            .ok_or_else(|| BuildError::MissingImage {
                workload: self.workload.to_owned(),
                group: group.name.clone(),
            })?;
        Ok(Container {
            name: group.name.clone(),
            image: Some(image),
            command: non_empty(group.command.clone()),
            args: non_empty(group.args.clone()),
            env: non_empty(self.env()),
            ports: non_empty(
                group
                    .ports
                    .iter()
                    .map(|port| ContainerPort {
                        container_port: i32::from(port.container_port),
                        // A container port's name is an IANA service name (15 characters at
                        // most); a longer one stays on the Service only.
                        name: is_iana_service_name(&port.name).then(|| port.name.clone()),
                        // Explicit, because server-side apply keys ports by port and protocol.
                        protocol: Some("TCP".to_owned()),
                        ..ContainerPort::default()
                    })
                    .collect(),
            ),
            volume_mounts: non_empty(volumes::mounts(group)),
            resources: container_resources(
                self.config,
                self.workload,
                &group.name,
                &group.resources,
            )?,
            ..Container::default()
        })
    }

    /// `CAPSTAN_PORT_<NAME>` per port and `PORT` for the first, as the local runtime sets
    /// them, then the group's own variables: Kubernetes expands `$(NAME)` only from variables
    /// listed before, so a command written for standalone mode (`$(CAPSTAN_PORT_HTTP)`) runs.
    fn env(&self) -> Vec<EnvVar> {
        let ports = &self.group.ports;
        let port_vars = ports
            .iter()
            .map(|port| (port_env_name(&port.name), port.container_port))
            .chain(
                ports
                    .first()
                    .map(|port| ("PORT".to_owned(), port.container_port)),
            )
            .map(|(name, port)| (name, port.to_string()));
        let group_vars = self.group.env.iter().map(|(k, v)| (k.clone(), v.clone()));
        port_vars
            .chain(group_vars)
            .map(|(name, value)| EnvVar {
                name,
                value: Some(value),
                value_from: None,
            })
            .collect()
    }
}

/// `None` for an empty list, which server-side apply then leaves out.
fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

/// 1-15 lower-case letters, digits and single inner dashes, with at least one letter.
fn is_iana_service_name(name: &str) -> bool {
    (1..=15).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.chars().any(|c| c.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use api::{PortSpec, Resources, VolumeSource, VolumeSpec};

    use super::*;

    fn group() -> ReplicaGroup {
        ReplicaGroup {
            name: "main".into(),
            replicas: 1,
            command: vec![],
            image: Some("jupyter/base:1".into()),
            args: vec!["--port=8888".into()],
            env: BTreeMap::from([("B".into(), "2".into()), ("A".into(), "1".into())]),
            ports: vec![
                PortSpec {
                    name: "http".into(),
                    container_port: 8888,
                },
                PortSpec {
                    name: "a-very-long-port-name".into(),
                    container_port: 9000,
                },
            ],
            volumes: vec![
                VolumeSpec {
                    name: "home".into(),
                    mount_path: "/home/jovyan".into(),
                    size_mib: Some(10240),
                    source: VolumeSource::Fresh,
                },
                VolumeSpec {
                    name: "scratch".into(),
                    mount_path: "/tmp/scratch".into(),
                    size_mib: None,
                    source: VolumeSource::Fresh,
                },
            ],
            working_dir: None,
            resources: Resources::default(),
        }
    }

    fn plan<'a>(config: &'a K8sConfig, group: &'a ReplicaGroup, claims: Claims) -> PodPlan<'a> {
        PodPlan {
            config,
            workload: "lab",
            kind: WorkloadKind::Server,
            group,
            claims,
            restart_policy: "Always",
            queued: false,
            nodes: &[],
        }
    }

    #[test]
    fn the_container_has_the_groups_image_args_env_and_ports() {
        let config = K8sConfig::default();
        let group = group();
        let spec = plan(&config, &group, Claims::Shared).pod_spec().unwrap();
        let container = &spec.containers[0];
        assert_eq!(container.name, "main");
        assert_eq!(container.image.as_deref(), Some("jupyter/base:1"));
        assert_eq!(container.command, None, "the image's entrypoint");
        assert_eq!(container.args, Some(vec!["--port=8888".to_owned()]));
        let env: Vec<_> = container
            .env
            .as_ref()
            .unwrap()
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(
            env,
            [
                "CAPSTAN_PORT_HTTP",
                "CAPSTAN_PORT_A_VERY_LONG_PORT_NAME",
                "PORT",
                "A",
                "B"
            ],
            "the ports first, for `$(…)` in the group's values; then BTreeMap order"
        );
        let ports = container.ports.as_ref().unwrap();
        assert_eq!(ports[0].name.as_deref(), Some("http"));
        assert_eq!(ports[0].container_port, 8888);
        assert_eq!(ports[1].name, None, "too long for a container port name");
        assert_eq!(spec.automount_service_account_token, Some(false));
    }

    #[test]
    fn a_command_replaces_the_entrypoint() {
        let config = K8sConfig::default();
        let mut group = group();
        group.command = vec!["python".into(), "serve.py".into()];
        let spec = plan(&config, &group, Claims::Shared).pod_spec().unwrap();
        assert_eq!(
            spec.containers[0].command,
            Some(vec!["python".to_owned(), "serve.py".to_owned()])
        );
    }

    #[test]
    fn sized_volumes_are_claims_and_others_empty_dirs() {
        let config = K8sConfig::default();
        let group = group();
        let volumes = plan(&config, &group, Claims::Shared)
            .pod_spec()
            .unwrap()
            .volumes
            .unwrap();
        assert_eq!(
            volumes[0]
                .persistent_volume_claim
                .as_ref()
                .unwrap()
                .claim_name,
            "lab-main-home"
        );
        assert!(volumes[1].empty_dir.is_some());

        let templated = plan(&config, &group, Claims::Templates).pod_spec().unwrap();
        let volumes = templated.volumes.unwrap();
        assert_eq!(volumes.len(), 1, "the StatefulSet adds the claim's volume");
        assert_eq!(volumes[0].name, "scratch");
        assert_eq!(
            templated.containers[0]
                .volume_mounts
                .as_ref()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn no_image_is_an_error_that_names_the_group() {
        let config = K8sConfig::default();
        let mut group = group();
        group.name = "worker".into();
        group.image = None;
        let err = plan(&config, &group, Claims::Shared)
            .pod_spec()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "group `worker` of workload `lab` has no image; cluster mode runs images"
        );
        group.image = Some("  ".into());
        assert!(matches!(
            plan(&config, &group, Claims::Shared).pod_spec(),
            Err(BuildError::MissingImage { .. })
        ));
    }

    #[test]
    fn iana_service_names() {
        assert!(is_iana_service_name("http"));
        assert!(is_iana_service_name("grpc-metrics"));
        assert!(!is_iana_service_name("8080"));
        assert!(!is_iana_service_name("a-very-long-port-name"));
        assert!(!is_iana_service_name("a--b"));
    }
}
