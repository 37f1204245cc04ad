//! Profile names become Kubernetes namespaces: they must be DNS-1123 labels, and must not
//! take a namespace that the cluster or its add-ons already own.

/// Namespaces that exist in every cluster or belong to the platform's own components.
const RESERVED: &[&str] = &[
    "default",
    "capstan",
    "capstan-system",
    "kubeflow",
    "istio-system",
    "cert-manager",
    "knative-serving",
    "local-path-storage",
];

/// Why a name cannot be a profile's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a name must not be empty")]
    Empty,
    #[error("`{0}` is longer than 63 characters, the limit of a Kubernetes name")]
    TooLong(String),
    #[error("`{name}` has `{bad}` at position {position}: use lower-case letters, digits and `-`")]
    BadCharacter {
        name: String,
        bad: char,
        position: usize,
    },
    #[error("`{0}` must start and end with a lower-case letter or a digit")]
    BadEdge(String),
    #[error("`{0}` is reserved for the cluster or the platform; choose another name")]
    Reserved(String),
}

/// Accepts a DNS-1123 label of at most 63 characters that is not reserved.
///
/// ```
/// use backend::profiles::validate_profile_name;
/// assert!(validate_profile_name("team-vision").is_ok());
/// assert!(validate_profile_name("Team_Vision").is_err());
/// assert!(validate_profile_name("kube-system").is_err());
/// ```
pub fn validate_profile_name(name: &str) -> Result<(), NameError> {
    validate_dns_label(name)?;
    if RESERVED.contains(&name) || name.starts_with("kube-") || name.starts_with("openshift") {
        return Err(NameError::Reserved(name.to_owned()));
    }
    Ok(())
}

/// Accepts a DNS-1123 label: what Kubernetes takes as a namespace, a Service or a label value
/// (workload and replica-group names become all of these).
pub fn validate_dns_label(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > 63 {
        return Err(NameError::TooLong(name.to_owned()));
    }
    if let Some((position, bad)) = name
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(NameError::BadCharacter {
            name: name.to_owned(),
            bad,
            position: position + 1,
        });
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(NameError::BadEdge(name.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dns_labels() {
        for name in ["a", "team-a", "0day", "x".repeat(63).as_str()] {
            assert_eq!(validate_profile_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn refuses_what_kubernetes_would_refuse() {
        assert_eq!(validate_profile_name(""), Err(NameError::Empty));
        assert!(matches!(
            validate_profile_name(&"x".repeat(64)),
            Err(NameError::TooLong(_))
        ));
        assert!(matches!(
            validate_profile_name("team_a"),
            Err(NameError::BadCharacter {
                bad: '_',
                position: 5,
                ..
            })
        ));
        assert!(matches!(
            validate_profile_name("Team"),
            Err(NameError::BadCharacter {
                bad: 'T',
                position: 1,
                ..
            })
        ));
        assert!(matches!(
            validate_profile_name("ü"),
            Err(NameError::BadCharacter { .. })
        ));
        assert!(matches!(
            validate_profile_name("-a"),
            Err(NameError::BadEdge(_))
        ));
        assert!(matches!(
            validate_profile_name("a-"),
            Err(NameError::BadEdge(_))
        ));
    }

    #[test]
    fn refuses_reserved_namespaces() {
        for name in [
            "default",
            "kube-system",
            "kube-public",
            "kube-node-lease",
            "kubeflow",
            "capstan-system",
        ] {
            assert!(
                matches!(validate_profile_name(name), Err(NameError::Reserved(_))),
                "{name}"
            );
        }
    }

    #[test]
    fn the_message_says_what_is_wrong_and_where() {
        let message = validate_profile_name("ml.team").unwrap_err().to_string();
        assert_eq!(
            message,
            "`ml.team` has `.` at position 3: use lower-case letters, digits and `-`"
        );
    }
}
