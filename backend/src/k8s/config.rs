//! What differs between clusters: the names of the cluster roles, of the GPU resources and
//! labels, the GPU taints and Capstan's own namespace. The defaults fit a cluster with the NVIDIA
//! device plugin and GPU feature discovery, and `deploy/`'s RBAC.

use k8s_openapi::api::core::v1::Toleration;

/// Cluster-specific names the builders use; [`K8sConfig::default`] fits a standard NVIDIA cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct K8sConfig {
    /// The namespace Capstan itself runs in; its pods may reach every profile's pods.
    pub platform_namespace: String,
    /// ClusterRole that profile owners and admins are bound to.
    pub admin_cluster_role: String,
    /// ClusterRole that editors (and the `default-editor` service account) are bound to.
    pub edit_cluster_role: String,
    /// ClusterRole that viewers (and the `default-viewer` service account) are bound to.
    pub view_cluster_role: String,
    /// Extended resource of one whole GPU (the device plugin's name).
    pub gpu_resource: String,
    /// Extended resource that counts thousandths of a GPU, for milli-GPU shares; `None` when the
    /// cluster has no GPU-sharing device plugin, and then a share cannot run there.
    pub shared_gpu_resource: Option<String>,
    /// Node label whose value is the GPU model (GPU feature discovery sets `nvidia.com/gpu.product`).
    pub gpu_model_label: String,
    /// Tolerations that GPU-requesting pods get, so that they may run on tainted GPU nodes.
    pub gpu_tolerations: Vec<Toleration>,
    /// StorageClass of the volume claims; `None`: the cluster's default class.
    pub storage_class: Option<String>,
    /// The image that copies a served model from `s3://` before its replica starts: KServe's
    /// storage initializer, whose arguments are the URI and the destination.
    pub storage_initializer_image: String,
    /// Secret of the profile's namespace whose keys become the storage initializer's
    /// environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `S3_ENDPOINT`…); optional.
    pub storage_secret: String,
}

impl Default for K8sConfig {
    fn default() -> Self {
        K8sConfig {
            platform_namespace: "capstan".to_owned(),
            admin_cluster_role: "capstan-admin".to_owned(),
            edit_cluster_role: "capstan-edit".to_owned(),
            view_cluster_role: "capstan-view".to_owned(),
            gpu_resource: "nvidia.com/gpu".to_owned(),
            shared_gpu_resource: Some("capstan.dev/gpu-milli".to_owned()),
            gpu_model_label: "nvidia.com/gpu.product".to_owned(),
            gpu_tolerations: vec![Toleration {
                key: Some("nvidia.com/gpu".to_owned()),
                operator: Some("Exists".to_owned()),
                effect: Some("NoSchedule".to_owned()),
                ..Toleration::default()
            }],
            storage_class: None,
            storage_initializer_image: "docker.io/kserve/storage-initializer:v0.14.1".to_owned(),
            storage_secret: "capstan-storage".to_owned(),
        }
    }
}
