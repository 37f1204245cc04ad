//! The routing table the router reads on every request, without a database query: per
//! service, its revisions with their share of the traffic and their ready replicas, each with
//! its outstanding requests. The controller rebuilds a service's entry when something changes;
//! counters live in `Arc`s that survive the rebuilds.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::spec::Protocol;

/// One ready replica.
#[derive(Debug)]
pub struct ReplicaRoute {
    pub workload_id: i64,
    pub addr: SocketAddr,
    /// Requests sent and not yet answered.
    pub outstanding: AtomicU32,
}

/// What the autoscaler reads of a revision; written by the router.
///
/// Concurrency is measured exactly, as the time integral of the requests in flight, from three
/// counters the router bumps without a lock: with `S` the sum of every request's start time,
/// `E` the sum of the answered ones' end times and `n` those in flight, the integral up to `t`
/// is `E - S + n·t` (see [`RevisionStats::area_micros`]); its growth over a tick divided by the
/// tick is the average concurrency, a long request counting for the time it ran in the tick.
#[derive(Debug, Default)]
pub struct RevisionStats {
    pub in_flight: AtomicU32,
    pub requests: AtomicU64,
    start_sum_micros: AtomicU64,
    end_sum_micros: AtomicU64,
    /// A request found no ready replica and waits: scale from zero.
    pub demand: AtomicBool,
    /// Answers that were errors (5xx, timeouts, no replica).
    pub errors: AtomicU64,
    /// Answered requests by duration, for the charts' percentiles.
    pub latency: LatencyBuckets,
}

impl RevisionStats {
    /// Request-microseconds spent in flight from the routes' epoch to `now_micros`.
    pub fn area_micros(&self, now_micros: u64) -> i128 {
        let starts = i128::from(self.start_sum_micros.load(Ordering::Acquire));
        let ends = i128::from(self.end_sum_micros.load(Ordering::Acquire));
        let open = i128::from(self.in_flight.load(Ordering::Acquire));
        ends - starts + open * i128::from(now_micros)
    }
}

/// Upper bounds of the latency buckets, in microseconds: 100 µs growing by half each bucket,
/// up to about a minute; the last bucket takes the rest.
const BUCKET_BOUNDS_US: [u64; 34] = {
    let mut bounds = [0u64; 34];
    let mut bound = 100u64;
    let mut i = 0;
    while i < 34 {
        bounds[i] = bound;
        bound = bound * 3 / 2;
        i += 1;
    }
    bounds
};

#[derive(Debug)]
pub struct LatencyBuckets {
    counts: [AtomicU64; 35],
}

impl Default for LatencyBuckets {
    fn default() -> Self {
        LatencyBuckets {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl LatencyBuckets {
    pub fn record(&self, micros: u64) {
        let i = BUCKET_BOUNDS_US.partition_point(|b| *b < micros);
        self.counts[i].fetch_add(1, Ordering::Relaxed);
    }

    /// The counts now, to subtract an earlier snapshot from.
    pub fn snapshot(&self) -> [u64; 35] {
        std::array::from_fn(|i| self.counts[i].load(Ordering::Relaxed))
    }

    /// The `q` quantile (0-1) in milliseconds of the requests counted between two snapshots:
    /// the upper bound of the bucket it falls in.
    pub fn quantile_ms(before: &[u64; 35], after: &[u64; 35], q: f64) -> Option<f64> {
        let counts: Vec<u64> = after
            .iter()
            .zip(before)
            .map(|(a, b)| a - b.min(a))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = (q * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let bound = BUCKET_BOUNDS_US.get(i).copied().unwrap_or(u64::MAX / 1000);
                return Some(bound as f64 / 1000.0);
            }
        }
        None
    }
}

#[derive(Debug)]
pub struct RevisionRoute {
    pub number: u32,
    /// Share of the service's traffic, 0-100.
    pub percent: u32,
    pub protocol: Protocol,
    /// Requests one replica takes at once; 0: no limit.
    pub container_concurrency: u32,
    pub replicas: Vec<Arc<ReplicaRoute>>,
    pub stats: Arc<RevisionStats>,
}

#[derive(Debug)]
pub struct ServiceRoute {
    pub service_id: i64,
    pub timeout: Duration,
    /// Revisions that take traffic, in a fixed order.
    pub revisions: Vec<RevisionRoute>,
    /// Counts requests, to split them between revisions exactly.
    split: AtomicU64,
    /// Counts picks, so that replicas with as few requests as each other take turns.
    turn: AtomicU64,
}

impl ServiceRoute {
    pub fn new(service_id: i64, timeout: Duration, revisions: Vec<RevisionRoute>) -> Self {
        ServiceRoute {
            service_id,
            timeout,
            revisions,
            split: AtomicU64::new(0),
            turn: AtomicU64::new(0),
        }
    }

    /// The revision the next request goes to: request k goes to the revision whose cumulative
    /// share first passes (k mod 100) after spreading, so that any 100 consecutive requests
    /// split exactly by the percentages (a 20% canary gets requests 0, 5, 10…).
    pub fn pick_revision(&self) -> Option<&RevisionRoute> {
        let k = self.split.fetch_add(1, Ordering::Relaxed);
        // Spread 0..100 so that consecutive requests alternate rather than come in runs.
        let slot = (k.wrapping_mul(37) % 100) as u32;
        let mut cumulative = 0;
        for revision in &self.revisions {
            cumulative += revision.percent;
            if slot < cumulative {
                return Some(revision);
            }
        }
        self.revisions.iter().find(|r| r.percent > 0)
    }

    /// The ready replica of `revision` with the fewest outstanding requests (turns among
    /// equals), skipping `tried`; `None` when none is ready or all are at the revision's
    /// containerConcurrency.
    pub fn pick_replica(
        &self,
        revision: &RevisionRoute,
        tried: &[i64],
    ) -> Option<Arc<ReplicaRoute>> {
        let n = revision.replicas.len();
        if n == 0 {
            return None;
        }
        let start = self.turn.fetch_add(1, Ordering::Relaxed) as usize % n;
        let limit = match revision.container_concurrency {
            0 => u32::MAX,
            c => c,
        };
        (0..n)
            .map(|i| &revision.replicas[(start + i) % n])
            .filter(|r| !tried.contains(&r.workload_id))
            .map(|r| (r.outstanding.load(Ordering::Relaxed), r))
            .filter(|(load, _)| *load < limit)
            .min_by_key(|(load, _)| *load)
            .map(|(_, r)| Arc::clone(r))
    }
}

/// The table, and the signals between the router and the controller.
pub struct Routes {
    /// Profile → model → route: looked up by `&str`s, without making a key.
    services: RwLock<HashMap<String, HashMap<String, Arc<ServiceRoute>>>>,
    /// Times in the stats are microseconds since this instant.
    epoch: Instant,
    /// Model tokens' SHA-256 (hex) → the service they open.
    tokens: RwLock<HashMap<String, i64>>,
    stats: RwLock<HashMap<(i64, u32), Arc<RevisionStats>>>,
    replicas: RwLock<HashMap<i64, Arc<ReplicaRoute>>>,
    /// The controller publishes a change of the table (a replica became ready).
    pub changed: Notify,
    /// The router asks the controller for replicas (a request waits).
    pub demand: Notify,
    /// A replica finished a request: one waiting for a free slot may go.
    pub released: Notify,
}

impl Default for Routes {
    fn default() -> Self {
        Routes {
            services: RwLock::default(),
            epoch: Instant::now(),
            tokens: RwLock::default(),
            stats: RwLock::default(),
            replicas: RwLock::default(),
            changed: Notify::new(),
            demand: Notify::new(),
            released: Notify::new(),
        }
    }
}

impl Routes {
    /// Microseconds since the table was made: the clock of the stats.
    pub fn now_micros(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    pub fn service(&self, profile: &str, name: &str) -> Option<Arc<ServiceRoute>> {
        read(&self.services).get(profile)?.get(name).cloned()
    }

    pub fn put_service(&self, profile: &str, name: &str, route: ServiceRoute) {
        write(&self.services)
            .entry(profile.to_owned())
            .or_default()
            .insert(name.to_owned(), Arc::new(route));
        self.changed.notify_waiters();
    }

    pub fn remove_service(&self, profile: &str, name: &str) {
        let mut services = write(&self.services);
        if let Some(models) = services.get_mut(profile) {
            models.remove(name);
            if models.is_empty() {
                services.remove(profile);
            }
        }
        drop(services);
        self.changed.notify_waiters();
    }

    /// Services in the table: (profile, name).
    pub fn service_names(&self) -> Vec<(String, String)> {
        read(&self.services)
            .iter()
            .flat_map(|(p, models)| models.keys().map(|n| (p.clone(), n.clone())))
            .collect()
    }

    /// The stats of a revision, made on first use and kept across rebuilds.
    pub fn stats(&self, service_id: i64, revision: u32) -> Arc<RevisionStats> {
        if let Some(s) = read(&self.stats).get(&(service_id, revision)) {
            return Arc::clone(s);
        }
        Arc::clone(
            write(&self.stats)
                .entry((service_id, revision))
                .or_default(),
        )
    }

    /// Forgets the stats of services that are gone.
    pub fn retain_stats(&self, services: &std::collections::HashSet<i64>) {
        write(&self.stats).retain(|(s, _), _| services.contains(s));
    }

    /// The route of a replica, made on first use and kept while it is ready.
    pub fn replica(&self, workload_id: i64, addr: SocketAddr) -> Arc<ReplicaRoute> {
        let mut replicas = write(&self.replicas);
        let entry = replicas.entry(workload_id).or_insert_with(|| {
            Arc::new(ReplicaRoute {
                workload_id,
                addr,
                outstanding: AtomicU32::new(0),
            })
        });
        if entry.addr != addr {
            *entry = Arc::new(ReplicaRoute {
                workload_id,
                addr,
                outstanding: AtomicU32::new(0),
            });
        }
        Arc::clone(entry)
    }

    pub fn forget_replicas(&self, keep: &std::collections::HashSet<i64>) {
        write(&self.replicas).retain(|id, _| keep.contains(id));
    }

    pub fn token_service(&self, hash: &str) -> Option<i64> {
        read(&self.tokens).get(hash).copied()
    }

    pub fn set_tokens(&self, tokens: HashMap<String, i64>) {
        *write(&self.tokens) = tokens;
    }

    pub fn add_token(&self, hash: String, service_id: i64) {
        write(&self.tokens).insert(hash, service_id);
    }

    /// Forgets the tokens of services that are gone.
    pub fn retain_tokens(&self, services: &std::collections::HashSet<i64>) {
        write(&self.tokens).retain(|_, id| services.contains(id));
    }

    /// A ready replica's route, if the table has one (read-only: no entry is made).
    pub fn ready_replica(&self, workload_id: i64) -> Option<Arc<ReplicaRoute>> {
        read(&self.replicas).get(&workload_id).cloned()
    }

    pub fn remove_token(&self, hash: &str) {
        write(&self.tokens).remove(hash);
    }
}

/// A request on its way through a replica: counts it in and out, however it ends.
pub struct InFlight {
    replica: Arc<ReplicaRoute>,
    stats: Arc<RevisionStats>,
    started_micros: u64,
    routes: Arc<Routes>,
}

impl InFlight {
    pub fn start(
        routes: &Arc<Routes>,
        stats: &Arc<RevisionStats>,
        replica: Arc<ReplicaRoute>,
    ) -> Self {
        let started_micros = routes.now_micros();
        replica.outstanding.fetch_add(1, Ordering::Relaxed);
        stats
            .start_sum_micros
            .fetch_add(started_micros, Ordering::AcqRel);
        stats.in_flight.fetch_add(1, Ordering::AcqRel);
        stats.requests.fetch_add(1, Ordering::Relaxed);
        InFlight {
            replica,
            stats: Arc::clone(stats),
            started_micros,
            routes: Arc::clone(routes),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let ended = self.routes.now_micros();
        self.replica.outstanding.fetch_sub(1, Ordering::Relaxed);
        self.stats.end_sum_micros.fetch_add(ended, Ordering::AcqRel);
        self.stats.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.stats
            .latency
            .record(ended.saturating_sub(self.started_micros));
        self.routes.released.notify_one();
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; go on with it.
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(routes: &Routes, number: u32, percent: u32, replicas: &[i64]) -> RevisionRoute {
        RevisionRoute {
            number,
            percent,
            protocol: Protocol::V2,
            container_concurrency: 0,
            replicas: replicas
                .iter()
                .map(|id| {
                    routes.replica(*id, SocketAddr::from(([127, 0, 0, 1], 1000 + *id as u16)))
                })
                .collect(),
            stats: routes.stats(1, number),
        }
    }

    #[test]
    fn a_20_percent_canary_gets_20_of_every_100_requests() {
        let routes = Routes::default();
        let service = ServiceRoute::new(
            1,
            Duration::from_secs(1),
            vec![
                revision(&routes, 2, 20, &[1]),
                revision(&routes, 1, 80, &[2]),
            ],
        );
        let mut canary = 0;
        for _ in 0..1000 {
            if service.pick_revision().map(|r| r.number) == Some(2) {
                canary += 1;
            }
        }
        assert_eq!(canary, 200);
        // Not in a run: the first ten requests already reach both.
        let first: Vec<u32> = (0..10)
            .filter_map(|_| service.pick_revision().map(|r| r.number))
            .collect();
        assert!(first.contains(&1) && first.contains(&2), "{first:?}");
    }

    #[test]
    fn the_replica_with_fewest_outstanding_requests_is_picked() {
        let routes = Routes::default();
        let mut r = revision(&routes, 1, 100, &[1, 2, 3]);
        r.replicas[0].outstanding.store(2, Ordering::Relaxed);
        r.replicas[1].outstanding.store(0, Ordering::Relaxed);
        r.replicas[2].outstanding.store(1, Ordering::Relaxed);
        let service = ServiceRoute::new(1, Duration::from_secs(1), vec![]);
        for _ in 0..5 {
            assert_eq!(
                service.pick_replica(&r, &[]).map(|x| x.workload_id),
                Some(2)
            );
        }
        assert_eq!(
            service.pick_replica(&r, &[2]).map(|x| x.workload_id),
            Some(3)
        );
        r.container_concurrency = 1;
        r.replicas[1].outstanding.store(1, Ordering::Relaxed);
        assert!(
            service.pick_replica(&r, &[]).is_none(),
            "all at their limit"
        );
    }

    #[test]
    fn in_flight_counts_in_and_out() {
        let routes = Arc::new(Routes::default());
        let stats = routes.stats(1, 1);
        let replica = routes.replica(7, SocketAddr::from(([127, 0, 0, 1], 9)));
        {
            let _f = InFlight::start(&routes, &stats, Arc::clone(&replica));
            assert_eq!(replica.outstanding.load(Ordering::Relaxed), 1);
            assert_eq!(stats.in_flight.load(Ordering::Relaxed), 1);
        }
        assert_eq!(replica.outstanding.load(Ordering::Relaxed), 0);
        assert_eq!(stats.requests.load(Ordering::Relaxed), 1);
        // One request in flight for the whole span counts as concurrency 1 over it.
        let before = stats.area_micros(routes.now_micros());
        let _f = InFlight::start(&routes, &stats, Arc::clone(&replica));
        std::thread::sleep(Duration::from_millis(20));
        let now = routes.now_micros();
        let grew = stats.area_micros(now) - before;
        assert!((19_000..25_000).contains(&grew), "{grew}");
    }

    #[test]
    fn latency_quantiles_come_from_the_buckets() {
        let buckets = LatencyBuckets::default();
        let before = buckets.snapshot();
        for _ in 0..98 {
            buckets.record(1_000);
        }
        buckets.record(40_000);
        buckets.record(40_000);
        let after = buckets.snapshot();
        let p50 = LatencyBuckets::quantile_ms(&before, &after, 0.5).expect("p50");
        let p99 = LatencyBuckets::quantile_ms(&before, &after, 0.99).expect("p99");
        assert!((1.0..1.5).contains(&p50), "{p50}");
        assert!((40.0..60.0).contains(&p99), "{p99}");
        assert_eq!(LatencyBuckets::quantile_ms(&after, &after, 0.5), None);
    }
}
