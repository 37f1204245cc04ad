//! Hyperband's brackets and their rungs (Li et al. 2018, Algorithm 1), from `eta` and `r_l`
//! alone: s_max = ⌊log_eta r_l⌋, B = (s_max + 1)·r_l; bracket s (s_max down to 0) starts
//! n = ⌈B/r_l · eta^s/(s + 1)⌉ configurations at r = r_l·eta^−s, and its rung i keeps
//! ⌊n·eta^−i⌋ of them at r·eta^i.

/// Slack for floating rounding where the exact value is a whole number (9/3 must floor to 3,
/// 3^5 must not exceed 243).
const SLACK: f64 = 1e-9;

/// Bounds the bracket count for an `eta` barely above 1 (settings require `eta ≥ 2`, which
/// overflows to infinity long before).
const MOST_BRACKETS: usize = 1024;

/// `size` trials at budget `resource`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rung {
    /// The bracket's s, from s_max down to 0.
    pub bracket: usize,
    /// 0: new configurations; i > 0: the best of rung i − 1 of the same bracket.
    pub index: usize,
    pub size: usize,
    pub resource: f64,
}

/// ⌊log_eta r_l⌋, counted by powers of eta: `ln 243 / ln 3` is 4.999…, yet 3^5 = 243.
/// Settings that make no sense (eta ≤ 1, not finite) give a single bracket.
pub fn s_max(eta: f64, r_l: f64) -> usize {
    if !(eta > 1.0 && eta.is_finite() && r_l.is_finite()) {
        return 0;
    }
    let mut s = 0;
    let mut power = eta;
    while s < MOST_BRACKETS && power <= r_l * (1.0 + SLACK) {
        s += 1;
        power *= eta;
    }
    s
}

/// Every rung in the order its trials are created, bracket after bracket. A count too large
/// for `usize` saturates (such a rung is never finished anyway).
pub fn rungs(eta: f64, r_l: f64) -> impl Iterator<Item = Rung> {
    let s_max = s_max(eta, r_l);
    (0..=s_max).rev().flat_map(move |s| {
        // B/r_l is s_max + 1; eta^s is only taken for the s that s_max allows.
        let power = move |k: usize| eta.powi(k as i32);
        let n = ((s_max + 1) as f64 * power(s) / (s + 1) as f64 - SLACK).ceil();
        (0..=s)
            .map(move |i| Rung {
                bracket: s,
                index: i,
                size: (n / power(i) + SLACK).floor() as usize,
                resource: r_l / power(s - i),
            })
            .take_while(|rung| rung.size > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(eta: f64, r_l: f64) -> Vec<(usize, usize, usize, f64)> {
        rungs(eta, r_l)
            .map(|r| (r.bracket, r.index, r.size, r.resource))
            .collect()
    }

    #[test]
    fn eta_3_and_r_l_9_follow_the_paper() {
        // s_max = 2, B = 27. s = 2: n = ⌈3·9/3⌉ = 9 at 1; s = 1: ⌈3·3/2⌉ = 5 at 3;
        // s = 0: ⌈3·1/1⌉ = 3 at 9. Rungs keep ⌊n/3^i⌋ at 3^i times the budget.
        assert_eq!(
            table(3.0, 9.0),
            vec![
                (2, 0, 9, 1.0),
                (2, 1, 3, 3.0),
                (2, 2, 1, 9.0),
                (1, 0, 5, 3.0),
                (1, 1, 1, 9.0),
                (0, 0, 3, 9.0),
            ]
        );
    }

    #[test]
    fn katibs_example_eta_2_and_r_l_2() {
        // s_max = 1, B = 4. s = 1: ⌈2·2/2⌉ = 2 at 1, then 1 at 2; s = 0: ⌈2·1/1⌉ = 2 at 2.
        assert_eq!(
            table(2.0, 2.0),
            vec![(1, 0, 2, 1.0), (1, 1, 1, 2.0), (0, 0, 2, 2.0)]
        );
    }

    #[test]
    fn exact_powers_are_not_lost_to_rounding() {
        assert_eq!(s_max(3.0, 243.0), 5);
        assert_eq!(s_max(10.0, 1000.0), 3);
        assert_eq!(s_max(3.0, 242.0), 4);
        assert_eq!(s_max(3.0, 2.0), 0);
        assert_eq!(s_max(3.0, 0.5), 0);
    }

    #[test]
    fn senseless_settings_give_a_bounded_schedule() {
        for (eta, r_l) in [(f64::NAN, 9.0), (1.0, 9.0), (3.0, f64::NAN)] {
            assert_eq!(table(eta, r_l).len(), 1, "{eta} {r_l}");
        }
        for (eta, r_l) in [(1.000001, f64::MAX), (2.0, f64::MAX), (3.0, f64::INFINITY)] {
            assert!(s_max(eta, r_l) <= MOST_BRACKETS);
            assert!(rungs(eta, r_l).next().is_some_and(|r| r.size > 0));
        }
    }
}
