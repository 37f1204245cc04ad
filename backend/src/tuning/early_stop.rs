//! Katib's median stopping rule: a running trial whose best objective after `start_step`
//! reports is worse than the median of the completed trials' running averages at the same
//! step is stopped, once `min_trials_required` trials have completed.

use super::spec::MedianStop;

/// Why the trial should stop, or `None` to let it run. `reports` are the running trial's
/// objective reports in order; `completed` each completed trial's; `maximize` the direction.
pub fn median_stop(
    rule: &MedianStop,
    maximize: bool,
    reports: &[f64],
    completed: &[&[f64]],
) -> Option<String> {
    let step = reports.len();
    if step < rule.start_step {
        return None;
    }
    let averages: Vec<f64> = completed
        .iter()
        .filter(|series| !series.is_empty())
        .map(|series| {
            let upto = &series[..step.min(series.len())];
            upto.iter().sum::<f64>() / upto.len() as f64
        })
        .collect();
    if averages.len() < rule.min_trials_required {
        return None;
    }
    let median = median(averages);
    let best = if maximize {
        reports.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    } else {
        reports.iter().copied().fold(f64::INFINITY, f64::min)
    };
    let worse = if maximize {
        best < median
    } else {
        best > median
    };
    worse.then(|| {
        format!(
            "early stopped by medianstop at step {step}: its best {best} is worse than the \
             median {median} of the completed trials"
        )
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: MedianStop = MedianStop {
        min_trials_required: 2,
        start_step: 2,
    };

    #[test]
    fn a_trial_below_the_median_stops_after_start_step() {
        let done: [&[f64]; 3] = [&[0.5, 0.7, 0.9], &[0.6, 0.8, 0.9], &[0.1, 0.2, 0.3]];
        // Averages at step 2: 0.6, 0.7, 0.15 → median 0.6.
        assert!(
            median_stop(&RULE, true, &[0.3], &done).is_none(),
            "before start_step"
        );
        let why = median_stop(&RULE, true, &[0.3, 0.4], &done).unwrap();
        assert!(why.contains("median 0.6"), "{why}");
        assert!(median_stop(&RULE, true, &[0.3, 0.65], &done).is_none());
        // Minimizing: lower is better.
        assert!(median_stop(&RULE, false, &[0.3, 0.4], &done).is_none());
    }

    #[test]
    fn too_few_completed_trials_never_stop_one() {
        let done: [&[f64]; 1] = [&[0.9, 0.9]];
        assert!(median_stop(&RULE, true, &[0.1, 0.1], &done).is_none());
    }
}
