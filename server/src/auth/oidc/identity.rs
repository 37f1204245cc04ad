//! Who a provider says the user is: the user name and groups, read from the claims that the
//! configuration names, in the ID token first and the user info second.

use serde_json::Value;

use super::client::{Claims, UserInfo};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    pub groups: Vec<String>,
}

/// The standard claims the crate parses itself, as text.
fn standard_claim(
    name: &str,
    email: Option<&openidconnect::EndUserEmail>,
    preferred: Option<&openidconnect::EndUserUsername>,
    subject: &openidconnect::SubjectIdentifier,
) -> Option<String> {
    match name {
        "email" => email.map(|e| e.as_str().to_owned()),
        "preferred_username" => preferred.map(|p| p.as_str().to_owned()),
        "sub" => Some(subject.as_str().to_owned()),
        _ => None,
    }
}

/// The user from `user_claim` and the groups from `groups_claim`, or what is missing.
pub fn identity_of(
    id_token: &Claims,
    user_info: Option<&UserInfo>,
    user_claim: &str,
    groups_claim: &str,
) -> Result<Identity, String> {
    let user = standard_claim(
        user_claim,
        id_token.email(),
        id_token.preferred_username(),
        id_token.subject(),
    )
    .or_else(|| text(id_token.additional_claims().by_name.get(user_claim)))
    .or_else(|| {
        user_info.and_then(|u| {
            standard_claim(user_claim, u.email(), u.preferred_username(), u.subject())
                .or_else(|| text(u.additional_claims().by_name.get(user_claim)))
        })
    })
    .filter(|u| !u.is_empty())
    .ok_or_else(|| {
        format!(
            "the provider sent no `{user_claim}` claim to name the user \
             (set oidc_user_claim, or ask for the scope that carries it)"
        )
    })?;
    let groups_value = id_token
        .additional_claims()
        .by_name
        .get(groups_claim)
        .or_else(|| user_info.and_then(|u| u.additional_claims().by_name.get(groups_claim)));
    let groups = match groups_value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter_map(|v| text(Some(v))).collect(),
        Some(Value::String(one)) => vec![one.clone()],
        Some(_) => return Err(format!("the `{groups_claim}` claim is not a list of names")),
    };
    Ok(Identity { user, groups })
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_owned)
}
