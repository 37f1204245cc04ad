//! The standard normal pieces of expected improvement, in logarithms so that improvement far
//! below the incumbent stays comparable instead of rounding to 0 (log-EI, Ament et al. 2023).
//! Rust's std has no `erf`: the body uses the everywhere-positive series of `erf`, the tails
//! Laplace's continued fraction of the Mills ratio, which never subtract nearby numbers.

use std::f64::consts::PI;

/// Beyond this |z| the continued fraction is used; 60 terms give full precision there.
const TAIL: f64 = 2.5;
const FRACTION_TERMS: usize = 60;

/// `φ(z)`.
pub fn pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}

fn ln_pdf(z: f64) -> f64 {
    -0.5 * z * z - 0.5 * (2.0 * PI).ln()
}

/// `erf(a)` for moderate `a` by `2/√π e^{−a²} Σ 2ⁿ a^{2n+1} / (2n+1)!!` (all terms positive).
fn erf_series(a: f64) -> f64 {
    let (mut term, mut sum) = (a, a);
    for n in 1..200 {
        term *= 2.0 * a * a / (2 * n + 1) as f64;
        sum += term;
        if term.abs() <= 1e-17 * sum.abs() {
            break;
        }
    }
    2.0 / PI.sqrt() * (-a * a).exp() * sum
}

/// For `x > 0`, `U(x) = 1/(x + 2/(x + 3/(x + …)))`, the tail of Laplace's fraction for the
/// Mills ratio `R(x) = (1 − Φ(x))/φ(x) = 1/(x + U(x))`.
fn fraction_tail(x: f64) -> f64 {
    let mut t = 0.0;
    for k in (2..=FRACTION_TERMS).rev() {
        t = k as f64 / (x + t);
    }
    1.0 / (x + t)
}

/// `Φ(z)`.
pub fn cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z.abs() <= TAIL {
        return 0.5 + 0.5 * erf_series(z / std::f64::consts::SQRT_2);
    }
    let x = z.abs();
    let tail = pdf(x) / (x + fraction_tail(x));
    if z < 0.0 { tail } else { 1.0 - tail }
}

/// `ln h(z)` for `h(z) = z Φ(z) + φ(z)` (the expected improvement of a standard normal over
/// `−z`), and `d ln h / dz = Φ(z) / h(z)`.
pub fn ln_h(z: f64) -> (f64, f64) {
    if z < -TAIL {
        // h = φ(x) R(x) U(x) with x = −z, and Φ(z) = φ(x) R(x): no cancellation.
        let x = -z;
        let u = fraction_tail(x);
        let r = 1.0 / (x + u);
        return (ln_pdf(x) + r.ln() + u.ln(), 1.0 / u);
    }
    let phi = cdf(z);
    let h = (z * phi + pdf(z)).max(f64::MIN_POSITIVE);
    (h.ln(), phi / h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_matches_known_values_on_both_sides_of_the_tail_switch() {
        for (z, expected) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_542_9),
            (-2.0, 0.022_750_131_948_179_21),
            (-3.0, 0.001_349_898_031_630_094_6),
            (-10.0, 7.619_853_024_160_527e-24),
            (4.0, 0.999_968_328_758_166_9),
        ] {
            let got = cdf(z);
            assert!((got / expected - 1.0).abs() < 1e-13, "Φ({z}) = {got}");
        }
        let (below, above) = (cdf(-TAIL - 1e-12), cdf(-TAIL + 1e-12));
        assert!((below / above - 1.0).abs() < 1e-11);
    }

    #[test]
    fn ln_h_is_continuous_and_its_slope_agrees_with_finite_differences() {
        let (below, _) = ln_h(-TAIL - 1e-12);
        let (above, _) = ln_h(-TAIL + 1e-12);
        assert!((below - above).abs() < 1e-10);
        for z in [-40.0, -6.0, -2.6, -1.0, 0.0, 3.0] {
            let numeric = (ln_h(z + 1e-6).0 - ln_h(z - 1e-6).0) / 2e-6;
            let (_, slope) = ln_h(z);
            assert!(
                (numeric - slope).abs() < 1e-5 * slope.abs().max(1.0),
                "{z}: {numeric} {slope}"
            );
        }
        // Far below, h ≈ φ(z)/z²: the logarithm stays finite where h itself underflows.
        let (far, _) = ln_h(-100.0);
        assert!((far - (ln_pdf(100.0) - 2.0 * 100f64.ln())).abs() < 1e-3);
    }
}
