//! One loaded push, ready for many previews: what the page's worker and the JavaScript API
//! keep between clicks. It holds the parsed graph and everything a preview reads (merged
//! `label-to-taskid.json`, parameters, the index answers asked so far, trust domain and level),
//! plus what the grid and the trigger need (the task group's states, `actions.json`).
//!
//! Loading goes through the Taskcluster layer's [`Transport`], so the same code runs on the
//! browser's `fetch` (in the worker) and natively (in tests, against the stand-in).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDateTime;
use futures_util::FutureExt;
use serde_json::{json, Value};

use crate::actions::{ActionError, ActionsJson, Trigger};
use crate::engine::callbacks::{self, ActionPreview, Plan};
pub use crate::engine::runnable::{JobState, Listing};
use crate::engine::{
    self, parse, runnable, Flavour, FullTaskGraph, IndexAnswers, LabelToTaskId, Mode, Preview,
    Push, Request, TaskIdSource, Warning,
};
use crate::protocol::{self, EarlyMessage};
pub use crate::protocol::{Context, GridJob, Shown, Summary};
use crate::taskcluster::client::{HttpRequest, RetryPolicy, Transport};
use crate::taskcluster::loader::{self, LoadError};
use crate::taskcluster::trigger;

/// The kind of the warning a preview carries when add-new-jobs cannot be rendered for its
/// labels (its JSON-e in `actions.json` is refused or invalid, or the input fails its schema):
/// the preview stands, the trigger cannot be made.
pub const ACTION_UNAVAILABLE: &str = "action-unavailable";

/// The action task id stamped into previewed definitions before the real one exists (the
/// CLI's default too).
pub const PLACEHOLDER_ACTION_TASK_ID: &str = "ActionTaskId0000000000A";

/// A push, loaded.
#[derive(Debug)]
pub struct Session {
    pub graph: FullTaskGraph,
    pub context: Context,
    pub existing: LabelToTaskId,
    pub parameters: Value,
    /// Index and status answers fetched so far (remote pushes) or given (files).
    pub answers: IndexAnswers,
    /// Index paths already asked for, found or not.
    asked: BTreeSet<String>,
    /// Whether index answers can be fetched (a push loaded over HTTP).
    pub remote: bool,
    pub actions: Option<ActionsJson>,
    /// Label → (taskId, Taskcluster state) of the jobs already in the task group.
    pub group: BTreeMap<String, (String, String)>,
    /// TaskId → Taskcluster state of every task in the task group (a label may have several:
    /// reruns check the state of each).
    pub task_states: BTreeMap<String, String>,
    /// Earlier actions and cron tasks whose maps were merged.
    pub merged_from: Vec<String>,
    /// Label → the earlier action or cron task whose map gave its taskId (see
    /// [`loader::Push::sources`]).
    pub sources: BTreeMap<String, String>,
    /// Every taskId of labels several runs created (see [`loader::Push::all_task_ids`]).
    pub all_task_ids: callbacks::AllTaskIds,
    /// The decision's `target-tasks.json`, once an action that reads it was asked for.
    pub target_tasks: Option<Vec<String>>,
    /// The grid's jobs, built on first use (it parses every task definition once).
    jobs: std::cell::OnceCell<Vec<GridJob>>,
    /// Problems found while loading (prior runs without a map, no `actions.json`, no task
    /// group); every preview carries them. The graph's own warnings (dropped edges) are
    /// reported by each preview for its own tasks.
    pub load_warnings: Vec<Warning>,
    /// `$TASKCLUSTER_PROXY_URL` of the action task ([`PROXY_URL`]; the CLI's `--proxy-url`).
    pub proxy_url: Option<String>,
}

/// The Taskcluster proxy action tasks use for private artifacts.
pub const PROXY_URL: &str = "http://taskcluster";

/// The decision task a push given as files stands for, unless named.
pub const DEFAULT_DECISION: &str = "DecisionTaskId00000000A";

/// The Taskcluster deployment a push given as files is on, unless named (Firefox CI).
pub const DEFAULT_ROOT_URL: &str = "https://firefox-ci-tc.services.mozilla.com";

impl Context {
    /// The context of a push given as files or in memory, from what its caller names
    /// (`None`: not named): the decision [`DEFAULT_DECISION`], the trust domain `gecko`, the
    /// flavour from the trust domain, the level from the parameters else `3`, the root URL
    /// [`DEFAULT_ROOT_URL`].
    pub fn local(
        decision_task_id: Option<String>,
        trust_domain: Option<String>,
        flavour: Option<Flavour>,
        level: Option<String>,
        root_url: Option<String>,
        parameters: &Value,
    ) -> Context {
        let trust_domain = trust_domain.unwrap_or_else(|| "gecko".into());
        let (flavour, flavour_reason) = Flavour::resolve(flavour, &trust_domain, "");
        Context {
            decision_task_id: decision_task_id.unwrap_or_else(|| DEFAULT_DECISION.into()),
            run_id: 0,
            level: level
                .or_else(|| level_of(parameters))
                .unwrap_or_else(|| "3".into()),
            trust_domain,
            root_url: root_url.unwrap_or_else(|| DEFAULT_ROOT_URL.into()),
            flavour,
            flavour_reason,
        }
    }
}

/// The parameters' `level`, as text.
fn level_of(parameters: &Value) -> Option<String> {
    match parameters.get("level")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Session {
    /// A session over inputs already in memory (files, or a host's own downloads).
    pub fn from_parts(
        graph: FullTaskGraph,
        context: Context,
        existing: LabelToTaskId,
        parameters: Value,
        answers: IndexAnswers,
        actions: Option<ActionsJson>,
    ) -> Session {
        Session {
            graph,
            context,
            existing,
            parameters,
            answers,
            asked: BTreeSet::new(),
            remote: false,
            actions,
            group: BTreeMap::new(),
            task_states: BTreeMap::new(),
            merged_from: Vec::new(),
            sources: BTreeMap::new(),
            all_task_ids: BTreeMap::new(),
            target_tasks: None,
            jobs: std::cell::OnceCell::new(),
            load_warnings: Vec::new(),
            proxy_url: Some(PROXY_URL.into()),
        }
    }

    /// Loads the push of `decision_task_id` the way its action task will see it (see
    /// [`loader::load_push`]), plus its `actions.json` and task group. A push without
    /// `actions.json` or whose task group cannot be listed still loads, with a warning.
    /// [`Session::load_staged`] does the work; this waits for all of it.
    pub async fn load<T: Transport>(
        t: &T,
        root_url: &str,
        decision_task_id: &str,
        flavour: Option<Flavour>,
        progress: &dyn Fn(&str),
        on_jobs: &dyn Fn(&str),
    ) -> Result<Session, SessionError> {
        let ready = std::cell::RefCell::new(None);
        let listed = Session::load_staged(
            t,
            root_url,
            decision_task_id,
            flavour,
            progress,
            on_jobs,
            &|session| *ready.borrow_mut() = Some(session),
        )
        .await?;
        let mut session = ready.into_inner().ok_or_else(|| {
            SessionError::Load(invalid_load(
                decision_task_id,
                "the push never became ready",
            ))
        })?;
        session.apply_listing(listed);
        Ok(session)
    }

    /// Loads a push in stages, handing each over as soon as it is there:
    /// - the grid first: while the graph downloads, the decision's `runnable-jobs.json` and
    ///   the task group listing are fetched alongside, and `on_jobs` gets the jobs and then the
    ///   states each page of the listing adds (see [`early_grid`]);
    /// - `ready` gets the session once the action's view of the push (graph, maps,
    ///   parameters) and `actions.json` are in: previews can start, with the group's states
    ///   listed so far;
    /// - the result is the whole listing ([`Listed`], for [`Session::apply_listing`]), once
    ///   the last page is in. A big group takes many pages: previews do not wait for them.
    ///
    /// A decision without `runnable-jobs.json` sends no jobs: the grid then waits for the
    /// graph. `ready` is called exactly once when the load succeeds.
    pub async fn load_staged<T: Transport>(
        t: &T,
        root_url: &str,
        decision_task_id: &str,
        flavour: Option<Flavour>,
        progress: &dyn Fn(&str),
        on_jobs: &dyn Fn(&str),
        ready: &dyn Fn(Session),
    ) -> Result<Listed, SessionError> {
        let retry = RetryPolicy::default();
        let listed: std::cell::RefCell<Vec<loader::GroupTask>> = Default::default();
        let early = early_grid(t, root_url, decision_task_id, retry, on_jobs, &listed);
        // The graph is parsed as it arrives, while the task group may still be listed.
        let main = async {
            // actions.json downloads with the graph.
            let (push, actions) = loader::load_push(
                t,
                root_url,
                decision_task_id,
                flavour,
                retry,
                progress,
                |run_id| async move {
                    let actions =
                        trigger::load_actions(t, root_url, decision_task_id, run_id, retry).await;
                    // Compiled while the graph still downloads, not by the first preview.
                    if let Ok(actions) = &actions {
                        actions.compile_schemas(crate::actions::ADD_NEW_JOBS);
                    }
                    actions
                },
            )
            .await
            .map_err(|e| match e {
                LoadError::Graph { error, .. } => SessionError::Engine(
                    error,
                    format!("full-task-graph.json of {decision_task_id}"),
                ),
                other => other.into(),
            })?;
            let mut warnings = push.warnings;
            let actions = match actions {
                Ok(actions) => Some(actions),
                Err(e) => {
                    warnings.push(Warning {
                        kind: "no-actions".into(),
                        labels: vec![],
                        message: format!("this push cannot be triggered from here: {e}"),
                    });
                    None
                }
            };
            let mut session = Session::from_parts(
                push.full_task_graph,
                Context {
                    decision_task_id: push.decision_task_id,
                    run_id: push.run_id,
                    trust_domain: push.trust_domain,
                    level: push.level,
                    root_url: root_url.to_string(),
                    flavour: push.flavour,
                    flavour_reason: push.flavour_reason,
                },
                push.label_to_taskid,
                push.parameters,
                IndexAnswers::default(),
                actions,
            );
            session.remote = true;
            session.group = group_map(&listed.borrow());
            session.task_states = task_states(&listed.borrow());
            session.merged_from = push.merged_from;
            session.sources = push.sources;
            session.all_task_ids = push.all_task_ids;
            session.load_warnings = warnings;
            ready(session);
            Ok::<(), SessionError>(())
        };
        // Each boxed: a join polls its futures through their own poll functions, not one
        // function with both state machines inlined (the browser optimizes what runs hot, and
        // optimizing a 20 kB function on every load costs more than the two calls).
        let (loaded, (group, early_problem)) =
            futures_util::future::join(main.boxed_local(), early.boxed_local()).await;
        loaded?;
        let mut warnings: Vec<Warning> = early_problem.into_iter().collect();
        let (group, task_states) = match group {
            Ok(()) => {
                let listed = listed.into_inner();
                (group_map(&listed), task_states(&listed))
            }
            Err(e) => {
                warnings.push(Warning {
                    kind: "no-task-group".into(),
                    labels: vec![],
                    message: format!("the states of existing jobs are unknown: {e}"),
                });
                (BTreeMap::new(), BTreeMap::new())
            }
        };
        Ok(Listed {
            group,
            task_states,
            warnings,
        })
    }

    /// Takes in the whole task group listing (the grid is built again from it).
    pub fn apply_listing(&mut self, listed: Listed) {
        self.group = listed.group;
        self.task_states = listed.task_states;
        self.load_warnings.extend(listed.warnings);
        self.jobs = std::cell::OnceCell::new();
    }

    pub fn summary(&self) -> Summary {
        let param = |k: &str| match self.parameters.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        Summary {
            context: self.context.clone(),
            tasks: self.graph.len(),
            edges: self.graph.edge_count(),
            existing: self.existing.len(),
            project: param("project"),
            revision: param("head_rev"),
            owner: param("owner"),
            pushlog_id: param("pushlog_id"),
            merged_from: self.merged_from.clone(),
            has_add_new_jobs: self
                .actions
                .as_ref()
                .is_some_and(|a| a.find("add-new-jobs", None).is_ok()),
            warnings: self
                .load_warnings
                .iter()
                .chain(self.graph.warnings())
                .cloned()
                .collect(),
        }
    }

    /// The grid: every task that reports to Treeherder, runnable or with its state, in label
    /// order.
    pub fn jobs(&self) -> &[GridJob] {
        self.jobs.get_or_init(|| self.build_jobs())
    }

    fn build_jobs(&self) -> Vec<GridJob> {
        runnable::treeherder_jobs(&self.graph)
            .into_iter()
            .map(|job| {
                let existing = self
                    .group
                    .get(&job.label)
                    .map(|(id, state)| (id.clone(), treeherder_state(state, &job.kind)))
                    .or_else(|| {
                        self.existing
                            .get(&job.label)
                            .map(|id| (id.clone(), "unknown".to_string()))
                    });
                let (task_id, state) = match existing {
                    Some((id, state)) => (Some(id), state),
                    None => (None, "runnable".to_string()),
                };
                GridJob::new(job, state, task_id)
            })
            .collect()
    }

    /// Where the existing taskId of `label` comes from: the decision task's id, or the
    /// earlier action or cron task whose `label-to-taskid.json` gave it.
    pub fn existing_source(&self, label: &str) -> &str {
        self.sources
            .get(label)
            .map_or(self.context.decision_task_id.as_str(), String::as_str)
    }

    /// What the page shows of `preview` besides the engine's answer: each closure task's
    /// kind, where each reused task's map came from, the line a sheriff reads first
    /// ([`summary_text`]), the picks that already ran on this push (the decision's or an
    /// earlier action's task has their label: the action creates them again), and each
    /// created dependency's reason in plain words ([`plain_reason`]).
    pub fn shown(&self, preview: &Preview) -> Shown {
        let kinds = (preview.closure.iter())
            .filter_map(|label| Some((label.clone(), self.graph.get(label)?.kind.clone())))
            .collect();
        let reused_from = (preview.iterations.last().into_iter())
            .flat_map(|i| i.reused.iter())
            .filter(|(_, r)| r.source == "existing-tasks")
            .map(|(label, _)| (label.clone(), self.existing_source(label).to_string()))
            .collect();
        let plain_reasons = (preview.iterations.first().into_iter())
            .flat_map(|it| {
                it.reasons.iter().map(|(label, reason)| {
                    let why = it.why.get(label).map_or(&[][..], Vec::as_slice);
                    (label.clone(), plain_reason(reason, why))
                })
            })
            .collect();
        let (summary, runs_again) = self.preview_summary(preview);
        Shown {
            kinds,
            reused_from,
            decision_task_id: self.context.decision_task_id.clone(),
            summary,
            runs_again,
            plain_reasons,
            runs_on: protocol::runs_on(&preview.worker_pools()),
        }
    }

    fn preview_summary(&self, preview: &Preview) -> (String, Vec<String>) {
        let runs_again: Vec<String> = (preview.requested.iter())
            .filter(|l| self.existing.contains_key(l.as_str()))
            .cloned()
            .collect();
        let Some(first) = preview.iterations.first() else {
            return (String::new(), runs_again);
        };
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for label in first.created.keys() {
            if preview.requested.binary_search(label).is_err() {
                let kind = self.graph.get(label).map_or("other", |t| t.kind.as_str());
                *kinds.entry(kind).or_default() += 1;
            }
        }
        let mut kinds: Vec<(&str, usize)> = kinds.into_iter().collect();
        kinds.sort_by(|(ka, a), (kb, b)| b.cmp(a).then(ka.cmp(kb)));
        let text = summary_text(&SummaryLine {
            picks: preview.requested.len(),
            times: preview.times,
            needed: &kinds,
            reused: first.reused.len(),
            removed: first.removed.len(),
            runs_again: runs_again.len(),
        });
        (text, runs_again)
    }

    /// The `index-search` paths a preview of `labels` needs that were not asked for yet (only
    /// for pushes loaded over HTTP; file inputs bring their answers).
    pub fn missing_index_paths(&self, labels: &[String]) -> Result<Vec<String>, engine::Error> {
        self.missing_index_paths_in(labels, &self.mode())
    }

    /// The index paths a preview of `labels` in `mode` needs and the session has not asked
    /// for yet (none for a push not loaded over HTTP).
    pub fn missing_index_paths_in(
        &self,
        labels: &[String],
        mode: &Mode,
    ) -> Result<Vec<String>, engine::Error> {
        if !self.remote {
            return Ok(Vec::new());
        }
        let paths = engine::preview::index_search_paths_for(&self.graph, labels, mode)?;
        Ok(paths
            .into_iter()
            .filter(|p| !self.asked.contains(p))
            .collect())
    }

    /// Records the answers for `paths` (found or not).
    pub fn add_answers(&mut self, paths: Vec<String>, answers: IndexAnswers) {
        self.answers.index.extend(answers.index);
        self.answers.statuses.extend(answers.statuses);
        self.asked.extend(paths);
    }

    /// Fetches the index answers a preview of `labels` still needs.
    pub async fn fetch_answers<T: Transport>(
        &mut self,
        t: &T,
        labels: &[String],
    ) -> Result<(), SessionError> {
        self.fetch_answers_in(t, labels, &self.mode()).await
    }

    /// Fetches the index answers a preview of `labels` in `mode` still needs.
    pub async fn fetch_answers_in<T: Transport>(
        &mut self,
        t: &T,
        labels: &[String],
        mode: &Mode,
    ) -> Result<(), SessionError> {
        let paths = self
            .missing_index_paths_in(labels, mode)
            .map_err(|e| SessionError::Engine(e, "request".into()))?;
        if paths.is_empty() {
            return Ok(());
        }
        let answers =
            loader::index_answers(t, &self.context.root_url, &paths, RetryPolicy::default())
                .await?;
        self.add_answers(paths, answers);
        Ok(())
    }

    fn mode(&self) -> Mode {
        Mode::AddNewJobs {
            action_task_id: PLACEHOLDER_ACTION_TASK_ID.into(),
        }
    }

    /// The plan of an action on this push (`input`; `task_label` for task actions).
    pub fn plan(
        &self,
        action: &str,
        input: &Value,
        task_label: Option<&str>,
    ) -> Result<Plan, engine::Error> {
        // The trigger validates the input against the action's schema: so does the preview.
        if let Some(actions) = &self.actions {
            actions
                .validate_any(action, input)
                .map_err(|e| engine::Error::BadRequest {
                    message: e.to_string(),
                })?;
        }
        callbacks::plan(
            &self.graph,
            &self.existing,
            callbacks::Target {
                action,
                input,
                task_label,
                flavour: self.context.flavour,
                target_tasks: self.target_tasks.as_deref(),
                all_task_ids: Some(&self.all_task_ids),
                parameters: Some(&self.parameters),
            },
        )
    }

    /// The preview of every call of `plan`, as the action task would compute it at `now`.
    pub fn preview_plan(
        &self,
        plan: &Plan,
        now: NaiveDateTime,
        ids: &mut dyn TaskIdSource,
    ) -> Result<ActionPreview, engine::Error> {
        self.run_plan(plan, &self.request(&[], 1, now), ids)
    }

    /// The preview of every call of `plan` on the push and settings of `request` (its labels
    /// and times are the plan's), with the reruns the task group's states rule out dropped and
    /// the load's warnings about the tasks it reuses.
    pub fn run_plan(
        &self,
        plan: &Plan,
        request: &Request<'_>,
        ids: &mut dyn TaskIdSource,
    ) -> Result<ActionPreview, engine::Error> {
        let mut preview = callbacks::preview_plan(&self.graph, request, plan, ids)?;
        callbacks::skip_reruns_by_state(&mut preview, &self.task_states);
        for w in loader::focus_load_warnings(&self.load_warnings, |l| preview.reuses(l)) {
            if !preview.warnings.contains(&w) {
                preview.warnings.push(w);
            }
        }
        Ok(preview)
    }

    /// The push as the engine reads it.
    pub fn push(&self) -> Push<'_> {
        Push {
            existing: &self.existing,
            parameters: &self.parameters,
            answers: &self.answers,
            decision_task_id: &self.context.decision_task_id,
            trust_domain: &self.context.trust_domain,
            level: &self.context.level,
            root_url: &self.context.root_url,
            proxy_url: self.proxy_url.as_deref(),
            flavour: self.context.flavour,
        }
    }

    /// Adding `labels` `times` times at `now`, as add-new-jobs' action task would (its id a
    /// placeholder until it exists). The CLI changes the mode, threads and artifacts asked for.
    pub fn request(&self, labels: &[String], times: u32, now: NaiveDateTime) -> Request<'_> {
        Request {
            times,
            ..Request::add_new_jobs(
                self.push(),
                labels.to_vec(),
                PLACEHOLDER_ACTION_TASK_ID,
                now,
            )
        }
    }

    /// The preview of adding `labels` `times` times, as the action task would compute it at
    /// `now`.
    pub fn preview(
        &self,
        labels: &[String],
        times: u32,
        now: NaiveDateTime,
        ids: &mut dyn TaskIdSource,
    ) -> Result<Preview, engine::Error> {
        self.run(&self.request(labels, times, now), ids)
    }

    /// The preview of `request` (one of [`Session::request`]'s, maybe changed), with what the
    /// session knows besides the engine: the load's warnings about the tasks it reuses, and
    /// whether add-new-jobs can be triggered for its labels.
    pub fn run(
        &self,
        request: &Request<'_>,
        ids: &mut dyn TaskIdSource,
    ) -> Result<Preview, engine::Error> {
        let mut preview = engine::preview(&self.graph, request, ids)?;
        let focused = loader::focus_load_warnings(&self.load_warnings, |l| preview.reuses(l));
        preview.warnings.extend(focused);
        if let Some(refused) = self.add_new_jobs_refusal(&request.labels, request.times) {
            preview.warnings.push(Warning {
                kind: ACTION_UNAVAILABLE.into(),
                labels: Vec::new(),
                message: format!("{refused}; these jobs cannot be triggered from this push"),
            });
        }
        Ok(preview)
    }

    /// Why add-new-jobs cannot be triggered for these labels: rendering it with the input
    /// Treeherder would send fails (its JSON-e refused or invalid, the input against its
    /// schema). `None` when it renders, or when there is no such action (the trigger says so).
    pub fn add_new_jobs_refusal(&self, labels: &[String], times: u32) -> Option<ActionError> {
        let actions = self.actions.as_ref()?;
        let action = actions.find("add-new-jobs", None).ok()?;
        let input = protocol::add_new_jobs_input(labels, times);
        let decision = &self.context.decision_task_id;
        let placeholder = PLACEHOLDER_ACTION_TASK_ID;
        actions
            .render(action, decision, None, &input, None, placeholder)
            .err()
    }

    /// Why `action` cannot be triggered for a task (its taskId and definition) or the task
    /// group, whatever the input: its JSON-e is refused when rendered with `{}`.
    pub fn action_refusal(
        &self,
        action: &crate::actions::Action,
        task: Option<(&str, &Value)>,
    ) -> Option<ActionError> {
        self.actions.as_ref()?.refusal(
            action,
            &self.context.decision_task_id,
            task.map(|(id, _)| id),
            &json!({}),
            task.map(|(_, definition)| definition),
        )
    }

    /// The `add-new-jobs` call Treeherder would make for `labels` (`times` only when not 1),
    /// rendered from the decision's `actions.json`, unsigned. `own_task_id` is the fresh slugid
    /// legacy `task` actions need.
    pub fn trigger_request(
        &self,
        labels: &[String],
        times: u32,
        own_task_id: &str,
    ) -> Result<(Trigger, HttpRequest), SessionError> {
        let input = protocol::add_new_jobs_input(labels, times);
        self.action_trigger_request("add-new-jobs", &input, None, own_task_id)
    }

    /// The call that triggers `action` with `input`, for a task (its taskId and definition:
    /// its tags pick the variant, as in Treeherder) or for the task group (`None`), rendered
    /// from the decision's `actions.json` (input validated against the action's schema),
    /// unsigned.
    pub fn action_trigger_request(
        &self,
        action: &str,
        input: &Value,
        task: Option<(&str, &Value)>,
        own_task_id: &str,
    ) -> Result<(Trigger, HttpRequest), SessionError> {
        let actions = self.actions.as_ref().ok_or_else(|| {
            SessionError::Action(ActionError::Malformed {
                message: format!(
                    "decision task {} has no usable public/actions.json",
                    self.context.decision_task_id
                ),
            })
        })?;
        let empty = serde_json::Map::new();
        let tags = task.map(|(_, definition)| {
            definition
                .get("tags")
                .and_then(Value::as_object)
                .unwrap_or(&empty)
        });
        let chosen = actions.find(action, tags)?;
        let rendered = actions.render(
            chosen,
            &self.context.decision_task_id,
            task.map(|(id, _)| id),
            input,
            task.map(|(_, definition)| definition),
            own_task_id,
        )?;
        let request = trigger::request(&self.context.root_url, &rendered);
        Ok((rendered, request))
    }

    /// The taskId of a task of this push, by label (the merged map, then the task group).
    pub fn task_id_of(&self, label: &str) -> Option<String> {
        self.existing
            .get(label)
            .cloned()
            .or_else(|| self.group.get(label).map(|(id, _)| id.clone()))
    }
}

/// The decision's `public/target-tasks.json` (the labels it targeted), from the run whose
/// artifacts were used.
pub async fn load_target_tasks<T: Transport>(
    t: &T,
    root_url: &str,
    decision_task_id: &str,
    run_id: u32,
) -> Result<Vec<String>, SessionError> {
    let url = crate::taskcluster::run_artifact_url(
        root_url,
        decision_task_id,
        run_id,
        "public/target-tasks.json",
    );
    Ok(loader::get_json(t, url, RetryPolicy::default()).await?)
}

/// A task's definition (`queue.task`), e.g. for its tags.
pub async fn task_definition<T: Transport>(
    t: &T,
    root_url: &str,
    task_id: &str,
) -> Result<Value, SessionError> {
    let url = crate::taskcluster::task_url(root_url, task_id);
    Ok(loader::get_json(t, url, RetryPolicy::default()).await?)
}

/// Treeherder's status name for a Taskcluster task state.
pub fn treeherder_state(state: &str, kind: &str) -> String {
    match state {
        "completed" => "success",
        "failed" if kind.contains("test") => "testfailed",
        "failed" => "busted",
        "exception" => "exception",
        "running" => "running",
        "pending" => "pending",
        "unscheduled" => "unscheduled",
        _ => "unknown",
    }
    .to_string()
}

/// The grid before the graph (see [`Session::load`]): the decision's `runnable-jobs.json`
/// and the task group listing, fetched together. As soon as `runnable-jobs.json` is in, its
/// jobs go to `on_jobs` in pages ([`EarlyMessage`] with `jobs`), with the states of the group's
/// tasks listed so far; each later page of the listing sends the states it adds
/// ([`EarlyMessage::states`]), and the listing's end says so; `listed` collects the group's
/// tasks as they are listed. Returns whether the listing was complete and, when `runnable-jobs.json` is there but unusable, a warning naming
/// its URL (a decision without one is normal: the grid then waits for the graph).
async fn early_grid<T: Transport>(
    t: &T,
    root_url: &str,
    decision_task_id: &str,
    retry: RetryPolicy,
    on_jobs: &dyn Fn(&str),
    listed: &std::cell::RefCell<Vec<loader::GroupTask>>,
) -> (Result<(), LoadError>, Option<Warning>) {
    use std::cell::{Cell, RefCell};
    let url = crate::taskcluster::latest_artifact_url(
        root_url,
        decision_task_id,
        "public/runnable-jobs.json",
    );
    let done = Cell::new(false);
    // The labels of the grid, once it was sent.
    let sent: RefCell<Option<HashSet<String>>> = RefCell::default();
    let send = |message: &EarlyMessage<&[GridJob]>| {
        if let Ok(text) = serde_json::to_string(message) {
            on_jobs(&text);
        }
    };
    let runnable = async {
        let bytes = crate::taskcluster::client::fetch(t, &HttpRequest::get(url.clone()), retry)
            .await
            .map_err(|e| match e {
                crate::taskcluster::client::FetchError::Expired { .. } => None,
                other => Some(other.to_string()),
            })?;
        let jobs = runnable::jobs_from_runnable_json(&bytes, &url).map_err(Some)?;
        let jobs = early_jobs(jobs, &listed.borrow());
        let listing = Listing {
            listed: listed.borrow().len(),
            done: done.get(),
        };
        for (i, page) in jobs.chunks(JOBS_PAGE).enumerate() {
            send(&EarlyMessage {
                offset: Some(i * JOBS_PAGE),
                total: Some(jobs.len()),
                jobs: Some(page),
                states: None,
                listing,
            });
        }
        *sent.borrow_mut() = Some(jobs.into_iter().map(|j| j.label).collect());
        Ok::<(), Option<String>>(())
    };
    let listing = async {
        let mut on_page = |page: &[loader::GroupTask]| {
            listed.borrow_mut().extend_from_slice(page);
            if let Some(labels) = sent.borrow().as_ref() {
                let states: Vec<JobState> = page
                    .iter()
                    .filter(|task| labels.contains(&task.label))
                    .map(JobState::of)
                    .collect();
                send(&EarlyMessage::states(
                    states,
                    Listing {
                        listed: listed.borrow().len(),
                        done: false,
                    },
                ));
            }
        };
        let result =
            loader::task_group_pages(t, root_url, decision_task_id, retry, &mut on_page).await;
        done.set(true);
        if sent.borrow().is_some() {
            send(&EarlyMessage::states(
                Vec::new(),
                Listing {
                    listed: listed.borrow().len(),
                    done: true,
                },
            ));
        }
        result
    };
    let (jobs, group) =
        futures_util::future::join(runnable.boxed_local(), listing.boxed_local()).await;
    let problem = match jobs {
        Err(Some(message)) => Some(Warning {
            kind: "no-early-grid".into(),
            labels: vec![],
            message: format!("the grid waited for the graph: {message}"),
        }),
        _ => None,
    };
    (group, problem)
}

impl JobState {
    fn of(task: &loader::GroupTask) -> JobState {
        JobState {
            label: task.label.clone(),
            state: treeherder_state(&task.state, &task.kind),
            task_id: task.task_id.clone(),
            kind: task.kind.clone(),
            tier: task.tier,
        }
    }
}

/// The end of a staged load ([`Session::load_staged`]): the task group's tasks (label →
/// taskId and state) and what went wrong getting the grid early or listing the group.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    pub group: BTreeMap<String, (String, String)>,
    pub task_states: BTreeMap<String, String>,
    pub warnings: Vec<Warning>,
}

fn group_map(tasks: &[loader::GroupTask]) -> BTreeMap<String, (String, String)> {
    tasks
        .iter()
        .map(|task| {
            (
                task.label.clone(),
                (task.task_id.clone(), task.state.clone()),
            )
        })
        .collect()
}

/// TaskId → state of every task of a task group listing.
pub fn task_states(tasks: &[loader::GroupTask]) -> BTreeMap<String, String> {
    tasks
        .iter()
        .map(|task| (task.task_id.clone(), task.state.clone()))
        .collect()
}

fn invalid_load(what: &str, message: &str) -> LoadError {
    LoadError::Invalid {
        what: what.to_string(),
        message: message.to_string(),
    }
}

/// Jobs per `on_jobs` page while a push loads (each is parsed by the page in a short task).
pub use crate::protocol::JOBS_PAGE;

/// The grid before the graph is there: the jobs of `runnable-jobs.json`, each with the state
/// and taskId of its task in the task group (its kind and tier from that task's definition;
/// see [`JobState`]), else runnable. The graph's grid ([`Session::jobs`]) replaces it: it knows every kind and
/// tier, and tasks reused from other groups (shown runnable here).
pub fn early_jobs(jobs: Vec<runnable::TreeherderJob>, group: &[loader::GroupTask]) -> Vec<GridJob> {
    // Hashed: in wasm a tree's label comparisons are bytewise `memcmp`s over long prefixes.
    let by_label: HashMap<&str, &loader::GroupTask> =
        group.iter().map(|t| (t.label.as_str(), t)).collect();
    jobs.into_iter()
        .map(|mut job| match by_label.get(job.label.as_str()) {
            Some(task) => {
                job.kind = task.kind.clone();
                job.tier = task.tier.unwrap_or(job.tier);
                let state = treeherder_state(&task.state, &task.kind);
                GridJob::new(job, state, Some(task.task_id.clone()))
            }
            None => GridJob::new(job, "runnable".into(), None),
        })
        .collect()
}

/// Why a session operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{1}: {0}")]
    Engine(engine::Error, String),
    #[error(transparent)]
    Action(#[from] ActionError),
    #[error(transparent)]
    Trigger(#[from] trigger::TriggerError),
}

impl SessionError {
    /// A stable kebab-case name, for the JS boundary.
    pub fn kind(&self) -> &'static str {
        use crate::taskcluster::client::FetchError;
        match self {
            SessionError::Load(LoadError::Fetch(FetchError::Expired { .. })) => "expired",
            SessionError::Load(LoadError::Fetch(FetchError::Network { .. })) => "network",
            SessionError::Load(LoadError::Fetch(FetchError::Status { .. })) => "http-status",
            SessionError::Load(LoadError::Fetch(FetchError::Body { .. })) => "bad-body",
            SessionError::Load(LoadError::Invalid { .. }) => "invalid-artifact",
            SessionError::Load(LoadError::Graph { error, .. }) => error.kind(),
            SessionError::Engine(e, _) => e.kind(),
            SessionError::Action(_) => "action",
            // Sent, but no answer: the action may exist. Hosts must not retry blindly.
            SessionError::Trigger(trigger::TriggerError::Rejected(FetchError::Network {
                ..
            })) => "trigger-no-answer",
            SessionError::Trigger(_) => "trigger",
        }
    }

    /// The labels the error is about.
    pub fn labels(&self) -> Vec<String> {
        match self {
            SessionError::Engine(e, _) => e.labels(),
            _ => Vec::new(),
        }
    }
}

/// Parses and merges (later wins) the `label-to-taskid.json` maps a host hands over next to
/// the graph, as raw JSON text; errors name `labelToTaskid[i]`.
pub fn existing_from_maps(
    maps: &[Box<serde_json::value::RawValue>],
) -> Result<LabelToTaskId, engine::Error> {
    let mut parsed = Vec::with_capacity(maps.len());
    for (i, map) in maps.iter().enumerate() {
        parsed.push(parse::label_to_taskid(
            map.get().as_bytes(),
            &format!("labelToTaskid[{i}]"),
        )?);
    }
    Ok(parse::merge_label_to_taskid(parsed))
}

/// Why a dependency is created, in plain words, from the engine's reason (upstream's terms, with
/// full index paths) and its why-path (the requested job first, the dependency last): "test-x
/// needs it, and it is not built on this push"; "build-y needs it; no cached task in the index
/// (not found, expired)". The engine's reason stays available for the details.
pub fn plain_reason(reason: &str, why: &[String]) -> String {
    let needs = match why {
        [.., parent, _] => format!("{parent} needs it"),
        _ => "it is needed".to_string(),
    };
    if reason.starts_with("not in label-to-taskid") {
        return format!("{needs}, and it is not built on this push");
    }
    if let Some(rest) = reason.strip_prefix("index-search found nothing usable (") {
        let mut found: Vec<&str> = Vec::new();
        for skipped in rest.trim_end_matches(')').split("; ") {
            let what = if skipped.ends_with(": not indexed") {
                "not found"
            } else if skipped.ends_with(" is failed") || skipped.ends_with(" is exception") {
                "failed"
            } else if skipped.contains(" expires ") {
                "expires too soon"
            } else {
                "unusable"
            };
            if !found.contains(&what) {
                found.push(what);
            }
        }
        return format!(
            "{needs}; no cached task in the index ({})",
            found.join(", ")
        );
    }
    if reason == "index-search: no index paths" {
        return format!("{needs}; it names no index path to look for a cached task in");
    }
    if reason.starts_with("index-search: ") {
        return format!("{needs}; its index entry is empty");
    }
    format!("{needs}: {reason}")
}

/// The numbers of a preview's summary line.
pub struct SummaryLine<'a> {
    /// Jobs picked.
    pub picks: usize,
    pub times: u32,
    /// The tasks the picks need that are created too, by kind (most first).
    pub needed: &'a [(&'a str, usize)],
    pub reused: usize,
    pub removed: usize,
    /// Picks that already ran on this push.
    pub runs_again: usize,
}

/// "5 fetches", "1 docker-image": a count of a kind's tasks in plain English.
fn of_kind(n: usize, kind: &str) -> String {
    if n == 1 {
        return format!("1 {kind}");
    }
    let plural = if kind.ends_with(['s', 'x']) || kind.ends_with("ch") || kind.ends_with("sh") {
        format!("{kind}es")
    } else {
        format!("{kind}s")
    };
    format!("{n} {plural}")
}

/// The line a sheriff reads first, the same in the page, the React panel and Treeherder: "Your
/// 4 jobs, plus 15 tasks they need (4 fetches, 2 datasets, …). 38 existing tasks are reused.
/// Nothing is removed."
pub fn summary_text(s: &SummaryLine<'_>) -> String {
    let plural = |n: usize, one: &str, many: &str| if n == 1 { one } else { many }.to_string();
    let mut text = format!("Your {} {}", s.picks, plural(s.picks, "job", "jobs"));
    if s.times > 1 {
        text.push_str(&format!(" ({} times each)", s.times));
    }
    let needed: usize = s.needed.iter().map(|(_, n)| n).sum();
    if needed > 0 {
        let mut kinds: Vec<String> = s
            .needed
            .iter()
            .take(4)
            .map(|(k, n)| of_kind(*n, k))
            .collect();
        if s.needed.len() > 4 {
            kinds.push("…".into());
        }
        text.push_str(&format!(
            ", plus {needed} {} {} ({})",
            plural(needed, "task", "tasks"),
            plural(s.picks, "it needs", "they need"),
            kinds.join(", ")
        ));
    }
    text.push('.');
    text.push_str(&match s.reused {
        0 => " Nothing is reused.".to_string(),
        n => format!(
            " {n} existing {} reused.",
            plural(n, "task is", "tasks are")
        ),
    });
    text.push_str(&match s.removed {
        0 => " Nothing is removed.".to_string(),
        n => format!(" {n} {} removed.", plural(n, "task is", "tasks are")),
    });
    match s.runs_again {
        0 => {}
        n if n == s.picks && n == 1 => {
            text.push_str(" It already ran on this push: it runs again.")
        }
        n if n == s.picks => text.push_str(" They already ran on this push: they run again."),
        n => text.push_str(&format!(
            " {n} of them already ran on this push: {} again.",
            plural(n, "it runs", "they run")
        )),
    }
    text
}

#[cfg(all(test, feature = "native-http"))]
mod first_request_tests {
    use std::cell::RefCell;
    use std::time::Duration;

    use crate::taskcluster::client::{FetchError, HttpRequest, HttpResponse, Transport};

    /// Answers every request with a 404 at once, noting its URL.
    #[derive(Default)]
    struct Refusing(RefCell<Vec<String>>);

    impl Transport for Refusing {
        async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, FetchError> {
            self.0.borrow_mut().push(request.url.clone());
            Ok(HttpResponse {
                status: 404,
                body: Vec::new(),
            })
        }
        async fn pause(&self, _: Duration) {}
    }

    #[test]
    fn the_first_requests_are_what_a_staged_load_sends_before_any_answer() {
        let t = Refusing::default();
        let loaded = pollster::block_on(super::Session::load_staged(
            &t,
            "https://tc.example",
            "DecisionTask000000001",
            None,
            &|_| {},
            &|_| {},
            &|_| {},
        ));
        assert!(loaded.is_err());
        let mut sent = t.0.take();
        sent.sort();
        let mut first =
            crate::taskcluster::first_requests("https://tc.example", "DecisionTask000000001");
        first.sort();
        assert_eq!(sent, first);
    }

    /// Answers the decision task and its status (`runs`), and a 404 to anything else,
    /// noting every URL.
    struct Decided(RefCell<Vec<String>>, serde_json::Value);

    impl Transport for Decided {
        async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, FetchError> {
            self.0.borrow_mut().push(request.url.clone());
            let id = "DecisionTask000000001";
            let body = if request.url == crate::taskcluster::task_url("https://tc.example", id) {
                serde_json::json!({"schedulerId": "gecko-level-3", "taskGroupId": id,
                    "payload": {"command": []}})
            } else if request.url == crate::taskcluster::status_url("https://tc.example", id) {
                serde_json::json!({"status": {"taskId": id, "runs": self.1}})
            } else {
                return Ok(HttpResponse::not_found());
            };
            Ok(HttpResponse::json(&body))
        }
        async fn pause(&self, _: Duration) {}
    }

    /// The run-0 artifact a host may send early is one a load of a decision task that ran
    /// once asks for once its status is in; a decision task run again uses its last completed
    /// run's artifacts, none of run 0's.
    #[test]
    fn the_likely_requests_are_run_0s_artifacts_that_a_load_asks_for_after_the_status() {
        let root = "https://tc.example";
        let id = "DecisionTask000000001";
        let first = crate::taskcluster::first_requests(root, id);
        let likely = crate::taskcluster::likely_requests(root, id);
        let sent_after_first = |runs: serde_json::Value| {
            let t = Decided(RefCell::default(), runs);
            let loaded = pollster::block_on(super::Session::load_staged(
                &t,
                root,
                id,
                None,
                &|_| {},
                &|_| {},
                &|_| {},
            ));
            assert!(loaded.is_err());
            let mut sent: Vec<String> = t.0.take();
            sent.retain(|url| !first.contains(url));
            sent.sort();
            sent.dedup();
            sent
        };
        let once = sent_after_first(serde_json::json!([{"runId": 0, "state": "completed"}]));
        assert!(!likely.is_empty());
        assert!(likely.iter().all(|url| once.contains(url)), "{once:?}");
        assert!(once
            .iter()
            .all(|url| url.contains("/runs/0/artifacts/public/")));
        let again = sent_after_first(serde_json::json!([
            {"runId": 0, "state": "exception"}, {"runId": 1, "state": "completed"}]));
        assert_eq!(again.len(), once.len());
        assert!(again
            .iter()
            .all(|url| url.contains("/runs/1/artifacts/public/")));
    }
}

#[cfg(test)]
mod summary_tests {
    use super::{plain_reason, summary_text, SummaryLine};

    #[test]
    fn reasons_in_plain_words() {
        let why: Vec<String> = ["test-a", "build-b", "docker-image-c"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            plain_reason(
                "not in label-to-taskid, and its strategy (never) cannot reuse a task",
                &why
            ),
            "build-b needs it, and it is not built on this push"
        );
        assert_eq!(
            plain_reason(
                "index-search found nothing usable (a.b.c: not indexed; d.e: T1 is failed; f.g: not indexed; \
                 h: T2 expires 2025-01-01T00:00:00.000Z, before 2025-02-01T00:00:00.000Z)",
                &why
            ),
            "build-b needs it; no cached task in the index (not found, failed, expires too soon)"
        );
        assert_eq!(
            plain_reason("index-search: no index paths", &why[..1]),
            "it is needed; it names no index path to look for a cached task in"
        );
    }

    #[test]
    fn the_summary_line_reads_as_a_sheriff_would_say_it() {
        // (most first, as Session::summary sorts them)
        let needed = [
            ("fetch", 4),
            ("dataset", 2),
            ("build", 1),
            ("docker-image", 1),
            ("toolchain", 1),
        ];
        assert_eq!(
            summary_text(&SummaryLine { picks: 4, times: 1, needed: &needed, reused: 38, removed: 0, runs_again: 0 }),
            "Your 4 jobs, plus 9 tasks they need (4 fetches, 2 datasets, 1 build, 1 docker-image, …). \
             38 existing tasks are reused. Nothing is removed."
        );
        assert_eq!(
            summary_text(&SummaryLine {
                picks: 1,
                times: 2,
                needed: &[],
                reused: 1,
                removed: 2,
                runs_again: 1
            }),
            "Your 1 job (2 times each). 1 existing task is reused. 2 tasks are removed. \
             It already ran on this push: it runs again."
        );
        assert_eq!(
            summary_text(&SummaryLine { picks: 3, times: 1, needed: &[("docker-image", 2)], reused: 0, removed: 0, runs_again: 1 }),
            "Your 3 jobs, plus 2 tasks they need (2 docker-images). Nothing is reused. Nothing is removed. \
             1 of them already ran on this push: it runs again."
        );
    }
}
