//! Evaluation of a parsed expression against bound variables. See the module above for the
//! semantics chosen.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::parse::{BinaryOp, Expr, Function};
use super::{CelError, CelValue};

/// The variables an expression can name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Env {
    vars: BTreeMap<String, CelValue>,
}

impl Env {
    pub fn new() -> Env {
        Env::default()
    }

    /// Binds (or rebinds) a variable.
    pub fn with(mut self, name: impl Into<String>, value: CelValue) -> Env {
        self.vars.insert(name.into(), value);
        self
    }

    pub fn get(&self, name: &str) -> Option<&CelValue> {
        self.vars.get(name)
    }

    /// A condition's variables: `inputs.parameter_values` is the task's input parameters.
    /// (KFP binds the whole ExecutorInput; the compiler reads nothing else from it.)
    pub fn condition(parameter_values: &Map<String, Value>) -> Env {
        let inputs = BTreeMap::from([(
            "parameter_values".to_string(),
            CelValue::Map(CelValue::map_from_json(parameter_values)),
        )]);
        Env::new().with("inputs", CelValue::Map(inputs))
    }

    /// A selector's variables, as KFP's `Select` binds a protobuf `Value`: the field of its kind
    /// (`number_value`, `bool_value`, `string_value`, `list_value`, `struct_value`,
    /// `null_value`) and always `string_value`, the value as text: a string as itself, a
    /// number in plain decimal, a list or a struct as JSON, null as "".
    pub fn selector(value: &Value) -> Env {
        let (field, text) = match value {
            Value::Null => ("null_value", String::new()),
            Value::Bool(b) => ("bool_value", b.to_string()),
            Value::Number(n) => (
                "number_value",
                n.as_f64().map(|d| d.to_string()).unwrap_or_default(),
            ),
            Value::String(s) => ("string_value", s.clone()),
            Value::Array(_) => ("list_value", value.to_string()),
            Value::Object(_) => ("struct_value", value.to_string()),
        };
        Env::new()
            .with(field, CelValue::from_json(value))
            .with("string_value", CelValue::String(text))
    }
}

/// 2^63: no i64 reaches it; -2^63 is i64::MIN.
const TWO_63: f64 = (1u64 << 63) as f64;

fn error(message: String) -> CelError {
    CelError::Eval(message)
}

/// Evaluates an expression. Errors name the operation: `no such key: 'x'`,
/// `no such overload: string > double`, `undeclared reference to 'x'`, …
pub fn eval(expr: &Expr, env: &Env) -> Result<CelValue, CelError> {
    value(expr, env).map(Cow::into_owned)
}

/// Borrows what it can from the environment, so `inputs.parameter_values['k']` copies one
/// value, not the map.
fn value<'e>(expr: &Expr, env: &'e Env) -> Result<Cow<'e, CelValue>, CelError> {
    let owned = match expr {
        Expr::Null => CelValue::Null,
        Expr::Bool(b) => CelValue::Bool(*b),
        Expr::Int(i) => CelValue::Int(*i),
        Expr::Double(d) => CelValue::Double(*d),
        Expr::String(s) => CelValue::String(s.clone()),
        Expr::Ident(name) => {
            return env
                .get(name)
                .map(Cow::Borrowed)
                .ok_or_else(|| error(format!("undeclared reference to '{name}'")));
        }
        Expr::Member(base, name) => {
            let key = CelValue::String(name.clone());
            return project(value(base, env)?, |v| match v {
                CelValue::Map(_) => entry(v, &key),
                _ => Err(error(format!(
                    "type '{}' does not support field selection",
                    v.type_name()
                ))),
            });
        }
        Expr::Index(base, index) => {
            let index = value(index, env)?;
            return project(value(base, env)?, |v| entry(v, &index));
        }
        Expr::Call(function, arg) => call(*function, &*value(arg, env)?)?,
        Expr::Not(inner) => match &*value(inner, env)? {
            CelValue::Bool(b) => CelValue::Bool(!b),
            v => return Err(error(format!("no such overload: !{}", v.type_name()))),
        },
        Expr::Neg(inner) => match &*value(inner, env)? {
            CelValue::Int(i) => CelValue::Int(
                i.checked_neg()
                    .ok_or_else(|| error(format!("integer overflow: -({i})")))?,
            ),
            CelValue::Double(d) => CelValue::Double(-d),
            v => return Err(error(format!("no such overload: -{}", v.type_name()))),
        },
        Expr::Binary(op @ (BinaryOp::And | BinaryOp::Or), left, right) => {
            logical(*op, left, right, env)?
        }
        Expr::Binary(op, left, right) => {
            let (l, r) = (value(left, env)?, value(right, env)?);
            CelValue::Bool(compare(*op, &l, &r)?)
        }
    };
    Ok(Cow::Owned(owned))
}

/// A part of a value, borrowed from the environment when the value was.
fn project<'e>(
    base: Cow<'e, CelValue>,
    part: impl for<'v> Fn(&'v CelValue) -> Result<&'v CelValue, CelError>,
) -> Result<Cow<'e, CelValue>, CelError> {
    match base {
        Cow::Borrowed(v) => part(v).map(Cow::Borrowed),
        Cow::Owned(v) => part(&v).map(|p| Cow::Owned(p.clone())),
    }
}

/// `map[key]` or `list[index]`.
fn entry<'v>(base: &'v CelValue, key: &CelValue) -> Result<&'v CelValue, CelError> {
    match (base, key) {
        (CelValue::Map(map), CelValue::String(k)) => map
            .get(k)
            .ok_or_else(|| error(format!("no such key: '{k}'"))),
        // Map keys from JSON are strings; no other key can be present.
        (CelValue::Map(_), k) => Err(error(format!("no such key: {k}"))),
        (CelValue::List(items), CelValue::Int(_) | CelValue::Double(_)) => {
            let i = match *key {
                CelValue::Int(i) => Some(i),
                // A whole double indexes too, as in cel-go.
                CelValue::Double(d) if d.fract() == 0.0 && d.abs() < 9.0e15 => Some(d as i64),
                _ => None,
            };
            let Some(i) = i else {
                return Err(error(format!("no such overload: list[{key}]")));
            };
            usize::try_from(i)
                .ok()
                .and_then(|i| items.get(i))
                .ok_or_else(|| error(format!("index out of range: {i} (list of {})", items.len())))
        }
        (b, k) => Err(error(format!(
            "no such overload: {}[{}]",
            b.type_name(),
            k.type_name()
        ))),
    }
}

fn call(function: Function, arg: &CelValue) -> Result<CelValue, CelError> {
    let name = function.name();
    let no_overload = || error(format!("no such overload: {name}({})", arg.type_name()));
    Ok(match (function, arg) {
        (Function::Int, CelValue::Int(i)) => CelValue::Int(*i),
        (Function::Int, CelValue::Double(d)) => {
            // cel-go's doubleToInt64Checked: NaN, and ±2^63 (float64(MaxInt64)) and beyond.
            if d.is_nan() || *d <= -TWO_63 || *d >= TWO_63 {
                return Err(error(format!("int({}): range error", format_g(*d))));
            }
            CelValue::Int(d.trunc() as i64)
        }
        (Function::Int, CelValue::String(s)) => CelValue::Int(
            s.parse()
                .map_err(|_| error(format!("int('{s}'): not an integer")))?,
        ),
        (Function::Double, CelValue::Int(i)) => CelValue::Double(*i as f64),
        (Function::Double, CelValue::Double(d)) => CelValue::Double(*d),
        (Function::Double, CelValue::String(s)) => CelValue::Double(
            s.parse()
                .map_err(|_| error(format!("double('{s}'): not a number")))?,
        ),
        (Function::String, CelValue::String(s)) => CelValue::String(s.clone()),
        (Function::String, CelValue::Int(i)) => CelValue::String(i.to_string()),
        (Function::String, CelValue::Double(d)) => CelValue::String(format_g(*d)),
        (Function::String, CelValue::Bool(b)) => CelValue::String(b.to_string()),
        (Function::ParseJson, CelValue::String(s)) => {
            let json: Value = serde_json::from_str(s)
                .map_err(|e| error(format!("parseJson: failed to unmarshal JSON: {e}")))?;
            CelValue::from_json(&json)
        }
        (Function::Size, CelValue::String(s)) => CelValue::Int(s.chars().count() as i64),
        (Function::Size, CelValue::List(items)) => CelValue::Int(items.len() as i64),
        (Function::Size, CelValue::Map(map)) => CelValue::Int(map.len() as i64),
        _ => return Err(no_overload()),
    })
}

/// `&&` and `||`, commutative over errors: the deciding value (false for `&&`, true for `||`)
/// on either side wins over an error on the other.
fn logical(op: BinaryOp, left: &Expr, right: &Expr, env: &Env) -> Result<CelValue, CelError> {
    let decides = op == BinaryOp::Or;
    let operand = |e: &Expr| -> Result<bool, CelError> {
        match &*value(e, env)? {
            CelValue::Bool(b) => Ok(*b),
            v => Err(error(format!(
                "no such overload: {} {} _",
                v.type_name(),
                op.symbol()
            ))),
        }
    };
    let l = operand(left);
    if l == Ok(decides) {
        return Ok(CelValue::Bool(decides));
    }
    let r = operand(right);
    if r == Ok(decides) {
        return Ok(CelValue::Bool(decides));
    }
    l?;
    r?;
    Ok(CelValue::Bool(!decides))
}

fn compare(op: BinaryOp, l: &CelValue, r: &CelValue) -> Result<bool, CelError> {
    let ordering = match op {
        BinaryOp::Eq => return Ok(equal(l, r)),
        BinaryOp::Ne => return Ok(!equal(l, r)),
        _ => order(l, r).ok_or_else(|| {
            error(format!(
                "no such overload: {} {} {}",
                l.type_name(),
                op.symbol(),
                r.type_name()
            ))
        })?,
    };
    // `None`: NaN is involved, and every ordering is false.
    Ok(ordering.is_some_and(|o| match op {
        BinaryOp::Lt => o.is_lt(),
        BinaryOp::Le => o.is_le(),
        BinaryOp::Gt => o.is_gt(),
        _ => o.is_ge(),
    }))
}

/// `None` when the types have no ordering; `Some(None)` when NaN makes them unordered.
fn order(l: &CelValue, r: &CelValue) -> Option<Option<Ordering>> {
    Some(match (l, r) {
        (CelValue::Int(a), CelValue::Int(b)) => Some(a.cmp(b)),
        (CelValue::Double(a), CelValue::Double(b)) => a.partial_cmp(b),
        (CelValue::Int(a), CelValue::Double(b)) => int_double(*a, *b),
        (CelValue::Double(a), CelValue::Int(b)) => int_double(*b, *a).map(Ordering::reverse),
        (CelValue::String(a), CelValue::String(b)) => Some(a.cmp(b)),
        (CelValue::Bool(a), CelValue::Bool(b)) => Some(a.cmp(b)),
        _ => return None,
    })
}

/// An int against a double, exactly (no rounding of the int to a double).
fn int_double(i: i64, d: f64) -> Option<Ordering> {
    if d.is_nan() {
        None
    } else if d < -TWO_63 {
        Some(Ordering::Greater)
    } else if d >= TWO_63 {
        Some(Ordering::Less)
    } else {
        let whole = d.trunc();
        let by_whole = i.cmp(&(whole as i64));
        Some(by_whole.then(0.0_f64.partial_cmp(&(d - whole)).unwrap_or(Ordering::Equal)))
    }
}

/// CEL equality: numbers by value across int and double, lists and maps element by element,
/// values of different types unequal.
fn equal(l: &CelValue, r: &CelValue) -> bool {
    match (l, r) {
        (CelValue::Null, CelValue::Null) => true,
        (CelValue::Bool(a), CelValue::Bool(b)) => a == b,
        (CelValue::String(a), CelValue::String(b)) => a == b,
        (CelValue::Int(_) | CelValue::Double(_), CelValue::Int(_) | CelValue::Double(_)) => {
            order(l, r) == Some(Some(Ordering::Equal))
        }
        (CelValue::List(a), CelValue::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal(x, y))
        }
        (CelValue::Map(a), CelValue::Map(b)) => {
            a.len() == b.len() && a.iter().all(|(k, x)| b.get(k).is_some_and(|y| equal(x, y)))
        }
        _ => false,
    }
}

/// A double as Go's `fmt.Sprintf("%g", d)` writes it (cel-go's `string(double)`): the shortest
/// digits that read back, in exponent form when the exponent is below -4 or at least 6.
pub(crate) fn format_g(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let scientific = format!("{d:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..6).contains(&exponent) {
        format!("{d}")
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_g_matches_go() {
        let cases = [
            (1.0, "1"),
            (2.5, "2.5"),
            (-3.5, "-3.5"),
            (1e-7, "1e-07"),
            (1.5e-7, "1.5e-07"),
            (1e20, "1e+20"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e100, "1e+100"),
            (0.0, "0"),
            (f64::INFINITY, "+Inf"),
        ];
        for (d, want) in cases {
            assert_eq!(format_g(d), want, "{d:?}");
        }
    }

    #[test]
    fn int_against_double_is_exact() {
        assert_eq!(int_double(2, 2.0), Some(Ordering::Equal));
        assert_eq!(int_double(2, 2.5), Some(Ordering::Less));
        assert_eq!(int_double(-2, -2.5), Some(Ordering::Greater));
        assert_eq!(int_double(3, 2.5), Some(Ordering::Greater));
        assert_eq!(int_double(i64::MAX, 9.3e18), Some(Ordering::Less));
        assert_eq!(int_double(i64::MIN, -9.3e18), Some(Ordering::Greater));
        // 2^53 + 1 is not a double; rounding the int would call these equal.
        assert_eq!(
            int_double((1 << 53) + 1, 9_007_199_254_740_992.0),
            Some(Ordering::Greater)
        );
        assert_eq!(int_double(0, f64::NAN), None);
    }
}
