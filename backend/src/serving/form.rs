//! The models page's form as an InferenceService manifest: the form is a shorthand, the
//! manifest what Capstan stores and shows in the YAML tab, so both go through one set of
//! checks (`spec`), and a refusal of what the form wrote names its place in the manifest.

use api::ModelForm;
use serde_json::json;

use super::spec::kserve::{InferenceService, Metadata, Model, ModelFormat, Predictor, ServiceSpec};
use super::spec::{API_VERSION, KIND, SpecError};
use crate::manifest::form_fields::{number, text, whole};

/// The manifest (YAML) the form describes; a field the form itself cannot read is named.
pub fn manifest_from_form(form: &ModelForm) -> Result<String, SpecError> {
    let format = form.model_format.trim();
    let resources = whole("gpus", &form.gpus)?
        .filter(|n| *n > 0)
        .map(|n| json!({ "limits": { "nvidia.com/gpu": n } }));
    let storage_uri = text(&form.storage_uri);
    let command: Vec<&str> = form
        .command
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut predictor = Predictor {
        // Numbers go in as written (negative ones too): the manifest's checks refuse them
        // with their path, as for an import.
        min_replicas: whole("min_replicas", &form.min_replicas)?,
        max_replicas: whole("max_replicas", &form.max_replicas)?,
        scale_metric: text(&form.scale_metric),
        scale_target: number("scale_target", &form.scale_target)?,
        canary_traffic_percent: whole("canary_traffic_percent", &form.canary_traffic_percent)?,
        ..Predictor::default()
    };
    if format == "custom" {
        if storage_uri.is_some() {
            return Err(SpecError::at(
                "storage_uri",
                "a custom predictor loads its own model: leave it blank",
            ));
        }
        let mut container = json!({ "name": "kserve-container", "command": command });
        if let Some(resources) = resources {
            container["resources"] = resources;
        }
        predictor.containers = vec![container];
    } else {
        if !command.is_empty() {
            return Err(SpecError::at(
                "command",
                "only a custom predictor runs a command; the other formats are served by MLServer",
            ));
        }
        predictor.model = Some(Model {
            model_format: Some(ModelFormat {
                name: format.to_owned(),
                version: None,
            }),
            storage_uri,
            resources,
            ..Model::default()
        });
    }
    let manifest = InferenceService {
        api_version: API_VERSION.to_owned(),
        kind: KIND.to_owned(),
        metadata: Metadata {
            name: form.name.trim().to_owned(),
            namespace: None,
            labels: None,
            annotations: None,
        },
        spec: ServiceSpec { predictor },
        status: None,
    };
    serde_yaml::to_string(&manifest).map_err(|e| SpecError::at("", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serving::spec::{self, ModelFormat as Format, Runtime, ScaleMetric, StorageRules};

    fn form(format: &str) -> ModelForm {
        ModelForm {
            name: "iris".into(),
            model_format: format.into(),
            min_replicas: "0".into(),
            max_replicas: "3".into(),
            scale_metric: "rps".into(),
            scale_target: "50".into(),
            canary_traffic_percent: "20".into(),
            gpus: "1".into(),
            ..ModelForm::default()
        }
    }

    #[test]
    fn a_form_is_a_manifest_that_reads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let model = dir.path().join("iris");
        std::fs::create_dir_all(&model).expect("mkdir");
        let rules = StorageRules {
            roots: vec![dir.path().to_owned()],
            cluster: false,
        };
        let sklearn = ModelForm {
            storage_uri: format!("file://{}", model.display()),
            ..form("sklearn")
        };
        let text = manifest_from_form(&sklearn).expect("manifest");
        assert!(text.contains("kind: InferenceService"), "{text}");
        let parsed = spec::parse(&text, &rules).expect("spec");
        let r = &parsed.revision;
        assert_eq!((parsed.name.as_str(), r.format), ("iris", Format::Sklearn));
        assert_eq!((r.scale.min, r.scale.max), (0, 3));
        assert_eq!((r.scale.metric, r.scale.target), (ScaleMetric::Rps, 50.0));
        assert_eq!((parsed.canary_percent, r.resources.gpus), (Some(20), 1));

        let custom = ModelForm {
            command: "python3\n  server.py \n\n".into(),
            canary_traffic_percent: String::new(),
            gpus: "0".into(),
            ..form("custom")
        };
        let parsed = spec::parse(&manifest_from_form(&custom).expect("manifest"), &rules)
            .expect("custom spec");
        assert!(
            matches!(&parsed.revision.runtime, Runtime::Container { argv, .. }
            if argv == &["python3", "server.py"])
        );
        assert_eq!(
            (parsed.canary_percent, parsed.revision.resources.gpus),
            (None, 0)
        );
    }

    #[test]
    fn the_manifests_checks_name_their_path_and_the_forms_own_name_the_field() {
        let rules = StorageRules::default();
        let over = ModelForm {
            command: "python3".into(),
            canary_traffic_percent: "150".into(),
            ..form("custom")
        };
        let e = spec::parse(&manifest_from_form(&over).expect("manifest"), &rules).unwrap_err();
        assert_eq!(e.path, "spec.predictor.canaryTrafficPercent");
        let no_command = spec::parse(&manifest_from_form(&form("custom")).unwrap(), &rules);
        assert_eq!(
            no_command.unwrap_err().path,
            "spec.predictor.containers[0].command"
        );
        let bad = ModelForm {
            min_replicas: "two".into(),
            ..form("custom")
        };
        assert_eq!(
            manifest_from_form(&bad).unwrap_err().to_string(),
            "min_replicas: `two` is not a whole number"
        );
        let both = ModelForm {
            storage_uri: "file:///models/iris".into(),
            ..form("custom")
        };
        assert_eq!(manifest_from_form(&both).unwrap_err().path, "storage_uri");
        let command = ModelForm {
            command: "python3".into(),
            ..form("onnx")
        };
        assert_eq!(manifest_from_form(&command).unwrap_err().path, "command");
    }
}
