//! A cluster that keeps its nodes in order of how good they could be for a kind of request,
//! so that a request scores a handful of nodes rather than all of them and still makes
//! [`Policy::choose`]'s choice.
//!
//! An *order* is kept for a GPU ask and a *floor* of CPU and memory: the nodes that have that
//! much free, by the rank that a request with the ask taking exactly the floor would get
//! there. A request with the ask that takes at least the floor ranks no better on any node
//! than its place in the order says (taking more CPU or memory only makes fewer tasks of the
//! mix fit), so it scores nodes in that order and stops at the first whose place is worse
//! than the best rank found. The closer the floor to the request, the sooner it stops. The
//! floors come from the expected requests: per ask the smallest CPU and memory among them,
//! then the sizes that most tighten the floors the expected requests get. A placement changes
//! one node: its place in each order is computed again, and nothing else is.

use super::fragmentation::Scorer;
use super::policy::{Options, Rank};
use super::{GpuAsk, Node, Placement, Policy, Request, TaskMix};

/// Orders per GPU ask, on average, that the floors of the expected requests may use.
const ORDERS_PER_ASK: usize = 3;

/// Nodes with what is free on them, indexed for one policy and task mix.
#[derive(Debug, Clone)]
pub struct IndexedCluster {
    nodes: Vec<Node>,
    scorer: Scorer,
    /// The GPU models, each node's position among them, and its position among the nodes
    /// of its model; per model, its nodes.
    models: Vec<Option<String>>,
    model_of: Vec<usize>,
    slot_of: Vec<usize>,
    members: Vec<Vec<usize>>,
    /// Per model, whether each class of the mix accepts it.
    accepts: Vec<Vec<bool>>,
    /// Per node, what the scorer knows of it: tasks per level (node-major), and what the
    /// classes could take.
    tasks: Vec<u32>,
    usable: Vec<i64>,
    asks: Vec<Ask>,
    options: Options,
}

/// The orders for one GPU ask.
#[derive(Debug, Clone)]
struct Ask {
    ask: GpuAsk,
    orders: Vec<Order>,
}

/// The nodes with at least `floor` free, by their rank for the ask taking `floor`: per GPU
/// model, a tournament over the model's nodes (each entry the best node below it).
#[derive(Debug, Clone)]
struct Order {
    floor: (u64, u64),
    by_model: Vec<Tournament>,
    /// Each node's place (`None`: not in the order now).
    place: Vec<Option<Rank>>,
}

/// A complete binary tree over the slots of one model's nodes, stored in an array (the
/// children of `i` at `2i` and `2i + 1`, leaves from `leaves`): each entry the node with the
/// best place below it, or `NONE`.
#[derive(Debug, Clone)]
struct Tournament {
    leaves: usize,
    best: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl Tournament {
    fn new(members: usize) -> Self {
        let leaves = members.next_power_of_two().max(1);
        Tournament {
            leaves,
            best: vec![NONE; 2 * leaves],
        }
    }

    /// The better of two entries.
    fn better(place: &[Option<Rank>], a: u32, b: u32) -> u32 {
        let of = |n: u32| place.get(n as usize).copied().flatten();
        match (of(a), of(b)) {
            (Some(x), Some(y)) => {
                if x <= y {
                    a
                } else {
                    b
                }
            }
            (Some(_), None) => a,
            (None, Some(_)) => b,
            (None, None) => NONE,
        }
    }

    /// After `node`'s place changed: its slot and the entries above it, as far as they
    /// change.
    fn update(&mut self, place: &[Option<Rank>], slot: usize, node: usize) {
        let node = node as u32;
        let mut at = self.leaves + slot;
        self.best[at] = if place[node as usize].is_some() {
            node
        } else {
            NONE
        };
        while at > 1 {
            at /= 2;
            let winner = Self::better(place, self.best[2 * at], self.best[2 * at + 1]);
            if winner == self.best[at] && winner != node {
                break;
            }
            self.best[at] = winner;
        }
    }
}

impl IndexedCluster {
    /// `expected`: requests like those to come (the history the mix was made from); the
    /// orders' floors come from them. Any request gets the right answer; one smaller than
    /// every expected request with its GPU ask first waits for an order to be built.
    pub fn new(nodes: Vec<Node>, policy: Policy, mix: &TaskMix, expected: &[Request]) -> Self {
        let scorer = policy.scorer(mix).tabulated();
        let mut models: Vec<Option<String>> = Vec::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        let mut model_of = Vec::with_capacity(nodes.len());
        let mut slot_of = Vec::with_capacity(nodes.len());
        for (index, node) in nodes.iter().enumerate() {
            let model = match models.iter().position(|m| *m == node.gpu_model) {
                Some(i) => i,
                None => {
                    models.push(node.gpu_model.clone());
                    members.push(Vec::new());
                    models.len() - 1
                }
            };
            model_of.push(model);
            slot_of.push(members[model].len());
            members[model].push(index);
        }
        let accepts = models
            .iter()
            .map(|model| {
                (0..scorer.classes())
                    .map(|c| scorer.accepts(c, model.as_deref()))
                    .collect()
            })
            .collect();
        let mut cluster = IndexedCluster {
            tasks: vec![0; nodes.len() * scorer.levels()],
            usable: vec![0; nodes.len()],
            options: Options::new(&scorer),
            nodes,
            scorer,
            models,
            model_of,
            slot_of,
            members,
            accepts,
            asks: Vec::new(),
        };
        for index in 0..cluster.nodes.len() {
            cluster.stand(index);
        }
        for (ask, floor) in floors(expected) {
            cluster.order(ask, floor);
        }
        cluster
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn into_nodes(self) -> Vec<Node> {
        self.nodes
    }

    /// The number of orders kept.
    pub fn orders(&self) -> usize {
        self.asks.iter().map(|a| a.orders.len()).sum()
    }

    /// The placement [`Policy::choose`] would make, or `None` when nothing fits now.
    pub fn choose(&mut self, request: &Request) -> Option<Placement> {
        let (ask, order) = self.order_for(request);
        let levels = self.scorer.levels();
        let IndexedCluster {
            nodes,
            scorer,
            models,
            model_of,
            accepts,
            tasks,
            usable,
            asks,
            options,
            ..
        } = self;
        let size = (request.cpu_milli, request.memory_mib);
        let mut best: Option<Rank> = None;
        let Order {
            by_model, place, ..
        } = &asks[ask].orders[order];
        let mut stack: Vec<usize> = Vec::new();
        for (model, tournament) in models.iter().zip(by_model) {
            if !request.accepts_model(model.as_deref()) {
                continue;
            }
            // Depth first, the better child first, leaving out what cannot beat the best.
            stack.clear();
            stack.push(1);
            while let Some(at) = stack.pop() {
                let entry = tournament.best[at];
                let Some(bound) = place.get(entry as usize).copied().flatten() else {
                    continue;
                };
                if best.is_some_and(|b| bound > b) {
                    continue;
                }
                if at < tournament.leaves {
                    let (left, right) = (2 * at, 2 * at + 1);
                    if tournament.best[left] == entry {
                        stack.extend([right, left]);
                    } else {
                        stack.extend([left, right]);
                    }
                    continue;
                }
                let index = entry as usize;
                let node = &nodes[index];
                if !node.admits(request) {
                    continue;
                }
                let accepts = &accepts[model_of[index]];
                options.of(
                    scorer,
                    node,
                    request.gpu,
                    &tasks[index * levels..][..levels],
                );
                let rank = options.best(scorer, node, index, usable[index], size, |c| accepts[c]);
                if let Some(rank) = rank
                    && best.is_none_or(|b| rank < b)
                {
                    best = Some(rank);
                }
            }
        }
        best.map(|rank| rank.placement(&nodes[rank.node], request.gpu))
    }

    /// Takes what the placement uses (the caller made sure it fits) and brings the node's
    /// places up to date.
    pub fn take(&mut self, request: &Request, placement: &Placement) {
        self.nodes[placement.node].take(request, &placement.gpus);
        self.refresh(placement.node);
    }

    /// Gives back what [`IndexedCluster::take`] took.
    pub fn give_back(&mut self, request: &Request, placement: &Placement) {
        self.nodes[placement.node].give_back(request, &placement.gpus);
        self.refresh(placement.node);
    }

    fn refresh(&mut self, index: usize) {
        self.stand(index);
        for ask in 0..self.asks.len() {
            self.replace(ask, None, index);
        }
    }

    /// Computes what the scorer knows of the node.
    fn stand(&mut self, index: usize) {
        let levels = self.scorer.levels();
        let node = &self.nodes[index];
        let accepts = &self.accepts[self.model_of[index]];
        let gpus: Vec<u32> = node.gpus.iter().map(|g| g.free_milli).collect();
        let tasks = &mut self.tasks[index * levels..][..levels];
        self.scorer.tasks_into(&gpus, tasks);
        self.usable[index] =
            self.scorer
                .usable(tasks, node.free_cpu_milli, node.free_memory_mib, |c| {
                    accepts[c]
                });
    }

    /// Puts the node where it now belongs in the ask's orders (or in one of them).
    fn replace(&mut self, ask: usize, only: Option<usize>, index: usize) {
        let levels = self.scorer.levels();
        let node = &self.nodes[index];
        let model = self.model_of[index];
        let accepts = &self.accepts[model];
        let Ask { ask: gpu, orders } = &mut self.asks[ask];
        self.options.of(
            &self.scorer,
            node,
            *gpu,
            &self.tasks[index * levels..][..levels],
        );
        for (i, order) in orders.iter_mut().enumerate() {
            if only.is_some_and(|o| o != i) {
                continue;
            }
            let floor = order.floor;
            let place = if node.free_cpu_milli >= floor.0 && node.free_memory_mib >= floor.1 {
                self.options
                    .best(&self.scorer, node, index, self.usable[index], floor, |c| {
                        accepts[c]
                    })
            } else {
                None
            };
            if order.place[index] == place {
                continue;
            }
            order.place[index] = place;
            order.by_model[model].update(&order.place, self.slot_of[index], index);
        }
    }

    /// The order with the request's ask and the highest floor under it; built if none.
    fn order_for(&mut self, request: &Request) -> (usize, usize) {
        let size = (request.cpu_milli, request.memory_mib);
        let found = self
            .asks
            .iter()
            .position(|a| a.ask == request.gpu)
            .and_then(|ask| {
                self.asks[ask]
                    .orders
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.floor.0 <= size.0 && o.floor.1 <= size.1)
                    .max_by_key(|(_, o)| o.floor)
                    .map(|(order, _)| (ask, order))
            });
        match found {
            Some(found) => found,
            None => self.order(request.gpu, (0, 0)),
        }
    }

    /// Builds the order for an ask and a floor.
    fn order(&mut self, gpu: GpuAsk, floor: (u64, u64)) -> (usize, usize) {
        let ask = match self.asks.iter().position(|a| a.ask == gpu) {
            Some(ask) => ask,
            None => {
                self.asks.push(Ask {
                    ask: gpu,
                    orders: Vec::new(),
                });
                self.asks.len() - 1
            }
        };
        self.asks[ask].orders.push(Order {
            floor,
            by_model: self
                .members
                .iter()
                .map(|m| Tournament::new(m.len()))
                .collect(),
            place: vec![None; self.nodes.len()],
        });
        let order = self.asks[ask].orders.len() - 1;
        for index in 0..self.nodes.len() {
            self.replace(ask, Some(order), index);
        }
        (ask, order)
    }
}

/// A GPU ask and a floor of (CPU, memory).
type Floor = (GpuAsk, (u64, u64));

/// The floors for the expected requests: per GPU ask, the smallest CPU and the smallest
/// memory among them; then, while the budget lasts, the expected size that most tightens the
/// floors that the expected requests get, weighted by how often they come.
fn floors(expected: &[Request]) -> Vec<Floor> {
    let mut sizes: Vec<(GpuAsk, (u64, u64), usize)> = Vec::new();
    for request in expected {
        let size = (request.cpu_milli, request.memory_mib);
        match sizes
            .iter_mut()
            .find(|(a, s, _)| *a == request.gpu && *s == size)
        {
            Some((_, _, n)) => *n += 1,
            None => sizes.push((request.gpu, size, 1)),
        }
    }
    let mut floors: Vec<Floor> = Vec::new();
    for &(ask, _, _) in &sizes {
        if floors.iter().any(|(a, _)| *a == ask) {
            continue;
        }
        let of_ask = sizes.iter().filter(|(a, ..)| *a == ask);
        let cpu = of_ask.clone().map(|(_, s, _)| s.0).min().unwrap_or(0);
        let memory = of_ask.map(|(_, s, _)| s.1).min().unwrap_or(0);
        floors.push((ask, (cpu, memory)));
    }
    // How far a floor is below a size, relative to the size.
    let slack = |size: (u64, u64), floor: (u64, u64)| {
        (size.0 - floor.0) as f64 / size.0.max(1) as f64
            + (size.1 - floor.1) as f64 / size.1.max(1) as f64
    };
    let best_slack = |floors: &[Floor], ask: GpuAsk, size: (u64, u64)| {
        floors
            .iter()
            .filter(|(a, f)| *a == ask && f.0 <= size.0 && f.1 <= size.1)
            .map(|&(_, f)| slack(size, f))
            .fold(f64::INFINITY, f64::min)
    };
    let limit = floors.len() * ORDERS_PER_ASK;
    while floors.len() < limit {
        let mut best: (f64, Option<Floor>) = (0.0, None);
        for &(ask, candidate, _) in &sizes {
            if floors.contains(&(ask, candidate)) {
                continue;
            }
            let gain: f64 = sizes
                .iter()
                .filter(|(a, s, _)| *a == ask && candidate.0 <= s.0 && candidate.1 <= s.1)
                .map(|&(_, s, n)| {
                    n as f64 * (best_slack(&floors, ask, s) - slack(s, candidate)).max(0.0)
                })
                .sum();
            if gain > best.0 {
                best = (gain, Some((ask, candidate)));
            }
        }
        match best.1 {
            Some(floor) => floors.push(floor),
            None => break,
        }
    }
    floors
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn random_request(rng: &mut StdRng) -> Request {
        let gpu = match rng.gen_range(0..5) {
            0 => GpuAsk::None,
            1 | 2 => GpuAsk::Share(rng.gen_range(1..10) * 100),
            _ => GpuAsk::Whole(rng.gen_range(1..4)),
        };
        Request {
            cpu_milli: rng.gen_range(0..6) * 2000,
            memory_mib: rng.gen_range(0..6) * 4096,
            gpu,
            gpu_models: if rng.gen_bool(0.2) {
                vec![["A", "B"][rng.gen_range(0..2)].to_owned()]
            } else {
                Vec::new()
            },
        }
    }

    fn random_node(rng: &mut StdRng, i: usize) -> Node {
        Node::new(
            &format!("n{i}"),
            rng.gen_range(1..5) * 16000,
            rng.gen_range(1..5) * 32768,
            rng.gen_range(0..5),
            [Some("A"), Some("B"), None][rng.gen_range(0..3)],
        )
    }

    /// Placing, giving back, and requests both like and unlike the expected ones: the
    /// indexed cluster chooses what the policy chooses over the plain list of nodes.
    #[test]
    fn the_indexed_cluster_chooses_what_the_policy_chooses() {
        let mut rng = StdRng::seed_from_u64(7);
        for round in 0..40 {
            let policy = if round % 4 == 0 {
                Policy::BestFit
            } else {
                Policy::Fgd
            };
            let expected: Vec<Request> = (0..30).map(|_| random_request(&mut rng)).collect();
            let mix = TaskMix::of(&expected);
            let mut nodes: Vec<Node> = (0..rng.gen_range(1..25))
                .map(|i| random_node(&mut rng, i))
                .collect();
            let mut cluster = IndexedCluster::new(nodes.clone(), policy, &mix, &expected);
            let mut placed: Vec<(Request, Placement)> = Vec::new();
            for _ in 0..60 {
                if !placed.is_empty() && rng.gen_bool(0.2) {
                    let (request, placement) = placed.swap_remove(rng.gen_range(0..placed.len()));
                    nodes[placement.node].give_back(&request, &placement.gpus);
                    cluster.give_back(&request, &placement);
                    continue;
                }
                let request = if rng.gen_bool(0.7) {
                    expected[rng.gen_range(0..expected.len())].clone()
                } else {
                    random_request(&mut rng)
                };
                let chosen = policy.choose(&mut nodes, &request, &mix);
                assert_eq!(cluster.choose(&request), chosen, "{request:?}");
                if let Some(placement) = chosen {
                    nodes[placement.node].take(&request, &placement.gpus);
                    cluster.take(&request, &placement);
                    placed.push((request, placement));
                }
                assert_eq!(cluster.nodes(), &nodes[..]);
            }
        }
    }
}
