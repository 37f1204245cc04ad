//! What kind of "no" a service gave, so that every edge (REST, server functions) answers the
//! same status for it without knowing each service's errors.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The thing does not exist, or the caller may not know that it does.
    NotFound,
    /// The input is malformed.
    Invalid,
    /// The caller is known but lacks the role.
    Forbidden,
    /// The request clashes with what is stored (a duplicate, the last owner, not empty).
    Conflict,
    /// The database did not answer.
    Unavailable,
}

impl Refusal {
    /// The HTTP status that says it.
    pub fn status(self) -> u16 {
        match self {
            Refusal::NotFound => 404,
            Refusal::Invalid => 400,
            Refusal::Forbidden => 403,
            Refusal::Conflict => 409,
            Refusal::Unavailable => 503,
        }
    }

    /// The stable code in JSON errors.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::NotFound => "not_found",
            Refusal::Invalid => "invalid",
            Refusal::Forbidden => "forbidden",
            Refusal::Conflict => "conflict",
            Refusal::Unavailable => "unavailable",
        }
    }
}

impl crate::profiles::ProfileError {
    pub fn refusal(&self) -> Refusal {
        use crate::profiles::ProfileError as E;
        match self {
            E::NotFound(_) | E::NoSuchContributor(..) => Refusal::NotFound,
            E::InvalidName(_) | E::NegativeQuota(_) => Refusal::Invalid,
            E::Forbidden { .. } | E::AdminsOnly(_) => Refusal::Forbidden,
            E::AlreadyExists(_)
            | E::DuplicateContributor(..)
            | E::LastOwner(_)
            | E::NotEmpty(..) => Refusal::Conflict,
            E::Store(_) => Refusal::Unavailable,
        }
    }
}

impl crate::tokens::TokenError {
    pub fn refusal(&self) -> Refusal {
        use crate::tokens::TokenError as E;
        match self {
            E::BadName | E::BadExpiry => Refusal::Invalid,
            E::NotFromToken => Refusal::Forbidden,
            E::NotFound(_) => Refusal::NotFound,
            E::Store(_) => Refusal::Unavailable,
        }
    }
}
