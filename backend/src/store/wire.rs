//! Stored rows as the API's types: one conversion each, shared by the REST API and the UI's
//! server functions.

use super::{AuditEntry, ContributorRow, EventRow, Quota, Subject, TokenRow, WorkloadRow};

impl From<ContributorRow> for api::Contributor {
    fn from(row: ContributorRow) -> Self {
        let (email, group) = match row.subject {
            Subject::User(u) => (Some(u), None),
            Subject::Group(g) => (None, Some(g)),
        };
        api::Contributor {
            email,
            group,
            role: Some(row.role.as_str().to_owned()),
            added_at_ms: Some(row.added_at_ms),
        }
    }
}

impl From<TokenRow> for api::ApiToken {
    fn from(row: TokenRow) -> Self {
        api::ApiToken {
            id: row.id,
            name: row.name,
            created_at_ms: row.created_at_ms,
            expires_at_ms: row.expires_at_ms,
            last_used_at_ms: row.last_used_at_ms,
        }
    }
}

impl From<AuditEntry> for api::AuditEntry {
    fn from(e: AuditEntry) -> Self {
        api::AuditEntry {
            at_ms: e.at_ms,
            actor: e.actor,
            action: e.action,
            object: e.object,
            detail: e.detail,
        }
    }
}

impl From<&Quota> for api::Quota {
    fn from(q: &Quota) -> Self {
        api::Quota {
            gpu_milli: q.gpu_milli,
            cpu_milli: q.cpu_milli,
            memory_mib: q.memory_mib,
            workloads: q.workloads,
            borrow_gpu_milli: q.borrow_gpu_milli,
            borrow_cpu_milli: q.borrow_cpu_milli,
            borrow_memory_mib: q.borrow_memory_mib,
        }
    }
}

impl From<&api::Quota> for Quota {
    fn from(q: &api::Quota) -> Self {
        Quota {
            gpu_milli: q.gpu_milli,
            cpu_milli: q.cpu_milli,
            memory_mib: q.memory_mib,
            workloads: q.workloads,
            borrow_gpu_milli: q.borrow_gpu_milli,
            borrow_cpu_milli: q.borrow_cpu_milli,
            borrow_memory_mib: q.borrow_memory_mib,
        }
    }
}

impl From<WorkloadRow> for api::WorkloadStatus {
    fn from(w: WorkloadRow) -> Self {
        api::WorkloadStatus {
            id: w.id,
            profile: w.profile,
            name: w.name,
            kind: w.kind,
            priority_class: w.priority_class,
            priority: w.priority,
            phase: w.phase,
            reason: w.reason,
            created_at_ms: w.created_at_ms,
            admitted_at_ms: w.admitted_at_ms,
            started_at_ms: w.started_at_ms,
            finished_at_ms: w.finished_at_ms,
            placements: w.placements,
            spec: w.spec,
        }
    }
}

impl From<EventRow> for api::WorkloadEvent {
    fn from(e: EventRow) -> Self {
        api::WorkloadEvent {
            at_ms: e.at_ms,
            phase: e.phase,
            reason: e.reason,
        }
    }
}
