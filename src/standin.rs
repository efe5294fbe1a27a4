//! A stand-in Taskcluster deployment for the demo and the tests: it serves pushes from a
//! folder, verifies Hawk signatures of the calls that need credentials, records them, and can
//! inject faults. It speaks the real REST paths, so nothing in the clients knows it is not
//! Taskcluster: the official Python client and upstream taskgraph's loader read it (tested in
//! `tests/official_clients/`), and it answers CORS preflights like Taskcluster's services.
//!
//! Folder layout:
//!
//! ```text
//! tasks/<taskId>/task.json              queue.task
//! tasks/<taskId>/status.json            the `status` of queue.status (default: one completed run)
//! tasks/<taskId>/artifacts/<name>       queue.getArtifact / getLatestArtifact (any run): as
//!                                       Taskcluster does, a 303 to storage (`/storage/…` here,
//!                                       or `--storage-listen`'s origin, gzip-encoded there);
//!                                       a file stored gzip-compressed is served with
//!                                       `Content-Encoding: gzip` on both
//! index.json                            {"<index path>": "<taskId>" | {"taskId", "expires"}}:
//!                                       findTask, listTasks, findTasksAtIndex
//! credentials.json                      {"<clientId>": "<accessToken>"} accepted for trigger/create
//! next-action-task-id                   the taskId triggerHook answers (default: a made-up one)
//! ```
//!
//! Third-party login (`/login/oauth/…`, see [`login`]) issues temporary credentials; the Hawk
//! check accepts them (certificate signed by a client of `credentials.json`) for the scopes in
//! their certificate. Permanent credentials of `credentials.json` have every scope.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{json, Value};

use crate::taskcluster::hawk;

pub mod login;
pub use login::Login;

/// Faults to inject, for tests of the clients' error handling.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Answer 500 to the first N requests.
    pub fail_first: u64,
    /// Wait this long before every answer.
    pub delay: Duration,
    /// Artifacts whose name contains this arrive cut in half.
    pub truncate: Option<String>,
    /// Artifacts whose name contains this answer 404 (an expired push).
    pub expire: Option<String>,
    /// Requests whose URL contains this always answer 500.
    pub fail_matching: Option<String>,
    /// Send every body at this many bytes per second (a real link, not loopback).
    pub rate: Option<u64>,
    /// Only bodies whose URL contains this are sent at `rate` (e.g. a slow graph only).
    pub rate_only: Option<String>,
    /// Artifacts whose name contains this send half their bytes, then stall (the connection
    /// stays open, nothing more arrives).
    pub stall: Option<String>,
    /// Requests whose URL contains this are handled (a trigger is recorded), but never
    /// answered: the client cannot tell whether it worked.
    pub hang: Option<String>,
    /// Every other request whose URL contains this answers 503 (a flapping service).
    pub flap: Option<String>,
    /// Tasks per page of a task group listing (default 5,000; the real queue returns up to
    /// 1,000 by default): many small pages make a slow listing.
    pub group_page: Option<usize>,
}

/// The server's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub dir: PathBuf,
    /// JSON lines of every triggerHook/createTask call are appended here.
    pub record: Option<PathBuf>,
    /// Every request's method and path are appended here, one per line.
    pub log: Option<PathBuf>,
    /// Static files (the built page) served for paths outside `/api/`.
    pub www: Option<PathBuf>,
    /// The base URL of a separate artifact storage origin (see [`serve_storage`]): when set,
    /// artifact requests answer `303 See Other` to it, as Taskcluster's queue redirects to S3.
    pub storage: Option<String>,
    /// The Content-Security-Policy sent with the page's static files (see [`strict_csp`]).
    pub csp: Option<String>,
    pub faults: Faults,
    /// Third-party login: registered OAuth2 clients, the signed-in user, issued tokens.
    pub login: Login,
}

/// The policy a host like Treeherder sets, for the page and the demo host: no inline script or
/// style, WebAssembly allowed, the worker from this origin, HTTP to this origin and `connect`
/// (the Taskcluster root URLs and artifact storage the page is used with).
pub fn strict_csp(connect: &[String]) -> String {
    let mut connect_src = String::from("'self'");
    for origin in connect {
        connect_src.push(' ');
        connect_src.push_str(origin.trim_end_matches('/'));
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; \
         connect-src {connect_src}; style-src 'self'; img-src 'self' data:"
    )
}

/// Serves forever on `server`.
/// Each request is answered on a thread of its own, so a slow or stalled download does not
/// hold up the others (as with a real server).
pub fn serve(server: &tiny_http::Server, config: &Config) {
    let counter = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for request in server.incoming_requests() {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            scope.spawn(move || handle(request, config, n));
        }
    });
}

struct Reply {
    status: u16,
    body: Vec<u8>,
    content_type: &'static str,
    /// Extra headers (`Location`, `Content-Encoding`, the CORS preflight answer).
    headers: Vec<(&'static str, String)>,
    /// `Access-Control-Allow-Origin: *`, as Taskcluster's APIs answer (not the login's
    /// endpoints, which allow registered origins only).
    any_origin: bool,
}

impl Reply {
    fn new(status: u16, body: Vec<u8>, content_type: &'static str) -> Reply {
        Reply {
            status,
            body,
            content_type,
            headers: Vec::new(),
            any_origin: true,
        }
    }
}

fn json_reply(status: u16, value: &Value) -> Reply {
    Reply::new(status, value.to_string().into_bytes(), "application/json")
}

/// What Taskcluster's services answer to a CORS preflight (`OPTIONS`): any origin, the
/// methods of the REST API, and the headers its clients send (`Authorization` for Hawk,
/// `Content-Type` for JSON bodies).
fn preflight() -> Reply {
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
fn error(status: u16, message: &str) -> Reply {
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

fn handle(mut request: tiny_http::Request, config: &Config, n: u64) {
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);
    if !config.faults.delay.is_zero() {
        std::thread::sleep(config.faults.delay);
    }
    let method = request.method().as_str().to_string();
    let url = request.url().to_string();
    let header = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_string())
    };
    let host = header("Host").unwrap_or_default();
    let authorization = header("Authorization");
    let gzip_ok = header("Accept-Encoding").is_some_and(|e| e.contains("gzip"));
    let content_type = header("Content-Type").unwrap_or_else(|| "application/json".into());
    if let Some(log) = &config.log {
        append_line(log, &format!("{method} {url}"));
    }
    let failing = config
        .faults
        .fail_matching
        .as_ref()
        .is_some_and(|m| url.contains(m.as_str()));
    let flapping = config
        .faults
        .flap
        .as_ref()
        .is_some_and(|m| url.contains(m.as_str()))
        && {
            static FLAPS: AtomicU64 = AtomicU64::new(0);
            FLAPS.fetch_add(1, Ordering::SeqCst) % 2 == 0
        };
    let reply = if n < config.faults.fail_first || failing {
        error(500, "injected failure")
    } else if flapping {
        error(503, "injected flapping failure")
    } else {
        route(
            config,
            &method,
            &url,
            &body,
            &host,
            authorization.as_deref(),
            &content_type,
        )
    };
    let path = url.split_once('?').map_or(url.as_str(), |(p, _)| p);
    let reply = if matches!(path, "/login/oauth/token" | "/login/oauth/credentials") {
        login::third_party_cors(
            &config.login,
            reply,
            &method,
            header("Origin").as_deref(),
            header("Access-Control-Request-Headers").as_deref(),
            &host,
        )
    } else {
        reply
    };
    let stall = url.starts_with("/storage/") && stalls(config, &url);
    let throttle = throttled(config, &url);
    if config
        .faults
        .hang
        .as_ref()
        .is_some_and(|m| url.contains(m.as_str()))
    {
        // Handled, never answered: the connection stays open.
        std::thread::sleep(Duration::from_secs(600));
        return;
    }
    // Taskcluster's API answers big JSON gzip-encoded to clients that accept it; the page's
    // files come compressed too, as any web server sends them.
    let reply = if gzip_ok && url.starts_with("/api/") {
        gzip_json(reply)
    } else if gzip_ok && config.www.is_some() && !url.starts_with("/storage/") {
        gzip_static(&url, reply)
    } else {
        reply
    };
    respond(request, reply, &config.faults, stall, throttle);
}

/// Whether the (percent-decoded) `url` contains a fault's `pattern`.
fn names(pattern: &str, url: &str) -> bool {
    crate::url::percent_decode(url, false).contains(pattern)
}

/// Whether the `rate` fault applies to the answer to `url`.
fn throttled(config: &Config, url: &str) -> bool {
    config
        .faults
        .rate_only
        .as_ref()
        .is_none_or(|m| names(m, url))
}

/// `body` gzip-compressed (fast level, as the stand-in's answers are made on the fly).
fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(body).ok()?;
    gz.finish().ok()
}

/// `body` gzip-compressed, remembered by `key` and length (a sample's artifacts never change).
fn gzip_once(key: &str, body: &[u8]) -> Option<Vec<u8>> {
    type Cache = std::sync::Mutex<BTreeMap<(String, usize), std::sync::Arc<Vec<u8>>>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let k = (key.to_string(), body.len());
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&k).cloned()) {
        return Some(hit.to_vec());
    }
    let compressed = gzip(body)?;
    if let Ok(mut c) = cache.lock() {
        c.insert(k, std::sync::Arc::new(compressed.clone()));
    }
    Some(compressed)
}

/// `reply` gzip-encoded, if it is JSON of more than a few kB and not encoded already.
fn gzip_json(mut reply: Reply) -> Reply {
    let encoded = reply.headers.iter().any(|(n, _)| *n == "Content-Encoding");
    if encoded || reply.body.len() < 4096 || !reply.content_type.starts_with("application/json") {
        return reply;
    }
    if let Some(body) = gzip(&reply.body) {
        reply.body = body;
        reply.headers.push(("Content-Encoding", "gzip".into()));
    }
    reply
}

/// A static file of the page gzip-encoded (each version compressed once), if it is text or
/// wasm.
fn gzip_static(url: &str, mut reply: Reply) -> Reply {
    let compressible = ["text/", "application/wasm", "application/json", "image/svg"]
        .iter()
        .any(|t| reply.content_type.starts_with(t));
    let encoded = reply.headers.iter().any(|(n, _)| *n == "Content-Encoding");
    if reply.status != 200 || !compressible || encoded || reply.body.len() < 1024 {
        return reply;
    }
    let path = url.split_once('?').map_or(url, |(p, _)| p);
    // Keyed by content too: the page may be rebuilt while the stand-in serves it.
    let mut crc = flate2::Crc::new();
    crc.update(&reply.body);
    if let Some(body) = gzip_once(&format!("www:{path}:{:08x}", crc.sum()), &reply.body) {
        reply.body = body;
        reply.headers.push(("Content-Encoding", "gzip".into()));
    }
    reply
}

/// Whether the artifact at `url` is one the `stall` fault applies to.
fn stalls(config: &Config, url: &str) -> bool {
    config.faults.stall.as_ref().is_some_and(|s| names(s, url))
}

/// A body sent at `rate` bytes per second (if any), stopping for good after `stall_at` bytes.
struct Throttled {
    data: std::io::Cursor<Vec<u8>>,
    rate: Option<u64>,
    stall_at: Option<u64>,
    started: std::time::Instant,
}

impl std::io::Read for Throttled {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let sent = self.data.position();
        if self.stall_at.is_some_and(|at| sent >= at) {
            // Stalled: keep the connection open, send nothing more.
            std::thread::sleep(Duration::from_secs(600));
            return Err(std::io::Error::other("stalled"));
        }
        let chunk = buf.len().min(64 * 1024);
        let chunk = match self.stall_at {
            Some(at) => chunk.min(usize::try_from(at - sent).unwrap_or(chunk)),
            None => chunk,
        };
        let read = std::io::Read::read(&mut self.data, &mut buf[..chunk])?;
        if let Some(rate) = self.rate.filter(|r| *r > 0) {
            let due = Duration::from_secs_f64((sent + read as u64) as f64 / rate as f64);
            if let Some(wait) = due.checked_sub(self.started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        Ok(read)
    }
}

/// Sends `reply` with a Content-Length (as Taskcluster's artifact storage sends), never
/// chunked, so the page's download progress shows bytes of the total; every answer but the
/// login's allows any origin, as Taskcluster's do.
fn respond(
    request: tiny_http::Request,
    reply: Reply,
    faults: &Faults,
    stall: bool,
    throttle: bool,
) {
    let length = reply.body.len();
    let body = Throttled {
        stall_at: (stall && reply.status == 200).then_some(length as u64 / 2),
        data: std::io::Cursor::new(reply.body),
        rate: faults.rate.filter(|_| throttle),
        started: std::time::Instant::now(),
    };
    let mut response = tiny_http::Response::new(
        tiny_http::StatusCode(reply.status),
        Vec::new(),
        body,
        Some(length),
        None,
    )
    .with_chunked_threshold(usize::MAX);
    let any = reply
        .any_origin
        .then(|| ("Access-Control-Allow-Origin", "*".to_string()));
    // An empty body's answer (a 204 preflight) names no type, as Express sends it.
    let content_type =
        (!reply.content_type.is_empty()).then(|| ("Content-Type", reply.content_type.to_string()));
    for (name, value) in content_type.into_iter().chain(any).chain(reply.headers) {
        if let Ok(h) = tiny_http::Header::from_bytes(name, value) {
            response = response.with_header(h);
        }
    }
    let _ = request.respond(response);
}

/// Serves forever on `server` as the artifact storage origin Taskcluster's queue redirects to
/// (`GET /<taskId>/<artifact name>`): JSON and YAML artifacts with `Content-Encoding: gzip`,
/// as taskgraph uploads them; cross-origin readable. Faults that cut artifacts apply here.
pub fn serve_storage(server: &tiny_http::Server, config: &Config) {
    std::thread::scope(|scope| {
        for request in server.incoming_requests() {
            scope.spawn(move || {
                if let Some(log) = &config.log {
                    append_line(
                        log,
                        &format!("STORAGE {} {}", request.method(), request.url()),
                    );
                }
                let reply = storage_reply(config, request.method().as_str(), request.url(), true);
                let stall = stalls(config, request.url());
                let throttle = throttled(config, request.url());
                respond(request, reply, &config.faults, stall, throttle);
            });
        }
    });
}

/// An artifact from storage (`/<taskId>/<name>`), gzip-encoded (`gzip`, the storage origin)
/// or as stored (the stand-in's own `/storage/` path).
fn storage_reply(config: &Config, method: &str, url: &str, gzip: bool) -> Reply {
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
fn artifact_name(segments: &[&str]) -> Option<String> {
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
/// loses the record, never the answer).
fn append_line(path: &Path, line: &str) {
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(file, "{line}");
    }
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// `index.json`: path → taskId, or path → `{"taskId", "expires"}`.
fn index_entries(config: &Config) -> BTreeMap<String, (String, String)> {
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
fn group_task(config: &Config, task_id: &str) -> Option<Value> {
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

fn status_of(config: &Config, task_id: &str) -> Option<Value> {
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
fn group_reply(config: &Config, group: &str) -> Value {
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
fn paged(mut reply: Value, items: &[Value], token: usize, page: usize) -> Reply {
    reply["tasks"] = Value::Array(items.iter().skip(token).take(page).cloned().collect());
    if token + page < items.len() {
        reply["continuationToken"] = json!((token + page).to_string());
    }
    json_reply(200, &reply)
}

/// The parsed `group.json` at `path`, kept while the file is unchanged.
fn group_listing(path: &Path) -> std::sync::Arc<Vec<Value>> {
    type Cache = std::sync::Mutex<
        BTreeMap<PathBuf, (Option<std::time::SystemTime>, std::sync::Arc<Vec<Value>>)>,
    >;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let cache = CACHE.get_or_init(Default::default);
    if let Some((when, tasks)) = cache.lock().ok().and_then(|c| c.get(path).cloned()) {
        if when == modified {
            return tasks;
        }
    }
    let tasks: std::sync::Arc<Vec<Value>> = std::sync::Arc::new(
        read_json(path)
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default(),
    );
    if let Ok(mut c) = cache.lock() {
        c.insert(path.to_path_buf(), (modified, tasks.clone()));
    }
    tasks
}

fn index_entry(path: &str, task_id: &str, expires: &str) -> Value {
    json!({"namespace": path, "taskId": task_id, "rank": 0, "data": {}, "expires": expires})
}

fn route(
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
            paged(group_reply(config, group), &tasks, token, page)
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
fn static_file(config: &Config, path: &str) -> Reply {
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

fn decode(segment: &str) -> String {
    crate::url::percent_decode(segment, false)
}

/// `303 See Other` to the storage origin, as the queue answers for artifacts in S3; an
/// artifact that does not exist (or has expired) answers 404 right here.
fn redirect_to_storage(config: &Config, storage: &str, task_id: &str, name: &str) -> Reply {
    let reply = artifact(config, task_id, name);
    if reply.status != 200 {
        return reply;
    }
    let location = format!(
        "{}/{}/{}",
        storage.trim_end_matches('/'),
        crate::url::percent_encode(task_id, b""),
        crate::url::percent_encode(name, b"/")
    );
    let mut redirect = json_reply(303, &json!({"storageType": "s3", "url": location}));
    redirect.headers.push(("Location", location));
    redirect
}

fn artifact(config: &Config, task_id: &str, name: &str) -> Reply {
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

/// A request that must carry a Hawk signature, with the URL as the client signed it.
struct Signed<'a> {
    authorization: Option<&'a str>,
    method: &'a str,
    url: String,
    body: &'a [u8],
    content_type: &'a str,
}

/// The permanent clients of `credentials.json` (clientId → accessToken).
fn permanent_credentials(config: &Config) -> BTreeMap<String, String> {
    read_json(&config.dir.join("credentials.json"))
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// The scope queue.createTask requires for a task's queue (simplified: priority and queue).
fn create_task_scope(task: &Value) -> String {
    let s = |k: &str| task.get(k).and_then(Value::as_str).unwrap_or("");
    let queue = match s("taskQueueId") {
        "" => format!("{}/{}", s("provisionerId"), s("workerType")),
        q => q.to_string(),
    };
    let priority = match s("priority") {
        "" => "lowest",
        p => p,
    };
    format!("queue:create-task:{priority}:{queue}")
}

/// Verifies the Hawk signature against `credentials.json` (permanent credentials, or temporary
/// ones signed by them, which must hold `scope`), records the call, answers.
fn signed_call(
    config: &Config,
    signed: &Signed<'_>,
    scope: &str,
    make: impl FnOnce(&str) -> (Value, Value),
) -> Reply {
    let Signed {
        authorization,
        method,
        url,
        body,
        content_type,
    } = signed;
    let credentials = permanent_credentials(config);
    // Without credentials a call is anonymous, and anonymous has no scope to trigger or create:
    // 403, as the real services answer (401 is for credentials that do not verify).
    let Some(authorization) = authorization else {
        return error(
            403,
            &format!("this call needs Taskcluster credentials (Hawk) with scope {scope:?}"),
        );
    };
    let verified = match hawk::verify_taskcluster(
        authorization,
        method,
        url,
        Some((content_type, body)),
        chrono::Utc::now().timestamp_millis(),
        |id| credentials.get(id).cloned(),
    ) {
        Ok(verified) => verified,
        Err(e) => return error(401, &e.to_string()),
    };
    if let Some(granted) = &verified.certificate_scopes {
        if !hawk::scope_satisfied(granted, scope) {
            return json_reply(
                403,
                &json!({"code": "InsufficientScopes", "message": format!(
                    "client {:?} is missing scope {scope:?} (its temporary credentials hold: {})",
                    verified.client_id, granted.join(", "))}),
            );
        }
    }
    let (mut record, answer) = make(&verified.client_id);
    if let Some(granted) = &verified.certificate_scopes {
        record["temporary"] = json!(true);
        record["scopes"] = json!(granted);
    }
    if let Some(path) = &config.record {
        append_line(path, &record.to_string());
    }
    json_reply(200, &answer)
}

/// The pushes `standin --sample` serves: NSS's real push (every task reports to Treeherder;
/// the page's default), application-services' real push, a generated 50k-task gecko push.
pub const SAMPLE_NSS: &str = "NssSampleDecision00001";
pub const SAMPLE_REAL: &str = "AppServicesDecision001";
pub const SAMPLE_GENERATED: &str = "GeckoSyntheticDecision";
/// A sample decision task's definition, with every field the queue's task schema requires
/// (what `queue.task` answers for a real one).
fn decision_task(scheduler_id: &str, id: &str) -> Value {
    json!({
        "provisionerId": "stand-in", "workerType": "decision", "taskQueueId": "stand-in/decision",
        "schedulerId": scheduler_id, "projectId": "none", "taskGroupId": id, "dependencies": [],
        "requires": "all-completed", "routes": [], "priority": "lowest", "retries": 5,
        "created": "2025-12-01T00:00:00.000Z", "deadline": "2025-12-02T00:00:00.000Z",
        "expires": "3000-01-01T00:00:00.000Z", "scopes": [], "payload": {},
        "metadata": {"name": "Decision Task", "description": "a sample push's decision task",
                     "owner": "sheriff@mozilla.com", "source": "https://example.com"},
        "tags": {"kind": "decision-task"}, "extra": {},
    })
}

/// The version of the sample layout (bumped when what `write_samples` writes changes).
const SAMPLE_LAYOUT: &str =
    "8: whole decision definitions, unique ids, actions.json of taskgraph (+ gecko's own on gecko), tags and treeherder in group.json, gecko history, raptor attributes with run_on_projects and macOS 15, gecko target-tasks.json";
/// The Firefox-shaped sample's earlier add-new-jobs action and cron task.
pub const SAMPLE_GECKO_ACTION: &str = "GeckoEarlierAction0001";
pub const SAMPLE_GECKO_CRON: &str = "GeckoCronTask000000001";

/// A push to lay out in a stand-in folder.
pub struct PushFiles<'a> {
    pub decision_task_id: &'a str,
    pub scheduler_id: &'a str,
    pub full_task_graph: &'a [u8],
    pub label_to_taskid: &'a [u8],
    pub parameters: &'a Value,
    /// `{"index": {...}, "statuses": {...}}` answers to serve.
    pub index: Option<&'a Value>,
    /// Also list the existing tasks in the task group (`tasks/<decision>/group.json`), with
    /// states drawn deterministically from their labels, so the grid has real-looking jobs.
    pub group: bool,
    /// Earlier action and cron tasks of the push, each with its own `label-to-taskid.json`.
    pub earlier_runs: &'a [EarlierRun],
    /// More index entries (path → taskId), e.g. where gecko looks the decision up.
    pub index_entries: &'a [(String, String)],
    /// The decision's `target-tasks.json`, if it has one to serve.
    pub target_tasks: Option<&'a [String]>,
}

/// An action or cron task that already ran on a sample push.
#[derive(Debug, Clone)]
pub struct EarlierRun {
    pub task_id: String,
    /// `action-callback` or `cron-task`.
    pub kind: &'static str,
    /// The index path it is listed under (its namespace plus its own taskId).
    pub index_path: String,
    pub label_to_taskid: BTreeMap<String, String>,
}

/// A plausible state for an existing sample task: mostly completed, some failed, a few still
/// running or pending (from a hash of the label, so every run shows the same push).
fn sample_state(label: &str) -> &'static str {
    let hash = label.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    match hash % 100 {
        0..=4 => "failed",
        5 => "exception",
        6..=8 => "running",
        9..=10 => "pending",
        _ => "completed",
    }
}

/// Writes a push into a stand-in folder: the decision task, its artifacts (including an
/// `actions.json` with an `add-new-jobs` hook action built like taskgraph's), index entries and
/// task statuses.
pub fn write_push(dir: &Path, push: &PushFiles<'_>) -> std::io::Result<()> {
    let write = |rel: &str, bytes: &[u8]| -> std::io::Result<()> {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)
    };
    let id = push.decision_task_id;
    let (trust_domain, level) = crate::taskcluster::parse_scheduler_id(push.scheduler_id)
        .unwrap_or_else(|| ("gecko".into(), "3".into()));
    write(
        &format!("tasks/{id}/task.json"),
        decision_task(push.scheduler_id, id).to_string().as_bytes(),
    )?;
    let artifacts = format!("tasks/{id}/artifacts/public");
    write(
        &format!("{artifacts}/full-task-graph.json"),
        push.full_task_graph,
    )?;
    write(
        &format!("{artifacts}/label-to-taskid.json"),
        push.label_to_taskid,
    )?;
    write(
        &format!("{artifacts}/parameters.yml"),
        push.parameters.to_string().as_bytes(),
    )?;
    // What Treeherder's "Add new jobs" fetches from the decision task.
    let graph = crate::engine::FullTaskGraph::parse(push.full_task_graph.to_vec())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    write(
        &format!("{artifacts}/runnable-jobs.json"),
        &serde_json::to_vec(&crate::engine::runnable::runnable_jobs(&graph))?,
    )?;
    let p = |k: &str| {
        push.parameters.get(k).map_or(String::new(), |v| {
            v.as_str().map_or_else(|| v.to_string(), str::to_string)
        })
    };
    if let Some(targets) = push.target_tasks {
        write(
            &format!("{artifacts}/target-tasks.json"),
            &serde_json::to_vec(targets)?,
        )?;
    }
    let actions = sample_actions(id, &trust_domain, &level, &p);
    write(
        &format!("{artifacts}/actions.json"),
        actions.to_string().as_bytes(),
    )?;
    let mut index = read_json(&dir.join("index.json"))
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    if let Some(answers) = push.index {
        for (path, task) in answers
            .get("index")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            index.insert(path.clone(), task.clone());
        }
        for (task, status) in answers
            .get("statuses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            write(
                &format!("tasks/{task}/status.json"),
                status.to_string().as_bytes(),
            )?;
        }
    }
    for (path, task_id) in push.index_entries {
        index.insert(path.clone(), json!(task_id));
    }
    for run in push.earlier_runs {
        let task_id = &run.task_id;
        write(
            &format!("tasks/{task_id}/task.json"),
            json!({"schedulerId": push.scheduler_id, "taskGroupId": id, "tags": {"kind": run.kind},
                   "metadata": {"name": run.kind}})
            .to_string()
            .as_bytes(),
        )?;
        write(
            &format!("tasks/{task_id}/artifacts/public/label-to-taskid.json"),
            &serde_json::to_vec(&run.label_to_taskid).unwrap_or_default(),
        )?;
        index.insert(run.index_path.clone(), json!(task_id));
    }
    write("index.json", Value::Object(index).to_string().as_bytes())?;
    if push.group {
        let mut map: BTreeMap<String, String> =
            serde_json::from_slice(push.label_to_taskid).unwrap_or_default();
        // Tasks of earlier runs are in the decision's task group too.
        for run in push.earlier_runs {
            map.extend(run.label_to_taskid.clone());
        }
        // Each task's real tags (actions.json picks actions by them) and Treeherder metadata,
        // from its definition.
        let group: Vec<Value> = map
            .iter()
            .map(|(label, task_id)| {
                let definition = graph.task_definition(label).ok();
                let tags = definition
                    .as_ref()
                    .and_then(|d| d.get("tags").cloned())
                    .unwrap_or_else(|| json!({"label": label}));
                let mut task =
                    json!({"taskGroupId": id, "tags": tags, "metadata": {"name": label}});
                if let Some(th) = definition
                    .as_ref()
                    .and_then(|d| d.pointer("/extra/treeherder"))
                {
                    task["extra"] = json!({"treeherder": th});
                }
                json!({"task": task, "status": {"taskId": task_id, "state": sample_state(label)}})
            })
            .collect();
        write(
            &format!("tasks/{id}/group.json"),
            Value::Array(group).to_string().as_bytes(),
        )?;
    }
    if !dir.join("credentials.json").exists() {
        write(
            "credentials.json",
            br#"{"demo-sheriff": "demo-access-token"}"#,
        )?;
    }
    Ok(())
}

/// Lays out the push of a decision whose artifacts are in `folder` (`full-task-graph.json` or
/// `.json.gz`, `label-to-taskid.json`, `parameters.yml`, and `target-tasks.json` if there) as
/// the stand-in's push `decision_task_id`, its task group listed, its scheduler
/// `<project>-level-<level>` from the parameters (`standin --push ID=FOLDER`). Errors name the
/// file at fault.
pub fn write_push_from_folder(
    dir: &Path,
    decision_task_id: &str,
    folder: &Path,
) -> Result<(), String> {
    let read = |name: &str| {
        let path = folder.join(name);
        std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let graph = read("full-task-graph.json")
        .or_else(|first| read("full-task-graph.json.gz").map_err(|_| first))?;
    let label_to_taskid = read("label-to-taskid.json")?;
    let parameters: Value = serde_yaml::from_slice(&read("parameters.yml")?)
        .map_err(|e| format!("{}: {e}", folder.join("parameters.yml").display()))?;
    let targets: Option<Vec<String>> = match read("target-tasks.json") {
        Ok(bytes) => Some(
            serde_json::from_slice(&bytes)
                .map_err(|e| format!("{}: {e}", folder.join("target-tasks.json").display()))?,
        ),
        Err(_) => None,
    };
    let text = |k: &str| {
        parameters
            .get(k)
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
    };
    let (Some(project), Some(level)) = (text("project"), text("level")) else {
        return Err(format!(
            "{}: needs `project` and `level` (the push's scheduler is <project>-level-<level>)",
            folder.join("parameters.yml").display()
        ));
    };
    write_push(
        dir,
        &PushFiles {
            decision_task_id,
            scheduler_id: &format!("{project}-level-{level}"),
            full_task_graph: &graph,
            label_to_taskid: &label_to_taskid,
            parameters: &parameters,
            index: None,
            group: true,
            earlier_runs: &[],
            index_entries: &[],
            target_tasks: targets.as_deref(),
        },
    )
    .map_err(|e| {
        format!(
            "cannot lay out {decision_task_id} from {}: {e}",
            folder.display()
        )
    })
}

/// A sample push's `actions.json`: taskgraph's own actions (the rendered file of
/// taskgraph's repository in `tests/data/examples/ex6-actions-json-render`: retrigger in its
/// three variants, add-new-jobs, rerun, cancel, cancel-all, rebuild-cached-tasks,
/// retrigger-multiple), with this push's hooks, decision and repository.
fn sample_actions(
    decision: &str,
    trust_domain: &str,
    level: &str,
    param: &dyn Fn(&str) -> String,
) -> Value {
    let mut actions: Value = serde_json::from_slice(include_bytes!(
        "../tests/data/examples/ex6-actions-json-render/input/actions.json"
    ))
    .unwrap_or(Value::Null);
    let entries = actions
        .get_mut("actions")
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|mut action| {
            let perm = action
                .pointer("/extra/actionPerm")
                .and_then(Value::as_str)
                .unwrap_or("generic")
                .to_string();
            action["hookGroupId"] = json!(format!("project-{trust_domain}"));
            action["hookId"] = json!(format!("in-tree-action-{level}-{perm}/0123456789"));
            if let Some(decision_payload) = action.pointer_mut("/hookPayload/decision") {
                decision_payload["action"]["taskGroupId"] = json!(decision);
                decision_payload["repository"] = json!({"url": param("head_repository"),
                    "project": param("project"), "level": level, "base_url": param("base_repository")});
                decision_payload["push"] = json!({"owner": "mozilla-taskcluster-maintenance@mozilla.com",
                    "pushlog_id": param("pushlog_id"), "revision": param("head_rev"), "base_revision": param("base_rev")});
            }
            action
        })
        .collect();
    let mut entries = entries;
    if trust_domain == "gecko" {
        let template = entries
            .iter()
            .find(|a| a["name"] == "rebuild-cached-tasks")
            .cloned()
            .unwrap_or(Value::Null);
        entries.extend(gecko_actions(&template, level));
    }
    actions["actions"] = Value::Array(entries);
    actions
}

/// gecko's own actions (`gecko_taskgraph/actions/`), as its decision renders them: the same
/// hook payload as taskgraph's, with gecko's names, contexts, schemas and permissions.
fn gecko_actions(template: &Value, level: &str) -> Vec<Value> {
    let times = |max: u64| json!({"type": "integer", "default": 1, "minimum": 1, "maximum": max, "title": "Times"});
    let retrigger = json!({"type": "boolean", "default": true, "title": "Retrigger",
        "description": "If False, the task won't retrigger on pushes that have already ran it."});
    let specs = [
        ("backfill", "Backfill", "Bk", "Given a task schedule it on previous pushes in the same project.",
         json!([{}]), "backfill",
         Some(json!({"type": "object", "properties": {
             "depth": {"type": "integer", "default": 19, "minimum": 1, "maximum": 25, "title": "Depth"},
             "inclusive": {"type": "boolean", "default": false, "title": "Inclusive Range"},
             "times": times(10), "retrigger": retrigger.clone()}, "additionalProperties": false}))),
        ("backfill-task", "Backfill task on a push.", "backfill-task",
         "This action is normally scheduled by the backfill action. The intent is to schedule a task on previous pushes.",
         json!([]), "backfill",
         Some(json!({"type": "object", "properties": {
             "label": {"type": "string", "description": "A task label"},
             "revision": {"type": "string", "description": "Revision of the original push from where we backfill."},
             "symbol": {"type": "string", "description": "Symbol to be used by the scheduled task."},
             "test_manifests": {"type": "array", "default": [], "items": {"type": "string"}},
             "times": times(10), "retrigger": retrigger}}))),
        ("run-missing-tests", "Run Missing Tests", "rmt",
         "Run tests in the selected push that were optimized away, usually by SETA. This action is for use on pushes that will be merged into another branch, to check that optimization hasn't hidden any failures.",
         json!([]), "generic", None),
        ("add-all-browsertime", "Add All Browsertime Tests.", "aaB",
         "This action is normally scheduled by the backfill-all-browsertime action. The intent is to schedule all browsertime tests on a specific pushe.",
         json!([]), "backfill", None),
    ];
    specs
        .into_iter()
        .map(
            |(name, title, symbol, description, context, perm, schema)| {
                let mut action = template.clone();
                action["name"] = json!(name);
                action["title"] = json!(title);
                action["description"] = json!(description);
                action["context"] = context;
                action["extra"] = json!({"actionPerm": perm});
                action["hookId"] = json!(format!("in-tree-action-{level}-{perm}/0123456789"));
                if let Some(schema) = schema {
                    action["schema"] = schema;
                }
                if let Some(a) = action.pointer_mut("/hookPayload/decision/action") {
                    a["cb_name"] = json!(name);
                    a["name"] = json!(name);
                    a["title"] = json!(title);
                    a["symbol"] = json!(symbol);
                    a["description"] = json!(description);
                }
                action
            },
        )
        .collect()
}

/// Whether `dir` already holds the sample pushes.
pub fn samples_present(dir: &Path) -> bool {
    [SAMPLE_NSS, SAMPLE_REAL, SAMPLE_GENERATED]
        .iter()
        .all(|id| dir.join("tasks").join(id).join("group.json").is_file())
        // Samples laid out by an older stand-in are laid out again.
        && std::fs::read_to_string(dir.join("sample-layout")).ok().as_deref() == Some(SAMPLE_LAYOUT)
}

/// Lays out the bundled sample pushes (if `dir` has none yet): application-services' real
/// decision graph, and a generated Firefox-sized one (50,000 tasks).
pub fn write_samples(dir: &Path) -> std::io::Result<()> {
    if samples_present(dir) {
        return Ok(());
    }
    let parameters: Value =
        serde_yaml::from_slice(include_bytes!("../tests/data/real/nss/parameters.yml"))
            .unwrap_or(Value::Null);
    // Like a try push, this decision scheduled only part of the graph: nothing on linux32 and
    // no `-make` test variants. Those are the jobs a sheriff can add (linux32 ones need builds).
    let scheduled: BTreeMap<String, String> = serde_json::from_slice::<BTreeMap<String, String>>(
        include_bytes!("../tests/data/real/nss/label-to-taskid.json"),
    )
    .unwrap_or_default()
    .into_iter()
    .filter(|(label, _)| {
        let make_test = label.starts_with("test-") && label.contains("-make");
        !label.contains("linux32") && !make_test
    })
    .collect();
    write_push(
        dir,
        &PushFiles {
            decision_task_id: SAMPLE_NSS,
            scheduler_id: "nss-level-3",
            full_task_graph: include_bytes!("../tests/data/real/nss/full-task-graph.json.gz"),
            label_to_taskid: &serde_json::to_vec(&scheduled).unwrap_or_default(),
            parameters: &parameters,
            index: None,
            group: true,
            earlier_runs: &[],
            index_entries: &[],
            target_tasks: None,
        },
    )?;
    let parameters: Value = serde_yaml::from_slice(include_bytes!(
        "../tests/data/real/application-services/parameters.yml"
    ))
    .unwrap_or(Value::Null);
    write_push(
        dir,
        &PushFiles {
            decision_task_id: SAMPLE_REAL,
            scheduler_id: "app-services-level-3",
            full_task_graph: include_bytes!(
                "../tests/data/real/application-services/full-task-graph.json.gz"
            ),
            label_to_taskid: &unique_task_ids(
                include_bytes!("../tests/data/real/application-services/label-to-taskid.json"),
                &scheduled,
            ),
            parameters: &parameters,
            index: None,
            group: true,
            earlier_runs: &[],
            index_entries: &[],
            target_tasks: None,
        },
    )?;
    let generated = crate::synth::generate(&crate::synth::Config {
        tasks: 50_000,
        seed: 1,
    });
    let mut graph = Vec::new();
    {
        let mut gz = flate2::write::GzEncoder::new(&mut graph, flate2::Compression::fast());
        serde_json::to_writer(&mut gz, &generated.full_task_graph)?;
        gz.finish()?;
    }
    let parameters: Value = serde_yaml::from_str(&generated.parameters_yaml).unwrap_or(Value::Null);
    let (earlier_runs, index_entries) = gecko_earlier_runs(&generated, &parameters);
    write_push(
        dir,
        &PushFiles {
            decision_task_id: SAMPLE_GENERATED,
            scheduler_id: "gecko-level-3",
            full_task_graph: &graph,
            label_to_taskid: &serde_json::to_vec(&generated.label_to_taskid).unwrap_or_default(),
            parameters: &parameters,
            index: Some(&generated.index),
            group: true,
            earlier_runs: &earlier_runs,
            index_entries: &index_entries,
            target_tasks: Some(&generated.target_tasks),
        },
    )?;
    std::fs::write(dir.join("sample-layout"), SAMPLE_LAYOUT)
}

/// `map` (a label-to-taskid.json) with every taskId that `taken` also uses changed (the two
/// real fixtures share some), so the stand-in's `queue.task` knows which task an id is.
fn unique_task_ids(map: &[u8], taken: &BTreeMap<String, String>) -> Vec<u8> {
    let used: std::collections::BTreeSet<&String> = taken.values().collect();
    let map: BTreeMap<String, String> = serde_json::from_slice(map).unwrap_or_default();
    let map: BTreeMap<String, String> = map
        .into_iter()
        .map(|(label, id)| {
            let id = if used.contains(&id) {
                // The same length and alphabet, a different last character.
                let (head, last) = id.split_at(id.len().saturating_sub(1));
                format!("{head}{}", if last == "Z" { "Y" } else { "Z" })
            } else {
                id
            };
            (label, id)
        })
        .collect();
    serde_json::to_vec(&map).unwrap_or_default()
}

/// The Firefox-shaped sample's history, indexed where gecko_taskgraph looks: the decision under
/// `….revision.<rev>.taskgraph.decision`, an earlier add-new-jobs action (a debug test and the
/// build it needed) under `….taskgraph.actions`, and a cron task (three toolchains the
/// decision did not have) under `….cron`.
fn gecko_earlier_runs(
    push: &crate::synth::Push,
    parameters: &Value,
) -> (Vec<EarlierRun>, Vec<(String, String)>) {
    let param = |k: &str| parameters.get(k).and_then(Value::as_str).unwrap_or("");
    let revision = format!(
        "gecko.v2.{}.revision.{}",
        param("project"),
        param("head_rev")
    );
    // Each run created what its request needed beyond the decision's tasks: the whole part of
    // the closure that was not in the decision's map, as a real action's map lists it.
    let tests: Vec<String> = push
        .requests
        .get("test-needing-new-build")
        .cloned()
        .unwrap_or_default();
    let action: BTreeMap<String, String> = created_closure(push, &tests)
        .into_iter()
        .enumerate()
        .map(|(i, l)| (l, format!("EarlierAction{i:09}")))
        .collect();
    let toolchains: Vec<String> = push
        .full_task_graph
        .keys()
        .filter(|l| {
            l.starts_with("toolchain-")
                && !push.label_to_taskid.contains_key(*l)
                && !action.contains_key(*l)
        })
        .take(3)
        .cloned()
        .collect();
    let cron: BTreeMap<String, String> = created_closure(push, &toolchains)
        .into_iter()
        .filter(|l| !action.contains_key(l))
        .enumerate()
        .map(|(i, l)| (l, format!("CronTask{i:014}")))
        .collect();
    let runs = vec![
        EarlierRun {
            task_id: SAMPLE_GECKO_ACTION.into(),
            kind: "action-callback",
            index_path: format!("{revision}.taskgraph.actions.{SAMPLE_GECKO_ACTION}"),
            label_to_taskid: action,
        },
        EarlierRun {
            task_id: SAMPLE_GECKO_CRON.into(),
            kind: "cron-task",
            index_path: format!("{revision}.cron.{SAMPLE_GECKO_CRON}"),
            label_to_taskid: cron,
        },
    ];
    let decision = vec![(
        format!("{revision}.taskgraph.decision"),
        SAMPLE_GENERATED.to_string(),
    )];
    (runs, decision)
}

/// The labels of the closure of `roots` that the push's decision did not create, sorted.
fn created_closure(push: &crate::synth::Push, roots: &[String]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut queue: Vec<String> = roots.to_vec();
    while let Some(label) = queue.pop() {
        if !seen.insert(label.clone()) {
            continue;
        }
        let deps = push
            .full_task_graph
            .get(&label)
            .and_then(|t| t["dependencies"].as_object());
        for dep in deps.into_iter().flat_map(|d| d.values()) {
            if let Some(dep) = dep.as_str() {
                queue.push(dep.to_string());
            }
        }
    }
    seen.into_iter()
        .filter(|l| !push.label_to_taskid.contains_key(l))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::write_push_from_folder;
    use serde_json::Value;

    #[test]
    fn a_push_is_laid_out_from_a_folder_of_its_decisions_artifacts() {
        let dir = std::env::temp_dir().join(format!("tgp-push-folder-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/real");
        write_push_from_folder(&dir, "TranslationsDecision01", &data.join("translations")).unwrap();
        let decision = dir.join("tasks/TranslationsDecision01");
        let task: Value =
            serde_json::from_slice(&std::fs::read(decision.join("task.json")).unwrap()).unwrap();
        assert_eq!(task["schedulerId"], "translations-level-3");
        let group: Vec<Value> =
            serde_json::from_slice(&std::fs::read(decision.join("group.json")).unwrap()).unwrap();
        assert_eq!(
            group.len(),
            25,
            "every task of label-to-taskid.json is listed"
        );
        let runnable: serde_json::Map<String, Value> = serde_json::from_slice(
            &std::fs::read(decision.join("artifacts/public/runnable-jobs.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(runnable["fetch-cudnn"]["groupSymbol"], "Fetch");
        // A folder without the graph: the error names the file.
        let error =
            write_push_from_folder(&dir, "Nothing", &data.join("no-such-push")).unwrap_err();
        assert!(
            error.contains("no-such-push/full-task-graph.json"),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
