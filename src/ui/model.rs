//! The data the page receives from the worker, as typed views (only the fields it shows).

use std::collections::BTreeMap;

use serde::Deserialize;

pub use crate::engine::{Reuse, Warning};
pub use crate::layout::GraphView;

/// `Session::summary`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub decision_task_id: String,
    pub root_url: String,
    pub trust_domain: String,
    pub level: String,
    /// `gecko` or `taskgraph`: whose action code the preview reproduces, and why.
    pub flavour: String,
    pub flavour_reason: String,
    pub tasks: usize,
    pub existing: usize,
    pub project: String,
    pub revision: String,
    pub owner: String,
    pub pushlog_id: String,
    pub merged_from: Vec<String>,
    pub has_add_new_jobs: bool,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Iteration {
    pub created: BTreeMap<String, String>,
    pub reused: BTreeMap<String, Reuse>,
    pub removed: BTreeMap<String, String>,
    #[serde(default)]
    pub reasons: BTreeMap<String, String>,
    #[serde(default)]
    pub why: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub duplicates: BTreeMap<String, Vec<String>>,
}

/// A preview without definitions (`definitions: false, withKinds: true`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub requested: Vec<String>,
    pub times: u32,
    pub closure: Vec<String>,
    pub iterations: Vec<Iteration>,
    pub warnings: Vec<Warning>,
    #[serde(default)]
    pub kinds: BTreeMap<String, String>,
    /// Label → the decision or earlier action whose map gave a reused task.
    #[serde(default, rename = "reusedFrom")]
    pub reused_from: BTreeMap<String, String>,
    /// The line a sheriff reads first (the session's `summary`).
    #[serde(default)]
    pub summary: String,
    /// Picks that already ran on this push.
    #[serde(default, rename = "runsAgain")]
    pub runs_again: Vec<String>,
    /// Created dependencies' reasons in plain words.
    #[serde(default, rename = "plainReasons")]
    pub plain_reasons: BTreeMap<String, String>,
}

impl Preview {
    /// Created, reused and removed counts: created tasks add up over the iterations (the
    /// action creates them once per iteration), with their `task_duplicates` copies; reused and
    /// removed are the same in every iteration.
    pub fn counts(&self) -> (usize, usize, usize) {
        // Extra `task_duplicates` copies are created too.
        let created = self
            .iterations
            .iter()
            .map(|i| i.created.len() + i.duplicates.values().map(Vec::len).sum::<usize>())
            .sum();
        let last = self.iterations.last();
        (
            created,
            last.map_or(0, |i| i.reused.len()),
            last.map_or(0, |i| i.removed.len()),
        )
    }

    pub fn last(&self) -> Option<&Iteration> {
        self.iterations.last()
    }

    pub fn kind_of<'a>(&'a self, label: &'a str) -> &'a str {
        self.kinds
            .get(label)
            .map_or_else(|| label.split('-').next().unwrap_or(label), String::as_str)
    }
}

/// `{actionTaskId, state, differences, definitionsChecked, summary}` from `follow`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub action_task_id: String,
    pub state: String,
    pub differences: Vec<String>,
    pub definitions_checked: usize,
    /// What to say of it (`trigger::Comparison::summary`).
    pub summary: String,
}

/// The worker's flat error.
pub use crate::protocol::ApiError;

/// A progress report while loading.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Progress {
    pub step: String,
    #[serde(default)]
    pub loaded: Option<f64>,
    #[serde(default)]
    pub total: Option<f64>,
    /// A page of the grid's jobs sent while the graph downloads (`{offset, total, jobs}`), or
    /// the states a page of the task group listing adds.
    #[serde(default)]
    pub jobs: Option<String>,
    /// The push's summary once it is ready for previews (the load goes on for the grid).
    #[serde(default)]
    pub summary: Option<String>,
}

/// An action offered for a task or the task group (`actionsFor`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offered {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub cb_name: String,
    /// `None` when previewable, else why not.
    pub preview: Option<String>,
    /// The action's input schema in actions.json.
    #[serde(default)]
    pub schema: Option<serde_json::Value>,
    /// `None` when it can be triggered, else why not (its JSON-e is refused).
    #[serde(default)]
    pub unavailable: Option<String>,
}

/// One `create_tasks` call of an action preview (without definitions).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallPreview {
    pub suffix: String,
    pub requested: Vec<String>,
    #[serde(flatten)]
    pub iteration: Iteration,
}

/// An existing task the action reruns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rerun {
    pub label: String,
    pub task_id: String,
}

/// `previewAction`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ActionPreview {
    pub action: String,
    pub reruns: Vec<Rerun>,
    pub calls: Vec<CallPreview>,
    pub warnings: Vec<Warning>,
}

impl ActionPreview {
    /// Tasks created over all calls (with `task_duplicates` copies), and reused in the first.
    pub fn counts(&self) -> (usize, usize) {
        let created = self
            .calls
            .iter()
            .map(|c| {
                c.iteration.created.len()
                    + c.iteration.duplicates.values().map(Vec::len).sum::<usize>()
            })
            .sum();
        let reused = self.calls.first().map_or(0, |c| c.iteration.reused.len());
        (created, reused)
    }
}
