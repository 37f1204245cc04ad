//! A trial as a workload: the template's command with the trial's values, in a directory of
//! its own, through the scheduler like any other workload.

use std::path::{Path, PathBuf};

use api::{ReplicaGroup, WorkloadKind, WorkloadSpec};

use super::spec::{Source, TrialRecipe, TrialValues, TuningSpec};

/// The one replica group of a trial.
pub const GROUP: &str = "trial";

/// Where a trial's files go: `<root>/<experiment id>/<trial name>`.
pub fn trial_dir(root: &Path, experiment_id: i64, trial: &str) -> PathBuf {
    root.join(experiment_id.to_string()).join(trial)
}

/// Where a File collector's path lands for a trial in standalone mode: inside the trial's
/// directory, so parallel trials do not write one file.
pub fn metrics_file(dir: &Path, path: &str) -> PathBuf {
    dir.join(path.trim_start_matches('/'))
}

/// The workload of a trial, or why the template cannot make one.
pub fn trial_workload(
    spec: &TuningSpec,
    values: &TrialValues,
    dir: &Path,
) -> Result<WorkloadSpec, String> {
    let TrialRecipe::Command {
        argv,
        env,
        image,
        resources,
    } = &spec.template.recipe
    else {
        return Err("a pipeline trial is not a single workload".to_owned());
    };
    // A File collector's path, moved into the trial's directory wherever the command says it.
    let moved = match &spec.collector.source {
        Source::File { path } => Some((path.clone(), metrics_file(dir, path))),
        Source::StdOut => None,
    };
    let fill = |text: &str| {
        let text = spec.template.substitute(text, values);
        match &moved {
            Some((from, to)) => text.replace(from.as_str(), &to.to_string_lossy()),
            None => text,
        }
    };
    let mut env: std::collections::BTreeMap<String, String> =
        env.iter().map(|(k, v)| (k.clone(), fill(v))).collect();
    env.insert("KATIB_TRIAL_NAME".into(), values.trial_name.clone());
    env.insert("CAPSTAN_EXPERIMENT".into(), spec.name.clone());
    Ok(WorkloadSpec {
        name: values.trial_name.clone(),
        kind: WorkloadKind::Trial,
        priority_class: None,
        groups: vec![ReplicaGroup {
            name: GROUP.into(),
            replicas: 1,
            command: argv.iter().map(|a| fill(a)).collect(),
            image: image.clone(),
            args: Vec::new(),
            env,
            ports: Vec::new(),
            volumes: Vec::new(),
            working_dir: Some(dir.to_string_lossy().into_owned()),
            resources: resources.clone(),
        }],
        gang: false,
        requeue_on_failure: false,
        leader: None,
    })
}
