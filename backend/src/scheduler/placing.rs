//! Places a workload's replicas on a working copy of the inventory, and turns placements into
//! spots (node names and GPU indices) and back.

use std::collections::HashMap;

use super::{Node, Placement, Policy, Request, Spot, TaskMix};

/// The inventory as one cycle changes it: what is free after every spot held so far.
#[derive(Debug, Clone)]
pub struct WorkingInventory {
    pub nodes: Vec<Node>,
    by_name: HashMap<String, usize>,
}

impl WorkingInventory {
    pub fn new(nodes: &[Node]) -> Self {
        WorkingInventory {
            by_name: nodes
                .iter()
                .enumerate()
                .map(|(i, n)| (n.name.clone(), i))
                .collect(),
            nodes: nodes.to_vec(),
        }
    }

    /// Takes what a held spot uses. A spot that no longer fits (its node is gone or shrank)
    /// is refused rather than overfilling anything; the caller learns it.
    pub fn hold(&mut self, request: &Request, spot: &Spot) -> bool {
        let Some(placement) = self.placement_of(spot) else {
            return false;
        };
        let node = &self.nodes[placement.node];
        let fits = node.free_cpu_milli >= request.cpu_milli
            && node.free_memory_mib >= request.memory_mib
            && placement
                .gpus
                .iter()
                .all(|&(i, milli)| node.gpus[i].free_milli >= milli);
        if fits {
            self.nodes[placement.node].take(request, &placement.gpus);
        }
        fits
    }

    pub fn release(&mut self, request: &Request, spot: &Spot) {
        if let Some(placement) = self.placement_of(spot) {
            self.nodes[placement.node].give_back(request, &placement.gpus);
        }
    }

    /// Places the requests, largest GPU ask first (small ones fill in around large ones);
    /// on the first that does not fit, gives back what the others took and answers `None`:
    /// all or nothing. Spots come back in the requests' order.
    pub fn place_all(
        &mut self,
        requests: &[&Request],
        policy: Policy,
        mix: &TaskMix,
    ) -> Option<Vec<Spot>> {
        let mut order: Vec<usize> = (0..requests.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(requests[i].gpu.total_milli()));
        let mut spots: Vec<Option<Spot>> = vec![None; requests.len()];
        for &i in &order {
            match self.place_one(requests[i], policy, mix) {
                Some(spot) => spots[i] = Some(spot),
                None => {
                    for (request, spot) in requests.iter().zip(&spots) {
                        if let Some(spot) = spot {
                            self.release(request, spot);
                        }
                    }
                    return None;
                }
            }
        }
        spots.into_iter().collect()
    }

    pub fn place_one(&mut self, request: &Request, policy: Policy, mix: &TaskMix) -> Option<Spot> {
        let placement = policy.choose(&mut self.nodes, request, mix)?;
        self.nodes[placement.node].take(request, &placement.gpus);
        Some(self.spot_of(&placement))
    }

    fn spot_of(&self, placement: &Placement) -> Spot {
        let node = &self.nodes[placement.node];
        Spot {
            node: node.name.clone(),
            gpus: placement
                .gpus
                .iter()
                .map(|&(i, milli)| (node.gpus[i].index, milli))
                .collect(),
        }
    }

    fn placement_of(&self, spot: &Spot) -> Option<Placement> {
        let node = *self.by_name.get(&spot.node)?;
        let gpus = spot
            .gpus
            .iter()
            .map(|&(index, milli)| {
                let position = self.nodes[node]
                    .gpus
                    .iter()
                    .position(|g| g.index == index)?;
                Some((position, milli))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Placement { node, gpus })
    }
}
