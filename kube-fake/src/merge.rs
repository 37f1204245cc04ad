//! Merging a patch into an object. Server-side apply is done as a merge (objects merge key by
//! key, anything else is replaced), which is what Capstan's field-managed, whole-object applies
//! need; a JSON merge patch (RFC 7386) is the same, where `null` deletes.

use serde_json::Value;

/// Merges `patch` into `target`; returns whether anything changed.
pub fn merge(target: &mut Value, patch: &Value, null_deletes: bool) -> bool {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            let mut changed = false;
            for (key, value) in patch {
                if value.is_null() && null_deletes {
                    changed |= target.remove(key).is_some();
                    continue;
                }
                match target.get_mut(key) {
                    Some(existing) => changed |= merge(existing, value, null_deletes),
                    None => {
                        target.insert(key.clone(), value.clone());
                        changed = true;
                    }
                }
            }
            changed
        }
        (target, patch) => {
            if *target == *patch {
                false
            } else {
                *target = patch.clone();
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn objects_merge_and_the_rest_is_replaced() {
        let mut object = json!({"metadata": {"labels": {"a": "1"}}, "spec": {"ports": [1, 2]}});
        let patch = json!({"metadata": {"labels": {"b": "2"}}, "spec": {"ports": [3]}});
        assert!(merge(&mut object, &patch, false));
        assert_eq!(
            object,
            json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"ports": [3]}})
        );
        assert!(
            !merge(&mut object, &patch, false),
            "the same again changes nothing"
        );
        assert!(merge(
            &mut object,
            &json!({"metadata": {"labels": {"a": null}}}),
            true
        ));
        assert_eq!(object["metadata"]["labels"], json!({"b": "2"}));
    }
}
