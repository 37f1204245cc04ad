//! Where a replica goes. Both policies consider every node that admits the request and every
//! distinct way its GPUs can go there; they differ in what they keep small.

use std::collections::HashMap;

use super::{Node, Placement, Request, TaskMix};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The node (and GPU) left with the least free GPU, then CPU: packs tightly.
    BestFit,
    /// The placement that adds the least expected fragmentation for the task mix.
    Fgd,
}

impl Policy {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "best-fit" | "bestfit" => Some(Policy::BestFit),
            "fgd" => Some(Policy::Fgd),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Policy::BestFit => "best-fit",
            Policy::Fgd => "fgd",
        }
    }

    /// The best placement, or `None` when nothing fits now.
    pub fn choose(self, nodes: &mut [Node], request: &Request, mix: &TaskMix) -> Option<Placement> {
        // Smallest first: added fragmentation (fgd only), then what stays free on the chosen
        // GPUs, on the node's GPUs, and of the node's CPU.
        let mut best: Option<((f64, u64, u64, u64), Placement)> = None;
        // Nodes in the same state score the same, and the first of equals wins: fgd scores
        // each state once (most of a cluster is a few shapes of idle or full nodes). Best-fit's
        // score is cheaper than the hash.
        let dedupe = self == Policy::Fgd;
        let mut states: HashMap<u64, usize> = HashMap::new();
        for index in 0..nodes.len() {
            if !nodes[index].admits(request) {
                continue;
            }
            if dedupe {
                let state = state_hash(&nodes[index]);
                if let Some(&seen) = states.get(&state)
                    && nodes[seen].same_state(&nodes[index])
                {
                    continue;
                }
                states.insert(state, index);
            }
            let node = &mut nodes[index];
            let before = match self {
                Policy::Fgd => mix.fragmentation(node),
                Policy::BestFit => 0.0,
            };
            for gpus in node.gpu_options(request.gpu) {
                node.take(request, &gpus);
                let added = match self {
                    Policy::Fgd => mix.fragmentation(node) - before,
                    Policy::BestFit => 0.0,
                };
                let chosen_left: u64 = gpus
                    .iter()
                    .map(|&(i, _)| u64::from(node.gpus[i].free_milli))
                    .sum();
                let key = (
                    added,
                    chosen_left,
                    node.free_gpu_milli(),
                    node.free_cpu_milli,
                );
                node.give_back(request, &gpus);
                if best.as_ref().is_none_or(|(best_key, _)| key < *best_key) {
                    best = Some((key, Placement { node: index, gpus }));
                }
            }
        }
        best.map(|(_, placement)| placement)
    }
}

/// FNV-1a over what decides a node's score: model, free CPU and memory, each GPU's free share.
fn state_hash(node: &Node) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    mix(node.gpu_model.as_deref().unwrap_or("").as_bytes());
    mix(&node.free_cpu_milli.to_le_bytes());
    mix(&node.free_memory_mib.to_le_bytes());
    for gpu in &node.gpus {
        mix(&gpu.free_milli.to_le_bytes());
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::GpuAsk;

    fn request(gpu: GpuAsk) -> Request {
        Request {
            cpu_milli: 1000,
            memory_mib: 1024,
            gpu,
            gpu_models: Vec::new(),
        }
    }

    #[test]
    fn best_fit_fills_the_fullest_gpu_first() {
        let mut nodes = vec![
            Node::new("a", 8000, 65536, 2, None),
            Node::new("b", 8000, 65536, 2, None),
        ];
        nodes[1].take(&request(GpuAsk::Share(300)), &[(1, 300)]);
        let placed = Policy::BestFit
            .choose(
                &mut nodes,
                &request(GpuAsk::Share(500)),
                &TaskMix::default(),
            )
            .unwrap();
        assert_eq!(
            placed,
            Placement {
                node: 1,
                gpus: vec![(1, 500)]
            }
        );
    }

    #[test]
    fn fgd_keeps_whole_gpus_whole_when_whole_gpu_tasks_are_expected() {
        // Node a has one GPU at 500 free; node b one idle GPU. A 500 share fits both; with
        // whole-GPU tasks expected, filling a's half GPU leaves b's whole one usable.
        let mut nodes = vec![
            Node::new("a", 8000, 65536, 1, None),
            Node::new("b", 8000, 65536, 1, None),
        ];
        nodes[0].take(&request(GpuAsk::Share(500)), &[(0, 500)]);
        let mix = TaskMix::of(&[request(GpuAsk::Whole(1)), request(GpuAsk::Share(500))]);
        let placed = Policy::Fgd
            .choose(&mut nodes, &request(GpuAsk::Share(500)), &mix)
            .unwrap();
        assert_eq!(placed.node, 0);
    }

    #[test]
    fn of_nodes_in_the_same_state_the_first_is_chosen() {
        let mut nodes: Vec<Node> = (0..3)
            .map(|i| Node::new(&format!("n{i}"), 8000, 65536, 2, None))
            .collect();
        nodes[0].take(&request(GpuAsk::Whole(2)), &[(0, 1000), (1, 1000)]);
        let mix = TaskMix::of(&[request(GpuAsk::Whole(1))]);
        let placed = Policy::Fgd
            .choose(&mut nodes, &request(GpuAsk::Whole(1)), &mix)
            .unwrap();
        assert_eq!(placed.node, 1);
    }

    #[test]
    fn nothing_fits_is_none() {
        let mut nodes = vec![Node::new("a", 8000, 65536, 1, None)];
        let placed =
            Policy::Fgd.choose(&mut nodes, &request(GpuAsk::Whole(2)), &TaskMix::default());
        assert_eq!(placed, None);
    }
}
