use super::{GpuAsk, Request, WHOLE_GPU_MILLI};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gpu {
    pub index: u32,
    /// Thousandths still free on this GPU (1000: idle).
    pub free_milli: u32,
}

/// A node with what is free on it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub cpu_milli: u64,
    pub memory_mib: u64,
    pub free_cpu_milli: u64,
    pub free_memory_mib: u64,
    pub gpu_model: Option<String>,
    pub gpus: Vec<Gpu>,
}

/// Where one replica goes: a node, and the thousandths it takes on each of the node's GPUs
/// (positions in `Node::gpus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub node: usize,
    pub gpus: Vec<(usize, u32)>,
}

impl Node {
    pub fn new(
        name: &str,
        cpu_milli: u64,
        memory_mib: u64,
        gpus: u32,
        model: Option<&str>,
    ) -> Self {
        Node {
            name: name.to_owned(),
            cpu_milli,
            memory_mib,
            free_cpu_milli: cpu_milli,
            free_memory_mib: memory_mib,
            gpu_model: model.map(str::to_owned),
            gpus: (0..gpus)
                .map(|index| Gpu {
                    index,
                    free_milli: WHOLE_GPU_MILLI,
                })
                .collect(),
        }
    }

    pub fn free_gpu_milli(&self) -> u64 {
        self.gpus.iter().map(|g| u64::from(g.free_milli)).sum()
    }

    /// Whether CPU, memory and the GPU model allow the request here (GPUs not counted).
    pub fn admits(&self, request: &Request) -> bool {
        self.free_cpu_milli >= request.cpu_milli
            && self.free_memory_mib >= request.memory_mib
            && request.accepts_model(self.gpu_model.as_deref())
    }

    /// Every way the request's GPUs can go on this node, up to symmetry: for whole GPUs, the
    /// idle GPUs (which ones does not matter: idle GPUs are alike); for a share, each GPU with
    /// room for it.
    pub fn gpu_options(&self, ask: GpuAsk) -> Vec<Vec<(usize, u32)>> {
        match ask {
            GpuAsk::None => vec![Vec::new()],
            GpuAsk::Whole(n) => {
                let idle: Vec<usize> = self
                    .gpus
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.free_milli == WHOLE_GPU_MILLI)
                    .map(|(i, _)| i)
                    .take(n as usize)
                    .collect();
                if idle.len() == n as usize {
                    vec![idle.into_iter().map(|i| (i, WHOLE_GPU_MILLI)).collect()]
                } else {
                    Vec::new()
                }
            }
            GpuAsk::Share(milli) => self
                .gpus
                .iter()
                .enumerate()
                .filter(|(_, g)| g.free_milli >= milli)
                .map(|(i, _)| vec![(i, milli)])
                .collect(),
        }
    }

    /// Whether the two nodes would score alike for any request: same model, same free CPU
    /// and memory, same free share on each GPU.
    pub fn same_state(&self, other: &Node) -> bool {
        self.gpu_model == other.gpu_model
            && self.free_cpu_milli == other.free_cpu_milli
            && self.free_memory_mib == other.free_memory_mib
            && self.gpus.len() == other.gpus.len()
            && self
                .gpus
                .iter()
                .zip(&other.gpus)
                .all(|(a, b)| a.free_milli == b.free_milli)
    }

    /// Takes what a placement uses; the caller made sure it fits.
    pub fn take(&mut self, request: &Request, gpus: &[(usize, u32)]) {
        self.free_cpu_milli -= request.cpu_milli;
        self.free_memory_mib -= request.memory_mib;
        for &(i, milli) in gpus {
            self.gpus[i].free_milli -= milli;
        }
    }

    /// Gives back what [`Node::take`] took.
    pub fn give_back(&mut self, request: &Request, gpus: &[(usize, u32)]) {
        self.free_cpu_milli += request.cpu_milli;
        self.free_memory_mib += request.memory_mib;
        for &(i, milli) in gpus {
            self.gpus[i].free_milli += milli;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(gpu: GpuAsk) -> Request {
        Request {
            cpu_milli: 1000,
            memory_mib: 1024,
            gpu,
            gpu_models: Vec::new(),
        }
    }

    #[test]
    fn whole_gpus_need_idle_ones_and_shares_need_room() {
        let mut node = Node::new("n", 8000, 65536, 2, Some("A100"));
        assert_eq!(node.gpu_options(GpuAsk::Whole(2)).len(), 1);
        node.take(&ask(GpuAsk::Share(600)), &[(0, 600)]);
        assert!(node.gpu_options(GpuAsk::Whole(2)).is_empty());
        assert_eq!(node.gpu_options(GpuAsk::Share(400)).len(), 2);
        assert_eq!(node.gpu_options(GpuAsk::Share(500)).len(), 1);
        node.give_back(&ask(GpuAsk::Share(600)), &[(0, 600)]);
        assert_eq!(node.free_gpu_milli(), 2000);
        assert_eq!(node.free_cpu_milli, 8000);
    }

    #[test]
    fn models_are_matched_when_asked_for() {
        let node = Node::new("n", 8000, 65536, 2, Some("A100"));
        let mut request = ask(GpuAsk::Whole(1));
        request.gpu_models = vec!["V100".into()];
        assert!(!node.admits(&request));
        request.gpu_models.push("A100".into());
        assert!(node.admits(&request));
    }
}
