//! How much of a node's free GPU capacity the expected workloads could not use: the measure
//! that the `fgd` policy keeps small (Weng et al., "Beware of Fragmentation", USENIX ATC 2023).
//! For a class of task, a node's free GPU thousandths are fragments when the task cannot run
//! there at all (CPU, memory, model), or, GPU by GPU, when a GPU has too little free for the
//! task's share (for whole-GPU tasks: any GPU already in part used). A task that asks no GPU
//! leaves every free GPU unused. The node's fragmentation is the mix-weighted sum.

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
    /// request and accepted models, as small in CPU and memory as its smallest member (a task
    /// of the kind fits wherever that one does), weighted by how often the kind occurs.
    pub fn of(requests: &[Request]) -> Self {
        let mut classes: Vec<(Request, usize)> = Vec::new();
        for request in requests {
            match classes
                .iter_mut()
                .find(|(c, _)| c.gpu == request.gpu && c.gpu_models == request.gpu_models)
            {
                Some((class, n)) => {
                    class.cpu_milli = class.cpu_milli.min(request.cpu_milli);
                    class.memory_mib = class.memory_mib.min(request.memory_mib);
                    *n += 1;
                }
                None => classes.push((request.clone(), 1)),
            }
        }
        let total = requests.len().max(1) as f64;
        TaskMix {
            classes: classes
                .into_iter()
                .map(|(request, n)| TaskClass {
                    request,
                    weight: n as f64 / total,
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

/// Free GPU thousandths on `node` that a task like `request` could not use.
fn fragments_for(node: &Node, request: &Request) -> u64 {
    let free = node.free_gpu_milli();
    if request.gpu == GpuAsk::None || !node.admits(request) {
        return free;
    }
    // Whole-GPU tasks cannot use idle GPUs either when too few of them are left.
    if let GpuAsk::Whole(n) = request.gpu {
        let idle = node
            .gpus
            .iter()
            .filter(|g| g.free_milli == WHOLE_GPU_MILLI)
            .count();
        if idle < n as usize {
            return free;
        }
    }
    let needed = match request.gpu {
        GpuAsk::Share(milli) => milli,
        _ => WHOLE_GPU_MILLI,
    };
    node.gpus
        .iter()
        .filter(|g| g.free_milli < needed)
        .map(|g| u64::from(g.free_milli))
        .sum()
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
    fn a_half_used_gpu_is_a_fragment_for_whole_gpu_tasks_only() {
        let mut node = Node::new("n", 8000, 65536, 2, None);
        node.take(&request(GpuAsk::Share(500)), &[(0, 500)]);
        assert_eq!(fragments_for(&node, &request(GpuAsk::Whole(1))), 500);
        assert_eq!(fragments_for(&node, &request(GpuAsk::Share(500))), 0);
        assert_eq!(fragments_for(&node, &request(GpuAsk::Share(600))), 500);
        assert_eq!(fragments_for(&node, &request(GpuAsk::Whole(2))), 1500);
        assert_eq!(fragments_for(&node, &request(GpuAsk::None)), 1500);
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
}
