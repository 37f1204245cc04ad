//! The pipeline service of a server: the runner that drives runs (started here, so that runs
//! left unfinished by a previous process are picked up at once) and the service over it. With
//! `pipeline_warm_python`, KFP lightweight components' tasks start as `capstan task-launch`.

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
        warm_launcher: config.pipeline_warm_python.then(warm_launcher).flatten(),
    };
    let runner = PipelineRunner::spawn(store.clone(), engine.clone(), events, settings);
    PipelineService::new(store, engine, runner, config.data_dir.clone())
}

/// The small `capstan-task-launch` beside this binary (built with it: it starts in a fraction
/// of the time), else this binary's own `task-launch`; None (a warning) when the binary's path
/// is unknown.
fn warm_launcher() -> Option<Vec<String>> {
    match std::env::current_exe() {
        Ok(exe) => {
            let small = exe.with_file_name("capstan-task-launch");
            Some(if small.is_file() {
                vec![small.display().to_string()]
            } else {
                vec![exe.display().to_string(), "task-launch".to_owned()]
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot find Capstan's own binary: no warm Python");
            None
        }
    }
}
