//! KServe's V1 protocol in front of a runtime that speaks only V2 (MLServer): a
//! `POST v1/models/{m}:predict` with `{"instances": [...]}` becomes a V2 infer of one FP64 tensor
//! (one row per instance), and the first output comes back as `{"predictions": [...]}`, one per
//! instance. Instances that are not numbers or equal-length lists of numbers are refused here.

use serde_json::{Value, json};

/// The model a V1 predict path names: `/v1/models/iris:predict` → `iris`.
pub(super) fn predict_model(path: &str) -> Option<&str> {
    path.strip_prefix("/v1/models/")?
        .split('?')
        .next()?
        .strip_suffix(":predict")
        .filter(|m| !m.is_empty() && !m.contains('/'))
}

/// The V2 request for a V1 body.
pub(super) fn to_v2(body: &[u8]) -> Result<Vec<u8>, String> {
    let request: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let instances = request
        .get("instances")
        .and_then(Value::as_array)
        .filter(|i| !i.is_empty())
        .ok_or("instances: missing, or not a non-empty list")?;
    let width = match &instances[0] {
        Value::Array(row) => Some(row.len()),
        _ => None,
    };
    let mut data = Vec::new();
    for (i, instance) in instances.iter().enumerate() {
        match (instance, width) {
            (Value::Number(n), None) => data.push(number(n, i, None)?),
            (Value::Array(row), Some(w)) if row.len() == w => {
                for (j, v) in row.iter().enumerate() {
                    let n = v
                        .as_number()
                        .ok_or(format!("instances[{i}][{j}]: not a number"))?;
                    data.push(number(n, i, Some(j))?);
                }
            }
            _ => {
                return Err(format!(
                    "instances[{i}]: every instance must be a number, or a list of numbers as \
                     long as the first"
                ));
            }
        }
    }
    let shape = match width {
        Some(w) => json!([instances.len(), w]),
        None => json!([instances.len()]),
    };
    let v2 =
        json!({"inputs": [{"name": "input-0", "shape": shape, "datatype": "FP64", "data": data}]});
    Ok(v2.to_string().into_bytes())
}

fn number(n: &serde_json::Number, i: usize, j: Option<usize>) -> Result<f64, String> {
    n.as_f64().ok_or_else(|| match j {
        Some(j) => format!("instances[{i}][{j}]: not a finite number"),
        None => format!("instances[{i}]: not a finite number"),
    })
}

/// The V1 answer for a V2 one: the first output, one prediction per row.
pub(super) fn from_v2(body: &[u8]) -> Result<Vec<u8>, String> {
    let answer: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the runtime's answer is not JSON: {e}"))?;
    let output = answer
        .pointer("/outputs/0")
        .ok_or("the runtime's answer has no output")?;
    let data = output
        .get("data")
        .and_then(Value::as_array)
        .ok_or("the runtime's output has no data")?;
    let shape: Vec<usize> = output
        .get("shape")
        .and_then(Value::as_array)
        .map(|s| {
            s.iter()
                .filter_map(Value::as_u64)
                .map(|d| d as usize)
                .collect()
        })
        .unwrap_or_default();
    let per_row: usize = shape.iter().skip(1).product();
    let predictions: Vec<Value> = if shape.len() <= 1 || per_row <= 1 {
        data.clone()
    } else {
        data.chunks(per_row)
            .map(|c| Value::Array(c.to_vec()))
            .collect()
    };
    Ok(json!({"predictions": predictions}).to_string().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_instances_become_one_v2_tensor_and_back() {
        assert_eq!(predict_model("/v1/models/iris:predict"), Some("iris"));
        assert_eq!(predict_model("/v2/models/iris/infer"), None);
        let v2: Value =
            serde_json::from_slice(&to_v2(br#"{"instances": [[1, 2], [3, 4.5]]}"#).unwrap())
                .unwrap();
        assert_eq!(v2["inputs"][0]["shape"], json!([2, 2]));
        assert_eq!(v2["inputs"][0]["data"], json!([1.0, 2.0, 3.0, 4.5]));
        let v1: Value = serde_json::from_slice(
            &from_v2(br#"{"outputs": [{"name": "predict", "shape": [2, 1], "data": [0, 1]}]}"#)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(v1, json!({"predictions": [0, 1]}));
        let rows: Value = serde_json::from_slice(
            &from_v2(br#"{"outputs": [{"shape": [2, 2], "data": [0.1, 0.9, 0.8, 0.2]}]}"#).unwrap(),
        )
        .unwrap();
        assert_eq!(rows["predictions"], json!([[0.1, 0.9], [0.8, 0.2]]));
    }

    #[test]
    fn instances_that_are_not_numbers_are_refused_with_their_place() {
        assert!(to_v2(b"{}").unwrap_err().contains("instances"));
        assert!(
            to_v2(br#"{"instances": [[1, 2], [3]]}"#)
                .unwrap_err()
                .contains("instances[1]")
        );
        assert!(
            to_v2(br#"{"instances": [[1, "a"]]}"#)
                .unwrap_err()
                .contains("instances[0][1]")
        );
        assert!(to_v2(b"not json").is_err());
    }
}
