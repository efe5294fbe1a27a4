//! The page's state, with no browser in it: `Page::update` takes a message and changes the
//! state, and says what the browser must do as `Effect`s (a worker call, a timer, the URL, a
//! download, the sign-in popup) that `app::App` carries out. Everything here runs natively and
//! is unit-tested (`tests.rs`) like `view.rs`.
//!
//! The state is in four parts, each with its messages and its `impl Page` block:
//! * `push`: loading the push (the load's phase) and the grid (filter, groups, rows);
//! * `picks`: the jobs picked, their preview and graph, the search dialog, exports;
//! * `jobs`: the job panel, the pinboard and the push's Actions menu;
//! * `trigger`: the trigger and action dialogs, the credentials and the sign-in, and what the
//!   page says of a triggered action (`Status`).

mod early;
mod jobs;
mod picks;
mod push;
#[cfg(test)]
mod tests;
mod trigger;

use std::collections::BTreeSet;
use std::rc::Rc;

use serde_json::Value;

pub use jobs::JobMsg;
pub use picks::{PickMsg, Picks};
pub use push::{Loading, Phase, Push, PushMsg};
pub use trigger::{Flow, Status, TriggerMsg, MISSING_CREDENTIALS, SIGN_IN_NOT_COVERED};

use super::model::{ApiError, LoadEvent};
use super::signin::Pending;
use crate::view::UrlState;

/// The sample push the page opens with no parameters (served by the stand-in).
pub const SAMPLE_DECISION: &str = "NssSampleDecision00001";

/// A worker call's answer, turned into the message that handles it.
pub type Reply = Box<dyn FnOnce(Result<String, ApiError>) -> Msg>;

/// What the browser does for the state.
pub enum Effect {
    /// Call the worker's `op` with `args`: its progress reports (if asked for) and its answer
    /// come back as messages.
    Call {
        op: &'static str,
        args: Value,
        progress: Option<Box<dyn Fn(LoadEvent) -> Msg>>,
        reply: Reply,
    },
    /// Send this message in a task of its own (after `ms` milliseconds).
    Later(u32, Msg),
    /// The quick filter's pause: `PushMsg::ApplyFilter` after `ms`, replacing an earlier one.
    FilterTimer(u32),
    /// Replace the page's URL query (the selection and options live there).
    Url(String),
    /// Save this text as a file download.
    Download { name: &'static str, text: String },
    /// Put the keyboard in the quick filter.
    FocusQuickFilter,
    /// Keep typed credentials in this tab's session storage (clientId, accessToken,
    /// certificate).
    SaveCredentials(String, String, String),
    /// Open Taskcluster's consent page in a popup (answered by `TriggerMsg::SignInOpened`).
    OpenSignIn {
        root_url: String,
        client_id: String,
        scopes: Vec<String>,
    },
    /// Exchange the popup's code for credentials (answered by `TriggerMsg::SignedIn`).
    Exchange(Pending, String),
}

impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Call { op, args, .. } => write!(f, "Call({op}, {args})"),
            Effect::Later(ms, _) => write!(f, "Later({ms})"),
            Effect::FilterTimer(ms) => write!(f, "FilterTimer({ms})"),
            Effect::Url(q) => write!(f, "Url({q})"),
            Effect::Download { name, .. } => write!(f, "Download({name})"),
            Effect::FocusQuickFilter => write!(f, "FocusQuickFilter"),
            Effect::SaveCredentials(id, ..) => write!(f, "SaveCredentials({id})"),
            Effect::OpenSignIn { root_url, .. } => write!(f, "OpenSignIn({root_url})"),
            Effect::Exchange(p, _) => write!(f, "Exchange({})", p.root_url),
        }
    }
}

/// The page's messages, one kind per part of the state.
pub enum Msg {
    Push(PushMsg),
    Picks(PickMsg),
    Jobs(JobMsg),
    Trigger(TriggerMsg),
    /// A key pressed anywhere on the page.
    Key(Key),
    DismissError(usize),
    /// Something the browser could not do (a download, …), said in a banner.
    Error(String),
    /// Draw the page (after an update that took most of a task, so drawing gets its own).
    Redraw,
    /// The page is on screen: load the push its form names.
    Start,
}

/// A keystroke, as the shortcuts read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub key: String,
    /// Typed into an input, text area or select.
    pub typing: bool,
    /// With Ctrl, Cmd or Alt.
    pub modified: bool,
}

/// The whole page's state.
pub struct Page {
    pub url: UrlState,
    pub push: Push,
    pub picks: Picks,
    pub jobs: jobs::Jobs,
    pub flow: Flow,
    pub errors: Vec<String>,
    /// The clock, set by the app before each message (sign-ins expire).
    pub now_ms: f64,
    effects: Vec<Effect>,
}

impl Page {
    /// The page for this URL's state; `origin` is the default root URL, `credentials` those
    /// kept in this tab.
    pub fn new(url: UrlState, origin: String, credentials: (String, String, String)) -> Page {
        let push = Push::new(&url, origin);
        let picks = Picks::new(&url);
        Page {
            url,
            push,
            picks,
            jobs: jobs::Jobs::default(),
            flow: Flow::new(credentials),
            errors: Vec::new(),
            now_ms: 0.0,
            effects: Vec::new(),
        }
    }

    /// Handles `msg`: whether the page must render again, and what the browser must do.
    pub fn update(&mut self, msg: Msg) -> (bool, Vec<Effect>) {
        let render = match msg {
            Msg::Push(m) => self.push_update(m),
            Msg::Picks(m) => self.picks_update(m),
            Msg::Jobs(m) => self.jobs_update(m),
            Msg::Trigger(m) => self.trigger_update(m),
            Msg::Key(k) => self.key(&k).0,
            Msg::DismissError(i) => {
                if i < self.errors.len() {
                    self.errors.remove(i);
                }
                true
            }
            Msg::Error(e) => {
                self.errors.push(e);
                true
            }
            Msg::Redraw => true,
            Msg::Start => {
                self.load();
                true
            }
        };
        // New rows drawn in this frame: the rest of the screenful in the next task.
        if render && self.push.fill_due() {
            self.emit(Effect::Later(0, Msg::Push(PushMsg::FillRows)));
        }
        (render, std::mem::take(&mut self.effects))
    }

    /// Handles a keystroke: whether to render, whether the browser's own handling of the key
    /// is to be prevented, and what the browser must do.
    pub fn on_key(&mut self, key: &Key) -> (bool, bool, Vec<Effect>) {
        let (render, prevent) = self.key(key);
        (render, prevent, std::mem::take(&mut self.effects))
    }

    /// Starts loading the push the form names (`Msg::Start`, the page's first message).
    pub fn start(&mut self) -> Vec<Effect> {
        self.update(Msg::Start).1
    }

    fn emit(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// A worker call answered by `reply`.
    fn call(
        &mut self,
        op: &'static str,
        args: Value,
        reply: impl FnOnce(Result<String, ApiError>) -> Msg + 'static,
    ) {
        self.emit(Effect::Call {
            op,
            args,
            progress: None,
            reply: Box::new(reply),
        });
    }

    /// The picked labels, sorted.
    pub fn labels(&self) -> Vec<String> {
        self.picks.selected.iter().cloned().collect()
    }

    fn sync_url(&mut self) {
        self.url.selected = self.labels();
        self.url.runnable = self.push.filter.runnable;
        let query = self.url.to_query();
        self.emit(Effect::Url(query));
    }

    /// A dialog that takes the keyboard is open (shortcuts are off, except Escape).
    pub fn dialog_open(&self) -> bool {
        self.picks.search_open || self.flow.action.is_some()
    }

    /// Keyboard shortcuts that do not clash with Treeherder's (a, /, x are free there; f, r and
    /// Esc mean the same). Returns whether to render and whether the browser's own handling
    /// of the key is to be prevented. No shortcut fires while typing or in a dialog.
    fn key(&mut self, key: &Key) -> (bool, bool) {
        if key.key == "Escape" {
            self.picks.search_open = false;
            self.picks.graph_wide = false;
            if self.flow.action.take().is_none() {
                self.jobs.panel = None;
            }
            self.jobs.group_actions = None;
            return (true, false);
        }
        if key.typing || key.modified || self.dialog_open() {
            return (false, false);
        }
        let render = match key.key.as_str() {
            "a" => self.push_update(PushMsg::ToggleRunnable),
            "/" => {
                self.picks.search_open = true;
                return (true, true);
            }
            "x" => self.picks_update(PickMsg::ClearSelection),
            // Treeherder's retrigger key: the selected and pinned jobs (retrigger-multiple),
            // previewed first.
            "r" => {
                let tasks = self.retrigger_tasks();
                self.jobs_update(JobMsg::Retrigger(tasks))
            }
            "f" => {
                self.emit(Effect::FocusQuickFilter);
                return (false, true);
            }
            _ => return (false, false),
        };
        (render, false)
    }

    /// What Treeherder's Retrigger acts on: the pinned jobs and the selected one.
    pub fn retrigger_tasks(&self) -> Vec<String> {
        let mut tasks: BTreeSet<String> = (*self.jobs.pinned).clone();
        tasks.extend(self.jobs.panel.iter().cloned());
        tasks.into_iter().collect()
    }

    /// The decision taskId of the push (loaded, else asked for).
    pub fn decision(&self) -> String {
        self.push
            .summary
            .as_ref()
            .map(|s| s.context.decision_task_id.clone())
            .or_else(|| self.url.decision_task_id.clone())
            .unwrap_or_default()
    }

    pub fn root_url(&self) -> String {
        self.url.root_url.clone().unwrap_or_default()
    }
}

/// Shared by the parts: an `Rc` of a set with `label` added or removed.
fn toggled(set: &Rc<BTreeSet<String>>, label: &str) -> Rc<BTreeSet<String>> {
    let mut set = (**set).clone();
    if !set.remove(label) {
        set.insert(label.to_string());
    }
    Rc::new(set)
}

/// An answer read as JSON, or the worker's error.
fn parse<T: serde::de::DeserializeOwned>(result: Result<String, ApiError>) -> Result<T, ApiError> {
    result.and_then(|text| {
        serde_json::from_str::<T>(&text).map_err(|e| ApiError {
            kind: "internal".into(),
            message: e.to_string(),
            labels: vec![],
        })
    })
}

/// "22.0 MB": to the nearest tenth, halves to even. Formatted from whole tenths: the progress
/// line is redrawn many times a second, and the float formatter is 14 kB of wasm that the
/// browser would optimize on every load.
pub fn format_mb(bytes: f64) -> String {
    let tenths = tenths_of_mb(bytes);
    format!("{}.{} MB", tenths / 10, tenths % 10)
}

fn tenths_of_mb(bytes: f64) -> u64 {
    (bytes / 100_000.0).round_ties_even().max(0.0) as u64
}

/// `part` of `whole` in whole percent, at most 100 (what `{:.0}` would print, without the float
/// formatter: see `format_mb`).
pub fn percent(part: f64, whole: f64) -> u64 {
    (100.0 * part / whole).min(100.0).round_ties_even().max(0.0) as u64
}

/// "3.1 MB so far" of a download of unknown size, or `None` while that would read 0.0 MB.
pub fn so_far(bytes: f64) -> Option<String> {
    (tenths_of_mb(bytes) > 0).then(|| format!("{} so far", format_mb(bytes)))
}

/// Why a push did not load, and what to do about it.
pub fn load_failure(e: &ApiError) -> String {
    let advice = match e.kind.as_str() {
        "expired" => "Its artifacts are gone: an expired push cannot be previewed.",
        "network" => "Check your connection (or the root URL), then Retry.",
        "blocked-by-csp" => {
            "This page's host does not allow that origin (Content-Security-Policy connect-src): \
             its operator must allow it; retrying will not help."
        }
        "http-status" => "Taskcluster answered with an error: Retry in a moment.",
        "syntax" | "bad-field" | "invalid-artifact" | "bad-body" => {
            "An artifact arrived incomplete or malformed (a download cut short?): Retry; if it \
             happens again, the decision's artifact itself is broken."
        }
        _ => "Check the root URL and decision taskId, then Retry.",
    };
    format!(
        "Could not load the push: {} [{}]. {advice}",
        e.message, e.kind
    )
}

/// What a load step is, in words (the worker reports the URL it downloads, or a phrase).
pub fn step_words(step: &str) -> String {
    let path = step.split('?').next().unwrap_or(step);
    if let Some(rest) = step.strip_prefix("label-to-taskid.json of ") {
        return format!("the tasks of {rest}");
    }
    let words = if path.contains("full-task-graph") {
        "the task graph"
    } else if path.contains("runnable-jobs") {
        "the runnable jobs"
    } else if path.contains("/task-group/") {
        "the push's task group"
    } else if path.contains("findTasksAtIndex") || path.contains("/index/") {
        "the index (cached tasks)"
    } else if path.contains("label-to-taskid") {
        "the tasks scheduled so far"
    } else if path.contains("actions.json") {
        "the push's actions"
    } else if path.contains("parameters") {
        "the push's parameters"
    } else if step.starts_with("http://") || step.starts_with("https://") {
        return format!("a download ({})", path.rsplit('/').next().unwrap_or(path));
    } else if step.starts_with("decision task") {
        return format!("the {step}");
    } else {
        step
    };
    words.to_string()
}

/// The loading bar's words: "loading the task graph: 37 % of 22.0 MB".
pub fn loading_words(event: &LoadEvent) -> String {
    match event {
        LoadEvent::Download {
            url,
            loaded,
            total: Some(t),
        } => format!(
            "loading {}: {} % of {}",
            step_words(url),
            percent(*loaded, *t),
            format_mb(*t)
        ),
        LoadEvent::Download {
            url,
            loaded,
            total: None,
        } => match so_far(*loaded) {
            Some(amount) => format!("loading {}: {amount}", step_words(url)),
            // Nothing in yet: "0.0 MB so far" would say nothing more.
            None => format!("loading {}…", step_words(url)),
        },
        LoadEvent::Step(step) => format!("loading {}…", step_words(step)),
        LoadEvent::Jobs(_) | LoadEvent::Ready(_) => "loading the grid…".to_string(),
    }
}
