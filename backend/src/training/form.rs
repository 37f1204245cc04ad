//! The jobs page's form as a TFJob or PyTorchJob manifest: the form is a shorthand, the
//! manifest what Capstan stores and shows in the YAML tab, so both go through one set of
//! checks (`spec`), and a refusal of what the form wrote names its place in the manifest.

use api::JobForm;
use serde_json::{Value, json};

use super::spec::{JobKind, SpecError};
use crate::manifest::form_fields::{text, whole};

/// The manifest (YAML) the form describes; a field the form itself cannot read is named.
pub fn manifest_from_form(form: &JobForm) -> Result<String, SpecError> {
    let kind = JobKind::named(form.kind.trim()).ok_or_else(|| {
        SpecError::at(
            "kind",
            format!("`{}` is not PyTorchJob or TFJob", form.kind.trim()),
        )
    })?;
    let command: Vec<&str> = form
        .command
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut container = json!({
        "name": if kind == JobKind::TfJob { "tensorflow" } else { "pytorch" },
    });
    if !command.is_empty() {
        container["command"] = json!(command);
    }
    if let Some(image) = text(&form.image) {
        container["image"] = json!(image);
    }
    // Numbers go in as written (negative ones too): the manifest's checks refuse them with
    // their path, as for an import.
    if let Some(gpus) = whole("gpus", &form.gpus)?.filter(|n| *n != 0) {
        container["resources"] = json!({ "limits": { "nvidia.com/gpu": gpus } });
    }
    let restart = text(&form.restart_policy);
    let replica = |replicas: i64| {
        let mut spec = json!({
            "replicas": replicas,
            "template": { "spec": { "containers": [container.clone()] } },
        });
        if let Some(policy) = &restart {
            spec["restartPolicy"] = json!(policy);
        }
        spec
    };
    let workers = whole("workers", &form.workers)?.unwrap_or(0);
    let mut replicas = serde_json::Map::new();
    let leader = if kind == JobKind::TfJob {
        "Chief"
    } else {
        "Master"
    };
    replicas.insert(leader.to_owned(), replica(1));
    if workers != 0 {
        replicas.insert("Worker".to_owned(), replica(workers));
    }
    if let Some(ps) = whole("ps", &form.ps)?.filter(|n| *n != 0) {
        if kind != JobKind::TfJob {
            return Err(SpecError::at("ps", "parameter servers are a TFJob's"));
        }
        replicas.insert("PS".to_owned(), replica(ps));
    }
    let mut run_policy = serde_json::Map::new();
    if let Some(limit) = whole("backoff_limit", &form.backoff_limit)? {
        run_policy.insert("backoffLimit".to_owned(), json!(limit));
    }
    if let Some(deadline) = whole("active_deadline_seconds", &form.active_deadline_seconds)? {
        run_policy.insert("activeDeadlineSeconds".to_owned(), json!(deadline));
    }
    let field = if kind == JobKind::TfJob {
        "tfReplicaSpecs"
    } else {
        "pytorchReplicaSpecs"
    };
    let mut spec = json!({ field: Value::Object(replicas) });
    if !run_policy.is_empty() {
        spec["runPolicy"] = Value::Object(run_policy);
    }
    let manifest = json!({
        "apiVersion": "kubeflow.org/v1",
        "kind": kind.as_str(),
        "metadata": { "name": form.name.trim() },
        "spec": spec,
    });
    serde_yaml::to_string(&manifest).map_err(|e| SpecError::at("", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::spec::{ReplicaType, RestartPolicy, SpecRules, parse};

    const RULES: SpecRules = SpecRules {
        cluster: false,
        max_node_gpus: 8,
    };

    fn form(kind: &str) -> JobForm {
        JobForm {
            name: "ddp".into(),
            kind: kind.into(),
            command: "python3\ntrain.py\n--epochs=2\n".into(),
            workers: "2".into(),
            gpus: "1".into(),
            restart_policy: "OnFailure".into(),
            backoff_limit: "4".into(),
            ..JobForm::default()
        }
    }

    #[test]
    fn a_form_is_a_manifest_that_reads_back() {
        let text = manifest_from_form(&form("PyTorchJob")).expect("manifest");
        let spec = parse(&text, &RULES).expect("spec");
        let types: Vec<_> = spec
            .replicas
            .iter()
            .map(|r| (r.replica_type, r.replicas))
            .collect();
        assert_eq!(types, [(ReplicaType::Master, 1), (ReplicaType::Worker, 2)]);
        let worker = &spec.replicas[1];
        assert_eq!(worker.argv, ["python3", "train.py", "--epochs=2"]);
        assert_eq!(worker.resources.gpus, 1);
        assert_eq!(worker.restart_policy, RestartPolicy::OnFailure);
        assert_eq!(spec.run_policy.backoff_limit, 4);

        let tf = JobForm {
            ps: "1".into(),
            ..form("TFJob")
        };
        let spec = parse(&manifest_from_form(&tf).expect("manifest"), &RULES).expect("spec");
        let groups: Vec<_> = spec
            .replicas
            .iter()
            .map(|r| r.replica_type.group())
            .collect();
        assert_eq!(groups, ["chief", "ps", "worker"]);
    }

    #[test]
    fn what_the_form_cannot_say_is_refused_by_its_field() {
        let bad = |f: JobForm| manifest_from_form(&f).expect_err("refused").path;
        assert_eq!(
            bad(JobForm {
                workers: "two".into(),
                ..form("PyTorchJob")
            }),
            "workers"
        );
        assert_eq!(
            bad(JobForm {
                ps: "1".into(),
                ..form("PyTorchJob")
            }),
            "ps"
        );
        assert_eq!(bad(form("MPIJob")), "kind");
        // A negative count reaches the manifest's own check, with its path there.
        let negative = manifest_from_form(&JobForm {
            workers: "-1".into(),
            ..form("PyTorchJob")
        })
        .expect("manifest");
        let err = parse(&negative, &RULES).expect_err("refused");
        assert_eq!(err.path, "spec.pytorchReplicaSpecs.Worker.replicas");
    }
}
