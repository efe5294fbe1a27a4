//! HTTP: the stand-in's two origins (the root URL, and with `--storage-listen` the artifact
//! storage the queue redirects to) on hyper. Each connection is a task; each request is
//! handled on a blocking thread (files, gzip, the `delay` fault), so a slow or stalled download
//! holds up nothing else, as with a real server. A kept-alive connection left idle is closed
//! after [`IDLE`]: browsers keep several open per origin and may leave them unused.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::Write as _;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};

use crate::faults::{self, Body, Pace};
use crate::routes::{append_line, error, route, storage_reply, Reply};
use crate::{login, Config};

/// How long a connection may wait for a request's headers (the next one, when kept alive)
/// before it is closed.
pub const IDLE: Duration = Duration::from_secs(5);

/// Which origin a server is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The root URL: Taskcluster's APIs, the login, the page's files.
    Root,
    /// The artifact storage origin.
    Storage,
}

/// Serves the root URL on `listener` until the process ends.
pub fn serve(listener: TcpListener, config: Config) -> std::io::Result<()> {
    run(listener, Arc::new(config), Origin::Root)
}

/// Serves forever on `listener` as the artifact storage origin Taskcluster's queue redirects
/// to (`GET /<taskId>/<artifact name>`): JSON and YAML artifacts with `Content-Encoding: gzip`,
/// as taskgraph uploads them; cross-origin readable. Faults that cut artifacts apply here.
pub fn serve_storage(listener: TcpListener, config: Config) -> std::io::Result<()> {
    run(listener, Arc::new(config), Origin::Storage)
}

fn run(listener: TcpListener, config: Arc<Config>, origin: Origin) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let counter = Arc::new(AtomicU64::new(0));
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (config, counter) = (config.clone(), counter.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    answer(request, config.clone(), counter.clone(), origin)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(IDLE)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

/// A request as the handlers read it.
struct Received {
    method: String,
    url: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

/// What a handler decided.
enum Handled {
    Answer(Reply, Pace),
    /// Handled, never answered (the `hang` fault): the connection stays open.
    Hang,
}

async fn answer(
    request: Request<Incoming>,
    config: Arc<Config>,
    counter: Arc<AtomicU64>,
    origin: Origin,
) -> Result<Response<Body>, Infallible> {
    let n = counter.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    };
    let received = Received {
        method: parts.method.as_str().to_string(),
        url: parts.uri.to_string(),
        headers: parts.headers,
        body,
    };
    let handled = tokio::task::spawn_blocking(move || match origin {
        Origin::Root => handle(&config, &received, n),
        Origin::Storage => handle_storage(&config, &received),
    })
    .await;
    match handled {
        Ok(Handled::Answer(reply, pace)) => Ok(respond(reply, pace)),
        Ok(Handled::Hang) => {
            tokio::time::sleep(Duration::from_secs(600)).await;
            Ok(respond(error(500, "hung"), Pace::default()))
        }
        Err(_) => Ok(respond(error(500, "the handler failed"), Pace::default())),
    }
}

fn handle(config: &Config, request: &Received, n: u64) -> Handled {
    if !config.faults.delay.is_zero() {
        std::thread::sleep(config.faults.delay);
    }
    let (method, url) = (request.method.as_str(), request.url.as_str());
    let host = request.header("Host").unwrap_or_default();
    let gzip_ok = request
        .header("Accept-Encoding")
        .is_some_and(|e| e.contains("gzip"));
    let content_type = request
        .header("Content-Type")
        .unwrap_or_else(|| "application/json".into());
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
            method,
            url,
            &request.body,
            &host,
            request.header("Authorization").as_deref(),
            &content_type,
        )
    };
    let path = url.split_once('?').map_or(url, |(p, _)| p);
    let reply = if matches!(path, "/login/oauth/token" | "/login/oauth/credentials") {
        login::third_party_cors(
            &config.login,
            reply,
            method,
            request.header("Origin").as_deref(),
            request.header("Access-Control-Request-Headers").as_deref(),
            &host,
        )
    } else {
        reply
    };
    if config
        .faults
        .hang
        .as_ref()
        .is_some_and(|m| url.contains(m.as_str()))
    {
        return Handled::Hang;
    }
    let pace = faults::pace(config, url, url.starts_with("/storage/"));
    // Taskcluster's API answers big JSON gzip-encoded to clients that accept it; the page's
    // files come compressed too, as any web server sends them.
    let reply = if gzip_ok && url.starts_with("/api/") {
        gzip_json(reply)
    } else if gzip_ok && config.www.is_some() && !url.starts_with("/storage/") {
        gzip_static(url, reply)
    } else {
        reply
    };
    Handled::Answer(reply, pace)
}

fn handle_storage(config: &Config, request: &Received) -> Handled {
    let (method, url) = (request.method.as_str(), request.url.as_str());
    if let Some(log) = &config.log {
        append_line(log, &format!("STORAGE {method} {url}"));
    }
    let reply = storage_reply(config, method, url, true);
    Handled::Answer(reply, faults::pace(config, url, true))
}

/// `reply` as an answer with a Content-Length (as Taskcluster's artifact storage sends), never
/// chunked, so the page's download progress shows bytes of the total; every answer but the
/// login's allows any origin, as Taskcluster's do.
fn respond(reply: Reply, pace: Pace) -> Response<Body> {
    let length = reply.body.len();
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let stall = pace.stall && status == StatusCode::OK;
    let body = faults::paced(Bytes::from(reply.body), Pace { stall, ..pace });
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let any = reply
        .any_origin
        .then(|| ("Access-Control-Allow-Origin", "*".to_string()));
    // An empty body's answer (a 204 preflight) names no type, as Express sends it.
    let content_type =
        (!reply.content_type.is_empty()).then(|| ("Content-Type", reply.content_type.to_string()));
    let length = ("Content-Length", length.to_string());
    let headers = response.headers_mut();
    for (name, value) in content_type
        .into_iter()
        .chain(any)
        .chain([length])
        .chain(reply.headers)
    {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    response
}

/// `body` gzip-compressed (fast level, as the stand-in's answers are made on the fly).
fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(body).ok()?;
    gz.finish().ok()
}

/// `body` gzip-compressed, remembered by `key` and length (a sample's artifacts never change)
/// while the remembered answers stay under 64 MB (then forgotten all at once).
pub(crate) fn gzip_once(key: &str, body: &[u8]) -> Option<Vec<u8>> {
    type Cache = std::sync::Mutex<(usize, BTreeMap<(String, usize), std::sync::Arc<Vec<u8>>>)>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let k = (key.to_string(), body.len());
    if let Some(hit) = cache.lock().ok().and_then(|c| c.1.get(&k).cloned()) {
        return Some(hit.to_vec());
    }
    let compressed = gzip(body)?;
    if let Ok(mut c) = cache.lock() {
        if c.0 + compressed.len() > 64 << 20 {
            *c = Default::default();
        }
        c.0 += compressed.len();
        c.1.insert(k, std::sync::Arc::new(compressed.clone()));
    }
    Some(compressed)
}

/// JSON answers this big are compressed once per content (the pages of a big task group's
/// listing, asked for on every load of its push): [`gzip_once`], keyed by the body's CRC-32
/// and SipHash.
const REMEMBERED_JSON: usize = 64 << 10;

fn gzip_remembered(body: &[u8]) -> Option<Vec<u8>> {
    use std::hash::{Hash as _, Hasher as _};
    let mut crc = flate2::Crc::new();
    crc.update(body);
    let mut sip = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut sip);
    gzip_once(
        &format!("json:{:08x}:{:016x}", crc.sum(), sip.finish()),
        body,
    )
}

/// `reply` gzip-encoded, if it is JSON of more than a few kB and not encoded already.
fn gzip_json(mut reply: Reply) -> Reply {
    let encoded = reply.headers.iter().any(|(n, _)| *n == "Content-Encoding");
    if encoded || reply.body.len() < 4096 || !reply.content_type.starts_with("application/json") {
        return reply;
    }
    let body = if reply.body.len() >= REMEMBERED_JSON {
        gzip_remembered(&reply.body)
    } else {
        gzip(&reply.body)
    };
    if let Some(body) = body {
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
