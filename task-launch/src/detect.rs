//! Which tasks the warm Python can run: exactly the command that the kfp compiler writes for a
//! lightweight Python component that does not install packages at run time,
//!
//! ```text
//! sh -ec 'program_path=$(mktemp -d)
//! printf "%s" "$0" > "$program_path/ephemeral_component.py"
//! _KFP_RUNTIME=true python3 -m kfp.dsl.executor_main --component_module_path "$program_path/ephemeral_component.py" "$@"
//! ' <source> --executor_input <json> --function_to_execute <fn>
//! ```
//!
//! (whitespace as any kfp version spaces it), in an environment where `python3` is the warm one.

use std::collections::BTreeMap;

/// The shell script's words, in order, between any whitespace or `;`.
const SCRIPT: &[&str] = &[
    "program_path=$(mktemp",
    "-d)",
    "printf",
    "\"%s\"",
    "\"$0\"",
    ">",
    "\"$program_path/ephemeral_component.py\"",
    "_KFP_RUNTIME=true",
    "python3",
    "-m",
    "kfp.dsl.executor_main",
    "--component_module_path",
    "\"$program_path/ephemeral_component.py\"",
    "\"$@\"",
];

/// What a lightweight component's task gives the executor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarmTask<'a> {
    /// The component's Python source (the script's `$0`).
    pub source: &'a str,
    /// The executor's arguments (the script's `"$@"`).
    pub args: &'a [String],
}

/// The source and arguments of a KFP lightweight component's command line; None for any
/// other command (which then runs as it is).
pub fn warm_argv(command: &[String]) -> Option<WarmTask<'_>> {
    let [shell, flag, script, source, args @ ..] = command else {
        return None;
    };
    let is_sh = shell == "sh" || shell.ends_with("/sh");
    let words = script.split(|c: char| c.is_whitespace() || c == ';');
    let same_script = words.filter(|w| !w.is_empty()).eq(SCRIPT.iter().copied());
    (is_sh && matches!(flag.as_str(), "-c" | "-ec") && same_script)
        .then_some(WarmTask { source, args })
}

/// Whether a task with this environment finds the warm Python's interpreter as `python3` and
/// would start it the same way: the same `PATH` (`path`: the forkserver's), and no `PYTHON*`
/// variable of its own (PYTHONPATH and the like act only when an interpreter starts).
pub fn same_python(env: &BTreeMap<String, String>, path: &str) -> bool {
    env.get("PATH").is_none_or(|p| p == path) && !env.keys().any(|k| k.starts_with("PYTHON"))
}

/// The command of a task that the launcher hands to the warm Python at `socket`.
pub fn launch_command(launcher: &[String], socket: &str, command: &[String]) -> Vec<String> {
    let mut out = launcher.to_vec();
    out.extend(["--socket".to_owned(), socket.to_owned(), "--".to_owned()]);
    out.extend_from_slice(command);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|p| (*p).to_owned()).collect()
    }

    /// Every executor's command + args in a compiled fixture.
    fn fixture_commands(name: &str) -> Vec<Vec<String>> {
        // The KFP-compiled fixtures live with the backend's tests, which use them too.
        let path = format!(
            "{}/../backend/tests/fixtures/kfp/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let executors = doc["deploymentSpec"]["executors"].as_mapping().unwrap();
        executors
            .values()
            .filter_map(|e| e.get("container"))
            .map(|c| {
                let list = |key: &str| -> Vec<String> {
                    c.get(key)
                        .and_then(|v| v.as_sequence())
                        .map(|s| s.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
                        .unwrap_or_default()
                };
                let mut command = list("command");
                command.extend(list("args"));
                command
            })
            .collect()
    }

    #[test]
    fn the_compilers_lightweight_commands_match_and_container_ones_do_not() {
        let (mut lightweight, mut plain) = (0, 0);
        for fixture in [
            "artifacts.yaml",
            "bench.yaml",
            "conditions.yaml",
            "loops.yaml",
            "other_features.yaml",
            "params.yaml",
        ] {
            for command in fixture_commands(fixture) {
                let from_kfp = command
                    .get(2)
                    .is_some_and(|s| s.contains("kfp.dsl.executor_main"));
                match warm_argv(&command) {
                    Some(task) => {
                        assert!(from_kfp, "{fixture}: {command:?}");
                        assert_eq!(task.source, command[3]);
                        assert_eq!(task.args, &command[4..]);
                        assert_eq!(task.args[0], "--executor_input");
                        lightweight += 1;
                    }
                    None => {
                        assert!(!from_kfp, "{fixture}: {:?} does not match", &command[..3]);
                        plain += 1;
                    }
                }
            }
        }
        assert!(lightweight > 40, "{lightweight} lightweight commands");
        // other_features.yaml's `sh -c` container step.
        assert_eq!(plain, 1);
    }

    #[test]
    fn whitespace_and_semicolons_do_not_matter() {
        let script = "program_path=$(mktemp -d); printf \"%s\" \"$0\" > \
                      \"$program_path/ephemeral_component.py\";\t_KFP_RUNTIME=true python3 -m \
                      kfp.dsl.executor_main --component_module_path \
                      \"$program_path/ephemeral_component.py\" \"$@\"";
        let command = strings(&["/bin/sh", "-c", script, "def f(): pass", "--x"]);
        let task = warm_argv(&command).unwrap();
        assert_eq!(task.source, "def f(): pass");
        assert_eq!(task.args, strings(&["--x"]));
    }

    #[test]
    fn other_commands_do_not_match() {
        let lightweight = fixture_commands("params.yaml").remove(0);
        // The variant that pip-installs first (install_kfp_package=True, the default): its
        // script is the installer's, and the lightweight one comes after it.
        let pip = "\nif ! [ -x \"$(command -v pip)\" ]; then\n    python3 -m ensurepip || \
                   python3 -m ensurepip --user || apt-get install python3-pip\nfi\n\n\
                   PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install --quiet \
                   --no-warn-script-location 'kfp==2.17.3' '--no-deps' && \"$0\" \"$@\"\n";
        let mut installing = strings(&["sh", "-c", pip]);
        installing.extend(lightweight.iter().cloned());
        assert_eq!(warm_argv(&installing), None);
        assert_eq!(warm_argv(&strings(&["echo", "hi"])), None);
        assert_eq!(warm_argv(&strings(&["python3", "-c", "print(1)"])), None);
        // Another shell, another flag, a changed script, no source.
        let mut other = lightweight.clone();
        other[0] = "bash".into();
        assert_eq!(warm_argv(&other), None);
        let mut other = lightweight.clone();
        other[1] = "-xc".into();
        assert_eq!(warm_argv(&other), None);
        let mut other = lightweight.clone();
        other[2] = other[2].replace("python3 -m", "python3 -X dev -m");
        assert_eq!(warm_argv(&other), None);
        let mut other = lightweight.clone();
        other[2].push_str("echo done\n");
        assert_eq!(warm_argv(&other), None);
        assert_eq!(warm_argv(&lightweight[..3]), None);
    }

    #[test]
    fn the_same_python_needs_the_same_path_and_no_python_variables() {
        let env = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert!(same_python(&env(&[("TMPDIR", "/t")]), "/kfp/bin:/usr/bin"));
        assert!(same_python(
            &env(&[("PATH", "/kfp/bin:/usr/bin")]),
            "/kfp/bin:/usr/bin"
        ));
        assert!(!same_python(
            &env(&[("PATH", "/usr/bin")]),
            "/kfp/bin:/usr/bin"
        ));
        assert!(!same_python(&env(&[("PYTHONPATH", "/x")]), "/usr/bin"));
    }

    #[test]
    fn the_launch_command_wraps_the_original() {
        let command = launch_command(
            &strings(&["/usr/bin/capstan", "task-launch"]),
            "/d/warm/forkserver.sock",
            &strings(&["sh", "-ec", "script"]),
        );
        assert_eq!(
            command,
            strings(&[
                "/usr/bin/capstan",
                "task-launch",
                "--socket",
                "/d/warm/forkserver.sock",
                "--",
                "sh",
                "-ec",
                "script"
            ])
        );
    }
}
