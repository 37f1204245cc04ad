//! Seeded randomness: a stream per trial position, so that a suggestion depends only on the
//! seed, its position and the history, never on what was drawn before a restart.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator for the suggestion at `position` (the number of trials before it).
pub fn for_position(seed: u64, position: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(position as u64);
    rng
}

/// A standard normal draw (Box-Muller).
pub fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.r#gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}
