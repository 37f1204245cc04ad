//! Cluster mode's controllers besides the runtime: profiles kept as their namespaces
//! ([`profile_sync`]) and the inventory kept as the cluster's nodes ([`nodes`]).

pub mod nodes;
pub mod profile_sync;
