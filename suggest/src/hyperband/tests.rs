use super::*;
use crate::algorithm::Algorithm;
use crate::space::Param;

fn param(name: &str, kind: ParamKind) -> Param {
    Param {
        name: name.into(),
        kind,
    }
}

/// Katib's hyperband.yaml: lr, num-layers, optimizer and the resource num-epochs (1 to 1).
fn katib_space() -> Space {
    Space::new(vec![
        param(
            "lr",
            ParamKind::Double {
                min: 0.01,
                max: 0.03,
                step: None,
                log: false,
            },
        ),
        param(
            "num-layers",
            ParamKind::Int {
                min: 2,
                max: 5,
                step: 1,
            },
        ),
        param(
            "optimizer",
            ParamKind::Categorical {
                choices: vec!["sgd".into(), "adam".into(), "ftrl".into()],
            },
        ),
        param(
            "num-epochs",
            ParamKind::Int {
                min: 1,
                max: 1,
                step: 1,
            },
        ),
    ])
}

const EPOCHS: usize = 3;

fn hyperband(eta: f64, r_l: f64) -> Hyperband {
    Hyperband::new(HyperbandSettings {
        seed: 5,
        resource: EPOCHS,
        eta,
        r_l,
    })
}

fn new(suggestion: Suggestion) -> Vec<Vec<Value>> {
    match suggestion {
        Suggestion::New(batch) => batch,
        Suggestion::Exhausted => panic!("exhausted too early"),
    }
}

fn running(batch: &[Vec<Value>]) -> impl Iterator<Item = Trial> + '_ {
    batch.iter().map(|values| Trial {
        values: values.clone(),
        state: TrialState::Running,
    })
}

/// The objective of the tests: the learning rate, so the best configuration is plain to see.
fn lr(values: &[Value]) -> f64 {
    values[0].as_f64()
}

fn finish_all(trials: &mut [Trial]) {
    for t in trials.iter_mut() {
        if t.state == TrialState::Running {
            t.state = TrialState::Succeeded(lr(&t.values));
        }
    }
}

/// Asks for `count` at a time and finishes every trial after each answer, until exhausted.
fn run(h: &Hyperband, count: usize) -> (Vec<Vec<Vec<Value>>>, Vec<Trial>) {
    let space = katib_space();
    let (mut batches, mut trials) = (Vec::new(), Vec::new());
    while let Suggestion::New(batch) = h.suggest(&space, &trials, count) {
        assert!(!batch.is_empty(), "stuck after {} trials", trials.len());
        trials.extend(running(&batch));
        finish_all(&mut trials);
        batches.push(batch);
    }
    (batches, trials)
}

fn without_budget(values: &[Value]) -> Vec<Value> {
    let mut values = values.to_vec();
    values.remove(EPOCHS);
    values
}

#[test]
fn katibs_example_starts_with_two_configurations_at_one_epoch() {
    let space = katib_space();
    let settings: Vec<(String, String)> =
        [("resource_name", "num-epochs"), ("eta", "2"), ("r_l", "2")]
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .into();
    let algorithm = Algorithm::from_katib("hyperband", &settings, &space, 1)
        .expect("Katib's example is accepted")
        .build();
    let first = new(algorithm.suggest(&space, &[], 2));
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|v| v[EPOCHS] == Value::Int(1)));
    assert_ne!(without_budget(&first[0]), without_budget(&first[1]));
    // maxTrialCount 2 ends it here; were it asked on, it would wait for the two.
    let trials: Vec<Trial> = running(&first).collect();
    assert_eq!(
        new(algorithm.suggest(&space, &trials, 2)),
        Vec::<Vec<Value>>::new()
    );
}

#[test]
fn eta_3_and_r_l_9_run_the_whole_schedule_then_are_exhausted() {
    let (batches, trials) = run(&hyperband(3.0, 9.0), 100);
    let budgets: Vec<Vec<i64>> = batches
        .iter()
        .map(|b| b.iter().map(|v| v[EPOCHS].as_f64() as i64).collect())
        .collect();
    // 9@1 | 3@3 | 1@9 and the next bracket's 5@3 | its 1@9 and the last bracket's 3@9.
    assert_eq!(
        budgets,
        vec![
            vec![1; 9],
            vec![3; 3],
            vec![9, 3, 3, 3, 3, 3],
            vec![9, 9, 9, 9]
        ]
    );
    assert_eq!(trials.len(), 22);
    let space = katib_space();
    assert_eq!(
        hyperband(3.0, 9.0).suggest(&space, &trials, 5),
        Suggestion::Exhausted
    );
    assert_eq!(
        hyperband(3.0, 9.0).suggest(&space, &trials, 0),
        Suggestion::Exhausted
    );
}

#[test]
fn promotion_takes_the_best_of_the_rung_before() {
    let (batches, _) = run(&hyperband(3.0, 9.0), 100);
    let mut first: Vec<&Vec<Value>> = batches[0].iter().collect();
    first.sort_by(|a, b| lr(a).total_cmp(&lr(b)));
    let promoted: Vec<Vec<Value>> = batches[1].iter().map(|v| without_budget(v)).collect();
    let best: Vec<Vec<Value>> = first[..3].iter().map(|v| without_budget(v)).collect();
    assert_eq!(promoted, best);
    assert_eq!(without_budget(&batches[2][0]), best[0]);
    // The second bracket's survivor is the best of its five.
    let second = &batches[2][1..];
    let winner = second.iter().min_by(|a, b| lr(a).total_cmp(&lr(b)));
    assert_eq!(
        Some(without_budget(&batches[3][0])),
        winner.map(|v| without_budget(v))
    );
}

#[test]
fn a_rung_waits_until_the_one_before_has_finished() {
    let space = katib_space();
    let h = hyperband(3.0, 9.0);
    let mut trials: Vec<Trial> = running(&new(h.suggest(&space, &[], 100))).collect();
    assert_eq!(trials.len(), 9);
    assert!(new(h.suggest(&space, &trials, 100)).is_empty());
    finish_all(&mut trials[..8]);
    assert!(new(h.suggest(&space, &trials, 100)).is_empty());
    finish_all(&mut trials);
    assert_eq!(new(h.suggest(&space, &trials, 100)).len(), 3);
}

#[test]
fn never_more_than_asked_and_the_same_as_in_one_go() {
    let space = katib_space();
    let h = hyperband(3.0, 9.0);
    let mut trials = Vec::new();
    let mut sizes = Vec::new();
    for count in [4, 4, 4, 4, 2, 2, 2] {
        if !trials.is_empty() && sizes.last() == Some(&0) {
            finish_all(&mut trials);
        }
        let batch = new(h.suggest(&space, &trials, count));
        sizes.push(batch.len());
        trials.extend(running(&batch));
    }
    // Rung 0 in 4 + 4 + 1, a wait, then the three promotions in 2 + 1, a wait.
    assert_eq!(sizes, vec![4, 4, 1, 0, 2, 1, 0]);
    let (batches, _) = run(&h, 100);
    let in_one_go: Vec<Vec<Value>> = batches[..2].concat();
    let values: Vec<Vec<Value>> = trials.into_iter().map(|t| t.values).collect();
    assert_eq!(values, in_one_go);
}

#[test]
fn trials_without_an_objective_are_promoted_last() {
    let space = katib_space();
    let h = hyperband(2.0, 2.0);
    let mut trials: Vec<Trial> = running(&new(h.suggest(&space, &[], 2))).collect();
    trials[0].state = TrialState::Failed;
    trials[1].state = TrialState::Succeeded(f64::MAX);
    let promoted = new(h.suggest(&space, &trials, 1));
    assert_eq!(
        without_budget(&promoted[0]),
        without_budget(&trials[1].values)
    );
    assert_eq!(promoted[0][EPOCHS], Value::Int(2));
}

#[test]
fn budgets_round_for_an_int_and_stay_exact_for_a_double() {
    // eta 2, r_l 5: s_max 2, budgets 1.25, 2.5 and 5.
    let (batches, _) = run(&hyperband(2.0, 5.0), 100);
    let first_bracket: Vec<Value> = batches[..3].iter().map(|b| b[0][EPOCHS]).collect();
    assert_eq!(
        first_bracket,
        vec![Value::Int(1), Value::Int(3), Value::Int(5)]
    );
    let (batches, _) = run(&hyperband(3.0, 0.5), 100);
    assert_eq!(batches[0][0][EPOCHS], Value::Int(1));

    let mut space = katib_space();
    space.params[EPOCHS].kind = ParamKind::Double {
        min: 1.0,
        max: 1.0,
        step: None,
        log: false,
    };
    let first = new(hyperband(3.0, 10.0).suggest(&space, &[], 1));
    assert_eq!(first[0][EPOCHS], Value::Double(10.0 / 9.0));
}

#[test]
fn odd_settings_and_histories_do_not_panic() {
    let space = katib_space();
    let stranger = Trial {
        values: vec![Value::Int(1)],
        state: TrialState::Succeeded(f64::NAN),
    };
    for (resource, eta, r_l) in [(9, 3.0, 9.0), (EPOCHS, f64::NAN, -1.0), (2, 2.0, 1e300)] {
        let h = Hyperband::new(HyperbandSettings {
            seed: 0,
            resource,
            eta,
            r_l,
        });
        for history in [vec![], vec![stranger.clone(); 30]] {
            let _ = h.suggest(&space, &history, 3);
        }
    }
}
