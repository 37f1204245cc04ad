//! The database. One [`Store`] over sqlx's `Any` driver serves SQLite (standalone) and
//! PostgreSQL (cluster) with the same SQL; each database has its own migration folder for the
//! few places where their dialects differ. Both pass the same test suite (`backend/tests`).

mod audit;
mod columns;
mod error;
mod experiments;
mod notebooks;
mod pipelines;
mod pools;
mod profiles;
mod recurring_runs;
mod run_tasks;
mod runs;
mod serving;
mod sessions;
mod tokens;
mod training;
mod tuning;
mod users;
mod wire;
mod workloads;

use std::str::FromStr;

use sqlx::any::AnyConnectOptions;

use pools::Pools;

pub use audit::{Audit, AuditEntry};
pub use error::StoreError;
pub use experiments::{ExperimentRow, Experiments};
pub use notebooks::{NotebookRow, Notebooks};
pub use pipelines::{NewVersion, PipelineRow, Pipelines, VersionRow};
pub use profiles::{BindingChange, ContributorRow, ProfileRow, Profiles, Quota, Subject};
pub use recurring_runs::{RecurringRunRow, RecurringRuns};
pub use run_tasks::{RunTasks, TaskRow};
pub use runs::{NewRunRow, RunFilter, RunRow, RunSort, Runs};
pub use serving::{ModelTokenRow, ReplicaLink, RevisionRow, ServiceRow, Serving, SpecUpdate};
pub use sessions::{SessionRecord, Sessions};
pub use tokens::{TokenRow, Tokens};
pub use training::{JobRow, NewCondition, Training};
pub use tuning::{MetricRow, TrialEnd, TrialRow, Tuning, TuningRow};
pub use users::{User, Users};
pub use workloads::{EventRow, NewWorkload, Transition, WorkloadRow, Workloads};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    /// Reads the scheme of a database URL; anything but `sqlite:` and `postgres(ql):` is refused.
    ///
    /// ```
    /// use backend::store::DatabaseKind;
    /// assert_eq!(DatabaseKind::of_url("sqlite://data/capstan.db").unwrap(), DatabaseKind::Sqlite);
    /// assert!(DatabaseKind::of_url("mysql://db/capstan").is_err());
    /// ```
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(DatabaseKind::Sqlite),
            "postgres" | "postgresql" => Ok(DatabaseKind::Postgres),
            _ => Err(StoreError::UnsupportedUrl(scheme.to_owned())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
pub struct Store {
    db: std::sync::Arc<Pools>,
    kind: DatabaseKind,
}

impl Store {
    /// Prepares a pool for `url` without connecting: a database that is down at start makes
    /// the first query (and `/readyz`) fail with the cause instead of stopping the process.
    pub fn connect_lazy(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let kind = DatabaseKind::of_url(url)?;
        let options = AnyConnectOptions::from_str(url).map_err(StoreError::BadUrl)?;
        let db = std::sync::Arc::new(Pools::connect_lazy(kind, options));
        Ok(Store { db, kind })
    }

    pub fn kind(&self) -> DatabaseKind {
        self.kind
    }

    /// Applies the migrations of this database's folder that have not run yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.kind {
            DatabaseKind::Sqlite => &SQLITE_MIGRATIONS,
            DatabaseKind::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.db.write).await?;
        Ok(())
    }

    /// Answers whether the database takes a query now.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.db.read).await?;
        Ok(())
    }

    pub fn users(&self) -> Users<'_> {
        Users::new(&self.db)
    }

    pub fn profiles(&self) -> Profiles<'_> {
        Profiles::new(&self.db)
    }

    pub fn sessions(&self) -> Sessions<'_> {
        Sessions::new(&self.db)
    }

    pub fn tokens(&self) -> Tokens<'_> {
        Tokens::new(&self.db)
    }

    pub fn workloads(&self) -> Workloads<'_> {
        Workloads::new(&self.db)
    }

    pub fn notebooks(&self) -> Notebooks<'_> {
        Notebooks::new(&self.db)
    }

    pub fn pipelines(&self) -> Pipelines<'_> {
        Pipelines::new(&self.db)
    }

    pub fn experiments(&self) -> Experiments<'_> {
        Experiments::new(&self.db)
    }

    pub fn tuning(&self) -> Tuning<'_> {
        Tuning::new(&self.db)
    }

    pub fn serving(&self) -> Serving<'_> {
        Serving::new(&self.db)
    }

    pub fn training(&self) -> Training<'_> {
        Training::new(&self.db)
    }

    pub fn runs(&self) -> Runs<'_> {
        Runs::new(&self.db, self.kind)
    }

    pub fn run_tasks(&self) -> RunTasks<'_> {
        RunTasks::new(&self.db)
    }

    pub fn recurring_runs(&self) -> RecurringRuns<'_> {
        RecurringRuns::new(&self.db)
    }

    pub fn audit(&self) -> Audit<'_> {
        Audit::new(&self.db)
    }

    /// Waits for queries in flight and closes every connection.
    pub async fn close(&self) {
        self.db.close().await;
    }
}
