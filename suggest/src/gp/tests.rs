//! End-to-end behaviour of the GP algorithm: the model it fits, the optimization it does,
//! and the promises of [`Suggest`] (reproducible, no point twice, valid values).

use super::coords::Coords;
use super::propose::{Fitted, standardize};
use super::*;
use crate::functions::{BRANIN, TestFunction};
use crate::regret::regret;
use crate::space::{Param, ParamKind};
use crate::{Algorithm, Suggestion};

fn new_points(suggestion: Suggestion) -> Vec<Vec<Value>> {
    match suggestion {
        Suggestion::New(points) => points,
        Suggestion::Exhausted => panic!("the GP never runs out"),
    }
}

fn finished(space: &Space, seed: u64, n: usize, f: impl Fn(&[Value]) -> f64) -> Vec<Trial> {
    (0..n)
        .map(|p| {
            let values = uniform_point(space, seed, p);
            let y = f(&values);
            Trial {
                values,
                state: TrialState::Succeeded(y),
            }
        })
        .collect()
}

fn unit_interval() -> Space {
    Space::new(vec![Param {
        name: "x".into(),
        kind: ParamKind::Double {
            min: 0.0,
            max: 1.0,
            step: None,
            log: false,
        },
    }])
}

#[test]
fn a_fit_to_a_smooth_function_predicts_it_between_the_samples() {
    let f = |x: f64| (6.0 * x).sin() + 0.5 * x;
    let points: Vec<Vec<f64>> = (0..15).map(|i| vec![i as f64 / 14.0]).collect();
    let y: Vec<f64> = points.iter().map(|p| f(p[0])).collect();
    let mut rng = rng::for_position(1, 0);
    let fitted = Fitted::new(&Coords::of(&unit_interval()), points, &y, &mut rng).expect("a fit");
    // Back from standardized units.
    let z = standardize(&y);
    let spread = (y[1] - y[0]) / (z[1] - z[0]);
    let mean = y[0] - spread * z[0];
    for x in [0.03, 0.31, 0.52, 0.77, 0.96] {
        let (m, var) = fitted.predict(&[x]);
        let predicted = mean + spread * m;
        assert!(
            (predicted - f(x)).abs() < 0.02,
            "at {x}: {predicted} vs {}",
            f(x)
        );
        assert!(var.sqrt() * spread < 0.05);
    }
}

#[test]
fn branin_is_solved_in_thirty_trials() {
    let r = regret(&Algorithm::Gp(GpSettings::new(0)), &BRANIN, 30, 0);
    assert!(r < 0.05, "regret {r}");
}

#[test]
fn the_same_seed_and_history_give_the_same_suggestions() {
    let space = BRANIN.space();
    let trials = finished(&space, 3, 12, |v| {
        BRANIN.observe(&TestFunction::point(v), 0, 0)
    });
    let a = Gp::new(GpSettings::new(5)).suggest(&space, &trials, 2);
    let b = Gp::new(GpSettings::new(5)).suggest(&space, &trials, 2);
    assert_eq!(a, b);
    let c = Gp::new(GpSettings::new(6)).suggest(&space, &trials, 2);
    assert_ne!(a, c);
}

#[test]
fn a_batch_spreads_out_and_avoids_running_trials() {
    let space = BRANIN.space();
    let mut trials = finished(&space, 3, 12, |v| (BRANIN.value)(&TestFunction::point(v)));
    let gp = Gp::new(GpSettings::new(1));
    let batch = new_points(gp.suggest(&space, &trials, 3));
    assert_eq!(batch.len(), 3);
    for (i, a) in batch.iter().enumerate() {
        for b in &batch[..i] {
            let (x, y) = (TestFunction::point(a), TestFunction::point(b));
            let gap = ((x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2)).sqrt();
            assert!(gap > 1e-3, "{a:?} and {b:?}");
        }
    }
    // The batch's second point is what a single request gives once the first is running.
    trials.push(Trial {
        values: batch[0].clone(),
        state: TrialState::Running,
    });
    let next = new_points(gp.suggest(&space, &trials, 1));
    assert_eq!(next[0], batch[1]);
}

#[test]
fn failed_trials_are_skipped_and_noise_is_no_trouble() {
    let space = BRANIN.space();
    let mut trials = finished(&space, 4, 15, |v| {
        (BRANIN.value)(&TestFunction::point(v)) + 5.0 * (v[0].as_f64() * 37.0).sin()
    });
    trials[3].state = TrialState::Failed;
    trials[7].state = TrialState::EarlyStopped(None);
    let points = new_points(Gp::new(GpSettings::new(2)).suggest(&space, &trials, 2));
    for p in &points {
        assert!(TestFunction::point(p).iter().all(|v| v.is_finite()));
        assert!(!trials.iter().any(|t| &t.values == p));
    }
}

#[test]
fn a_space_with_a_categorical_and_an_int_gets_valid_values() {
    let space = Space::new(vec![
        Param {
            name: "optimizer".into(),
            kind: ParamKind::Categorical {
                choices: vec!["sgd".into(), "adam".into(), "ftrl".into()],
            },
        },
        Param {
            name: "layers".into(),
            kind: ParamKind::Int {
                min: 1,
                max: 8,
                step: 1,
            },
        },
        Param {
            name: "lr".into(),
            kind: ParamKind::Double {
                min: 1e-4,
                max: 1e-1,
                step: None,
                log: true,
            },
        },
    ]);
    // Best: adam, 3 layers, lr 1e-2.
    let objective = |v: &[Value]| {
        let choice = match v[0] {
            Value::Choice(1) => 0.0,
            Value::Choice(_) => 1.0,
            _ => panic!("a categorical decodes to a choice"),
        };
        let Value::Int(layers) = v[1] else {
            panic!("an int decodes to an int")
        };
        choice + ((layers - 3) as f64).powi(2) * 0.1 + (v[2].as_f64().log10() + 2.0).powi(2)
    };
    let gp = Gp::new(GpSettings::new(9));
    let mut trials: Vec<Trial> = Vec::new();
    for _ in 0..25 {
        let values = new_points(gp.suggest(&space, &trials, 1)).remove(0);
        assert!(matches!(values[0], Value::Choice(i) if i < 3));
        assert!(matches!(values[1], Value::Int(l) if (1..=8).contains(&l)));
        assert!(matches!(values[2], Value::Double(lr) if (1e-4..=1e-1).contains(&lr)));
        assert!(
            !trials.iter().any(|t| t.values == values),
            "{values:?} twice"
        );
        let y = objective(&values);
        trials.push(Trial {
            values,
            state: TrialState::Succeeded(y),
        });
    }
    let best = trials
        .iter()
        .filter_map(Trial::objective)
        .fold(f64::INFINITY, f64::min);
    assert!(best < 0.3, "best {best}");
}

#[test]
fn degenerate_histories_still_get_finite_suggestions() {
    let space = unit_interval();
    // All objectives equal: nothing to standardize by.
    let flat = finished(&space, 1, 12, |_| 3.0);
    // Only failures after the initial trials: no data to fit.
    let mut failed = finished(&space, 1, 12, |_| 0.0);
    failed.iter_mut().for_each(|t| t.state = TrialState::Failed);
    for acquisition in [Acquisition::Gradient, Acquisition::Sampling] {
        let gp = Gp::new(GpSettings {
            acquisition,
            ..GpSettings::new(4)
        });
        for trials in [&flat, &failed] {
            let points = new_points(gp.suggest(&space, trials, 2));
            assert_eq!(points.len(), 2);
            assert!(points.iter().all(|p| p[0].as_f64().is_finite()));
        }
    }
    let nothing = new_points(Gp::new(GpSettings::new(4)).suggest(&Space::default(), &[], 3));
    assert_eq!(nothing, vec![Vec::<Value>::new(); 3]);
}
