//! Taskcluster's REST paths as the stand-in answers them (queue, index, hooks, auth, the
//! artifact storage origin), and the page's static files.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::auth::{create_task_scope, permanent_credentials, signed_call, Signed};
use crate::server::gzip_once;
use crate::{login, Config};

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    pub(crate) content_type: &'static str,
    /// Extra headers (`Location`, `Content-Encoding`, the CORS preflight answer).
    pub(crate) headers: Vec<(&'static str, String)>,
    /// `Access-Control-Allow-Origin: *`, as Taskcluster's APIs answer (not the login's
    /// endpoints, which allow registered origins only).
    pub(crate) any_origin: bool,
}

impl Reply {
    pub(crate) fn new(status: u16, body: Vec<u8>, content_type: &'static str) -> Reply {
        Reply {
            status,
            body,
            content_type,
            headers: Vec::new(),
            any_origin: true,
        }
    }
}

pub(crate) fn json_reply(status: u16, value: &Value) -> Reply {
    Reply::new(status, value.to_string().into_bytes(), "application/json")
}

/// What Taskcluster's services answer to a CORS preflight (`OPTIONS`): any origin, the
/// methods of the REST API, and the headers its clients send (`Authorization` for Hawk,
/// `Content-Type` for JSON bodies).
pub(crate) fn preflight() -> Reply {
    let mut reply = Reply::new(200, Vec::new(), "text/plain");
    reply.headers = vec![
        (
            "Access-Control-Allow-Methods",
            "OPTIONS,GET,HEAD,POST,PUT,DELETE,TRACE,CONNECT".into(),
        ),
        (
            "Access-Control-Allow-Headers",
            "X-Requested-With,Content-Type,Authorization,Accept,Origin,Cache-Control".into(),
        ),
        ("Access-Control-Max-Age", "900".into()),
    ];
    reply
}

/// An error as Taskcluster's services answer one: `{code, message, requestInfo}` with their
/// code names (checked against the real services by `tests/real/test_read_push.py`).
pub(crate) fn error(status: u16, message: &str) -> Reply {
    let code = match status {
        400 => "InputError",
        401 => "AuthenticationFailed",
        403 => "InsufficientScopes",
        404 => "ResourceNotFound",
        405 => "MethodNotAllowed",
        409 => "RequestConflict",
        _ => "InternalServerError",
    };
    let time = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    json_reply(
        status,
        &json!({"code": code, "message": message,
                "requestInfo": {"method": "", "params": {}, "payload": {}, "time": time}}),
    )
}

/// An artifact from storage (`/<taskId>/<name>`), gzip-encoded (`gzip`, the storage origin)
/// or as stored (the stand-in's own `/storage/` path).
pub(crate) fn storage_reply(config: &Config, method: &str, url: &str, gzip: bool) -> Reply {
    if method == "OPTIONS" {
        return preflight();
    }
    let path = url.split_once('?').map_or(url, |(p, _)| p);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (method, [task_id, name @ ..]) = (method, segments.as_slice()) else {
        return error(404, "no such object");
    };
    if method != "GET" {
        return error(405, "storage objects are read with GET");
    }
    let Some(name) = artifact_name(name) else {
        return error(404, "no such object");
    };
    let mut reply = artifact(config, task_id, &name);
    if reply.status != 200 {
        return reply;
    }
    if config
        .faults
        .truncate
        .as_ref()
        .is_some_and(|t| name.contains(t.as_str()))
    {
        let half = reply.body.len() / 2;
        reply.body.truncate(half);
    }
    let stored_gzip = reply.body.starts_with(&[0x1f, 0x8b]);
    if gzip && (name.ends_with(".json") || name.ends_with(".yml")) {
        if !stored_gzip {
            // Storage keeps objects compressed: each is compressed once.
            match gzip_once(&format!("{task_id}/{name}"), &reply.body) {
                Some(body) => reply.body = body,
                None => return error(500, "cannot compress"),
            }
        }
        reply.headers.push(("Content-Encoding", "gzip".into()));
    } else if stored_gzip && !name.ends_with(".gz") {
        // An object stored compressed (a sample's big graph) is served as Taskcluster's
        // storage serves one: with `Content-Encoding: gzip`, so that any HTTP client (upstream
        // taskgraph's `get_artifact`, a browser's fetch) reads the JSON, not raw gzip bytes.
        reply.headers.push(("Content-Encoding", "gzip".into()));
    }
    reply
}

/// An artifact name from its URL segments: each decoded (clients send `public%2Fx.json` as
/// well as `public/x.json`), never leaving the task's folder.
pub(crate) fn artifact_name(segments: &[&str]) -> Option<String> {
    let name = segments
        .iter()
        .map(|s| decode(s))
        .collect::<Vec<_>>()
        .join("/");
    let safe = !name.is_empty()
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    safe.then_some(name)
}

/// Appends one line to a record or log file (a test harness reads them; a failed write only
/// loses the record, never the answer), in one write: requests answered at once on several
/// threads each append whole lines (`writeln!` wrote the text and its newline apart, and two
/// requests' lines could end up as one).
pub(crate) fn append_line(path: &Path, line: &str) {
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = file.write_all(format!("{line}\n").as_bytes());
    }
}

pub(crate) fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// `index.json`: path → taskId, or path → `{"taskId", "expires"}`.
pub(crate) fn index_entries(config: &Config) -> BTreeMap<String, (String, String)> {
    const FAR: &str = "3000-01-01T00:00:00.000Z";
    let Some(Value::Object(map)) = read_json(&config.dir.join("index.json")) else {
        return BTreeMap::new();
    };
    map.into_iter()
        .filter_map(|(path, v)| match v {
            Value::String(id) => Some((path, (id, FAR.to_string()))),
            Value::Object(o) => {
                let id = o.get("taskId")?.as_str()?.to_string();
                let expires = o
                    .get("expires")
                    .and_then(Value::as_str)
                    .unwrap_or(FAR)
                    .to_string();
                Some((path, (id, expires)))
            }
            _ => None,
        })
        .collect()
}

/// A sample push's existing task, from its task group's listing (`group.json`): its
/// definition as the sample knows it (task group, tags, name).
pub(crate) fn group_task(config: &Config, task_id: &str) -> Option<Value> {
    let entries = std::fs::read_dir(config.dir.join("tasks")).ok()?;
    for entry in entries.flatten() {
        let path = entry.path().join("group.json");
        if !path.is_file() {
            continue;
        }
        let Some(Value::Array(tasks)) = read_json(&path) else {
            continue;
        };
        if let Some(found) = tasks
            .into_iter()
            .find(|t| t.pointer("/status/taskId").and_then(Value::as_str) == Some(task_id))
        {
            return found.get("task").cloned();
        }
    }
    None
}

pub(crate) fn status_of(config: &Config, task_id: &str) -> Option<Value> {
    let dir = config.dir.join("tasks").join(task_id);
    if !dir.is_dir() {
        return None;
    }
    Some(read_json(&dir.join("status.json")).unwrap_or_else(|| {
        json!({"taskId": task_id, "state": "completed", "expires": "3000-01-01T00:00:00.000Z",
               "runs": [{"runId": 0, "state": "completed"}]})
    }))
}

/// The head of a task group listing, as the queue answers it: the group's id, its
/// schedulerId (the decision's, which is the group's task of the same id) and expiry.
pub(crate) fn group_reply(config: &Config, group: &str) -> Value {
    let decision = read_json(&config.dir.join("tasks").join(group).join("task.json"));
    let field = |name: &str, default: &str| {
        decision
            .as_ref()
            .and_then(|t| t.get(name).cloned())
            .unwrap_or_else(|| json!(default))
    };
    json!({"taskGroupId": group, "schedulerId": field("schedulerId", "-"),
           "expires": field("expires", "3000-01-01T00:00:00.000Z")})
}

/// One page of a listing: `reply` plus `tasks` from `token` on, and a continuation token if
/// more remain.
pub(crate) fn paged(reply: Value, items: &[Value], token: usize, page: usize) -> Reply {
    let (items, next) = page_of(items, token, page);
    let tasks: Vec<Box<RawValue>> = items
        .iter()
        .filter_map(|item| serde_json::value::to_raw_value(item).ok())
        .collect();
    page_reply(reply, &tasks, next)
}

/// [`paged`] for items kept as JSON text (see [`group_listing`]): nothing parsed or printed
/// again.
pub(crate) fn paged_texts(
    reply: Value,
    items: &[Box<RawValue>],
    token: usize,
    page: usize,
) -> Reply {
    let (items, next) = page_of(items, token, page);
    page_reply(reply, items, next)
}

/// The `page` items from `token` on, and the token of the next page if more remain.
fn page_of<T>(items: &[T], token: usize, page: usize) -> (&[T], Option<usize>) {
    let end = token.saturating_add(page).min(items.len());
    let next = (end < items.len()).then_some(end);
    (items.get(token.min(end)..end).unwrap_or(&[]), next)
}

/// A listing's page as Taskcluster answers it: the reply's fields, then the tasks.
#[derive(serde::Serialize)]
struct Page<'a> {
    #[serde(flatten)]
    reply: &'a Value,
    tasks: &'a [Box<RawValue>],
}

/// `reply` with `tasks` and, if there is one, the next page's token.
fn page_reply(mut reply: Value, tasks: &[Box<RawValue>], next: Option<usize>) -> Reply {
    if let Some(next) = next {
        reply["continuationToken"] = json!(next.to_string());
    }
    match serde_json::to_vec(&Page {
        reply: &reply,
        tasks,
    }) {
        Ok(body) => Reply::new(200, body, "application/json"),
        Err(e) => error(500, &format!("the page could not be written: {e}")),
    }
}

/// The tasks of the `group.json` at `path`, each as its JSON text, kept while the file is
/// unchanged: a page is answered from the kept texts (as a queue answers from its database),
/// not by cloning and printing thousands of parsed tasks on every request.
pub(crate) fn group_listing(path: &Path) -> std::sync::Arc<Vec<Box<RawValue>>> {
    type Cache = std::sync::Mutex<
        BTreeMap<
            PathBuf,
            (
                Option<std::time::SystemTime>,
                std::sync::Arc<Vec<Box<RawValue>>>,
            ),
        >,
    >;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let cache = CACHE.get_or_init(Default::default);
    if let Some((when, tasks)) = cache.lock().ok().and_then(|c| c.get(path).cloned()) {
        if when == modified {
            return tasks;
        }
    }
    let parsed: Vec<Value> = read_json(path)
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let tasks = std::sync::Arc::new(
        parsed
            .iter()
            .filter_map(|task| serde_json::value::to_raw_value(task).ok())
            .collect::<Vec<_>>(),
    );
    if let Ok(mut c) = cache.lock() {
        c.insert(path.to_path_buf(), (modified, tasks.clone()));
    }
    tasks
}

pub(crate) fn index_entry(path: &str, task_id: &str, expires: &str) -> Value {
    json!({"namespace": path, "taskId": task_id, "rank": 0, "data": {}, "expires": expires})
}

pub(crate) fn route(
    config: &Config,
    method: &str,
    url: &str,
    body: &[u8],
    host: &str,
    authorization: Option<&str>,
    content_type: &str,
) -> Reply {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let signed = Signed {
        authorization,
        method,
        url: format!("http://{host}{url}"),
        body,
        content_type,
    };
    let token = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("continuationToken="))
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(0);
    match (method, segments.as_slice()) {
        ("GET", ["api", "queue", "v1", "task", id]) => {
            match read_json(&config.dir.join("tasks").join(id).join("task.json"))
                .or_else(|| group_task(config, id))
            {
                Some(task) => json_reply(200, &task),
                None => error(404, &format!("task {id} not found")),
            }
        }
        ("GET", ["api", "queue", "v1", "task", id, "status"]) => match status_of(config, id) {
            Some(status) => json_reply(200, &json!({"status": status})),
            None => error(404, &format!("task {id} not found")),
        },
        ("OPTIONS", _) => preflight(),
        ("GET", ["login", "oauth", "authorize"]) => login::authorize(&config.login, query, host),
        ("POST", ["login", "oauth", "authorize", "decision"]) => login::decide(&config.login, body),
        ("POST", ["login", "oauth", "token"]) => {
            login::token(&config.login, body, content_type, |id| {
                permanent_credentials(config).get(id).cloned()
            })
        }
        ("GET", ["login", "oauth", "credentials"]) => {
            login::credentials(&config.login, authorization)
        }
        ("GET", ["api", "queue", "v1", "task", id, "artifacts", name @ ..])
        | ("GET", ["api", "queue", "v1", "task", id, "runs", _, "artifacts", name @ ..]) => {
            // As Taskcluster does for artifacts in S3: a redirect, to the storage origin or
            // to this server's own `/storage/` path.
            let storage = config
                .storage
                .clone()
                .unwrap_or_else(|| format!("http://{host}/storage"));
            match artifact_name(name) {
                Some(name) => redirect_to_storage(config, &storage, id, &name),
                None => error(404, "no such artifact"),
            }
        }
        ("GET", ["storage", ..]) => storage_reply(
            config,
            method,
            path.strip_prefix("/storage").unwrap_or(path),
            false,
        ),
        ("POST", ["api", "queue", "v1", "tasks", "status"]) => {
            let ids: Vec<String> = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| serde_json::from_value(v.get("taskIds")?.clone()).ok())
                .unwrap_or_default();
            let statuses: Vec<Value> = ids
                .iter()
                .filter_map(|id| status_of(config, id).map(|s| json!({"taskId": id, "status": s})))
                .collect();
            json_reply(200, &json!({"statuses": statuses}))
        }
        ("GET", ["api", "index", "v1", "task", index_path]) => {
            match index_entries(config).get(*index_path) {
                Some((id, expires)) => json_reply(200, &index_entry(index_path, id, expires)),
                None => error(404, &format!("index path {index_path} not found")),
            }
        }
        ("GET", ["api", "index", "v1", "tasks", namespace]) => {
            let prefix = format!("{namespace}.");
            let children: Vec<Value> = index_entries(config)
                .iter()
                .filter(|(p, _)| {
                    p.strip_prefix(&prefix)
                        .is_some_and(|rest| !rest.contains('.'))
                })
                .map(|(p, (id, expires))| index_entry(p, id, expires))
                .collect();
            paged(json!({}), &children, token, 2)
        }
        ("POST", ["api", "index", "v1", "tasks", "indexes"]) => {
            let wanted: Vec<String> = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| serde_json::from_value(v.get("indexes")?.clone()).ok())
                .unwrap_or_default();
            let index = index_entries(config);
            let tasks: Vec<Value> = wanted
                .iter()
                .filter_map(|p| {
                    index
                        .get(p)
                        .map(|(id, expires)| index_entry(p, id, expires))
                })
                .collect();
            json_reply(200, &json!({"tasks": tasks}))
        }
        ("GET", ["api", "queue", "v1", "task-group", group, "list"])
            if config
                .dir
                .join("tasks")
                .join(group)
                .join("group.json")
                .is_file() =>
        {
            // A sample push's existing jobs, listed 5,000 per page (parsed once, as a queue
            // answers from its database rather than by reading the whole group again).
            let tasks = group_listing(&config.dir.join("tasks").join(group).join("group.json"));
            let page = config.faults.group_page.unwrap_or(5000).max(1);
            paged_texts(group_reply(config, group), &tasks, token, page)
        }
        ("GET", ["api", "queue", "v1", "task-group", group, "list"]) => {
            let mut tasks = Vec::new();
            if let Ok(entries) = std::fs::read_dir(config.dir.join("tasks")) {
                let mut entries: Vec<_> = entries.flatten().collect();
                entries.sort_by_key(std::fs::DirEntry::file_name);
                for entry in entries {
                    let id = entry.file_name().to_string_lossy().into_owned();
                    let Some(task) = read_json(&entry.path().join("task.json")) else {
                        continue;
                    };
                    if task.get("taskGroupId").and_then(Value::as_str) == Some(group) {
                        let mut status = status_of(config, &id).unwrap_or(Value::Null);
                        status["taskId"] = json!(id);
                        tasks.push(json!({"task": task, "status": status}));
                    }
                }
            }
            // Small pages, so clients must follow continuation tokens.
            paged(group_reply(config, group), &tasks, token, 2)
        }
        ("POST", ["api", "hooks", "v1", "hooks", group, hook, "trigger"]) => {
            let scope = format!("hooks:trigger-hook:{}/{}", decode(group), decode(hook));
            signed_call(config, &signed, &scope, |client| {
                // The action task the hook creates: preset by a test, or a fresh name.
                let new_task = std::fs::read_to_string(config.dir.join("next-action-task-id"))
                    .map(|s| s.trim().to_string())
                    .unwrap_or_else(|_| format!("StandinAction{:09}", body.len()));
                let payload: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                (
                    json!({"call": "triggerHook", "clientId": client, "hookGroupId": decode(group), "hookId": decode(hook), "payload": payload}),
                    json!({"status": {"taskId": new_task, "state": "pending"}}),
                )
            })
        }
        ("PUT", ["api", "queue", "v1", "task", id]) => {
            let task: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            signed_call(config, &signed, &create_task_scope(&task), |client| {
                (
                    json!({"call": "createTask", "clientId": client, "taskId": id, "task": task}),
                    json!({"status": {"taskId": id, "state": "pending"}}),
                )
            })
        }
        ("GET", _) if !path.starts_with("/api/") => static_file(config, path),
        _ => error(404, &format!("no such endpoint: {method} {path}")),
    }
}

/// A file of the built page (`index.html` for `/`); never outside the folder.
pub(crate) fn static_file(config: &Config, path: &str) -> Reply {
    let Some(root) = &config.www else {
        return error(
            404,
            "no page is served here (start the stand-in with --www DIR)",
        );
    };
    let rel = decode(path.trim_start_matches('/'));
    if rel
        .split('/')
        .any(|part| part == ".." || part.starts_with('.'))
    {
        return error(404, "no such file");
    }
    // A folder's page: `/` and `/demo/` serve their index.html.
    let rel = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel
    };
    let reply = match std::fs::read(root.join(&rel)) {
        Ok(body) => Reply::new(
            200,
            body,
            match rel.rsplit('.').next() {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript",
                Some("wasm") => "application/wasm",
                Some("css") => "text/css",
                Some("json") => "application/json",
                Some("svg") => "image/svg+xml",
                _ => "application/octet-stream",
            },
        ),
        Err(_) => error(404, &format!("no such file: {rel}")),
    };
    let mut reply = reply;
    if let Some(policy) = &config.csp {
        reply
            .headers
            .push(("Content-Security-Policy", policy.clone()));
    }
    reply
}

pub(crate) fn decode(segment: &str) -> String {
    taskgraph_preview::url::percent_decode(segment, false)
}

/// `303 See Other` to the storage origin, as the queue answers for artifacts in S3; an
/// artifact that does not exist (or has expired) answers 404 right here.
pub(crate) fn redirect_to_storage(
    config: &Config,
    storage: &str,
    task_id: &str,
    name: &str,
) -> Reply {
    let reply = artifact(config, task_id, name);
    if reply.status != 200 {
        return reply;
    }
    let location = format!(
        "{}/{}/{}",
        storage.trim_end_matches('/'),
        taskgraph_preview::url::percent_encode(task_id, b""),
        taskgraph_preview::url::percent_encode(name, b"/")
    );
    let mut redirect = json_reply(303, &json!({"storageType": "s3", "url": location}));
    redirect.headers.push(("Location", location));
    redirect
}

pub(crate) fn artifact(config: &Config, task_id: &str, name: &str) -> Reply {
    if config
        .faults
        .expire
        .as_ref()
        .is_some_and(|e| name.contains(e.as_str()))
    {
        return error(404, &format!("artifact {name} of {task_id} has expired"));
    }
    match std::fs::read(
        config
            .dir
            .join("tasks")
            .join(task_id)
            .join("artifacts")
            .join(name),
    ) {
        Ok(body) => Reply::new(
            200,
            body,
            if name.ends_with(".json") {
                "application/json"
            } else {
                "application/octet-stream"
            },
        ),
        Err(_) => error(404, &format!("artifact {name} of {task_id} not found")),
    }
}

#[cfg(test)]
mod page_tests {
    use super::*;

    /// A listing's pages: the reply's fields, the tasks from the token on, and the next page's
    /// token while more remain; kept texts page as parsed values do.
    #[test]
    fn pages_carry_the_replys_fields_the_tasks_and_the_next_token() {
        let items: Vec<Value> = (0..5)
            .map(|i| json!({"status": {"taskId": format!("T{i}")}}))
            .collect();
        let texts: Vec<Box<RawValue>> = items
            .iter()
            .map(|v| serde_json::value::to_raw_value(v).unwrap())
            .collect();
        let body = |reply: Reply| serde_json::from_slice::<Value>(&reply.body).unwrap();
        let reply = json!({"taskGroupId": "G"});
        for page in [
            paged(reply.clone(), &items, 2, 2),
            paged_texts(reply.clone(), &texts, 2, 2),
        ] {
            assert_eq!(
                body(page),
                json!({"taskGroupId": "G", "continuationToken": "4", "tasks": [items[2], items[3]]})
            );
        }
        assert_eq!(
            body(paged_texts(reply.clone(), &texts, 4, 2)),
            json!({"taskGroupId": "G", "tasks": [items[4]]})
        );
        assert_eq!(body(paged(json!({}), &items, 9, 2)), json!({"tasks": []}));
    }
}
