//! What `create.create_tasks` adds before `queue.createTask`: the decision task as a dependency
//! of tasks with no dependency inside the new graph, `taskGroupId`, `schedulerId`, resolved
//! `relative-datestamp`s, and `attributes.task_duplicates - 1` extra copies.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use serde_json::Value;

use super::datestamps::json_time_from_now;
use super::error::Error;
use super::ids::TaskIdSource;
use super::optimize::subgraph::{dependencies_list, KeptTask};
use super::references::{recurse, RELATIVE_DATESTAMP};
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
}

/// Prepares every kept task for creation.
pub fn create_tasks(
    target: &TargetGraph<'_>,
    kept: Vec<KeptTask>,
    settings: &CreateSettings<'_>,
    ids: &mut dyn TaskIdSource,
) -> Result<Vec<CreatedTask>, Error> {
    let in_graph: HashSet<String> = kept.iter().map(|k| k.task_id.clone()).collect();
    let mut created = Vec::with_capacity(kept.len());
    let mut duplicate_counts = Vec::with_capacity(kept.len());
    for task in kept {
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
        let definition = resolve_timestamps(definition, settings.now, label)?;
        duplicate_counts.push(task_duplicates(target, task.local));
        created.push(CreatedTask {
            label: label.to_string(),
            task_id: task.task_id,
            definition,
            duplicates: Vec::new(),
        });
    }
    // Extra copies get their ids after every task of the graph has one, as upstream's
    // `slugid()` calls happen during submission.
    for (task, count) in created.iter_mut().zip(duplicate_counts) {
        for _ in 1..count {
            task.duplicates.push(ids.next_task_id());
        }
    }
    Ok(created)
}

/// `attributes.get("task_duplicates", 1)`.
fn task_duplicates(target: &TargetGraph<'_>, local: u32) -> u64 {
    target
        .graph
        .parse_attributes(target.global(local))
        .and_then(|a| a.get("task_duplicates").and_then(Value::as_u64))
        .unwrap_or(1)
        .min(1000)
}

/// `resolve_timestamps(now, task_def)`.
pub fn resolve_timestamps(definition: Value, now: NaiveDateTime, label: &str) -> Result<Value, Error> {
    recurse(definition, &[RELATIVE_DATESTAMP], label, &mut |_, text| {
        json_time_from_now(text, now).map_err(|message| Error::BadDatestamp {
            label: label.to_string(),
            message,
        })
    })
}
