//! A tuning experiment's spec: Katib's `kubeflow.org/v1beta1` `Experiment` read, checked and
//! turned into what the controller runs. Every refusal names the place in the manifest.
//!
//! - `katib`: the manifest's fields as Katib spells them;
//! - `space`: parameters and feasible spaces;
//! - `collector`: where metrics come from and whether the objective can come from there;
//! - `template`: what a trial runs and its `${trialParameters.x}`.

mod collector;
pub mod katib;
mod space;
mod template;

use std::collections::BTreeMap;

pub use crate::manifest::SpecError;
pub use collector::{CollectorSpec, DEFAULT_FILTER, Format, Source};
pub use template::{Reference, Template, TrialRecipe, TrialValues};

use suggest::{Algorithm, AlgorithmError, Space};

use self::katib::{AlgorithmSpec, Experiment};
use crate::manifest::count;

/// The apiVersion and kind Capstan reads.
pub const API_VERSION: &str = "kubeflow.org/v1beta1";
pub const KIND: &str = "Experiment";

/// Trials at once when the spec does not say (Katib's default).
const DEFAULT_PARALLEL: u32 = 3;
/// Longest experiment name: trials are named `<experiment>-<number>` and workloads
/// `<trial>-<try>`, which must stay DNS-1123 labels (63).
const MAX_NAME: usize = 40;

/// How a metric's reports become the trial's value of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Min,
    Max,
    Latest,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Min => "min",
            Strategy::Max => "max",
            Strategy::Latest => "latest",
        }
    }

    /// The value of a series of reports (in order).
    pub fn apply(self, values: &[f64]) -> Option<f64> {
        let mut finite = values.iter().copied().filter(|v| v.is_finite());
        match self {
            Strategy::Min => finite.reduce(f64::min),
            Strategy::Max => finite.reduce(f64::max),
            Strategy::Latest => finite.next_back(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ObjectiveSpec {
    pub maximize: bool,
    pub goal: Option<f64>,
    pub metric: String,
    pub additional: Vec<String>,
    /// Every metric's strategy (by default the objective's direction, as Katib defaults them).
    pub strategies: BTreeMap<String, Strategy>,
}

impl ObjectiveSpec {
    /// The objective as the algorithms see it: always minimized.
    pub fn to_loss(&self, value: f64) -> f64 {
        if self.maximize { -value } else { value }
    }

    /// Whether `value` is at least as good as the goal.
    pub fn reaches_goal(&self, value: f64) -> bool {
        self.goal.is_some_and(|goal| {
            if self.maximize {
                value >= goal
            } else {
                value <= goal
            }
        })
    }

    /// Whether `a` is better than `b`.
    pub fn better(&self, a: f64, b: f64) -> bool {
        if self.maximize { a > b } else { a < b }
    }

    /// Every metric the trials report: the objective's first.
    pub fn metrics(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.metric).chain(&self.additional)
    }
}

/// Katib's `medianstop`: stop a trial whose best value so far is worse than the median of the
/// completed trials' running averages at the same step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MedianStop {
    pub min_trials_required: usize,
    pub start_step: usize,
}

/// A checked experiment, ready to run.
#[derive(Debug, Clone)]
pub struct TuningSpec {
    pub name: String,
    pub objective: ObjectiveSpec,
    pub space: Space,
    pub algorithm: Algorithm,
    pub early_stopping: Option<MedianStop>,
    pub parallel: u32,
    pub max_trials: Option<u32>,
    pub max_failed: Option<u32>,
    pub collector: CollectorSpec,
    pub template: Template,
    /// The manifest as read, for the YAML tab and a restart.
    pub manifest: Experiment,
}

/// Reads a manifest (YAML or JSON). `default_seed` seeds the algorithm when the manifest sets
/// no `random_state`.
pub fn parse(text: &str, default_seed: u64) -> Result<TuningSpec, SpecError> {
    check(crate::manifest::read(text)?, default_seed)
}

/// Checks a manifest already read.
pub fn check(manifest: Experiment, default_seed: u64) -> Result<TuningSpec, SpecError> {
    let name = manifest.metadata.name.clone();
    crate::manifest::Header {
        api_version: API_VERSION,
        kind: KIND,
        owner: "Katib",
        max_name: MAX_NAME,
        named_after: "trials",
    }
    .check(&manifest.api_version, &manifest.kind, &name)?;
    let spec = &manifest.spec;
    let space = space::space_of(&spec.parameters)?;
    let collector = CollectorSpec::read(spec.metrics_collector_spec.as_ref())?;
    let objective = objective(spec, &collector)?;
    let algorithm = algorithm(&spec.algorithm, &space, default_seed)?;
    let early_stopping = spec.early_stopping.as_ref().map(median_stop).transpose()?;
    let template = Template::read(&spec.trial_template, &space)?;
    let parallel =
        count(spec.parallel_trial_count, "spec.parallelTrialCount", 1)?.unwrap_or(DEFAULT_PARALLEL);
    let max_trials = count(spec.max_trial_count, "spec.maxTrialCount", 1)?;
    let max_failed = count(spec.max_failed_trial_count, "spec.maxFailedTrialCount", 0)?;
    if let Some(policy) = &spec.resume_policy
        && !matches!(policy.as_str(), "Never" | "LongRunning" | "FromVolume")
    {
        return Err(SpecError::at(
            "spec.resumePolicy",
            format!("`{policy}` is not one of Never, LongRunning, FromVolume"),
        ));
    }
    Ok(TuningSpec {
        name,
        objective,
        space,
        algorithm,
        early_stopping,
        parallel,
        max_trials,
        max_failed,
        collector,
        template,
        manifest,
    })
}

fn objective(
    spec: &katib::ExperimentSpec,
    collector: &CollectorSpec,
) -> Result<ObjectiveSpec, SpecError> {
    let o = &spec.objective;
    let maximize = match o.kind.as_str() {
        "maximize" => true,
        "minimize" => false,
        other => {
            return Err(SpecError::at(
                "spec.objective.type",
                format!("`{other}` is neither maximize nor minimize"),
            ));
        }
    };
    if let Some(goal) = o.goal
        && !goal.is_finite()
    {
        return Err(SpecError::at("spec.objective.goal", "must be a number"));
    }
    collector.check_metric(
        &o.objective_metric_name,
        "spec.objective.objectiveMetricName",
    )?;
    let mut strategies = BTreeMap::new();
    strategies.insert(
        o.objective_metric_name.clone(),
        if maximize {
            Strategy::Max
        } else {
            Strategy::Min
        },
    );
    // Katib's defaulting: every metric without a strategy follows the objective's direction.
    let direction = if maximize {
        Strategy::Max
    } else {
        Strategy::Min
    };
    for (i, name) in o.additional_metric_names.iter().enumerate() {
        let path = format!("spec.objective.additionalMetricNames[{i}]");
        collector.check_metric(name, &path)?;
        if strategies.insert(name.clone(), direction).is_some() {
            return Err(SpecError::at(path, format!("`{name}` is already a metric")));
        }
    }
    for (i, s) in o.metric_strategies.iter().enumerate() {
        let path = format!("spec.objective.metricStrategies[{i}]");
        let strategy = match s.value.as_str() {
            "min" => Strategy::Min,
            "max" => Strategy::Max,
            "latest" => Strategy::Latest,
            other => {
                return Err(SpecError::at(
                    format!("{path}.value"),
                    format!("`{other}` is not one of min, max, latest"),
                ));
            }
        };
        match strategies.get_mut(&s.name) {
            Some(slot) => *slot = strategy,
            None => {
                return Err(SpecError::at(
                    format!("{path}.name"),
                    format!(
                        "`{}` is not the objective's nor an additional metric",
                        s.name
                    ),
                ));
            }
        }
    }
    Ok(ObjectiveSpec {
        maximize,
        goal: o.goal,
        metric: o.objective_metric_name.clone(),
        additional: o.additional_metric_names.clone(),
        strategies,
    })
}

fn algorithm(spec: &AlgorithmSpec, space: &Space, seed: u64) -> Result<Algorithm, SpecError> {
    let settings: Vec<(String, String)> = spec
        .algorithm_settings
        .iter()
        .map(|s| (s.name.clone(), s.value.clone()))
        .collect();
    Algorithm::from_katib(&spec.algorithm_name, &settings, space, seed).map_err(|e| {
        let settings_path = "spec.algorithm.algorithmSettings";
        let path = match &e {
            AlgorithmError::Unknown(_) => "spec.algorithm.algorithmName".to_owned(),
            AlgorithmError::UnknownSetting { setting, .. } => {
                format!("{settings_path}[{setting}].name")
            }
            AlgorithmError::Setting { setting, .. } if *setting < settings.len() => {
                format!("{settings_path}[{setting}].value")
            }
            AlgorithmError::Setting { .. } => settings_path.to_owned(),
            AlgorithmError::Space {
                parameter: Some(i), ..
            } => format!("spec.parameters[{i}]"),
            AlgorithmError::Space { .. } => "spec.parameters".to_owned(),
        };
        SpecError::at(path, e.to_string())
    })
}

fn median_stop(spec: &AlgorithmSpec) -> Result<MedianStop, SpecError> {
    if spec.algorithm_name != "medianstop" {
        return Err(SpecError::at(
            "spec.earlyStopping.algorithmName",
            format!(
                "`{}` is unknown; Capstan stops early with medianstop",
                spec.algorithm_name
            ),
        ));
    }
    let mut stop = MedianStop {
        min_trials_required: 3,
        start_step: 4,
    };
    for (i, s) in spec.algorithm_settings.iter().enumerate() {
        let path = format!("spec.earlyStopping.algorithmSettings[{i}]");
        let slot = match s.name.as_str() {
            "min_trials_required" => &mut stop.min_trials_required,
            "start_step" => &mut stop.start_step,
            other => {
                return Err(SpecError::at(
                    format!("{path}.name"),
                    format!(
                        "medianstop has no setting `{other}`; it knows min_trials_required, start_step"
                    ),
                ));
            }
        };
        *slot = s
            .value
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|v| *v >= 1)
            .ok_or_else(|| {
                SpecError::at(
                    format!("{path}.value"),
                    format!("`{}` is not a whole number of at least 1", s.value),
                )
            })?;
    }
    Ok(stop)
}

#[cfg(test)]
mod tests;
