//! The raw WebAssembly API (feature `js-api`, wasm32 only): a thin `#[wasm_bindgen]` facade
//! over [`Session`], run by the Web Worker in `www/src/worker.js`. Hosts never import it: the
//! package's `www/src/index.js` is the public API, so this boundary can change freely.
//!
//! * Results cross as JSON strings (measured faster than serde-wasm-bindgen objects for big
//!   previews; `www/bench/boundary.mjs` measures both, `previewObject` exists for that).
//! * Errors cross as plain objects `{kind, message, labels}`.
//! * HTTP goes through a `host` object the worker passes in: `fetch(method, url, headers,
//!   body) → Promise<{status, body: Uint8Array}>` (streamed there, with progress),
//!   `sleep(ms) → Promise`, and `progress(step)`. No taskgraph logic lives here.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::actions;
use crate::engine::preview::Iteration;
use crate::engine::{self, parse, CounterIds, Flavour, FullTaskGraph, IndexAnswers, Preview};
use crate::session::{self, Context, Session, SessionError};
use crate::taskcluster::client::{FetchError, HttpRequest, HttpResponse, Transport};
use crate::taskcluster::{hawk, trigger};

mod http;

use crate::protocol::{self, ApiError, Offered};

impl ApiError {
    fn new(kind: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            kind: kind.into(),
            message: message.into(),
            labels: Vec::new(),
        }
    }

    fn into_js(self) -> JsValue {
        let object = js_sys::Object::new();
        let labels: js_sys::Array = self.labels.iter().map(|l| JsValue::from_str(l)).collect();
        let _ = js_sys::Reflect::set(&object, &"kind".into(), &self.kind.into());
        let _ = js_sys::Reflect::set(&object, &"message".into(), &self.message.into());
        let _ = js_sys::Reflect::set(&object, &"labels".into(), &labels);
        object.into()
    }
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> ApiError {
        ApiError {
            kind: e.kind().into(),
            labels: e.labels(),
            message: e.to_string(),
        }
    }
}

impl From<engine::Error> for ApiError {
    fn from(e: engine::Error) -> ApiError {
        ApiError {
            kind: e.kind().into(),
            labels: e.labels(),
            message: e.to_string(),
        }
    }
}

fn js_err(e: impl Into<ApiError>) -> JsValue {
    e.into().into_js()
}

fn to_json(value: &impl serde::Serialize) -> Result<String, JsValue> {
    serde_json::to_string(value).map_err(|e| ApiError::new("internal", e.to_string()).into_js())
}

fn bad_request(message: impl Into<String>) -> JsValue {
    ApiError::new("bad-request", message).into_js()
}

/// HTTP through the worker's `host.fetch`.
struct JsTransport {
    host: JsValue,
}

impl JsTransport {
    fn function(&self, name: &str) -> Result<js_sys::Function, String> {
        js_sys::Reflect::get(&self.host, &name.into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .ok_or_else(|| format!("the worker's host object has no {name}()"))
    }

    fn progress(&self, step: &str) {
        if let Ok(f) = self.function("progress") {
            let _ = f.call1(&JsValue::NULL, &step.into());
        }
    }

    /// A page of the grid's jobs before the graph is there, or the states a page of the task
    /// group listing adds (`session::EarlyMessage` JSON).
    fn jobs(&self, page: &str) {
        if let Ok(f) = self.function("jobs") {
            let _ = f.call1(&JsValue::NULL, &page.into());
        }
    }

    /// The push is ready for previews (its summary, JSON) while the load goes on.
    fn ready(&self, summary: &str) {
        if let Ok(f) = self.function("ready") {
            let _ = f.call1(&JsValue::NULL, &summary.into());
        }
    }
}

fn describe(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            js_sys::Reflect::get(e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

impl JsTransport {
    /// The host's timeouts (`{firstByteMs, stallMs, sendMs}`), else the defaults.
    fn timeouts(&self) -> http::Timeouts {
        let defaults = http::Timeouts::default();
        let timeouts =
            js_sys::Reflect::get(&self.host, &"timeouts".into()).unwrap_or(JsValue::UNDEFINED);
        let get = |key: &str, default: u32| {
            js_sys::Reflect::get(&timeouts, &key.into())
                .ok()
                .and_then(|v| v.as_f64())
                .filter(|v| *v >= 1.0 && *v <= f64::from(u32::MAX))
                .map_or(default, |v| v as u32)
        };
        http::Timeouts {
            first_byte: get("firstByteMs", defaults.first_byte),
            stall: get("stallMs", defaults.stall),
            send: get("sendMs", defaults.send),
        }
    }

    /// Download progress, as `{step: url, loaded, total}`.
    fn download(&self, url: &str, loaded: f64, total: f64) {
        if let Ok(f) = self.function("download") {
            let _ = f.call3(&JsValue::NULL, &url.into(), &loaded.into(), &total.into());
        }
    }
}

impl Transport for JsTransport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, FetchError> {
        // In a browser, Rust does the HTTP (gloo-net); elsewhere (Node), the host's fetch.
        if http::available() {
            let progress = |url: &str, loaded: f64, total: f64| self.download(url, loaded, total);
            return http::send(request, self.timeouts(), &progress, None).await;
        }
        let network = |message: String| FetchError::Network {
            url: request.url.clone(),
            message,
        };
        let fetch = self.function("fetch").map_err(network)?;
        let headers: js_sys::Array = request
            .headers
            .iter()
            .map(|(k, v)| -> JsValue {
                let pair = js_sys::Array::new();
                pair.push(&k.into());
                pair.push(&v.into());
                pair.into()
            })
            .collect();
        let body: JsValue = match &request.body {
            Some(b) => String::from_utf8_lossy(b).into_owned().into(),
            None => JsValue::UNDEFINED,
        };
        let args = js_sys::Array::of4(
            &request.method.as_str().into(),
            &request.url.as_str().into(),
            &headers,
            &body,
        );
        let promise = fetch
            .apply(&JsValue::NULL, &args)
            .map_err(|e| network(describe(&e)))?;
        let reply = JsFuture::from(js_sys::Promise::from(promise))
            .await
            .map_err(|e| network(describe(&e)))?;
        let status = js_sys::Reflect::get(&reply, &"status".into())
            .ok()
            .and_then(|s| s.as_f64())
            .map_or(0, |s| s as u16);
        let body = js_sys::Reflect::get(&reply, &"body".into())
            .ok()
            .and_then(|b| b.dyn_into::<js_sys::Uint8Array>().ok())
            .map(|b| b.to_vec())
            .ok_or_else(|| FetchError::Body {
                url: request.url.clone(),
                message: "no body".into(),
            })?;
        Ok(HttpResponse { status, body })
    }

    async fn send_streaming(
        &self,
        request: &HttpRequest,
        sink: crate::taskcluster::client::Sink<'_>,
    ) -> Result<HttpResponse, FetchError> {
        if http::available() {
            let progress = |url: &str, loaded: f64, total: f64| self.download(url, loaded, total);
            return http::send(request, self.timeouts(), &progress, Some(sink)).await;
        }
        crate::taskcluster::client::send_whole(self, request, sink).await
    }

    async fn pause(&self, duration: Duration) {
        let ms = duration.as_millis() as f64;
        if let Ok(sleep) = self.function("sleep") {
            if let Ok(promise) = sleep.call1(&JsValue::NULL, &ms.into()) {
                let _ = JsFuture::from(js_sys::Promise::from(promise)).await;
            }
        }
    }
}

/// A fresh "nice" slugid (a v4 UUID whose first bit is clear, URL-safe base64).
fn nice_slugid() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: fall back to the clock so ids still differ between calls.
        let now = js_sys::Date::now().to_bits().to_le_bytes();
        bytes[..8].copy_from_slice(&now);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes[0] &= 0x7f;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn now_utc() -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64)
        .unwrap_or_default()
        .naive_utc()
}

/// What a host passes next to the graph bytes (all optional).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Inputs {
    /// One map or a list of maps, merged in order (later wins).
    #[serde(default)]
    label_to_taskid: Option<Box<RawValue>>,
    /// The decision's parameters: an object, or the text of `parameters.yml`.
    #[serde(default)]
    parameters: Option<Value>,
    /// `{index: {path: taskId}, statuses: {taskId: status}}`.
    #[serde(default)]
    index: Option<IndexAnswers>,
    #[serde(default)]
    decision_task_id: Option<String>,
    #[serde(default)]
    trust_domain: Option<String>,
    /// `gecko` or `taskgraph`; default: from the trust domain (`gecko`, `comm`: gecko).
    #[serde(default)]
    flavour: Option<Flavour>,
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    root_url: Option<String>,
    /// The decision's `actions.json`, for the actions.
    #[serde(default)]
    actions: Option<Box<RawValue>>,
    /// The decision's `target-tasks.json`, for actions that read it (run-missing-tests).
    #[serde(default)]
    target_tasks: Option<Vec<String>>,
}

/// One preview request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PreviewRequest {
    labels: Vec<String>,
    #[serde(default = "one")]
    times: u32,
    /// RFC 3339; default: now.
    #[serde(default)]
    now: Option<String>,
    /// Ids `NewTaskId0000000000001`, ... as the golden examples and `--deterministic-ids`.
    #[serde(default)]
    deterministic_ids: bool,
    /// Include every created task's definition (`iterations[].tasks`); default true.
    #[serde(default = "yes")]
    definitions: bool,
    /// Add, for display (not in the CLI's output), `kinds: {label: kind}` for the closure,
    /// `reusedFrom: {label: taskId}` (the decision or earlier action whose map gave each task
    /// reused from `existing-tasks`) and `decisionTaskId`; default false.
    #[serde(default)]
    with_kinds: bool,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// The engine behind the worker: one loaded push at a time.
#[wasm_bindgen]
pub struct Previewer {
    session: Rc<RefCell<Option<Session>>>,
    last: Rc<RefCell<Option<Preview>>>,
    /// The last action preview: what was asked (action, input, task) and what every call of it
    /// creates and reuses.
    last_action: Rc<RefCell<Option<(ActionKey, Calls)>>>,
    /// Action taskId → the preview that was triggered as it (every call or iteration, with its
    /// artifact suffix): what `follow` compares the action task with.
    triggered: Rc<RefCell<BTreeMap<String, Calls>>>,
    /// Loads started (the latest one's session is kept).
    loads: Rc<std::cell::Cell<u64>>,
}

impl Default for Previewer {
    fn default() -> Self {
        Previewer::new()
    }
}

fn with_session<R>(
    cell: &RefCell<Option<Session>>,
    f: impl FnOnce(&Session) -> Result<R, JsValue>,
) -> Result<R, JsValue> {
    match cell.borrow().as_ref() {
        Some(session) => f(session),
        None => Err(ApiError::new("not-loaded", "no push is loaded: call load first").into_js()),
    }
}

/// One action preview request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ActionRequest {
    action: String,
    #[serde(default)]
    input: Value,
    /// For task actions: the task's label, or its taskId (looked up in the merged map).
    #[serde(default)]
    task_label: Option<String>,
    #[serde(default)]
    task_id: Option<String>,
    #[serde(default)]
    now: Option<String>,
    #[serde(default)]
    deterministic_ids: bool,
    /// Include every created task's definition; default true.
    #[serde(default = "yes")]
    definitions: bool,
}

/// What an action request asks for (not how it is shown): a trigger matches the preview of
/// the same key.
type ActionKey = (String, Value, Option<String>, Option<String>);

fn action_key(request: &ActionRequest) -> ActionKey {
    (
        request.action.clone(),
        request.input.clone(),
        request.task_label.clone(),
        request.task_id.clone(),
    )
}

/// A triggered preview's `create_tasks` calls: each one's artifact suffix and what it creates
/// and reuses, in order.
type Calls = Vec<(String, Iteration)>;

/// The last preview's calls if it previewed exactly `labels` (in any order) `times` times:
/// every iteration, each the call that leaves `label-to-taskid-<i>.json`.
fn previewed_calls(last: &Option<Preview>, labels: &[String], times: u32) -> Option<Calls> {
    let mut wanted = labels.to_vec();
    wanted.sort();
    wanted.dedup();
    let p = last.as_ref()?;
    let mut previewed = p.requested.clone();
    previewed.sort();
    (previewed == wanted && p.times == times).then(|| {
        (p.calls().into_iter())
            .map(|(suffix, it)| (suffix, it.clone()))
            .collect()
    })
}

/// The calls of the last preview of labels (the picks) when `request` is add-new-jobs of
/// exactly them (`{tasks, times?}`, `times` 1 when absent).
fn picks_previewed(last: &Option<Preview>, request: &ActionRequest) -> Option<Calls> {
    if request.action != "add-new-jobs" || request.task_label.is_some() || request.task_id.is_some()
    {
        return None;
    }
    let labels: Vec<String> = serde_json::from_value(request.input.get("tasks")?.clone()).ok()?;
    let times = match request.input.get("times") {
        None => 1,
        Some(t) => u32::try_from(t.as_u64()?).ok()?,
    };
    previewed_calls(last, &labels, times)
}

/// The action taskId `send_signed` resolved to, to remember what was triggered as it.
fn remember_trigger(
    triggered: &RefCell<BTreeMap<String, Calls>>,
    sent: &JsValue,
    expected: Option<Calls>,
) {
    if let (Some(id), Some(expected)) = (sent.as_string(), expected) {
        triggered.borrow_mut().insert(id, expected);
    }
}

/// The `now` of a request: RFC 3339, or the clock.
fn now_of(text: Option<&str>) -> Result<chrono::NaiveDateTime, JsValue> {
    match text {
        Some(text) => engine::datestamps::parse_rfc3339(text).ok_or_else(|| {
            bad_request(format!(
                "now {text:?} is not an RFC 3339 time (e.g. 2025-12-01T00:00:00.000Z)"
            ))
        }),
        None => Ok(now_utc()),
    }
}

/// The plan of an action request on the loaded push.
fn action_plan(
    session: &Session,
    request: &ActionRequest,
) -> Result<engine::callbacks::Plan, JsValue> {
    let task_label = match (&request.task_label, &request.task_id) {
        (Some(label), _) => Some(label.clone()),
        (None, Some(id)) => Some(
            engine::callbacks::label_of(&session.existing, id)
                .cloned()
                .ok_or_else(|| bad_request(format!("taskId {id}: no task of this push")))?,
        ),
        (None, None) => None,
    };
    let input = if request.input.is_null() {
        Value::Object(serde_json::Map::new())
    } else {
        request.input.clone()
    };
    session
        .plan(&request.action, &input, task_label.as_deref())
        .map_err(js_err)
}

/// Fetches the index answers a preview of `labels` still needs into the session. The session
/// is never held across an await: the paths are read, fetched, then recorded.
async fn fetch_answers(
    cell: &Rc<RefCell<Option<Session>>>,
    transport: &JsTransport,
    labels: &[String],
) -> Result<(), JsValue> {
    let missing = with_session(cell, |s| s.missing_index_paths(labels).map_err(js_err))?;
    if missing.is_empty() {
        return Ok(());
    }
    let root_url = with_session(cell, |s| Ok(s.context.root_url.clone()))?;
    let answers = crate::taskcluster::loader::index_answers(
        transport,
        &root_url,
        &missing,
        Default::default(),
    )
    .await
    .map_err(|e| js_err(SessionError::from(e)))?;
    if let Some(session) = cell.borrow_mut().as_mut() {
        session.add_answers(missing, answers);
    }
    Ok(())
}

/// `{clientId, accessToken, certificate?}`, both required.
fn parse_credentials(text: &str) -> Result<hawk::Credentials, JsValue> {
    let credentials: Credentials =
        serde_json::from_str(text).map_err(|e| bad_request(format!("credentials: {e}")))?;
    if credentials.client_id.is_empty() || credentials.access_token.is_empty() {
        return Err(bad_request(
            "credentials: clientId and accessToken are required",
        ));
    }
    Ok(hawk::Credentials {
        client_id: credentials.client_id,
        access_token: credentials.access_token,
        certificate: credentials.certificate.filter(|c| !c.is_empty()),
    })
}

/// Signs `http` for `root_url` and sends it once; the action task's id.
async fn send_signed(
    transport: &JsTransport,
    http: &mut HttpRequest,
    root_url: &str,
    credentials: &hawk::Credentials,
) -> Result<JsValue, JsValue> {
    let timestamp = (js_sys::Date::now() / 1000.0) as u64;
    trigger::sign(http, root_url, credentials, timestamp, &nice_slugid())
        .map_err(|e| js_err(SessionError::from(e)))?;
    let task_id = trigger::send(transport, http)
        .await
        .map_err(|e| js_err(SessionError::from(e)))?;
    Ok(task_id.into())
}

/// The task an action request names (by taskId, or by label through the push's maps), with
/// its definition (fetched), and the root URL.
async fn task_of(
    cell: &Rc<RefCell<Option<Session>>>,
    transport: &JsTransport,
    task_id: Option<&str>,
    task_label: Option<&str>,
) -> Result<(Option<(String, Value)>, String), JsValue> {
    let (task_id, root_url) = with_session(cell, |s| {
        let id = match (task_id, task_label) {
            (Some(id), _) => Some(id.to_string()),
            (None, Some(label)) => Some(s.task_id_of(label).ok_or_else(|| {
                bad_request(format!("{label:?}: no task of this push has that label"))
            })?),
            (None, None) => None,
        };
        Ok((id, s.context.root_url.clone()))
    })?;
    let task = match task_id {
        Some(id) => {
            let definition = session::task_definition(transport, &root_url, &id)
                .await
                .map_err(js_err)?;
            Some((id, definition))
        }
        None => None,
    };
    Ok((task, root_url))
}

/// The rendered, unsigned call of an action request: a task action's task is resolved (label
/// or taskId) and its definition fetched for its tags.
async fn action_http(
    cell: &Rc<RefCell<Option<Session>>>,
    request: &ActionRequest,
    transport: &JsTransport,
) -> Result<(crate::actions::Trigger, HttpRequest, String), JsValue> {
    let (task, root_url) = task_of(
        cell,
        transport,
        request.task_id.as_deref(),
        request.task_label.as_deref(),
    )
    .await?;
    let input = if request.input.is_null() {
        Value::Object(serde_json::Map::new())
    } else {
        request.input.clone()
    };
    with_session(cell, |s| {
        let (rendered, http) = s
            .action_trigger_request(
                &request.action,
                &input,
                task.as_ref()
                    .map(|(id, definition)| (id.as_str(), definition)),
                &nice_slugid(),
            )
            .map_err(js_err)?;
        Ok((rendered, http, root_url.clone()))
    })
}

fn parse_request(request: &str) -> Result<PreviewRequest, JsValue> {
    serde_json::from_str(request).map_err(|e| bad_request(format!("preview request: {e}")))
}

fn compute(session: &Session, request: &PreviewRequest) -> Result<Preview, JsValue> {
    let now = now_of(request.now.as_deref())?;
    let result = if request.deterministic_ids {
        session.preview(
            &request.labels,
            request.times,
            now,
            &mut CounterIds::golden(),
        )
    } else {
        session.preview(&request.labels, request.times, now, &mut nice_slugid)
    };
    result.map_err(js_err)
}

/// The preview as JSON text: the CLI's `--json` shape, without definitions or with what the
/// page shows ([`protocol::Shown`]) as asked.
fn preview_json(
    session: &Session,
    preview: &mut Preview,
    request: &PreviewRequest,
) -> Result<String, JsValue> {
    if request.definitions && !request.with_kinds {
        return to_json(preview);
    }
    let shown = request.with_kinds.then(|| session.shown(preview));
    // Left out of the answer, but kept: `follow` compares them with what the action created.
    let kept: Vec<_> = if request.definitions {
        Vec::new()
    } else {
        (preview.iterations.iter_mut())
            .map(|it| std::mem::take(&mut it.tasks))
            .collect()
    };
    let answer = protocol::Preview {
        preview: &*preview,
        shown,
    };
    let value = serde_json::to_value(&answer)
        .map_err(|e| ApiError::new("internal", e.to_string()).into_js());
    for (iteration, tasks) in preview.iterations.iter_mut().zip(kept) {
        iteration.tasks = tasks;
    }
    let mut value = value?;
    if !request.definitions {
        // Asked without definitions, the iterations have no `tasks` at all (not an empty map).
        if let Some(Value::Array(iterations)) = value.get_mut("iterations") {
            for iteration in iterations {
                if let Some(object) = iteration.as_object_mut() {
                    object.remove("tasks");
                }
            }
        }
    }
    to_json(&value)
}

#[wasm_bindgen]
impl Previewer {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Previewer {
        Previewer {
            session: Rc::new(RefCell::new(None)),
            last: Rc::new(RefCell::new(None)),
            last_action: Rc::default(),
            triggered: Rc::default(),
            loads: Rc::default(),
        }
    }

    /// Loads a push from bytes in memory: `full-task-graph.json` (plain or gzip) and the
    /// inputs of [`Inputs`] as JSON text. Returns the summary (JSON).
    #[wasm_bindgen(js_name = loadInputs)]
    pub fn load_inputs(&self, graph: Vec<u8>, inputs: &str) -> Result<String, JsValue> {
        let inputs: Inputs = if inputs.trim().is_empty() {
            Inputs::default()
        } else {
            serde_json::from_str(inputs).map_err(|e| bad_request(format!("load inputs: {e}")))?
        };
        // The maps stay raw text until the engine's own parser reads them (named errors, no
        // second pass): one map, or a list of maps merged in order.
        let maps: Vec<Box<RawValue>> = match &inputs.label_to_taskid {
            None => Vec::new(),
            Some(raw) if raw.get().trim_start().starts_with('[') => serde_json::from_str(raw.get())
                .map_err(|e| bad_request(format!("labelToTaskid: {e}")))?,
            Some(raw) => vec![raw.clone()],
        };
        let existing = session::existing_from_maps(&maps).map_err(js_err)?;
        let parameters = match inputs.parameters {
            None => Value::Object(serde_json::Map::new()),
            Some(Value::String(text)) => {
                parse::parameters(text.as_bytes(), "parameters").map_err(js_err)?
            }
            Some(object @ Value::Object(_)) => object,
            Some(_) => return Err(bad_request("parameters must be an object or YAML text")),
        };
        let actions = match inputs.actions {
            None => None,
            Some(value) => Some(
                actions::parse(value.get().as_bytes())
                    .map_err(|e| ApiError::new("action", format!("actions: {e}")).into_js())?,
            ),
        };
        let graph = FullTaskGraph::parse(graph)
            .map_err(|e| js_err(SessionError::Engine(e, "fullTaskGraph".into())))?;
        let context = Context::local(
            inputs.decision_task_id,
            inputs.trust_domain,
            inputs.flavour,
            inputs.level,
            inputs.root_url,
            &parameters,
        );
        let mut session = Session::from_parts(
            graph,
            context,
            existing,
            parameters,
            inputs.index.unwrap_or_default(),
            actions,
        );
        session.target_tasks = inputs.target_tasks;
        let summary = to_json(&session.summary());
        // A load from files overtakes any load still listing its task group.
        self.loads.set(self.loads.get() + 1);
        *self.session.borrow_mut() = Some(session);
        *self.last.borrow_mut() = None;
        summary
    }

    /// Loads the push of `decision_task_id` from `root_url` over `host.fetch`, the way its
    /// action task will see it. `flavour` (`gecko` or `taskgraph`) overrides the flavour
    /// detected from the decision task. Resolves to the summary (JSON).
    #[wasm_bindgen(js_name = loadPush)]
    pub fn load_push(
        &self,
        root_url: String,
        decision_task_id: String,
        host: JsValue,
        flavour: Option<String>,
    ) -> js_sys::Promise {
        let cell = self.session.clone();
        let last = self.last.clone();
        // Only the latest load keeps its session (an earlier one may still be listing its
        // task group when a later one is ready).
        let generation = self.loads.get() + 1;
        self.loads.set(generation);
        let loads = self.loads.clone();
        future_to_promise(async move {
            let flavour = match flavour.as_deref() {
                None | Some("") => None,
                Some(name) => Some(Flavour::parse(name).ok_or_else(|| {
                    bad_request(format!(
                        "flavour must be \"gecko\" or \"taskgraph\", not {name:?}"
                    ))
                })?),
            };
            let transport = JsTransport { host };
            let progress = |step: &str| transport.progress(step);
            let jobs = |page: &str| transport.jobs(page);
            // Previews may start as soon as the push is ready: the session is kept then, and
            // the host told (while a big task group may still be listed for the grid).
            let ready = |session: Session| {
                if loads.get() != generation {
                    return;
                }
                if let Ok(summary) = to_json(&session.summary()) {
                    *cell.borrow_mut() = Some(session);
                    *last.borrow_mut() = None;
                    transport.ready(&summary);
                }
            };
            let listed = Session::load_staged(
                &transport,
                &root_url,
                &decision_task_id,
                flavour,
                &progress,
                &jobs,
                &ready,
            )
            .await
            .map_err(js_err)?;
            if loads.get() != generation {
                return Err(ApiError::new(
                    "superseded",
                    "another push was loaded meanwhile; this one was dropped",
                )
                .into_js());
            }
            let mut loaded = cell.borrow_mut();
            let session = loaded.as_mut().ok_or_else(|| {
                ApiError::new("internal", "the push never became ready").into_js()
            })?;
            session.apply_listing(listed);
            Ok(to_json(&session.summary())?.into())
        })
    }

    /// The summary of the loaded push (JSON).
    pub fn summary(&self) -> Result<String, JsValue> {
        with_session(&self.session, |s| to_json(&s.summary()))
    }

    /// The grid: every job that reports to Treeherder (JSON list of `GridJob`).
    pub fn jobs(&self) -> Result<String, JsValue> {
        with_session(&self.session, |s| to_json(&s.jobs()))
    }

    /// One page of the grid's jobs: `{total, jobs}` (JSON), so the page can take a big push's
    /// jobs in several short tasks.
    #[wasm_bindgen(js_name = jobsPage)]
    pub fn jobs_page(&self, offset: usize, limit: Option<usize>) -> Result<String, JsValue> {
        let limit = limit.unwrap_or(protocol::JOBS_PAGE);
        with_session(&self.session, |s| {
            let jobs = s.jobs();
            let page =
                jobs.get(offset.min(jobs.len())..offset.saturating_add(limit).min(jobs.len()));
            to_json(&protocol::JobsPage {
                total: jobs.len(),
                jobs: page.unwrap_or_default(),
            })
        })
    }

    /// Previews a request `{labels, times?, now?, deterministicIds?, definitions?}`, fetching
    /// the index answers it needs first (pushes loaded over HTTP). Resolves to the preview
    /// (JSON, the CLI's `--json` shape).
    pub fn preview(&self, request: String, host: JsValue) -> js_sys::Promise {
        let cell = self.session.clone();
        let last = self.last.clone();
        future_to_promise(async move {
            let request = parse_request(&request)?;
            let transport = JsTransport { host };
            fetch_answers(&cell, &transport, &request.labels).await?;
            let (preview, json) = with_session(&cell, |s| {
                let mut preview = compute(s, &request)?;
                let json = preview_json(s, &mut preview, &request)?;
                Ok((preview, json))
            })?;
            *last.borrow_mut() = Some(preview);
            Ok(json.into())
        })
    }

    /// The preview of another action (`{action, input?, taskLabel? | taskId?, now?,
    /// deterministicIds?, definitions?}`): every `create_tasks` call of its callback and the
    /// tasks it reruns (JSON `ActionPreview`, the CLI's `preview --action --json` shape).
    #[wasm_bindgen(js_name = previewAction)]
    pub fn preview_action(&self, request: String, host: JsValue) -> js_sys::Promise {
        let cell = self.session.clone();
        let last_action = self.last_action.clone();
        future_to_promise(async move {
            let request: ActionRequest = serde_json::from_str(&request)
                .map_err(|e| bad_request(format!("action request: {e}")))?;
            let transport = JsTransport { host };
            let needs_targets = with_session(&cell, |s| {
                Ok(request.action == "run-missing-tests" && s.target_tasks.is_none() && s.remote)
            })?;
            if needs_targets {
                let c = with_session(&cell, |s| Ok(s.context.clone()))?;
                let targets = session::load_target_tasks(
                    &transport,
                    &c.root_url,
                    &c.decision_task_id,
                    c.run_id,
                )
                .await
                .map_err(js_err)?;
                if let Some(session) = cell.borrow_mut().as_mut() {
                    session.target_tasks = Some(targets);
                }
            }
            // The plan is computed once (for rebuild-cached-tasks it reads every task's
            // attributes); it owns its data, so it outlives the session borrow.
            let plan = with_session(&cell, |s| action_plan(s, &request))?;
            fetch_answers(&cell, &transport, &plan.labels()).await?;
            let json = with_session(&cell, |s| {
                let now = now_of(request.now.as_deref())?;
                let mut preview = if request.deterministic_ids {
                    s.preview_plan(&plan, now, &mut CounterIds::golden())
                } else {
                    s.preview_plan(&plan, now, &mut nice_slugid)
                }
                .map_err(js_err)?;
                let calls = preview
                    .calls
                    .iter()
                    .map(|c| (c.suffix.clone(), c.iteration.clone()))
                    .collect();
                *last_action.borrow_mut() = Some((action_key(&request), calls));
                if !request.definitions {
                    for call in &mut preview.calls {
                        call.iteration.tasks.clear();
                    }
                }
                to_json(&preview)
            })?;
            Ok(json.into())
        })
    }

    /// The same preview as a JS object built by serde-wasm-bindgen (no index fetching), only
    /// to measure the boundary against JSON text (`www/bench/boundary.mjs`).
    #[wasm_bindgen(js_name = previewObject)]
    pub fn preview_object(&self, request: &str) -> Result<JsValue, JsValue> {
        let request = parse_request(request)?;
        let preview = with_session(&self.session, |s| compute(s, &request))?;
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        serde::Serialize::serialize(&preview, &serializer)
            .map_err(|e| ApiError::new("internal", e.to_string()).into_js())
    }

    /// The dependency-graph view of the last preview (JSON `GraphView`), at most `limit` tasks.
    #[wasm_bindgen(js_name = graphView)]
    pub fn graph_view(&self, limit: Option<usize>) -> Result<String, JsValue> {
        let limit = limit.unwrap_or(crate::protocol::GRAPH_VIEW);
        let last = self.last.borrow();
        let preview = last
            .as_ref()
            .ok_or_else(|| ApiError::new("not-previewed", "no preview yet").into_js())?;
        with_session(&self.session, |s| {
            to_json(&crate::layout::closure_view(&s.graph, preview, limit))
        })
    }

    /// The actions a UI offers for a task (`{taskLabel? | taskId?}`; its definition is fetched
    /// for its tags) or for the task group (`{}`): `[{name, title, description, cbName,
    /// preview, schema, unavailable}]` (JSON), where `preview` is `null` when the action is
    /// previewable, else why not, and `unavailable` is why it cannot be triggered at all (its
    /// JSON-e refused), else `null`.
    #[wasm_bindgen(js_name = actionsFor)]
    pub fn actions_for(&self, request: String, host: JsValue) -> js_sys::Promise {
        let cell = self.session.clone();
        future_to_promise(async move {
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase", deny_unknown_fields)]
            struct For {
                #[serde(default)]
                task_label: Option<String>,
                #[serde(default)]
                task_id: Option<String>,
            }
            let request: For = serde_json::from_str(&request)
                .map_err(|e| bad_request(format!("actions request: {e}")))?;
            let transport = JsTransport { host };
            let (task, _) = task_of(
                &cell,
                &transport,
                request.task_id.as_deref(),
                request.task_label.as_deref(),
            )
            .await?;
            let tags = task.as_ref().map(|(_, definition)| {
                definition
                    .get("tags")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default()
            });
            let task = task
                .as_ref()
                .map(|(id, definition)| (id.as_str(), definition));
            let listed = with_session(&cell, |s| {
                let Some(actions) = &s.actions else {
                    return Ok(Vec::new());
                };
                Ok(actions
                    .available(tags.as_ref())
                    .into_iter()
                    .map(|a| {
                        let cb_name = a
                            .hook_payload
                            .as_ref()
                            .and_then(|p| p.pointer("/decision/action/cb_name"))
                            .and_then(Value::as_str)
                            .unwrap_or(&a.name)
                            .to_string();
                        let why = if engine::callbacks::PREVIEWABLE.contains(&a.name.as_str())
                            && cb_name != "retrigger-decision"
                        {
                            None
                        } else {
                            Some(
                                engine::callbacks::not_previewable(&cb_name)
                                    .or_else(|| engine::callbacks::not_previewable(&a.name))
                                    .unwrap_or("this action's preview is not built yet")
                                    .to_string(),
                            )
                        };
                        Offered {
                            name: a.name.clone(),
                            title: a.title.clone(),
                            description: a.description.clone(),
                            cb_name,
                            preview: why,
                            schema: a.schema.clone(),
                            unavailable: s.action_refusal(a, task).map(|e| e.to_string()),
                        }
                    })
                    .collect::<Vec<_>>())
            })?;
            Ok(to_json(&listed)?.into())
        })
    }

    /// The call that triggers an action (`{action, input?, taskLabel? | taskId?}`), rendered
    /// for the task's context (its definition is fetched for its tags) and not signed:
    /// `{method, url, headers, body, trigger}` (JSON).
    #[wasm_bindgen(js_name = actionTriggerRequest)]
    pub fn action_trigger_request(&self, request: String, host: JsValue) -> js_sys::Promise {
        let cell = self.session.clone();
        future_to_promise(async move {
            let request: ActionRequest = serde_json::from_str(&request)
                .map_err(|e| bad_request(format!("action request: {e}")))?;
            let transport = JsTransport { host };
            let (rendered, http, _) = action_http(&cell, &request, &transport).await?;
            Ok(to_json(&request_json(&http, &rendered))?.into())
        })
    }

    /// Previews nothing: signs the call that triggers an action (as `actionTriggerRequest`)
    /// with `credentials` and sends it once, never retried. Resolves to the action task's id.
    #[wasm_bindgen(js_name = triggerAction)]
    pub fn trigger_action(
        &self,
        request: String,
        credentials: String,
        host: JsValue,
    ) -> js_sys::Promise {
        let cell = self.session.clone();
        let last_action = self.last_action.clone();
        let last = self.last.clone();
        let triggered = self.triggered.clone();
        future_to_promise(async move {
            let request: ActionRequest = serde_json::from_str(&request)
                .map_err(|e| bad_request(format!("action request: {e}")))?;
            let credentials = parse_credentials(&credentials)?;
            let transport = JsTransport { host };
            let (_, mut http, root_url) = action_http(&cell, &request, &transport).await?;
            let key = action_key(&request);
            // The preview of the same request; for add-new-jobs, the picks' preview too.
            let expected = last_action
                .borrow()
                .as_ref()
                .and_then(|(previewed, calls)| (*previewed == key).then(|| calls.clone()))
                .or_else(|| picks_previewed(&last.borrow(), &request));
            let sent = send_signed(&transport, &mut http, &root_url, &credentials).await?;
            remember_trigger(&triggered, &sent, expected);
            Ok(sent)
        })
    }

    /// Polls the action task until it resolves (at most `max_wait_ms`), then compares each
    /// `create_tasks` call of the preview that was triggered as it (every iteration or call)
    /// with that call's `label-to-taskid` artifact, and each created task's definition with
    /// the preview's: `{actionTaskId, state, differences, definitionsChecked}`. An action
    /// task the host triggered itself (Treeherder's own add-new-jobs) names the request it
    /// triggered in `previewed` (`{labels, times?}`, JSON), compared with the last preview when
    /// that previewed exactly it. An action task neither triggered here nor so named after a
    /// matching preview is refused (`not-previewed`).
    pub fn follow(
        &self,
        action_task_id: String,
        poll_ms: u32,
        max_wait_ms: u32,
        previewed: Option<String>,
        host: JsValue,
    ) -> js_sys::Promise {
        let cell = self.session.clone();
        let triggered = self.triggered.clone();
        let last = self.last.clone();
        future_to_promise(async move {
            let root_url = with_session(&cell, |s| Ok(s.context.root_url.clone()))?;
            let named = match previewed.as_deref() {
                Some(text) => {
                    let request = parse_request(text)?;
                    previewed_calls(&last.borrow(), &request.labels, request.times)
                }
                None => None,
            };
            let calls = triggered
                .borrow()
                .get(&action_task_id)
                .cloned()
                .or(named)
                .ok_or_else(|| {
                    ApiError::new(
                        "not-previewed",
                        format!(
                            "action task {action_task_id} was not triggered here from a preview of \
                             the same request: nothing to compare it with (preview, then trigger)"
                        ),
                    )
                    .into_js()
                })?;
            let transport = JsTransport { host };
            let calls: Vec<(String, &Iteration)> =
                calls.iter().map(|(s, it)| (s.clone(), it)).collect();
            let comparison = trigger::follow(
                &transport,
                &root_url,
                &action_task_id,
                &calls,
                Duration::from_millis(poll_ms.into()),
                Duration::from_millis(max_wait_ms.into()),
            )
            .await
            .map_err(|e| js_err(SessionError::from(e)))?;
            Ok(to_json(&comparison)?.into())
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Credentials {
    client_id: String,
    access_token: String,
    #[serde(default)]
    certificate: Option<String>,
}

fn request_json(http: &HttpRequest, rendered: &actions::Trigger) -> Value {
    let body: Value = http
        .body
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Value::Null);
    serde_json::json!({
        "method": http.method,
        "url": http.url,
        "headers": http.headers.iter().map(|(k, v)| serde_json::json!([k, v])).collect::<Vec<_>>(),
        "body": body,
        "trigger": rendered.to_json(),
    })
}
