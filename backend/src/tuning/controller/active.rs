//! An experiment being driven, loaded from the store: its spec, its algorithm and its trials
//! with the metrics they reported so far.

use std::collections::BTreeMap;

use api::TrialState;
use suggest::{Suggest, Trial, TrialState as SearchState, Value};

use crate::store::{MetricRow, TrialRow, TuningRow};
use crate::tuning::assignment::from_texts;
use crate::tuning::spec::{self, TuningSpec};

pub(super) struct ActiveExperiment {
    pub row: TuningRow,
    pub spec: TuningSpec,
    pub suggest: Box<dyn Suggest>,
    pub trials: Vec<ActiveTrial>,
    /// The algorithm said it has nothing more to try.
    pub exhausted: bool,
    /// Ended or stopped: no new trial; dropped once its last trial has ended.
    pub closing: bool,
}

pub(super) struct ActiveTrial {
    pub row: TrialRow,
    pub values: Vec<Value>,
    /// Every stored report, by metric, in order.
    pub reports: BTreeMap<String, Vec<f64>>,
    /// Reports met in the trial's output so far, by metric: a report's step. Re-reading the
    /// output after a restart meets the stored ones again and skips them.
    pub met: BTreeMap<String, u32>,
    /// Lines of the log already read (StdOut), bytes of the file (File).
    pub lines_read: usize,
    pub bytes_read: u64,
    /// What Capstan stopped it for (early stopping, the experiment's end), so its end reads so.
    pub ending: Option<(TrialState, String)>,
}

impl ActiveExperiment {
    /// Reads the stored experiment; an error says why it cannot go on.
    pub fn load(
        row: TuningRow,
        trials: Vec<TrialRow>,
        metrics: Vec<MetricRow>,
    ) -> Result<ActiveExperiment, String> {
        let spec = spec::parse(&row.manifest, row.seed).map_err(|e| e.to_string())?;
        let suggest = spec.algorithm.build();
        let mut by_trial: BTreeMap<i64, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
        for m in metrics {
            by_trial
                .entry(m.trial_id)
                .or_default()
                .entry(m.name)
                .or_default()
                .push(m.value);
        }
        let mut active = Vec::with_capacity(trials.len());
        for row in trials {
            let values = from_texts(&spec.space, &row.assignment)
                .ok_or_else(|| format!("trial {} has values outside the space", row.name))?;
            let reports = by_trial.remove(&row.id).unwrap_or_default();
            active.push(ActiveTrial::new(row, values, reports));
        }
        Ok(ActiveExperiment {
            row,
            spec,
            suggest,
            trials: active,
            exhausted: false,
            closing: false,
        })
    }

    /// The trials as the algorithm sees them.
    pub fn history(&self) -> Vec<Trial> {
        self.trials
            .iter()
            .map(|t| Trial {
                values: t.values.clone(),
                state: t.search_state(&self.spec),
            })
            .collect()
    }

    pub fn running(&self) -> usize {
        self.trials
            .iter()
            .filter(|t| !t.row.state.is_finished())
            .count()
    }

    pub fn count(&self, state: TrialState) -> usize {
        self.trials.iter().filter(|t| t.row.state == state).count()
    }

    /// The objective's reports of the trials that succeeded (the median rule's reference).
    pub fn completed_series(&self) -> Vec<&[f64]> {
        self.trials
            .iter()
            .filter(|t| t.row.state == TrialState::Succeeded)
            .filter_map(|t| t.reports.get(&self.spec.objective.metric))
            .map(Vec::as_slice)
            .collect()
    }

    /// The index of a trial by id.
    pub fn index_of(&self, trial_id: i64) -> Option<usize> {
        self.trials.iter().position(|t| t.row.id == trial_id)
    }
}

impl ActiveTrial {
    pub fn new(row: TrialRow, values: Vec<Value>, reports: BTreeMap<String, Vec<f64>>) -> Self {
        ActiveTrial {
            row,
            values,
            reports,
            met: BTreeMap::new(),
            lines_read: 0,
            bytes_read: 0,
            ending: None,
        }
    }

    /// The trial's value of a metric, by the metric's strategy.
    pub fn metric(&self, spec: &TuningSpec, name: &str) -> Option<f64> {
        let strategy = spec.objective.strategies.get(name)?;
        strategy.apply(self.reports.get(name)?)
    }

    pub fn objective(&self, spec: &TuningSpec) -> Option<f64> {
        self.metric(spec, &spec.objective.metric)
    }

    fn search_state(&self, spec: &TuningSpec) -> SearchState {
        let loss = self.objective(spec).map(|v| spec.objective.to_loss(v));
        match self.row.state {
            TrialState::Running => SearchState::Running,
            TrialState::Succeeded => loss.map_or(SearchState::Failed, SearchState::Succeeded),
            TrialState::EarlyStopped => SearchState::EarlyStopped(loss),
            TrialState::Failed | TrialState::Killed => SearchState::Failed,
        }
    }
}
