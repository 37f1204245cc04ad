//! Hyperparameter search, independent of Capstan's store and runtime: a [`Space`] of
//! parameters, the [`Trial`]s so far, and algorithms that [`Suggest`] the next assignments.
//!
//! Every algorithm minimizes (the tuning controller negates a metric to maximize), is seeded
//! and is a pure function of the seed and the trials it is shown: the same history gives the
//! same suggestions, so a restarted controller goes on exactly where it was.
//!
//! - `space`: parameters, values, and their encoding in the unit interval;
//! - `trial`: what an algorithm learns from (assignment, state, objective);
//! - `algorithm`: the [`Suggest`] trait and the algorithms by Katib's names and settings;
//! - `random`, `grid`, `sobol`, `tpe`, `gp`, `hyperband`: the algorithms;
//! - `functions`: test functions with known optima (Branin, Hartmann-6, a noisy quadratic).

pub mod algorithm;
pub mod functions;
pub mod gp;
pub mod grid;
pub mod hyperband;
pub mod random;
pub mod regret;
pub mod rng;
pub mod sobol;
pub mod space;
pub mod tpe;
pub mod trial;

pub use algorithm::{Algorithm, AlgorithmError, Suggest, Suggestion};
pub use space::{Param, ParamKind, Space, Value};
pub use trial::{Trial, TrialState};
