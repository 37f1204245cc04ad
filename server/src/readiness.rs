use std::sync::Mutex;

use backend::store::Store;

/// Whether the database has been prepared (migrations applied), and if not, why. `/readyz`
/// reports it; a database that is down at start is retried in the background.
#[derive(Default)]
pub struct Readiness {
    state: Mutex<DatabaseState>,
}

#[derive(Default, Clone)]
enum DatabaseState {
    #[default]
    Preparing,
    Failed(String),
    Ready,
}

impl Readiness {
    pub fn mark_ready(&self) {
        self.set(DatabaseState::Ready);
    }

    pub fn mark_failed(&self, cause: String) {
        self.set(DatabaseState::Failed(cause));
    }

    fn set(&self, state: DatabaseState) {
        if let Ok(mut guard) = self.state.lock() {
            *guard = state;
        }
    }

    /// `Ok` when the database is prepared and answers now; otherwise the cause, in words.
    pub async fn check_database(&self, store: &Store) -> Result<(), String> {
        let state = self.state.lock().map(|g| g.clone()).unwrap_or_default();
        match state {
            DatabaseState::Preparing => {
                Err("database: migrations have not been applied yet".into())
            }
            DatabaseState::Failed(cause) => Err(format!("database: {cause}")),
            DatabaseState::Ready => store.ping().await.map_err(|e| format!("database: {e}")),
        }
    }
}
