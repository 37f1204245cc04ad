//! Amounts of the resources that quotas count, and limits on them.

use super::Request;

/// What some workloads use, in the quota's units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amount {
    pub gpu_milli: u64,
    pub cpu_milli: u64,
    pub memory_mib: u64,
    pub workloads: u64,
}

impl Amount {
    /// What the replicas ask for together (without the workload count).
    pub fn of_replicas<'a>(replicas: impl IntoIterator<Item = &'a Request>) -> Self {
        replicas
            .into_iter()
            .fold(Amount::default(), |sum, r| Amount {
                gpu_milli: sum.gpu_milli + r.gpu.total_milli(),
                cpu_milli: sum.cpu_milli + r.cpu_milli,
                memory_mib: sum.memory_mib + r.memory_mib,
                workloads: 0,
            })
    }

    pub fn plus(self, other: Amount) -> Amount {
        Amount {
            gpu_milli: self.gpu_milli + other.gpu_milli,
            cpu_milli: self.cpu_milli + other.cpu_milli,
            memory_mib: self.memory_mib + other.memory_mib,
            workloads: self.workloads + other.workloads,
        }
    }

    pub fn minus(self, other: Amount) -> Amount {
        Amount {
            gpu_milli: self.gpu_milli.saturating_sub(other.gpu_milli),
            cpu_milli: self.cpu_milli.saturating_sub(other.cpu_milli),
            memory_mib: self.memory_mib.saturating_sub(other.memory_mib),
            workloads: self.workloads.saturating_sub(other.workloads),
        }
    }

    /// The largest of this amount's shares of `capacity`: dominant-resource fairness orders
    /// profiles by it (Ghodsi et al., NSDI 2011).
    pub fn dominant_share(self, capacity: Amount) -> f64 {
        let share = |used: u64, total: u64| {
            if total == 0 {
                0.0
            } else {
                used as f64 / total as f64
            }
        };
        share(self.gpu_milli, capacity.gpu_milli)
            .max(share(self.cpu_milli, capacity.cpu_milli))
            .max(share(self.memory_mib, capacity.memory_mib))
    }
}

/// A limit per resource; `None` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub gpu_milli: Option<u64>,
    pub cpu_milli: Option<u64>,
    pub memory_mib: Option<u64>,
    pub workloads: Option<u64>,
}

impl Limits {
    pub const NONE: Limits = Limits {
        gpu_milli: None,
        cpu_milli: None,
        memory_mib: None,
        workloads: None,
    };

    /// Zero of everything: no borrowing.
    pub const ZERO: Limits = Limits {
        gpu_milli: Some(0),
        cpu_milli: Some(0),
        memory_mib: Some(0),
        workloads: Some(0),
    };

    /// The first resource of `amount` above its limit, with the amount and the limit.
    pub fn exceeded_by(&self, amount: Amount) -> Option<(&'static str, u64, u64)> {
        self.pairs(amount)
            .into_iter()
            .find_map(|(name, used, limit)| limit.filter(|l| used > *l).map(|l| (name, used, l)))
    }

    /// How far `amount` is above these limits, per resource (zero where within).
    pub fn excess(&self, amount: Amount) -> Amount {
        let over = |used: u64, limit: Option<u64>| limit.map_or(0, |l| used.saturating_sub(l));
        Amount {
            gpu_milli: over(amount.gpu_milli, self.gpu_milli),
            cpu_milli: over(amount.cpu_milli, self.cpu_milli),
            memory_mib: over(amount.memory_mib, self.memory_mib),
            workloads: over(amount.workloads, self.workloads),
        }
    }

    /// What is left of these limits after `amount` (zero where used up; unlimited counts as
    /// zero: nobody can lend what has no bound).
    pub fn unused(&self, amount: Amount) -> Amount {
        let left = |used: u64, limit: Option<u64>| limit.map_or(0, |l| l.saturating_sub(used));
        Amount {
            gpu_milli: left(amount.gpu_milli, self.gpu_milli),
            cpu_milli: left(amount.cpu_milli, self.cpu_milli),
            memory_mib: left(amount.memory_mib, self.memory_mib),
            workloads: left(amount.workloads, self.workloads),
        }
    }

    /// Whether these limits bound some resource of which both `a` and `b` have some. Only a
    /// bounded quota lends (see [`Limits::unused`]), so a profile takes borrowed quota back
    /// only in a resource it bounds, that the borrower is over (`a`) and that it wants (`b`).
    pub fn bound_in_both(&self, a: Amount, b: Amount) -> bool {
        self.pairs(a)
            .into_iter()
            .zip(self.pairs(b))
            .any(|((_, a, limit), (_, b, _))| limit.is_some() && a > 0 && b > 0)
    }

    /// These limits raised by what may be borrowed: per resource, the smaller of the cap and
    /// what others leave unused. An unlimited resource stays unlimited.
    pub fn with_borrowing(&self, cap: &Limits, lendable: Amount) -> Limits {
        let raise = |limit: Option<u64>, cap: Option<u64>, lendable: u64| {
            limit.map(|l| l + cap.map_or(lendable, |c| c.min(lendable)))
        };
        Limits {
            gpu_milli: raise(self.gpu_milli, cap.gpu_milli, lendable.gpu_milli),
            cpu_milli: raise(self.cpu_milli, cap.cpu_milli, lendable.cpu_milli),
            memory_mib: raise(self.memory_mib, cap.memory_mib, lendable.memory_mib),
            workloads: raise(self.workloads, cap.workloads, lendable.workloads),
        }
    }

    fn pairs(&self, a: Amount) -> [(&'static str, u64, Option<u64>); 4] {
        [
            ("GPU milli", a.gpu_milli, self.gpu_milli),
            ("CPU milli", a.cpu_milli, self.cpu_milli),
            ("memory MiB", a.memory_mib, self.memory_mib),
            ("workloads", a.workloads, self.workloads),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(gpu: u64, cpu: u64) -> Amount {
        Amount {
            gpu_milli: gpu,
            cpu_milli: cpu,
            memory_mib: 0,
            workloads: 0,
        }
    }

    #[test]
    fn borrowing_is_capped_by_both_the_cap_and_what_others_leave() {
        let quota = Limits {
            gpu_milli: Some(2000),
            ..Limits::NONE
        };
        let cap = Limits {
            gpu_milli: Some(1000),
            ..Limits::NONE
        };
        assert_eq!(
            quota.with_borrowing(&cap, amount(5000, 0)).gpu_milli,
            Some(3000)
        );
        assert_eq!(
            quota.with_borrowing(&cap, amount(500, 0)).gpu_milli,
            Some(2500)
        );
        assert_eq!(
            quota
                .with_borrowing(&Limits::ZERO, amount(500, 0))
                .gpu_milli,
            Some(2000)
        );
        assert_eq!(
            quota.exceeded_by(amount(2001, 0)),
            Some(("GPU milli", 2001, 2000))
        );
        assert_eq!(quota.exceeded_by(amount(2000, 99)), None);
    }

    #[test]
    fn only_a_bounded_resource_that_both_amounts_have_counts() {
        let gpu_quota = Limits {
            gpu_milli: Some(2000),
            ..Limits::NONE
        };
        assert!(gpu_quota.bound_in_both(amount(500, 0), amount(1000, 500)));
        assert!(!gpu_quota.bound_in_both(amount(500, 0), amount(0, 500)));
        assert!(!gpu_quota.bound_in_both(amount(0, 500), amount(1000, 500)));
        assert!(!Limits::NONE.bound_in_both(amount(500, 0), amount(1000, 0)));
    }

    #[test]
    fn the_dominant_share_is_the_largest() {
        let capacity = amount(8000, 64_000);
        assert!((amount(2000, 32_000).dominant_share(capacity) - 0.5).abs() < 1e-9);
        assert!((amount(4000, 0).dominant_share(capacity) - 0.5).abs() < 1e-9);
    }
}
