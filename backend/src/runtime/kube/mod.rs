//! The Kubernetes runtime (cluster mode), being built: what exists is the reading of pods
//! into a workload's phase ([`pod_status`]). Applying the builders' objects, the watchers
//! and the logs come next (issue 10); `kube-fake` is the API server their tests use.

pub mod pod_status;
