//! Names of pipelines, versions, experiments, runs and recurring runs: they appear in URLs,
//! so they are short and plain.

use super::PipelineError;

pub const MAX_NAME_LEN: usize = 100;

/// 1–100 characters: letters, digits, `-`, `_` and `.`, starting with a letter or digit.
pub fn check_name(field: &str, name: &str) -> Result<(), PipelineError> {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if name.is_empty() || name.len() > MAX_NAME_LEN || !plain || !starts_well {
        return Err(PipelineError::invalid(
            field,
            format!(
                "{name:?} is not a name: 1 to {MAX_NAME_LEN} letters, digits, '-', '_' or '.', \
                 starting with a letter or digit"
            ),
        ));
    }
    Ok(())
}

/// A name made from another (a pipeline's own, a run's default) that may not fit: what does
/// not fit becomes `-`, and it is cut to length.
pub fn tidy_name(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(MAX_NAME_LEN)
        .collect();
    if !out
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        out.insert(0, 'p');
        out.truncate(MAX_NAME_LEN);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain() {
        assert!(check_name("name", "train-eval_2.1").is_ok());
        for bad in ["", "-x", "a b", "a/b", &"x".repeat(101)] {
            assert!(check_name("name", bad).is_err(), "{bad:?}");
        }
        assert_eq!(tidy_name("My pipeline!"), "My-pipeline-");
        assert_eq!(tidy_name("_x"), "p_x");
    }
}
