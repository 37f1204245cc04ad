//! deploy/ renders with `kubectl kustomize` (kubectl is on these machines; no cluster is
//! needed), and every object it makes is valid for its kind: it reads into the Kubernetes
//! type that k8s-openapi generates from the API's OpenAPI schema (so a wrong type or a missing
//! required field is refused, with its path) and back without losing a field (so a misspelt or
//! unknown field is found too).

use std::path::{Path, PathBuf};
use std::process::Command;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

/// The objects `kubectl kustomize dir` renders.
fn render(dir: &Path) -> Vec<Value> {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl is on these machines (kubectl kustomize needs no cluster)");
    assert!(
        out.status.success(),
        "kubectl kustomize {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    serde_yaml::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).expect("kubectl writes YAML"))
        .filter(|v| !v.is_null())
        .collect()
}

/// `object` read as a `T` and written back: the refusal with its path, or the fields lost.
fn check_as<T: DeserializeOwned + Serialize>(object: &Value) -> Result<(), String> {
    let typed: T = serde_path_to_error::deserialize(object.clone())
        .map_err(|e| format!("{}: {}", e.path(), e.inner()))?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    let mut lost = Vec::new();
    compare(object, &back, String::new(), &mut lost);
    if lost.is_empty() {
        Ok(())
    } else {
        Err(format!("unknown or changed fields: {}", lost.join(", ")))
    }
}

fn compare(original: &Value, back: &Value, path: String, lost: &mut Vec<String>) {
    match (original, back) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let at = format!("{path}.{key}");
                match b.get(key) {
                    Some(other) => compare(value, other, at, lost),
                    None if value.is_null() => {}
                    None => lost.push(at),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                compare(x, y, format!("{path}[{i}]"), lost);
            }
        }
        (a, b) if a == b => {}
        _ => lost.push(path),
    }
}

/// Checks one object by its kind; a kind this test does not know is a failure, so that a new
/// one gets its type here.
fn check(object: &Value) -> Result<(), String> {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    match (api_version, kind) {
        ("v1", "Namespace") => check_as::<Namespace>(object),
        ("v1", "ServiceAccount") => check_as::<ServiceAccount>(object),
        ("v1", "ConfigMap") => check_as::<ConfigMap>(object),
        ("v1", "Secret") => check_as::<Secret>(object),
        ("v1", "Service") => check_as::<Service>(object),
        ("v1", "PersistentVolumeClaim") => check_as::<PersistentVolumeClaim>(object),
        ("apps/v1", "Deployment") => check_as::<Deployment>(object),
        ("networking.k8s.io/v1", "Ingress") => check_as::<Ingress>(object),
        ("policy/v1", "PodDisruptionBudget") => check_as::<PodDisruptionBudget>(object),
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => check_as::<ClusterRole>(object),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => {
            check_as::<ClusterRoleBinding>(object)
        }
        ("rbac.authorization.k8s.io/v1", "Role") => check_as::<Role>(object),
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => check_as::<RoleBinding>(object),
        _ => Err(format!("{api_version} {kind}: not a kind this test knows")),
    }
}

fn check_all(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .filter_map(|o| {
            check(o).err().map(|e| {
                format!(
                    "{} {}: {e}",
                    o["kind"].as_str().unwrap_or("?"),
                    o["metadata"]["name"].as_str().unwrap_or("?")
                )
            })
        })
        .collect()
}

fn kinds(objects: &[Value]) -> Vec<String> {
    let mut kinds: Vec<String> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or_default().to_owned())
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

fn deployment(objects: &[Value]) -> &Value {
    objects
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("a Deployment")
}

#[test]
fn the_standalone_overlay_is_one_replica_on_a_claim() {
    let objects = render(&deploy().join("overlays/standalone"));
    assert_eq!(check_all(&objects), Vec::<String>::new());
    for kind in [
        "ClusterRole",
        "Deployment",
        "PersistentVolumeClaim",
        "Secret",
        "Service",
    ] {
        assert!(kinds(&objects).contains(&kind.to_owned()), "{kind}");
    }
    let d = deployment(&objects);
    assert_eq!(d["spec"]["replicas"], 1);
    assert_eq!(d["spec"]["strategy"]["type"], "Recreate");
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(
        pod["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "capstan-data"
    );
    let container = &pod["containers"][0];
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    // The generated Secret's name (with its hash) is the one the Deployment reads.
    let secret = objects.iter().find(|o| o["kind"] == "Secret").unwrap();
    assert_eq!(
        container["envFrom"][1]["secretRef"]["name"],
        secret["metadata"]["name"]
    );
}

#[test]
fn the_ha_overlay_is_three_replicas_on_postgresql() {
    let objects = render(&deploy().join("overlays/ha"));
    assert_eq!(check_all(&objects), Vec::<String>::new());
    let d = deployment(&objects);
    assert_eq!(d["spec"]["replicas"], 3);
    let env = &d["spec"]["template"]["spec"]["containers"][0]["env"][0];
    assert_eq!(env["name"], "CAPSTAN_DATABASE_URL");
    assert_eq!(env["valueFrom"]["secretKeyRef"]["name"], "capstan-database");
    // With the optional Ingress component.
    assert!(kinds(&objects).contains(&"Ingress".to_owned()));
    assert!(kinds(&objects).contains(&"PodDisruptionBudget".to_owned()));
}

#[test]
fn a_wrong_type_and_a_misspelt_field_are_found() {
    let objects = render(&deploy().join("overlays/ha"));
    let with = |change: &dyn Fn(&mut Value)| {
        let mut objects = objects.clone();
        let d = objects
            .iter_mut()
            .find(|o| o["kind"] == "Deployment")
            .unwrap();
        change(d);
        check_all(&objects)
    };
    let errors = with(&|d| d["spec"]["replicas"] = "three".into());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("spec.replicas"), "{errors:?}");
    let errors = with(&|d| {
        d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicie"] = "Always".into();
    });
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("imagePullPolicie"), "{errors:?}");
}
