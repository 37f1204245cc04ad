//! Each autoscaler tick: what the router measured of a revision since the last one, the
//! autoscaler's decision on it, and the model's sample for the charts.

use std::sync::atomic::Ordering;
use std::time::Instant;

use api::ModelSample;

use super::{RevisionState, SAMPLES};
use crate::serving::Serving;
use crate::serving::autoscaler::Observation;
use crate::serving::routes::{LatencyBuckets, RevisionStats};
use crate::serving::spec::{RevisionSpec, ScaleMetric};
use crate::serving::traffic::Split;
use crate::store::ReplicaLink;

impl Serving {
    /// Reads the revision's counters and lets its autoscaler decide.
    pub(super) fn observe(
        &self,
        st: &mut RevisionState,
        stats: &RevisionStats,
        spec: &RevisionSpec,
        now_ms: i64,
        ready: u32,
    ) {
        let requests = stats.requests.load(Ordering::Relaxed);
        let busy = stats.busy_micros.load(Ordering::Relaxed);
        let in_flight = stats.in_flight.load(Ordering::Relaxed);
        let seconds = st.last_at.elapsed().as_secs_f64().max(1e-3);
        let new_requests = requests.saturating_sub(st.last_requests);
        // Answered requests' time over the tick is the average concurrency; requests still in
        // flight (a slow model) count at least as themselves.
        let concurrency = (busy.saturating_sub(st.last_busy_micros) as f64 / 1e6 / seconds)
            .max(f64::from(in_flight));
        let value = match spec.scale.metric {
            ScaleMetric::Concurrency => concurrency,
            ScaleMetric::Rps => new_requests as f64 / seconds,
        };
        let decision = st.autoscaler.decide(
            Observation {
                at_ms: now_ms,
                value,
                requests: new_requests + u64::from(in_flight),
                demand: stats.demand.load(Ordering::Relaxed),
                ready,
            },
            &spec.scale,
            &self.config.autoscale,
        );
        st.desired = decision.desired;
        st.panic = decision.panic;
    }

    /// The model's point for the charts: the revisions with traffic together.
    pub(super) fn sample(
        &self,
        service_id: i64,
        split: &Split,
        links: &[&ReplicaLink],
        now_ms: i64,
    ) {
        let mut state = self.state();
        let mut rps = 0.0;
        let mut concurrency = 0.0;
        let mut errors = 0;
        let mut before = [0u64; 35];
        let mut after = [0u64; 35];
        for (number, _) in &split.shares {
            let stats = self.routes.stats(service_id, *number);
            let Some(st) = state.revisions.get_mut(&(service_id, *number)) else {
                continue;
            };
            let seconds = st.last_at.elapsed().as_secs_f64().max(1e-3);
            let requests = stats.requests.load(Ordering::Relaxed);
            let busy = stats.busy_micros.load(Ordering::Relaxed);
            let errs = stats.errors.load(Ordering::Relaxed);
            let latency = stats.latency.snapshot();
            rps += requests.saturating_sub(st.last_requests) as f64 / seconds;
            concurrency += busy.saturating_sub(st.last_busy_micros) as f64 / 1e6 / seconds;
            errors += errs.saturating_sub(st.last_errors);
            for i in 0..35 {
                before[i] += st.last_latency[i];
                after[i] += latency[i];
            }
            st.last_requests = requests;
            st.last_busy_micros = busy;
            st.last_errors = errs;
            st.last_latency = latency;
            st.last_at = Instant::now();
        }
        let replicas = links
            .iter()
            .filter(|l| state.ready.contains_key(&l.workload_id))
            .count() as u32;
        let samples = state.samples.entry(service_id).or_default();
        samples.push_back(ModelSample {
            at_ms: now_ms,
            rps,
            concurrency,
            replicas,
            p50_ms: LatencyBuckets::quantile_ms(&before, &after, 0.5),
            p99_ms: LatencyBuckets::quantile_ms(&before, &after, 0.99),
            errors,
        });
        while samples.len() > SAMPLES {
            samples.pop_front();
        }
    }
}
