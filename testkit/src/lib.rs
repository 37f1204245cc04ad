//! Pieces that tests and `cargo xtask test` share.

pub mod oidc;
mod postgres;
#[cfg(feature = "store")]
mod stores;

pub use postgres::{PgCluster, PgError};
#[cfg(feature = "store")]
pub use stores::{Keep, postgres, sqlite};

/// The variable through which `cargo xtask test` hands its PostgreSQL server to the tests.
pub const POSTGRES_URL_VAR: &str = "CAPSTAN_TEST_POSTGRES_URL";
