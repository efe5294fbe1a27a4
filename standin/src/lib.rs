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
//!
//! Modules: [`server`] (HTTP, on hyper), [`routes`] (Taskcluster's REST paths and the page's
//! files), [`auth`] (Hawk verification, scopes, what a signed call records), [`login`] (third-party
//! sign-in), [`faults`] (what the tests inject), [`samples`] (laying pushes out in a folder).

use std::path::PathBuf;

pub mod auth;
pub mod faults;
pub mod hawk;
pub mod login;
pub mod routes;
pub mod samples;
pub mod server;

pub use faults::Faults;
pub use login::Login;
pub use samples::{
    samples_present, write_push, write_push_from_folder, write_samples, EarlierRun, PushFiles,
};
pub use server::{serve, serve_storage};

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
