//! The standard normal's numerics the kernels need: logarithms of interval masses (a
//! truncation's normalizer, a cell's probability) that stay finite far in the tails, and
//! draws truncated to an interval.

use rand::Rng;

use crate::rng;

/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Below this width (in standard deviations) an interval's mass is integrated directly:
/// the difference of two nearly equal CDFs would lose the digits.
const NARROW: f64 = 0.01;

/// ln erfc(z) for z ≥ 0: Numerical Recipes' Chebyshev fit (relative error under 1.2e-7),
/// kept in log form so that the far tail does not underflow.
fn ln_erfc_nonneg(z: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    t.ln() - z * z + poly
}

/// ln φ(x), the standard normal density.
pub fn ln_pdf(x: f64) -> f64 {
    -0.5 * x * x - LN_SQRT_2PI
}

/// ln Φ(x), the standard normal distribution function.
pub fn ln_cdf(x: f64) -> f64 {
    // Φ(−|x|) = erfc(|x|/√2) / 2, accurate in relative terms however far out.
    let ln_lower_tail = ln_erfc_nonneg(x.abs() / std::f64::consts::SQRT_2) - std::f64::consts::LN_2;
    if x <= 0.0 {
        ln_lower_tail
    } else {
        (-ln_lower_tail.exp()).ln_1p()
    }
}

/// ln(Φ(b) − Φ(a)), the log mass of `[a, b]`; −∞ for an empty interval.
pub fn ln_mass(a: f64, b: f64) -> f64 {
    if b.is_nan() || a.is_nan() || b <= a {
        return f64::NEG_INFINITY;
    }
    if b - a < NARROW {
        // Simpson's rule, relative to the midpoint's density so that it holds in the tails.
        let m = 0.5 * (a + b);
        let side = |x: f64| (0.5 * (m * m - x * x)).exp();
        return ln_pdf(m) + (b - a).ln() + ((side(a) + 4.0 + side(b)) / 6.0).ln();
    }
    if a >= 0.0 {
        // The upper tail is the mirrored lower one, where the CDF is accurate.
        return ln_mass(-b, -a);
    }
    if b <= 0.0 {
        let ln_b = ln_cdf(b);
        return ln_b + ln_one_minus_exp(ln_cdf(a) - ln_b);
    }
    // a < 0 < b: both tails are below one half, so the remainder is well conditioned.
    (-ln_cdf(a).exp() - ln_cdf(-b).exp()).ln_1p()
}

/// ln(1 − eˣ) for x ≤ 0 (−∞ at 0, where rounding could push the ratio to one).
fn ln_one_minus_exp(x: f64) -> f64 {
    if x >= 0.0 {
        f64::NEG_INFINITY
    } else {
        (-x.exp()).ln_1p()
    }
}

/// A draw of N(mu, sigma²) conditioned on `[lo, hi]`. By rejection: the kernels keep their
/// centre inside the interval and their width at most its length, so at least a third of the
/// draws land and the loop ends at once; the clamp is for pathological input only.
pub fn truncated(rng: &mut impl Rng, mu: f64, sigma: f64, lo: f64, hi: f64) -> f64 {
    for _ in 0..64 {
        let x = mu + sigma * rng::normal(rng);
        if (lo..=hi).contains(&x) {
            return x;
        }
    }
    if mu.is_finite() {
        mu.clamp(lo, hi)
    } else {
        0.5 * (lo + hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_distribution_function_matches_known_values() {
        for (x, phi) in [
            (0.0, 0.5),
            (-1.0, 0.158_655_253_931_457),
            (1.959_963_984_540_054, 0.975),
            (-5.0, 2.866_515_718_791_939e-7),
        ] {
            let got = ln_cdf(x).exp();
            assert!((got - phi).abs() <= 2e-7 * phi, "Φ({x}) = {got}, not {phi}");
        }
        // Far out the log stays finite and follows the Gaussian tail, ln φ(x) − ln|x|.
        let far = ln_cdf(-40.0);
        assert!((far - (ln_pdf(-40.0) - 40f64.ln())).abs() < 1e-3, "{far}");
    }

    #[test]
    fn interval_masses_agree_between_the_direct_and_the_difference_rules() {
        for (a, b) in [(-0.3, 0.7), (1.2, 1.5), (-3.0, -2.2), (-20.0, -19.5)] {
            let whole = ln_mass(a, b).exp();
            let n = 200;
            let step = (b - a) / n as f64;
            let parts: f64 = (0..n)
                .map(|i| ln_mass(a + i as f64 * step, a + (i + 1) as f64 * step).exp())
                .sum();
            assert!(
                (whole - parts).abs() <= 1e-5 * whole,
                "[{a}, {b}]: {whole} vs {parts}"
            );
        }
        assert_eq!(ln_mass(1.0, 1.0), f64::NEG_INFINITY);
        assert!(ln_mass(-60.0, -59.0).is_finite());
    }

    #[test]
    fn truncated_draws_stay_inside() {
        let mut rng = rng::for_position(3, 0);
        for _ in 0..1000 {
            let x = truncated(&mut rng, 0.95, 1.0, 0.0, 1.0);
            assert!((0.0..=1.0).contains(&x));
        }
    }
}
