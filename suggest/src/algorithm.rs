//! The [`Suggest`] trait and the algorithms by Katib's `algorithmName` and
//! `algorithmSettings`, checked against the space before anything runs.

use crate::gp::{Acquisition, Gp};
use crate::grid::Grid;
use crate::hyperband::Hyperband;
use crate::random::RandomSearch;
use crate::sobol::SobolSearch;
use crate::space::{ParamKind, Space, Value};
use crate::tpe::Tpe;
use crate::trial::Trial;

/// What an algorithm answers when asked for `count` more assignments.
#[derive(Debug, Clone, PartialEq)]
pub enum Suggestion {
    /// Up to the count asked for; fewer (even none) when it must wait for running trials
    /// (Hyperband's next rung) or has fewer left.
    New(Vec<Vec<Value>>),
    /// It has nothing more to try (every grid point, every Hyperband bracket).
    Exhausted,
}

/// A search algorithm. Implementations are pure: the answer depends only on the seed they
/// were built with, the space and the trials shown (all of them, in creation order, running
/// ones included so that their points are not suggested twice).
pub trait Suggest: Send + Sync {
    fn suggest(&self, space: &Space, trials: &[Trial], count: usize) -> Suggestion;
}

/// An algorithm with its settings, as the experiment asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Algorithm {
    Random { seed: u64 },
    Grid,
    Sobol { seed: u64 },
    Tpe(crate::tpe::TpeSettings),
    Gp(crate::gp::GpSettings),
    Hyperband(crate::hyperband::HyperbandSettings),
}

/// Why an algorithm or a setting is refused; `setting` is the index in `algorithmSettings`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlgorithmError {
    #[error("unknown algorithm `{0}`; Capstan knows {KNOWN}")]
    Unknown(String),
    #[error("`{algorithm}` has no setting `{name}`; it knows {known}")]
    UnknownSetting {
        setting: usize,
        algorithm: String,
        name: String,
        known: String,
    },
    #[error("setting `{name}`: {why}")]
    Setting {
        setting: usize,
        name: String,
        why: String,
    },
    /// The space does not suit the algorithm; `parameter` is the index of the culprit.
    #[error("{why}")]
    Space {
        parameter: Option<usize>,
        why: String,
    },
}

const KNOWN: &str = "random, grid, sobol, tpe, bayesianoptimization and hyperband";

/// The settings each algorithm accepts (Katib's names).
fn known_settings(algorithm: &str) -> &'static [&'static str] {
    match algorithm {
        "random" | "sobol" => &["random_state"],
        "grid" => &[],
        "tpe" => &[
            "random_state",
            "n_EI_candidates",
            "gamma",
            "prior_weight",
            "n_startup_trials",
        ],
        "bayesianoptimization" => &[
            "random_state",
            "base_estimator",
            "n_initial_points",
            "acq_func",
            "acq_optimizer",
        ],
        "hyperband" => &["resource_name", "eta", "r_l"],
        _ => &[],
    }
}

/// The settings of one algorithm, looked up by name and parsed with errors that say which.
struct Settings<'a> {
    items: &'a [(String, String)],
}

impl Settings<'_> {
    fn find(&self, name: &str) -> Option<(usize, &str)> {
        self.items
            .iter()
            .position(|(n, _)| n == name)
            .map(|i| (i, self.items[i].1.trim()))
    }

    fn parsed<T: std::str::FromStr>(
        &self,
        name: &str,
        check: impl Fn(&T) -> Result<(), String>,
    ) -> Result<Option<T>, AlgorithmError> {
        let Some((setting, text)) = self.find(name) else {
            return Ok(None);
        };
        let bad = |why: String| AlgorithmError::Setting {
            setting,
            name: name.to_owned(),
            why,
        };
        let value = text
            .parse::<T>()
            .map_err(|_| bad(format!("`{text}` is not a {}", kind_of::<T>())))?;
        check(&value).map_err(bad)?;
        Ok(Some(value))
    }

    fn choice(&self, name: &str, allowed: &[&str]) -> Result<Option<String>, AlgorithmError> {
        let Some((setting, text)) = self.find(name) else {
            return Ok(None);
        };
        if allowed.iter().any(|a| a.eq_ignore_ascii_case(text)) {
            return Ok(Some(text.to_ascii_lowercase()));
        }
        Err(AlgorithmError::Setting {
            setting,
            name: name.to_owned(),
            why: format!(
                "`{text}` is not supported; Capstan accepts {}",
                allowed.join(", ")
            ),
        })
    }
}

fn kind_of<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    if name.contains("f64") {
        "number"
    } else {
        "whole number"
    }
}

fn positive(v: &f64) -> Result<(), String> {
    if v.is_finite() && *v > 0.0 {
        Ok(())
    } else {
        Err("must be above 0".into())
    }
}

impl Algorithm {
    /// The algorithm Katib's `name` and `settings` ask for. `default_seed` is used when the
    /// experiment sets no `random_state` (the controller stores it, so a restart reuses it).
    pub fn from_katib(
        name: &str,
        settings: &[(String, String)],
        space: &Space,
        default_seed: u64,
    ) -> Result<Algorithm, AlgorithmError> {
        let name = name.trim();
        let canonical = match name.to_ascii_lowercase().as_str() {
            "random" => "random",
            "grid" => "grid",
            "sobol" => "sobol",
            "tpe" | "multivariate-tpe" => "tpe",
            "bayesianoptimization" | "gp" => "bayesianoptimization",
            "hyperband" => "hyperband",
            _ => return Err(AlgorithmError::Unknown(name.to_owned())),
        };
        let known = known_settings(canonical);
        for (setting, (n, _)) in settings.iter().enumerate() {
            if !known.contains(&n.as_str()) {
                return Err(AlgorithmError::UnknownSetting {
                    setting,
                    algorithm: name.to_owned(),
                    name: n.clone(),
                    known: if known.is_empty() {
                        "no settings".to_owned()
                    } else {
                        known.join(", ")
                    },
                });
            }
        }
        let s = Settings { items: settings };
        let seed = s
            .parsed::<u64>("random_state", |_| Ok(()))?
            .unwrap_or(default_seed);
        let algorithm = match canonical {
            "random" => Algorithm::Random { seed },
            "sobol" => Algorithm::Sobol { seed },
            "grid" => Algorithm::Grid,
            "tpe" => {
                let defaults = crate::tpe::TpeSettings::new(seed);
                Algorithm::Tpe(crate::tpe::TpeSettings {
                    seed,
                    n_ei_candidates: s
                        .parsed::<usize>("n_EI_candidates", |v| {
                            if *v > 0 {
                                Ok(())
                            } else {
                                Err("must be at least 1".into())
                            }
                        })?
                        .unwrap_or(defaults.n_ei_candidates),
                    gamma: s.parsed::<f64>("gamma", |v| {
                        if *v > 0.0 && *v < 1.0 {
                            Ok(())
                        } else {
                            Err("must be between 0 and 1".into())
                        }
                    })?,
                    prior_weight: s
                        .parsed::<f64>("prior_weight", positive)?
                        .unwrap_or(defaults.prior_weight),
                    n_startup_trials: s
                        .parsed::<usize>("n_startup_trials", |_| Ok(()))?
                        .unwrap_or(defaults.n_startup_trials),
                })
            }
            "bayesianoptimization" => {
                s.choice("base_estimator", &["GP"])?;
                s.choice("acq_func", &["EI"])?;
                let optimizer = s.choice("acq_optimizer", &["auto", "lbfgs", "sampling"])?;
                let defaults = crate::gp::GpSettings::new(seed);
                Algorithm::Gp(crate::gp::GpSettings {
                    seed,
                    n_initial_points: s
                        .parsed::<usize>("n_initial_points", |v| {
                            if *v > 0 {
                                Ok(())
                            } else {
                                Err("must be at least 1".into())
                            }
                        })?
                        .unwrap_or(defaults.n_initial_points),
                    acquisition: match optimizer.as_deref() {
                        Some("sampling") => Acquisition::Sampling,
                        _ => Acquisition::Gradient,
                    },
                })
            }
            _ => {
                let resource_name = match s.find("resource_name") {
                    Some((_, text)) => text.to_owned(),
                    None => {
                        return Err(AlgorithmError::Setting {
                            setting: settings.len(),
                            name: "resource_name".into(),
                            why: "hyperband needs the name of the parameter that sets a trial's \
                                  budget (such as epochs)"
                                .into(),
                        });
                    }
                };
                let eta = s
                    .parsed::<f64>("eta", |v| {
                        if *v >= 2.0 {
                            Ok(())
                        } else {
                            Err("must be at least 2".into())
                        }
                    })?
                    .unwrap_or(3.0);
                let r_l = match s.parsed::<f64>("r_l", positive)? {
                    Some(v) => v,
                    None => {
                        return Err(AlgorithmError::Setting {
                            setting: settings.len(),
                            name: "r_l".into(),
                            why: "hyperband needs r_l, the most budget one trial gets".into(),
                        });
                    }
                };
                let Some(resource) = space.position(&resource_name) else {
                    let (setting, _) = s.find("resource_name").unwrap_or((0, ""));
                    return Err(AlgorithmError::Setting {
                        setting,
                        name: "resource_name".into(),
                        why: format!("`{resource_name}` is not a parameter of the experiment"),
                    });
                };
                if space.params[resource].kind.is_categorical() {
                    return Err(AlgorithmError::Space {
                        parameter: Some(resource),
                        why: format!("hyperband's resource `{resource_name}` must be a number"),
                    });
                }
                Algorithm::Hyperband(crate::hyperband::HyperbandSettings {
                    seed,
                    resource,
                    eta,
                    r_l,
                })
            }
        };
        algorithm.check_space(space)?;
        Ok(algorithm)
    }

    /// Katib's name of the algorithm.
    pub fn name(&self) -> &'static str {
        match self {
            Algorithm::Random { .. } => "random",
            Algorithm::Grid => "grid",
            Algorithm::Sobol { .. } => "sobol",
            Algorithm::Tpe(_) => "tpe",
            Algorithm::Gp(_) => "bayesianoptimization",
            Algorithm::Hyperband(_) => "hyperband",
        }
    }

    fn check_space(&self, space: &Space) -> Result<(), AlgorithmError> {
        if let Algorithm::Grid = self {
            for (i, p) in space.params.iter().enumerate() {
                if let ParamKind::Double { step: None, .. } = p.kind {
                    return Err(AlgorithmError::Space {
                        parameter: Some(i),
                        why: format!(
                            "grid search needs feasibleSpace.step for the double parameter `{}`",
                            p.name
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// The algorithm, ready to suggest.
    pub fn build(&self) -> Box<dyn Suggest> {
        match self {
            Algorithm::Random { seed } => Box::new(RandomSearch::new(*seed)),
            Algorithm::Grid => Box::new(Grid),
            Algorithm::Sobol { seed } => Box::new(SobolSearch::new(*seed)),
            Algorithm::Tpe(settings) => Box::new(Tpe::new(settings.clone())),
            Algorithm::Gp(settings) => Box::new(Gp::new(settings.clone())),
            Algorithm::Hyperband(settings) => Box::new(Hyperband::new(settings.clone())),
        }
    }
}
