//! How much of a node's free GPU capacity the expected workloads could not use: the measure
//! that the `fgd` policy keeps small (Weng et al., "Beware of Fragmentation", USENIX ATC 2023).
//!
//! For a class of task, a node's free GPU thousandths are fragments unless a stream of tasks
//! of the class could take them: as many tasks as fit at once on the node's GPUs (for a share,
//! so many per GPU; for whole GPUs, so many idle GPUs each) and in its free CPU and memory,
//! and where its GPU model is one the class accepts. FGD proper counts every GPU with room
//! for one task as usable and a node short of CPU as all fragments; this counts what is left
//! over beside the tasks that fit, and the GPUs beyond those the node's CPU and memory could
//! feed. A task that asks no GPU leaves every free GPU unused. The node's fragmentation is
//! the mix-weighted sum.
//!
//! [`TaskMix::fragmentation`] computes it as written above. The policies score with a
//! `Scorer`: the same measure in exact integer arithmetic, rearranged so that the change a
//! placement makes is cheap: `W * free - sum(w[c] * per_task[c] * min(tasks[level(c)],
//! fit[c]))` over the classes `c` that ask GPUs, where `W` is the mix's whole weight,
//! `tasks` counts per GPU *level* (a share of so many thousandths, or so many whole GPUs)
//! the tasks the node's GPUs could take, and `fit` the tasks of the class its free CPU and
//! memory could (0 where the class does not accept the node's model).

use super::{GpuAsk, Node, Request, WHOLE_GPU_MILLI};

/// One kind of task in the expected mix, with how often it comes.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskClass {
    pub request: Request,
    /// Share of all tasks, 0 to 1.
    pub weight: f64,
}

/// The expected workload mix, from history (a trace) or from what is queued.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskMix {
    pub classes: Vec<TaskClass>,
}

impl TaskMix {
    /// The mix of a list of requests (history, a trace, a queue): one class per kind of GPU
    /// request and accepted models, weighted by how often the kind occurs. A class stands for
    /// its smaller members: its CPU and its memory are the lower decile of its members' (the
    /// very smallest, often a handful, would make a node whose CPU is nearly gone look usable
    /// for the whole kind).
    pub fn of(requests: &[Request]) -> Self {
        let mut kinds: Vec<(Request, Vec<u64>, Vec<u64>)> = Vec::new();
        for request in requests {
            match kinds
                .iter_mut()
                .find(|(k, ..)| k.gpu == request.gpu && k.gpu_models == request.gpu_models)
            {
                Some((_, cpu, memory)) => {
                    cpu.push(request.cpu_milli);
                    memory.push(request.memory_mib);
                }
                None => kinds.push((
                    request.clone(),
                    vec![request.cpu_milli],
                    vec![request.memory_mib],
                )),
            }
        }
        let total = requests.len().max(1) as f64;
        TaskMix {
            classes: kinds
                .into_iter()
                .map(|(mut request, mut cpu, mut memory)| {
                    let n = cpu.len();
                    cpu.sort_unstable();
                    memory.sort_unstable();
                    request.cpu_milli = cpu[(n - 1) / 10];
                    request.memory_mib = memory[(n - 1) / 10];
                    TaskClass {
                        request,
                        weight: n as f64 / total,
                    }
                })
                .collect(),
        }
    }

    /// The node's expected fragmentation, in GPU thousandths.
    pub fn fragmentation(&self, node: &Node) -> f64 {
        self.classes
            .iter()
            .map(|class| class.weight * fragments_for(node, &class.request) as f64)
            .sum()
    }
}

/// Free GPU thousandths on `node` that a stream of tasks like `request` could not take.
fn fragments_for(node: &Node, request: &Request) -> u64 {
    let free = node.free_gpu_milli();
    if !request.accepts_model(node.gpu_model.as_deref()) {
        return free;
    }
    let (on_gpus, per_task) = match request.gpu {
        GpuAsk::None => return free,
        GpuAsk::Share(milli) => (
            node.gpus
                .iter()
                .map(|g| u64::from(g.free_milli / milli))
                .sum(),
            u64::from(milli),
        ),
        GpuAsk::Whole(n) => {
            let idle = node
                .gpus
                .iter()
                .filter(|g| g.free_milli == WHOLE_GPU_MILLI)
                .count() as u64;
            (idle / u64::from(n), u64::from(n * WHOLE_GPU_MILLI))
        }
    };
    let fit = |free: u64, each: u64| free.checked_div(each).unwrap_or(u64::MAX);
    let tasks = on_gpus
        .min(fit(node.free_cpu_milli, request.cpu_milli))
        .min(fit(node.free_memory_mib, request.memory_mib));
    free - tasks * per_task
}

/// Class weights become integers on this scale, so that equal scores are equal and ties are
/// broken by the policy's rules rather than by rounding.
const WEIGHT_SCALE: f64 = (1u64 << 30) as f64;

/// How a task of one level uses GPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// So many thousandths of one GPU.
    Share(u32),
    /// So many idle GPUs.
    Whole(u32),
}

/// One class of the mix that asks GPUs, as the scorer reads it.
#[derive(Debug, Clone)]
struct Class {
    level: usize,
    /// GPU thousandths per task times the scaled weight.
    worth: i64,
    cpu_milli: u64,
    memory_mib: u64,
    request: Request,
}

/// The mix compiled for scoring placements.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scorer {
    classes: Vec<Class>,
    levels: Vec<Level>,
    /// Per share level, how many of its tasks fit in each free share of a GPU (0 to 1000):
    /// a table rather than a division on the hot path; empty until `tabulated`.
    per_gpu: Vec<u16>,
    /// The weight of every class, GPU-less ones too.
    total: i64,
}

/// Entries per level in `Scorer::per_gpu`.
const FREE_VALUES: usize = WHOLE_GPU_MILLI as usize + 1;

impl Scorer {
    pub(crate) fn new(mix: &TaskMix) -> Self {
        let mut scorer = Scorer::default();
        for class in &mix.classes {
            // A share of all tasks: 0 to 1 (NaN counts as 0).
            let weight = (class.weight.clamp(0.0, 1.0) * WEIGHT_SCALE).round() as i64;
            if weight <= 0 {
                continue;
            }
            scorer.total += weight;
            let (level, per_task) = match class.request.gpu {
                GpuAsk::None => continue,
                GpuAsk::Share(milli) => (Level::Share(milli), milli),
                GpuAsk::Whole(n) => (Level::Whole(n), n.saturating_mul(WHOLE_GPU_MILLI)),
            };
            let index = match scorer.levels.iter().position(|&l| l == level) {
                Some(i) => i,
                None => {
                    scorer.levels.push(level);
                    scorer.levels.len() - 1
                }
            };
            scorer.classes.push(Class {
                level: index,
                worth: weight.saturating_mul(i64::from(per_task)),
                cpu_milli: class.request.cpu_milli,
                memory_mib: class.request.memory_mib,
                request: class.request.clone(),
            });
        }
        scorer
    }

    /// The same scorer with the table of tasks per GPU filled in: faster when it scores many
    /// placements.
    pub(crate) fn tabulated(mut self) -> Self {
        self.per_gpu = self
            .levels
            .iter()
            .flat_map(|level| {
                (0..FREE_VALUES as u32).map(move |free| match *level {
                    Level::Share(each) => (free / each) as u16,
                    Level::Whole(_) => 0,
                })
            })
            .collect();
        self
    }

    /// Tasks of share level `level` that fit in `free` thousandths of one GPU.
    fn per_gpu(&self, level: usize, free: u32) -> u32 {
        match (
            self.per_gpu.get(level * FREE_VALUES + free as usize),
            self.levels[level],
        ) {
            (Some(&n), _) if (free as usize) < FREE_VALUES => u32::from(n),
            (_, Level::Share(each)) => free / each,
            (_, Level::Whole(_)) => 0,
        }
    }

    pub(crate) fn levels(&self) -> usize {
        self.levels.len()
    }

    pub(crate) fn classes(&self) -> usize {
        self.classes.len()
    }

    /// Whether class `class` accepts GPUs of `model`.
    pub(crate) fn accepts(&self, class: usize, model: Option<&str>) -> bool {
        self.classes[class].request.accepts_model(model)
    }

    /// Per level, the tasks that GPUs with these free thousandths could take.
    pub(crate) fn tasks_into(&self, gpus: &[u32], tasks: &mut [u32]) {
        let idle = gpus.iter().filter(|&&f| f == WHOLE_GPU_MILLI).count() as u32;
        for (i, (level, out)) in self.levels.iter().zip(tasks.iter_mut()).enumerate() {
            *out = match *level {
                Level::Share(_) => gpus.iter().map(|&f| self.per_gpu(i, f)).sum(),
                Level::Whole(n) => idle / n,
            };
        }
    }

    /// What the classes could take (`sum(w * per_task * min(tasks, fit))`) of a node whose
    /// GPUs could take `tasks` (per level) and that has `free_cpu` and `free_memory`, where
    /// `accepts` says which classes accept its model.
    pub(crate) fn usable(
        &self,
        tasks: &[u32],
        free_cpu: u64,
        free_memory: u64,
        accepts: impl Fn(usize) -> bool,
    ) -> i64 {
        let mut sum = 0;
        for (i, class) in self.classes.iter().enumerate() {
            let on_gpus = u64::from(tasks[class.level]);
            if on_gpus == 0 || !accepts(i) {
                continue;
            }
            // min(on_gpus, free_cpu / cpu, free_memory / memory), dividing only when CPU or
            // memory is what limits.
            let mut n = on_gpus;
            if n.saturating_mul(class.cpu_milli) > free_cpu {
                n = free_cpu / class.cpu_milli;
            }
            if n.saturating_mul(class.memory_mib) > free_memory {
                n = free_memory / class.memory_mib;
            }
            sum += class.worth.saturating_mul(n as i64);
        }
        sum
    }

    /// `tasks` after a task takes `milli` from one GPU with `free` free, `idle` GPUs being idle.
    pub(crate) fn tasks_after_share(
        &self,
        tasks: &[u32],
        free: u32,
        milli: u32,
        idle: u32,
        after: &mut [u32],
    ) {
        let idle_after = if free == WHOLE_GPU_MILLI {
            idle - 1
        } else {
            idle
        };
        for (i, ((level, &before), out)) in self
            .levels
            .iter()
            .zip(tasks)
            .zip(after.iter_mut())
            .enumerate()
        {
            *out = match *level {
                Level::Share(_) => before - self.per_gpu(i, free) + self.per_gpu(i, free - milli),
                Level::Whole(n) => idle_after / n,
            };
        }
    }

    /// `tasks` after a task takes `count` of the `idle` GPUs.
    pub(crate) fn tasks_after_whole(
        &self,
        tasks: &[u32],
        count: u32,
        idle: u32,
        after: &mut [u32],
    ) {
        for ((level, &before), out) in self.levels.iter().zip(tasks).zip(after.iter_mut()) {
            *out = match *level {
                Level::Share(each) => before - count * (WHOLE_GPU_MILLI / each),
                Level::Whole(n) => (idle - count) / n,
            };
        }
    }

    /// The fragmentation a placement adds (scaled weights times GPU thousandths), from what
    /// the classes could take before it and what they can after it.
    pub(crate) fn added(&self, taken: u32, usable_before: i64, usable_after: i64) -> i64 {
        -self.total * i64::from(taken) + usable_before - usable_after
    }
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
    fn what_tasks_of_a_class_cannot_take_is_fragments() {
        let mut node = Node::new("n", 8000, 65536, 2, None);
        node.take(&request(GpuAsk::Share(500)), &[(0, 500)]);
        // Whole GPUs: only the idle one.
        assert_eq!(fragments_for(&node, &request(GpuAsk::Whole(1))), 500);
        assert_eq!(fragments_for(&node, &request(GpuAsk::Share(500))), 0);
        // Shares of 600: one on the idle GPU; its other 400 and the half GPU are left over.
        assert_eq!(fragments_for(&node, &request(GpuAsk::Share(600))), 900);
        // Shares of 400: one on the half GPU, two on the idle one; 100 + 200 left over.
        assert_eq!(fragments_for(&node, &request(GpuAsk::Share(400))), 300);
        assert_eq!(fragments_for(&node, &request(GpuAsk::Whole(2))), 1500);
        assert_eq!(fragments_for(&node, &request(GpuAsk::None)), 1500);
        // CPU for one task of 500 only: the other 1000 free are out of its reach.
        let hungry = Request {
            cpu_milli: 5000,
            ..request(GpuAsk::Share(500))
        };
        assert_eq!(fragments_for(&node, &hungry), 1000);
    }

    #[test]
    fn the_mix_weights_each_class() {
        let mut node = Node::new("n", 8000, 65536, 1, None);
        node.take(&request(GpuAsk::Share(500)), &[(0, 500)]);
        let mix = TaskMix::of(&[
            request(GpuAsk::Whole(1)),
            request(GpuAsk::Share(500)),
            request(GpuAsk::Share(500)),
            request(GpuAsk::Share(500)),
        ]);
        assert_eq!(mix.classes.len(), 2);
        assert!((mix.fragmentation(&node) - 125.0).abs() < 1e-9);
    }

    #[test]
    fn a_class_stands_for_its_smaller_members() {
        let sized = |cpu_milli| Request {
            cpu_milli,
            ..request(GpuAsk::Whole(1))
        };
        let mut requests: Vec<Request> = (1..=20).map(|i| sized(i * 1000)).collect();
        requests.push(sized(10));
        let mix = TaskMix::of(&requests);
        assert_eq!(mix.classes.len(), 1);
        // 21 members: the lower decile is the third smallest.
        assert_eq!(mix.classes[0].request.cpu_milli, 2000);
    }
}
