//! What the worker and its callers (the page, the JS API's users) agree on, written once: every
//! answer's type, the load's events, the flat error, and the page sizes. The worker serialises
//! these (`js_api`, through `session`), the page deserialises the same types (`ui`), the CLI
//! prints the engine's part of them with `--json`, and `www/index.d.ts` describes them for
//! JavaScript (`tests/suite/protocol.rs` fails when the two drift apart).
//!
//! The engine's results are part of the protocol as they are: [`Preview`]'s `preview`,
//! [`Iteration`], [`Reuse`], [`Warning`], [`ActionPreview`] and the grid's [`JobState`] and
//! [`Listing`] are serialised straight from the engine's types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::engine::callbacks::{ActionPreview, CallPreview, Rerun};
pub use crate::engine::preview::Iteration;
use crate::engine::runnable::TreeherderJob;
pub use crate::engine::runnable::{JobState, Listing};
pub use crate::engine::{Flavour, Reuse, Warning};

/// A flat error for JavaScript: `{kind, message, labels}` (the labels at fault, if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub kind: String,
    pub message: String,
    #[serde(default)]
    pub labels: Vec<String>,
}

/// Jobs per page of the grid, while a push loads (`onJobs`) and after (`jobsPage`, unless the
/// caller asks for another size): each is parsed by the page in a short task.
pub const JOBS_PAGE: usize = 1000;

/// Tasks in a graph view of a preview's closure, unless the caller asks for another number:
/// what the page draws, and `graphView`'s default for the JS API.
pub const GRAPH_VIEW: usize = 150;

/// Where a push came from and how its action task will see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    pub decision_task_id: String,
    /// The decision run whose artifacts were used.
    pub run_id: u32,
    pub trust_domain: String,
    pub level: String,
    pub root_url: String,
    /// Whose action code runs the action (gecko_taskgraph's or taskgraph's).
    pub flavour: Flavour,
    /// Why: the evidence it was detected from, or "chosen by the user".
    pub flavour_reason: String,
}

/// A loaded push (`load`, `summary`): the page's header, the JS API's `load` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    #[serde(flatten)]
    pub context: Context,
    pub tasks: usize,
    pub edges: usize,
    pub existing: usize,
    pub project: String,
    pub revision: String,
    pub owner: String,
    pub pushlog_id: String,
    pub merged_from: Vec<String>,
    pub has_add_new_jobs: bool,
    /// Problems found while loading, then the graph's (dependencies on unknown labels).
    pub warnings: Vec<Warning>,
}

/// One job of the push's grid: a task that reports to Treeherder, with its metadata and, if
/// it already exists, its state. `T` is its text: `String` where the session builds it,
/// `Rc<str>` in the page (`view::Job`), whose copies of 50k jobs share their text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GridJob<T = String> {
    pub label: T,
    /// The task's kind (`build`, `test`, `docker-image`, …).
    pub kind: T,
    pub symbol: T,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_symbol: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<T>,
    pub platform: T,
    /// The first true key of `collection` (`opt`, `debug`, …), else empty.
    pub option: T,
    /// `tier`, default 1.
    pub tier: u64,
    /// Treeherder's status name: `runnable` for jobs that can be added, else the state of the
    /// existing task (`success`, `testfailed`, `busted`, `exception`, `running`, `pending`,
    /// `unscheduled`, or `unknown` when only its taskId is known).
    pub state: T,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<T>,
    /// The page's quick-filter text (`view::prepare`); never sent, empty until prepared.
    #[serde(skip)]
    pub haystack: T,
}

impl GridJob<String> {
    /// `job` of the grid with its state and, when it exists, its task.
    pub fn new(job: TreeherderJob, state: String, task_id: Option<String>) -> GridJob {
        GridJob {
            label: job.label,
            kind: job.kind,
            symbol: job.symbol,
            group_symbol: job.group_symbol,
            group_name: job.group_name,
            platform: job.platform,
            option: job.option,
            tier: job.tier,
            state,
            task_id,
            haystack: String::new(),
        }
    }
}

impl<T: AsRef<str>> GridJob<T> {
    pub fn is_runnable(&self) -> bool {
        self.state.as_ref() == "runnable"
    }
}

/// What `onJobs` receives while a push loads (JSON text): a page of the early grid
/// (`offset`, `total`, `jobs`), or the states a page of the task group listing adds
/// (`states`); both say how far the listing is. `J` is the page's jobs: a borrowed slice where
/// the session sends them, a vector where the page reads them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EarlyMessage<J> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<J>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub states: Option<Vec<JobState>>,
    pub listing: Listing,
}

impl<J> EarlyMessage<J> {
    /// The states a page of the task group listing adds.
    pub fn states(states: Vec<JobState>, listing: Listing) -> EarlyMessage<J> {
        EarlyMessage {
            offset: None,
            total: None,
            jobs: None,
            states: Some(states),
            listing,
        }
    }
}

/// `jobsPage`'s answer: `total` jobs in the grid, `jobs` from the asked offset.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobsPage<J> {
    pub total: usize,
    pub jobs: J,
}

/// A preview as the worker answers `preview` (the CLI's `--json` shape, without definitions
/// when the request says `definitions: false`), and with `withKinds` what the page shows of it.
/// `P` is the engine's preview: borrowed where the worker sends it, owned where the page reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview<P = crate::engine::Preview> {
    #[serde(flatten)]
    pub preview: P,
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<Shown>,
}

/// What a preview adds for display (`withKinds`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Shown {
    /// Label → kind, for every task of the closure.
    pub kinds: BTreeMap<String, String>,
    /// Label → the decision or earlier action whose map gave a reused task.
    pub reused_from: BTreeMap<String, String>,
    /// The decision task's id (`reused_from` values equal to it mean its own map).
    pub decision_task_id: String,
    /// The line a sheriff reads first (`session::summary_text`).
    pub summary: String,
    /// Picks that already ran on this push (the action runs them again).
    pub runs_again: Vec<String>,
    /// Created dependencies' reasons in plain words (`session::plain_reason`).
    pub plain_reasons: BTreeMap<String, String>,
    /// Where the created tasks will wait for workers, in words ([`runs_on`]).
    pub runs_on: String,
}

/// A preview with what the page shows of it is the engine's preview first.
impl<P> std::ops::Deref for Preview<P> {
    type Target = P;

    fn deref(&self) -> &P {
        &self.preview
    }
}

impl Preview {
    /// Created, reused and removed counts: created tasks add up over the iterations (the
    /// action creates them once per iteration), with their `task_duplicates` copies; reused and
    /// removed are the same in every iteration.
    pub fn counts(&self) -> (usize, usize, usize) {
        let iterations = &self.preview.iterations;
        let created = iterations.iter().map(Iteration::created_count).sum();
        let last = iterations.last();
        (
            created,
            last.map_or(0, |i| i.reused.len()),
            last.map_or(0, |i| i.removed.len()),
        )
    }

    pub fn last(&self) -> Option<&Iteration> {
        self.preview.iterations.last()
    }

    /// The display part (empty when the preview was asked without `withKinds`).
    pub fn shown(&self) -> &Shown {
        static NOTHING: Shown = Shown {
            kinds: BTreeMap::new(),
            reused_from: BTreeMap::new(),
            decision_task_id: String::new(),
            summary: String::new(),
            runs_again: Vec::new(),
            plain_reasons: BTreeMap::new(),
            runs_on: String::new(),
        };
        self.shown.as_ref().unwrap_or(&NOTHING)
    }

    /// A label's kind, or its first dash-separated word when the kinds were not asked for.
    pub fn kind_of<'a>(&'a self, label: &'a str) -> &'a str {
        self.shown()
            .kinds
            .get(label)
            .map_or_else(|| label.split('-').next().unwrap_or(label), String::as_str)
    }
}

/// An action offered for a task or the task group (`actionsFor`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offered {
    pub name: String,
    pub title: String,
    pub description: String,
    /// The callback it runs (`retrigger`, `retrigger-disabled`, …).
    pub cb_name: String,
    /// `None` when previewable, else why not.
    pub preview: Option<String>,
    /// The action's input schema in actions.json.
    pub schema: Option<serde_json::Value>,
    /// `None` when it can be triggered, else why not (its JSON-e is refused).
    pub unavailable: Option<String>,
}

/// What the action task really did, compared with the preview that was triggered (`follow`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub action_task_id: String,
    pub state: String,
    /// Empty when the action created and reused exactly what the preview said.
    pub differences: Vec<String>,
    /// How many created tasks' definitions were fetched from the queue and compared field by
    /// field with the preview's.
    pub definitions_checked: usize,
    /// What the page, the React panel and Treeherder say of it (see [`Comparison::new`]).
    pub summary: String,
}

impl Comparison {
    /// A comparison with its summary: "Preview matched: action task X (completed) created and
    /// reused exactly what was previewed (3 task definitions compared field by field)." or
    /// "Action task X (failed) differs from the preview:" (the differences follow).
    pub fn new(
        action_task_id: String,
        state: String,
        differences: Vec<String>,
        definitions_checked: usize,
    ) -> Comparison {
        let summary = if differences.is_empty() {
            format!(
                "Preview matched: action task {action_task_id} ({state}) created and reused exactly \
                 what was previewed ({}).",
                definitions_compared(definitions_checked)
            )
        } else {
            format!("Action task {action_task_id} ({state}) differs from the preview:")
        };
        Comparison {
            action_task_id,
            state,
            differences,
            definitions_checked,
            summary,
        }
    }
}

/// The input Treeherder sends to add-new-jobs (its "Trigger New Jobs", and its Retrigger where
/// a push has no retrigger-multiple): the labels, and `times` only when not 1.
pub fn add_new_jobs_input(labels: &[String], times: u32) -> serde_json::Value {
    let mut input = serde_json::json!({ "tasks": labels });
    if times != 1 {
        input["times"] = times.into();
    }
    input
}

/// "1 task definition compared field by field", "3 task definitions …": what a follow
/// says it checked, the same in the CLI, the page and the JS API.
pub fn definitions_compared(n: usize) -> String {
    format!(
        "{n} task definition{} compared field by field",
        if n == 1 { "" } else { "s" }
    )
}

/// Worker pools named in [`runs_on`] before the rest are counted as "more pools".
const POOLS_NAMED: usize = 4;

/// Where created tasks will wait for workers, in the words every view shows: "Runs on 8 ×
/// gecko-t/t-linux-docker, 3 × gecko-3/b-linux and 1 × releng-hardware/win11-64-24h2" (most
/// tasks first; past four pools, "… and 3 more pools (5 tasks)"). Empty when nothing is created.
pub fn runs_on(pools: &BTreeMap<String, usize>) -> String {
    let mut pools: Vec<(&String, &usize)> = pools.iter().collect();
    pools.sort_by(|(a, m), (b, n)| n.cmp(m).then(a.cmp(b)));
    let named: Vec<String> = (pools.iter().take(POOLS_NAMED))
        .map(|(pool, n)| format!("{n} × {pool}"))
        .collect();
    let rest = pools.get(POOLS_NAMED..).unwrap_or_default();
    let tail = match rest.len() {
        0 => None,
        more => {
            let tasks: usize = rest.iter().map(|(_, n)| **n).sum();
            let s = if more == 1 { "" } else { "s" };
            Some(format!("{more} more pool{s} ({})", plural(tasks, "task")))
        }
    };
    let mut parts = named;
    parts.extend(tail);
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => format!("Runs on {last}"),
        Some((last, first)) => format!("Runs on {} and {last}", first.join(", ")),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One event of a load or a call, as the worker reports it (`onProgress`'s `{step, loaded,
/// total}`, and the load's `jobs` and `ready` messages).
#[derive(Debug, Clone, PartialEq)]
pub enum LoadEvent {
    /// A download: its URL, the bytes so far and, when known, how many are expected.
    Download {
        url: String,
        loaded: f64,
        total: Option<f64>,
    },
    /// A step without bytes to count ("actions.json", "computing").
    Step(String),
    /// A page of the early grid or of task states ([`EarlyMessage`], JSON text).
    Jobs(String),
    /// The push is ready for previews while the load goes on: its [`Summary`] (JSON text).
    Ready(String),
}

impl Default for LoadEvent {
    fn default() -> LoadEvent {
        LoadEvent::Step(String::new())
    }
}

impl LoadEvent {
    /// The event a worker message's fields describe (`step` with `loaded`/`total`, or with
    /// `jobs` or `summary` text).
    pub fn from_fields(
        step: String,
        loaded: Option<f64>,
        total: Option<f64>,
        jobs: Option<String>,
        summary: Option<String>,
    ) -> LoadEvent {
        match (jobs, summary, loaded) {
            (Some(jobs), _, _) => LoadEvent::Jobs(jobs),
            (None, Some(summary), _) => LoadEvent::Ready(summary),
            (None, None, Some(loaded)) => LoadEvent::Download {
                url: step,
                loaded,
                total: total.filter(|t| *t > 0.0),
            },
            (None, None, None) => LoadEvent::Step(step),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_on_names_the_busiest_pools_first_and_counts_the_rest() {
        let pools = |list: &[(&str, usize)]| -> BTreeMap<String, usize> {
            list.iter().map(|(p, n)| (p.to_string(), *n)).collect()
        };
        assert_eq!(runs_on(&pools(&[])), "");
        assert_eq!(runs_on(&pools(&[("a/b", 1)])), "Runs on 1 × a/b");
        assert_eq!(
            runs_on(&pools(&[("t/linux", 8), ("b/linux", 3), ("hw/win", 3)])),
            "Runs on 8 × t/linux, 3 × b/linux and 3 × hw/win"
        );
        let many = pools(&[
            ("p1", 9),
            ("p2", 1),
            ("p3", 5),
            ("p4", 4),
            ("p5", 3),
            ("p6", 1),
        ]);
        assert_eq!(
            runs_on(&many),
            "Runs on 9 × p1, 5 × p3, 4 × p4, 3 × p5 and 2 more pools (2 tasks)"
        );
        let five = pools(&[("p1", 9), ("p2", 2), ("p3", 5), ("p4", 4), ("p5", 3)]);
        assert_eq!(
            runs_on(&five),
            "Runs on 9 × p1, 5 × p3, 4 × p4, 3 × p5 and 1 more pool (2 tasks)"
        );
    }
}
