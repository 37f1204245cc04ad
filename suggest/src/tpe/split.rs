//! Which trials model the good density l(x) and which the bad one g(x), and how much each
//! counts.

/// What a trial tells the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// An objective; `early` for an early-stopped trial's last report, which ranks after
    /// every finished trial (Optuna's rule for pruned ones: a partial run's value is not a
    /// result).
    Scored { y: f64, early: bool },
    /// No objective: running (the constant liar: assume it bad, so that parallel suggestions
    /// spread out instead of piling onto one promising spot) or failed (usually the
    /// configuration's doing: divergence, out of memory; worth steering away from).
    Unscored,
}

/// Observations that make one density, with their weights.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Group {
    pub points: Vec<Vec<f64>>,
    pub weights: Vec<f64>,
}

pub struct Split {
    pub good: Group,
    pub bad: Group,
}

/// How many of `scored` trials are good: `gamma` of them, or Optuna's default
/// min(⌈0.1 n⌉, 25), which keeps l(x) sharp as trials accumulate.
pub fn n_good(scored: usize, gamma: Option<f64>) -> usize {
    let n = scored as f64;
    let good = match gamma {
        Some(g) if g.is_finite() && g > 0.0 => (g * n).ceil(),
        _ => (0.1 * n).ceil().min(25.0),
    };
    (good as usize).min(scored)
}

/// Splits `observations` (coordinates and outcome, in creation order): the best `n_good`
/// scored ones are good, everything else is bad.
///
/// Weights: Optuna's recency ramp in each group, and in the good one also the rank, falling
/// linearly from the best to the last and averaging one, so that the prior keeps its share
/// (Optuna weighs the good ones alike; leaning towards the best measured better on all three
/// test functions, most on Branin and Hartmann-6).
pub fn split(observations: Vec<(Vec<f64>, Outcome)>, gamma: Option<f64>) -> Split {
    let mut ranked: Vec<(usize, bool, f64)> = observations
        .iter()
        .enumerate()
        .filter_map(|(i, (_, outcome))| match *outcome {
            Outcome::Scored { y, early } => Some((i, early, y)),
            Outcome::Unscored => None,
        })
        .collect();
    let n = n_good(ranked.len(), gamma);
    // Stable: of equal objectives the older trial ranks first.
    ranked.sort_by(|a, b| a.1.cmp(&b.1).then(a.2.total_cmp(&b.2)));
    // Per observation, its rank among the good ones.
    let mut rank = vec![None; observations.len()];
    for (r, &(i, _, _)) in ranked[..n].iter().enumerate() {
        rank[i] = Some(r);
    }
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for ((x, _), r) in observations.into_iter().zip(rank) {
        match r {
            // n, n − 1, …, 1, scaled to a mean of one.
            Some(r) => good.push((x, 2.0 * (n - r) as f64 / (n + 1) as f64)),
            None => bad.push(x),
        }
    }
    let good_weights = good
        .iter()
        .zip(recency(good.len()))
        .map(|((_, by_rank), by_age)| by_rank * by_age)
        .collect();
    Split {
        good: Group {
            points: good.into_iter().map(|(x, _)| x).collect(),
            weights: good_weights,
        },
        bad: Group {
            weights: recency(bad.len()),
            points: bad,
        },
    }
}

/// Optuna's weights of `n` trials in creation order: the newest 25 count fully and older
/// ones ramp up from 1/n, so that the random start fades from g(x) as the search moves on.
fn recency(n: usize) -> Vec<f64> {
    const FLAT: usize = 25;
    if n < FLAT {
        return vec![1.0; n];
    }
    let ramp = n - FLAT;
    let start = 1.0 / n as f64;
    let step = if ramp > 1 {
        (1.0 - start) / (ramp - 1) as f64
    } else {
        0.0
    };
    (0..ramp)
        .map(|i| start + i as f64 * step)
        .chain(std::iter::repeat_n(1.0, FLAT))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(y: f64) -> Outcome {
        Outcome::Scored { y, early: false }
    }

    #[test]
    fn the_default_share_is_a_tenth_up_to_25() {
        assert_eq!(n_good(0, None), 0);
        assert_eq!(n_good(10, None), 1);
        assert_eq!(n_good(11, None), 2);
        assert_eq!(n_good(1000, None), 25);
        assert_eq!(n_good(10, Some(0.25)), 3);
        assert_eq!(n_good(1000, Some(0.25)), 250);
    }

    #[test]
    fn the_best_are_good_and_the_unscored_bad() {
        let observations = vec![
            (vec![0.0], scored(3.0)),
            (vec![1.0], Outcome::Unscored),
            (vec![2.0], scored(1.0)),
            (
                vec![3.0],
                Outcome::Scored {
                    y: 0.5,
                    early: true,
                },
            ),
            (vec![4.0], scored(2.0)),
        ];
        let split = split(observations, Some(0.5));
        // Two of four scored: the early stop's 0.5 ranks after the finished 1.0 and 2.0.
        assert_eq!(split.good.points, vec![vec![2.0], vec![4.0]]);
        assert_eq!(split.good.weights, vec![4.0 / 3.0, 2.0 / 3.0]);
        assert_eq!(split.bad.points, vec![vec![0.0], vec![1.0], vec![3.0]]);
        assert_eq!(split.bad.weights, vec![1.0; 3]);
    }

    #[test]
    fn old_trials_weigh_less_once_there_are_many() {
        assert_eq!(recency(3), vec![1.0; 3]);
        let w = recency(30);
        assert_eq!(w.len(), 30);
        assert!((w[0] - 1.0 / 30.0).abs() < 1e-12);
        assert!((w[4] - 1.0).abs() < 1e-12 && w[29] == 1.0);
        assert!(w.windows(2).all(|p| p[0] <= p[1]));
    }
}
