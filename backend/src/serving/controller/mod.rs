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
/// A revision whose replicas fail waits this long before the next start, doubling per failure.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
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
    /// The autoscaler's last decision.
    pub desired: u32,
    /// The replicas the last pass wanted (0 for a revision without traffic).
    pub wanted: u32,
    /// The counters at the last tick (`last_area` in request-microseconds).
    pub last_requests: u64,
    pub last_area: i128,
    pub last_errors: u64,
    pub last_latency: [u64; 35],
    pub last_at_micros: u64,
    /// Replicas that failed since one was last ready, why the last one did, and when.
    pub failures: u32,
    pub failure: Option<String>,
    pub failed_at: Option<Instant>,
}

impl RevisionState {
    /// `last_at_micros` starts at 0 (the routes' epoch): the first tick reads since then,
    /// which is what the stats hold.
    fn new(now_ms: i64, desired: u32) -> Self {
        RevisionState {
            autoscaler: Autoscaler::new(now_ms),
            desired,
            wanted: desired,
            last_requests: 0,
            last_area: 0,
            last_errors: 0,
            last_latency: [0; 35],
            last_at_micros: 0,
            failures: 0,
            failure: None,
            failed_at: None,
        }
    }

    pub fn gave_up(&self) -> bool {
        self.failures >= MAX_START_FAILURES
    }

    /// Whether a replica failed too recently to start another (1 s, 2 s, 4 s… up to 60 s).
    pub fn backing_off(&self) -> bool {
        let wait = FIRST_BACKOFF
            .saturating_mul(1 << self.failures.saturating_sub(1).min(6))
            .min(MAX_BACKOFF);
        self.failed_at.is_some_and(|at| at.elapsed() < wait)
    }

    pub fn failed(&mut self, reason: String) {
        self.failures += 1;
        self.failure = Some(reason);
        self.failed_at = Some(Instant::now());
    }
}

impl Serving {
    /// Runs until `shutdown` turns true.
    pub async fn run(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut events = self.engine.events().subscribe();
        let tick = self.config.autoscale.tick;
        let mut next_tick = Instant::now() + tick;
        let mut tokens_loaded = false;
        loop {
            if !tokens_loaded {
                match self.load_tokens().await {
                    Ok(()) => tokens_loaded = true,
                    Err(e) => tracing::warn!(error = %e, "could not load the model tokens"),
                }
            }
            let autoscale = Instant::now() >= next_tick;
            if autoscale {
                next_tick = Instant::now() + tick;
            }
            let pass = self.pass.lock().await;
            let outcome = self.reconcile_all(autoscale).await;
            drop(pass);
            let starting = match outcome {
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
                _ = not_ours(&mut events) => {}
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

/// The next event that is not the controller's own (its `model` events would wake it again).
async fn not_ours(events: &mut tokio::sync::broadcast::Receiver<api::Event>) {
    loop {
        match events.recv().await {
            Ok(e) if e.kind == api::EventKind::Model => continue,
            _ => return,
        }
    }
}
