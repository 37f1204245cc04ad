use async_trait::async_trait;
use backend::clock::now_ms;
use backend::store::{SessionRecord, Store};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// tower-sessions' store over Capstan's own database (SQLite or PostgreSQL), so that sessions
/// survive restarts and are shared between replicas.
#[derive(Clone)]
pub struct DbSessionStore {
    store: Store,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbSessionStore").finish_non_exhaustive()
    }
}

impl DbSessionStore {
    pub fn new(store: Store) -> Self {
        DbSessionStore { store }
    }
}

fn to_row(record: &Record) -> session_store::Result<SessionRecord> {
    Ok(SessionRecord {
        id: record.id.to_string(),
        data: serde_json::to_vec(record)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?,
        expires_at_ms: i64::try_from(record.expiry_date.unix_timestamp_nanos() / 1_000_000)
            .unwrap_or(i64::MAX),
    })
}

fn backend_error(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh id that happens to exist already gets another one; never overwrite.
        loop {
            if self
                .store
                .sessions()
                .create(&to_row(record)?)
                .await
                .map_err(backend_error)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.store
            .sessions()
            .save(&to_row(record)?)
            .await
            .map_err(backend_error)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = self
            .store
            .sessions()
            .load(&id.to_string(), now_ms())
            .await
            .map_err(backend_error)?;
        row.map(|r| {
            serde_json::from_slice(&r.data).map_err(|e| session_store::Error::Decode(e.to_string()))
        })
        .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store
            .sessions()
            .delete(&id.to_string())
            .await
            .map_err(backend_error)
    }
}
