//! `add-new-jobs` (taskgraph 24.5.1's `taskgraph/actions/add_new_jobs.py`; gecko's
//! `add_new_jobs.py` makes the same calls).

use serde_json::Value;

use super::{bad, labels, sorted, times, Call, Calls};
use crate::engine::error::Error;
use crate::engine::model::FullTaskGraph;

/// `add_new_jobs_action`: `times` calls with suffixes `0`, `1`, …; every label must be in the
/// graph (the first unknown one fails the action).
pub(super) fn add_new_jobs(graph: &FullTaskGraph, input: &Value) -> Result<Calls, Error> {
    let to_run = labels(input.get("tasks"), "add-new-jobs: input.tasks")?;
    if let Some(unknown) = to_run.iter().find(|l| graph.get(l).is_none()) {
        return Err(bad(format!("{unknown} was not found in the task-graph")));
    }
    let times = times(input, "times", "add-new-jobs")?;
    let to_run = sorted(to_run);
    Ok(Calls::of(Call::per_time(times, &to_run)))
}
