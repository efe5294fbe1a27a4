//! Loading a push over HTTP, the way an action task sees it: the decision task's definition
//! (trust domain and level from its `schedulerId`), the artifacts of the run that produced
//! them, and the `label-to-taskid.json` of every earlier action and cron task of the push,
//! merged newest last; then index and status answers for the `index-search` paths a preview
//! needs.

use futures_util::FutureExt;
use serde_json::{json, Value};

use super::client::{fetch, fetch_streaming, FetchError, HttpRequest, RetryPolicy, Transport};
use super::{
    find_task_url, find_tasks_at_index_url, gecko_decision_index_path, list_tasks_url,
    parse_scheduler_id, prior_run_namespaces, repo_param_prefix, run_artifact_url, statuses_url,
    task_url,
};
use crate::engine::{
    parse, Flavour, FullTaskGraph, GraphStream, IndexAnswers, LabelToTaskId, Warning,
};

/// Everything loaded for one push.
#[derive(Debug)]
pub struct Push {
    pub decision_task_id: String,
    pub run_id: u32,
    pub trust_domain: String,
    pub level: String,
    /// Whose action code will run, and why that was decided.
    pub flavour: Flavour,
    pub flavour_reason: String,
    /// Parsed while it downloaded.
    pub full_task_graph: FullTaskGraph,
    pub parameters: Value,
    /// The decision's map, then earlier runs', merged (later wins).
    pub label_to_taskid: LabelToTaskId,
    /// The tasks whose `label-to-taskid.json` was merged, in merge order.
    pub merged_from: Vec<String>,
    /// Label → the earlier action or cron task whose map gave its final taskId (labels whose
    /// taskId comes from the decision's own map are not listed).
    pub sources: std::collections::BTreeMap<String, String>,
    /// Every taskId of the labels an earlier run's map names: the decision's (if any), then
    /// each earlier run's, in merge order (gecko's `label_to_taskids`, which its reruns use).
    pub all_task_ids: crate::engine::callbacks::AllTaskIds,
    pub warnings: Vec<Warning>,
}

/// Why a push could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{what}: {message}")]
    Invalid { what: String, message: String },
    /// `full-task-graph.json` arrived but is not a graph (the engine's error says where).
    #[error("{url}: {error}")]
    Graph {
        url: String,
        error: crate::engine::Error,
    },
}

fn invalid(what: impl Into<String>, message: impl Into<String>) -> LoadError {
    LoadError::Invalid {
        what: what.into(),
        message: message.into(),
    }
}

/// GETs `url` and parses its JSON answer (into any shape: a `Value`, a list of labels, ...).
pub async fn get_json<T: Transport, V: serde::de::DeserializeOwned>(
    t: &T,
    url: String,
    retry: RetryPolicy,
) -> Result<V, LoadError> {
    send_json(t, &HttpRequest::get(url), retry).await
}

/// Sends a request and parses the JSON answer.
async fn send_json<T: Transport, V: serde::de::DeserializeOwned>(
    t: &T,
    request: &HttpRequest,
    retry: RetryPolicy,
) -> Result<V, LoadError> {
    let body = fetch(t, request, retry).await?;
    serde_json::from_slice(&body)
        .map_err(|e| invalid(request.url.clone(), format!("not the JSON expected: {e}")))
}

/// The objects of an answer's list field (`tasks`, `statuses`, ...).
fn items<'v>(reply: &'v Value, field: &str) -> impl Iterator<Item = &'v Value> {
    reply
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// An answer's continuation token, if there are more pages.
fn continuation(reply: &Value) -> Option<String> {
    reply
        .get("continuationToken")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The run whose artifacts to use: the last completed run, else the last run.
fn artifact_run(status: &Value) -> u32 {
    let runs = status.pointer("/status/runs").and_then(Value::as_array);
    let completed = runs.and_then(|runs| {
        runs.iter()
            .rev()
            .find(|r| r.get("state").and_then(Value::as_str) == Some("completed"))
    });
    let run = completed.or_else(|| runs.and_then(|r| r.last()));
    run.and_then(|r| r.get("runId"))
        .and_then(Value::as_u64)
        .map_or(0, |r| u32::try_from(r).unwrap_or(0))
}

/// Loads the push of `decision_task_id` from the deployment at `root_url`. `progress` is told
/// about each step before it starts (the graph alone can take a while to download). The
/// flavour is detected from the decision task unless `flavour` overrides it. `also(run_id)`
/// (more artifacts of the decision's run, say; `|_| async {}` for none) is awaited while the
/// graph downloads. The parameters, the decision's map and the maps of earlier actions and
/// cron tasks (found through the index from the parameters) download alongside the graph
/// too: once it is in, the push is.
pub async fn load_push<T: Transport, X, F: std::future::Future<Output = X>>(
    t: &T,
    root_url: &str,
    decision_task_id: &str,
    flavour: Option<Flavour>,
    retry: RetryPolicy,
    progress: &dyn Fn(&str),
    also: impl FnOnce(u32) -> F,
) -> Result<(Push, X), LoadError> {
    progress(&format!("decision task {decision_task_id}"));
    // The decision task and its status together (one round trip, not two).
    let (task, status) = futures_util::future::join(
        get_json(t, task_url(root_url, decision_task_id), retry),
        get_json(t, super::status_url(root_url, decision_task_id), retry),
    )
    .await;
    let task: Value = task?;
    let scheduler_id = task
        .get("schedulerId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let (trust_domain, level) = parse_scheduler_id(scheduler_id).ok_or_else(|| {
        invalid(
            task_url(root_url, decision_task_id),
            format!("schedulerId {scheduler_id:?} is not <trust-domain>-level-<N>; is this a decision task?"),
        )
    })?;
    let command = task
        .pointer("/payload/command")
        .map(Value::to_string)
        .unwrap_or_default();
    let (flavour, flavour_reason) = Flavour::resolve(flavour, &trust_domain, &command);
    let run_id = artifact_run(&status?);
    let artifact = |name: &str| run_artifact_url(root_url, decision_task_id, run_id, name);

    let graph_url = artifact("public/full-task-graph.json");
    progress(&graph_url);
    // The graph, the decision's map, the parameters with what they lead to (the earlier
    // actions' and cron tasks' maps) and `also` download together.
    let parameters_url = artifact("public/parameters.yml");
    let l2t_url = artifact("public/label-to-taskid.json");
    let earlier = async {
        let text = fetch(t, &HttpRequest::get(parameters_url.clone()), retry).await?;
        let parameters = parse::parameters(&text, &parameters_url)
            .map_err(|e| invalid(parameters_url.clone(), e.to_string()))?;
        let earlier = earlier_maps(
            t,
            root_url,
            decision_task_id,
            flavour,
            &trust_domain,
            &parameters,
            retry,
            progress,
        )
        .await?;
        Ok::<_, LoadError>((parameters, earlier))
    };
    // Boxed, as in session.rs: each polled through its own function.
    let (full_task_graph, label_to_taskid, earlier, extra) = futures_util::future::join4(
        fetch_graph(t, graph_url, retry).boxed_local(),
        async {
            let text = fetch(t, &HttpRequest::get(l2t_url.clone()), retry).await?;
            parse::label_to_taskid(&text, &l2t_url)
                .map_err(|e| invalid(l2t_url.clone(), e.to_string()))
        }
        .boxed_local(),
        earlier.boxed_local(),
        also(run_id),
    )
    .await;
    let (full_task_graph, mut label_to_taskid, (parameters, earlier)) =
        (full_task_graph?, label_to_taskid?, earlier?);
    let mut warnings = earlier.warnings;
    let mut merged_from = Vec::new();
    let mut sources = std::collections::BTreeMap::new();
    // Label → (earlier task, the taskId its map gives), in merge order.
    let mut earlier_ids: std::collections::BTreeMap<String, Vec<(String, String)>> =
        std::collections::BTreeMap::new();
    let mut all_task_ids = crate::engine::callbacks::AllTaskIds::new();
    for (id, is_cron, map) in earlier.maps {
        // taskgraph merges an action's map only when both maps are non-empty, and a cron
        // task's map always; gecko merges every map.
        let merge = match flavour {
            Flavour::Gecko => true,
            Flavour::Taskgraph => is_cron || (!map.is_empty() && !label_to_taskid.is_empty()),
        };
        if merge {
            for (label, task_id) in &map {
                sources.insert(label.clone(), id.clone());
                earlier_ids
                    .entry(label.clone())
                    .or_default()
                    .push((id.clone(), task_id.clone()));
                // The first time a label comes up, the map still holds the decision's.
                all_task_ids
                    .entry(label.clone())
                    .or_insert_with(|| label_to_taskid.get(label).cloned().into_iter().collect())
                    .push(task_id.clone());
            }
            label_to_taskid.extend(map);
            merged_from.push(id);
        }
    }
    warnings.extend(contested_warnings(&earlier_ids));
    let push = Push {
        decision_task_id: decision_task_id.to_string(),
        run_id,
        trust_domain,
        level,
        flavour,
        flavour_reason,
        full_task_graph,
        parameters,
        label_to_taskid,
        merged_from,
        sources,
        all_task_ids,
        warnings,
    };
    Ok((push, extra))
}

/// The maps of a push's earlier actions and cron tasks, newest last, and what was said on the
/// way (a parameters file without the head revision, a decision indexed elsewhere, a task
/// without a map).
struct EarlierMaps {
    /// (taskId, listed under the cron namespace, its label-to-taskid map)
    maps: Vec<(String, bool, std::collections::BTreeMap<String, String>)>,
    warnings: Vec<Warning>,
}

/// Finds the push's earlier actions and cron tasks through the index (from the parameters'
/// project, pushlog id and head revision) and downloads their maps, in merge order.
#[allow(clippy::too_many_arguments)]
async fn earlier_maps<T: Transport>(
    t: &T,
    root_url: &str,
    decision_task_id: &str,
    flavour: Flavour,
    trust_domain: &str,
    parameters: &Value,
    retry: RetryPolicy,
    progress: &dyn Fn(&str),
) -> Result<EarlierMaps, LoadError> {
    let param = |k: &str| match parameters.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let head_rev_param = format!("{}head_rev", repo_param_prefix(flavour, trust_domain));
    let mut warnings = Vec::new();
    if parameters.get(&head_rev_param).is_none() {
        warnings.push(Warning {
            kind: "no-head-rev".into(),
            labels: vec![],
            message: format!(
                "parameters.yml has no {head_rev_param:?}: earlier actions and cron tasks of \
                 this push cannot be found (the action task would fail reading it)"
            ),
        });
    }
    let head_rev = param(&head_rev_param);
    let namespaces = prior_run_namespaces(
        flavour,
        trust_domain,
        &param("project"),
        &param("pushlog_id"),
        &head_rev,
    );
    // The decision's index entry, each namespace's listing and then every map are fetched
    // concurrently (upstream's fetch_graph_and_labels downloads the maps in parallel too): one
    // after the other, each step waited behind the graph's chunks in the page's worker, a few
    // hundred milliseconds at a time, and the first preview waits for the maps.
    let indexed = async {
        if flavour != Flavour::Gecko {
            return Ok(None);
        }
        let path = gecko_decision_index_path(trust_domain, &param("project"), &head_rev);
        indexed_decision(t, root_url, &path, decision_task_id, retry).await
    };
    // (namespace, is the cron one)
    let all: Vec<(&str, bool)> = (namespaces.actions.iter())
        .map(|namespace| (namespace.as_str(), false))
        .chain([(namespaces.cron.as_str(), true)])
        .collect();
    let listings = futures_util::future::join_all(
        (all.iter()).map(|&(namespace, _)| namespace_tasks(t, root_url, namespace, retry)),
    );
    let (indexed, listings) = futures_util::future::join(indexed, listings).await;
    if let Some(w) = indexed? {
        warnings.push(w);
    }
    // (expires, taskId, listed under the cron namespace), each task once (the first
    // namespace that lists it says which).
    let mut listed: Vec<(String, String, bool)> = Vec::new();
    for (&(_, cron), tasks) in all.iter().zip(listings) {
        for (expires, id) in tasks? {
            if id != decision_task_id && !listed.iter().any(|(_, l, _)| *l == id) {
                listed.push((expires, id, cron));
            }
        }
    }
    // Upstream applies them in completion order (no defined winner); newest last here, by
    // expiry, which every action task sets to creation + 1 year.
    listed.sort();
    if !listed.is_empty() {
        progress(&format!(
            "label-to-taskid.json of {} earlier actions and cron tasks",
            listed.len()
        ));
    }
    let fetched = futures_util::future::join_all(listed.iter().map(|(_, id, _)| {
        let url = super::latest_artifact_url(root_url, id, "public/label-to-taskid.json");
        async move {
            let text = fetch(t, &HttpRequest::get(url.clone()), retry).await;
            (url, text)
        }
    }))
    .await;
    let mut maps = Vec::new();
    for ((_, id, is_cron), (url, text)) in listed.into_iter().zip(fetched) {
        match text {
            Ok(text) => {
                let map = parse::label_to_taskid(&text, &url)
                    .map_err(|e| invalid(url.clone(), e.to_string()))?;
                maps.push((id, is_cron, map));
            }
            Err(FetchError::Expired { .. }) => warnings.push(Warning {
                kind: "prior-run-without-map".into(),
                labels: vec![],
                message: format!("task {id} of this push has no label-to-taskid.json (not an add-new-jobs style action?); skipped"),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(EarlierMaps { maps, warnings })
}

/// The tasks an index namespace lists, as (expires, taskId), page after page (a namespace
/// nobody indexed into yet lists none).
async fn namespace_tasks<T: Transport>(
    t: &T,
    root_url: &str,
    namespace: &str,
    retry: RetryPolicy,
) -> Result<Vec<(String, String)>, LoadError> {
    let mut tasks = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let url = list_tasks_url(root_url, namespace, token.as_deref());
        let page = match get_json(t, url, retry).await {
            Ok(page) => page,
            Err(LoadError::Fetch(FetchError::Status { status: 404, .. })) => break,
            Err(e) => return Err(e),
        };
        for entry in items(&page, "tasks") {
            if let Some(id) = entry.get("taskId").and_then(Value::as_str) {
                let expires = entry.get("expires").and_then(Value::as_str).unwrap_or("");
                tasks.push((expires.to_string(), id.to_string()));
            }
        }
        token = continuation(&page);
        if token.is_none() {
            break;
        }
    }
    Ok(tasks)
}

/// The kind of [`contested_warnings`].
pub const EARLIER_MAPS_DISAGREE: &str = "earlier-maps-disagree";

/// One warning per label that several earlier actions or cron tasks map to different taskIds.
/// Upstream's `fetch_graph_and_labels` downloads their maps in parallel and applies each as its
/// download finishes, so which of those tasks the action task reuses is a race (seen against
/// the real services); the preview assumes the newest. A preview keeps only those it reuses,
/// merged into one ([`focus_load_warnings`]).
fn contested_warnings(
    earlier_ids: &std::collections::BTreeMap<String, Vec<(String, String)>>,
) -> Vec<Warning> {
    earlier_ids
        .iter()
        .filter(|(_, ids)| ids.iter().any(|(_, id)| id != &ids[0].1))
        .map(|(label, ids)| Warning {
            kind: EARLIER_MAPS_DISAGREE.into(),
            labels: vec![label.clone()],
            message: format!(
                "{label}: {}",
                ids.iter()
                    .map(|(task, id)| format!("{id} by {task}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
        .collect()
}

/// A push's load warnings as one preview carries them: the per-label `earlier-maps-disagree`
/// warnings narrowed to the labels the preview reuses (`reused`) and merged into one; the
/// others unchanged.
pub fn focus_load_warnings(load: &[Warning], reused: impl Fn(&str) -> bool) -> Vec<Warning> {
    let mut out: Vec<Warning> = (load.iter())
        .filter(|w| w.kind != EARLIER_MAPS_DISAGREE)
        .cloned()
        .collect();
    let relevant: Vec<&Warning> = (load.iter())
        .filter(|w| w.kind == EARLIER_MAPS_DISAGREE && w.labels.iter().any(|l| reused(l)))
        .collect();
    if let Some(first) = relevant.first() {
        out.push(Warning {
            kind: EARLIER_MAPS_DISAGREE.into(),
            labels: relevant
                .iter()
                .flat_map(|w| w.labels.iter().cloned())
                .collect(),
            message: format!(
                "{} reused label(s) are mapped to different tasks by several earlier actions or \
                 cron tasks of this push (e.g. {}). The action task applies their \
                 label-to-taskid.json maps in the order its downloads finish, so it may reuse \
                 any of those tasks; the preview assumes the newest",
                relevant.len(),
                first.message
            ),
        });
    }
    out
}

/// Downloads `full-task-graph.json` and parses it as it arrives (see [`GraphStream`]): when
/// the last byte is in, only the graph's edges are left to build.
pub async fn fetch_graph<T: Transport>(
    t: &T,
    url: String,
    retry: RetryPolicy,
) -> Result<FullTaskGraph, LoadError> {
    let request = HttpRequest::get(url);
    let (stream, failed) = fetch_streaming(
        t,
        &request,
        retry,
        || (GraphStream::new(), None),
        |(stream, failed), piece| match stream.feed(piece) {
            Ok(()) => true,
            Err(e) => {
                *failed = Some(e);
                false
            }
        },
    )
    .await?;
    let graph = match failed {
        Some(e) => Err(e),
        None => stream.finish(),
    };
    graph.map_err(|error| LoadError::Graph {
        url: request.url,
        error,
    })
}

/// gecko's `find_decision_task`: the action uses the decision task indexed for the push's
/// revision, with no fallback. A warning when that is not the loaded one, or when there is
/// none (the action would fail).
async fn indexed_decision<T: Transport>(
    t: &T,
    root_url: &str,
    path: &str,
    decision_task_id: &str,
    retry: RetryPolicy,
) -> Result<Option<Warning>, LoadError> {
    let found = match get_json::<_, Value>(t, find_task_url(root_url, path), retry).await {
        Ok(entry) => entry
            .get("taskId")
            .and_then(Value::as_str)
            .map(str::to_string),
        Err(LoadError::Fetch(FetchError::Status { status: 404, .. })) => None,
        Err(e) => return Err(e),
    };
    Ok(match found {
        Some(id) if id == decision_task_id => None,
        Some(id) => Some(Warning {
            kind: "other-decision".into(),
            labels: vec![],
            message: format!(
                "gecko's action reads the decision task indexed at {path}, which is {id}, not \
                 {decision_task_id}: it will use that task's graph and label-to-taskid.json"
            ),
        }),
        None => Some(Warning {
            kind: "no-indexed-decision".into(),
            labels: vec![],
            message: format!(
                "no decision task is indexed at {path}: gecko's action looks the decision up \
                 there and would fail"
            ),
        }),
    })
}

/// Answers for `index-search`: `index.findTasksAtIndex` for `paths` (in batches, following
/// continuation tokens), then `queue.statuses` for the tasks found.
pub async fn index_answers<T: Transport>(
    t: &T,
    root_url: &str,
    paths: &[String],
    retry: RetryPolicy,
) -> Result<IndexAnswers, LoadError> {
    let mut answers = IndexAnswers::default();
    for batch in paths.chunks(500) {
        let mut token: Option<String> = None;
        loop {
            let mut url = find_tasks_at_index_url(root_url);
            if let Some(t) = &token {
                url.push_str("?continuationToken=");
                url.push_str(&super::percent_encode(t));
            }
            let request = HttpRequest::post_json(url, &json!({"indexes": batch}));
            let reply = send_json(t, &request, retry).await?;
            for task in items(&reply, "tasks") {
                if let (Some(ns), Some(id)) = (
                    task.get("namespace").and_then(Value::as_str),
                    task.get("taskId").and_then(Value::as_str),
                ) {
                    answers.index.insert(ns.to_string(), id.to_string());
                }
            }
            token = continuation(&reply);
            if token.is_none() {
                break;
            }
        }
    }
    let ids: Vec<String> = {
        let mut ids: Vec<String> = answers.index.values().cloned().collect();
        ids.sort();
        ids.dedup();
        ids
    };
    for batch in ids.chunks(500) {
        let request = HttpRequest::post_json(statuses_url(root_url), &json!({"taskIds": batch}));
        let reply = send_json(t, &request, retry).await?;
        for entry in items(&reply, "statuses") {
            if let (Some(id), Some(status)) = (
                entry.get("taskId").and_then(Value::as_str),
                entry.get("status"),
            ) {
                answers.statuses.insert(id.to_string(), status.clone());
            }
        }
    }
    Ok(answers)
}

/// One task of the push's task group, as the grid needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupTask {
    pub task_id: String,
    /// `tags.label` or `metadata.name`.
    pub label: String,
    pub state: String,
    /// `tags.kind` (empty if none).
    pub kind: String,
    /// `extra.treeherder.tier`.
    pub tier: Option<u64>,
}

/// The decision's task group (`queue.listTaskGroup`, following continuation tokens): the
/// existing jobs of the push and their states.
pub async fn task_group<T: Transport>(
    t: &T,
    root_url: &str,
    task_group_id: &str,
    retry: RetryPolicy,
) -> Result<Vec<GroupTask>, LoadError> {
    let mut tasks = Vec::new();
    task_group_pages(t, root_url, task_group_id, retry, &mut |page| {
        tasks.extend_from_slice(page)
    })
    .await?;
    Ok(tasks)
}

/// The task group's tasks, handed to `on_page` a page at a time as each comes in (a big group
/// takes many pages, one after the other); [`task_group`] collects them.
pub async fn task_group_pages<T: Transport>(
    t: &T,
    root_url: &str,
    task_group_id: &str,
    retry: RetryPolicy,
    on_page: &mut dyn FnMut(&[GroupTask]),
) -> Result<(), LoadError> {
    let mut token: Option<String> = None;
    loop {
        let url = super::list_task_group_url(root_url, task_group_id, token.as_deref());
        let text = fetch(t, &HttpRequest::get(url.clone()), retry).await?;
        let (tasks, next) = listing_page(&text)
            .map_err(|e| invalid(url, format!("not a task group listing: {e}")))?;
        on_page(&tasks);
        token = next;
        if token.is_none() {
            break;
        }
    }
    Ok(())
}

/// One page of `queue.listTaskGroup`: its tasks as the grid needs them, and the continuation
/// token. Only the few fields the grid needs are read; each task's definition is skipped.
fn listing_page(text: &[u8]) -> Result<(Vec<GroupTask>, Option<String>), serde_json::Error> {
    let page: ListPage = serde_json::from_slice(text)?;
    let text_of = |v: Option<Value>| match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let tasks = page
        .tasks
        .into_iter()
        .map(|entry| {
            let task = entry.task.unwrap_or_default();
            let tags = task.tags.unwrap_or_default();
            let status = entry.status.unwrap_or_default();
            GroupTask {
                task_id: text_of(status.task_id).unwrap_or_default(),
                label: text_of(tags.label)
                    .or_else(|| text_of(task.metadata.and_then(|m| m.name)))
                    .unwrap_or_default(),
                state: text_of(status.state).unwrap_or_else(|| "unscheduled".into()),
                kind: text_of(tags.kind).unwrap_or_default(),
                tier: task
                    .extra
                    .and_then(|e| e.treeherder)
                    .and_then(|t| t.tier)
                    .and_then(|t| t.as_u64()),
            }
        })
        .collect();
    Ok((tasks, page.continuation_token.as_str().map(str::to_string)))
}

/// A page of `queue.listTaskGroup`, as far as the grid reads it.
#[derive(serde::Deserialize)]
struct ListPage {
    #[serde(default)]
    tasks: Vec<ListEntry>,
    #[serde(default, rename = "continuationToken")]
    continuation_token: Value,
}

#[derive(serde::Deserialize)]
struct ListEntry {
    #[serde(default, deserialize_with = "object_or_none")]
    task: Option<ListTask>,
    #[serde(default, deserialize_with = "object_or_none")]
    status: Option<ListStatus>,
}

/// `Some` of an object, `None` of anything else (null, text, a list, a number), skipped
/// unread: for the listing's containers (`task`, `status`, `tags`, `metadata`, `extra`,
/// `extra.treeherder`), so that one task whose `extra.treeherder` is free-form (a task
/// definition's `extra` is, to the queue) does not refuse its page of 1,000 tasks.
fn object_or_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
    struct Container<T>(std::marker::PhantomData<T>);
    impl<'de, T: serde::Deserialize<'de>> Visitor<'de> for Container<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_str<E>(self, _: &str) -> Result<Option<T>, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Container(std::marker::PhantomData))
}

/// The fields the grid reads, each as JSON (a leaf or a container of another type than
/// expected reads as absent); every other field, the payload above all, is skipped unread (no
/// `Value` is built for it: a 5,000-task page parses about twice as fast).
#[derive(serde::Deserialize, Default)]
struct ListStatus {
    #[serde(default, rename = "taskId")]
    task_id: Option<Value>,
    #[serde(default)]
    state: Option<Value>,
}

/// A task definition's `tags`, `metadata` and `extra`, as far as the grid reads them.
#[derive(serde::Deserialize, Default)]
struct ListTask {
    #[serde(default, deserialize_with = "object_or_none")]
    tags: Option<ListTags>,
    #[serde(default, deserialize_with = "object_or_none")]
    metadata: Option<ListMetadata>,
    #[serde(default, deserialize_with = "object_or_none")]
    extra: Option<ListExtra>,
}

#[derive(serde::Deserialize, Default)]
struct ListTags {
    #[serde(default)]
    label: Option<Value>,
    #[serde(default)]
    kind: Option<Value>,
}

#[derive(serde::Deserialize)]
struct ListMetadata {
    #[serde(default)]
    name: Option<Value>,
}

#[derive(serde::Deserialize)]
struct ListExtra {
    #[serde(default, deserialize_with = "object_or_none")]
    treeherder: Option<ListTreeherder>,
}

#[derive(serde::Deserialize)]
struct ListTreeherder {
    #[serde(default)]
    tier: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_page_reads_a_container_of_another_type_as_absent() {
        let page = json!({
            "taskGroupId": "G",
            "tasks": [
                {"status": {"taskId": "A", "state": "completed"},
                 "task": {"tags": {"label": "build-a", "kind": "build"},
                          "extra": {"treeherder": {"tier": 2}}, "payload": {"big": [1, 2, {"x": null}]}}},
                {"status": {"taskId": "B", "state": "failed"},
                 "task": {"tags": ["not", "an", "object"], "metadata": {"name": "test-b"},
                          "extra": {"treeherder": "free-form text"}}},
                {"status": {"taskId": "C"},
                 "task": {"tags": null, "metadata": 7, "extra": [{"treeherder": {"tier": 1}}]}},
                {"status": "pending", "task": 3.5},
            ],
            "continuationToken": "next-page",
        });
        let (tasks, token) = listing_page(page.to_string().as_bytes()).unwrap();
        let got: Vec<(&str, &str, &str, &str, Option<u64>)> = tasks
            .iter()
            .map(|t| (&*t.task_id, &*t.label, &*t.state, &*t.kind, t.tier))
            .collect();
        assert_eq!(
            got,
            [
                ("A", "build-a", "completed", "build", Some(2)),
                ("B", "test-b", "failed", "", None),
                ("C", "", "unscheduled", "", None),
                ("", "", "unscheduled", "", None),
            ]
        );
        assert_eq!(token.as_deref(), Some("next-page"));
        // Not a listing at all is still refused.
        assert!(listing_page(b"[1, 2]").is_err());
        assert!(listing_page(br#"{"tasks": [1]}"#).is_err());
    }
}

#[cfg(all(test, feature = "native-http"))]
mod concurrency_tests {
    use std::cell::RefCell;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::taskcluster::client::HttpResponse;

    /// Pending once (waking itself), then ready: an answer that is not there at once.
    struct YieldOnce(bool);

    impl Future for YieldOnce {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    /// The index's listings (one task per namespace) and the maps, each answered after a
    /// yield; notes when each request is sent and answered.
    #[derive(Default)]
    struct Yielding(RefCell<Vec<(bool, String)>>);

    impl Transport for Yielding {
        async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, FetchError> {
            let url = request.url.clone();
            self.0.borrow_mut().push((true, url.clone()));
            YieldOnce(false).await;
            self.0.borrow_mut().push((false, url.clone()));
            let body = if url.contains("/index/v1/tasks/") {
                // Expiry sets the merge order: B, then A, then the cron task.
                let (id, day) = if url.ends_with(".cron") {
                    ("CronTask", 3)
                } else if url.contains(".pushlog-id.") {
                    ("ActionA", 2)
                } else {
                    ("ActionB", 1)
                };
                json!({"tasks": [{"taskId": id, "expires": format!("2027-01-0{day}T00:00:00.000Z")}]})
            } else if let Some(id) = url.split("/task/").nth(1).and_then(|r| r.split('/').next()) {
                json!({ "build-linux64/opt": format!("{id}Build") })
            } else {
                return Ok(HttpResponse::not_found());
            };
            Ok(HttpResponse::json(&body))
        }
        async fn pause(&self, _: Duration) {}
    }

    #[test]
    fn earlier_runs_are_listed_and_their_maps_downloaded_concurrently() {
        let t = Yielding::default();
        let parameters = json!({"project": "proj", "pushlog_id": "7", "head_rev": "abc"});
        let earlier = pollster::block_on(earlier_maps(
            &t,
            "https://tc.example",
            "Decision",
            Flavour::Taskgraph,
            "trust",
            &parameters,
            RetryPolicy::default(),
            &|_| {},
        ))
        .unwrap();
        // Merged newest last, whatever order the answers came in.
        let merged: Vec<(&str, bool, Option<&String>)> = (earlier.maps.iter())
            .map(|(id, cron, map)| (id.as_str(), *cron, map.get("build-linux64/opt")))
            .collect();
        let build = |id: &str| format!("{id}Build");
        assert_eq!(
            merged,
            [
                ("ActionB", false, Some(&build("ActionB"))),
                ("ActionA", false, Some(&build("ActionA"))),
                ("CronTask", true, Some(&build("CronTask"))),
            ]
        );
        // Every listing is sent before any listing is answered, every map before any map.
        let events = t.0.take();
        let step = |is: &dyn Fn(&str) -> bool| -> Vec<bool> {
            (events.iter())
                .filter(|(_, url)| is(url))
                .map(|(sent, _)| *sent)
                .collect()
        };
        let listings = step(&|url| url.contains("/index/v1/tasks/"));
        let maps = step(&|url| url.ends_with("label-to-taskid.json"));
        assert_eq!(listings, [true, true, true, false, false, false]);
        assert_eq!(maps, [true, true, true, false, false, false]);
    }
}
