//! Reading and ordering document values as AQL does, for both query paths (plain queries and
//! graph traversals).

use std::cmp::Ordering;

use serde_json::Value;

/// The value at `path` in `doc` (attribute names), null where any step is missing.
pub(crate) fn get<'a>(doc: &'a Value, path: &[String]) -> &'a Value {
    path.iter()
        .try_fold(doc, |v, f| v.get(f))
        .unwrap_or(&Value::Null)
}

/// AQL's type order: null < bool < number < string < array < object.
pub(crate) fn cmp(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .partial_cmp(&y.as_f64().unwrap_or(0.0))
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ if rank(a) == rank(b) => a.to_string().cmp(&b.to_string()),
        _ => rank(a).cmp(&rank(b)),
    }
}
