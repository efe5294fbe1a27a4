//! gecko's `run-missing-tests` (`gecko_taskgraph/actions/run_missing_tests.py` as in
//! `SAP/project-foxhound` @ `8770be41`, with `TEST_KINDS` from `util/constants.py` @
//! `9dcb850a`): the test tasks the decision targeted but optimized away.

use super::{bad, sorted, Call, Calls};
use crate::engine::error::Error;
use crate::engine::model::FullTaskGraph;
use crate::engine::parse::LabelToTaskId;

/// gecko's `TEST_KINDS`: the kinds whose tasks are tests.
pub const TEST_KINDS: &[&str] = &[
    "browsertime",
    "mochitest",
    "reftest",
    "test",
    "web-platform-tests",
];

/// gecko's `run_missing_tests`: every label of the decision's `target-tasks.json` whose kind is
/// a test kind and that no run of the push created yet, in one call without suffix. A target
/// label missing from the graph fails the action (upstream's `KeyError`).
pub(super) fn run_missing_tests(
    graph: &FullTaskGraph,
    existing: &LabelToTaskId,
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
        if TEST_KINDS.contains(&task.kind.as_str()) && !existing.contains_key(label) {
            to_run.push(label.clone());
        }
    }
    Ok(Calls::of(vec![Call::plain(String::new(), sorted(to_run))]))
}
