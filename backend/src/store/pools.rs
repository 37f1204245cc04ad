//! The store's connections: reads share a pool, writes go through their own. For SQLite the
//! write pool is one connection, so writers queue in the process and each gets the database
//! the moment the one before it commits; two writers on separate connections collide instead,
//! and the loser sleeps in SQLite's busy handler (1 ms, then 2, 5…), which is most of a task's
//! start-up latency in a pipeline run. PostgreSQL takes concurrent writers: one pool serves both.

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use super::DatabaseKind;

pub(crate) struct Pools {
    pub(crate) read: AnyPool,
    pub(crate) write: AnyPool,
}

impl Pools {
    /// Prepares the pools without connecting.
    pub(super) fn connect_lazy(kind: DatabaseKind, options: AnyConnectOptions) -> Self {
        match kind {
            DatabaseKind::Sqlite => Pools {
                // WAL lets readers go on while the writer writes.
                read: pool_options(kind, 4).connect_lazy_with(options.clone()),
                write: pool_options(kind, 1).connect_lazy_with(options),
            },
            DatabaseKind::Postgres => {
                let pool = pool_options(kind, 10).connect_lazy_with(options);
                Pools {
                    read: pool.clone(),
                    write: pool,
                }
            }
        }
    }

    pub(super) async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

fn pool_options(kind: DatabaseKind, connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if kind == DatabaseKind::Sqlite {
                    // The busy timeout still covers another process on the same file (a
                    // second Capstan, the sqlite3 shell) and the migrations.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
}
