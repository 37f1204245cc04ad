//! Test stores: a SQLite file in a temporary folder, or a fresh database on a real
//! PostgreSQL server (the one `cargo xtask test` started, else one started for this test).

use std::sync::atomic::{AtomicU32, Ordering};

use crate::{POSTGRES_URL_VAR, PgCluster};
use backend::store::Store;
use sqlx::Connection;

/// Keeps what a test store lives on until the test ends.
pub enum Keep {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(#[allow(dead_code)] Option<PgCluster>),
}

pub async fn sqlite() -> (Store, Keep) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
    let store = Store::connect_lazy(&url).expect("a SQLite store");
    store.migrate().await.expect("migrations apply on SQLite");
    (store, Keep::Sqlite(dir))
}

pub async fn postgres() -> (Store, Keep) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let (server_url, cluster) = match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) => (url, None),
        Err(_) => {
            let cluster = PgCluster::start().expect("a PostgreSQL server for this test");
            (cluster.url(), Some(cluster))
        }
    };
    let name = format!(
        "capstan_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(&server_url)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create the test database");
    let url = format!(
        "{}/{name}",
        server_url
            .rsplit_once('/')
            .expect("a URL with a database")
            .0
    );
    let store = Store::connect_lazy(&url).expect("a PostgreSQL store");
    store
        .migrate()
        .await
        .expect("migrations apply on PostgreSQL");
    (store, Keep::Postgres(cluster))
}

/// Declares each listed test function (`async fn(Store)`) once per database.
#[macro_export]
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {
        $(
            mod $test {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let (store, _keep) = $crate::sqlite().await;
                    super::$test(store).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let (store, _keep) = $crate::postgres().await;
                    super::$test(store).await;
                }
            }
        )*
    };
}
