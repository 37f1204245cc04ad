//! HTTP plumbing shared by every route: health, metrics, security headers, the same-origin
//! check, request ids.

pub mod csrf;
pub mod health;
pub mod metrics;
pub mod profile_choices;
pub mod request_id;
pub mod security_headers;
