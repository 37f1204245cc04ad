//! Where a replica goes. Both policies consider every node that admits the request and every
//! distinct way its GPUs can go there; they differ in what they keep small. [`Policy::choose`]
//! scores every node; [`super::IndexedCluster`] makes the same choices while scoring few.

use super::fragmentation::Scorer;
use super::{GpuAsk, Node, Placement, Request, TaskMix, WHOLE_GPU_MILLI};

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

    /// What the policy scores with: the mix for fgd, nothing for best-fit.
    pub(crate) fn scorer(self, mix: &TaskMix) -> Scorer {
        match self {
            Policy::Fgd => Scorer::new(mix),
            Policy::BestFit => Scorer::default(),
        }
    }

    /// The best placement, or `None` when nothing fits now.
    pub fn choose(self, nodes: &mut [Node], request: &Request, mix: &TaskMix) -> Option<Placement> {
        let scorer = self.scorer(mix);
        let mut options = Options::new(&scorer);
        let mut tasks = Vec::new();
        let mut best: Option<Rank> = None;
        for (index, node) in nodes.iter().enumerate() {
            if !node.admits(request) {
                continue;
            }
            let model = node.gpu_model.as_deref();
            let accepts = |c| scorer.accepts(c, model);
            let usable = standing_of(&scorer, node, accepts, &mut tasks);
            options.of(&scorer, node, request.gpu, &tasks);
            let size = (request.cpu_milli, request.memory_mib);
            let rank = options.best(&scorer, node, index, usable, size, accepts);
            if let Some(rank) = rank
                && best.is_none_or(|b| rank < b)
            {
                best = Some(rank);
            }
        }
        best.map(|rank| rank.placement(&nodes[rank.node], request.gpu))
    }
}

/// How good a placement is; smaller is better, and no two placements rank alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Rank {
    /// The fragmentation it adds (fgd; always 0 for best-fit), in scaled weights times GPU
    /// thousandths.
    pub added: i64,
    /// What stays free on the GPUs it takes from.
    pub chosen_left: u64,
    /// The node's free GPU and CPU before it (every candidate takes the same amounts, so this
    /// orders them as what is left after would): the fuller node first.
    pub free_gpu: u64,
    pub free_cpu: u64,
    /// The first node, then the first GPU, of equals.
    pub node: usize,
    pub option: usize,
}

impl Rank {
    /// The placement this ranks: a share on GPU `option`; whole GPUs on the first idle ones.
    pub(crate) fn placement(&self, node: &Node, ask: GpuAsk) -> Placement {
        let gpus = match ask {
            GpuAsk::None => Vec::new(),
            GpuAsk::Share(milli) => vec![(self.option, milli)],
            GpuAsk::Whole(n) => node
                .gpus
                .iter()
                .enumerate()
                .filter(|(_, g)| g.free_milli == WHOLE_GPU_MILLI)
                .take(n as usize)
                .map(|(i, _)| (i, WHOLE_GPU_MILLI))
                .collect(),
        };
        Placement {
            node: self.node,
            gpus,
        }
    }
}

/// The distinct ways a GPU ask can go on one node: for whole GPUs the first idle ones (idle
/// GPUs are alike); for a share each GPU with room, the first of those with the same free.
/// With each, the tasks per level the node's GPUs could take after it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// Per option: which (the GPU's position for a share), thousandths left on the GPUs it
    /// takes from, thousandths it takes.
    ways: Vec<(usize, u64, u32)>,
    /// Per option, `levels` counts.
    tasks: Vec<u32>,
    levels: usize,
}

impl Options {
    pub(crate) fn new(scorer: &Scorer) -> Self {
        Options {
            levels: scorer.levels(),
            ..Options::default()
        }
    }

    /// The options of `ask` on `node`, whose GPUs could take `tasks` now.
    pub(crate) fn of(&mut self, scorer: &Scorer, node: &Node, ask: GpuAsk, tasks: &[u32]) {
        self.ways.clear();
        self.tasks.clear();
        let levels = self.levels;
        let idle = node
            .gpus
            .iter()
            .filter(|g| g.free_milli == WHOLE_GPU_MILLI)
            .count() as u32;
        match ask {
            GpuAsk::None => {
                self.ways.push((0, 0, 0));
                self.tasks.extend_from_slice(tasks);
            }
            GpuAsk::Whole(n) => {
                if idle >= n {
                    self.ways.push((0, 0, n * WHOLE_GPU_MILLI));
                    self.tasks.resize(levels, 0);
                    scorer.tasks_after_whole(tasks, n, idle, &mut self.tasks);
                }
            }
            GpuAsk::Share(milli) => {
                for (i, gpu) in node.gpus.iter().enumerate() {
                    let free = gpu.free_milli;
                    if free < milli || node.gpus[..i].iter().any(|g| g.free_milli == free) {
                        continue;
                    }
                    self.ways.push((i, u64::from(free - milli), milli));
                    let at = self.tasks.len();
                    self.tasks.resize(at + levels, 0);
                    scorer.tasks_after_share(tasks, free, milli, idle, &mut self.tasks[at..]);
                }
            }
        }
    }

    /// The best rank among the options for a request that takes `cpu` and `memory` (the node
    /// has that much free). `accepts` says which classes accept the node's model. With less
    /// CPU and memory than a request takes, this is a lower bound of its rank: taking them
    /// only ever makes fewer tasks of the mix fit, which adds fragmentation, never removes it.
    pub(crate) fn best(
        &self,
        scorer: &Scorer,
        node: &Node,
        index: usize,
        usable: i64,
        (cpu, memory): (u64, u64),
        accepts: impl Fn(usize) -> bool,
    ) -> Option<Rank> {
        let (free_cpu, free_memory) = (node.free_cpu_milli - cpu, node.free_memory_mib - memory);
        let free_gpu = node.free_gpu_milli();
        let mut best: Option<Rank> = None;
        for (i, &(option, chosen_left, taken)) in self.ways.iter().enumerate() {
            let tasks = &self.tasks[i * self.levels..][..self.levels];
            let after = scorer.usable(tasks, free_cpu, free_memory, &accepts);
            let rank = Rank {
                added: scorer.added(taken, usable, after),
                chosen_left,
                free_gpu,
                free_cpu: node.free_cpu_milli,
                node: index,
                option,
            };
            if best.is_none_or(|b| rank < b) {
                best = Some(rank);
            }
        }
        best
    }
}

/// A standing computed from scratch, for [`Policy::choose`].
fn standing_of(
    scorer: &Scorer,
    node: &Node,
    accepts: impl Fn(usize) -> bool,
    tasks: &mut Vec<u32>,
) -> i64 {
    let gpus: Vec<u32> = node.gpus.iter().map(|g| g.free_milli).collect();
    tasks.resize(scorer.levels(), 0);
    scorer.tasks_into(&gpus, tasks);
    scorer.usable(tasks, node.free_cpu_milli, node.free_memory_mib, accepts)
}

#[cfg(test)]
mod tests {
    use super::*;

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

#[cfg(test)]
mod exactness {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn random_request(rng: &mut StdRng) -> Request {
        let gpu = match rng.gen_range(0..4) {
            0 => GpuAsk::None,
            1 => GpuAsk::Share(rng.gen_range(1..10) * 100),
            _ => GpuAsk::Whole(rng.gen_range(1..4)),
        };
        let models = ["A", "B"];
        Request {
            cpu_milli: rng.gen_range(0..8) * 1000,
            memory_mib: rng.gen_range(0..8) * 1024,
            gpu,
            gpu_models: if rng.gen_bool(0.3) {
                vec![models[rng.gen_range(0..2)].to_owned()]
            } else {
                Vec::new()
            },
        }
    }

    /// The scorer's added fragmentation is the float measure's, scaled.
    #[test]
    fn the_rank_is_the_change_in_fragmentation() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..300 {
            let history: Vec<Request> = (0..20).map(|_| random_request(&mut rng)).collect();
            let mix = TaskMix::of(&history);
            let scorer = Scorer::new(&mix);
            let mut node = Node::new("n", 16000, 16384, 4, Some(["A", "B"][rng.gen_range(0..2)]));
            for _ in 0..6 {
                let request = random_request(&mut rng);
                if !node.admits(&request) {
                    continue;
                }
                let model = node.gpu_model.clone();
                let accepts = |c| scorer.accepts(c, model.as_deref());
                let mut tasks = Vec::new();
                let usable = standing_of(&scorer, &node, accepts, &mut tasks);
                let mut options = Options::new(&scorer);
                options.of(&scorer, &node, request.gpu, &tasks);
                let size = (request.cpu_milli, request.memory_mib);
                let Some(rank) = options.best(&scorer, &node, 0, usable, size, accepts) else {
                    continue;
                };
                let placement = rank.placement(&node, request.gpu);
                let before = mix.fragmentation(&node);
                node.take(&request, &placement.gpus);
                let change = mix.fragmentation(&node) - before;
                let scaled = rank.added as f64 / (1u64 << 30) as f64;
                assert!((change - scaled).abs() < 1e-3, "{change} vs {scaled}");
            }
        }
    }
}
