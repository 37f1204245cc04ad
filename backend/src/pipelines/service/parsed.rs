//! Parsed pipelines by version id. A version never changes, so its parse is good for as long as
//! it is kept; the run page asks for its run's graph on every refresh, and parsing a large
//! compiled pipeline costs more than the rest of that answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::pipelines::load_version;
use crate::pipelines::model::{Pipeline, SpecError};
use crate::store::VersionRow;

/// Enough for the versions in use at once; past it, the cache starts again (simpler than an
/// LRU and as good for a handful of hot versions).
const KEEP: usize = 64;

#[derive(Default)]
pub(super) struct ParsedVersions {
    parsed: Mutex<HashMap<i64, Arc<Pipeline>>>,
}

impl ParsedVersions {
    pub(super) fn get(&self, version: &VersionRow) -> Result<Arc<Pipeline>, Vec<SpecError>> {
        if let Some(pipeline) = self.lock().get(&version.id) {
            return Ok(Arc::clone(pipeline));
        }
        let pipeline = Arc::new(load_version(&version.format, &version.source)?);
        let mut parsed = self.lock();
        if parsed.len() >= KEEP {
            parsed.clear();
        }
        parsed.insert(version.id, Arc::clone(&pipeline));
        Ok(pipeline)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<Pipeline>>> {
        // A panic while holding it leaves a map that is still right: every entry is whole.
        self.parsed.lock().unwrap_or_else(|e| e.into_inner())
    }
}
