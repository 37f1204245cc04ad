//! Cluster mode's controllers besides the runtime: profiles kept as their namespaces
//! ([`profile_sync`]). The node inventory's reading of Node objects is
//! `crate::inventory::node_from_kube`.

pub mod profile_sync;
