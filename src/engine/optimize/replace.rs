//! The replace phase (upstream `replace_tasks`).
//!
//! Tasks are visited dependencies-first. A task may be replaced only when it may be optimized
//! and every dependency was replaced or removed; then `existing_tasks` (the merged
//! `label-to-taskid.json`) wins with no further check, and otherwise the strategy decides
//! (`index-search`: the first indexed task that is not failed/exception and does not expire
//! before the latest deadline of the task's dependents). Removed tasks are evaluated too,
//! as upstream does.

use chrono::NaiveDateTime;
use serde_json::Value;

use super::strategies::{index_search, IndexOutcome, Strategy};
use crate::engine::error::Error;
use crate::engine::parse::{IndexAnswers, LabelToTaskId};
use crate::engine::references::resolve_timestamps;
use crate::engine::select::{Local, TargetGraph};

/// Where a replacement taskId came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The decision's (or a prior action's) `label-to-taskid.json`.
    ExistingTasks,
    /// An `index-search` hit at this index path.
    IndexSearch { path: String },
}

/// A replaced task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub task_id: String,
    pub source: Source,
}

/// What the replace phase decided.
#[derive(Debug, Clone)]
pub struct Replacing {
    pub replaced: Vec<Option<Replacement>>,
    /// Why each task that was not replaced was kept (empty when replaced).
    pub kept_reasons: Vec<String>,
    /// The latest deadline of each task's dependents, where it was computed.
    pub deadlines: Vec<Option<String>>,
}

/// Inputs of the replace phase.
pub struct ReplaceInput<'a> {
    pub do_not_optimize: &'a [bool],
    pub removed: &'a [bool],
    pub existing: &'a LabelToTaskId,
    pub answers: &'a IndexAnswers,
    pub now: NaiveDateTime,
}

/// Runs the replace phase.
pub fn replace_tasks(
    target: &TargetGraph<'_>,
    input: &ReplaceInput<'_>,
) -> Result<Replacing, Error> {
    let n = target.len();
    let mut replaced: Vec<Option<Replacement>> = vec![None; n];
    let mut kept_reasons = vec![String::new(); n];
    let mut deadlines: Vec<Option<String>> = vec![None; n];
    let mut deadline_cache: Vec<Option<Deadline>> = vec![None; n];
    let flag = |v: &[bool], l: Local| v.get(l as usize).copied().unwrap_or(false);

    for &label in &target.postorder {
        let slot = label as usize;
        if flag(input.do_not_optimize, label) {
            set(&mut kept_reasons, slot, "do not optimize".into());
            continue;
        }
        let deps = target.dependencies.get(slot).map_or(&[][..], Vec::as_slice);
        if let Some(&blocking) = deps.iter().find(|&&d| {
            replaced.get(d as usize).is_some_and(Option::is_none) && !flag(input.removed, d)
        }) {
            set(
                &mut kept_reasons,
                slot,
                format!("depends on {}, which is not reused", target.label(blocking)),
            );
            continue;
        }
        if let Some(task_id) = input
            .existing
            .get(target.label(label))
            .filter(|id| !id.is_empty())
        {
            if let Some(r) = replaced.get_mut(slot) {
                *r = Some(Replacement {
                    task_id: task_id.clone(),
                    source: Source::ExistingTasks,
                });
            }
            continue;
        }

        let strategy = target
            .graph
            .node(target.global(label))
            .map_or(Strategy::Never, |t| Strategy::of(&t.optimization));
        let dependents = target.dependents.get(slot).map_or(&[][..], Vec::as_slice);
        let mut deadline = Deadline::None;
        for &d in dependents {
            let dl = match deadline_cache.get(d as usize).cloned().flatten() {
                Some(dl) => dl,
                None => {
                    let dl = dependent_deadline(target, d, input.now)?;
                    if let Some(c) = deadline_cache.get_mut(d as usize) {
                        *c = Some(dl.clone());
                    }
                    dl
                }
            };
            deadline = deadline.max(dl, target.label(label))?;
        }
        if let Deadline::Text(text) = &deadline {
            if let Some(d) = deadlines.get_mut(slot) {
                *d = Some(text.clone());
            }
        }

        match strategy {
            Strategy::IndexSearch(arg) => {
                let deadline_text = match &deadline {
                    Deadline::None => None,
                    Deadline::Text(t) => Some(t.as_str()),
                    Deadline::Other(v) => {
                        return Err(Error::BadTimestamp {
                            what: format!(
                                "deadline of the dependents of {:?}",
                                target.label(label)
                            ),
                            value: v.clone(),
                        })
                    }
                };
                match index_search(arg, deadline_text, input.answers, target.label(label))? {
                    IndexOutcome::Hit { task_id, path } if !task_id.is_empty() => {
                        if let Some(r) = replaced.get_mut(slot) {
                            *r = Some(Replacement {
                                task_id,
                                source: Source::IndexSearch { path },
                            });
                        }
                    }
                    IndexOutcome::Hit { task_id: _, path } => {
                        set(
                            &mut kept_reasons,
                            slot,
                            format!("index-search: {path}: empty taskId"),
                        );
                    }
                    IndexOutcome::Miss { skipped } => {
                        let why = if skipped.is_empty() {
                            "index-search: no index paths".to_string()
                        } else {
                            format!("index-search found nothing usable ({})", skipped.join("; "))
                        };
                        set(&mut kept_reasons, slot, why);
                    }
                }
            }
            other => set(
                &mut kept_reasons,
                slot,
                format!(
                    "not in label-to-taskid, and its strategy ({}) cannot reuse a task",
                    other.name()
                ),
            ),
        }
    }
    Ok(Replacing {
        replaced,
        kept_reasons,
        deadlines,
    })
}

fn set(v: &mut [String], slot: usize, text: String) {
    if let Some(s) = v.get_mut(slot) {
        *s = text;
    }
}

/// A dependent's resolved `deadline` (upstream `get_deadline`), compared as strings.
#[derive(Debug, Clone, PartialEq)]
enum Deadline {
    None,
    Text(String),
    /// A deadline that resolved to something other than a string (printed as JSON).
    Other(String),
}

impl Deadline {
    /// Python's `max` over the dependents' deadlines.
    fn max(self, other: Deadline, label: &str) -> Result<Deadline, Error> {
        match (self, other) {
            (Deadline::None, x) | (x, Deadline::None) => Ok(x),
            (Deadline::Text(a), Deadline::Text(b)) => Ok(Deadline::Text(a.max(b))),
            (Deadline::Other(v), _) | (_, Deadline::Other(v)) => Err(Error::BadTimestamp {
                what: format!("deadline of a dependent of {label:?}"),
                value: v,
            }),
        }
    }
}

/// Resolves `task["deadline"]` of a dependent with `now`.
fn dependent_deadline(
    target: &TargetGraph<'_>,
    d: Local,
    now: NaiveDateTime,
) -> Result<Deadline, Error> {
    let label = target.label(d);
    let value = match target.graph.deadline_text(target.global(d)) {
        Some(raw) => Some(
            serde_json::from_slice::<Value>(raw).map_err(|e| Error::BadField {
                label: label.to_string(),
                field: "task.deadline".into(),
                problem: format!("is not valid JSON: {e}"),
            })?,
        ),
        None => None,
    };
    let Some(value) = value else {
        return Err(Error::BadField {
            label: label.to_string(),
            field: "task.deadline".into(),
            problem: "is missing (upstream needs it to compare index-search expiry)".into(),
        });
    };
    let resolved = resolve_timestamps(value, now, label)?;
    Ok(match resolved {
        Value::String(s) => Deadline::Text(s),
        other => Deadline::Other(other.to_string()),
    })
}
