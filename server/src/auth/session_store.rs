use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use backend::clock::now_ms;
use backend::store::{SessionRecord, Store};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// How long a session read from the database is trusted without reading it again. Changes
/// made through this process (sign-in, sign-out) update the cache at once; a sign-out on
/// another replica reaches this one within this time.
const CACHE_TTL: Duration = Duration::from_secs(5);
/// Above this many cached sessions, stale entries are dropped before adding another.
const CACHE_SOFT_LIMIT: usize = 10_000;

/// tower-sessions' store over Capstan's own database (SQLite or PostgreSQL), so that sessions
/// survive restarts and are shared between replicas. Reads go through a short-lived cache:
/// without it, every page view would cost a database round trip.
#[derive(Clone)]
pub struct DbSessionStore {
    store: Store,
    cache: Arc<Mutex<HashMap<Id, (Record, Instant)>>>,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbSessionStore").finish_non_exhaustive()
    }
}

impl DbSessionStore {
    pub fn new(store: Store) -> Self {
        DbSessionStore {
            store,
            cache: Arc::default(),
        }
    }

    fn cached(&self, id: &Id) -> Option<Record> {
        let cache = self.cache.lock().ok()?;
        let (record, at) = cache.get(id)?;
        (at.elapsed() < CACHE_TTL && record.expiry_date > time::OffsetDateTime::now_utc())
            .then(|| record.clone())
    }

    fn remember(&self, record: &Record) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_SOFT_LIMIT {
                cache.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
            }
            cache.insert(record.id, (record.clone(), Instant::now()));
        }
    }

    fn forget(&self, id: &Id) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(id);
        }
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
                self.remember(record);
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
            .map_err(backend_error)?;
        self.remember(record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.cached(id) {
            return Ok(Some(record));
        }
        let row = self
            .store
            .sessions()
            .load(&id.to_string(), now_ms())
            .await
            .map_err(backend_error)?;
        let record: Option<Record> = row
            .map(|r| {
                serde_json::from_slice(&r.data)
                    .map_err(|e| session_store::Error::Decode(e.to_string()))
            })
            .transpose()?;
        if let Some(record) = &record {
            self.remember(record);
        }
        Ok(record)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.forget(id);
        self.store
            .sessions()
            .delete(&id.to_string())
            .await
            .map_err(backend_error)
    }
}
