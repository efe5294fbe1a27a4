//! What an action callback changes in the tasks of the closure before they are optimized
//! ([`Modifier`]): `task_duplicates`, gecko's `action_tag`, and gecko's backfill rewrite of one
//! task ([`BackfillRewrite`]). The callbacks build it; the subgraph and `create.create_tasks`
//! steps apply it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::error::Error;
use super::json::{is_falsy, python_dumps, value_type};

/// The changes an action callback makes to the tasks of the closure before optimizing them:
/// its `modifier` (`attributes.task_duplicates`; gecko's backfill also rewrites the test paths
/// and symbols of one task) and gecko's `action_tag`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Modifier {
    /// `task_duplicates` for every task of the closure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_duplicates: Option<u64>,
    /// `task_duplicates` by label (after `all_duplicates`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub duplicates: BTreeMap<String, u64>,
    /// `tags.action`, set where a task has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_tag: Option<String>,
    /// gecko's `backfill_modifier` on the task it names (test paths, symbols, `tags.action`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backfill: Option<BackfillRewrite>,
}

impl Modifier {
    /// The `task_duplicates` this modifier gives `label`, if any.
    pub fn duplicates_of(&self, label: &str) -> Option<u64> {
        self.duplicates.get(label).copied().or(self.all_duplicates)
    }
}

/// What `backfill_modifier` changes in the task it names, when `input.test_manifests` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackfillRewrite {
    /// `input.label`: the only task the modifier changes.
    pub label: String,
    /// `input.test_manifests`, written to `attributes.test_manifests` and, as Python's
    /// `json.dumps` writes it, to `payload.env.MOZHARNESS_TEST_PATHS`.
    pub test_manifests: Value,
    /// `input.revision`, whose first 11 characters go into the symbol.
    pub revision: String,
}

impl BackfillRewrite {
    /// `backfill_modifier`'s changes to the task definition, in its order; a missing
    /// `payload.env`, `extra.treeherder`, symbol or `tags` fails the action, as upstream's
    /// `KeyError` does.
    pub fn rewrite(&self, definition: &mut Value, label: &str) -> Result<(), Error> {
        let field = |name: &str, problem: String| Error::BadField {
            label: label.to_string(),
            field: name.to_string(),
            problem,
        };
        let missing = |name: &str| field(name, "is missing (backfill-task sets it)".into());
        let Value::Object(task) = definition else {
            return Err(field("task", "must be an object".into()));
        };
        let env =
            object_at(task, &["payload", "env"]).ok_or_else(|| missing("task.payload.env"))?;
        env.insert(
            "MOZHARNESS_TEST_PATHS".into(),
            Value::String(python_dumps(&self.test_manifests)),
        );
        let metadata = object_at(task, &["metadata"]).ok_or_else(|| missing("task.metadata"))?;
        metadata.insert("name".into(), Value::String(label.to_string()));
        let th = object_at(task, &["extra", "treeherder"])
            .ok_or_else(|| missing("task.extra.treeherder"))?;
        let symbol = match th.get("symbol") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(field(
                    "task.extra.treeherder.symbol",
                    format!("must be a string, found {}", value_type(other)),
                ))
            }
            None => return Err(missing("task.extra.treeherder.symbol")),
        };
        let prefix: String = self.revision.chars().take(11).collect();
        if !ends_like(&symbol, |s| {
            s.len() >= 15
                && s.ends_with("-bk")
                && s.is_char_boundary(s.len() - 15)
                && s[s.len() - 15..].starts_with('-')
                && s[s.len() - 14..s.len() - 3]
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        }) {
            th.insert(
                "symbol".into(),
                Value::String(format!("{symbol}-{prefix}-bk")),
            );
        }
        match th.get("groupSymbol") {
            Some(Value::String(group))
                if !group.is_empty() && !ends_like(group, |s| s.ends_with("-bk")) =>
            {
                let group = format!("{group}-bk");
                th.insert("groupSymbol".into(), Value::String(group));
            }
            Some(Value::String(_)) => {}
            Some(other) if !is_falsy(other) => {
                return Err(field(
                    "task.extra.treeherder.groupSymbol",
                    format!("must be a string, found {}", value_type(other)),
                ))
            }
            _ => {}
        }
        let tags = object_at(task, &["tags"]).ok_or_else(|| missing("task.tags"))?;
        tags.insert("action".into(), Value::String("backfill-task".into()));
        Ok(())
    }
}

/// The object at `path` inside `map`, if every step is an object.
fn object_at<'a>(
    map: &'a mut Map<String, Value>,
    path: &[&str],
) -> Option<&'a mut Map<String, Value>> {
    let (first, rest) = path.split_first()?;
    let Value::Object(inner) = map.get_mut(*first)? else {
        return None;
    };
    if rest.is_empty() {
        Some(inner)
    } else {
        object_at(inner, rest)
    }
}

/// Python's `re.match(r"^(.*)-…$", s)`: `.` stops at a newline, and `$` also matches before
/// a final `\n`. `tail` checks the text the pattern must end with.
fn ends_like(s: &str, tail: impl Fn(&str) -> bool) -> bool {
    let body = s.strip_suffix('\n').filter(|b| tail(b));
    let body = match body {
        Some(b) => b,
        None if tail(s) => s,
        None => return false,
    };
    !body.contains('\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn symbols_get_the_backfill_suffix_once() {
        let rewrite = BackfillRewrite {
            label: "t".into(),
            test_manifests: json!(["x.toml"]),
            revision: "abcdef0123456789".into(),
        };
        let task = |symbol: &str, group: Value| {
            json!({"payload": {"env": {}}, "metadata": {"name": "old"}, "tags": {},
                   "extra": {"treeherder": {"symbol": symbol, "groupSymbol": group}}})
        };
        let mut t = task("bc3", json!("M"));
        rewrite.rewrite(&mut t, "t").unwrap();
        assert_eq!(t["extra"]["treeherder"]["symbol"], "bc3-abcdef01234-bk");
        assert_eq!(t["extra"]["treeherder"]["groupSymbol"], "M-bk");
        assert_eq!(t["payload"]["env"]["MOZHARNESS_TEST_PATHS"], "[\"x.toml\"]");
        assert_eq!(t["metadata"]["name"], "t");
        assert_eq!(t["tags"]["action"], "backfill-task");
        // Already a backfill symbol (11 lowercase alphanumerics): unchanged.
        let mut t = task("bc3-0123456789a-bk", json!("M-bk"));
        rewrite.rewrite(&mut t, "t").unwrap();
        assert_eq!(t["extra"]["treeherder"]["symbol"], "bc3-0123456789a-bk");
        assert_eq!(t["extra"]["treeherder"]["groupSymbol"], "M-bk");
        // Upper case is not [a-z0-9]: suffixed again. An empty group stays empty.
        let mut t = task("bc3-0123456789A-bk", json!(""));
        rewrite.rewrite(&mut t, "t").unwrap();
        assert_eq!(
            t["extra"]["treeherder"]["symbol"],
            "bc3-0123456789A-bk-abcdef01234-bk"
        );
        assert_eq!(t["extra"]["treeherder"]["groupSymbol"], "");
        // No tags: upstream's KeyError.
        let mut t = json!({"payload": {"env": {}}, "metadata": {}, "extra": {"treeherder": {"symbol": "x"}}});
        let e = rewrite.rewrite(&mut t, "t").unwrap_err();
        assert!(e.to_string().contains("task.tags"), "{e}");
    }
}
