//! One scheduling cycle: which waiting workloads are admitted, where their replicas go, which
//! running ones are preempted for them, and why the rest wait. Pure: decisions come back as
//! values and the caller applies them (the server's loop, or a simulation).
//!
//! Order: priority, then dominant-resource fair share between profiles (the profile using the
//! smallest share of the cluster goes first), then arrival. A workload that cannot start now
//! does not block those behind it, unless it is the oldest of the highest priority and has
//! waited `patience` cycles: then nothing that competes with it is admitted until it starts,
//! so that a stream of small workloads cannot starve a large one.

use std::collections::HashMap;

use super::placing::WorkingInventory;
use super::preemption;
use super::{Amount, Decision, Entry, Node, Policy, ProfileQueue, Request, Spot, TaskMix};

/// Decides cycle after cycle; remembers only how many cycles each workload has waited.
#[derive(Debug, Clone)]
pub struct Scheduler {
    pub policy: Policy,
    /// Cycles the head of the queue waits before the workloads behind it are held back.
    pub patience: u32,
    waited: HashMap<i64, u32>,
}

/// Why a workload could not start in this cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Blocker {
    /// Its own profile's quota (and what it may borrow) is used up.
    Quota,
    /// No room on the nodes.
    Capacity,
}

/// Everything one cycle works on.
pub(super) struct CycleState<'a> {
    pub inventory: WorkingInventory,
    pub entries: Vec<Entry>,
    pub usage: HashMap<String, Amount>,
    pub queues: HashMap<&'a str, &'a ProfileQueue>,
    pub policy: Policy,
    pub mix: TaskMix,
    /// Entries preempted in this cycle: they are neither victims again nor candidates.
    pub preempted: Vec<bool>,
    /// Entries admitted in this cycle: they are not victims in it. Whatever the cycle tries
    /// after admitting one comes after it in the queue (the head of the queue is admitted
    /// before what competes with it is tried); stopping it again would undo the order, and
    /// the head's protection with it.
    pub admitted_now: Vec<bool>,
    /// The id of the workload that must not starve.
    pub head: Option<i64>,
}

impl Scheduler {
    pub fn new(policy: Policy, patience: u32) -> Self {
        Scheduler {
            policy,
            patience,
            waited: HashMap::new(),
        }
    }

    /// One cycle over `nodes` (their full capacity: what entries hold is taken here), the
    /// profiles' queues and every workload that waits or holds resources.
    pub fn cycle(
        &mut self,
        nodes: &[Node],
        queues: &[ProfileQueue],
        entries: &[Entry],
    ) -> Vec<Decision> {
        let mut decisions = Vec::new();
        let mut state = CycleState::new(nodes, queues, entries, self.policy);
        state.hold_what_is_held(&mut decisions);

        let capacity = capacity_of(nodes);
        let mut pending: Vec<usize> = (0..state.entries.len())
            .filter(|&i| !state.entries[i].is_admitted())
            .collect();

        // The workload that must not starve: once it has waited `patience` cycles it is tried
        // before anything behind it and, if it still cannot start, holds back what competes.
        let protected = state
            .head_of_queue(&pending, nodes, |id| {
                self.waited.get(&id).copied().unwrap_or(0) >= self.patience
            })
            .map(|h| {
                (
                    h,
                    self.waited.get(&state.entries[h].id).copied().unwrap_or(0),
                )
            });
        state.head = protected.map(|(h, _)| state.entries[h].id);
        let mut untried = protected;
        let mut held_back: Option<(usize, Blocker, u32)> = None;

        while let Some(position) = state.next_in_order(&pending, capacity) {
            let i = pending[position];
            // The head is tried when its own turn comes or, if sooner, when anything behind it
            // comes up; either way, if it cannot start, what competes with it is held back.
            if let Some((h, waited)) = untried
                && (i == h || state.behind(i, h))
            {
                untried = None;
                pending.retain(|&p| p != h);
                if let Err(blocker) = state.try_start(h, &mut decisions) {
                    held_back = Some((h, blocker, waited));
                }
                continue;
            }
            pending.swap_remove(position);
            if state.preempted[i] {
                continue;
            }
            if let Some((h, blocker, waited)) = held_back {
                let competes = blocker == Blocker::Capacity
                    || state.entries[h].profile == state.entries[i].profile;
                if competes {
                    let head = &state.entries[h];
                    decisions.push(Decision::Wait {
                        id: state.entries[i].id,
                        reason: format!(
                            "held back so that {}/{} (waiting {} cycles) starts first",
                            head.profile,
                            head.name,
                            waited + 1
                        ),
                    });
                    continue;
                }
            }
            let _ = state.try_start(i, &mut decisions);
        }

        // Losing a partial reservation does not reset a workload's clock; starting does.
        self.waited = state
            .entries
            .iter()
            .filter(|e| !e.is_admitted())
            .map(|e| (e.id, self.waited.get(&e.id).map_or(1, |n| n + 1)))
            .collect();
        decisions
    }
}

impl<'a> CycleState<'a> {
    fn new(nodes: &[Node], queues: &'a [ProfileQueue], entries: &[Entry], policy: Policy) -> Self {
        let all_replicas: Vec<Request> = entries
            .iter()
            .flat_map(|e| e.replicas.iter().cloned())
            .collect();
        CycleState {
            inventory: WorkingInventory::new(nodes),
            entries: entries.to_vec(),
            usage: HashMap::new(),
            queues: queues.iter().map(|q| (q.profile.as_str(), q)).collect(),
            policy,
            mix: TaskMix::of(&all_replicas),
            preempted: vec![false; entries.len()],
            admitted_now: vec![false; entries.len()],
            head: None,
        }
    }

    /// Takes what every entry already holds. A spot that no longer fits (a node left or
    /// shrank) is dropped and its workload told; it is placed again like a new one.
    fn hold_what_is_held(&mut self, decisions: &mut Vec<Decision>) {
        for entry in &mut self.entries {
            let mut lost = false;
            for (request, spot) in entry.replicas.iter().zip(entry.placed.iter_mut()) {
                if let Some(s) = spot
                    && !self.inventory.hold(request, s)
                {
                    *spot = None;
                    lost = true;
                }
            }
            if lost {
                decisions.push(Decision::Wait {
                    id: entry.id,
                    reason: "its node no longer has room for it; placing it again".to_owned(),
                });
            }
            let used = self.usage.entry(entry.profile.clone()).or_default();
            *used = used.plus(entry.held());
        }
    }

    /// The first waiting workload by priority, then arrival, that has waited long enough and
    /// could ever start (fits the empty cluster and its own quota).
    fn head_of_queue(
        &self,
        pending: &[usize],
        nodes: &[Node],
        patient: impl Fn(i64) -> bool,
    ) -> Option<usize> {
        let mut order: Vec<usize> = pending
            .iter()
            .copied()
            .filter(|&i| patient(self.entries[i].id))
            .collect();
        order.sort_by_key(|&i| (-self.entries[i].priority, self.entries[i].arrival));
        order.into_iter().find(|&i| {
            let entry = &self.entries[i];
            let requests: Vec<&Request> = entry.replicas.iter().collect();
            self.quota_refusal_when_idle(entry).is_none()
                && WorkingInventory::new(nodes)
                    .place_all(&requests, self.policy, &self.mix)
                    .is_some()
        })
    }

    /// Whether entry `i` comes after entry `h` by priority, then arrival.
    fn behind(&self, i: usize, h: usize) -> bool {
        let key = |e: &Entry| (-e.priority, e.arrival);
        key(&self.entries[i]) > key(&self.entries[h])
    }

    /// The next to consider: highest priority, then the profile with the smallest dominant
    /// share, then the oldest.
    fn next_in_order(&self, pending: &[usize], capacity: Amount) -> Option<usize> {
        let key = |i: usize| {
            let entry = &self.entries[i];
            let share = self
                .usage
                .get(&entry.profile)
                .copied()
                .unwrap_or_default()
                .dominant_share(capacity);
            (-entry.priority, share, entry.arrival)
        };
        (0..pending.len()).min_by(|&a, &b| {
            key(pending[a])
                .partial_cmp(&key(pending[b]))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    }

    /// Admits the entry if it can start (preempting others when its priority or its quota
    /// entitles it); otherwise records why it waits.
    fn try_start(&mut self, i: usize, decisions: &mut Vec<Decision>) -> Result<(), Blocker> {
        let entry = self.entries[i].clone();
        let missing = entry.whole().minus(entry.held());
        if let Some(reason) = self.quota_refusal(&entry.profile, missing) {
            return self.preempt_or_wait(i, reason, Blocker::Quota, decisions);
        }
        let unplaced: Vec<usize> = (0..entry.replicas.len())
            .filter(|&r| entry.placed[r].is_none())
            .collect();
        let requests: Vec<&Request> = unplaced.iter().map(|&r| &entry.replicas[r]).collect();
        if entry.gang {
            if let Some(spots) = self.inventory.place_all(&requests, self.policy, &self.mix) {
                self.admit(i, &unplaced, spots, decisions);
                return Ok(());
            }
        } else {
            if entry.holds_anything() && self.replace_whole(i, decisions) {
                return Ok(());
            }
            let mut got = Vec::new();
            for (&r, request) in unplaced.iter().zip(&requests) {
                if let Some(spot) = self.inventory.place_one(request, self.policy, &self.mix) {
                    got.push((r, spot));
                }
            }
            let placed_now: Vec<usize> = got.iter().map(|(r, _)| *r).collect();
            let spots: Vec<Spot> = got.into_iter().map(|(_, s)| s).collect();
            if placed_now.len() == unplaced.len() {
                self.admit(i, &placed_now, spots, decisions);
                return Ok(());
            }
            if !placed_now.is_empty() {
                self.note_held(i, &placed_now, spots);
                let entry = &self.entries[i];
                decisions.push(Decision::Hold {
                    id: entry.id,
                    spots: entry.placed.clone(),
                });
            }
        }
        let reason = format!(
            "waiting for room: no node has {} free now",
            describe(&self.entries[i])
        );
        self.preempt_or_wait(i, reason, Blocker::Capacity, decisions)
    }

    /// Moves a half-placed workload's held replicas if that lets all of them start: what it
    /// holds runs nothing yet, so moving it costs nothing, and its own reservation might be
    /// what keeps the rest out.
    fn replace_whole(&mut self, i: usize, decisions: &mut Vec<Decision>) -> bool {
        let entry = self.entries[i].clone();
        match place_whole(&mut self.inventory, &entry, self.policy, &self.mix) {
            Some(spots) => {
                self.readmit_whole(i, spots, decisions);
                true
            }
            None => false,
        }
    }

    /// Admits entry `i` with new spots for every replica (it gave back what it held).
    fn readmit_whole(&mut self, i: usize, spots: Vec<Spot>, decisions: &mut Vec<Decision>) {
        let held = self.entries[i].held();
        let entry = &mut self.entries[i];
        if let Some(used) = self.usage.get_mut(&entry.profile) {
            *used = used.minus(held);
        }
        entry.placed = vec![None; entry.replicas.len()];
        let every: Vec<usize> = (0..entry.replicas.len()).collect();
        self.admit(i, &every, spots, decisions);
    }

    fn preempt_or_wait(
        &mut self,
        i: usize,
        reason: String,
        blocker: Blocker,
        decisions: &mut Vec<Decision>,
    ) -> Result<(), Blocker> {
        if let Some(victims) = preemption::find_victims(self, i) {
            for (victim, why) in victims {
                self.preempt(victim, why, decisions);
            }
            // find_victims proved that this fits once the victims are gone.
            let entry = self.entries[i].clone();
            if let Some(spots) = place_whole(&mut self.inventory, &entry, self.policy, &self.mix) {
                self.readmit_whole(i, spots, decisions);
                return Ok(());
            }
        }
        decisions.push(Decision::Wait {
            id: self.entries[i].id,
            reason,
        });
        Err(blocker)
    }

    fn admit(&mut self, i: usize, replicas: &[usize], spots: Vec<Spot>, out: &mut Vec<Decision>) {
        self.note_held(i, replicas, spots);
        self.admitted_now[i] = true;
        let entry = &self.entries[i];
        out.push(Decision::Admit {
            id: entry.id,
            spots: entry.placed.iter().flatten().cloned().collect(),
        });
    }

    /// Records new spots of entry `i` and what they add to its profile's usage.
    fn note_held(&mut self, i: usize, replicas: &[usize], spots: Vec<Spot>) {
        let before = self.entries[i].held();
        for (&r, spot) in replicas.iter().zip(spots) {
            self.entries[i].placed[r] = Some(spot);
        }
        let added = self.entries[i].held().minus(before);
        let used = self
            .usage
            .entry(self.entries[i].profile.clone())
            .or_default();
        *used = used.plus(added);
    }

    pub(super) fn preempt(&mut self, victim: usize, reason: String, out: &mut Vec<Decision>) {
        let held = self.entries[victim].held();
        let entry = &mut self.entries[victim];
        for (request, spot) in entry.replicas.iter().zip(entry.placed.iter_mut()) {
            if let Some(s) = spot.take() {
                self.inventory.release(request, &s);
            }
        }
        if let Some(used) = self.usage.get_mut(&entry.profile) {
            *used = used.minus(held);
        }
        self.preempted[victim] = true;
        out.push(Decision::Preempt {
            id: entry.id,
            reason,
        });
    }

    /// Why adding `extra` to the profile's usage would break its quota (with what it may
    /// borrow), or `None` when it would not.
    pub(super) fn quota_refusal(&self, profile: &str, extra: Amount) -> Option<String> {
        self.quota_refusal_with(profile, extra, &self.usage)
    }

    pub(super) fn quota_refusal_with(
        &self,
        profile: &str,
        extra: Amount,
        usage: &HashMap<String, Amount>,
    ) -> Option<String> {
        let queue = self.queues.get(profile)?;
        let used = |p: &str| usage.get(p).copied().unwrap_or_default();
        // Others' unused quota, less what others already borrow from that pool.
        let (unused, borrowed) = self.queues.values().filter(|q| q.profile != profile).fold(
            (Amount::default(), Amount::default()),
            |(u, b), q| {
                let used = used(&q.profile);
                (u.plus(q.quota.unused(used)), b.plus(q.quota.excess(used)))
            },
        );
        let limit = queue
            .quota
            .with_borrowing(&queue.borrow_cap, unused.minus(borrowed));
        let after = used(profile).plus(extra);
        limit.exceeded_by(after).map(|(resource, wanted, allowed)| {
            format!(
                "waiting for quota: profile {profile} would use {wanted} {resource}, \
                 {allowed} allowed with what it may borrow"
            )
        })
    }

    /// Whether the entry breaks its profile's own quota even when nothing else runs.
    /// Borrowing is best effort: a workload that needs it is not protected from starving.
    fn quota_refusal_when_idle(&self, entry: &Entry) -> Option<String> {
        let queue = self.queues.get(entry.profile.as_str())?;
        queue
            .quota
            .exceeded_by(entry.whole())
            .map(|(resource, _, _)| format!("over its own quota of {resource}"))
    }
}

/// Spots for every replica of `entry`, moving those it holds (they run nothing yet) when
/// that helps; on failure the inventory is as it was.
pub(super) fn place_whole(
    inventory: &mut WorkingInventory,
    entry: &Entry,
    policy: Policy,
    mix: &TaskMix,
) -> Option<Vec<Spot>> {
    for (request, spot) in entry.replicas.iter().zip(&entry.placed) {
        if let Some(s) = spot {
            inventory.release(request, s);
        }
    }
    let all: Vec<&Request> = entry.replicas.iter().collect();
    let spots = inventory.place_all(&all, policy, mix);
    if spots.is_none() {
        for (request, spot) in entry.replicas.iter().zip(&entry.placed) {
            if let Some(s) = spot {
                inventory.hold(request, s);
            }
        }
    }
    spots
}

/// What the cluster has in all, for fair shares.
fn capacity_of(nodes: &[Node]) -> Amount {
    nodes.iter().fold(Amount::default(), |sum, n| Amount {
        gpu_milli: sum.gpu_milli + n.gpus.len() as u64 * u64::from(super::WHOLE_GPU_MILLI),
        cpu_milli: sum.cpu_milli + n.cpu_milli,
        memory_mib: sum.memory_mib + n.memory_mib,
        workloads: 0,
    })
}

/// "2 × (4000m CPU, 16384 MiB, 1 GPU)" for the first unplaced replica's kind of request.
fn describe(entry: &Entry) -> String {
    let unplaced: Vec<&Request> = entry
        .replicas
        .iter()
        .zip(&entry.placed)
        .filter(|(_, s)| s.is_none())
        .map(|(r, _)| r)
        .collect();
    let Some(first) = unplaced.first() else {
        return "room".to_owned();
    };
    let mut parts = Vec::new();
    match first.gpu {
        super::GpuAsk::None => {}
        super::GpuAsk::Whole(n) => parts.push(format!("{n} idle GPU(s)")),
        super::GpuAsk::Share(m) => parts.push(format!("{m} milli of one GPU")),
    }
    if first.cpu_milli > 0 {
        parts.push(format!("{}m CPU", first.cpu_milli));
    }
    if first.memory_mib > 0 {
        parts.push(format!("{} MiB", first.memory_mib));
    }
    let what = if parts.is_empty() {
        "a free slot".to_owned()
    } else {
        parts.join(", ")
    };
    if unplaced.len() > 1 {
        format!("room for {} replicas of ({what})", unplaced.len())
    } else {
        what
    }
}
