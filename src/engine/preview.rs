//! The preview: one request in, everything upstream would decide and create out.
//!
//! [`preview`] runs, per `times` iteration and each time on the original `label-to-taskid`
//! map, the same steps as upstream's `create_tasks`: closure, remove phase, replace phase,
//! subgraph with new taskIds, and `create.create_tasks`' final touches. Every decision carries
//! its reason, every added dependency a path to a requested label, and soft problems become
//! [`Warning`]s.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::Value;

use super::datestamps::strptime;
use super::error::{Error, Warning};
use super::finalize::{assign_duplicates, finish, CreateSettings};
use super::flavour::Flavour;
use super::ids::TaskIdSource;
use super::json::is_falsy;
use super::model::FullTaskGraph;
use super::modifier::Modifier;
use super::optimize::index_search_paths;
use super::optimize::remove::remove_tasks;
use super::optimize::replace::{replace_tasks, ReplaceInput, Source};
use super::optimize::strategies::Strategy;
use super::optimize::subgraph::{build_definition, get_subgraph, Stamp, SubgraphInput};
use super::par;
use super::parse::{IndexAnswers, LabelToTaskId};
use super::references::DatestampMemo;
use super::select::{target_graph, Local, TargetGraph};

/// Which upstream code path to reproduce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `add_new_jobs_action` → `create_tasks`: requested labels are never optimized, every
    /// created task depends on the action task and has it as `extra.parent`.
    AddNewJobs { action_task_id: String },
    /// A decision task's optimisation of the closure: `do_not_optimize` from the parameters,
    /// no action stamp. This is the path where `skip-unless-changed` and `if_dependencies`
    /// remove tasks.
    Decision { do_not_optimize: Vec<String> },
}

/// The push a preview reads, borrowed from whoever loaded it (the session, the CLI, a test):
/// the same for every preview of that push.
#[derive(Debug, Clone, Copy)]
pub struct Push<'a> {
    /// The merged `label-to-taskid.json` of the decision, earlier actions and cron tasks.
    pub existing: &'a LabelToTaskId,
    /// The decision's parameters.
    pub parameters: &'a Value,
    /// Index and status answers for `index-search`.
    pub answers: &'a IndexAnswers,
    pub decision_task_id: &'a str,
    pub trust_domain: &'a str,
    /// `params["level"]` as upstream formats it into `schedulerId`.
    pub level: &'a str,
    /// `$TASKCLUSTER_ROOT_URL`.
    pub root_url: &'a str,
    /// `$TASKCLUSTER_PROXY_URL` (`None`: private artifacts use the root URL).
    pub proxy_url: Option<&'a str>,
    /// Whose action code runs: which strategy names the project registers.
    pub flavour: Flavour,
}

/// One preview: the push it reads and what is asked of it.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub push: Push<'a>,
    /// The labels to add (`input.tasks`), in the user's order; duplicates are allowed.
    pub labels: Vec<String>,
    /// `input.times` (1 to 100).
    pub times: u32,
    pub mode: Mode,
    /// What the action callback's `modifier` and `action_tag` change in every task of the
    /// closure (gecko's retrigger: `task_duplicates`, `tags.action`).
    pub modifier: Modifier,
    /// The time tasks are created at (upstream: per task, just before `createTask`).
    pub now: NaiveDateTime,
    /// Also build the `task-graph.json` artifact of each iteration.
    pub with_task_graph: bool,
    /// Threads to build many task definitions with (ignored on wasm32; 1 = in order). The
    /// result is the same for any value.
    pub threads: usize,
}

impl<'a> Request<'a> {
    /// Adding `labels` once to `push` at `now`, as add-new-jobs' action task (its id not known
    /// yet: `action_task_id`), on one thread, without `task-graph.json`.
    pub fn add_new_jobs(
        push: Push<'a>,
        labels: Vec<String>,
        action_task_id: &str,
        now: NaiveDateTime,
    ) -> Request<'a> {
        Request {
            push,
            labels,
            times: 1,
            mode: Mode::AddNewJobs {
                action_task_id: action_task_id.to_string(),
            },
            modifier: Modifier::default(),
            now,
            with_task_graph: false,
            threads: 1,
        }
    }
}

/// How a reused task was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reuse {
    pub task_id: String,
    /// `existing-tasks` or `index-search`.
    pub source: String,
    /// The index path of an `index-search` hit.
    pub index_path: Option<String>,
}

/// The outcome of one `create_tasks` call.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Iteration {
    /// Label → new taskId.
    pub created: BTreeMap<String, String>,
    /// Label → the task reused in its place.
    pub reused: BTreeMap<String, Reuse>,
    /// Label → why it was removed.
    pub removed: BTreeMap<String, String>,
    /// TaskId → the definition exactly as sent to `queue.createTask` (extra copies from
    /// `task_duplicates` included). Left out of the worker's answers asked without
    /// definitions (read back as empty).
    #[serde(default)]
    pub tasks: BTreeMap<String, Value>,
    /// Label → why it is created (requested, or which dependency could not be reused).
    #[serde(default)]
    pub reasons: BTreeMap<String, String>,
    /// Label → path from a requested label down to it, for every task that is not requested.
    /// A path longer than [`WHY_KEPT`] keeps its first 16 and last 15 labels around one
    /// `… N more …` entry.
    #[serde(default)]
    pub why: BTreeMap<String, Vec<String>>,
    /// Label → taskIds of the extra copies `attributes.task_duplicates` asks for.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub duplicates: BTreeMap<String, Vec<String>>,
    /// Worker pool → how many of the created tasks (extra copies included) will wait for its
    /// workers: the definitions' `taskQueueId`, else `provisionerId/workerType`.
    #[serde(default)]
    pub worker_pools: BTreeMap<String, usize>,
    /// The action's `label-to-taskid.json` artifact.
    #[serde(rename = "labelToTaskId", default)]
    pub label_to_taskid: BTreeMap<String, String>,
    /// The action's `task-graph.json` artifact, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_graph: Option<BTreeMap<String, Value>>,
}

impl Iteration {
    /// Tasks this call creates, with the extra `task_duplicates` copies.
    pub fn created_count(&self) -> usize {
        self.created.len() + self.duplicates.values().map(Vec::len).sum::<usize>()
    }
}

/// The whole preview.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    /// The requested labels, sorted and distinct.
    pub requested: Vec<String>,
    pub times: u32,
    /// Every task of the closure, sorted.
    pub closure: Vec<String>,
    /// The index paths upstream would look up (sorted).
    #[serde(default)]
    pub index_paths: Vec<String>,
    pub iterations: Vec<Iteration>,
    pub warnings: Vec<Warning>,
}

impl Preview {
    /// Each iteration with the artifact suffix of the `create_tasks` call that makes it
    /// (add_new_jobs_action's `times` loop: `0`, `1`, …): what following the action compares.
    pub fn calls(&self) -> Vec<(String, &Iteration)> {
        (self.iterations.iter().enumerate())
            .map(|(i, it)| (i.to_string(), it))
            .collect()
    }

    /// Worker pool → tasks created there over all iterations (extra copies included).
    pub fn worker_pools(&self) -> BTreeMap<String, usize> {
        sum_pools(self.iterations.iter())
    }

    /// Whether any iteration reuses a task for `label`.
    pub fn reuses(&self, label: &str) -> bool {
        self.iterations
            .iter()
            .any(|it| it.reused.contains_key(label))
    }
}

/// Computes the preview of `request` on `graph`. New taskIds come from `ids`.
pub fn preview(
    graph: &FullTaskGraph,
    request: &Request<'_>,
    ids: &mut dyn TaskIdSource,
) -> Result<Preview, Error> {
    if request.times == 0 || request.times > 100 {
        return Err(Error::BadRequest {
            message: format!("times must be between 1 and 100, not {}", request.times),
        });
    }
    let target = target_graph(graph, &request.labels)?;
    let n = target.len();
    let requested = marked(&target, &request.labels);
    let do_not_optimize = do_not_optimize(&target, &request.labels, &request.mode);
    let stamp = match &request.mode {
        Mode::AddNewJobs { action_task_id } => Stamp::Action {
            action_task_id: action_task_id.clone(),
            modifier: request.modifier.clone(),
        },
        Mode::Decision { .. } => Stamp::Decision,
    };

    let removal = remove_tasks(
        &target,
        &requested,
        &do_not_optimize,
        request.push.parameters,
    )?;
    // Upstream's index prefetch runs before the replace phase and fails on arguments it
    // cannot iterate, even for tasks later reused from label-to-taskid.
    let index_paths = index_search_paths(&target, &do_not_optimize)?;
    let replace_input = ReplaceInput {
        do_not_optimize: &do_not_optimize,
        removed: &removal.removed,
        existing: request.push.existing,
        answers: request.push.answers,
        now: request.now,
    };
    let scheduler_id = format!("{}-level-{}", request.push.trust_domain, request.push.level);
    let why = why_paths(&target, &requested);
    let mut warnings = closure_warnings(&target, request);
    let mut iterations = Vec::with_capacity(request.times as usize);
    // Every iteration starts from the same original map, so the phases decide the same way
    // each time; only the new taskIds differ.
    let replacing = replace_tasks(&target, &replace_input)?;
    for _ in 0..request.times {
        let subgraph_input = SubgraphInput {
            // Replace-with-nothing never happens with the built-in strategies, so the removed
            // set after the replace phase is the one of the remove phase.
            removed: &removal.removed,
            replaced: &replacing.replaced,
            stamp: &stamp,
            decision_task_id: request.push.decision_task_id,
            root_url: request.push.root_url,
            proxy_url: request.push.proxy_url.filter(|p| !p.is_empty()),
            with_task_graph: request.with_task_graph,
        };
        let subgraph = get_subgraph(&target, &subgraph_input, ids)?;
        // Each kept task's definition is built and finished on its own (in parallel where
        // threads are available): parse, stamp, resolve references, add dependencies, then
        // what `create.create_tasks` adds.
        let new_ids: Vec<String> = subgraph.jobs.iter().map(|j| j.task_id.clone()).collect();
        let in_graph: HashSet<&str> = new_ids.iter().map(String::as_str).collect();
        let settings = CreateSettings {
            decision_task_id: request.push.decision_task_id,
            scheduler_id: &scheduler_id,
            now: request.now,
            modifier: &request.modifier,
        };
        let memo = DatestampMemo::default();
        let finished = par::map(subgraph.jobs, request.threads, |job| {
            let (kept, entry) = build_definition(&target, &subgraph_input, job)?;
            finish(&target, kept, &settings, &in_graph, &memo).map(|done| (done, entry))
        });
        let mut created_tasks = Vec::with_capacity(finished.len());
        let mut task_graph = request.with_task_graph.then(BTreeMap::new);
        for result in finished {
            let (done, entry) = result?;
            if let (Some(task_graph), Some(entry)) = (task_graph.as_mut(), entry) {
                task_graph.insert(done.0.task_id.clone(), entry);
            }
            created_tasks.push(done);
        }
        assign_duplicates(&mut created_tasks, ids);

        let mut iteration = Iteration {
            created: BTreeMap::new(),
            reused: BTreeMap::new(),
            removed: BTreeMap::new(),
            tasks: BTreeMap::new(),
            reasons: BTreeMap::new(),
            why: BTreeMap::new(),
            duplicates: BTreeMap::new(),
            worker_pools: BTreeMap::new(),
            label_to_taskid: subgraph.label_to_taskid,
            task_graph,
        };
        for local in 0..n as Local {
            let label = target.label(local).to_string();
            let slot = local as usize;
            if removal.removed.get(slot).copied().unwrap_or(false) {
                iteration.removed.insert(
                    label.clone(),
                    removal.reasons.get(slot).cloned().unwrap_or_default(),
                );
            } else if let Some(Some(r)) = replacing.replaced.get(slot) {
                let (source, index_path) = match &r.source {
                    Source::ExistingTasks => ("existing-tasks", None),
                    Source::IndexSearch { path } => ("index-search", Some(path.clone())),
                };
                iteration.reused.insert(
                    label.clone(),
                    Reuse {
                        task_id: r.task_id.clone(),
                        source: source.to_string(),
                        index_path,
                    },
                );
            } else {
                let reason = if requested.get(slot).copied().unwrap_or(false) {
                    "requested".to_string()
                } else {
                    replacing
                        .kept_reasons
                        .get(slot)
                        .cloned()
                        .unwrap_or_default()
                };
                iteration.reasons.insert(label.clone(), reason);
            }
            if let Some(path) = why.get(slot).filter(|p| p.len() > 1) {
                if !iteration.removed.contains_key(&label) {
                    iteration.why.insert(
                        label,
                        path.iter()
                            .map(|hop| match *hop {
                                Hop::Task(l) => target.label(l).to_string(),
                                Hop::Elided(n) => format!("… {n} more …"),
                            })
                            .collect(),
                    );
                }
            }
        }
        for (task, _) in created_tasks {
            iteration
                .created
                .insert(task.label.clone(), task.task_id.clone());
            for dup in &task.duplicates {
                iteration.tasks.insert(dup.clone(), task.definition.clone());
            }
            if !task.duplicates.is_empty() {
                iteration
                    .duplicates
                    .insert(task.label.clone(), task.duplicates.clone());
            }
            *(iteration.worker_pools)
                .entry(worker_pool(&task.definition))
                .or_default() += 1 + task.duplicates.len();
            iteration.tasks.insert(task.task_id, task.definition);
        }
        iterations.push(iteration);
    }

    if let Some(first) = iterations.first() {
        warnings.extend(result_warnings(&target, first, request, &requested));
    }
    let mut requested_labels: Vec<String> = request.labels.clone();
    requested_labels.sort();
    requested_labels.dedup();
    Ok(Preview {
        requested: requested_labels,
        times: request.times,
        closure: (0..n as Local)
            .map(|l| target.label(l).to_string())
            .collect(),
        index_paths,
        iterations,
        warnings,
    })
}

/// Worker pool → tasks, added up over `iterations`.
pub fn sum_pools<'a>(iterations: impl Iterator<Item = &'a Iteration>) -> BTreeMap<String, usize> {
    let mut pools = BTreeMap::new();
    for (pool, n) in iterations.flat_map(|it| it.worker_pools.iter()) {
        *pools.entry(pool.clone()).or_default() += n;
    }
    pools
}

/// The worker pool a task definition waits in: its `taskQueueId`, else
/// `provisionerId/workerType` (the two spellings Taskcluster's queue accepts), else `unknown`.
pub fn worker_pool(definition: &Value) -> String {
    let text = |key: &str| definition.get(key).and_then(Value::as_str);
    match (
        text("taskQueueId"),
        text("provisionerId"),
        text("workerType"),
    ) {
        (Some(queue), _, _) => queue.to_string(),
        (None, Some(provisioner), Some(worker_type)) => format!("{provisioner}/{worker_type}"),
        _ => "unknown".to_string(),
    }
}

/// The index paths a preview of `labels` would look up (what a caller with network access
/// fetches answers for): those of the `index-search` tasks of the closure that may be
/// optimized.
pub fn index_search_paths_for(
    graph: &FullTaskGraph,
    labels: &[String],
    mode: &Mode,
) -> Result<Vec<String>, Error> {
    let target = target_graph(graph, labels)?;
    let do_not_optimize = do_not_optimize(&target, labels, mode);
    index_search_paths(&target, &do_not_optimize)
}

/// A flag per task of the target graph: set for the given labels that are in it.
fn marked(target: &TargetGraph<'_>, labels: &[String]) -> Vec<bool> {
    let mut flags = vec![false; target.len()];
    for label in labels {
        if let Some(slot) = target
            .local_of(label)
            .and_then(|l| flags.get_mut(l as usize))
        {
            *slot = true;
        }
    }
    flags
}

/// `do_not_optimize`: the requested labels for an action, the parameters' list for a decision.
fn do_not_optimize(target: &TargetGraph<'_>, labels: &[String], mode: &Mode) -> Vec<bool> {
    match mode {
        Mode::AddNewJobs { .. } => marked(target, labels),
        Mode::Decision { do_not_optimize } => marked(target, do_not_optimize),
    }
}

/// How many entries a "why" path has at most: longer paths keep their first [`WHY_HEAD`] and
/// last `WHY_KEPT - WHY_HEAD - 1` labels around one `… N more …` entry. Real graphs are a dozen deep;
/// a hostile `full-task-graph.json` (a chain of 100,000 tasks) would otherwise make the paths
/// quadratic in time and memory (tens of GB).
pub const WHY_KEPT: usize = 32;
const WHY_HEAD: usize = 16;

/// One step of a "why" path: a task, or the tasks left out of a long path's middle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hop {
    Task(Local),
    Elided(usize),
}

/// For every task, a shortest path from a requested task down to it (breadth-first from the
/// requested tasks in label order), at most [`WHY_KEPT`] labels long: linear in the graph.
fn why_paths(target: &TargetGraph<'_>, requested: &[bool]) -> Vec<Vec<Hop>> {
    let n = target.len();
    let mut parent: Vec<Option<Local>> = vec![None; n];
    // Depth from the requested task, and the ancestor at depth WHY_HEAD - 1 (the end of the
    // path's head), filled in breadth-first order: each from its parent in O(1).
    let mut depth: Vec<usize> = vec![0; n];
    let mut anchor: Vec<Local> = (0..n as Local).collect();
    let mut seen = vec![false; n];
    let mut queue = VecDeque::new();
    for (l, &r) in requested.iter().enumerate() {
        if let (true, Some(s)) = (r, seen.get_mut(l)) {
            *s = true;
            queue.push_back(l as Local);
        }
    }
    while let Some(node) = queue.pop_front() {
        let (node_depth, node_anchor) = (
            depth.get(node as usize).copied().unwrap_or(0),
            anchor.get(node as usize).copied().unwrap_or(node),
        );
        for &dep in target.dependencies.get(node as usize).into_iter().flatten() {
            let d = dep as usize;
            if let Some(s) = seen.get_mut(d) {
                if !*s {
                    *s = true;
                    if let (Some(p), Some(dd), Some(a)) =
                        (parent.get_mut(d), depth.get_mut(d), anchor.get_mut(d))
                    {
                        *p = Some(node);
                        *dd = node_depth + 1;
                        if *dd >= WHY_HEAD {
                            *a = node_anchor;
                        }
                    }
                    queue.push_back(dep);
                }
            }
        }
    }
    // Up to `steps` tasks from `from` towards the requested one, nearest last.
    let walk = |from: Local, steps: usize| {
        let mut hops = Vec::with_capacity(steps.min(WHY_KEPT));
        let mut cur = Some(from);
        while let (Some(c), true) = (cur, hops.len() < steps) {
            hops.push(Hop::Task(c));
            cur = parent.get(c as usize).copied().flatten();
        }
        hops.reverse();
        hops
    };
    (0..n as Local)
        .map(|l| {
            let len = depth.get(l as usize).copied().unwrap_or(0) + 1;
            if len <= WHY_KEPT {
                return walk(l, len);
            }
            let tail = WHY_KEPT - WHY_HEAD - 1;
            let mut path = walk(anchor.get(l as usize).copied().unwrap_or(l), WHY_HEAD);
            path.push(Hop::Elided(len - WHY_HEAD - tail));
            path.extend(walk(l, tail));
            path
        })
        .collect()
}

/// Warnings about the closure itself: dropped dependencies, strategies the project does not
/// register, and (in decision mode) the project's own strategies, which may remove tasks there.
fn closure_warnings(target: &TargetGraph<'_>, request: &Request<'_>) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let mut unknown_strategies: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut unevaluated: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for &idx in &target.nodes {
        let Some(task) = target.graph.node(idx) else {
            continue;
        };
        let missing: Vec<String> = task
            .dependencies
            .iter()
            .filter(|d| d.target.is_none())
            .map(|d| d.label.clone())
            .collect();
        if !missing.is_empty() {
            warnings.push(Warning::unknown_dependency(&task.label, &missing));
        }
        if let Strategy::Unknown(name) = Strategy::of(&task.optimization) {
            let registered = request.push.flavour.registers(name);
            if !registered {
                unknown_strategies
                    .entry(name)
                    .or_default()
                    .push(task.label.clone());
            } else if matches!(request.mode, Mode::Decision { .. }) {
                unevaluated
                    .entry(name)
                    .or_default()
                    .push(task.label.clone());
            }
        }
    }
    for (name, labels) in unevaluated {
        warnings.push(Warning {
            kind: "unevaluated-strategy".into(),
            message: format!(
                "{} strategy {name:?} is treated as \"never\"; in a decision it may remove tasks \
                 (it never replaces one, so actions are not affected)",
                request.push.flavour
            ),
            labels,
        });
    }
    for (name, labels) in unknown_strategies {
        let message = match request.push.flavour {
            Flavour::Gecko => format!(
                "optimization strategy {name:?} is registered by neither taskgraph nor gecko; \
                 treated as \"never\" (if the tree registers it, the action could decide \
                 differently)"
            ),
            Flavour::Taskgraph => format!(
                "optimization strategy {name:?} is not a built-in one; treated as \"never\" \
                 (the project may register it, and then the action could decide differently)"
            ),
        };
        warnings.push(Warning {
            kind: "unknown-strategy".into(),
            message,
            labels,
        });
    }
    warnings
}

/// Warnings about the outcome: reused tasks that failed or expire too early, tasks built once
/// per `times` iteration, definitions the queue would reject.
fn result_warnings(
    target: &TargetGraph<'_>,
    iteration: &Iteration,
    request: &Request<'_>,
    requested: &[bool],
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    // Latest deadline among the created dependents of each reused task.
    let deadline_of = |label: &str| -> Option<&str> {
        let id = iteration.created.get(label)?;
        iteration.tasks.get(id)?.get("deadline")?.as_str()
    };
    let mut failed = Vec::new();
    let mut expiring = Vec::new();
    for (label, reuse) in &iteration.reused {
        let Some(status) = request.push.answers.statuses.get(&reuse.task_id) else {
            continue;
        };
        if is_falsy(status) {
            continue;
        }
        let state = status.get("state").and_then(Value::as_str).unwrap_or("");
        if state == "failed" || state == "exception" {
            failed.push(format!("{label} ({}: {state})", reuse.task_id));
        }
        let Some(local) = target.local_of(label) else {
            continue;
        };
        let latest = target
            .dependents
            .get(local as usize)
            .into_iter()
            .flatten()
            .filter_map(|&d| deadline_of(target.label(d)))
            .max();
        if let (Some(latest), Some(expires)) =
            (latest, status.get("expires").and_then(Value::as_str))
        {
            let (a, b) = (strptime(expires), strptime(latest));
            if let (Some(a), Some(b)) = (a, b) {
                if a < b {
                    expiring.push(format!(
                        "{label} ({} expires {expires}, needed until {latest})",
                        reuse.task_id
                    ));
                }
            }
        }
    }
    let labels_of = |items: &[String]| -> Vec<String> {
        items
            .iter()
            .map(|s| s.split(" (").next().unwrap_or(s).to_string())
            .collect()
    };
    if !failed.is_empty() {
        warnings.push(Warning {
            kind: "reused-failed".into(),
            labels: labels_of(&failed),
            message: format!(
                "reused without any check, although not successful: {}",
                failed.join(", ")
            ),
        });
    }
    if !expiring.is_empty() {
        warnings.push(Warning {
            kind: "reused-expires-early".into(),
            labels: labels_of(&expiring),
            message: format!(
                "reused, but expires before a new dependent's deadline: {}",
                expiring.join(", ")
            ),
        });
    }
    if request.times > 1 {
        let intermediate: Vec<String> = iteration
            .created
            .keys()
            .filter(|l| {
                target
                    .local_of(l)
                    .is_some_and(|x| !requested.get(x as usize).copied().unwrap_or(false))
            })
            .cloned()
            .collect();
        if !intermediate.is_empty() {
            warnings.push(Warning {
                kind: "built-per-iteration".into(),
                message: format!(
                    "with times = {}, each of these dependencies is built {} times, once per \
                     iteration, instead of being shared",
                    request.times, request.times
                ),
                labels: intermediate,
            });
        }
    }
    let mut duplicated = BTreeSet::new();
    let mut many_routes = BTreeSet::new();
    for (label, id) in &iteration.created {
        let Some(def) = iteration.tasks.get(id) else {
            continue;
        };
        if let Some(deps) = def.get("dependencies").and_then(Value::as_array) {
            let mut ids: Vec<&str> = deps.iter().filter_map(Value::as_str).collect();
            ids.sort_unstable();
            if ids.windows(2).any(|w| w.first() == w.get(1)) {
                duplicated.insert(label.clone());
            }
        }
        if def
            .get("routes")
            .and_then(Value::as_array)
            .is_some_and(|r| r.len() > 64)
        {
            many_routes.insert(label.clone());
        }
    }
    if !duplicated.is_empty() {
        warnings.push(Warning {
            kind: "duplicate-dependencies".into(),
            labels: duplicated.into_iter().collect(),
            message: "the dependencies list repeats a taskId (two edges or a soft and a hard \
                      dependency on one task); the queue rejects such a definition"
                .into(),
        });
    }
    if !many_routes.is_empty() {
        warnings.push(Warning {
            kind: "too-many-routes".into(),
            labels: many_routes.into_iter().collect(),
            message: "more than 64 routes: actions do not run the decision's index-task morph, \
                      so the queue would reject the task"
                .into(),
        });
    }
    warnings
}
