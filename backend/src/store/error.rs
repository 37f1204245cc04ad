#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL scheme `{0}` is not supported: use sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    #[error("database URL is malformed: {0}")]
    BadUrl(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the database holds a value this build does not understand: {0}")]
    Corrupt(String),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}
