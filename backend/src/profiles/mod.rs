//! Profiles: Kubeflow's per-user and per-team namespaces. Valid names, the roles contributors
//! hold, and the service that checks a principal's role before it touches a profile. The REST
//! API, the audit log and the UI come with the rest of the sign-in and tenancy issue.

mod name;
pub mod personal;
mod role;
pub mod service;

pub use name::{NameError, validate_dns_label, validate_profile_name};
pub use role::Role;
pub use service::ProfileError;
