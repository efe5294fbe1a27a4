//! `retrigger` and `retrigger-multiple`: taskgraph 24.5.1's `taskgraph/actions/retrigger.py`
//! (suffixed calls per `times`) and gecko's `gecko_taskgraph/actions/retrigger.py` @
//! `2e26d251` (one call whose modifier sets `task_duplicates`, `tags.action`, and reruns of
//! every taskId a label has in the decision's and earlier runs' maps).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{bad, flag, labels, should_retrigger, sorted, times, AllTaskIds, Call, Calls, Rerun};
use crate::engine::error::Error;
use crate::engine::model::FullTaskGraph;
use crate::engine::modifier::Modifier;
use crate::engine::parse::LabelToTaskId;

/// `retrigger_action`: the task, or with `downstream` every task that depends on it and
/// exists, `times` times (suffixes `0`, `1`, …). Without `force`, a task whose
/// `attributes.retrigger` is not set fails the action.
pub(super) fn retrigger(
    graph: &FullTaskGraph,
    existing: &LabelToTaskId,
    input: &Value,
    label: &str,
) -> Result<Calls, Error> {
    let to_run = retrigger_labels(graph, existing, input, label)?;
    let times = times(input, "times", "retrigger")?;
    Ok(Calls::of(Call::per_time(times, &to_run)))
}

/// The retrigger gate (`_should_retrigger` unless `force`), then the labels to clone: the task,
/// or with `downstream` the reverse closure limited to existing tasks
/// (`get_tasks_with_downstream`).
fn retrigger_labels(
    graph: &FullTaskGraph,
    existing: &LabelToTaskId,
    input: &Value,
    label: &str,
) -> Result<Vec<String>, Error> {
    if !flag(input, "force") && !should_retrigger(graph, label) {
        return Err(bad(format!(
            "{label:?} should not be retriggered (its attributes.retrigger is not set, or it is \
             not in the graph); the action would fail: rerun it, or retrigger with force"
        )));
    }
    if !flag(input, "downstream") {
        return Ok(vec![label.to_string()]);
    }
    let idx = graph.index_of(label).ok_or_else(|| Error::UnknownLabels {
        labels: vec![label.to_string()],
    })?;
    let mut seen = BTreeSet::from([idx]);
    let mut queue = vec![idx];
    while let Some(node) = queue.pop() {
        for dependent in graph.dependents_of(node) {
            if seen.insert(dependent) {
                queue.push(dependent);
            }
        }
    }
    Ok(sorted(
        seen.into_iter()
            .map(|i| graph.label(i).to_string())
            .filter(|l| existing.contains_key(l)),
    ))
}

/// gecko's `retrigger_action`: one call (no suffix) whose modifier sets `task_duplicates =
/// times` on every task of the closure, with `tags.action = "retrigger-task"`.
pub(super) fn gecko_retrigger(
    graph: &FullTaskGraph,
    existing: &LabelToTaskId,
    input: &Value,
    label: &str,
) -> Result<Calls, Error> {
    let to_run = retrigger_labels(graph, existing, input, label)?;
    let times = times(input, "times", "retrigger")?;
    Ok(Calls::of(vec![Call {
        suffix: String::new(),
        labels: to_run,
        modifier: Modifier {
            all_duplicates: Some(u64::from(times)),
            action_tag: Some("retrigger-task".into()),
            ..Modifier::default()
        },
    }]))
}

/// gecko's `retrigger_multiple`: the tasks of every request whose `attributes.retrigger` is set
/// are cloned in one call (no suffix); its modifier gives each of them the `times` of the last
/// request naming it, and `tags.action = "retrigger-multiple-task"`. The others are rerun:
/// every taskId the label has in the decision's and earlier runs' maps (`label_to_taskids`).
pub(super) fn gecko_retrigger_multiple(
    graph: &FullTaskGraph,
    existing: &LabelToTaskId,
    all_task_ids: Option<&AllTaskIds>,
    input: &Value,
) -> Result<Calls, Error> {
    let requests = requests_of(input)?;
    let mut clone = Vec::new();
    let mut duplicates = BTreeMap::new();
    let mut reruns = Vec::new();
    for (i, request) in requests.iter().enumerate() {
        let what = format!("retrigger-multiple: requests[{i}]");
        let times = times(request, "times", &what)?;
        for label in labels(request.get("tasks"), &format!("{what}.tasks"))? {
            if should_retrigger(graph, &label) {
                duplicates.insert(label.clone(), u64::from(times));
                clone.push(label);
            } else if let Some(ids) = all_task_ids.and_then(|all| all.get(&label)) {
                reruns.extend(ids.iter().map(|id| Rerun {
                    label: label.clone(),
                    task_id: id.clone(),
                }));
            } else {
                reruns.push(rerun_of(existing, &what, label)?);
            }
        }
    }
    Ok(Calls {
        calls: vec![Call {
            suffix: String::new(),
            labels: sorted(clone),
            modifier: Modifier {
                duplicates,
                action_tag: Some("retrigger-multiple-task".into()),
                ..Modifier::default()
            },
        }],
        reruns,
        warnings: Vec::new(),
    })
}

/// The existing task a label names, to rerun it.
fn rerun_of(existing: &LabelToTaskId, what: &str, label: String) -> Result<Rerun, Error> {
    let task_id = existing.get(&label).ok_or_else(|| {
        bad(format!(
            "{what}: {label:?} would be rerun, but no task of this push has that label"
        ))
    })?;
    Ok(Rerun {
        task_id: task_id.clone(),
        label,
    })
}

/// `input.requests` (absent: none).
fn requests_of(input: &Value) -> Result<Vec<Value>, Error> {
    match input.get("requests") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(r)) => Ok(r.clone()),
        Some(other) => Err(bad(format!(
            "retrigger-multiple: input.requests must be a list, not {other}"
        ))),
    }
}

/// `retrigger_multiple`: per request `i`, tasks whose `attributes.retrigger` is set are cloned
/// `times` times (suffixes `i-0`, `i-1`, …); the others are rerun (their taskId must be in the
/// map, else the action fails).
pub(super) fn retrigger_multiple(
    graph: &FullTaskGraph,
    existing: &LabelToTaskId,
    input: &Value,
) -> Result<Calls, Error> {
    let requests = requests_of(input)?;
    let mut calls = Vec::new();
    let mut reruns = Vec::new();
    for (i, request) in requests.iter().enumerate() {
        let what = format!("retrigger-multiple: requests[{i}]");
        let times = times(request, "times", &what)?;
        let tasks = labels(request.get("tasks"), &format!("{what}.tasks"))?;
        let (clone, rerun): (Vec<String>, Vec<String>) =
            tasks.into_iter().partition(|l| should_retrigger(graph, l));
        for label in rerun {
            reruns.push(rerun_of(existing, &what, label)?);
        }
        let clone = sorted(clone);
        for j in 0..times {
            calls.push(Call::plain(format!("{i}-{j}"), clone.clone()));
        }
    }
    Ok(Calls {
        calls,
        reruns,
        warnings: Vec::new(),
    })
}
