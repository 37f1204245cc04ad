//! Where a workload lives on disk: `<data_dir>/workloads/<id>/<group>-<replica>/`, which holds
//! the replica's log (`output.log`, rotated copies) and its pid file, and is its working
//! directory.

use std::path::{Path, PathBuf};

use crate::runtime::{RuntimeError, replica_label};

/// `<data_dir>/workloads`.
pub(crate) fn workloads_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("workloads")
}

/// `<data_dir>/workloads/<id>`.
pub(crate) fn workload_dir(data_dir: &Path, id: i64) -> PathBuf {
    workloads_dir(data_dir).join(id.to_string())
}

/// `<workload dir>/<group>-<replica>`, once the group's name is known to be a DNS-1123 label
/// (so that no name reaches outside the workload's directory).
pub(crate) fn replica_dir(
    workload_dir: &Path,
    group: &str,
    replica: u32,
) -> Result<PathBuf, RuntimeError> {
    check_label("replica group name", group)?;
    Ok(workload_dir.join(replica_label(group, replica)))
}

/// The inverse of the replica directory's name: `worker-1` is (`worker`, 1).
pub(crate) fn parse_replica_dir(name: &str) -> Option<(String, u32)> {
    let (group, index) = name.rsplit_once('-')?;
    let index = index.parse().ok()?;
    is_label(group).then(|| (group.to_owned(), index))
}

fn check_label(what: &'static str, name: &str) -> Result<(), RuntimeError> {
    if is_label(name) {
        Ok(())
    } else {
        Err(RuntimeError::InvalidName {
            what,
            name: name.to_owned(),
        })
    }
}

/// 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit.
fn is_label(name: &str) -> bool {
    let ok_end = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (1..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && ok_end(name.chars().next())
        && ok_end(name.chars().last())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let wd = workload_dir(Path::new("/data"), 7);
        assert_eq!(wd, Path::new("/data/workloads/7"));
        assert_eq!(
            replica_dir(&wd, "param-server", 2).expect("valid"),
            Path::new("/data/workloads/7/param-server-2")
        );
    }

    #[test]
    fn names_cannot_escape() {
        for bad in ["..", "../x", "a/b", "", "-a", "A", "a-", &"a".repeat(64)] {
            assert!(
                replica_dir(Path::new("/w"), bad, 0).is_err(),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn parses_its_own_names() {
        assert_eq!(
            parse_replica_dir("param-server-12"),
            Some(("param-server".to_owned(), 12))
        );
        assert_eq!(parse_replica_dir("worker"), None);
        assert_eq!(parse_replica_dir("worker-x"), None);
        assert_eq!(parse_replica_dir("-1"), None);
    }
}
