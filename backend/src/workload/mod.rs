//! Workloads: the unit that the scheduler admits and the runtimes run. Every notebook,
//! pipeline step, trial, model server and training job becomes one. The [`Engine`] owns the
//! loop (scheduling cycle, runtime reports, restart recovery) and the operations users call,
//! each checking the caller's role first.

mod engine;
mod error;
mod priority;
mod requests;
mod validate;

pub use engine::{Engine, EngineConfig};
pub use error::WorkloadError;
pub use priority::{PriorityClasses, PriorityError};
pub use requests::{placements_of, replicas_of, request_of, spots_of};
pub use validate::{check_can_run, check_spec};
