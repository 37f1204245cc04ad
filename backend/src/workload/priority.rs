//! Priority classes: names a user picks, values the scheduler orders by. Configured as
//! `name=value` pairs; one of them is the default.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityClasses {
    classes: Vec<(String, i32)>,
    default: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriorityError {
    #[error("priority class `{0}`: write name=value, value a whole number")]
    Malformed(String),
    #[error("priority class `{0}` is listed twice")]
    Duplicate(String),
    #[error("the default priority class `{0}` is not among the classes ({1})")]
    UnknownDefault(String, String),
}

impl PriorityClasses {
    /// `"low=0,default=100,high=1000"`, with the name of the default class.
    ///
    /// ```
    /// use backend::workload::PriorityClasses;
    /// let classes = PriorityClasses::parse("low=0, default=100, high=1000", "default").unwrap();
    /// assert_eq!(classes.value_of(None), Some(("default", 100)));
    /// assert_eq!(classes.value_of(Some("high")), Some(("high", 1000)));
    /// assert_eq!(classes.value_of(Some("urgent")), None);
    /// assert!(PriorityClasses::parse("low=zero", "low").is_err());
    /// ```
    pub fn parse(text: &str, default: &str) -> Result<Self, PriorityError> {
        let mut classes: Vec<(String, i32)> = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, value) = item
                .split_once('=')
                .map(|(n, v)| (n.trim(), v.trim()))
                .filter(|(n, _)| !n.is_empty())
                .ok_or_else(|| PriorityError::Malformed(item.to_owned()))?;
            let value: i32 = value
                .parse()
                .map_err(|_| PriorityError::Malformed(item.to_owned()))?;
            if classes.iter().any(|(n, _)| n == name) {
                return Err(PriorityError::Duplicate(name.to_owned()));
            }
            classes.push((name.to_owned(), value));
        }
        let classes = PriorityClasses {
            classes,
            default: default.to_owned(),
        };
        if classes.value_of(None).is_none() {
            return Err(PriorityError::UnknownDefault(
                default.to_owned(),
                classes.to_string(),
            ));
        }
        Ok(classes)
    }

    /// The class's name and value; `None` picks the default. `None` back: no such class.
    pub fn value_of<'a>(&'a self, name: Option<&'a str>) -> Option<(&'a str, i32)> {
        let wanted = name.unwrap_or(&self.default);
        self.classes
            .iter()
            .find(|(n, _)| n == wanted)
            .map(|(n, v)| (n.as_str(), *v))
    }
}

impl fmt::Display for PriorityClasses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list: Vec<String> = self
            .classes
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        f.write_str(&list.join(", "))
    }
}
