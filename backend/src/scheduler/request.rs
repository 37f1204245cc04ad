use super::WHOLE_GPU_MILLI;

/// What one replica asks of the GPUs: nothing, whole GPUs, or a share of one GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GpuAsk {
    None,
    Whole(u32),
    /// Thousandths of one GPU, 1 to 999; packed with other shares on one GPU.
    Share(u32),
}

impl GpuAsk {
    /// From a count of GPUs and a share, as traces and forms give them: a share below a whole
    /// GPU is a share; otherwise the count.
    pub fn from_count_and_milli(count: u32, milli: u32) -> Self {
        match (count, milli) {
            (0, _) => GpuAsk::None,
            (1, m) if m > 0 && m < WHOLE_GPU_MILLI => GpuAsk::Share(m),
            (n, _) => GpuAsk::Whole(n),
        }
    }

    /// The thousandths of GPU this asks for in all.
    pub fn total_milli(self) -> u64 {
        match self {
            GpuAsk::None => 0,
            GpuAsk::Whole(n) => u64::from(n) * u64::from(WHOLE_GPU_MILLI),
            GpuAsk::Share(m) => u64::from(m),
        }
    }
}

/// What one replica needs from a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub cpu_milli: u64,
    pub memory_mib: u64,
    pub gpu: GpuAsk,
    /// GPU models it accepts; empty: any.
    pub gpu_models: Vec<String>,
}

impl Request {
    pub fn accepts_model(&self, model: Option<&str>) -> bool {
        self.gpu == GpuAsk::None
            || self.gpu_models.is_empty()
            || model.is_some_and(|m| self.gpu_models.iter().any(|a| a == m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_below_one_gpu_are_shares() {
        assert_eq!(GpuAsk::from_count_and_milli(0, 0), GpuAsk::None);
        assert_eq!(GpuAsk::from_count_and_milli(1, 500), GpuAsk::Share(500));
        assert_eq!(GpuAsk::from_count_and_milli(1, 1000), GpuAsk::Whole(1));
        assert_eq!(GpuAsk::from_count_and_milli(4, 1000), GpuAsk::Whole(4));
        assert_eq!(GpuAsk::Whole(2).total_milli(), 2000);
    }
}
