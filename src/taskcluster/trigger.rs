//! Triggering an action and following it: the decision's `actions.json` over HTTP, the
//! signed request for a rendered [`Trigger`], sending it exactly once, then polling the action
//! task and comparing what it really created with the preview.
//!
//! Credentials are only ever attached to requests for the configured root URL, and a trigger is
//! never retried automatically: a 5xx after the hooks service accepted the call would otherwise
//! fire the action twice.

use std::time::Duration;

use serde_json::Value;

use super::client::{fetch, FetchError, HttpRequest, RetryPolicy, Transport};
use super::definitions;
use super::hawk::{self, Credentials, HawkError};
use super::loader::LoadError;
use super::{
    create_task_url, latest_artifact_url, run_artifact_url, status_url, task_url, trigger_hook_url,
};
use crate::actions::{self, ActionsJson, Trigger};
use crate::engine::Iteration;

/// Loads and parses the decision's `public/actions.json`.
pub async fn load_actions<T: Transport>(
    t: &T,
    root_url: &str,
    decision_task_id: &str,
    run_id: u32,
    retry: RetryPolicy,
) -> Result<ActionsJson, LoadError> {
    let url = run_artifact_url(root_url, decision_task_id, run_id, "public/actions.json");
    let body = fetch(t, &HttpRequest::get(url.clone()), retry).await?;
    actions::parse(&body).map_err(|e| LoadError::Invalid {
        what: url,
        message: e.to_string(),
    })
}

/// The HTTP request for a trigger, unsigned.
pub fn request(root_url: &str, trigger: &Trigger) -> HttpRequest {
    match trigger {
        Trigger::Hook {
            hook_group_id,
            hook_id,
            payload,
        } => HttpRequest::post_json(trigger_hook_url(root_url, hook_group_id, hook_id), payload),
        Trigger::Task { task_id, task } => HttpRequest {
            method: "PUT".into(),
            ..HttpRequest::post_json(create_task_url(root_url, task_id), task)
        },
    }
}

/// Why a trigger was not sent or not accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TriggerError {
    #[error("refusing to send credentials to {url}: it is not under the root URL {root_url}")]
    ForeignUrl { url: String, root_url: String },
    #[error(transparent)]
    Hawk(#[from] HawkError),
    #[error("the trigger was not accepted: {0}")]
    Rejected(FetchError),
    #[error("the trigger was accepted but the answer has no taskId: {body}")]
    NoTaskId { body: String },
}

/// Signs `request` for `root_url` with the user's credentials.
pub fn sign(
    request: &mut HttpRequest,
    root_url: &str,
    credentials: &Credentials,
    timestamp: u64,
    nonce: &str,
) -> Result<(), TriggerError> {
    let root = root_url.trim_end_matches('/');
    if !request.url.starts_with(&format!("{root}/")) {
        return Err(TriggerError::ForeignUrl {
            url: request.url.clone(),
            root_url: root_url.to_string(),
        });
    }
    let content_type = request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map_or("application/json", |(_, v)| v.as_str())
        .to_string();
    let ext = hawk::taskcluster_ext(credentials)?;
    let header = hawk::authorization(
        credentials,
        &hawk::Request {
            method: &request.method,
            url: &request.url,
            payload: request.body.as_deref().map(|b| (content_type.as_str(), b)),
            timestamp,
            nonce,
        },
        ext.as_deref(),
    )?;
    request.headers.push(("Authorization".into(), header));
    Ok(())
}

/// Sends a signed trigger once (no retry) and returns the taskId of the created action task.
pub async fn send<T: Transport>(t: &T, request: &HttpRequest) -> Result<String, TriggerError> {
    let once = RetryPolicy {
        attempts: 1,
        first_delay: Duration::ZERO,
    };
    let body = fetch(t, request, once)
        .await
        .map_err(TriggerError::Rejected)?;
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    value
        .pointer("/status/taskId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| TriggerError::NoTaskId {
            body: String::from_utf8_lossy(&body).chars().take(200).collect(),
        })
}

pub use crate::protocol::{definitions_compared, Comparison};

/// Compares an action's `label-to-taskid.json` with a preview iteration: the same labels are
/// created (with new ids) and reused (with the same ids), and nothing else appears.
pub fn compare(
    iteration: &Iteration,
    actual: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    let mut differences = Vec::new();
    for label in iteration.created.keys() {
        match actual.get(label) {
            None => differences.push(format!(
                "{label}: previewed as created, but the action did not schedule it"
            )),
            Some(id) if iteration.reused.values().any(|r| &r.task_id == id) => differences.push(
                format!("{label}: previewed as created, but the action reused {id}"),
            ),
            Some(_) => {}
        }
    }
    for (label, reuse) in &iteration.reused {
        match actual.get(label) {
            None => differences.push(format!(
                "{label}: previewed as reusing {}, but the action has no entry",
                reuse.task_id
            )),
            Some(id) if id != &reuse.task_id => differences.push(format!(
                "{label}: previewed as reusing {} ({}), but the action used {id}",
                reuse.task_id, reuse.source
            )),
            Some(_) => {}
        }
    }
    for label in actual.keys() {
        if !iteration.created.contains_key(label) && !iteration.reused.contains_key(label) {
            differences.push(format!(
                "{label}: in the action's label-to-taskid.json but not in the preview"
            ));
        }
    }
    differences
}

/// The artifact each call of an action leaves its map in: `public/label-to-taskid.json` for a
/// lone call (upstream renames a single suffixed call's files), else
/// `public/label-to-taskid-<suffix>.json` (kept next to the combined one).
pub fn call_artifact(suffix: &str, calls: usize) -> String {
    if calls <= 1 || suffix.is_empty() {
        "public/label-to-taskid.json".into()
    } else {
        format!("public/label-to-taskid-{suffix}.json")
    }
}

/// Polls the action task until it is resolved (or `max_wait` passes), then compares every
/// `create_tasks` call of the preview that was triggered (`calls`: each call's artifact suffix
/// and what it creates and reuses, in order) with that call's `label-to-taskid` artifact, and
/// the definition of every task each call created (as the queue holds it) with the preview's
/// definition for that label ([`definitions::check`](super::definitions::check)). With more
/// than one call, each difference names its call.
pub async fn follow<T: Transport>(
    t: &T,
    root_url: &str,
    action_task_id: &str,
    calls: &[(String, &Iteration)],
    poll: Duration,
    max_wait: Duration,
) -> Result<Comparison, LoadError> {
    let retry = RetryPolicy::default();
    let mut waited = Duration::ZERO;
    let state = loop {
        let body = fetch(
            t,
            &HttpRequest::get(status_url(root_url, action_task_id)),
            retry,
        )
        .await?;
        let status: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let state = status
            .pointer("/status/state")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        if matches!(state.as_str(), "completed" | "failed" | "exception") || waited >= max_wait {
            break state;
        }
        t.pause(poll).await;
        waited += poll;
    };
    if state != "completed" {
        let nothing =
            format!("the action task is {state}; it created nothing to compare (see its log)");
        return Ok(Comparison::new(
            action_task_id.to_string(),
            state,
            vec![nothing],
            0,
        ));
    }
    let mut differences = Vec::new();
    let mut definitions_checked = 0;
    for (suffix, iteration) in calls {
        let name = call_artifact(suffix, calls.len());
        let url = latest_artifact_url(root_url, action_task_id, &name);
        let body = fetch(t, &HttpRequest::get(url.clone()), retry).await?;
        let actual =
            crate::engine::parse::label_to_taskid(&body, &url).map_err(|e| LoadError::Invalid {
                what: url,
                message: e.to_string(),
            })?;
        let (found, checked) =
            follow_call(t, root_url, action_task_id, iteration, &actual, retry).await?;
        definitions_checked += checked;
        differences.extend(found.into_iter().map(|d| {
            if calls.len() > 1 {
                format!("call {suffix} ({name}): {d}")
            } else {
                d
            }
        }));
    }
    Ok(Comparison::new(
        action_task_id.to_string(),
        state,
        differences,
        definitions_checked,
    ))
}

/// One call: its map against the preview's iteration, then the definition of each task it
/// created. The differences and how many definitions were compared.
async fn follow_call<T: Transport>(
    t: &T,
    root_url: &str,
    action_task_id: &str,
    iteration: &Iteration,
    actual: &std::collections::BTreeMap<String, String>,
    retry: RetryPolicy,
) -> Result<(Vec<String>, usize), LoadError> {
    let mut differences = compare(iteration, actual);
    let ids = definitions::id_map(&iteration.created, actual, &iteration.tasks, action_task_id);
    let reused: std::collections::BTreeSet<&String> =
        iteration.reused.values().map(|r| &r.task_id).collect();
    // Each created task the action names, with the preview's definition for its label (a
    // label created in the preview but reused in reality is already a difference).
    let wanted: Vec<(&String, &String, &Value, HttpRequest)> = (iteration.created.iter())
        .filter_map(|(label, preview_id)| {
            let id = actual.get(label)?;
            let previewed = iteration.tasks.get(preview_id)?;
            (!reused.contains(id)).then(|| {
                (
                    label,
                    id,
                    previewed,
                    HttpRequest::get(task_url(root_url, id)),
                )
            })
        })
        .collect();
    // A few at a time (a browser's fetches overlap; the native transport runs them in turn),
    // answers in order.
    let answers: Vec<Result<Vec<u8>, FetchError>> =
        futures_util::StreamExt::collect(futures_util::StreamExt::buffered(
            futures_util::stream::iter(wanted.iter().map(|(.., req)| fetch(t, req, retry))),
            8,
        ))
        .await;
    let mut definitions_checked = 0;
    for ((label, id, previewed, request), answer) in wanted.iter().zip(answers) {
        match answer {
            Ok(body) => {
                let created: Value =
                    serde_json::from_slice(&body).map_err(|e| LoadError::Invalid {
                        what: request.url.clone(),
                        message: e.to_string(),
                    })?;
                definitions_checked += 1;
                differences.extend(definitions::check(
                    label,
                    id,
                    previewed,
                    &created,
                    &ids,
                    action_task_id,
                ));
            }
            Err(FetchError::Expired { .. } | FetchError::Status { status: 404, .. }) => {
                differences.push(format!(
                    "{label}: the action's label-to-taskid.json names {id}, but the queue has no such task"
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok((differences, definitions_checked))
}
