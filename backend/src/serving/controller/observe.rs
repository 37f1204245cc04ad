//! Each autoscaler tick: what the router measured of a revision since the last one, the
//! autoscaler's decision on it, and the model's sample for the charts.

use std::sync::atomic::Ordering;

use api::ModelSample;

use super::{RevisionState, SAMPLES};
use crate::serving::Serving;
use crate::serving::autoscaler::Observation;
use crate::serving::routes::{LatencyBuckets, RevisionStats};
use crate::serving::spec::{RevisionSpec, ScaleMetric};
use crate::serving::traffic::Split;
use crate::store::ReplicaLink;

/// What a revision did since the last tick.
struct Since {
    seconds: f64,
    requests: u64,
    /// Average requests in flight.
    concurrency: f64,
}

impl Serving {
    /// What the revision's counters say since `st`'s last reading (not taken).
    fn since(&self, st: &RevisionState, stats: &RevisionStats) -> (Since, u64, i128) {
        let now = self.routes.now_micros();
        let area = stats.area_micros(now);
        let requests = stats.requests.load(Ordering::Relaxed);
        let micros = now.saturating_sub(st.last_at_micros).max(1);
        let since = Since {
            seconds: micros as f64 / 1e6,
            requests: requests.saturating_sub(st.last_requests),
            concurrency: ((area - st.last_area).max(0) as f64 / micros as f64),
        };
        (since, now, area)
    }

    /// Reads the revision's counters and lets its autoscaler decide.
    pub(super) fn observe(
        &self,
        st: &mut RevisionState,
        stats: &RevisionStats,
        spec: &RevisionSpec,
        now_ms: i64,
        ready: u32,
    ) {
        let (since, _, _) = self.since(st, stats);
        let in_flight = stats.in_flight.load(Ordering::Relaxed);
        let value = match spec.scale.metric {
            ScaleMetric::Concurrency => since.concurrency,
            ScaleMetric::Rps => since.requests as f64 / since.seconds,
        };
        let decision = st.autoscaler.decide(
            Observation {
                at_ms: now_ms,
                value,
                requests: since.requests + u64::from(in_flight),
                demand: stats.demand.load(Ordering::Relaxed),
                ready,
            },
            &spec.scale,
            &self.config.autoscale,
        );
        st.desired = decision.desired;
    }

    /// The model's point for the charts (the revisions with traffic together), which also
    /// takes the counters' readings for the next tick.
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
            let (since, now, area) = self.since(st, &stats);
            let errs = stats.errors.load(Ordering::Relaxed);
            let latency = stats.latency.snapshot();
            rps += since.requests as f64 / since.seconds;
            concurrency += since.concurrency;
            errors += errs.saturating_sub(st.last_errors);
            for i in 0..35 {
                before[i] += st.last_latency[i];
                after[i] += latency[i];
            }
            st.last_requests += since.requests;
            st.last_area = area;
            st.last_errors = errs;
            st.last_latency = latency;
            st.last_at_micros = now;
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
