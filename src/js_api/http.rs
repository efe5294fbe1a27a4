//! HTTP in the browser, in Rust: gloo-net's `fetch` in the worker (or a window), the body read
//! as a `ReadableStream` for progress, and a watchdog that aborts a request without an answer
//! or a download that stalls. The retries and backoff around it are the CLI's
//! (`taskcluster::client::fetch`). Where there is no browser global (Node, the JS API's inline
//! mode in tests), the host's JavaScript `fetch` is used instead (`JsTransport`).

use std::cell::Cell;
use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::taskcluster::client::{FetchError, HttpRequest, HttpResponse, Sink};

/// How long a request may go without news before it is aborted (milliseconds).
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// A GET whose answer has not started (it is then retried).
    pub first_byte: u32,
    /// A download that receives nothing more.
    pub stall: u32,
    /// A request with a body (the trigger's POST) that gets no answer.
    pub send: u32,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            first_byte: 10_000,
            stall: 30_000,
            send: 60_000,
        }
    }
}

/// Whether this global can `fetch` the browser's way (a window or a worker).
pub fn available() -> bool {
    let global = js_sys::global();
    ["Window", "WorkerGlobalScope"].iter().any(|name| {
        js_sys::Reflect::get(&global, &JsValue::from_str(name)).is_ok_and(|v| !v.is_undefined())
    })
}

/// Aborts the request when its timer runs out; re-armed on every sign of life.
struct Watchdog {
    controller: web_sys::AbortController,
    fired: Rc<Cell<bool>>,
    timer: Option<gloo_timers::callback::Timeout>,
}

impl Watchdog {
    /// A watchdog on `controller`'s request, armed for `ms`.
    fn armed(controller: web_sys::AbortController, ms: u32) -> Watchdog {
        let mut dog = Watchdog {
            controller,
            fired: Rc::default(),
            timer: None,
        };
        dog.arm(ms);
        dog
    }

    fn arm(&mut self, ms: u32) {
        let controller = self.controller.clone();
        let fired = self.fired.clone();
        // Dropping the previous timer cancels it.
        self.timer = Some(gloo_timers::callback::Timeout::new(ms, move || {
            fired.set(true);
            controller.abort();
        }));
    }
}

fn seconds(ms: u32) -> String {
    format!("{}", f64::from(ms) / 1000.0)
}

/// Big bodies report progress from the start; small ones once they have taken this long.
const PROGRESS_MIN_BYTES: usize = 256 * 1024;
const PROGRESS_EVERY_MS: f64 = 100.0;

/// Sends `request` with gloo-net, reporting `progress(url, loaded, total)` while the body
/// streams in (`total` 0 when unknown). With a `sink`, a successful (2xx) body goes to it
/// piece by piece instead of into the response (`false` from the sink stops the download).
pub async fn send(
    request: &HttpRequest,
    timeouts: Timeouts,
    progress: &dyn Fn(&str, f64, f64),
    sink: Option<Sink<'_>>,
) -> Result<HttpResponse, FetchError> {
    let url = request.url.as_str();
    let network = |message: String| network(request, message);
    let describe = |e: &JsValue| super::describe(e);
    let first = if request.body.is_some() {
        timeouts.send
    } else {
        timeouts.first_byte
    };
    let no_answer = |why: String, dog: &Watchdog| {
        network(if dog.fired.get() {
            format!("no answer within {} s", seconds(first))
        } else {
            why
        })
    };
    // A load's first requests may be on their way already (sent by the worker's JavaScript
    // while the engine started): then the answer is taken from there.
    let early = (request.method == "GET" && request.body.is_none() && request.headers.is_empty())
        .then(|| prefetched(url))
        .flatten();
    let (response, dog) = match early {
        Some((answer, controller)) => {
            let dog = Watchdog::armed(controller, first);
            let raw = JsFuture::from(answer)
                .await
                .and_then(|r| r.dyn_into::<web_sys::Response>())
                .map_err(|e| no_answer(describe(&e), &dog))?;
            (gloo_net::http::Response::from(raw), dog)
        }
        None => {
            let (built, controller) = build(request)?;
            let dog = Watchdog::armed(controller, first);
            let response = built
                .send()
                .await
                .map_err(|e| no_answer(e.to_string(), &dog))?;
            (response, dog)
        }
    };
    read(request, response, dog, timeouts, progress, sink).await
}

/// `request` as gloo-net's, without credentials, with the controller that aborts it.
fn build(
    request: &HttpRequest,
) -> Result<(gloo_net::http::Request, web_sys::AbortController), FetchError> {
    let network = |message: String| network(request, message);
    let controller = web_sys::AbortController::new().map_err(|e| network(super::describe(&e)))?;
    let method = Method::from_bytes(request.method.as_bytes())
        .map_err(|e| network(format!("method {:?}: {e}", request.method)))?;
    let mut builder = RequestBuilder::new(&request.url)
        .method(method)
        .credentials(web_sys::RequestCredentials::Omit)
        .abort_signal(Some(&controller.signal()));
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let built = match &request.body {
        Some(body) => builder.body(String::from_utf8_lossy(body).into_owned()),
        None => builder.build(),
    }
    .map_err(|e| network(e.to_string()))?;
    Ok((built, controller))
}

/// A network failure of `request`.
fn network(request: &HttpRequest, message: String) -> FetchError {
    FetchError::Network {
        url: request.url.clone(),
        message,
    }
}

/// The answer to `url` that the worker's JavaScript asked for early, taken through its
/// `__tgpTakePrefetched(url)` (`{response, controller}`, each used once; see
/// www/src/serve.js). `None` when there is none.
fn prefetched(url: &str) -> Option<(js_sys::Promise, web_sys::AbortController)> {
    let take: js_sys::Function =
        js_sys::Reflect::get(&js_sys::global(), &"__tgpTakePrefetched".into())
            .ok()?
            .dyn_into()
            .ok()?;
    let entry = take.call1(&JsValue::NULL, &JsValue::from_str(url)).ok()?;
    if entry.is_undefined() || entry.is_null() {
        return None;
    }
    let field = |name: &str| js_sys::Reflect::get(&entry, &name.into()).ok();
    Some((
        field("response")?.dyn_into().ok()?,
        field("controller")?.dyn_into().ok()?,
    ))
}

/// Reads `response`'s body (see [`send`]), `dog` watching for a stall.
async fn read(
    request: &HttpRequest,
    response: gloo_net::http::Response,
    mut dog: Watchdog,
    timeouts: Timeouts,
    progress: &dyn Fn(&str, f64, f64),
    mut sink: Option<Sink<'_>>,
) -> Result<HttpResponse, FetchError> {
    let url = request.url.as_str();
    let network = |message: String| network(request, message);
    dog.arm(timeouts.stall);
    let status = response.status();
    // A re-encoded answer's length is not the body's: its total is unknown.
    let headers = response.headers();
    let total = if headers.get("content-encoding").is_some() {
        0.0
    } else {
        headers
            .get("content-length")
            .and_then(|l| l.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let Some(stream) = response.body() else {
        return Ok(HttpResponse {
            status,
            body: Vec::new(),
        });
    };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let big = total == 0.0 || total >= PROGRESS_MIN_BYTES as f64;
    let started = js_sys::Date::now();
    let mut last = if big { 0.0 } else { started };
    let mut reported = big;
    if big {
        progress(url, 0.0, total);
    }
    if !(200..300).contains(&status) {
        sink = None;
    }
    let mut body: Vec<u8> = Vec::with_capacity(match (&sink, total > 0.0) {
        (Some(_), _) => 0,
        (None, true) => total as usize,
        (None, false) => 64 * 1024,
    });
    // A streamed body: each piece is copied here, handed over, and the space reused.
    let mut piece: Vec<u8> = Vec::new();
    let mut loaded = 0usize;
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| {
            network(if dog.fired.get() {
                format!(
                    "the download stalled: no data for {} s",
                    seconds(timeouts.stall)
                )
            } else {
                super::describe(&e)
            })
        })?;
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = js_sys::Reflect::get(&chunk, &JsValue::from_str("value"))
            .ok()
            .and_then(|v| v.dyn_into::<js_sys::Uint8Array>().ok())
            .ok_or_else(|| FetchError::Body {
                url: request.url.clone(),
                message: "the body stream gave something that is not bytes".into(),
            })?;
        dog.arm(timeouts.stall);
        let length = value.length() as usize;
        loaded += length;
        if let Some(sink) = sink.as_mut() {
            // Grown (and zeroed) only past the biggest piece so far: chunks come in many
            // sizes, and zeroing each again cost a pass over the graph's text.
            if piece.len() < length {
                piece.resize(length, 0);
            }
            let piece = piece.get_mut(..length).unwrap_or_default();
            value.copy_to(piece);
            if !sink(piece) {
                dog.controller.abort();
                break;
            }
        } else {
            let start = body.len();
            body.resize(start + length, 0);
            value.copy_to(&mut body[start..]);
        }
        let now = js_sys::Date::now();
        if now - last > PROGRESS_EVERY_MS {
            last = now;
            reported = true;
            let loaded = loaded as f64;
            progress(url, loaded, if loaded > total { 0.0 } else { total });
        }
    }
    if reported {
        progress(url, loaded as f64, loaded as f64);
    }
    Ok(HttpResponse { status, body })
}
