//! The serving controller: one loop for every model. Each pass it brings finished replicas
//! back into the store, asks starting ones whether they answer, splits the traffic, lets the
//! autoscaler decide (once a tick), starts and stops replicas to match, and publishes the
//! routing table. Any workload event, a change of a model or a request waiting for a replica
//! wakes it at once; while a replica starts it looks every 100 ms.

mod observe;
mod reconcile;
mod replicas;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::ModelSample;

use super::Serving;
use super::autoscaler::Autoscaler;
use super::spec::RevisionSpec;

/// While a replica starts: how often to ask whether it answers.
const STARTING_TICK: Duration = Duration::from_millis(100);
/// Replicas of a revision that was never ready may fail this often before Capstan stops
/// starting new ones (the spec must change).
const MAX_START_FAILURES: u32 = 3;
/// Samples kept per model for the charts.
const SAMPLES: usize = 300;

/// What the controller remembers between passes.
#[derive(Default)]
pub(super) struct State {
    pub revisions: HashMap<(i64, u32), RevisionState>,
    /// Ready replicas (workload id) and where they listen.
    pub ready: HashMap<i64, SocketAddr>,
    pub samples: HashMap<i64, VecDeque<ModelSample>>,
    /// Revisions' specs, read once.
    pub specs: HashMap<(i64, u32), Arc<RevisionSpec>>,
}

pub(super) struct RevisionState {
    pub autoscaler: Autoscaler,
    pub desired: u32,
    pub panic: bool,
    /// The counters at the last tick.
    pub last_requests: u64,
    pub last_busy_micros: u64,
    pub last_errors: u64,
    pub last_latency: [u64; 35],
    pub last_at: Instant,
    /// Replicas that failed since one was last ready, and why the last one did.
    pub failures: u32,
    pub failure: Option<String>,
}

impl RevisionState {
    fn new(now_ms: i64, desired: u32) -> Self {
        RevisionState {
            autoscaler: Autoscaler::new(now_ms),
            desired,
            panic: false,
            last_requests: 0,
            last_busy_micros: 0,
            last_errors: 0,
            last_latency: [0; 35],
            last_at: Instant::now(),
            failures: 0,
            failure: None,
        }
    }

    pub fn gave_up(&self) -> bool {
        self.failures >= MAX_START_FAILURES
    }
}

impl Serving {
    /// Runs until `shutdown` turns true.
    pub async fn run(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        if let Err(e) = self.load_tokens().await {
            tracing::warn!(error = %e, "could not load the model tokens");
        }
        let mut events = self.engine.events().subscribe();
        let tick = self.config.autoscale.tick;
        let mut next_tick = Instant::now() + tick;
        loop {
            let autoscale = Instant::now() >= next_tick;
            if autoscale {
                next_tick = Instant::now() + tick;
            }
            let starting = match self.reconcile_all(autoscale).await {
                Ok(starting) => starting,
                Err(e) => {
                    tracing::warn!(error = %e, "serving controller");
                    false
                }
            };
            let wait = if starting {
                STARTING_TICK
            } else {
                next_tick.saturating_duration_since(Instant::now())
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = events.recv() => {}
                _ = self.kick.notified() => {}
                _ = self.routes.demand.notified() => {}
                changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { break },
            }
        }
    }

    /// Asks the controller to look now.
    pub(super) fn kick(&self) {
        self.kick.notify_one();
    }

    async fn load_tokens(&self) -> Result<(), crate::store::StoreError> {
        let tokens = self.store.serving().tokens().await?;
        self.routes
            .set_tokens(tokens.into_iter().map(|t| (t.hash, t.service_id)).collect());
        Ok(())
    }
}
