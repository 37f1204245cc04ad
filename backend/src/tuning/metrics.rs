//! Reading metric reports out of what a trial writes: Katib's text lines (`name=value` by
//! default, or the experiment's filters) and JSON lines.

use regex::Regex;

use super::spec::Format;

/// The reports in one line, in order, of the metrics the experiment knows (others are
/// ignored, as Katib does). Never fails: a line that holds no report gives none.
pub fn reports_in_line(format: &Format, known: &[String], line: &str) -> Vec<(String, f64)> {
    let found = match format {
        Format::Text(filters) => text_reports(filters, line),
        Format::Json => json_reports(line),
    };
    found
        .into_iter()
        .filter(|(name, value)| value.is_finite() && known.iter().any(|k| k == name))
        .collect()
}

fn text_reports(filters: &[Regex], line: &str) -> Vec<(String, f64)> {
    let mut reports = Vec::new();
    for filter in filters {
        for found in filter.captures_iter(line) {
            let (Some(name), Some(value)) = (found.get(1), found.get(2)) else {
                continue;
            };
            if let Ok(value) = value.as_str().trim().parse::<f64>() {
                reports.push((name.as_str().trim().to_owned(), value));
            }
        }
    }
    reports
}

/// Every numeric field (or string holding a number) of a JSON object on one line.
fn json_reports(line: &str) -> Vec<(String, f64)> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(line.trim()) else {
        return Vec::new();
    };
    fields
        .into_iter()
        .filter_map(|(name, value)| {
            let number = match value {
                serde_json::Value::Number(n) => n.as_f64(),
                serde_json::Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }?;
            Some((name, number))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tuning::spec::DEFAULT_FILTER;

    fn known() -> Vec<String> {
        vec![
            "Validation-accuracy".into(),
            "Train-accuracy".into(),
            "loss".into(),
        ]
    }

    #[test]
    fn katib_name_value_lines() {
        let format = Format::Text(vec![Regex::new(DEFAULT_FILTER).unwrap()]);
        let line = "Epoch[2] Train-accuracy=0.864 Validation-accuracy=0.9112";
        assert_eq!(
            reports_in_line(&format, &known(), line),
            vec![
                ("Train-accuracy".into(), 0.864),
                ("Validation-accuracy".into(), 0.9112)
            ]
        );
        assert!(reports_in_line(&format, &known(), "batch-size=32 lr=0.1").is_empty());
        assert_eq!(
            reports_in_line(&format, &known(), "loss = -1.5e-3"),
            vec![("loss".into(), -1.5e-3)]
        );
    }

    #[test]
    fn json_lines_take_numbers_and_numeric_strings() {
        let line = r#"{"loss": "0.25", "Validation-accuracy": 0.5, "checkpoint": "x", "epoch": 3}"#;
        let mut found = reports_in_line(&Format::Json, &known(), line);
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            found,
            vec![("Validation-accuracy".into(), 0.5), ("loss".into(), 0.25)]
        );
        assert!(reports_in_line(&Format::Json, &known(), "not json").is_empty());
    }
}
