//! Capstan's dashboard. Pages render on the server (readable without JavaScript) and hydrate
//! in the browser for interaction. Server functions stay thin: principal -> backend -> DTO.

pub mod cluster_fns;
mod components;
pub mod events;
mod file_text;
mod layout;
mod nav;
pub mod notebook_fns;
mod pages;
mod quota_rows;
pub mod server_fns;
mod shell;
pub mod tenancy_fns;

pub use shell::{App, shell};
