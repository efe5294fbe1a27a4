//! Action callbacks: which `create_tasks` calls an action task makes, and what it reruns
//! instead, for the callbacks that create tasks. One module per upstream file, named like it:
//! taskcluster-taskgraph 24.5.1's `taskgraph/actions/` ([`add_new_jobs`], [`retrigger`],
//! [`rebuild_cached_tasks`]) and, for the gecko flavour, gecko_taskgraph's
//! (`retrigger.py` @ `2e26d251`, `run_missing_tests.py` as in foxhound @ `8770be41`, `backfill.py` @
//! `016c8bc2`; revisions in ARCHITECTURE.md).
//!
//! A [`Plan`] is the list of calls (each with its suffix, its `to_run` and its modifier), the
//! reruns, and what the sheriff should know; the preview of an action is one [`preview()`] per
//! call, each on the original `label-to-taskid` map, as upstream does. Not to be confused with
//! `crate::actions`, which reads `actions.json` and renders hooks.
//!
//! Actions that create no task (`rerun`, `cancel`, `cancel-all`), that clone a definition
//! outside the graph (`retrigger-decision`), that act on other pushes (`backfill`) or that
//! need logs (`confirm-failures`) are named by [`not_previewable`] instead of being shown with
//! a made-up preview.

mod add_new_jobs;
mod backfill;
mod rebuild_cached_tasks;
mod retrigger;
mod run_missing_tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::error::{Error, Warning};
use super::flavour::Flavour;
use super::ids::TaskIdSource;
use super::json::is_falsy;
use super::model::FullTaskGraph;
use super::modifier::Modifier;
use super::parse::LabelToTaskId;
use super::preview::{preview, Iteration, Preview, Request};

/// The actions whose preview is computed here.
pub const PREVIEWABLE: &[&str] = &[
    "add-all-browsertime",
    "add-new-jobs",
    "backfill-task",
    "rebuild-cached-tasks",
    "retrigger",
    "retrigger-multiple",
    "run-missing-tests",
];

/// Why an action has no preview, for the actions that create nothing previewable.
pub fn not_previewable(action: &str) -> Option<&'static str> {
    match action {
        "rerun" => Some("rerun reruns the existing task (a new run of the same taskId); it creates no task"),
        "cancel" => Some("cancel cancels the task; it creates no task"),
        "cancel-all" => Some("cancel-all cancels every task of the group; it creates no task"),
        "retrigger-decision" => Some(
            "retriggering a decision, action or cron task clones its own definition; it is not in the graph",
        ),
        "backfill" => Some(
            "backfill triggers backfill-task on earlier pushes; open each of those pushes and preview backfill-task there",
        ),
        "backfill-all-browsertime" => Some(
            "backfill-all-browsertime triggers add-all-browsertime on this and the previous push; preview add-all-browsertime on each",
        ),
        "confirm-failures" | "isolate-test-failures" => Some(
            "it picks the tests to run from the failed task's logs, which a preview cannot read",
        ),
        _ => None,
    }
}

/// One `create_tasks` call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// The artifact suffix (`0`, `1-2`, or empty for none).
    pub suffix: String,
    /// `to_run`, sorted and distinct (upstream makes it a set).
    pub labels: Vec<String>,
    /// The callback's modifier and action tag (none for taskgraph's callbacks).
    pub modifier: Modifier,
}

impl Call {
    fn plain(suffix: String, labels: Vec<String>) -> Call {
        Call {
            suffix,
            labels,
            modifier: Modifier::default(),
        }
    }

    /// taskgraph's `times` loop: one call of `labels` per time, suffixed `0`, `1`, ….
    fn per_time(times: u32, labels: &[String]) -> Vec<Call> {
        (0..times)
            .map(|i| Call::plain(i.to_string(), labels.to_vec()))
            .collect()
    }
}

/// An existing task the action reruns instead of cloning (`_rerun_task`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rerun {
    pub label: String,
    pub task_id: String,
}

/// What an action task will do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub action: String,
    pub calls: Vec<Call>,
    pub reruns: Vec<Rerun>,
    /// What the callback does that the sheriff may not expect (a skipped push, another chunk).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// What one callback does (a [`Plan`] without its name).
#[derive(Debug, Default)]
struct Calls {
    calls: Vec<Call>,
    reruns: Vec<Rerun>,
    warnings: Vec<Warning>,
}

impl Calls {
    fn of(calls: Vec<Call>) -> Calls {
        Calls {
            calls,
            ..Calls::default()
        }
    }
}

/// Every taskId of a label named by more than one map: the decision's, then each earlier
/// action's or cron task's (gecko's `label_to_taskids`).
pub type AllTaskIds = BTreeMap<String, Vec<String>>;

impl Plan {
    /// The labels the calls run, sorted and distinct (what index answers are needed for).
    pub fn labels(&self) -> Vec<String> {
        sorted(self.calls.iter().flat_map(|c| c.labels.iter().cloned()))
    }
}

/// The [`AllTaskIds`] of `maps`, merged in this order: the labels more than one of them name.
pub fn all_task_ids(maps: &[LabelToTaskId]) -> AllTaskIds {
    let mut all = AllTaskIds::new();
    if maps.len() < 2 {
        return all;
    }
    for map in maps {
        for (label, id) in map {
            all.entry(label.clone()).or_default().push(id.clone());
        }
    }
    all.retain(|_, ids| ids.len() > 1);
    all
}

/// The label of the push's task with this taskId (from the merged map), for an action given a
/// taskId instead of a label.
pub fn label_of<'a>(existing: &'a LabelToTaskId, task_id: &str) -> Option<&'a String> {
    existing
        .iter()
        .find(|(_, id)| id.as_str() == task_id)
        .map(|(label, _)| label)
}

/// What the action targets: its input and, for task actions, the label of the task it was
/// triggered on (upstream reads it from the task's `metadata.name`); whose callbacks run; and
/// the decision's `target-tasks.json` for the actions that read it (gecko's
/// run-missing-tests); every taskId of labels several runs created (gecko's reruns).
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub action: &'a str,
    pub input: &'a Value,
    pub task_label: Option<&'a str>,
    pub flavour: Flavour,
    pub target_tasks: Option<&'a [String]>,
    pub all_task_ids: Option<&'a AllTaskIds>,
    /// The decision's parameters (gecko's add-all-browsertime reads `project`).
    pub parameters: Option<&'a Value>,
}

/// Computes the plan of `target` on `graph` with the merged `existing` map.
pub fn plan(
    graph: &FullTaskGraph,
    existing: &LabelToTaskId,
    target: Target<'_>,
) -> Result<Plan, Error> {
    let input = target.input;
    if !input.is_object() && !input.is_null() {
        return Err(bad(format!(
            "the input of {:?} must be an object",
            target.action
        )));
    }
    let gecko = target.flavour == Flavour::Gecko;
    let label = || task_label(target);
    let done = match target.action {
        "add-new-jobs" => add_new_jobs::add_new_jobs(graph, input)?,
        "retrigger" if gecko => retrigger::gecko_retrigger(graph, existing, input, label()?)?,
        "retrigger" => retrigger::retrigger(graph, existing, input, label()?)?,
        "retrigger-multiple" if gecko => {
            retrigger::gecko_retrigger_multiple(graph, existing, target.all_task_ids, input)?
        }
        "retrigger-multiple" => retrigger::retrigger_multiple(graph, existing, input)?,
        "rebuild-cached-tasks" => rebuild_cached_tasks::rebuild_cached_tasks(graph),
        "run-missing-tests" if gecko => {
            run_missing_tests::run_missing_tests(graph, existing, target.target_tasks)?
        }
        "backfill-task" if gecko => backfill::backfill_task(graph, existing, input)?,
        "add-all-browsertime" if gecko => {
            backfill::add_all_browsertime(graph, existing, target.parameters)?
        }
        other => {
            return Err(bad(match not_previewable(other) {
                Some(why) => format!("{other:?} has no preview: {why}"),
                None => format!(
                    "{other:?} cannot be previewed (previewable: {})",
                    PREVIEWABLE.join(", ")
                ),
            }))
        }
    };
    Ok(Plan {
        action: target.action.to_string(),
        calls: done.calls,
        reruns: done.reruns,
        warnings: done.warnings,
    })
}

fn bad(message: String) -> Error {
    Error::BadRequest { message }
}

fn task_label<'a>(target: Target<'a>) -> Result<&'a str, Error> {
    target.task_label.ok_or_else(|| {
        bad(format!(
            "{:?} is a task action: give the task it retriggers",
            target.action
        ))
    })
}

/// `input[key]` as an integer in 1..=100 (default 1), as the schemas require.
fn times(input: &Value, key: &str, what: &str) -> Result<u32, Error> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(1),
        Some(v) => v
            .as_u64()
            .filter(|t| (1..=100).contains(t))
            .and_then(|t| u32::try_from(t).ok())
            .ok_or_else(|| {
                bad(format!(
                    "{what}: times must be an integer from 1 to 100, not {v}"
                ))
            }),
    }
}

fn flag(input: &Value, key: &str) -> bool {
    input.get(key).is_some_and(|v| !is_falsy(v))
}

/// A list of label strings at `input[key]`.
fn labels(value: Option<&Value>, what: &str) -> Result<Vec<String>, Error> {
    let Some(Value::Array(items)) = value else {
        return Err(bad(format!("{what} must be a list of task labels")));
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| bad(format!("{what} must hold labels (strings), found {v}")))
        })
        .collect()
}

fn sorted(labels: impl IntoIterator<Item = String>) -> Vec<String> {
    labels
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// `_should_retrigger`: the task's `attributes.retrigger`, truthy; a label not in the graph
/// should not be retriggered.
fn should_retrigger(graph: &FullTaskGraph, label: &str) -> bool {
    graph
        .attribute(label, "retrigger")
        .is_some_and(|v| !is_falsy(&v))
}

/// One call's outcome: what upstream's `create_tasks` with this suffix would create.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallPreview {
    pub suffix: String,
    /// `to_run`, sorted.
    pub requested: Vec<String>,
    /// The closure of `to_run`, sorted.
    #[serde(default)]
    pub closure: Vec<String>,
    #[serde(flatten)]
    pub iteration: Iteration,
}

/// The preview of an action: every call, the reruns, and the warnings of all calls (each
/// once).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionPreview {
    pub action: String,
    pub reruns: Vec<Rerun>,
    pub calls: Vec<CallPreview>,
    pub warnings: Vec<Warning>,
}

impl ActionPreview {
    /// Tasks created over all calls (with `task_duplicates` copies), and reused in the first.
    pub fn counts(&self) -> (usize, usize) {
        let created = self.calls.iter().map(|c| c.iteration.created_count()).sum();
        let reused = self.calls.first().map_or(0, |c| c.iteration.reused.len());
        (created, reused)
    }

    /// Worker pool → tasks created there over all calls (extra copies included).
    pub fn worker_pools(&self) -> BTreeMap<String, usize> {
        crate::engine::preview::sum_pools(self.calls.iter().map(|c| &c.iteration))
    }

    /// Whether any call reuses a task for `label`.
    pub fn reuses(&self, label: &str) -> bool {
        self.calls
            .iter()
            .any(|c| c.iteration.reused.contains_key(label))
    }
}

/// The states in which the action task reruns a task (`RERUN_STATES` of taskgraph's and
/// gecko's `retrigger.py`); in any other, `_rerun_task` logs "No need to rerun" and does nothing.
pub const RERUN_STATES: [&str; 2] = ["exception", "failed"];

/// Takes out of `preview.reruns` the tasks whose state is known (`states`: taskId → state, from
/// the task group) and not one `_rerun_task` reruns, each with a `rerun-skipped` warning. A task
/// whose state is unknown stays: the action task will look when it runs.
pub fn skip_reruns_by_state(
    preview: &mut ActionPreview,
    states: &std::collections::BTreeMap<String, String>,
) {
    let mut skipped = Vec::new();
    preview
        .reruns
        .retain(|rerun| match states.get(&rerun.task_id) {
            Some(state) if !RERUN_STATES.contains(&state.as_str()) => {
                skipped.push(Warning {
                    kind: "rerun-skipped".into(),
                    labels: vec![rerun.label.clone()],
                    message: format!(
                    "{} ({}) is {state}: the action task reruns only failed or exception tasks, \
                     so it will not be rerun (unless it fails before the action task runs)",
                    rerun.label, rerun.task_id
                ),
                });
                false
            }
            _ => true,
        });
    preview.warnings.extend(skipped);
}

/// gecko's retrigger modifier sets `task_duplicates` on every task of the closure: created
/// dependencies (toolchains, builds not reusable) are built that many times too.
fn duplicated_dependencies(call: &Call, preview: &Preview) -> Option<Warning> {
    let iteration = preview.iterations.first()?;
    let mut labels: Vec<String> = iteration
        .duplicates
        .keys()
        .filter(|l| call.modifier.duplicates_of(l).is_some() && !call.labels.contains(l))
        .cloned()
        .collect();
    if labels.is_empty() {
        return None;
    }
    labels.sort();
    let times = iteration
        .duplicates
        .get(&labels[0])
        .map_or(1, |d| d.len() + 1);
    Some(Warning {
        kind: "duplicated-dependencies".into(),
        message: format!(
            "{} dependenc{} cannot be reused and will be created {times} times too (the action's \
             modifier sets task_duplicates on every task of the closure): {}",
            labels.len(),
            if labels.len() == 1 { "y" } else { "ies" },
            labels
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
                + if labels.len() > 5 { ", …" } else { "" }
        ),
        labels,
    })
}

/// Previews every call of `plan` with the settings of `template` (its labels and `times` are
/// replaced by each call's). Consecutive calls of the same labels are one multi-iteration
/// preview, as they decide the same way.
pub fn preview_plan(
    graph: &FullTaskGraph,
    template: &Request<'_>,
    plan: &Plan,
    ids: &mut dyn TaskIdSource,
) -> Result<ActionPreview, Error> {
    let mut calls = Vec::with_capacity(plan.calls.len());
    let mut warnings: Vec<Warning> = plan.warnings.clone();
    let mut start = 0;
    while let Some(first) = plan.calls.get(start) {
        let run = plan.calls[start..]
            .iter()
            .take_while(|c| c.labels == first.labels && c.modifier == first.modifier)
            .take(100)
            .count();
        let request = Request {
            labels: first.labels.clone(),
            times: u32::try_from(run).unwrap_or(1),
            modifier: first.modifier.clone(),
            ..template.clone()
        };
        let preview = preview(graph, &request, ids)?;
        if let Some(w) = duplicated_dependencies(first, &preview) {
            warnings.push(w);
        }
        for (call, iteration) in plan.calls[start..start + run]
            .iter()
            .zip(preview.iterations)
        {
            calls.push(CallPreview {
                suffix: call.suffix.clone(),
                requested: preview.requested.clone(),
                closure: preview.closure.clone(),
                iteration,
            });
        }
        for w in preview.warnings {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        start += run;
    }
    Ok(ActionPreview {
        action: plan.action.clone(),
        reruns: plan.reruns.clone(),
        calls,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// docker-image ← build (retrigger) ← test-a (retrigger), test-b; `cached_task` on the image.
    fn graph() -> FullTaskGraph {
        let task = |label: &str, deps: Value, attributes: Value| {
            json!({"label": label, "kind": "k", "attributes": attributes, "dependencies": deps,
                   "optimization": null, "soft_dependencies": [], "if_dependencies": [],
                   "task": {"metadata": {"name": label}, "deadline": {"relative-datestamp": "1 day"}}})
        };
        let mut g = json!({
            "docker-image": task("docker-image", json!({}), json!({"cached_task": {"digest": "x"}})),
            "build": task("build", json!({"image": "docker-image"}), json!({"retrigger": true})),
            "test-a": task("test-a", json!({"build": "build"}), json!({"retrigger": "false"})),
            "test-b": task("test-b", json!({"build": "build"}), json!({"retrigger": 0})),
        });
        // Both spellings of a worker pool.
        g["docker-image"]["task"]["provisionerId"] = json!("proj-3");
        g["docker-image"]["task"]["workerType"] = json!("images");
        g["build"]["task"]["taskQueueId"] = json!("proj-3/b-linux");
        FullTaskGraph::parse(g.to_string().into_bytes()).unwrap()
    }

    fn existing() -> LabelToTaskId {
        [("build", "B"), ("test-a", "TA"), ("test-b", "TB")]
            .into_iter()
            .map(|(l, t)| (l.to_string(), t.to_string()))
            .collect()
    }

    fn plan_of(action: &str, input: Value, task: Option<&str>) -> Result<Plan, Error> {
        plan(
            &graph(),
            &existing(),
            Target {
                action,
                input: &input,
                task_label: task,
                flavour: Flavour::Taskgraph,
                target_tasks: None,
                all_task_ids: None,
                parameters: None,
            },
        )
    }

    fn calls(plan: &Plan) -> Vec<(&str, Vec<&str>)> {
        plan.calls
            .iter()
            .map(|c| {
                (
                    c.suffix.as_str(),
                    c.labels.iter().map(String::as_str).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn retrigger_downstream_takes_existing_dependents_times_times() {
        let p = plan_of(
            "retrigger",
            json!({"downstream": true, "times": 2}),
            Some("build"),
        )
        .unwrap();
        let all = vec!["build", "test-a", "test-b"];
        assert_eq!(calls(&p), [("0", all.clone()), ("1", all)]);
        // The image is not in the map: downstream of it, only existing tasks are cloned.
        let p = plan_of(
            "retrigger",
            json!({"downstream": true, "force": true}),
            Some("docker-image"),
        )
        .unwrap();
        assert_eq!(calls(&p), [("0", vec!["build", "test-a", "test-b"])]);
    }

    #[test]
    fn retrigger_follows_python_truthiness_of_attributes_retrigger() {
        // "false" is a non-empty string: truthy.
        assert!(plan_of("retrigger", json!({}), Some("test-a")).is_ok());
        let refused = plan_of("retrigger", json!({}), Some("test-b")).unwrap_err();
        assert!(refused
            .to_string()
            .contains("\"test-b\" should not be retriggered"));
        assert!(plan_of("retrigger", json!({"force": 1}), Some("test-b")).is_ok());
        let no_task = plan_of("retrigger", json!({}), None).unwrap_err();
        assert!(no_task.to_string().contains("task action"), "{no_task}");
    }

    #[test]
    fn retrigger_multiple_clones_and_reruns() {
        let p = plan_of(
            "retrigger-multiple",
            json!({"requests": [{"tasks": ["test-a", "test-b", "build"], "times": 2}, {"tasks": ["test-b"]}]}),
            None,
        )
        .unwrap();
        assert_eq!(
            calls(&p),
            [
                ("0-0", vec!["build", "test-a"]),
                ("0-1", vec!["build", "test-a"]),
                ("1-0", vec![])
            ]
        );
        assert_eq!(
            p.reruns,
            [
                Rerun {
                    label: "test-b".into(),
                    task_id: "TB".into()
                },
                Rerun {
                    label: "test-b".into(),
                    task_id: "TB".into()
                }
            ]
        );
        // A task to rerun that no task of the push has fails the action (upstream KeyError).
        let e = plan_of(
            "retrigger-multiple",
            json!({"requests": [{"tasks": ["docker-image"]}]}),
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("requests[0]"), "{e}");
        let e = plan_of(
            "retrigger-multiple",
            json!({"requests": [{"tasks": ["build"], "times": 101}]}),
            None,
        )
        .unwrap_err();
        assert!(e
            .to_string()
            .contains("times must be an integer from 1 to 100"));
    }

    #[test]
    fn rebuild_cached_tasks_and_add_new_jobs() {
        let p = plan_of("rebuild-cached-tasks", json!({}), None).unwrap();
        assert_eq!(calls(&p), [("", vec!["docker-image"])]);
        let p = plan_of(
            "add-new-jobs",
            json!({"tasks": ["test-b", "test-a", "test-b"], "times": 3}),
            None,
        )
        .unwrap();
        assert_eq!(p.calls.len(), 3);
        assert_eq!(calls(&p)[2], ("2", vec!["test-a", "test-b"]));
        let e = plan_of("add-new-jobs", json!({"tasks": ["nope"]}), None).unwrap_err();
        assert!(e
            .to_string()
            .contains("nope was not found in the task-graph"));
    }

    #[test]
    fn actions_without_a_preview_say_why() {
        let e = plan_of("rerun", json!({}), Some("build")).unwrap_err();
        assert!(e.to_string().contains("creates no task"), "{e}");
        let e = plan_of("backfill", json!({}), None).unwrap_err();
        assert!(e.to_string().contains("preview backfill-task there"), "{e}");
        let e = plan_of("purge-caches", json!({}), None).unwrap_err();
        assert!(e.to_string().contains("cannot be previewed"), "{e}");
        // gecko's own actions are not taskgraph's.
        let e = plan_of("backfill-task", json!({"label": "build"}), None).unwrap_err();
        assert!(e.to_string().contains("cannot be previewed"), "{e}");
        let e = plan_of("retrigger", json!([1]), Some("build")).unwrap_err();
        assert!(e.to_string().contains("must be an object"), "{e}");
    }

    #[test]
    fn a_plan_previews_call_by_call() {
        let graph = graph();
        let existing = existing();
        let input = json!({"requests": [{"tasks": ["build"], "times": 2}, {"tasks": ["test-a"]}]});
        let p = plan(
            &graph,
            &existing,
            Target {
                action: "retrigger-multiple",
                input: &input,
                task_label: None,
                flavour: Flavour::Taskgraph,
                target_tasks: None,
                all_task_ids: None,
                parameters: None,
            },
        )
        .unwrap();
        let params = json!({});
        let gecko = template(&existing, &params);
        let request = Request {
            push: crate::engine::preview::Push {
                flavour: Flavour::Taskgraph,
                ..gecko.push
            },
            ..gecko
        };
        let preview = preview_plan(
            &graph,
            &request,
            &p,
            &mut crate::engine::ids::CounterIds::golden(),
        )
        .unwrap();
        let suffixes: Vec<&str> = preview.calls.iter().map(|c| c.suffix.as_str()).collect();
        assert_eq!(suffixes, ["0-0", "0-1", "1-0"]);
        // Each call gets new ids; the image is not in the map, so it is created with the build.
        let first: Vec<&String> = preview.calls[0].iteration.created.keys().collect();
        assert_eq!(first, ["build", "docker-image"]);
        assert_ne!(
            preview.calls[0].iteration.created["build"],
            preview.calls[1].iteration.created["build"]
        );
        // The build exists, but its image does not: it cannot be reused, so it is built again.
        let third = &preview.calls[2].iteration;
        assert_eq!(
            third.created.keys().collect::<Vec<_>>(),
            ["build", "docker-image", "test-a"]
        );
        assert_eq!(
            third.reasons["build"],
            "depends on docker-image, which is not reused"
        );
    }

    fn gecko_plan(action: &str, input: Value, task: Option<&str>) -> Result<Plan, Error> {
        plan(
            &graph(),
            &existing(),
            Target {
                action,
                input: &input,
                task_label: task,
                flavour: Flavour::Gecko,
                target_tasks: Some(&["test-a".to_string(), "build".to_string()]),
                all_task_ids: None,
                parameters: None,
            },
        )
    }

    static NO_ANSWERS: std::sync::LazyLock<crate::engine::parse::IndexAnswers> =
        std::sync::LazyLock::new(Default::default);

    fn template<'a>(existing: &'a LabelToTaskId, params: &'a Value) -> Request<'a> {
        Request {
            push: crate::engine::preview::Push {
                flavour: Flavour::Gecko,
                existing,
                parameters: params,
                answers: &NO_ANSWERS,
                decision_task_id: "D",
                trust_domain: "gecko",
                level: "3",
                root_url: "https://tc",
                proxy_url: None,
            },
            labels: vec![],
            times: 1,
            mode: crate::engine::preview::Mode::AddNewJobs {
                action_task_id: "A".into(),
            },
            modifier: Modifier::default(),
            now: chrono::NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
            with_task_graph: false,
            threads: 1,
        }
    }

    /// gecko's retrigger (`retrigger.py` @ 2e26d251): one `create_tasks` call without suffix,
    /// `modifier` setting `task_duplicates = times` on every task, `action_tag="retrigger-task"`.
    #[test]
    fn gecko_retrigger_is_one_call_with_duplicates_and_an_action_tag() {
        let p = gecko_plan("retrigger", json!({"times": 3}), Some("build")).unwrap();
        assert_eq!(calls(&p), [("", vec!["build"])]);
        assert_eq!(p.calls[0].modifier.all_duplicates, Some(3));
        assert_eq!(
            p.calls[0].modifier.action_tag.as_deref(),
            Some("retrigger-task")
        );
        let (g, e, params) = (graph(), existing(), json!({}));
        let preview = preview_plan(
            &g,
            &template(&e, &params),
            &p,
            &mut crate::engine::ids::CounterIds::golden(),
        )
        .unwrap();
        let call = &preview.calls[0].iteration;
        // The image is not in the map, so it is built too, and duplicated like the build.
        assert_eq!(
            call.created.keys().collect::<Vec<_>>(),
            ["build", "docker-image"]
        );
        assert_eq!(call.duplicates["build"].len(), 2);
        assert_eq!(call.duplicates["docker-image"].len(), 2);
        // Where they wait for workers: each task and its two copies.
        let pools = BTreeMap::from([("proj-3/b-linux".into(), 3), ("proj-3/images".into(), 3)]);
        assert_eq!(call.worker_pools, pools);
        assert_eq!(preview.worker_pools(), pools);
        for id in call.created.values() {
            assert_eq!(call.tasks[id]["tags"]["action"], "retrigger-task");
        }
        let w = preview
            .warnings
            .iter()
            .find(|w| w.kind == "duplicated-dependencies")
            .expect("the duplicated image is warned about");
        assert_eq!(w.labels, ["docker-image"]);
        assert!(w.message.contains("created 3 times"), "{}", w.message);
        // The gate is the same as taskgraph's.
        assert!(gecko_plan("retrigger", json!({}), Some("test-b")).is_err());
    }

    /// gecko's retrigger-multiple: one call of every retriggerable task, each duplicated by the
    /// `times` of the last request naming it; the rest rerun.
    #[test]
    fn gecko_retrigger_multiple_is_one_call() {
        let p = gecko_plan(
            "retrigger-multiple",
            json!({"requests": [{"tasks": ["build", "test-b"], "times": 2}, {"tasks": ["test-a", "build"], "times": 4}]}),
            None,
        )
        .unwrap();
        assert_eq!(calls(&p), [("", vec!["build", "test-a"])]);
        let modifier = &p.calls[0].modifier;
        assert_eq!(modifier.duplicates_of("build"), Some(4));
        assert_eq!(modifier.duplicates_of("test-a"), Some(4));
        assert_eq!(modifier.duplicates_of("docker-image"), None);
        assert_eq!(
            modifier.action_tag.as_deref(),
            Some("retrigger-multiple-task")
        );
        assert_eq!(p.reruns.len(), 1);
        assert_eq!(p.reruns[0].task_id, "TB");
    }

    /// gecko's run-missing-tests (`run_missing_tests.py` @ foxhound 8770be41): the target
    /// tasks of a test kind (`TEST_KINDS`) that no run created yet, in one call, no suffix.
    #[test]
    fn gecko_run_missing_tests_takes_the_missing_test_kind_target_tasks() {
        let task = |label: &str, kind: &str| {
            json!({"label": label, "kind": kind, "attributes": {}, "dependencies": {},
                   "optimization": null, "soft_dependencies": [], "if_dependencies": [],
                   "task": {"deadline": {"relative-datestamp": "1 day"}}})
        };
        let g = FullTaskGraph::parse(
            json!({"t1": task("t1", "test"), "b1": task("b1", "build"), "t2": task("t2", "test"),
                   "m1": task("m1", "mochitest"), "w1": task("w1", "web-platform-tests"),
                   "v1": task("v1", "visual-metrics-dep")})
            .to_string()
            .into_bytes(),
        )
        .unwrap();
        let targets: Vec<String> = ["t2", "b1", "t1", "m1", "w1", "v1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let existing: LabelToTaskId = [("t1".to_string(), "T1".to_string())].into_iter().collect();
        let target = |tasks: Option<&'static [String]>| Target {
            action: "run-missing-tests",
            input: &Value::Null,
            task_label: None,
            flavour: Flavour::Gecko,
            target_tasks: tasks,
            all_task_ids: None,
            parameters: None,
        };
        let leaked: &'static [String] = Box::leak(targets.into_boxed_slice());
        let p = plan(&g, &existing, target(Some(leaked))).unwrap();
        assert_eq!(calls(&p), [("", vec!["m1", "t2", "w1"])]);
        let missing = plan(&g, &existing, target(None)).unwrap_err();
        assert!(missing.to_string().contains("target-tasks.json"));
        // A target label the graph lacks fails the action.
        let bad: &'static [String] = Box::leak(vec!["nope".to_string()].into_boxed_slice());
        assert!(plan(&g, &existing, target(Some(bad))).is_err());
        // taskgraph has no such action.
        let mut tg = target(Some(leaked));
        tg.flavour = Flavour::Taskgraph;
        assert!(plan(&g, &existing, tg).is_err());
    }

    /// gecko (retrigger.py @ 2e26d251, util.py @ 0c98d232): a label to rerun reruns every
    /// taskId it has in the decision's and earlier runs' maps.
    #[test]
    fn gecko_retrigger_multiple_reruns_every_task_id_of_a_label() {
        let decision = existing();
        let earlier: LabelToTaskId = [("test-b", "TB2"), ("test-a", "TA2")]
            .into_iter()
            .map(|(l, t)| (l.to_string(), t.to_string()))
            .collect();
        let all = all_task_ids(&[decision.clone(), earlier.clone()]);
        assert_eq!(all["test-b"], ["TB", "TB2"]);
        assert!(!all.contains_key("build"));
        let merged = crate::engine::parse::merge_label_to_taskid(vec![decision, earlier]);
        let input = json!({"requests": [{"tasks": ["test-b", "build"]}]});
        let p = plan(
            &graph(),
            &merged,
            Target {
                action: "retrigger-multiple",
                input: &input,
                task_label: None,
                flavour: Flavour::Gecko,
                target_tasks: None,
                all_task_ids: Some(&all),
                parameters: None,
            },
        )
        .unwrap();
        let reruns: Vec<&str> = p.reruns.iter().map(|r| r.task_id.as_str()).collect();
        assert_eq!(reruns, ["TB", "TB2"]);
    }

    /// gecko's backfill-task, previewed: the rewritten definition of the one task it names,
    /// its copies, and the attributes task-graph.json records.
    #[test]
    fn backfill_task_previews_the_rewritten_task() {
        let g = graph();
        let e = existing();
        let input = json!({"label": "test-a", "retrigger": true, "times": 2, "revision": "abcdef0123456789",
                           "test_manifests": ["dom/a.toml"]});
        let p = plan(
            &g,
            &e,
            Target {
                action: "backfill-task",
                input: &input,
                task_label: None,
                flavour: Flavour::Gecko,
                target_tasks: None,
                all_task_ids: None,
                parameters: None,
            },
        )
        .unwrap();
        let task = |label: &str| {
            json!({"label": label, "kind": "test", "attributes": {}, "dependencies": {},
                   "optimization": null, "soft_dependencies": [], "if_dependencies": [],
                   "task": {"metadata": {"name": label}, "payload": {"env": {"A": "1"}}, "tags": {},
                            "extra": {"treeherder": {"symbol": "a1", "groupSymbol": "M"}},
                            "deadline": {"relative-datestamp": "1 day"}}})
        };
        let g2 = FullTaskGraph::parse(
            json!({"test-a": task("test-a"), "test-b": task("test-b")})
                .to_string()
                .into_bytes(),
        )
        .unwrap();
        let params = json!({});
        let request = Request {
            with_task_graph: true,
            ..template(&e, &params)
        };
        let preview = preview_plan(
            &g2,
            &request,
            &p,
            &mut crate::engine::ids::CounterIds::golden(),
        )
        .unwrap();
        let call = &preview.calls[0];
        assert_eq!(call.suffix, "0");
        let id = &call.iteration.created["test-a"];
        let t = &call.iteration.tasks[id];
        assert_eq!(
            t["payload"]["env"]["MOZHARNESS_TEST_PATHS"],
            "[\"dom/a.toml\"]"
        );
        assert_eq!(t["payload"]["env"]["A"], "1");
        assert_eq!(t["extra"]["treeherder"]["symbol"], "a1-abcdef01234-bk");
        assert_eq!(t["extra"]["treeherder"]["groupSymbol"], "M-bk");
        assert_eq!(t["tags"]["action"], "backfill-task");
        assert_eq!(t["extra"]["parent"], "A");
        assert_eq!(call.iteration.duplicates["test-a"].len(), 1);
        let graph_json = call.iteration.task_graph.as_ref().unwrap();
        assert_eq!(graph_json[id]["attributes"]["task_duplicates"], 2);
        assert_eq!(
            graph_json[id]["attributes"]["test_manifests"],
            json!(["dom/a.toml"])
        );
    }
}
