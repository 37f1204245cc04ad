use serde::{Deserialize, Serialize};

/// A profile the caller can see, with the caller's role in it: `GET /api/v1/profiles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSummary {
    pub name: String,
    /// `owner`, `admin`, `edit` or `view`.
    pub role: String,
}

/// The profiles the signed-in user may switch to, which the server puts on every page request
/// so that the frame renders them without a round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileChoices(pub Vec<ProfileSummary>);

/// Limits on what a profile's workloads may use at once; a missing value is no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Thousandths of a GPU (1000 = one whole GPU).
    #[serde(default)]
    pub gpu_milli: Option<i64>,
    /// Thousandths of a CPU core.
    #[serde(default)]
    pub cpu_milli: Option<i64>,
    #[serde(default)]
    pub memory_mib: Option<i64>,
    /// Workloads running at once.
    #[serde(default)]
    pub workloads: Option<i64>,
    /// How much of other profiles' unused GPU quota this profile may borrow beyond its own;
    /// missing: none. Borrowed resources are given back (preempted) when their lender needs
    /// them.
    #[serde(default)]
    pub borrow_gpu_milli: Option<i64>,
    #[serde(default)]
    pub borrow_cpu_milli: Option<i64>,
    #[serde(default)]
    pub borrow_memory_mib: Option<i64>,
}

/// What a profile's workloads use now, in the quota's units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub gpu_milli: i64,
    pub cpu_milli: i64,
    pub memory_mib: i64,
    pub workloads: i64,
}

/// `GET /api/v1/profiles/{p}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileDetail {
    pub name: String,
    pub role: String,
    pub quota: Quota,
    pub usage: Usage,
    pub created_at_ms: i64,
}

/// `POST /api/v1/profiles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProfile {
    pub name: String,
    /// The owner's user name (email); default: the caller.
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub quota: Quota,
}

/// `PATCH /api/v1/profiles/{p}`: the fields to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    pub quota: Quota,
}

/// A contributor binding: exactly one of `email` and `group`, and a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contributor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `owner`, `admin`, `edit` or `view`; not needed to remove one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_at_ms: Option<i64>,
}

/// One line of a profile's audit log: `GET /api/v1/profiles/{p}/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: String,
}
