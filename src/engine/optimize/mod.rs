//! Optimisation of a target graph (upstream `optimize_task_graph`): the remove phase, the
//! replace phase, then the subgraph of what is left with new taskIds.
//!
//! The index prefetch upstream performs is not needed here: index and status answers are an
//! input ([`IndexAnswers`]). [`index_search_paths`] lists the paths upstream would query, so a
//! caller with network access knows what to fetch.

pub mod remove;
pub mod replace;
pub mod strategies;
pub mod subgraph;

use std::collections::BTreeSet;

use super::error::Error;
use super::select::TargetGraph;
use strategies::{index_paths, Strategy};

/// Every index path upstream's prefetch would query for the closure of `requested`: those of
/// the `index-search` tasks that are not in `do_not_optimize` (sorted, distinct).
pub fn index_search_paths(
    target: &TargetGraph<'_>,
    do_not_optimize: &[bool],
) -> Result<Vec<String>, Error> {
    let mut paths = BTreeSet::new();
    for (local, &idx) in target.nodes.iter().enumerate() {
        if do_not_optimize.get(local).copied().unwrap_or(false) {
            continue;
        }
        let Some(task) = target.graph.node(idx) else {
            continue;
        };
        if let Strategy::IndexSearch(arg) = Strategy::of(&task.optimization) {
            paths.extend(index_paths(arg, &task.label)?);
        }
    }
    Ok(paths.into_iter().collect())
}
