//! The subgraph of kept tasks (upstream `get_subgraph`), with their definitions prepared as
//! `create_tasks` prepares them before `create.create_tasks`.
//!
//! 1. A kept task that depends on a removed one is an error naming every such edge.
//! 2. Kept tasks get new taskIds in sorted label order (the target graph is label-sorted).
//! 3. For each kept task: `update_parent`/`update_dependencies` (actions only), then its named
//!    dependencies (edges, plus soft dependencies that are kept tasks of this graph), reference
//!    resolution, and `dependencies` extended with the sorted dependency taskIds. Duplicates are
//!    kept, as upstream keeps them.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::replace::Replacement;
use crate::engine::error::Error;
use crate::engine::ids::TaskIdSource;
use crate::engine::json::value_type;
use crate::engine::modifier::Modifier;
use crate::engine::pairs::DictPairs;
use crate::engine::references::ReferenceContext;
use crate::engine::select::{Local, TargetGraph};

/// How the task definitions are stamped before optimisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stamp {
    /// An action task (`create_tasks`): the callback's modifier, `extra.parent = action`,
    /// gecko's `tags.action` when the callback passes an `action_tag` (set only where there is
    /// none), and the action taskId is appended to `dependencies` when it differs from the
    /// decision taskId.
    Action {
        action_task_id: String,
        modifier: Modifier,
    },
    /// A decision task: definitions are used as they are.
    Decision,
}

/// Everything `get_subgraph` needs besides the target graph.
pub struct SubgraphInput<'a> {
    pub removed: &'a [bool],
    pub replaced: &'a [Option<Replacement>],
    pub stamp: &'a Stamp,
    pub decision_task_id: &'a str,
    pub root_url: &'a str,
    pub proxy_url: Option<&'a str>,
    /// Also build the `task-graph.json` artifact.
    pub with_task_graph: bool,
}

/// A kept task, ready for `create.create_tasks`.
#[derive(Debug, Clone)]
pub struct KeptTask {
    pub local: Local,
    pub task_id: String,
    pub definition: Value,
    /// Edge name (or soft-dependency label) → taskId.
    pub named_dependencies: Vec<(String, String)>,
}

/// A kept task whose definition is still to be built (see [`build_definition`]).
#[derive(Debug, Clone)]
pub struct Job {
    pub local: Local,
    pub task_id: String,
    /// Edge name (or soft-dependency label) → taskId, in upstream's dict order.
    pub named: Vec<(String, String)>,
}

/// The result of `get_subgraph`: the kept tasks with their ids and named dependencies, in
/// label order. Their definitions are built per task by [`build_definition`], so the caller
/// can build many in parallel.
#[derive(Debug, Clone)]
pub struct Subgraph {
    pub jobs: Vec<Job>,
    /// The action's `label-to-taskid.json`: replaced (even if removed) and kept tasks.
    pub label_to_taskid: BTreeMap<String, String>,
}

/// Runs `get_subgraph`.
pub fn get_subgraph(
    target: &TargetGraph<'_>,
    input: &SubgraphInput<'_>,
    ids: &mut dyn TaskIdSource,
) -> Result<Subgraph, Error> {
    let n = target.len();
    let removed = |l: Local| input.removed.get(l as usize).copied().unwrap_or(false);
    let replacement = |l: Local| input.replaced.get(l as usize).and_then(Option::as_ref);

    // 1. Bad edges.
    let mut bad_edges = Vec::new();
    for local in 0..n as Local {
        if removed(local) {
            continue;
        }
        for edge in target.edges.get(local as usize).into_iter().flatten() {
            if removed(edge.to) {
                bad_edges.push((
                    target.label(local).to_string(),
                    target.label(edge.to).to_string(),
                    edge.name.to_string(),
                ));
            }
        }
    }
    if !bad_edges.is_empty() {
        bad_edges.sort();
        return Err(Error::RemovedDependency { edges: bad_edges });
    }

    // 2. taskIds: replacements, then new ids in sorted label order.
    let mut task_ids: Vec<Option<String>> = vec![None; n];
    let mut label_to_taskid = BTreeMap::new();
    for local in 0..n as Local {
        let id = match replacement(local) {
            Some(r) => Some(r.task_id.clone()),
            None if !removed(local) => Some(ids.next_task_id()),
            None => None,
        };
        if let Some(id) = &id {
            label_to_taskid.insert(target.label(local).to_string(), id.clone());
        }
        if let Some(slot) = task_ids.get_mut(local as usize) {
            *slot = id;
        }
    }
    let kept_id = |l: Local| -> Option<&str> {
        if removed(l) || replacement(l).is_some() {
            return None;
        }
        task_ids.get(l as usize).and_then(Option::as_deref)
    };

    // 3. Named dependencies of kept tasks (their definitions are built by the caller).
    let mut jobs = Vec::new();
    for local in 0..n as Local {
        let Some(task_id) = kept_id(local) else {
            continue;
        };
        let mut named = DictPairs::default();
        for edge in target.edges.get(local as usize).into_iter().flatten() {
            if let Some(id) = task_ids.get(edge.to as usize).and_then(Option::as_deref) {
                named.insert(edge.name.to_string(), id.to_string());
            }
        }
        if let Some(node) = target.graph.node(target.global(local)) {
            for soft in &node.soft_dependencies {
                if let Some(id) = target.local_of(soft).and_then(kept_id) {
                    named.insert(soft.clone(), id.to_string());
                }
            }
        }
        jobs.push(Job {
            local,
            task_id: task_id.to_string(),
            named: named.into_vec(),
        });
    }
    Ok(Subgraph {
        jobs,
        label_to_taskid,
    })
}

/// Parses, stamps and resolves one kept task's definition, and appends its dependency ids;
/// also returns its `task-graph.json` entry when asked for.
pub fn build_definition(
    target: &TargetGraph<'_>,
    input: &SubgraphInput<'_>,
    job: Job,
) -> Result<(KeptTask, Option<Value>), Error> {
    let Job {
        local,
        task_id,
        named,
    } = job;
    let label = target.label(local);
    let mut definition = target.graph.parse_task(target.global(local))?;
    stamp(&mut definition, input.stamp, input.decision_task_id, label)?;
    let pairs: Vec<(&str, &str)> = named
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let context = ReferenceContext {
        label,
        task_id: &task_id,
        decision_task_id: input.decision_task_id,
        dependencies: &pairs,
        root_url: input.root_url,
        proxy_url: input.proxy_url,
    };
    let mut definition = context.resolve(definition)?;
    let mut sorted_ids: Vec<&str> = named.iter().map(|(_, id)| id.as_str()).collect();
    sorted_ids.sort_unstable();
    let deps = dependencies_list(&mut definition, label)?;
    deps.extend(
        sorted_ids
            .into_iter()
            .map(|id| Value::String(id.to_string())),
    );
    let entry = if input.with_task_graph {
        Some(task_graph_entry(
            target,
            input.stamp,
            local,
            &task_id,
            &named,
            &definition,
        )?)
    } else {
        None
    };
    Ok((
        KeptTask {
            local,
            task_id,
            definition,
            named_dependencies: named,
        },
        entry,
    ))
}

/// `task.task.setdefault("dependencies", [])`, which must be a list.
pub(crate) fn dependencies_list<'v>(
    definition: &'v mut Value,
    label: &str,
) -> Result<&'v mut Vec<Value>, Error> {
    let Value::Object(map) = definition else {
        return Err(Error::BadField {
            label: label.to_string(),
            field: "task".into(),
            problem: format!("must be an object, found {}", value_type(definition)),
        });
    };
    let deps = map
        .entry("dependencies")
        .or_insert_with(|| Value::Array(Vec::new()));
    let found = value_type(deps);
    match deps {
        Value::Array(list) => Ok(list),
        _ => Err(Error::BadField {
            label: label.to_string(),
            field: "task.dependencies".into(),
            problem: format!("must be a list, found {found}"),
        }),
    }
}

/// The callback's `modifier`, then `update_parent`, gecko's `update_action_tag` and
/// `update_dependencies` of `create_tasks`, in that order.
fn stamp(
    definition: &mut Value,
    stamp: &Stamp,
    decision_task_id: &str,
    label: &str,
) -> Result<(), Error> {
    let Stamp::Action {
        action_task_id,
        modifier,
    } = stamp
    else {
        return Ok(());
    };
    if let Some(backfill) = modifier.backfill.as_ref().filter(|b| b.label == label) {
        backfill.rewrite(definition, label)?;
    }
    let Value::Object(map) = definition else {
        return Err(Error::BadField {
            label: label.to_string(),
            field: "task".into(),
            problem: format!("must be an object, found {}", value_type(definition)),
        });
    };
    let extra = map
        .entry("extra")
        .or_insert_with(|| Value::Object(Map::new()));
    let found = value_type(extra);
    let Value::Object(extra) = extra else {
        return Err(Error::BadField {
            label: label.to_string(),
            field: "task.extra".into(),
            problem: format!("must be an object, found {found}"),
        });
    };
    extra.insert("parent".into(), Value::String(action_task_id.clone()));
    if let Some(tag) = &modifier.action_tag {
        let tags = map
            .entry("tags")
            .or_insert_with(|| Value::Object(Map::new()));
        let found = value_type(tags);
        let Value::Object(tags) = tags else {
            return Err(Error::BadField {
                label: label.to_string(),
                field: "task.tags".into(),
                problem: format!("must be an object, found {found}"),
            });
        };
        tags.entry("action")
            .or_insert_with(|| Value::String(tag.clone()));
    }
    if !decision_task_id.is_empty()
        && decision_task_id != action_task_id
        && !action_task_id.is_empty()
    {
        dependencies_list(definition, label)?.push(Value::String(action_task_id.clone()));
    }
    Ok(())
}

/// One entry of `task-graph.json`: `Task.to_json()` plus `task_id`, with `dependencies`
/// updated to taskIds.
fn task_graph_entry(
    target: &TargetGraph<'_>,
    stamp: &Stamp,
    local: Local,
    task_id: &str,
    named: &[(String, String)],
    definition: &Value,
) -> Result<Value, Error> {
    let global = target.global(local);
    let graph = target.graph;
    let Some(node) = graph.node(global) else {
        return Ok(Value::Null);
    };
    let mut attributes = graph
        .parse_attributes(global)
        .unwrap_or(Value::Object(Map::new()));
    if let Value::Object(a) = &mut attributes {
        a.insert("kind".into(), Value::String(node.kind.clone()));
        // What the callback's modifier set on the task's attributes.
        if let Stamp::Action { modifier, .. } = stamp {
            if let Some(n) = modifier.duplicates_of(&node.label) {
                a.insert("task_duplicates".into(), Value::from(n));
            }
            if let Some(backfill) = modifier.backfill.as_ref().filter(|b| b.label == node.label) {
                a.insert("test_manifests".into(), backfill.test_manifests.clone());
            }
        }
    }
    let mut dependencies = Map::new();
    for dep in &node.dependencies {
        dependencies.insert(
            dep.name.clone(),
            Value::String(graph.dependency_label(dep).to_string()),
        );
    }
    for (name, id) in named {
        dependencies.insert(name.clone(), Value::String(id.clone()));
    }
    let description = graph
        .description_text(global)
        .and_then(|t| serde_json::from_slice::<Value>(&t).ok())
        .unwrap_or(Value::String(String::new()));
    let optimization = graph.raw_optimization(global).unwrap_or(Value::Null);
    let mut entry = Map::new();
    entry.insert("attributes".into(), attributes);
    entry.insert("dependencies".into(), Value::Object(dependencies));
    entry.insert("description".into(), description);
    entry.insert(
        "if_dependencies".into(),
        Value::from(node.if_dependencies.clone()),
    );
    entry.insert("kind".into(), Value::String(node.kind.clone()));
    entry.insert("label".into(), Value::String(node.label.clone()));
    entry.insert("optimization".into(), optimization);
    entry.insert(
        "soft_dependencies".into(),
        Value::from(node.soft_dependencies.clone()),
    );
    entry.insert("task".into(), definition.clone());
    entry.insert("task_id".into(), Value::String(task_id.to_string()));
    Ok(Value::Object(entry))
}
