//! Sending Taskcluster requests: a small async [`Transport`] trait (so the same loading code
//! runs in the browser on `fetch` and natively), retries with backoff for transient failures,
//! and errors that name the URL and status.

use std::time::Duration;

/// An HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl HttpRequest {
    pub fn get(url: String) -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            url,
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn post_json(url: String, body: &serde_json::Value) -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            url,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Some(body.to_string().into_bytes()),
        }
    }
}

/// An HTTP response (redirects followed, content encoding undone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

#[cfg(test)]
impl HttpResponse {
    /// A 200 with `value` as its JSON body (test transports).
    pub(crate) fn json(value: &serde_json::Value) -> HttpResponse {
        HttpResponse {
            status: 200,
            body: value.to_string().into_bytes(),
        }
    }

    /// A 404 with no body (test transports).
    pub(crate) fn not_found() -> HttpResponse {
        HttpResponse {
            status: 404,
            body: Vec::new(),
        }
    }
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("cannot reach {url}: {message}")]
    Network { url: String, message: String },
    #[error("{url} answered {status}{}", if .message.is_empty() { String::new() } else { format!(": {}", .message) })]
    Status {
        url: String,
        status: u16,
        message: String,
    },
    #[error("{url} is gone (404): the push's artifacts have probably expired")]
    Expired { url: String },
    #[error("{url} returned something unreadable: {message}")]
    Body { url: String, message: String },
}

impl FetchError {
    /// Worth trying again: network errors and 5xx.
    pub fn is_transient(&self) -> bool {
        matches!(self, FetchError::Network { .. })
            || matches!(self, FetchError::Status { status, .. } if *status >= 500)
    }
}

/// Where a streamed body goes, piece by piece; it answers `false` to stop the download.
pub type Sink<'a> = &'a mut dyn FnMut(&[u8]) -> bool;

/// Sends one request. Implementations: a native blocking client ([`NativeTransport`], feature
/// `native-http`) and, in the worker, the browser's `fetch` (`js_api::JsTransport`).
#[allow(async_fn_in_trait)]
pub trait Transport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, FetchError>;

    /// Like [`send`](Transport::send), but a successful (2xx) body goes to `sink` piece by
    /// piece as it arrives and the response comes back without it; `sink` answers `false` to
    /// stop the download. Other answers come back whole. The default sends, then hands over
    /// the whole body at once.
    async fn send_streaming(
        &self,
        request: &HttpRequest,
        sink: Sink<'_>,
    ) -> Result<HttpResponse, FetchError> {
        send_whole(self, request, sink).await
    }

    /// Waits between retries (a timer in the browser, a sleep natively).
    async fn pause(&self, duration: Duration);
}

/// [`Transport::send_streaming`] for a transport that only has whole bodies: sends, then
/// hands a successful body to `sink` at once.
pub async fn send_whole<T: Transport + ?Sized>(
    transport: &T,
    request: &HttpRequest,
    sink: Sink<'_>,
) -> Result<HttpResponse, FetchError> {
    let mut response = transport.send(request).await?;
    if (200..300).contains(&response.status) {
        sink(&std::mem::take(&mut response.body));
    }
    Ok(response)
}

/// How often and how patiently to retry transient failures.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            first_delay: Duration::from_millis(200),
        }
    }
}

/// Sends `request`, retrying network errors and 5xx with exponential backoff; turns error
/// statuses into [`FetchError`]s that name the URL (404 on an artifact is `Expired`).
pub async fn fetch<T: Transport>(
    transport: &T,
    request: &HttpRequest,
    retry: RetryPolicy,
) -> Result<Vec<u8>, FetchError> {
    fetch_streaming(transport, request, retry, Vec::new, |body, piece| {
        body.extend_from_slice(piece);
        true
    })
    .await
}

/// Sends `request` with [`fetch`]'s retries and errors, the body going to a fresh sink as it
/// arrives: `start` makes the sink for each attempt (a retry starts over) and `feed` hands it
/// each piece (`false` stops the download: the sink has seen enough to fail). Returns the
/// last attempt's sink.
pub async fn fetch_streaming<T: Transport, S>(
    transport: &T,
    request: &HttpRequest,
    retry: RetryPolicy,
    mut start: impl FnMut() -> S,
    mut feed: impl FnMut(&mut S, &[u8]) -> bool,
) -> Result<S, FetchError> {
    let mut delay = retry.first_delay;
    let mut attempt = 1;
    loop {
        let mut sink = start();
        let mut stopped = false;
        let result = transport
            .send_streaming(request, &mut |piece| {
                stopped = !feed(&mut sink, piece);
                !stopped
            })
            .await;
        if stopped {
            return Ok(sink);
        }
        match result.and_then(|response| checked(request, response)) {
            Err(e) if e.is_transient() && attempt < retry.attempts.max(1) => {
                transport.pause(delay).await;
                delay = delay.saturating_mul(2);
                attempt += 1;
            }
            Err(e) => return Err(e),
            Ok(_) => return Ok(sink),
        }
    }
}

/// The body of a 2xx answer; an error naming the URL otherwise (404 on an artifact is
/// `Expired`).
fn checked(request: &HttpRequest, response: HttpResponse) -> Result<Vec<u8>, FetchError> {
    match response.status {
        200..=299 => Ok(response.body),
        404 if request.url.contains("/artifacts/") => Err(FetchError::Expired {
            url: request.url.clone(),
        }),
        status => Err(FetchError::Status {
            url: request.url.clone(),
            status,
            message: error_message(&response.body),
        }),
    }
}

/// The `message` of a Taskcluster error body, if any (never the whole body).
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(|m| m.lines().next().unwrap_or("").to_string())
        })
        .unwrap_or_default()
}

/// A blocking native client behind the async trait (the CLI runs it with `pollster`).
#[cfg(feature = "native-http")]
pub struct NativeTransport {
    agent: ureq::Agent,
}

#[cfg(feature = "native-http")]
impl NativeTransport {
    pub fn new(timeout: Duration) -> NativeTransport {
        NativeTransport {
            agent: ureq::AgentBuilder::new()
                .timeout(timeout)
                .redirects(5)
                .build(),
        }
    }
}

#[cfg(feature = "native-http")]
fn cut_short(request: &HttpRequest, e: &std::io::Error) -> FetchError {
    FetchError::Body {
        url: request.url.clone(),
        message: format!("the body was cut short ({e})"),
    }
}

#[cfg(feature = "native-http")]
impl Transport for NativeTransport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, FetchError> {
        use std::io::Read as _;
        let mut call = self.agent.request(&request.method, &request.url);
        for (name, value) in &request.headers {
            call = call.set(name, value);
        }
        let result = match &request.body {
            Some(body) => call.send_bytes(body),
            None => call.call(),
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => {
                return Err(FetchError::Network {
                    url: request.url.clone(),
                    message: t.to_string(),
                })
            }
        };
        let status = response.status();
        let mut body = Vec::new();
        response
            .into_reader()
            .take(2 << 30)
            .read_to_end(&mut body)
            .map_err(|e| cut_short(request, &e))?;
        Ok(HttpResponse { status, body })
    }

    async fn send_streaming(
        &self,
        request: &HttpRequest,
        sink: Sink<'_>,
    ) -> Result<HttpResponse, FetchError> {
        use std::io::Read as _;
        if request.body.is_some() {
            return send_whole(self, request, sink).await;
        }
        let mut call = self.agent.request(&request.method, &request.url);
        for (name, value) in &request.headers {
            call = call.set(name, value);
        }
        let response = match call.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(status, r)) => {
                let mut body = Vec::new();
                let _ = r.into_reader().take(1 << 20).read_to_end(&mut body);
                return Ok(HttpResponse { status, body });
            }
            Err(ureq::Error::Transport(t)) => {
                return Err(FetchError::Network {
                    url: request.url.clone(),
                    message: t.to_string(),
                })
            }
        };
        let status = response.status();
        let mut reader = response.into_reader();
        let mut buf = vec![0u8; 256 << 10];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if !sink(buf.get(..n).unwrap_or(&[])) {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(cut_short(request, &e)),
            }
        }
        Ok(HttpResponse {
            status,
            body: Vec::new(),
        })
    }

    async fn pause(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
