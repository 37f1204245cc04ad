//! What users do with pipelines, each checked against the caller's role in the profile first
//! (viewers read; editors upload, run, cancel, schedule and delete):
//!
//! - `uploads`: pipelines and their immutable versions;
//! - `graph_view`: a pipeline's or a run's graph for drawing;
//! - `experiments`: groups of runs;
//! - `runs`: start, list, read, cancel, retry, archive, delete, task logs;
//! - `recurring`: recurring runs, and the loop that starts their runs when due.

mod error;
mod experiments;
mod graph_view;
mod names;
mod parsed;
mod recurring;
mod runs;
mod uploads;

use std::sync::Arc;

pub use error::PipelineError;
pub use recurring::spawn_recurring_loop;

use super::runner::PipelineRunner;
use crate::store::Store;
use crate::workload::Engine;

pub struct PipelineService {
    store: Store,
    engine: Arc<Engine>,
    runner: PipelineRunner,
    data_dir: std::path::PathBuf,
    parsed: parsed::ParsedVersions,
}

impl PipelineService {
    pub fn new(
        store: Store,
        engine: Arc<Engine>,
        runner: PipelineRunner,
        data_dir: std::path::PathBuf,
    ) -> Arc<Self> {
        Arc::new(PipelineService {
            store,
            engine,
            runner,
            data_dir,
            parsed: Default::default(),
        })
    }
}
