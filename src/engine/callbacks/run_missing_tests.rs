//! gecko's `run-missing-tests` (`gecko_taskgraph/actions/run_missing_tests.py` @ `d8fac3b8`).

use super::{bad, sorted, Call, Calls};
use crate::engine::error::Error;
use crate::engine::model::FullTaskGraph;

/// gecko's `run_missing_tests`: every label of the decision's `target-tasks.json` whose kind is
/// `test`, in one call (suffix `all`), even those already scheduled.
pub(super) fn run_missing_tests(
    graph: &FullTaskGraph,
    target_tasks: Option<&[String]>,
) -> Result<Calls, Error> {
    let target_tasks = target_tasks.ok_or_else(|| {
        bad("run-missing-tests reads the decision's public/target-tasks.json: give it".into())
    })?;
    let mut to_run = Vec::new();
    for label in target_tasks {
        let task = graph.get(label).ok_or_else(|| {
            bad(format!(
                "target-tasks.json names {label:?}, which is not in the graph (the action fails)"
            ))
        })?;
        if task.kind == "test" {
            to_run.push(label.clone());
        }
    }
    Ok(Calls::of(vec![Call::plain("all".into(), sorted(to_run))]))
}
