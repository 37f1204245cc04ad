//! Profiles: Kubeflow's per-user and per-team namespaces. This module has the rules that do
//! not need the database yet: valid names and the roles contributors hold. The store tables,
//! the service with its authorization checks and the REST API come with the rest of the
//! sign-in and tenancy issue.

mod name;
mod role;

pub use name::{NameError, validate_profile_name};
pub use role::Role;
