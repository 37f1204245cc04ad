//! Capstan's backend: the domain services that the server, the UI's server functions and the
//! background loops share. It knows nothing of HTTP, axum or leptos.

pub mod audit;
pub mod authz;
pub mod clock;
pub mod cluster;
pub mod events;
pub mod inventory;
pub mod k8s;
pub mod local_accounts;
pub mod manifest;
pub mod notebooks;
pub mod pipelines;
pub mod profiles;
pub mod refusal;
pub mod runtime;
pub mod scheduler;
pub mod serving;
pub mod sim;
pub mod store;
pub mod tokens;
pub mod training;
pub mod tuning;
pub mod workload;
