//! The remove phase (upstream `remove_tasks`), in its general form with `if_dependencies`
//! pruning.
//!
//! Tasks are visited dependents-first. A task is kept if it may not be optimized, or if some
//! dependent still runs; a task only pulled in as a dependency is removed once its dependents
//! are gone; a requested task asks its strategy. Tasks with `if_dependencies` become *prune
//! candidates* whose fate is decided by their if-dependencies; a final pass removes the
//! candidates no kept task needs. For `add-new-jobs` nothing is ever removed: every
//! non-requested task has a kept dependent.

use std::collections::BTreeSet;

use serde_json::Value;

use super::strategies::{PathMatcher, Strategy};
use crate::engine::error::Error;
use crate::engine::select::{Local, TargetGraph};

/// What the remove phase decided for each task of the target graph.
#[derive(Debug, Clone)]
pub struct Removal {
    pub removed: Vec<bool>,
    /// Why each task was removed or kept, as upstream's optimization log says it.
    pub reasons: Vec<String>,
}

/// Runs the remove phase. `requested` and `do_not_optimize` are indexed by local id.
pub fn remove_tasks(
    target: &TargetGraph<'_>,
    requested: &[bool],
    do_not_optimize: &[bool],
    params: &Value,
) -> Result<Removal, Error> {
    let n = target.len();
    let mut removed = vec![false; n];
    let mut reasons = vec![String::new(); n];
    let mut prune_candidates: BTreeSet<Local> = BTreeSet::new();
    let mut matcher = PathMatcher::default();
    let flag = |v: &[bool], l: Local| v.get(l as usize).copied().unwrap_or(false);
    let if_deps = |l: Local| -> &[String] {
        target
            .graph
            .node(target.global(l))
            .map_or(&[], |t| t.if_dependencies.as_slice())
    };
    let dependents =
        |l: Local| -> &[Local] { target.dependents.get(l as usize).map_or(&[], Vec::as_slice) };

    // Dependents before dependencies: the reverse of the postorder.
    for &label in target.postorder.iter().rev() {
        let label_text = target.label(label);
        let prune_deps: Vec<Local> = dependents(label)
            .iter()
            .copied()
            .filter(|&d| prune_candidates.contains(&d))
            .filter(|&d| {
                let ifs = if_deps(d);
                ifs.is_empty() || ifs.iter().any(|x| x == label_text)
            })
            .collect();

        let keep =
            |reason: &str, reasons: &mut Vec<String>, prune_candidates: &mut BTreeSet<Local>| {
                if let Some(r) = reasons.get_mut(label as usize) {
                    *r = format!("kept: {reason}");
                }
                let mut queue = prune_deps.clone();
                while let Some(l) = queue.pop() {
                    if !prune_candidates.contains(&l) {
                        continue;
                    }
                    if if_deps(l).is_empty() {
                        continue;
                    }
                    prune_candidates.remove(&l);
                    queue.extend(
                        dependents(l)
                            .iter()
                            .copied()
                            .filter(|r| prune_candidates.contains(r)),
                    );
                }
            };
        let remove = |reason: &str,
                      reasons: &mut Vec<String>,
                      removed: &mut Vec<bool>,
                      prune_candidates: &mut BTreeSet<Local>| {
            if prune_deps.is_empty() {
                if let Some(r) = reasons.get_mut(label as usize) {
                    *r = reason.to_string();
                }
                if let Some(r) = removed.get_mut(label as usize) {
                    *r = true;
                }
            } else {
                prune_candidates.insert(label);
            }
        };

        if flag(do_not_optimize, label) {
            keep("do not optimize", &mut reasons, &mut prune_candidates);
            continue;
        }
        if dependents(label)
            .iter()
            .any(|&d| !flag(&removed, d) && !prune_deps.contains(&d))
        {
            keep("dependent tasks", &mut reasons, &mut prune_candidates);
            continue;
        }
        if !flag(requested, label) {
            remove(
                "dependents optimized",
                &mut reasons,
                &mut removed,
                &mut prune_candidates,
            );
            continue;
        }
        let strategy = target
            .graph
            .node(target.global(label))
            .map_or(Strategy::Never, |t| Strategy::of(&t.optimization));
        if strategy.should_remove(params, &mut matcher, label_text)? {
            remove(
                strategy.name(),
                &mut reasons,
                &mut removed,
                &mut prune_candidates,
            );
            continue;
        }
        if !if_deps(label).is_empty() {
            if let Some(r) = reasons.get_mut(label as usize) {
                *r = format!("kept: {}", strategy.name());
            }
            prune_candidates.insert(label);
        } else {
            keep(strategy.name(), &mut reasons, &mut prune_candidates);
        }
    }

    // Final pass: candidates that no surviving task depends on are pruned.
    for &label in &prune_candidates {
        let has_live_dependent = dependents(label)
            .iter()
            .any(|&d| !prune_candidates.contains(&d) && !flag(&removed, d));
        if has_live_dependent {
            if let Some(r) = reasons.get_mut(label as usize) {
                *r = "kept: dependent tasks".to_string();
            }
            continue;
        }
        if let Some(r) = removed.get_mut(label as usize) {
            *r = true;
        }
        if let Some(r) = reasons.get_mut(label as usize) {
            *r = "if-dependencies pruning".to_string();
        }
    }
    Ok(Removal { removed, reasons })
}
