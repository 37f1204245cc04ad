//! Whom to stop so that a waiting workload can start: workloads of lower priority, workloads
//! of other profiles that run on borrowed quota when the waiting one's profile wants its own
//! quota back, and partial reservations of workloads behind it in the queue. The smallest set that makes room: a single victim when one suffices,
//! else a greedy set (lowest priority and newest first) pruned of every victim it does not
//! need. Finding the true minimum is a knapsack problem; this is exact for one victim and
//! small in practice.

use super::Entry;
use super::cycle::CycleState;

/// Victims considered per decision, so that one large cluster's cycle stays fast.
const MAX_CANDIDATES: usize = 64;

/// Victims (entry positions) with the reason each is stopped, or `None` when no set of
/// eligible victims lets entry `i` start.
pub(super) fn find_victims(state: &CycleState<'_>, i: usize) -> Option<Vec<(usize, String)>> {
    let candidate = &state.entries[i];
    let mut eligible: Vec<(usize, String)> = (0..state.entries.len())
        .filter(|&v| {
            v != i
                && !state.preempted[v]
                && !state.admitted_now[v]
                && state.entries[v].holds_anything()
        })
        .filter_map(|v| reason_to_preempt(state, candidate, &state.entries[v]).map(|r| (v, r)))
        .collect();
    if eligible.is_empty() {
        return None;
    }
    eligible.sort_by_key(|(v, _)| {
        let e = &state.entries[*v];
        (e.priority, std::cmp::Reverse(e.arrival))
    });
    eligible.truncate(MAX_CANDIDATES);

    if let Some(single) = eligible.iter().find(|(v, _)| fits_without(state, i, &[*v])) {
        return Some(vec![single.clone()]);
    }
    let mut chosen: Vec<usize> = Vec::new();
    let mut enough = false;
    for (v, _) in &eligible {
        chosen.push(*v);
        if fits_without(state, i, &chosen) {
            enough = true;
            break;
        }
    }
    if !enough {
        return None;
    }
    for k in (0..chosen.len()).rev() {
        let mut fewer = chosen.clone();
        fewer.remove(k);
        if fits_without(state, i, &fewer) {
            chosen = fewer;
        }
    }
    Some(
        eligible
            .into_iter()
            .filter(|(v, _)| chosen.contains(v))
            .collect(),
    )
}

/// Why `victim` may be stopped for `candidate`, if it may.
fn reason_to_preempt(state: &CycleState<'_>, candidate: &Entry, victim: &Entry) -> Option<String> {
    if victim.priority < candidate.priority {
        return Some(format!(
            "preempted by {}/{}, of higher priority ({} > {})",
            candidate.profile, candidate.name, candidate.priority, victim.priority
        ));
    }
    // A reservation that runs nothing yet goes to whoever is ahead of it in the queue, and
    // to the head of the queue: otherwise two half-placed workloads could wait for each other
    // forever, or one that can never be whole could block the head.
    let ahead = (std::cmp::Reverse(candidate.priority), candidate.arrival)
        < (std::cmp::Reverse(victim.priority), victim.arrival);
    if !victim.is_admitted() && (ahead || state.head == Some(candidate.id)) {
        return Some(format!(
            "gave back its partial reservation to {}/{}, ahead of it in the queue",
            candidate.profile, candidate.name
        ));
    }
    if victim.priority > candidate.priority || victim.profile == candidate.profile {
        return None;
    }
    // Borrowed quota goes back to its lender: the victim's profile is above its own quota in
    // a resource that the candidate's profile has a quota of (only a bounded quota lends) and
    // that the candidate asks for, and the candidate would stay within its own quota. A
    // profile without a quota lent nothing and takes nothing back; one that wants CPU does not
    // take back GPU quota.
    let queue = state.queues.get(victim.profile.as_str())?;
    let victim_usage = state
        .usage
        .get(&victim.profile)
        .copied()
        .unwrap_or_default();
    let lender = state.queues.get(candidate.profile.as_str())?;
    let wanted = candidate.whole().minus(candidate.held());
    let borrowing = lender
        .quota
        .bound_in_both(queue.quota.excess(victim_usage), wanted);
    let candidate_after = state
        .usage
        .get(&candidate.profile)
        .copied()
        .unwrap_or_default()
        .plus(wanted);
    let within_own = lender.quota.exceeded_by(candidate_after).is_none();
    (borrowing && within_own).then(|| {
        format!(
            "preempted: profile {} was borrowing quota that {} needs back for {}",
            victim.profile, candidate.profile, candidate.name
        )
    })
}

/// Whether entry `i` fits (quota and nodes) once `victims` give back what they hold.
fn fits_without(state: &CycleState<'_>, i: usize, victims: &[usize]) -> bool {
    let mut inventory = state.inventory.clone();
    let mut usage = state.usage.clone();
    for &v in victims {
        let victim = &state.entries[v];
        for (request, spot) in victim.replicas.iter().zip(&victim.placed) {
            if let Some(s) = spot {
                inventory.release(request, s);
            }
        }
        if let Some(used) = usage.get_mut(&victim.profile) {
            *used = used.minus(victim.held());
        }
    }
    let entry = &state.entries[i];
    let missing = entry.whole().minus(entry.held());
    if state
        .quota_refusal_with(&entry.profile, missing, &usage)
        .is_some()
    {
        return false;
    }
    super::cycle::place_whole(&mut inventory, entry, state.policy, &state.mix).is_some()
}
