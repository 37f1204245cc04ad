//! `metricsCollectorSpec`: where a trial's metrics come from and in which format, and the
//! check that the objective's metric can come from there at all.

use regex::Regex;

use super::SpecError;
use super::katib::MetricsCollectorSpec;

/// Katib's default filter for `name=value` lines.
pub const DEFAULT_FILTER: &str = r"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)";

#[derive(Debug, Clone)]
pub enum Format {
    /// Lines matched by regular expressions whose first group is the name, the second the
    /// value.
    Text(Vec<Regex>),
    /// One JSON object per line; every numeric (or numeric string) field is a metric.
    Json,
}

#[derive(Debug, Clone)]
pub enum Source {
    /// The trial's standard output and error.
    StdOut,
    /// A file the trial writes. In standalone mode it lives in the trial's own directory:
    /// the path is rewritten there, in the command too.
    File { path: String },
}

#[derive(Debug, Clone)]
pub struct CollectorSpec {
    pub source: Source,
    pub format: Format,
}

impl CollectorSpec {
    pub fn read(spec: Option<&MetricsCollectorSpec>) -> Result<CollectorSpec, SpecError> {
        let base = "spec.metricsCollectorSpec";
        let spec = spec.cloned().unwrap_or_default();
        let kind = spec
            .collector
            .as_ref()
            .map_or("StdOut", |c| c.kind.as_str());
        let source = spec.source.unwrap_or_default();
        let filter_texts = source
            .filter
            .as_ref()
            .map(|f| f.metrics_format.clone())
            .unwrap_or_default();
        let file = source.file_system_path.as_ref();
        let json = match file.and_then(|f| f.format.as_deref()) {
            None | Some("TEXT") => false,
            Some("JSON") => true,
            Some(other) => {
                return Err(SpecError::at(
                    format!("{base}.source.fileSystemPath.format"),
                    format!("`{other}` is not a format; Katib's are TEXT and JSON"),
                ));
            }
        };
        let source = match kind {
            "StdOut" => {
                if json {
                    return Err(SpecError::at(
                        format!("{base}.source.fileSystemPath.format"),
                        "JSON is read from a File collector's file, not from standard output",
                    ));
                }
                Source::StdOut
            }
            "File" => {
                let file = file.ok_or_else(|| {
                    SpecError::at(
                        format!("{base}.source.fileSystemPath"),
                        "missing: a File collector needs the file's path",
                    )
                })?;
                if let Some(k) = file.kind.as_deref().filter(|k| *k != "File") {
                    return Err(SpecError::at(
                        format!("{base}.source.fileSystemPath.kind"),
                        format!("`{k}` is not supported; Capstan reads a File"),
                    ));
                }
                if file.path.trim().is_empty() || file.path.contains("..") {
                    return Err(SpecError::at(
                        format!("{base}.source.fileSystemPath.path"),
                        "must be a path without `..`",
                    ));
                }
                Source::File {
                    path: file.path.clone(),
                }
            }
            "None" => {
                return Err(SpecError::at(
                    format!("{base}.collector.kind"),
                    "None collects nothing, so no trial could report the objective metric",
                ));
            }
            other => {
                return Err(SpecError::at(
                    format!("{base}.collector.kind"),
                    format!("`{other}` is not supported; Capstan collects StdOut and File"),
                ));
            }
        };
        let filters = compile_filters(&filter_texts, base)?;
        let format = if json {
            if !filters.is_empty() {
                return Err(SpecError::at(
                    format!("{base}.source.filter"),
                    "JSON lines take no filter: every numeric field is a metric",
                ));
            }
            Format::Json
        } else if filters.is_empty() {
            Format::Text(vec![
                Regex::new(DEFAULT_FILTER).expect("Katib's filter is valid"),
            ])
        } else {
            Format::Text(filters)
        };
        Ok(CollectorSpec { source, format })
    }

    /// Refuses a metric name that this collector could never report.
    pub fn check_metric(&self, name: &str, path: &str) -> Result<(), SpecError> {
        if name.trim().is_empty() {
            return Err(SpecError::at(path, "empty"));
        }
        let Format::Text(filters) = &self.format else {
            return Ok(());
        };
        // A name must be something a filter's name group can match on its own.
        let producible = filters.iter().any(|filter| {
            let name_group = first_group_pattern(filter.as_str());
            name_group.is_none_or(|group| {
                Regex::new(&format!("^(?:{group})$")).is_ok_and(|r| r.is_match(name))
            })
        });
        if producible {
            Ok(())
        } else {
            Err(SpecError::at(
                path,
                format!(
                    "no metrics filter can read a metric named `{name}` (the default reads names \
                     of letters, digits, `_`, `|` and `-`)"
                ),
            ))
        }
    }
}

/// The filters of `source.filter.metricsFormat`.
fn compile_filters(texts: &[String], base: &str) -> Result<Vec<Regex>, SpecError> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| compile_filter(text, &format!("{base}.source.filter.metricsFormat[{i}]")))
        .collect()
}

/// A filter must compile and have two groups: the name and the value.
fn compile_filter(text: &str, path: &str) -> Result<Regex, SpecError> {
    let regex = Regex::new(&literal_braces(text))
        .map_err(|e| SpecError::at(path, format!("not a regular expression: {e}")))?;
    if regex.captures_len() < 3 {
        return Err(SpecError::at(
            path,
            "needs two groups: the metric's name, then its value",
        ));
    }
    Ok(regex)
}

/// The text of the first capture group of `pattern`, when it is a plain `(…)` group.
fn first_group_pattern(pattern: &str) -> Option<String> {
    let start = pattern.find('(')?;
    let mut depth = 0;
    let mut escaped = false;
    for (i, c) in pattern[start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    let inner = &pattern[start + 1..start + i];
                    return (!inner.starts_with('?')).then(|| inner.to_owned());
                }
            }
            _ => {}
        }
    }
    None
}

/// Katib's filters are Go regular expressions, where a brace that does not start a repetition
/// (`{metricName: …}`) is a literal; Rust's regex wants it escaped.
fn literal_braces(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                out.push('\\');
                if let Some(next) = chars.get(i + 1) {
                    out.push(*next);
                }
                i += 2;
                continue;
            }
            '{' => match repetition_end(&chars[i..]) {
                Some(len) => {
                    out.extend(&chars[i..i + len]);
                    i += len;
                    continue;
                }
                None => out.push_str("\\{"),
            },
            '}' => out.push_str("\\}"),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// The length of `{n}`, `{n,}` or `{n,m}` at the start of `chars`.
fn repetition_end(chars: &[char]) -> Option<usize> {
    let close = chars.iter().position(|c| *c == '}')?;
    let inner: String = chars[1..close].iter().collect();
    let mut parts = inner.splitn(2, ',');
    let first = parts.next()?;
    let valid = !first.is_empty()
        && first.chars().all(|c| c.is_ascii_digit())
        && parts
            .next()
            .is_none_or(|rest| rest.chars().all(|c| c.is_ascii_digit()));
    valid.then_some(close + 1)
}

#[cfg(test)]
mod tests {
    use super::literal_braces;

    #[test]
    fn go_literal_braces_are_escaped_and_repetitions_kept() {
        assert_eq!(literal_braces("{a: (x)}"), "\\{a: (x)\\}");
        assert_eq!(literal_braces("a{2,3}b{4}"), "a{2,3}b{4}");
        assert_eq!(literal_braces("\\{x\\}"), "\\{x\\}");
    }
}
