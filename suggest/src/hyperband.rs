//! Hyperband (Li et al. 2018) with Katib's settings: brackets of successive halving over the
//! budget that the parameter `resource_name` carries, from `r_l·eta^−s_max` up to `r_l`.
//!
//! A pure function of the history: the trials, in creation order, fill the schedule's rungs
//! one after the other (see `schedule`), so counting them tells which rung is current and
//! what it still lacks. A bracket's first rung draws new configurations uniformly (from the
//! position's stream); each later rung repeats the best configurations of the rung before
//! with the larger budget, and waits until every trial of that rung has finished. Brackets
//! are independent, so a new bracket starts without waiting for the previous one to end.
//! After the last rung of the last bracket, it is exhausted.

mod schedule;

use std::cmp::Ordering;

use crate::algorithm::{Suggest, Suggestion};
use crate::random::uniform_point;
use crate::space::{ParamKind, Space, Value};
use crate::trial::{Trial, TrialState};

#[derive(Debug, Clone, PartialEq)]
pub struct HyperbandSettings {
    pub seed: u64,
    /// Index of the parameter that carries a trial's budget (Katib's `resource_name`).
    pub resource: usize,
    pub eta: f64,
    /// The most budget one trial gets (Katib's `r_l`).
    pub r_l: f64,
}

pub struct Hyperband {
    settings: HyperbandSettings,
}

impl Hyperband {
    pub fn new(settings: HyperbandSettings) -> Hyperband {
        Hyperband { settings }
    }

    /// `values` with the budget set in the resource parameter; its feasible space is not
    /// consulted, the schedule decides. An int gets a whole number, at least 1.
    fn with_budget(&self, space: &Space, mut values: Vec<Value>, budget: f64) -> Vec<Value> {
        let slot = self.settings.resource;
        let value = match space.params.get(slot).map(|p| &p.kind) {
            Some(ParamKind::Int { .. }) => Value::Int((budget.round() as i64).max(1)),
            Some(ParamKind::Double { .. }) => Value::Double(budget),
            Some(ParamKind::Discrete { .. }) => Value::Discrete(budget),
            // Refused when the experiment is submitted; nothing to set.
            Some(ParamKind::Categorical { .. }) | None => return values,
        };
        if let Some(v) = values.get_mut(slot) {
            *v = value;
        }
        values
    }
}

/// A rung's trials best first: lowest objective, those without one last, ties in creation
/// order.
fn ranked(rung: &[Trial]) -> Vec<&Trial> {
    let mut order: Vec<&Trial> = rung.iter().collect();
    order.sort_by(|a, b| match (a.objective(), b.objective()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    order
}

fn finished(trials: &[Trial]) -> bool {
    trials.iter().all(|t| t.state != TrialState::Running)
}

impl Suggest for Hyperband {
    fn suggest(&self, space: &Space, trials: &[Trial], count: usize) -> Suggestion {
        let HyperbandSettings { seed, eta, r_l, .. } = self.settings;
        let mut next: Vec<Vec<Value>> = Vec::new();
        // Where the current rung's trials start, and whether the rung before it in the same
        // bracket has finished (so that its best can be promoted).
        let mut start: usize = 0;
        let mut before: &[Trial] = &[];
        let mut before_finished = true;
        for rung in schedule::rungs(eta, r_l) {
            let end = start.saturating_add(rung.size);
            let made = trials.get(start..end.min(trials.len())).unwrap_or(&[]);
            start = end;
            if made.len() == rung.size {
                before = made;
                before_finished = finished(made);
                continue;
            }
            if rung.index > 0 && !before_finished {
                return Suggestion::New(next);
            }
            let wanted = (rung.size - made.len()).min(count.saturating_sub(next.len()));
            let added: Vec<Vec<Value>> = if rung.index == 0 {
                (0..wanted)
                    .map(|k| uniform_point(space, seed, trials.len() + next.len() + k))
                    .collect()
            } else {
                ranked(before)
                    .into_iter()
                    .skip(made.len())
                    .take(wanted)
                    .map(|t| t.values.clone())
                    .collect()
            };
            let complete = made.len() + added.len() == rung.size;
            next.extend(
                added
                    .into_iter()
                    .map(|values| self.with_budget(space, values, rung.resource)),
            );
            if !complete {
                return Suggestion::New(next);
            }
            // Its trials are only suggested yet: the next rung of this bracket must wait.
            before_finished = false;
        }
        if next.is_empty() {
            Suggestion::Exhausted
        } else {
            Suggestion::New(next)
        }
    }
}

#[cfg(test)]
mod tests;
