//! Cluster mode's controllers besides the runtime: profiles kept as their namespaces
//! ([`profile_sync`]), the inventory kept as the cluster's nodes ([`nodes`]), and one leader
//! among several replicas ([`leader`]).

pub mod leader;
pub mod nodes;
pub mod profile_sync;
