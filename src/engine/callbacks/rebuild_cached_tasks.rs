//! `rebuild-cached-tasks` (taskgraph 24.5.1's `taskgraph/actions/rebuild_cached_tasks.py`;
//! gecko's is the same).

use super::{sorted, Call, Calls};
use crate::engine::json::is_falsy;
use crate::engine::model::FullTaskGraph;

/// `rebuild_cached_tasks_action`: one call (no suffix) with every task whose
/// `attributes.cached_task` is set; none when there is no such task.
pub(super) fn rebuild_cached_tasks(graph: &FullTaskGraph) -> Calls {
    let cached = sorted(
        graph
            .labels_unsorted()
            .filter(|l| {
                graph
                    .attribute(l, "cached_task")
                    .is_some_and(|v| !is_falsy(&v))
            })
            .map(str::to_string),
    );
    let calls = if cached.is_empty() {
        Vec::new()
    } else {
        vec![Call::plain(String::new(), cached)]
    };
    Calls::of(calls)
}
