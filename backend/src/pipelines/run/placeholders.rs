//! KFP's placeholders in a task's command line, replaced with this run's values: `{{$}}` (the
//! executor input JSON) and the `{{$.inputs…}}`, `{{$.outputs…}}` and `{{$.pipeline_…}}` forms
//! that container components and f-string arguments use. A placeholder this runner does not
//! know is left as written.

use serde_json::Value;

use super::executor_input::TaskDir;
use super::values::{Values, as_text};

/// What placeholders are replaced with.
pub struct Context<'a> {
    /// The executor input, as JSON text.
    pub executor_input: &'a str,
    /// The inputs, typed as the task receives them.
    pub inputs: &'a Values,
    pub dir: &'a TaskDir,
    pub run_name: &'a str,
    pub run_id: i64,
    /// The node's path in the run.
    pub task: &'a str,
    /// The root of the run's files.
    pub run_root: &'a str,
}

/// `text` with every known placeholder replaced.
pub fn substitute(text: &str, context: &Context<'_>) -> String {
    if text == "{{$}}" {
        return context.executor_input.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{$") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let inner = &after[..end];
                match value_of(inner, context) {
                    Some(value) => out.push_str(&value),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn value_of(inner: &str, c: &Context<'_>) -> Option<String> {
    if inner == "$" {
        return Some(c.executor_input.to_owned());
    }
    let path = inner.strip_prefix("$.")?;
    match path {
        "pipeline_job_name" | "pipeline_job_resource_name" => return Some(c.run_name.to_owned()),
        "pipeline_job_uuid" => return Some(c.run_id.to_string()),
        "pipeline_task_name" | "pipeline_task_uuid" => return Some(c.task.to_owned()),
        "pipeline_root" => return Some(c.run_root.to_owned()),
        "outputs.output_file" => return Some(c.dir.executor_output().to_string_lossy().into()),
        _ => {}
    }
    let (kind, name, field) = indexed(path)?;
    match (kind, field) {
        ("inputs.parameters", "") => c.inputs.parameters.get(name).map(as_text),
        ("inputs.artifacts", ".path" | ".uri" | "") => c
            .inputs
            .artifacts
            .get(name)
            .and_then(|list| list.first())
            .map(|a| a.uri.clone()),
        ("inputs.artifacts", ".metadata") => c
            .inputs
            .artifacts
            .get(name)
            .and_then(|list| list.first())
            .map(|a| Value::Object(a.metadata.clone()).to_string()),
        ("outputs.parameters", ".output_file") | ("outputs.artifacts", ".path" | ".uri" | "") => {
            Some(c.dir.output(name).to_string_lossy().into_owned())
        }
        ("outputs.artifacts", ".metadata") => Some("{}".to_owned()),
        _ => None,
    }
}

/// `inputs.parameters['x'].field` → (`inputs.parameters`, `x`, `.field`); either quote.
fn indexed(path: &str) -> Option<(&str, &str, &str)> {
    let open = path.find('[')?;
    let kind = &path[..open];
    let rest = &path[open + 1..];
    let quote = rest.chars().next().filter(|q| *q == '\'' || *q == '"')?;
    let rest = &rest[1..];
    let close = rest.find(quote)?;
    let name = &rest[..close];
    let field = rest[close + 1..].strip_prefix(']')?;
    Some((kind, name, field))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    #[test]
    fn placeholders_become_values_and_paths() {
        let mut inputs = Values::default();
        inputs.parameters.insert("msg".into(), json!("hi"));
        inputs.parameters.insert("n".into(), json!(3));
        let dir = TaskDir(PathBuf::from("/runs/1/echo"));
        let c = Context {
            executor_input: "{\"inputs\":{}}",
            inputs: &inputs,
            dir: &dir,
            run_name: "nightly",
            run_id: 1,
            task: "echo",
            run_root: "/runs/1",
        };
        assert_eq!(substitute("{{$}}", &c), "{\"inputs\":{}}");
        assert_eq!(
            substitute(
                "say {{$.inputs.parameters['msg']}} x{{$.inputs.parameters[\"n\"]}}",
                &c
            ),
            "say hi x3"
        );
        assert_eq!(
            substitute("{{$.outputs.artifacts['out'].path}}", &c),
            "/runs/1/echo/out"
        );
        assert_eq!(
            substitute("{{$.outputs.parameters['p'].output_file}}", &c),
            "/runs/1/echo/p"
        );
        assert_eq!(substitute("{{$.pipeline_job_name}}", &c), "nightly");
        assert_eq!(substitute("{{$.unknown}} {{$", &c), "{{$.unknown}} {{$");
        assert_eq!(substitute("$(mktemp -d) {{x}}", &c), "$(mktemp -d) {{x}}");
    }
}
