//! The workload engine of a standalone server: this machine's GPUs (found or declared), the
//! local runtime under the data directory, and the scheduler's settings.

use std::sync::Arc;
use std::time::Duration;

use backend::events::EventBus;
use backend::inventory;
use backend::runtime::{LocalOptions, LocalRuntime};
use backend::scheduler::Policy;
use backend::store::Store;
use backend::workload::{Engine, EngineConfig, PriorityClasses};

use crate::config::Config;

/// Cycles the head of a queue waits before what competes with it is held back.
const PATIENCE: u32 = 10;
/// A cycle runs at least this often.
const INTERVAL: Duration = Duration::from_secs(2);
/// The standalone node's name in placements and on the GPUs page.
pub const LOCAL_NODE: &str = "local";

/// Builds the engine. The configuration loader has already checked the policy, the classes
/// and the GPU declaration; discovery can still fail (a broken driver), and then the server
/// starts without GPUs and says why.
pub fn build(config: &Config, store: Store, events: EventBus) -> Arc<Engine> {
    let node = inventory::standalone(LOCAL_NODE, &config.gpus).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "GPU discovery failed; scheduling without GPUs");
        inventory::local_node(LOCAL_NODE, Vec::new(), false)
    });
    tracing::info!(
        gpus = node.gpus.len(),
        simulated = node.simulated,
        cpu_milli = node.cpu_milli,
        memory_mib = node.memory_mib,
        "inventory"
    );
    let engine_config = EngineConfig {
        policy: Policy::parse(&config.scheduler_policy).unwrap_or(Policy::Fgd),
        classes: PriorityClasses::parse(&config.priority_classes, &config.default_priority_class)
            .unwrap_or_else(|_| {
                PriorityClasses::parse("default=100", "default").expect("a valid literal")
            }),
        patience: PATIENCE,
        stop_grace: Duration::from_secs(config.stop_grace_seconds),
        interval: INTERVAL,
    };
    let runtime = LocalRuntime::new(
        config.data_dir.clone(),
        LocalOptions {
            stop_grace: Duration::from_secs(config.stop_grace_seconds),
            ..LocalOptions::default()
        },
    );
    Engine::new(store, Arc::new(runtime), vec![node], engine_config, events)
}
