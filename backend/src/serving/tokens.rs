//! Per-model API tokens: `cmt_` and 40 random letters and digits, shown once; only their
//! SHA-256 is stored and kept in the routing table, so the router checks one with a hash and a
//! map lookup.

use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;

pub use crate::tokens::sha256_hex as hash;

pub const PREFIX: &str = "cmt_";
const SECRET_LEN: usize = 40;

/// A new token's text.
pub fn generate() -> String {
    format!(
        "{PREFIX}{}",
        Alphanumeric.sample_string(&mut OsRng, SECRET_LEN)
    )
}

/// Whether `text` looks like a model token (rather than a personal one).
pub fn is_model_token(text: &str) -> bool {
    text.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = generate();
        assert!(is_model_token(&a) && a.len() == PREFIX.len() + SECRET_LEN);
        assert_ne!(a, generate());
        assert_eq!(hash(&a).len(), 64);
        assert_eq!(hash(&a), hash(&a));
        assert!(!is_model_token("capstan_abc"));
    }
}
