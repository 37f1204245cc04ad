//! The pipeline service of a server: the runner that drives runs (started here, so that runs
//! left unfinished by a previous process are picked up at once) and the service over it.

use std::sync::Arc;

use backend::events::EventBus;
use backend::pipelines::runner::{PipelineRunner, RunnerSettings};
use backend::pipelines::service::PipelineService;
use backend::store::Store;
use backend::workload::Engine;

use crate::config::Config;

pub fn build(
    config: &Config,
    store: Store,
    engine: Arc<Engine>,
    events: EventBus,
) -> Arc<PipelineService> {
    let settings = RunnerSettings {
        data_dir: config.data_dir.clone(),
        path_prefix: config.pipeline_path.clone().filter(|p| !p.is_empty()),
        parallelism: config.pipeline_parallelism.max(1),
    };
    let runner = PipelineRunner::spawn(store.clone(), engine.clone(), events, settings);
    PipelineService::new(store, engine, runner, config.data_dir.clone())
}
