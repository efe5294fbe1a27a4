//! What `create.create_tasks` adds before `queue.createTask`: the decision task as a dependency
//! of tasks with no dependency inside the new graph, `taskGroupId`, `schedulerId`, resolved
//! `relative-datestamp`s, and `attributes.task_duplicates - 1` extra copies.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use serde_json::Value;

use super::error::Error;
use super::ids::TaskIdSource;
use super::json::value_type;
use super::modifier::Modifier;
use super::optimize::subgraph::{dependencies_list, KeptTask};
use super::references::{resolve_timestamps_cached, DatestampMemo};
use super::select::TargetGraph;

/// A task as it would be sent to `queue.createTask`.
#[derive(Debug, Clone)]
pub struct CreatedTask {
    pub label: String,
    pub task_id: String,
    pub definition: Value,
    /// taskIds of the extra copies `task_duplicates` asks for.
    pub duplicates: Vec<String>,
}

/// Settings of `create.create_tasks`.
pub struct CreateSettings<'a> {
    pub decision_task_id: &'a str,
    /// `<trust-domain>-level-<level>`.
    pub scheduler_id: &'a str,
    pub now: NaiveDateTime,
    /// The callback's modifier (`task_duplicates` it sets).
    pub modifier: &'a Modifier,
}

/// Prepares one kept task for creation. `in_graph` holds the taskIds of every task the graph
/// creates. Returns the task and how many copies of it `task_duplicates` asks for in all.
pub fn finish(
    target: &TargetGraph<'_>,
    task: KeptTask,
    settings: &CreateSettings<'_>,
    in_graph: &HashSet<&str>,
    memo: &DatestampMemo,
) -> Result<(CreatedTask, u64), Error> {
    let label = target.label(task.local);
    let mut definition = task.definition;
    let deps = dependencies_list(&mut definition, label)?;
    let has_in_graph = deps
        .iter()
        .any(|d| d.as_str().is_some_and(|id| in_graph.contains(id)));
    if !has_in_graph {
        deps.push(Value::String(settings.decision_task_id.to_string()));
    }
    if let Value::Object(map) = &mut definition {
        map.insert(
            "taskGroupId".into(),
            Value::String(settings.decision_task_id.to_string()),
        );
        map.insert(
            "schedulerId".into(),
            Value::String(settings.scheduler_id.to_string()),
        );
    }
    let definition = resolve_timestamps_cached(definition, settings.now, label, memo)?;
    let count = match settings.modifier.duplicates_of(label) {
        // `range(1, n)`: 0 or less makes no copy.
        Some(n) => n.clamp(1, 1000),
        None => task_duplicates(target, task.local)?,
    };
    Ok((
        CreatedTask {
            label: label.to_string(),
            task_id: task.task_id,
            definition,
            duplicates: Vec::new(),
        },
        count,
    ))
}

/// Gives the extra copies their ids, after every task of the graph has one (upstream's
/// `slugid()` calls for them happen during submission).
pub fn assign_duplicates(created: &mut [(CreatedTask, u64)], ids: &mut dyn TaskIdSource) {
    for (task, count) in created.iter_mut() {
        for _ in 1..*count {
            task.duplicates.push(ids.next_task_id());
        }
    }
}

/// `attributes.get("task_duplicates", 1)`, used as `range(1, n)`: an integer (or boolean);
/// anything else makes upstream's `range` raise.
fn task_duplicates(target: &TargetGraph<'_>, local: u32) -> Result<u64, Error> {
    let Some(value) = target
        .graph
        .attribute(target.label(local), "task_duplicates")
    else {
        return Ok(1);
    };
    match &value {
        Value::Bool(b) => Ok(u64::from(*b)),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.as_u64().unwrap_or(0).clamp(1, 1000)),
        other => Err(Error::BadField {
            label: target.label(local).to_string(),
            field: "attributes.task_duplicates".into(),
            problem: format!("must be an integer, found {}", value_type(other)),
        }),
    }
}
