//! A notebook's files in standalone mode, under the data directory:
//!
//! ```text
//! notebooks/<profile>/<name>/workspace/   HOME and the working directory: kept across runs
//! notebooks/<profile>/<name>/token        the current run's Jupyter token (0600, no newline)
//! notebooks/<profile>/<name>/runtime/     JUPYTER_RUNTIME_DIR: emptied at every start
//! volumes/<profile>/<volume>/             a data volume, shared by the profile's notebooks
//! ```
//!
//! A data volume mounted under the home (`/home/jovyan/data`) appears in the workspace at the
//! same place (`workspace/data`) as a symbolic link; every volume's directory is also in the
//! environment as `CAPSTAN_VOLUME_<NAME>`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, symlink};
use std::path::{Path, PathBuf};

use api::DataVolume;

use super::NotebookError;
use super::resolve::HOME;

#[derive(Debug, Clone)]
pub struct NotebookFiles {
    data_dir: PathBuf,
}

impl NotebookFiles {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        NotebookFiles {
            data_dir: data_dir.into(),
        }
    }

    /// Profile and notebook names are DNS labels (checked before), so they are safe path parts.
    pub fn notebook_dir(&self, profile: &str, name: &str) -> PathBuf {
        self.data_dir.join("notebooks").join(profile).join(name)
    }

    pub fn workspace(&self, profile: &str, name: &str) -> PathBuf {
        self.notebook_dir(profile, name).join("workspace")
    }

    pub fn token_file(&self, profile: &str, name: &str) -> PathBuf {
        self.notebook_dir(profile, name).join("token")
    }

    pub fn runtime_dir(&self, profile: &str, name: &str) -> PathBuf {
        self.notebook_dir(profile, name).join("runtime")
    }

    pub fn volume_dir(&self, profile: &str, volume: &str) -> PathBuf {
        self.data_dir.join("volumes").join(profile).join(volume)
    }

    /// Readies the files for a run: the workspace, the token, an empty runtime directory (a
    /// killed run leaves its connection files there) and the data volumes.
    pub fn prepare(
        &self,
        profile: &str,
        name: &str,
        token: &str,
        volumes: &[DataVolume],
    ) -> Result<(), NotebookError> {
        let workspace = self.workspace(profile, name);
        create_dir(&workspace)?;
        let runtime = self.runtime_dir(profile, name);
        if runtime.exists() {
            fs::remove_dir_all(&runtime).map_err(|e| files_error("empty", &runtime, e))?;
        }
        create_dir(&runtime)?;
        write_secret(&self.token_file(profile, name), token)?;
        for volume in volumes {
            let dir = self.volume_dir(profile, &volume.name);
            create_dir(&dir)?;
            if let Some(inside) = under_home(&volume.mount_path) {
                link_into(&workspace.join(inside), &dir)?;
            }
        }
        Ok(())
    }

    /// Moves a deleted notebook's files out of the way at once (a notebook of the same name
    /// may be created right after) and removes them in the background.
    pub fn remove(&self, profile: &str, name: &str, id: i64) {
        let dir = self.notebook_dir(profile, name);
        let trash = self.data_dir.join("notebooks").join(".deleted");
        let target = trash.join(format!("{profile}-{name}-{id}"));
        let moved = fs::create_dir_all(&trash).and_then(|()| fs::rename(&dir, &target));
        let doomed = match moved {
            Ok(()) => target,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(_) => dir,
        };
        tokio::task::spawn_blocking(move || {
            if let Err(e) = fs::remove_dir_all(&doomed) {
                tracing::warn!(dir = %doomed.display(), error = %e, "cannot remove a deleted notebook's files");
            }
        });
    }

    /// Removes the files of every notebook and volume of a deleted profile.
    pub fn remove_profile(&self, profile: &str) {
        for dir in [
            self.data_dir.join("notebooks").join(profile),
            self.data_dir.join("volumes").join(profile),
        ] {
            tokio::task::spawn_blocking(move || {
                if let Err(e) = fs::remove_dir_all(&dir)
                    && e.kind() != std::io::ErrorKind::NotFound
                {
                    tracing::warn!(dir = %dir.display(), error = %e, "cannot remove a profile's notebook files");
                }
            });
        }
    }
}

/// The part of a mount path below the home, if it is below it.
fn under_home(mount_path: &str) -> Option<&str> {
    mount_path
        .strip_prefix(HOME)?
        .strip_prefix('/')
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| !p.is_empty())
}

/// Links `at` to `target`, replacing an older link; never replaces a real file or directory
/// (the user's own data).
fn link_into(at: &Path, target: &Path) -> Result<(), NotebookError> {
    if let Ok(meta) = fs::symlink_metadata(at) {
        if !meta.file_type().is_symlink() {
            tracing::warn!(path = %at.display(), "a data volume's place in the workspace is taken; not linked");
            return Ok(());
        }
        fs::remove_file(at).map_err(|e| files_error("replace", at, e))?;
    }
    if let Some(parent) = at.parent() {
        create_dir(parent)?;
    }
    symlink(target, at).map_err(|e| files_error("link", at, e))
}

fn create_dir(dir: &Path) -> Result<(), NotebookError> {
    fs::create_dir_all(dir).map_err(|e| files_error("create", dir, e))
}

fn write_secret(path: &Path, secret: &str) -> Result<(), NotebookError> {
    let _ = fs::remove_file(path);
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(secret.as_bytes()))
        .map_err(|e| files_error("write", path, e))
}

fn files_error(action: &str, path: &Path, e: std::io::Error) -> NotebookError {
    NotebookError::Files(format!("cannot {action} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepares_workspace_token_and_linked_volumes() {
        let tmp = tempfile::tempdir().expect("tmp");
        let files = NotebookFiles::new(tmp.path());
        let volumes = [
            DataVolume {
                name: "datasets".into(),
                mount_path: "/home/jovyan/data/sets".into(),
                size_mib: None,
            },
            DataVolume {
                name: "scratch".into(),
                mount_path: "/scratch".into(),
                size_mib: None,
            },
        ];
        files
            .prepare("team", "nb", "t0k", &volumes)
            .expect("prepare");
        let token = files.token_file("team", "nb");
        assert_eq!(fs::read_to_string(&token).expect("token"), "t0k");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&token).expect("meta").permissions().mode() & 0o777,
            0o600
        );
        let link = files.workspace("team", "nb").join("data/sets");
        assert_eq!(
            fs::read_link(&link).expect("link"),
            files.volume_dir("team", "datasets")
        );
        assert!(files.volume_dir("team", "scratch").is_dir());

        // A second run: a new token, the same links, the user's own files untouched.
        fs::write(files.workspace("team", "nb").join("kept.txt"), "x").expect("write");
        files.prepare("team", "nb", "t1k", &volumes).expect("again");
        assert_eq!(fs::read_to_string(&token).expect("token"), "t1k");
        assert!(files.workspace("team", "nb").join("kept.txt").exists());
    }
}
