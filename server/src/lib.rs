//! The `capstan` server: configuration, the HTTP surface, sign-in and sessions, and the
//! background loops. `main.rs` is only the command line over this library, so that tests can
//! build the same router.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod engine_setup;
pub mod error;
pub mod http;
pub mod notebook_access;
pub mod notebook_proxy;
pub mod notebook_setup;
pub mod pipeline_setup;
pub mod readiness;
pub mod router;
pub mod serve;
pub mod serving_router;
pub mod serving_setup;
pub mod sim_command;
pub mod state;
pub mod telemetry;
pub mod version;
