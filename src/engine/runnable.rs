//! `runnable-jobs.json` (upstream `decision.full_task_graph_to_runnable_tasks`): the jobs
//! Treeherder offers under "Add new jobs", built from each task's `extra.treeherder`; and the
//! same jobs as typed records for the page's grid (with kind, build option and tier).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::model::FullTaskGraph;

/// The `extra.treeherder` object of every task that has one, with the task's label and kind.
/// Parses each task definition, so it costs a full pass over the graph.
fn with_treeherder(
    graph: &FullTaskGraph,
) -> impl Iterator<Item = (&str, &str, Map<String, Value>)> {
    #[derive(serde::Deserialize)]
    struct Extra {
        #[serde(default)]
        extra: Option<Value>,
    }
    graph.tasks.iter().enumerate().filter_map(|(idx, task)| {
        let parsed = serde_json::from_slice::<Extra>(graph.task_text(idx as u32)).ok()?;
        match parsed.extra?.get_mut("treeherder").map(Value::take) {
            Some(Value::Object(th)) => Some((task.label.as_str(), task.kind.as_str(), th)),
            _ => None,
        }
    })
}

fn machine_platform(th: &Map<String, Value>) -> Option<&Value> {
    th.get("machine")
        .and_then(|m| m.get("platform"))
        .filter(|p| !super::optimize::strategies::is_falsy(p))
}

/// Builds `runnable-jobs.json`: `{label: {symbol, groupName?, groupSymbol?, collection?,
/// platform?}}` for every task that reports to Treeherder.
pub fn runnable_jobs(graph: &FullTaskGraph) -> BTreeMap<String, Value> {
    let mut jobs = BTreeMap::new();
    for (label, _, th) in with_treeherder(graph) {
        let mut job = Map::new();
        job.insert(
            "symbol".into(),
            th.get("symbol").cloned().unwrap_or(Value::Null),
        );
        for key in ["groupName", "groupSymbol", "collection"] {
            if let Some(v) = th.get(key) {
                job.insert(key.into(), v.clone());
            }
        }
        if let Some(platform) = machine_platform(&th) {
            job.insert("platform".into(), platform.clone());
        }
        jobs.insert(label.to_string(), Value::Object(job));
    }
    jobs
}

/// A task that reports to Treeherder, as the grid shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeherderJob {
    pub label: String,
    pub kind: String,
    pub symbol: String,
    pub group_symbol: Option<String>,
    pub group_name: Option<String>,
    pub platform: String,
    /// The first true key of `collection` (`opt`, `debug`, ...), else empty.
    pub option: String,
    /// `tier`, default 1.
    pub tier: u64,
}

/// Every task with `extra.treeherder`, in label order. Group symbol `?` (taskgraph's "no
/// group") counts as no group.
pub fn treeherder_jobs(graph: &FullTaskGraph) -> Vec<TreeherderJob> {
    let text = |th: &Map<String, Value>, key: &str| {
        th.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut jobs: Vec<TreeherderJob> = with_treeherder(graph)
        .map(|(label, kind, th)| TreeherderJob {
            label: label.to_string(),
            kind: kind.to_string(),
            symbol: text(&th, "symbol").unwrap_or_else(|| "?".into()),
            group_symbol: text(&th, "groupSymbol").filter(|g| g != "?"),
            group_name: text(&th, "groupName"),
            platform: machine_platform(&th)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            option: th
                .get("collection")
                .and_then(Value::as_object)
                .and_then(|c| c.iter().find(|(_, v)| v.as_bool() == Some(true)))
                .map_or_else(String::new, |(k, _)| k.clone()),
            tier: th.get("tier").and_then(Value::as_u64).unwrap_or(1),
        })
        .collect();
    jobs.sort_by(|a, b| a.label.cmp(&b.label));
    jobs
}
