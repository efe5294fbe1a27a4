//! JSON values as upstream's Python code sees them: the type names its error messages use,
//! truthiness, and `json.dumps` with compact separators. A leaf: it uses no other engine
//! module.

use serde_json::Value;

/// A short name of a JSON value's type, for error messages.
pub(crate) fn value_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Python truthiness of a JSON value.
pub fn is_falsy(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// `taskgraph.util.json.dumps(value)` as `backfill.py` @ `016c8bc2` calls it (it imports
/// `json` from `taskgraph.util`, line 9): without orjson (the gecko_decision image has none:
/// `taskcluster/docker/decision/system-setup.sh` installs only `python3-yaml`, and the action
/// task's mach site uses the system's packages), taskcluster-taskgraph 24.5.1 calls the
/// standard library's `json.dumps(obj, separators=(",", ":"))`: compact separators,
/// non-ASCII escaped. Objects come out in key order (serde_json sorts them), where Python
/// keeps the input's order: they differ only for an input dict of several suites given out
/// of order.
pub(crate) fn python_dumps(value: &Value) -> String {
    let mut out = String::new();
    dump(value, &mut out);
    out
}

fn dump(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => dump_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                dump(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                dump_str(key, out);
                out.push(':');
                dump(item, out);
            }
            out.push('}');
        }
    }
}

fn dump_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_dumps_matches_json_dumps() {
        // taskgraph.util.json.dumps({"n": [1, None, True], "xpcshell": ["a/b.toml",
        // "é\U0001F600\"\n\x7f"]}) without orjson (taskcluster-taskgraph 24.5.1)
        let v = json!({"n": [1, null, true], "xpcshell": ["a/b.toml", "é\u{1F600}\"\n\u{7f}"]});
        assert_eq!(
            python_dumps(&v),
            r#"{"n":[1,null,true],"xpcshell":["a/b.toml","\u00e9\ud83d\ude00\"\n\u007f"]}"#
        );
    }
}
