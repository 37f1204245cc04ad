//! Capstan's dashboard. Pages render on the server (readable without JavaScript) and hydrate
//! in the browser for interaction. Server functions stay thin: principal -> backend -> DTO.

pub mod cluster_fns;
mod compare_rows;
mod components;
mod dag_layout;
pub mod events;
pub mod experiment_fns;
mod file_text;
mod layout;
mod log_follow;
mod nav;
pub mod notebook_fns;
mod pages;
pub mod pipeline_fns;
mod post_json;
mod quota_rows;
pub mod run_fns;
pub mod run_params;
mod run_query;
pub mod run_start_fns;
pub mod server_fns;
pub mod serving_fns;
mod shell;
pub mod tenancy_fns;
pub mod training_fns;
pub mod tuning_fns;

pub use shell::{App, shell};
