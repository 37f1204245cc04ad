//! Who takes the traffic, as KServe's canary rollout has it: the newest revision takes
//! `canaryTrafficPercent` and the stable one (the last that was rolled out) the rest; without a
//! percent the newest takes all once it is ready and becomes the stable one. A revision takes
//! traffic only once it has been ready: a canary that never starts never takes any from the
//! stable revision.

/// What the split depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrafficState {
    pub latest: u32,
    pub latest_ready: bool,
    pub stable: Option<u32>,
    pub canary_percent: Option<u32>,
}

/// The split: (revision, percent) with percents summing to 100, and the stable revision it
/// implies (the newest once it takes all, by being ready without a canary percent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub shares: Vec<(u32, u32)>,
    pub stable: Option<u32>,
}

pub fn split(s: TrafficState) -> Split {
    let stable = s.stable.filter(|n| *n != s.latest);
    match (s.latest_ready, stable, s.canary_percent) {
        // Rolled out: the newest takes everything and is the stable revision now.
        (true, None, _) | (true, Some(_), None) => Split {
            shares: vec![(s.latest, 100)],
            stable: Some(s.latest),
        },
        (true, Some(old), Some(p)) => Split {
            shares: vec![(s.latest, p), (old, 100 - p)],
            stable: Some(old),
        },
        // The newest never answered: the stable revision keeps everything.
        (false, Some(old), _) => Split {
            shares: vec![(old, 100)],
            stable: Some(old),
        },
        // Nothing was ever ready: requests wait for the newest.
        (false, None, _) => Split {
            shares: vec![(s.latest, 100)],
            stable: s.stable,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(latest: u32, ready: bool, stable: Option<u32>, canary: Option<u32>) -> TrafficState {
        TrafficState {
            latest,
            latest_ready: ready,
            stable,
            canary_percent: canary,
        }
    }

    #[test]
    fn the_first_revision_takes_all_and_becomes_stable_when_ready() {
        assert_eq!(split(state(1, false, None, None)).shares, vec![(1, 100)]);
        let s = split(state(1, true, None, Some(20)));
        assert_eq!((s.shares, s.stable), (vec![(1, 100)], Some(1)));
    }

    #[test]
    fn a_ready_canary_takes_its_percent_from_the_stable_revision() {
        let s = split(state(2, true, Some(1), Some(20)));
        assert_eq!(s.shares, vec![(2, 20), (1, 80)]);
        assert_eq!(s.stable, Some(1));
    }

    #[test]
    fn a_canary_that_is_not_ready_takes_nothing() {
        let s = split(state(2, false, Some(1), Some(20)));
        assert_eq!(s.shares, vec![(1, 100)]);
    }

    #[test]
    fn without_a_percent_the_ready_newest_is_promoted() {
        let s = split(state(2, true, Some(1), None));
        assert_eq!((s.shares, s.stable), (vec![(2, 100)], Some(2)));
    }

    #[test]
    fn a_rollback_to_zero_percent_sends_all_to_the_stable_revision() {
        let s = split(state(2, true, Some(1), Some(0)));
        assert_eq!(s.shares, vec![(2, 0), (1, 100)]);
    }
}
