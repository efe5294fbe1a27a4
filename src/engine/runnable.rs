//! `runnable-jobs.json` (upstream `decision.full_task_graph_to_runnable_tasks`): the jobs
//! Treeherder offers under "Add new jobs", built from each task's `extra.treeherder`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::model::FullTaskGraph;

/// Builds `runnable-jobs.json`: `{label: {symbol, groupName?, groupSymbol?, collection?,
/// platform?}}` for every task that reports to Treeherder. Parses each task definition, so
/// it costs a full pass over the graph.
pub fn runnable_jobs(graph: &FullTaskGraph) -> BTreeMap<String, Value> {
    #[derive(serde::Deserialize)]
    struct Extra {
        #[serde(default)]
        extra: Option<Value>,
    }
    let mut jobs = BTreeMap::new();
    for (idx, task) in graph.tasks.iter().enumerate() {
        let Ok(parsed) = serde_json::from_slice::<Extra>(graph.task_text(idx as u32)) else {
            continue;
        };
        let Some(th) = parsed.extra.as_ref().and_then(|e| e.get("treeherder")) else {
            continue;
        };
        let Value::Object(th) = th else { continue };
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
        if let Some(platform) = th
            .get("machine")
            .and_then(|m| m.get("platform"))
            .filter(|p| !super::optimize::strategies::is_falsy(p))
        {
            job.insert("platform".into(), platform.clone());
        }
        jobs.insert(task.label.clone(), Value::Object(job));
    }
    jobs
}
