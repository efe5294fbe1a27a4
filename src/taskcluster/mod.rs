//! Taskcluster conventions the preview needs, independent of how requests are sent: API URLs
//! built from a root URL the way Taskcluster's own clients build them, the index namespaces
//! an action task searches for earlier runs, the trust domain and level encoded in a
//! `schedulerId`, and Hawk request signing ([`hawk`]).
//!
//! Nothing here performs I/O; a transport (browser `fetch`, a native HTTP client) sends what
//! these functions describe.

#[cfg(feature = "taskcluster")]
pub mod client;
#[cfg(feature = "taskcluster")]
pub mod definitions;
#[cfg(feature = "taskcluster")]
pub mod hawk;
#[cfg(feature = "taskcluster")]
pub mod loader;
#[cfg(feature = "taskcluster")]
pub mod trigger;

use crate::engine::Flavour;

/// `<root>/api/<service>/<version>/<path>`, as `taskcluster-urls` builds it (trailing slashes
/// of the root and leading slashes of the path dropped).
pub fn api_url(root_url: &str, service: &str, version: &str, path: &str) -> String {
    format!(
        "{}/api/{service}/{version}/{}",
        root_url.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// The latest run's artifact: `queue.getLatestArtifact`.
pub fn latest_artifact_url(root_url: &str, task_id: &str, name: &str) -> String {
    api_url(
        root_url,
        "queue",
        "v1",
        &format!("task/{task_id}/artifacts/{name}"),
    )
}

/// One run's artifact: `queue.getArtifact` (decision tasks get retried; use the run that
/// produced the artifacts).
pub fn run_artifact_url(root_url: &str, task_id: &str, run_id: u32, name: &str) -> String {
    api_url(
        root_url,
        "queue",
        "v1",
        &format!("task/{task_id}/runs/{run_id}/artifacts/{name}"),
    )
}

/// `queue.task`: a task's definition.
pub fn task_url(root_url: &str, task_id: &str) -> String {
    api_url(root_url, "queue", "v1", &format!("task/{task_id}"))
}

/// `queue.status`.
pub fn status_url(root_url: &str, task_id: &str) -> String {
    api_url(root_url, "queue", "v1", &format!("task/{task_id}/status"))
}

/// `queue.statuses` (POST `{"taskIds": [...]}`).
pub fn statuses_url(root_url: &str) -> String {
    api_url(root_url, "queue", "v1", "tasks/status")
}

/// `queue.listTaskGroup`, with an optional continuation token.
pub fn list_task_group_url(
    root_url: &str,
    task_group_id: &str,
    continuation: Option<&str>,
) -> String {
    let mut url = api_url(
        root_url,
        "queue",
        "v1",
        &format!("task-group/{task_group_id}/list"),
    );
    if let Some(token) = continuation {
        url.push_str("?continuationToken=");
        url.push_str(&percent_encode(token));
    }
    url
}

/// The GETs a push's staged load (`session::Session::load_staged`) sends before any answer is
/// in: the decision task and its status, `runnable-jobs.json` and the task group's first
/// page. A host may send them itself while the engine starts and hand their answers over: the
/// page does (`prefetch` in its load message, sent by the worker's JavaScript, whose answers
/// `js_api::http` takes); a session test checks the list against the load's own requests.
pub fn first_requests(root_url: &str, decision_task_id: &str) -> Vec<String> {
    vec![
        task_url(root_url, decision_task_id),
        status_url(root_url, decision_task_id),
        latest_artifact_url(root_url, decision_task_id, "public/runnable-jobs.json"),
        list_task_group_url(root_url, decision_task_id, None),
    ]
}

/// The artifact a staged load most needs next, once the decision task's status is in, when
/// the artifacts are run 0's (a decision task that ran once: nearly every push): the graph. A
/// host may send it with the [`first_requests`] (the page and the JS package do: the graph's
/// redirect to its storage and first bytes are then on their way while the engine starts); a
/// load that uses another run does not take it, and the worker's JavaScript aborts it
/// (www/src/serve.js). Only the graph: the run's small artifacts come as fast after the
/// status, and five requests at once leave a browser's six connections to a server that
/// speaks HTTP/1.1 one for `runnable-jobs.json`'s redirect (with eight, the early grid
/// waited for the graph's connection: 0.3 s later on loopback).
pub fn likely_requests(root_url: &str, decision_task_id: &str) -> Vec<String> {
    vec![run_artifact_url(
        root_url,
        decision_task_id,
        0,
        "public/full-task-graph.json",
    )]
}

/// What a host sends at once, while its engine starts, for the engine to take: the
/// [`first_requests`] and the [`likely_requests`] (the page's load message lists them; the JS
/// package's `earlyRequests` in www/src/index.js is the same list).
pub fn early_requests(root_url: &str, decision_task_id: &str) -> Vec<String> {
    let mut urls = first_requests(root_url, decision_task_id);
    urls.extend(likely_requests(root_url, decision_task_id));
    urls
}

/// `index.findTask`.
pub fn find_task_url(root_url: &str, index_path: &str) -> String {
    api_url(root_url, "index", "v1", &format!("task/{index_path}"))
}

/// `index.findTasksAtIndex` (POST `{"indexes": [...]}`).
pub fn find_tasks_at_index_url(root_url: &str) -> String {
    api_url(root_url, "index", "v1", "tasks/indexes")
}

/// `index.listTasks` of a namespace, with an optional continuation token.
pub fn list_tasks_url(root_url: &str, namespace: &str, continuation: Option<&str>) -> String {
    let mut url = api_url(root_url, "index", "v1", &format!("tasks/{namespace}"));
    if let Some(token) = continuation {
        url.push_str("?continuationToken=");
        url.push_str(&percent_encode(token));
    }
    url
}

/// `hooks.triggerHook` (POST the payload).
pub fn trigger_hook_url(root_url: &str, hook_group_id: &str, hook_id: &str) -> String {
    api_url(
        root_url,
        "hooks",
        "v1",
        &format!(
            "hooks/{}/{}/trigger",
            percent_encode(hook_group_id),
            percent_encode(hook_id)
        ),
    )
}

/// `queue.createTask` (PUT the definition).
pub fn create_task_url(root_url: &str, task_id: &str) -> String {
    api_url(root_url, "queue", "v1", &format!("task/{task_id}"))
}

/// Percent-encodes everything but unreserved characters (as `encodeURIComponent` does, which
/// Taskcluster's clients use for URL parameters).
pub fn percent_encode(text: &str) -> String {
    crate::url::percent_encode(text, b"")
}

/// The trust domain and level of a decision task, from its `schedulerId`
/// (`<trust-domain>-level-<N>`, as `create.create_tasks` writes it).
pub fn parse_scheduler_id(scheduler_id: &str) -> Option<(String, String)> {
    let (trust_domain, level) = scheduler_id.rsplit_once("-level-")?;
    if trust_domain.is_empty() || level.is_empty() || !level.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((trust_domain.to_string(), level.to_string()))
}

/// The prefix of the parameters that name the project's own repository (gecko's graph config
/// `project-repo-param-prefix`): `comm_` for comm-central (its `comm_head_rev` is the push's
/// revision; `head_rev` is Firefox's), empty everywhere else. The graph config is not an
/// artifact, so it is known by trust domain.
pub fn repo_param_prefix(flavour: Flavour, trust_domain: &str) -> &'static str {
    match (flavour, trust_domain) {
        (Flavour::Gecko, "comm") => "comm_",
        _ => "",
    }
}

/// The index namespaces whose tasks' `label-to-taskid.json` an action merges over the
/// decision's (`fetch_graph_and_labels`):
///
/// * taskgraph: earlier actions by pushlog id and by revision (`….revision.<rev>.actions`),
///   and cron tasks by revision;
/// * gecko: earlier actions under `….revision.<rev>.taskgraph.actions` and cron tasks under
///   `….revision.<rev>.cron`, with the revision read through [`repo_param_prefix`]; no
///   pushlog-id namespace.
pub fn prior_run_namespaces(
    flavour: Flavour,
    trust_domain: &str,
    project: &str,
    pushlog_id: &str,
    head_rev: &str,
) -> PriorRunNamespaces {
    let actions = match flavour {
        Flavour::Taskgraph => vec![
            format!("{trust_domain}.v2.{project}.pushlog-id.{pushlog_id}.actions"),
            format!("{trust_domain}.v2.{project}.revision.{head_rev}.actions"),
        ],
        Flavour::Gecko => vec![format!(
            "{trust_domain}.v2.{project}.revision.{head_rev}.taskgraph.actions"
        )],
    };
    PriorRunNamespaces {
        actions,
        cron: format!("{trust_domain}.v2.{project}.revision.{head_rev}.cron"),
    }
}

/// See [`prior_run_namespaces`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorRunNamespaces {
    pub actions: Vec<String>,
    pub cron: String,
}

/// Where gecko's `find_decision_task` looks for the push's decision task (an action on a
/// gecko push uses the task found there, and fails if there is none).
pub fn gecko_decision_index_path(trust_domain: &str, project: &str, head_rev: &str) -> String {
    format!("{trust_domain}.v2.{project}.revision.{head_rev}.taskgraph.decision")
}

/// Where upstream's `find_decision_task` looks for the decision task of a push.
pub fn decision_index_path(
    trust_domain: &str,
    project: &str,
    repository_type: &str,
    pushlog_id: &str,
    head_rev: &str,
) -> String {
    if repository_type == "git" {
        format!("{trust_domain}.v2.{project}.revision.{head_rev}.taskgraph.decision")
    } else {
        format!("{trust_domain}.v2.{project}.pushlog-id.{pushlog_id}.decision")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_taskcluster_conventions() {
        let root = "https://tc.example.com/";
        assert_eq!(
            latest_artifact_url(root, "abc", "public/full-task-graph.json"),
            "https://tc.example.com/api/queue/v1/task/abc/artifacts/public/full-task-graph.json"
        );
        assert_eq!(
            run_artifact_url(root, "abc", 1, "public/label-to-taskid.json"),
            "https://tc.example.com/api/queue/v1/task/abc/runs/1/artifacts/public/label-to-taskid.json"
        );
        assert_eq!(
            trigger_hook_url(root, "project-taskgraph", "in-tree-action-3-generic/4611924a21"),
            "https://tc.example.com/api/hooks/v1/hooks/project-taskgraph/in-tree-action-3-generic%2F4611924a21/trigger"
        );
        assert_eq!(
            list_tasks_url(root, "gecko.v2.autoland.revision.abc.actions", Some("a b/c")),
            "https://tc.example.com/api/index/v1/tasks/gecko.v2.autoland.revision.abc.actions?continuationToken=a%20b%2Fc"
        );
        assert_eq!(
            find_tasks_at_index_url(root),
            "https://tc.example.com/api/index/v1/tasks/indexes"
        );
        assert_eq!(
            statuses_url(root),
            "https://tc.example.com/api/queue/v1/tasks/status"
        );
    }

    #[test]
    fn scheduler_ids() {
        assert_eq!(
            parse_scheduler_id("gecko-level-3"),
            Some(("gecko".into(), "3".into()))
        );
        assert_eq!(
            parse_scheduler_id("app-services-level-1"),
            Some(("app-services".into(), "1".into()))
        );
        assert_eq!(parse_scheduler_id("taskcluster-github"), None);
        assert_eq!(parse_scheduler_id("x-level-"), None);
    }

    #[test]
    fn namespaces_match_upstream() {
        let ns = prior_run_namespaces(
            Flavour::Taskgraph,
            "example",
            "example-repo",
            "4242",
            "abcdef",
        );
        assert_eq!(
            ns.actions,
            [
                "example.v2.example-repo.pushlog-id.4242.actions",
                "example.v2.example-repo.revision.abcdef.actions"
            ]
        );
        assert_eq!(ns.cron, "example.v2.example-repo.revision.abcdef.cron");
        assert_eq!(
            decision_index_path("gecko", "autoland", "hg", "7", "abc"),
            "gecko.v2.autoland.pushlog-id.7.decision"
        );
        let gecko = prior_run_namespaces(Flavour::Gecko, "gecko", "autoland", "7", "abc");
        assert_eq!(
            gecko.actions,
            ["gecko.v2.autoland.revision.abc.taskgraph.actions"]
        );
        assert_eq!(gecko.cron, "gecko.v2.autoland.revision.abc.cron");
        assert_eq!(repo_param_prefix(Flavour::Gecko, "comm"), "comm_");
        assert_eq!(repo_param_prefix(Flavour::Gecko, "gecko"), "");
        assert_eq!(repo_param_prefix(Flavour::Taskgraph, "comm"), "");
        assert_eq!(
            gecko_decision_index_path("comm", "comm-central", "def"),
            "comm.v2.comm-central.revision.def.taskgraph.decision"
        );
    }
}
