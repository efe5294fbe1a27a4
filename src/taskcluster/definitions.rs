//! What the action task created, checked field by field against the preview's task
//! definitions.
//!
//! A preview cannot know three things the action task decides: the new tasks' ids (random
//! slugids), its own taskId (the hooks service picks it), and the time it runs (relative
//! datestamps resolve against it). So before comparing, the preview's definition is mapped
//! onto the action's: every preview taskId is replaced by the id the action gave the same label
//! (and the preview's stand-in for the action task, `extra.parent`, by the real action task),
//! the queue's defaults are filled in as `createTask` stores them, and datestamps are compared
//! after one shift per task (the created task's `created` minus the preview's). Everything else
//! must be equal; each difference names the label and the field path.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use serde_json::{json, Map, Value};

use crate::engine::datestamps::parse_rfc3339;

/// How many differences of one task are listed before the rest is counted.
const PER_TASK: usize = 8;
/// How much of a value a difference quotes.
const QUOTE: usize = 160;

/// What `label`'s task as the action created it (`created`, the queue's answer for `id`) says
/// against the preview's definition (`previewed`): nothing when they match, one line when the
/// action did not create it but reused a task made before it ran, else each differing field.
/// `ids` maps every preview taskId (created tasks and the preview's action task) to the
/// action's ([`id_map`]).
pub fn check(
    label: &str,
    id: &str,
    previewed: &Value,
    created: &Value,
    ids: &BTreeMap<String, String>,
    action_task_id: &str,
) -> Vec<String> {
    let expected = substitute(previewed, ids);
    if let Some(maker) = made_elsewhere(&expected, created, action_task_id) {
        return vec![format!(
            "{label}: previewed as created, but the action reused {id} (made by {maker} before it ran)"
        )];
    }
    differences(label, &expected, created)
}

/// The differences between a preview's definition, its ids already mapped, and the queue's.
fn differences(label: &str, expected: &Value, created: &Value) -> Vec<String> {
    let expected = as_the_queue_stores(expected);
    let actual = as_the_queue_stores(created);
    let shift = match (
        datestamp(&expected, "created"),
        datestamp(&actual, "created"),
    ) {
        (Some(p), Some(a)) => Some(a - p),
        _ => None,
    };
    let mut found = Vec::new();
    diff("", &expected, &actual, shift, &mut found);
    let more = found.len().saturating_sub(PER_TASK);
    let mut out: Vec<String> = found
        .into_iter()
        .take(PER_TASK)
        .map(|d| format!("{label}: {d}"))
        .collect();
    if more > 0 {
        out.push(format!(
            "{label}: … and {more} more differences in its definition"
        ));
    }
    out
}

/// The ids map for an action: each label's preview id → the id the action gave it, and the
/// preview's action task (the `extra.parent` of its created tasks) → the real one.
pub fn id_map(
    created: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
    tasks: &BTreeMap<String, Value>,
    action_task_id: &str,
) -> BTreeMap<String, String> {
    let mut ids: BTreeMap<String, String> = created
        .iter()
        .filter_map(|(label, id)| Some((id.clone(), actual.get(label)?.clone())))
        .collect();
    let parents = tasks
        .values()
        .filter_map(|t| t.pointer("/extra/parent").and_then(Value::as_str));
    for parent in parents {
        if !parent.is_empty() && parent != action_task_id {
            ids.entry(parent.to_string())
                .or_insert_with(|| action_task_id.to_string());
        }
    }
    ids
}

/// When the preview (`expected`, ids mapped) has the task wait for the action task but the
/// task the action names does not, the action did not create it: it reused a task made before
/// it ran (by another action, or the decision). Returns who made it (its `extra.parent`, else
/// its task group).
fn made_elsewhere(expected: &Value, created: &Value, action_task_id: &str) -> Option<String> {
    let waits_for_action = |def: &Value| {
        def.get("dependencies")
            .and_then(Value::as_array)
            .is_some_and(|deps| deps.iter().any(|d| d.as_str() == Some(action_task_id)))
    };
    if !waits_for_action(expected) || waits_for_action(created) {
        return None;
    }
    let maker = created
        .pointer("/extra/parent")
        .or_else(|| created.get("taskGroupId"))
        .and_then(Value::as_str)
        .unwrap_or("an unknown task");
    Some(maker.to_string())
}

fn datestamp(def: &Value, field: &str) -> Option<chrono::NaiveDateTime> {
    parse_rfc3339(def.get(field)?.as_str()?)
}

/// Every string of `value` with each of `ids`' keys replaced by its value (taskIds appear
/// whole, in `dependencies` and `extra.parent`, and inside strings: artifact URLs,
/// `MOZ_FETCHES`).
fn substitute(value: &Value, ids: &BTreeMap<String, String>) -> Value {
    match value {
        Value::String(s) => {
            let mut s = s.clone();
            if s.len() >= 22 {
                for (from, to) in ids {
                    if s.contains(from.as_str()) {
                        s = s.replace(from.as_str(), to);
                    }
                }
            }
            Value::String(s)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, ids)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, ids)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A definition as the queue's `task` endpoint answers it: the create-task request's defaults
/// filled in, `taskQueueId` and `provisionerId`/`workerType` both present, and `dependencies`
/// in one order (upstream sorts them by taskId, and the ids differ between preview and action).
fn as_the_queue_stores(def: &Value) -> Value {
    let mut def = def.clone();
    let Some(o) = def.as_object_mut() else {
        return def;
    };
    let defaults = [
        ("dependencies", json!([])),
        ("requires", json!("all-completed")),
        ("routes", json!([])),
        ("priority", json!("lowest")),
        ("retries", json!(5)),
        ("scopes", json!([])),
        ("tags", json!({})),
        ("extra", json!({})),
        ("projectId", json!("none")),
    ];
    for (key, value) in defaults {
        o.entry(key).or_insert(value);
    }
    let queue = o
        .get("taskQueueId")
        .and_then(Value::as_str)
        .map(str::to_string);
    match queue.as_deref().and_then(|q| q.split_once('/')) {
        Some((provisioner, worker_type)) => {
            o.entry("provisionerId").or_insert(provisioner.into());
            o.entry("workerType").or_insert(worker_type.into());
        }
        None => {
            let pair = (
                o.get("provisionerId").and_then(Value::as_str),
                o.get("workerType").and_then(Value::as_str),
            );
            if let (Some(p), Some(w)) = pair {
                let joined = format!("{p}/{w}");
                o.insert("taskQueueId".into(), joined.into());
            }
        }
    }
    if let Some(Value::Array(deps)) = o.get_mut("dependencies") {
        deps.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    def
}

fn quote(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= QUOTE {
        text
    } else {
        let head: String = text.chars().take(QUOTE).collect();
        format!("{head}…")
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn diff(
    path: &str,
    expected: &Value,
    actual: &Value,
    shift: Option<TimeDelta>,
    out: &mut Vec<String>,
) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => diff_objects(path, e, a, shift, out),
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff(&format!("{path}[{i}]"), ev, av, shift, out);
            }
        }
        (Value::Array(e), Value::Array(a)) => out.push(format!(
            "{path}: previewed {} items {}, the action created {} {}",
            e.len(),
            quote(expected),
            a.len(),
            quote(actual)
        )),
        (Value::String(e), Value::String(a)) if e == a => {}
        (Value::String(e), Value::String(a)) => {
            let shifted = match (shift, parse_rfc3339(e), parse_rfc3339(a)) {
                (Some(shift), Some(et), Some(at)) => Some((et + shift - at).abs()),
                _ => None,
            };
            match shifted {
                Some(off) if off <= TimeDelta::milliseconds(1) => {}
                Some(off) => out.push(format!(
                    "{path}: previewed {} (relative to its creation), the action's is {} off",
                    quote(expected),
                    human(off)
                )),
                None => out.push(format!(
                    "{path}: previewed {}, the action created {}",
                    quote(expected),
                    quote(actual)
                )),
            }
        }
        _ if expected == actual => {}
        _ => out.push(format!(
            "{path}: previewed {}, the action created {}",
            quote(expected),
            quote(actual)
        )),
    }
}

fn diff_objects(
    path: &str,
    expected: &Map<String, Value>,
    actual: &Map<String, Value>,
    shift: Option<TimeDelta>,
    out: &mut Vec<String>,
) {
    for (key, ev) in expected {
        let p = child(path, key);
        match actual.get(key) {
            Some(av) => diff(&p, ev, av, shift, out),
            None => out.push(format!(
                "{p}: previewed {}, the action's task has none",
                quote(ev)
            )),
        }
    }
    for (key, av) in actual {
        if !expected.contains_key(key) {
            out.push(format!(
                "{}: not previewed, the action's task has {}",
                child(path, key),
                quote(av)
            ));
        }
    }
}

fn human(delta: TimeDelta) -> String {
    let ms = delta.num_milliseconds();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 120_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} min", ms / 60_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn previewed() -> Value {
        json!({
            "taskGroupId": "DecisionTask0000000001",
            "schedulerId": "nss-level-3",
            "taskQueueId": "nss-3/b-linux",
            "dependencies": ["ActionTaskId0000000000A", "PreviewBuild0000000001", "DockerImage00000000001"],
            "created": "2026-12-06T20:00:00.000Z",
            "deadline": "2026-12-07T20:00:00.000Z",
            "expires": "2027-12-06T20:00:00.000Z",
            "payload": {
                "env": {"MOZ_FETCHES": "[{\"task\": \"PreviewBuild0000000001\", \"artifact\": \"public/build/dist.tar.bz2\"}]"},
                "artifacts": [{"path": "/builds/x", "expires": "2027-01-05T20:00:00.000Z"}],
                "maxRunTime": 3600
            },
            "metadata": {"name": "test-bogo-linux32/debug", "owner": "a@b.c", "source": "s", "description": "d"},
            "extra": {"parent": "ActionTaskId0000000000A"}
        })
    }

    /// The same task as the queue answers for it: other ids, created 93.25 s later, defaults
    /// and both queue forms filled in, dependencies in another order.
    fn created() -> Value {
        json!({
            "provisionerId": "nss-3",
            "workerType": "b-linux",
            "taskQueueId": "nss-3/b-linux",
            "schedulerId": "nss-level-3",
            "projectId": "none",
            "taskGroupId": "DecisionTask0000000001",
            "dependencies": ["DockerImage00000000001", "RealAction000000000001", "RealBuild0000000000001"],
            "requires": "all-completed",
            "routes": [],
            "priority": "lowest",
            "retries": 5,
            "created": "2026-12-06T20:01:33.250Z",
            "deadline": "2026-12-07T20:01:33.250Z",
            "expires": "2027-12-06T20:01:33.250Z",
            "scopes": [],
            "payload": {
                "env": {"MOZ_FETCHES": "[{\"task\": \"RealBuild0000000000001\", \"artifact\": \"public/build/dist.tar.bz2\"}]"},
                "artifacts": [{"path": "/builds/x", "expires": "2027-01-05T20:01:33.250Z"}],
                "maxRunTime": 3600
            },
            "metadata": {"name": "test-bogo-linux32/debug", "owner": "a@b.c", "source": "s", "description": "d"},
            "tags": {},
            "extra": {"parent": "RealAction000000000001"}
        })
    }

    fn ids() -> BTreeMap<String, String> {
        let created = BTreeMap::from([
            ("build".to_string(), "PreviewBuild0000000001".to_string()),
            ("test".to_string(), "PreviewTest00000000001".to_string()),
        ]);
        let actual = BTreeMap::from([
            ("build".to_string(), "RealBuild0000000000001".to_string()),
            ("test".to_string(), "RealTest0000000000001".to_string()),
        ]);
        let tasks = BTreeMap::from([("PreviewTest00000000001".to_string(), previewed())]);
        id_map(&created, &actual, &tasks, ACTION)
    }

    const ACTION: &str = "RealAction000000000001";

    #[test]
    fn the_same_task_created_later_with_other_ids_matches() {
        assert_eq!(ids()["ActionTaskId0000000000A"], "RealAction000000000001");
        assert_eq!(ids()["PreviewBuild0000000001"], "RealBuild0000000000001");
        assert_eq!(
            check(
                "test",
                "RealTest0000000000001",
                &previewed(),
                &created(),
                &ids(),
                ACTION
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_difference_names_the_label_and_the_field() {
        let mut actual = created();
        actual["payload"]["maxRunTime"] = json!(7200);
        actual["payload"]["artifacts"][0]["expires"] = json!("2027-01-05T20:01:34.250Z");
        actual["routes"] = json!(["index.x"]);
        actual["payload"]["env"]["EXTRA"] = json!("1");
        actual["dependencies"] = json!([
            "DockerImage00000000001",
            "RealAction000000000001",
            "SomethingElse000000001"
        ]);
        let found = check(
            "test",
            "RealTest0000000000001",
            &previewed(),
            &actual,
            &ids(),
            ACTION,
        );
        assert_eq!(
            found,
            vec![
                "test: dependencies[2]: previewed \"RealBuild0000000000001\", the action created \"SomethingElse000000001\"",
                "test: payload.artifacts[0].expires: previewed \"2027-01-05T20:00:00.000Z\" (relative to its creation), the action's is 1.0 s off",
                "test: payload.env.EXTRA: not previewed, the action's task has \"1\"",
                "test: payload.maxRunTime: previewed 3600, the action created 7200",
                "test: routes: previewed 0 items [], the action created 1 [\"index.x\"]",
            ]
        );
    }

    #[test]
    fn a_task_made_by_another_action_is_told_apart() {
        assert!(check(
            "test",
            "RealTest0000000000001",
            &previewed(),
            &created(),
            &ids(),
            ACTION
        )
        .is_empty());
        let mut other = created();
        other["dependencies"] = json!([
            "DockerImage00000000001",
            "OtherAction00000000001",
            "RealBuild0000000000001"
        ]);
        other["extra"]["parent"] = json!("OtherAction00000000001");
        assert_eq!(
            check("test", "RealTest0000000000001", &previewed(), &other, &ids(), ACTION),
            vec!["test: previewed as created, but the action reused RealTest0000000000001 (made by OtherAction00000000001 before it ran)"]
        );
    }

    #[test]
    fn a_missing_field_and_a_long_list_are_bounded() {
        let mut actual = created();
        actual.as_object_mut().unwrap().remove("metadata");
        for i in 0..12 {
            actual["extra"][format!("k{i:02}")] = json!(i);
        }
        let found = check(
            "t",
            "RealTest0000000000001",
            &previewed(),
            &actual,
            &ids(),
            ACTION,
        );
        assert_eq!(found.len(), PER_TASK + 1);
        assert!(
            found[0].starts_with("t: extra.k00: not previewed"),
            "{found:?}"
        );
        assert_eq!(
            found.last().unwrap(),
            "t: … and 5 more differences in its definition"
        );
    }
}
