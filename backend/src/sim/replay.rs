//! The FGD artifact's protocol: pods are drawn from the trace with the seed until their GPU
//! requests reach `inflate` times the cluster's GPUs, then placed one at a time, in that
//! (random) order, with no departures. The figure is the share of the cluster's GPU capacity
//! allocated at the moment the GPU demand that has arrived reaches 100% of capacity. Placement
//! goes through an [`IndexedCluster`] (the choices of [`Policy::choose`], found without scoring
//! every node); a decision's latency includes bringing its index up to date.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::scheduler::{GpuAsk, IndexedCluster, Node, Policy, Request, TaskMix};

#[derive(Debug, Clone, Copy)]
pub struct ReplayConfig {
    pub policy: Policy,
    pub seed: u64,
    /// How much GPU demand to draw, as a multiple of capacity (the artifact uses 1.3).
    pub inflate: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub gpu_alloc_pct: f64,
    pub decisions: usize,
    pub decisions_per_sec: f64,
    pub p50_us: f64,
    pub p99_us: f64,
}

pub fn replay(nodes: &[Node], pods: &[Request], config: ReplayConfig) -> Outcome {
    let capacity: u64 = nodes.iter().map(Node::free_gpu_milli).sum();
    let mix = TaskMix::of(pods);
    let arrivals = draw(pods, capacity, config);
    let mut cluster = IndexedCluster::new(nodes.to_vec(), config.policy, &mix, pods);

    let mut arrived = 0u64;
    let mut allocated = 0u64;
    let mut alloc_at_full: Option<u64> = None;
    let mut latencies = Vec::with_capacity(arrivals.len());
    let started = Instant::now();
    for request in &arrivals {
        // A decision is choosing and bringing the index up to date.
        let decided = Instant::now();
        if let Some(placement) = cluster.choose(request) {
            cluster.take(request, &placement);
            allocated += request.gpu.total_milli();
        }
        latencies.push(decided.elapsed().as_secs_f64() * 1e6);
        arrived += request.gpu.total_milli();
        if alloc_at_full.is_none() && arrived >= capacity {
            alloc_at_full = Some(allocated);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    Outcome {
        gpu_alloc_pct: 100.0 * alloc_at_full.unwrap_or(allocated) as f64 / capacity.max(1) as f64,
        decisions: arrivals.len(),
        decisions_per_sec: arrivals.len() as f64 / elapsed.max(1e-9),
        p50_us: quantile(0.50),
        p99_us: quantile(0.99),
    }
}

/// Pods drawn with replacement until their GPU requests reach `inflate` x capacity.
fn draw(pods: &[Request], capacity: u64, config: ReplayConfig) -> Vec<Request> {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let target = (capacity as f64 * config.inflate) as u64;
    let mut demand = 0u64;
    let mut drawn = Vec::new();
    let gpu_pods = pods.iter().any(|p| p.gpu != GpuAsk::None);
    while demand < target && gpu_pods {
        let pod = &pods[rng.gen_range(0..pods.len())];
        demand += pod.gpu.total_milli();
        drawn.push(pod.clone());
    }
    drawn
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(gpu: GpuAsk) -> Request {
        Request {
            cpu_milli: 1000,
            memory_mib: 1024,
            gpu,
            gpu_models: Vec::new(),
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_outcome_and_no_gpu_is_overfilled() {
        let nodes: Vec<Node> = (0..4)
            .map(|i| Node::new(&format!("n{i}"), 64000, 262144, 4, None))
            .collect();
        let pods = vec![
            pod(GpuAsk::Share(300)),
            pod(GpuAsk::Whole(1)),
            pod(GpuAsk::Whole(2)),
        ];
        for policy in [Policy::BestFit, Policy::Fgd] {
            let config = ReplayConfig {
                policy,
                seed: 7,
                inflate: 1.3,
            };
            let a = replay(&nodes, &pods, config);
            let b = replay(&nodes, &pods, config);
            assert_eq!(a.gpu_alloc_pct, b.gpu_alloc_pct);
            assert!(a.gpu_alloc_pct > 50.0 && a.gpu_alloc_pct <= 100.0, "{a:?}");
        }
    }
}
