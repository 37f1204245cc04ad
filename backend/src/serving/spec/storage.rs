//! Where a model's files are (`storageUri`): in standalone mode a local path (`file://` or
//! absolute) that must lie under one of the configured model roots, so that a user cannot serve
//! (and read through the runtime) any file the server can read; in cluster mode a
//! PersistentVolumeClaim (`pvc://claim/path`) or an S3 object (`s3://bucket/key`), which the
//! storage initializer fetches.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SpecError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    /// A file or directory on this machine, canonical (no `..`, no symlinks).
    Local(PathBuf),
    Pvc {
        claim: String,
        path: String,
    },
    S3 {
        bucket: String,
        key: String,
    },
}

impl Storage {
    /// The address as written in a manifest.
    pub fn uri(&self) -> String {
        match self {
            Storage::Local(path) => format!("file://{}", path.display()),
            Storage::Pvc { claim, path } => format!("pvc://{claim}/{path}"),
            Storage::S3 { bucket, key } => format!("s3://{bucket}/{key}"),
        }
    }
}

/// Reads `uri` (at `at` in the manifest). `roots` are the model roots of standalone mode;
/// `cluster` whether Capstan runs on Kubernetes.
pub fn read(uri: &str, at: &str, roots: &[PathBuf], cluster: bool) -> Result<Storage, SpecError> {
    let refuse = |message: String| Err(SpecError::at(at, message));
    if let Some(rest) = uri.strip_prefix("pvc://").or(uri.strip_prefix("s3://")) {
        let scheme = &uri[..uri.len() - rest.len()];
        if !cluster {
            return refuse(format!(
                "{scheme} needs cluster mode; standalone mode serves file:// paths under {}",
                list(roots)
            ));
        }
        let (first, path) = rest.split_once('/').unwrap_or((rest, ""));
        if first.is_empty() {
            return refuse(format!("`{uri}` names no claim or bucket"));
        }
        return Ok(if scheme == "pvc://" {
            Storage::Pvc {
                claim: first.to_owned(),
                path: path.to_owned(),
            }
        } else {
            Storage::S3 {
                bucket: first.to_owned(),
                key: path.to_owned(),
            }
        });
    }
    let local = uri.strip_prefix("file://").unwrap_or(uri);
    if !local.starts_with('/') {
        return refuse(format!(
            "`{uri}` is neither an absolute path, file://, pvc:// nor s3://"
        ));
    }
    if cluster {
        return refuse("a local path cannot reach a cluster's pods; use pvc:// or s3://".into());
    }
    let Ok(path) = Path::new(local).canonicalize() else {
        return refuse(format!("`{local}` does not exist"));
    };
    let inside = roots
        .iter()
        .filter_map(|root| root.canonicalize().ok())
        .any(|root| path.starts_with(root));
    if !inside {
        return refuse(format!(
            "`{}` is outside the model roots ({}); an admin configures them",
            path.display(),
            list(roots)
        ));
    }
    Ok(Storage::Local(path))
}

fn list(roots: &[PathBuf]) -> String {
    if roots.is_empty() {
        return "none are configured".to_owned();
    }
    roots
        .iter()
        .map(|r| r.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> (tempfile::TempDir, Vec<PathBuf>) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("models/iris")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("secret")).expect("mkdir");
        let roots = vec![dir.path().join("models")];
        (dir, roots)
    }

    #[test]
    fn a_path_under_a_root_is_served_and_one_outside_is_refused() {
        let (dir, roots) = roots();
        let iris = dir.path().join("models/iris");
        let ok = read(&format!("file://{}", iris.display()), "u", &roots, false);
        assert_eq!(ok, Ok(Storage::Local(iris.canonicalize().expect("canon"))));
        let escape = format!("{}/models/../secret", dir.path().display());
        let err =
            read(&escape, "spec.predictor.model.storageUri", &roots, false).expect_err("outside");
        assert_eq!(err.path, "spec.predictor.model.storageUri");
        assert!(err.message.contains("outside the model roots"), "{err}");
        let missing = read("/nowhere/at/all", "u", &roots, false).expect_err("missing");
        assert!(missing.message.contains("does not exist"), "{missing}");
        assert!(read("models/iris", "u", &roots, false).is_err());
    }

    #[test]
    fn cluster_schemes_need_cluster_mode() {
        let (_dir, roots) = roots();
        let err = read("pvc://models/iris", "u", &roots, false).expect_err("standalone");
        assert!(err.message.contains("needs cluster mode"), "{err}");
        assert_eq!(
            read("pvc://models/iris/v1", "u", &roots, true),
            Ok(Storage::Pvc {
                claim: "models".into(),
                path: "iris/v1".into()
            })
        );
        assert_eq!(
            read("s3://bucket/k", "u", &roots, true).map(|s| s.uri()),
            Ok("s3://bucket/k".to_owned())
        );
        assert!(read("gs://bucket/k", "u", &roots, true).is_err());
    }
}
