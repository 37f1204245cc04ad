//! The autoscaler of one revision, in the spirit of Knative's KPA: each tick it sees the
//! revision's concurrency (or requests per second) as the router measured it, averages it over
//! a stable window (60 s) and a panic window (6 s), and wants `ceil(average / target)` replicas.
//! When the panic window's want is at least twice the replicas there are, it panics: it follows
//! the short window up and does not scale down until a stable window has passed without panic.
//! A revision with minReplicas 0 goes to zero after a grace period without requests, and back to
//! one when a request waits.

use std::collections::VecDeque;
use std::time::Duration;

use super::spec::Scale;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoscaleConfig {
    /// How often the autoscaler decides.
    pub tick: Duration,
    pub stable_window: Duration,
    pub panic_window: Duration,
    /// Panic when the panic window wants this many times the replicas there are.
    pub panic_threshold: f64,
    /// With minReplicas 0: no request for this long scales to zero.
    pub scale_to_zero_grace: Duration,
}

impl Default for AutoscaleConfig {
    fn default() -> Self {
        AutoscaleConfig {
            tick: Duration::from_secs(1),
            stable_window: Duration::from_secs(60),
            panic_window: Duration::from_secs(6),
            panic_threshold: 2.0,
            scale_to_zero_grace: Duration::from_secs(30),
        }
    }
}

/// One tick's reading of a revision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub at_ms: i64,
    /// Average concurrency, or requests per second, since the last tick.
    pub value: f64,
    /// Requests answered or started since the last tick.
    pub requests: u64,
    /// A request is waiting for a replica.
    pub demand: bool,
    /// Replicas that are ready now.
    pub ready: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub desired: u32,
    pub panic: bool,
}

#[derive(Debug, Default, Clone)]
pub struct Autoscaler {
    samples: VecDeque<(i64, f64)>,
    panic_until_ms: Option<i64>,
    last_active_ms: Option<i64>,
    last_desired: u32,
}

impl Autoscaler {
    /// A new revision starts as if just active, so that it is not scaled to zero before anyone
    /// could call it.
    pub fn new(now_ms: i64) -> Self {
        Autoscaler {
            last_active_ms: Some(now_ms),
            ..Autoscaler::default()
        }
    }

    pub fn decide(&mut self, o: Observation, scale: &Scale, config: &AutoscaleConfig) -> Decision {
        let stable_ms = config.stable_window.as_millis() as i64;
        let panic_ms = config.panic_window.as_millis() as i64;
        self.samples.push_back((o.at_ms, o.value));
        while self
            .samples
            .front()
            .is_some_and(|(at, _)| *at <= o.at_ms - stable_ms)
        {
            self.samples.pop_front();
        }
        if o.requests > 0 || o.demand {
            self.last_active_ms = Some(o.at_ms);
        }
        let average = |window_ms: i64| {
            let recent: Vec<f64> = self
                .samples
                .iter()
                .filter(|(at, _)| *at > o.at_ms - window_ms)
                .map(|(_, v)| *v)
                .collect();
            if recent.is_empty() {
                0.0
            } else {
                recent.iter().sum::<f64>() / recent.len() as f64
            }
        };
        let want = |avg: f64| (avg / scale.target).ceil().min(f64::from(u32::MAX)) as u32;
        let stable_want = want(average(stable_ms));
        let panic_want = want(average(panic_ms));
        if f64::from(panic_want) >= config.panic_threshold * f64::from(o.ready.max(1))
            && panic_want > o.ready
        {
            self.panic_until_ms = Some(o.at_ms + stable_ms);
        }
        let panic = self.panic_until_ms.is_some_and(|until| o.at_ms < until);
        if !panic {
            self.panic_until_ms = None;
        }
        let mut desired = if panic {
            panic_want.max(self.last_desired)
        } else {
            stable_want
        };
        let idle = self
            .last_active_ms
            .is_none_or(|at| o.at_ms - at >= config.scale_to_zero_grace.as_millis() as i64);
        if !idle || o.demand {
            desired = desired.max(1);
        }
        // `max ≥ min` holds for a checked spec; clamp would panic on one that is not.
        let desired = desired.clamp(scale.min, scale.max.max(scale.min));
        self.last_desired = desired;
        Decision { desired, panic }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serving::spec::ScaleMetric;

    fn scale(min: u32, max: u32, target: f64) -> Scale {
        Scale {
            min,
            max,
            metric: ScaleMetric::Concurrency,
            target,
        }
    }

    fn at(s: i64, value: f64, requests: u64, ready: u32) -> Observation {
        Observation {
            at_ms: s * 1000,
            value,
            requests,
            demand: false,
            ready,
        }
    }

    #[test]
    fn follows_the_stable_average_within_min_and_max() {
        let config = AutoscaleConfig::default();
        let mut a = Autoscaler::new(0);
        let s = scale(1, 5, 10.0);
        let mut d = a.decide(at(1, 25.0, 100, 1), &s, &config);
        // 25 at once against a target of 10 is 3 replicas, and 3 ≥ 2 × 1: panic.
        assert_eq!(
            d,
            Decision {
                desired: 3,
                panic: true
            }
        );
        for t in 2..70 {
            d = a.decide(at(t, 25.0, 100, 3), &s, &config);
        }
        assert_eq!(d.desired, 3);
        d = a.decide(at(70, 200.0, 100, 3), &s, &config);
        assert_eq!(d.desired, 5, "panic, capped at max");
    }

    #[test]
    fn panic_does_not_scale_down_until_a_stable_window_passes() {
        let config = AutoscaleConfig::default();
        let mut a = Autoscaler::new(0);
        let s = scale(1, 10, 1.0);
        assert_eq!(a.decide(at(1, 8.0, 10, 1), &s, &config).desired, 8);
        // The burst ends: the panic window's average falls, yet no scale-down while panicking.
        for t in 2..=60 {
            let d = a.decide(at(t, 0.5, 10, 8), &s, &config);
            assert!(d.panic && d.desired == 8, "t={t} {d:?}");
        }
        let d = a.decide(at(62, 0.5, 10, 8), &s, &config);
        assert!(!d.panic);
        assert_eq!(d.desired, 1);
    }

    #[test]
    fn scales_to_zero_after_the_grace_and_back_on_demand() {
        let config = AutoscaleConfig::default();
        let mut a = Autoscaler::new(0);
        let s = scale(0, 3, 10.0);
        assert_eq!(
            a.decide(at(1, 0.0, 0, 1), &s, &config).desired,
            1,
            "new: kept up"
        );
        assert_eq!(a.decide(at(29, 0.0, 0, 1), &s, &config).desired, 1);
        assert_eq!(a.decide(at(30, 0.0, 0, 1), &s, &config).desired, 0);
        let mut waiting = at(40, 0.0, 0, 0);
        waiting.demand = true;
        assert_eq!(a.decide(waiting, &s, &config).desired, 1);
        assert_eq!(a.decide(at(41, 0.0, 0, 1), &s, &config).desired, 1);
    }
}
