//! What one scheduling cycle looks at: the profiles' queues with their quotas, the workloads
//! waiting in them and those holding resources, and what the cycle decides.

use super::{Amount, Limits, Request};

/// One profile's queue: its quota, and how much of others' unused quota it may borrow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileQueue {
    pub profile: String,
    pub quota: Limits,
    /// Borrowing beyond the quota, per resource; `Limits::ZERO` forbids it.
    pub borrow_cap: Limits,
}

/// A replica's place, by node name, so that it survives between cycles and restarts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot {
    pub node: String,
    /// (GPU index on the node, thousandths taken).
    pub gpus: Vec<(u32, u32)>,
}

/// A workload as the scheduler sees it. `placed` runs beside `replicas`: a held replica has
/// its spot. A gang holds all or nothing; other workloads may hold some replicas while the
/// rest wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub profile: String,
    pub name: String,
    pub priority: i32,
    /// Arrival order (creation time, then id): older first among equals.
    pub arrival: (i64, i64),
    pub gang: bool,
    pub replicas: Vec<Request>,
    pub placed: Vec<Option<Spot>>,
}

impl Entry {
    pub fn is_admitted(&self) -> bool {
        self.placed.iter().all(Option::is_some)
    }

    pub fn holds_anything(&self) -> bool {
        self.placed.iter().any(Option::is_some)
    }

    /// What its held replicas use, counting the workload once it holds anything.
    pub fn held(&self) -> Amount {
        let held = self
            .replicas
            .iter()
            .zip(&self.placed)
            .filter(|(_, spot)| spot.is_some())
            .map(|(r, _)| r);
        Amount {
            workloads: u64::from(self.holds_anything()),
            ..Amount::of_replicas(held)
        }
    }

    /// What it uses once every replica is placed.
    pub fn whole(&self) -> Amount {
        Amount {
            workloads: 1,
            ..Amount::of_replicas(&self.replicas)
        }
    }
}

/// What a cycle decided about one workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Every replica has its spot now (the caller starts it).
    Admit { id: i64, spots: Vec<Spot> },
    /// Some replicas of a non-gang workload got spots; they hold them while the rest wait.
    Hold { id: i64, spots: Vec<Option<Spot>> },
    /// Stop it and give its resources back; it goes back to the queue.
    Preempt { id: i64, reason: String },
    /// Still waiting, and why.
    Wait { id: i64, reason: String },
}
