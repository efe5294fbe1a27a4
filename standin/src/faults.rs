//! Faults the tests inject: failures, delays, cut or expired artifacts, slow links, stalls,
//! hangs, flapping, small task group pages.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, StreamBody};
use hyper::body::Frame;

use crate::Config;

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

/// Whether the (percent-decoded) `url` contains a fault's `pattern`.
pub(crate) fn names(pattern: &str, url: &str) -> bool {
    taskgraph_preview::url::percent_decode(url, false).contains(pattern)
}

/// How the answer to `artifact` (a path of the artifact storage) or another `url` is sent:
/// the `rate` fault applies to every answer (or those `rate_only` names), the `stall` fault
/// to the artifacts it names.
pub(crate) fn pace(config: &Config, url: &str, artifact: bool) -> Pace {
    let faults = &config.faults;
    Pace {
        rate: faults
            .rate
            .filter(|_| faults.rate_only.as_ref().is_none_or(|m| names(m, url))),
        stall: artifact && faults.stall.as_ref().is_some_and(|s| names(s, url)),
    }
}

/// How an answer's body is sent: at `rate` bytes per second (if any), and with `stall`, half
/// of it, then nothing more while the connection stays open.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pace {
    pub rate: Option<u64>,
    pub stall: bool,
}

/// An answer's body.
pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// `data` as a body sent as `pace` says, 64 kB at a time.
pub(crate) fn paced(data: Bytes, pace: Pace) -> Body {
    let rate = pace.rate.filter(|r| *r > 0);
    if rate.is_none() && !pace.stall {
        return http_body_util::Full::new(data)
            .map_err(|never| match never {})
            .boxed();
    }
    let stall_at = pace.stall.then_some(data.len() / 2);
    let started = tokio::time::Instant::now();
    let frames = futures_util::stream::unfold(0usize, move |sent| {
        let data = data.clone();
        async move {
            if stall_at.is_some_and(|at| sent >= at) {
                // Stalled: keep the connection open, send nothing more.
                tokio::time::sleep(Duration::from_secs(600)).await;
                return None;
            }
            if sent >= data.len() {
                return None;
            }
            let end = (sent + 64 * 1024)
                .min(data.len())
                .min(stall_at.unwrap_or(usize::MAX));
            if let Some(rate) = rate {
                let due = Duration::from_secs_f64(end as f64 / rate as f64);
                tokio::time::sleep_until(started + due).await;
            }
            Some((Ok(Frame::data(data.slice(sent..end))), end))
        }
    });
    StreamBody::new(frames).boxed()
}
