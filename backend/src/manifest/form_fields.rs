//! A form's text fields as a manifest's values: blank is "not given", and a field that does
//! not read is refused by the form's own name for it.

use super::SpecError;

pub fn text(field: &str) -> Option<String> {
    Some(field.trim().to_owned()).filter(|t| !t.is_empty())
}

pub fn whole(field: &str, value: &str) -> Result<Option<i64>, SpecError> {
    text(value)
        .map(|t| {
            t.parse::<i64>()
                .map_err(|_| SpecError::at(field, format!("`{t}` is not a whole number")))
        })
        .transpose()
}

pub fn number(field: &str, value: &str) -> Result<Option<f64>, SpecError> {
    text(value)
        .map(|t| {
            t.parse::<f64>()
                .map_err(|_| SpecError::at(field, format!("`{t}` is not a number")))
        })
        .transpose()
}
