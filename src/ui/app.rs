//! The page's state and its one reducer (`App::update`): loading a push through the worker,
//! the grid's filter and expansion, the selection (kept in the URL), live previews, the graph
//! view, and the trigger flow. Child components only render and send messages back.

use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;

use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::actions::{offered_list, ActionDialog, ActionField, ActionState, JobPanel};
use super::dialogs::{SearchDialog, SigninView, TriggerDialog, TriggerState};
use super::engine::Engine;
use super::graph::GraphPanel;
use super::grid::Grid;
use super::model::{
    ActionPreview, ApiError, Comparison, GraphView, Offered, Preview, Progress, Summary,
};
use super::navbar::Navbar;
use super::preview_panel::PreviewPanel;
use super::signin::{self, Pending, SignedIn};
use crate::view::{self, shown, Filter, Job, Listing, Row, UrlState};

/// The sample push the page opens with no parameters (served by the stand-in).
pub const SAMPLE_DECISION: &str = "NssSampleDecision00001";
/// The quick filter applies after this pause in typing.
const FILTER_PAUSE_MS: u32 = 150;
/// Jobs per message while the grid loads (each page is parsed in a short task).
const JOBS_PAGE: usize = 2000;
/// Jobs grouped into rows per task (a 50k grid takes five short tasks).
const ROWS_STEP: usize = 10_000;
/// Graph views stay readable up to this many tasks.
const GRAPH_LIMIT: usize = 150;

pub enum Msg {
    FormRoot(String),
    FormDecision(String),
    Load,
    /// Progress of the load numbered so (an older load's news is dropped).
    Progress(u32, Progress),
    Loaded(u32, Result<String, ApiError>),
    /// One page of the grid's jobs (a big push's jobs arrive in several short tasks).
    JobsLoaded(u32, Result<String, ApiError>),
    /// Grouping the jobs into rows, in a task of its own.
    BuildRows,
    ToggleRunnable,
    /// A keystroke in the quick filter (applied after a short pause in typing).
    FilterText(String),
    ApplyFilter,
    ToggleTier(u64),
    ToggleGroup(String),
    ToggleExpandAll,
    ToggleJob(String),
    /// `[All]` on a group: select these labels, or deselect them if all are selected.
    ToggleMany(Vec<String>),
    ClearSelection,
    SetTimes(u32),
    Previewed(u32, Result<String, ApiError>),
    GraphLoaded(u32, Result<String, ApiError>),
    Focus(String),
    GraphWide(bool),
    OpenSearch,
    CloseSearch,
    SearchQuery(String),
    SearchSelect,
    OpenTrigger,
    CloseTrigger,
    Credential(&'static str, String),
    RequestRendered(Result<String, ApiError>),
    ConfirmTrigger,
    Triggered(Result<String, ApiError>),
    Followed(Result<String, ApiError>),
    DismissError(usize),
    Export(&'static str),
    Exported(&'static str, Result<String, ApiError>),
    ShowMoreRows,
    Key(web_sys::KeyboardEvent),
    /// An existing job was clicked: its details panel and the actions offered for it; with
    /// Ctrl or Cmd (`true`) it is pinned or unpinned too, as in Treeherder.
    SelectJob((String, bool)),
    /// Treeherder's Retrigger (key `r`): these jobs, once the push's actions are known.
    Retrigger(Vec<String>),
    /// The push's actions, for a Retrigger of these jobs.
    RetriggerOffered(Vec<String>, Result<String, ApiError>),
    ClearPinboard,
    /// Load the push again after a failure.
    RetryLoad,
    /// Group the early grid's jobs into rows, in a task of its own.
    EarlyRows,
    /// The next step of grouping the grid's rows (see `App::rows_step`).
    RowsStep(u32),
    CloseJob,
    /// The push's task-group actions (`None`: close the menu).
    GroupActions(bool),
    /// `actionsFor` answered (for the job panel if `true`, else the push menu).
    Offered(bool, Result<String, ApiError>),
    /// Open the action dialog for an offered action (on the selected job for task actions).
    OpenAction(Offered, bool),
    ActionInput(ActionField),
    ActionPreviewed(u32, Result<String, ApiError>),
    ConfirmAction,
    ActionTriggered(Result<String, ApiError>),
    CloseAction,
    /// The action dialog's request, rendered (for its hook, hence the sign-in's scopes).
    ActionHook(Result<String, ApiError>),
    /// "Sign in with Taskcluster" for these scopes: opens the consent popup.
    SignIn(Vec<String>),
    /// `login/callback.html` answered: code, state, error.
    LoginCallback(Option<String>, String, Option<String>),
    SignedIn(Result<SignedIn, String>),
    SignOut,
}

/// Where the push is in its life on this page.
#[derive(Clone, PartialEq)]
pub enum Phase {
    Idle,
    Loading(Progress),
    Ready,
    Failed,
}

/// A page of `jobsPage`.
#[derive(serde::Deserialize)]
struct JobsPage {
    total: usize,
    jobs: Vec<Job>,
}

pub struct App {
    engine: Option<Engine>,
    url: UrlState,
    form_root: String,
    form_decision: String,
    phase: Phase,
    summary: Option<Rc<Summary>>,
    jobs: Rc<Vec<Job>>,
    /// How many of `jobs` can be added (counted once per load, not per render).
    runnable: usize,
    /// Jobs received so far while the grid loads.
    loading_jobs: Vec<Job>,
    rows: Rc<Vec<Row>>,
    filter: Filter,
    expanded: Rc<HashSet<String>>,
    expand_all: bool,
    selected: Rc<BTreeSet<String>>,
    preview: Option<Rc<Preview>>,
    preview_seq: u32,
    previewing: bool,
    preview_error: Option<ApiError>,
    graph: Option<Rc<GraphView>>,
    focus: Option<String>,
    graph_wide: bool,
    errors: Vec<String>,
    search_open: bool,
    search_query: String,
    search_hits: Rc<Vec<usize>>,
    trigger: Option<TriggerState>,
    credentials: (String, String, String),
    status: Option<Html>,
    visible_rows: usize,
    /// The quick filter's text as typed, and the timer that applies it.
    filter_input: String,
    filter_timer: Option<gloo_timers::callback::Timeout>,
    _keys: Option<Closure<dyn FnMut(web_sys::KeyboardEvent)>>,
    /// The existing job whose details panel is open.
    job_panel: Option<String>,
    /// The actions offered for it (`None` while loading) or why they are unknown.
    job_actions: Option<Result<Rc<Vec<Offered>>, String>>,
    /// The push's task-group actions menu, when open.
    group_actions: Option<Option<Result<Rc<Vec<Offered>>, String>>>,
    action: Option<ActionState>,
    action_seq: u32,
    /// Existing jobs pinned (Ctrl/Cmd+click) to retrigger together.
    pinned: Rc<BTreeSet<String>>,
    /// Why the push did not load, with a Retry.
    load_error: Option<String>,
    /// The failed test jobs, found when the push's Actions menu opens (not on every render).
    failed_tests: Rc<Vec<String>>,
    /// The grid on screen comes from `runnable-jobs.json` and the task group: the graph is
    /// still on its way (picks are kept and previewed once it lands).
    early_grid: bool,
    /// Early pages received so far.
    early_loading: Vec<Job>,
    /// The early grid's rows are to be grouped again (a task is scheduled).
    early_rows_due: bool,
    /// The graph's grid is asked for once the preview of early picks is in.
    jobs_after_preview: bool,
    /// States from the task group listing, applied with the next grouping of the early grid.
    pending_states: Vec<view::JobState>,
    /// The number of the latest load (see `Msg::Progress`).
    load_seq: u32,
    /// A grouping of the grid's rows under way in steps, and the number of the latest one.
    rows_steps: Option<view::RowsBuilder>,
    rows_seq: u32,
    /// The load is over: the graph's grid replaces the early one (early messages stop).
    graph_grid: bool,
    /// How far the task group listing is while the early grid shows.
    listing: Option<Listing>,
    /// The graph's download, for "waiting for the task graph: 62%".
    graph_progress: Option<Progress>,
    /// Temporary credentials from "Sign in with Taskcluster", in memory only.
    signed_in: Option<SignedIn>,
    /// The sign-in on its way (its state, checked when the popup answers).
    signin_pending: Option<Pending>,
    signin_error: Option<String>,
    _messages: Option<Closure<dyn FnMut(web_sys::MessageEvent)>>,
}

const MISSING_CREDENTIALS: &str =
    "Sign in with Taskcluster, or enter your Taskcluster clientId and accessToken.";

const SIGN_IN_EXPIRED: &str = "Your Taskcluster sign-in has expired: sign in again.";
const SIGN_IN_NOT_COVERED: &str =
    "Your Taskcluster sign-in is not for this action's hook: sign in again for it.";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn session_get(key: &str) -> String {
    window()
        .and_then(|w| w.session_storage().ok().flatten())
        .and_then(|s| s.get_item(key).ok().flatten())
        .unwrap_or_default()
}

fn session_set(key: &str, value: &str) {
    if let Some(storage) = window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
}

/// Saves `text` as a file download.
fn download(name: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Why a push did not load, and what to do about it.
fn load_failure(e: &ApiError) -> String {
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

fn format_mb(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1_000_000.0)
}

impl App {
    fn labels(&self) -> Vec<String> {
        self.selected.iter().cloned().collect()
    }

    fn sync_url(&mut self) {
        self.url.selected = self.labels();
        self.url.runnable = self.filter.runnable;
        let query = self.url.to_query();
        if let Some(history) = window().and_then(|w| w.history().ok()) {
            let path = window()
                .and_then(|w| w.location().pathname().ok())
                .unwrap_or_else(|| "/".into());
            let _ =
                history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}{query}")));
        }
    }

    fn rebuild_rows(&mut self) {
        // A grouping in steps that is under way is out of date.
        self.rows_steps = None;
        self.rows_seq += 1;
        self.rows = Rc::new(view::rows(&self.jobs, &self.filter));
        // Expanded groups make long rows: start with fewer of them (more come on scrolling).
        self.visible_rows = if self.groups_expanded() { 12 } else { 40 };
    }

    /// Every group shows its jobs: the global toggle is on, or the quick filter narrows.
    fn groups_expanded(&self) -> bool {
        self.expand_all || !self.filter.text.trim().is_empty()
    }

    fn request_preview(&mut self, ctx: &Context<Self>) {
        self.sync_url();
        self.preview_seq += 1;
        let seq = self.preview_seq;
        if self.selected.is_empty() {
            self.preview = None;
            self.graph = None;
            self.previewing = false;
            self.preview_error = None;
            return;
        }
        // The graph is not there yet: the preview follows when it lands (Loaded).
        if self.phase != Phase::Ready && self.summary.is_none() {
            return;
        }
        let Some(engine) = &self.engine else { return };
        self.previewing = true;
        let args = json!({"labels": self.labels(), "times": self.url.times, "definitions": false, "withKinds": true});
        engine.call(
            "preview",
            &args,
            None,
            ctx.link().callback(move |r| Msg::Previewed(seq, r)),
        );
    }

    /// The credentials for a trigger needing `scopes`, as the worker takes them: the signed-in
    /// ones (issued for this root URL, unexpired, holding the scopes), else those typed in
    /// (kept in this tab's session storage for the next trigger); an error saying what to do
    /// when there are none.
    fn credentials_json(
        &mut self,
        scopes: Option<Vec<String>>,
    ) -> Result<serde_json::Value, &'static str> {
        let root = self.url.root_url.clone().unwrap_or_default();
        let mut not_covered = false;
        if let Some(signed_in) = &self.signed_in {
            if signed_in.root_url != root.trim_end_matches('/') {
                self.signed_in = None;
            } else if !signed_in.valid(js_sys::Date::now()) {
                self.signed_in = None;
                return Err(SIGN_IN_EXPIRED);
            } else if scopes.as_deref().is_none_or(|r| signed_in.covers(r)) {
                return Ok(signed_in.json());
            } else {
                not_covered = true;
            }
        }
        let (id, token, cert) = &self.credentials;
        if id.trim().is_empty() || token.trim().is_empty() {
            return Err(if not_covered {
                SIGN_IN_NOT_COVERED
            } else {
                MISSING_CREDENTIALS
            });
        }
        session_set("tgp-client-id", id);
        session_set("tgp-access-token", token);
        session_set("tgp-certificate", cert);
        let mut credentials = json!({"clientId": id.trim(), "accessToken": token.trim()});
        if !cert.trim().is_empty() {
            credentials["certificate"] = json!(cert.trim());
        }
        Ok(credentials)
    }

    /// What a trigger dialog's sign-in part shows, for an action needing `scopes`.
    fn signin_view(&self, scopes: Option<Vec<String>>) -> SigninView {
        let root = self.url.root_url.clone().unwrap_or_default();
        let signed_in = self
            .signed_in
            .as_ref()
            .filter(|s| s.root_url == root.trim_end_matches('/'))
            .filter(|s| s.valid(js_sys::Date::now()))
            .map(|s| {
                let covers = scopes.as_deref().is_none_or(|r| s.covers(r));
                (s.client_id.clone(), s.expires_text(), covers)
            });
        SigninView {
            signed_in,
            scopes,
            asks: self.url.login_scopes(),
            busy: self.signin_pending.is_some(),
            error: self.signin_error.clone(),
            root_url: root,
        }
    }

    /// Previews the action dialog's action with its current input.
    fn request_action_preview(&mut self, ctx: &Context<Self>) {
        self.action_seq += 1;
        let seq = self.action_seq;
        let (Some(a), Some(engine)) = (&mut self.action, &self.engine) else {
            return;
        };
        let mut request = match a.request() {
            Ok(r) => r,
            Err(e) => {
                a.preview = None;
                a.previewing = false;
                a.error = Some(e);
                return;
            }
        };
        a.previewing = true;
        request["definitions"] = json!(false);
        engine.call(
            "previewAction",
            &request,
            None,
            ctx.link().callback(move |r| Msg::ActionPreviewed(seq, r)),
        );
    }

    fn load(&mut self, ctx: &Context<Self>) {
        let root = self.form_root.trim().trim_end_matches('/').to_string();
        let decision = self.form_decision.trim().to_string();
        if root.is_empty() || decision.is_empty() {
            self.errors
                .push("Give a Taskcluster root URL and a decision taskId.".into());
            return;
        }
        self.load_error = None;
        self.url.root_url = Some(root.clone());
        self.url.decision_task_id = Some(decision.clone());
        self.phase = Phase::Loading(Progress {
            step: format!("decision task {decision}"),
            ..Progress::default()
        });
        self.clear_push();
        self.graph_progress = None;
        self.preview = None;
        self.graph = None;
        // A load still listing its task group may be overtaken: its news is dropped.
        self.load_seq += 1;
        let seq = self.load_seq;
        let Some(engine) = &self.engine else { return };
        engine.call(
            "load",
            &json!({"rootUrl": root, "decisionTaskId": decision}),
            Some(ctx.link().callback(move |p| Msg::Progress(seq, p))),
            ctx.link().callback(move |r| Msg::Loaded(seq, r)),
        );
        self.sync_url();
    }

    /// Forgets the push on screen and every step of loading it (a new load starts, or a load
    /// failed: nothing half-loaded stays, and no grouping or page still under way lands).
    fn clear_push(&mut self) {
        self.summary = None;
        self.jobs = Rc::default();
        self.rows = Rc::default();
        self.rows_steps = None;
        self.rows_seq += 1;
        self.runnable = 0;
        self.loading_jobs = Vec::new();
        self.early_grid = false;
        self.early_loading = Vec::new();
        self.listing = None;
        self.jobs_after_preview = false;
        self.pending_states = Vec::new();
        self.graph_grid = false;
    }

    /// A page of the early grid (`runnable-jobs.json` and the task group, before the graph):
    /// shown once complete, unless the graph's own grid is already there.
    fn early_page(&mut self, ctx: &Context<Self>, text: &str) -> bool {
        /// A page of jobs (`offset`, `total`, `jobs`) or the states a page of the task group
        /// listing adds (`states`); both say how far the listing is.
        #[derive(serde::Deserialize)]
        struct EarlyMessage {
            #[serde(default)]
            offset: usize,
            #[serde(default)]
            total: usize,
            #[serde(default)]
            jobs: Option<Vec<Job>>,
            #[serde(default)]
            states: Option<Vec<view::JobState>>,
            listing: Option<Listing>,
        }
        let Ok(message) = serde_json::from_str::<EarlyMessage>(text) else {
            return false;
        };
        // The early grid lasts until the graph's own grid is asked for (the load's end).
        if self.graph_grid {
            return false;
        }
        if let Some(listing) = message.listing {
            self.listing = Some(listing);
        }
        if let Some(states) = message.states {
            if !self.early_grid {
                return false;
            }
            // Applied with the next grouping: pages of the listing that come together cost
            // one task.
            self.pending_states.extend(states);
            self.schedule_early_rows(ctx);
            return true;
        }
        let Some(mut jobs) = message.jobs else {
            return false;
        };
        if message.offset != self.early_loading.len() {
            return false;
        }
        view::prepare(&mut jobs);
        self.early_loading.extend(jobs);
        if self.early_loading.len() < message.total {
            return false;
        }
        let jobs = std::mem::take(&mut self.early_loading);
        self.runnable = jobs.iter().filter(|j| j.is_runnable()).count();
        self.jobs = Rc::new(jobs);
        self.early_grid = true;
        // Group in a task of its own (the page's parse was this one).
        self.schedule_early_rows(ctx);
        false
    }

    /// The push is ready for previews while its task group is still being listed: picks
    /// (on the early grid, or from the URL) are previewed now; the graph's grid comes at the
    /// load's end.
    fn ready(&mut self, ctx: &Context<Self>, text: &str) -> bool {
        if self.summary.is_some() {
            return false;
        }
        let Ok(summary) = serde_json::from_str::<Summary>(text) else {
            return false;
        };
        self.summary = Some(Rc::new(summary));
        if !self.selected.is_empty() {
            self.request_preview(ctx);
        }
        true
    }

    /// One step of grouping the grid's rows (`seq` names the grouping; a later one replaces
    /// it): the rows are on screen once the last step is done.
    fn rows_step(&mut self, ctx: &Context<Self>, seq: u32) -> bool {
        if seq != self.rows_seq {
            return false;
        }
        let Some(builder) = self.rows_steps.as_mut() else {
            return false;
        };
        if !builder.step(&self.jobs, &self.filter, ROWS_STEP) {
            let link = ctx.link().clone();
            gloo_timers::callback::Timeout::new(0, move || link.send_message(Msg::RowsStep(seq)))
                .forget();
            return false;
        }
        if let Some(builder) = self.rows_steps.take() {
            self.rows = Rc::new(builder.finish(&self.jobs));
            self.visible_rows = if self.groups_expanded() { 12 } else { 40 };
        }
        true
    }

    /// Groups the early grid's rows in a task of its own, once for states that come together.
    fn schedule_early_rows(&mut self, ctx: &Context<Self>) {
        if self.early_rows_due {
            return;
        }
        self.early_rows_due = true;
        let link = ctx.link().clone();
        gloo_timers::callback::Timeout::new(0, move || link.send_message(Msg::EarlyRows)).forget();
    }

    /// What a pick waits for while the graph downloads: "the task graph: 62%".
    fn waiting_for(&self) -> Option<String> {
        if self.phase == Phase::Ready || self.summary.is_some() {
            return None;
        }
        let p = self.graph_progress.as_ref();
        Some(match p.and_then(|p| Some((p.loaded?, p.total?))) {
            Some((loaded, total)) if total > 0.0 => {
                format!(
                    "the task graph: {:.0}%",
                    (100.0 * loaded / total).min(100.0)
                )
            }
            Some((loaded, _)) => format!("the task graph: {} so far", format_mb(loaded)),
            None => "the task graph".to_string(),
        })
    }

    /// Asks for the next page of the grid's jobs.
    fn request_jobs(&self, ctx: &Context<Self>) {
        if let Some(engine) = &self.engine {
            engine.call(
                "jobsPage",
                &json!({"offset": self.loading_jobs.len(), "limit": JOBS_PAGE}),
                None,
                {
                    let seq = self.load_seq;
                    ctx.link().callback(move |r| Msg::JobsLoaded(seq, r))
                },
            );
        }
    }
}

/// The worker's `actionsFor` answer: the actions offered, or a message for the page.
fn offered_actions(result: Result<String, ApiError>) -> Result<Vec<Offered>, String> {
    let text = result.map_err(|e| format!("{} [{}]", e.message, e.kind))?;
    serde_json::from_str(&text).map_err(|e| format!("unreadable actions: {e}"))
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let query = window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let url = UrlState::parse(&query);
        let origin = window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        let mut errors = Vec::new();
        // The worker's stall and trigger timeouts, if the page's URL sets them (tests do).
        let worker_url = {
            let params = web_sys::UrlSearchParams::new_with_str(&query).ok();
            let get = |k: &str| {
                params
                    .as_ref()
                    .and_then(|p| p.get(k))
                    .filter(|v| v.bytes().all(|b| b.is_ascii_digit()) && !v.is_empty())
            };
            let mut url = "src/worker.js".to_string();
            let extra: Vec<String> = ["stallMs", "triggerTimeoutMs"]
                .iter()
                .filter_map(|k| get(k).map(|v| format!("{k}={v}")))
                .collect();
            if !extra.is_empty() {
                url = format!("{url}?{}", extra.join("&"));
            }
            url
        };
        let engine = match Engine::start(&worker_url) {
            Ok(engine) => Some(engine),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let keys = {
            let link = ctx.link().clone();
            let closure = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(
                move |event: web_sys::KeyboardEvent| link.send_message(Msg::Key(event)),
            );
            if let Some(document) = window().and_then(|w| w.document()) {
                let _ = document
                    .add_event_listener_with_callback("keydown", closure.as_ref().unchecked_ref());
            }
            Some(closure)
        };
        let messages = {
            let link = ctx.link().clone();
            let closure = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| {
                    if let Some((code, state, error)) = signin::callback_message(&event) {
                        link.send_message(Msg::LoginCallback(code, state, error));
                    }
                },
            );
            if let Some(w) = window() {
                let _ =
                    w.add_event_listener_with_callback("message", closure.as_ref().unchecked_ref());
            }
            Some(closure)
        };
        let mut filter = Filter::treeherder_default();
        filter.runnable = url.runnable || !url.selected.is_empty();
        let mut app = App {
            engine,
            form_root: url.root_url.clone().unwrap_or(origin),
            form_decision: url
                .decision_task_id
                .clone()
                .unwrap_or_else(|| SAMPLE_DECISION.into()),
            selected: Rc::new(url.selected.iter().cloned().collect()),
            search_query: url.search.clone(),
            url,
            phase: Phase::Idle,
            summary: None,
            jobs: Rc::default(),
            runnable: 0,
            loading_jobs: Vec::new(),
            rows: Rc::default(),
            filter,
            expanded: Rc::default(),
            expand_all: false,
            preview: None,
            preview_seq: 0,
            previewing: false,
            preview_error: None,
            graph: None,
            focus: None,
            graph_wide: false,
            errors,
            search_open: false,
            search_hits: Rc::default(),
            trigger: None,
            credentials: (
                session_get("tgp-client-id"),
                session_get("tgp-access-token"),
                session_get("tgp-certificate"),
            ),
            status: None,
            visible_rows: 40,
            filter_input: String::new(),
            filter_timer: None,
            _keys: keys,
            job_panel: None,
            job_actions: None,
            group_actions: None,
            action: None,
            action_seq: 0,
            pinned: Rc::default(),
            load_error: None,
            failed_tests: Rc::default(),
            early_grid: false,
            early_rows_due: false,
            jobs_after_preview: false,
            pending_states: Vec::new(),
            load_seq: 0,
            rows_steps: None,
            rows_seq: 0,
            graph_grid: false,
            listing: None,
            early_loading: Vec::new(),
            graph_progress: None,
            signed_in: None,
            signin_pending: None,
            signin_error: None,
            _messages: messages,
        };
        app.load(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::FormRoot(v) => self.form_root = v,
            Msg::FormDecision(v) => self.form_decision = v,
            Msg::Load => {
                self.selected = Rc::default();
                self.load(ctx);
            }
            Msg::Progress(seq, _) | Msg::Loaded(seq, _) | Msg::JobsLoaded(seq, _)
                if seq != self.load_seq =>
            {
                return false
            }
            Msg::Progress(_, p) => {
                if !matches!(self.phase, Phase::Loading(_)) {
                    return false;
                }
                if let Some(text) = &p.jobs {
                    return self.early_page(ctx, text);
                }
                if let Some(text) = &p.summary {
                    return self.ready(ctx, text);
                }
                if p.step.contains("full-task-graph") {
                    self.graph_progress = Some(p.clone());
                }
                self.phase = Phase::Loading(p);
            }
            Msg::Loaded(_, Ok(text)) => match serde_json::from_str::<Summary>(&text) {
                Ok(summary) => {
                    // Previewed since the push was ready (`ready`): only the grid is left.
                    let previewed = self.summary.is_some();
                    self.summary = Some(Rc::new(summary));
                    self.graph_grid = true;
                    self.phase = Phase::Loading(Progress {
                        step: "building the job grid".into(),
                        ..Progress::default()
                    });
                    self.loading_jobs = Vec::new();
                    // Picks made on the early grid are previewed first; the graph's own grid
                    // replaces the early one once that preview is on screen (its pages would
                    // otherwise keep this thread busy before the preview's answer).
                    if self.early_grid && !self.selected.is_empty() && !previewed {
                        self.request_preview(ctx);
                    }
                    self.jobs_after_preview = self.previewing;
                    if !self.jobs_after_preview {
                        self.request_jobs(ctx);
                    }
                }
                Err(e) => {
                    self.phase = Phase::Failed;
                    self.errors.push(format!("unreadable push summary: {e}"));
                }
            },
            Msg::Loaded(_, Err(e)) | Msg::JobsLoaded(_, Err(e)) => {
                self.phase = Phase::Failed;
                // Nothing half-loaded stays: no early grid, no summary.
                self.clear_push();
                self.load_error = Some(load_failure(&e));
            }
            Msg::EarlyRows => {
                self.early_rows_due = false;
                let states = std::mem::take(&mut self.pending_states);
                if !self.early_grid {
                    return false;
                }
                if !states.is_empty() {
                    let jobs: &mut Vec<Job> = Rc::make_mut(&mut self.jobs);
                    if view::apply_states(jobs, &states) == 0 {
                        return true;
                    }
                    self.runnable = self.jobs.iter().filter(|j| j.is_runnable()).count();
                }
                // 50k jobs are grouped in several short tasks; the rows on screen stay until
                // the new ones are complete.
                self.rows_seq += 1;
                self.rows_steps = Some(view::RowsBuilder::default());
                return self.rows_step(ctx, self.rows_seq);
            }
            Msg::RowsStep(seq) => return self.rows_step(ctx, seq),
            Msg::RetryLoad => {
                self.load_error = None;
                self.load(ctx);
            }
            Msg::JobsLoaded(_, Ok(text)) => match serde_json::from_str::<JobsPage>(&text) {
                Ok(mut page) => {
                    view::prepare(&mut page.jobs);
                    self.loading_jobs.extend(page.jobs);
                    let total = page.total;
                    if self.loading_jobs.len() < total {
                        // An early grid stays on screen meanwhile.
                        self.phase = Phase::Loading(Progress {
                            step: format!(
                                "the job grid ({} of {total} jobs)",
                                self.loading_jobs.len()
                            ),
                            ..Progress::default()
                        });
                        self.request_jobs(ctx);
                        return true;
                    }
                    let jobs = std::mem::take(&mut self.loading_jobs);
                    let known: HashSet<&str> = jobs.iter().map(|j| j.label.as_str()).collect();
                    let unknown: Vec<String> = self
                        .selected
                        .iter()
                        .filter(|l| !known.contains(l.as_str()))
                        .cloned()
                        .collect();
                    if !unknown.is_empty() {
                        self.errors.push(format!(
                            "Not in this push's grid, kept in the selection: {}",
                            unknown.join(", ")
                        ));
                    }
                    self.runnable = jobs.iter().filter(|j| j.is_runnable()).count();
                    self.jobs = Rc::new(jobs);
                    self.early_grid = false;
                    // Group in a task of its own.
                    let link = ctx.link().clone();
                    gloo_timers::callback::Timeout::new(0, move || {
                        link.send_message(Msg::BuildRows)
                    })
                    .forget();
                    return false;
                }
                Err(e) => {
                    self.phase = Phase::Failed;
                    self.errors.push(format!("unreadable job list: {e}"));
                }
            },
            Msg::BuildRows => {
                self.rebuild_rows();
                if !self.search_query.is_empty() {
                    self.search_hits = Rc::new(view::search(&self.jobs, &self.search_query));
                }
                self.phase = Phase::Ready;
                if self.preview.is_none() && !self.previewing {
                    self.request_preview(ctx);
                }
            }
            Msg::ToggleRunnable => {
                self.filter.runnable = !self.filter.runnable;
                self.rebuild_rows();
                self.sync_url();
            }
            Msg::FilterText(text) => {
                self.filter_input = text;
                let link = ctx.link().clone();
                // Replacing the timer cancels the previous one.
                self.filter_timer = Some(gloo_timers::callback::Timeout::new(
                    FILTER_PAUSE_MS,
                    move || link.send_message(Msg::ApplyFilter),
                ));
                return false;
            }
            Msg::ApplyFilter => {
                self.filter_timer = None;
                self.filter.text = self.filter_input.clone();
                self.rebuild_rows();
            }
            Msg::ToggleTier(tier) => {
                let mut tiers = self.filter.tiers.clone();
                if !tiers.remove(&tier) {
                    tiers.insert(tier);
                }
                // At least one tier stays selected, as in Treeherder.
                if !tiers.is_empty() {
                    self.filter.tiers = tiers;
                    self.rebuild_rows();
                }
            }
            Msg::ToggleGroup(key) => {
                let mut expanded = (*self.expanded).clone();
                if !expanded.remove(&key) {
                    expanded.insert(key);
                }
                self.expanded = Rc::new(expanded);
            }
            Msg::ToggleExpandAll => self.expand_all = !self.expand_all,
            Msg::ToggleJob(label) => {
                let mut selected = (*self.selected).clone();
                if !selected.remove(&label) {
                    selected.insert(label);
                }
                self.selected = Rc::new(selected);
                self.request_preview(ctx);
            }
            Msg::ToggleMany(labels) => {
                let mut selected = (*self.selected).clone();
                if labels.iter().all(|l| selected.contains(l)) {
                    for l in &labels {
                        selected.remove(l);
                    }
                } else {
                    selected.extend(labels);
                }
                self.selected = Rc::new(selected);
                self.request_preview(ctx);
            }
            Msg::ClearSelection => {
                self.selected = Rc::default();
                self.request_preview(ctx);
            }
            Msg::SetTimes(times) => {
                self.url.times = times.clamp(1, 100);
                self.request_preview(ctx);
            }
            Msg::Previewed(seq, result) => {
                if seq != self.preview_seq {
                    return false;
                }
                self.previewing = false;
                if std::mem::take(&mut self.jobs_after_preview) {
                    self.request_jobs(ctx);
                }
                match result.and_then(|text| {
                    serde_json::from_str::<Preview>(&text).map_err(|e| ApiError {
                        kind: "internal".into(),
                        message: e.to_string(),
                        labels: vec![],
                    })
                }) {
                    Ok(preview) => {
                        self.preview = Some(Rc::new(preview));
                        self.preview_error = None;
                        if let Some(engine) = &self.engine {
                            engine.call(
                                "graphView",
                                &json!({"limit": GRAPH_LIMIT}),
                                None,
                                ctx.link().callback(move |r| Msg::GraphLoaded(seq, r)),
                            );
                        }
                    }
                    Err(e) => {
                        self.preview = None;
                        self.graph = None;
                        self.preview_error = Some(e);
                    }
                }
            }
            Msg::GraphLoaded(seq, result) => {
                if seq != self.preview_seq {
                    return false;
                }
                match result.map(|t| serde_json::from_str::<GraphView>(&t)) {
                    Ok(Ok(graph)) => self.graph = Some(Rc::new(graph)),
                    Ok(Err(e)) => self.errors.push(format!("unreadable graph view: {e}")),
                    Err(e) => self.errors.push(format!("graph view: {}", e.message)),
                }
            }
            Msg::Focus(label) => self.focus = Some(label),
            Msg::GraphWide(wide) => self.graph_wide = wide,
            Msg::OpenSearch => self.search_open = true,
            Msg::CloseSearch => self.search_open = false,
            Msg::SearchQuery(query) => {
                self.search_hits = Rc::new(view::search(&self.jobs, &query));
                self.search_query = query.clone();
                self.url.search = query;
                self.sync_url();
            }
            Msg::SearchSelect => {
                let labels: Vec<String> = self
                    .search_hits
                    .iter()
                    .map(|&i| self.jobs[i].label.clone())
                    .collect();
                let mut selected = (*self.selected).clone();
                selected.extend(labels);
                self.selected = Rc::new(selected);
                self.search_open = false;
                self.filter.runnable = true;
                self.rebuild_rows();
                self.request_preview(ctx);
            }
            Msg::OpenTrigger => {
                if self.selected.is_empty() {
                    return false;
                }
                self.trigger = Some(TriggerState::default());
                if let Some(engine) = &self.engine {
                    engine.call(
                        "triggerRequest",
                        &json!({"labels": self.labels(), "times": self.url.times}),
                        None,
                        ctx.link().callback(Msg::RequestRendered),
                    );
                }
            }
            Msg::CloseTrigger => self.trigger = None,
            Msg::Credential(which, value) => {
                match which {
                    "clientId" => self.credentials.0 = value,
                    "accessToken" => self.credentials.1 = value,
                    _ => self.credentials.2 = value,
                }
                if let Some(t) = &mut self.trigger {
                    t.error = None;
                }
                if let Some(a) = &mut self.action {
                    if a.error.as_deref() == Some(MISSING_CREDENTIALS) {
                        a.error = None;
                    }
                }
            }
            Msg::RequestRendered(result) => {
                if let Some(t) = &mut self.trigger {
                    match result {
                        Ok(text) => t.request = Some(text),
                        Err(e) => t.error = Some(format!("{} [{}]", e.message, e.kind)),
                    }
                }
            }
            Msg::ConfirmTrigger => {
                let scopes = self
                    .trigger
                    .as_ref()
                    .and_then(|t| t.request.as_deref())
                    .and_then(signin::hook_of_request)
                    .map(|(g, h)| signin::hook_scopes(&g, &h));
                let credentials = self.credentials_json(scopes);
                let Some(t) = &mut self.trigger else {
                    return false;
                };
                // A second click while the first is on its way sends nothing.
                if t.sending {
                    return false;
                }
                let credentials = match credentials {
                    Ok(c) => c,
                    Err(missing) => {
                        t.error = Some(missing.into());
                        return true;
                    }
                };
                t.sending = true;
                if let Some(engine) = &self.engine {
                    engine.call(
                        "trigger",
                        &json!({"request": {"labels": self.labels(), "times": self.url.times}, "credentials": credentials}),
                        None,
                        ctx.link().callback(Msg::Triggered),
                    );
                }
            }
            Msg::Triggered(Ok(action_task_id)) => {
                self.trigger = None;
                let root = self.url.root_url.clone().unwrap_or_default();
                self.status = Some(html! {
                    <span class="status-following" data-action-task-id={action_task_id.clone()}>
                        {"Action task "}
                        <a href={format!("{root}/tasks/{action_task_id}")} target="_blank">{action_task_id.clone()}</a>
                        {" triggered; following it to compare with the preview…"}
                    </span>
                });
                if let Some(engine) = &self.engine {
                    engine.call(
                        "follow",
                        &json!({"actionTaskId": action_task_id, "pollMs": 1000, "maxWaitMs": 1_800_000}),
                        None,
                        ctx.link().callback(Msg::Followed),
                    );
                }
            }
            Msg::Triggered(Err(e)) => {
                if let Some(t) = &mut self.trigger {
                    t.sending = false;
                }
                self.trigger = None;
                if e.kind == "trigger-no-answer" {
                    self.status = Some(self.unsure_trigger(&e));
                } else {
                    let hint = if e.message.contains("401") {
                        " Check your clientId and accessToken."
                    } else {
                        " Nothing was created; you can try again."
                    };
                    self.errors.push(format!(
                        "The trigger failed: {} [{}].{hint}",
                        e.message, e.kind
                    ));
                }
            }
            Msg::Followed(result) => {
                self.status = Some(
                    match result.map(|t| serde_json::from_str::<Comparison>(&t)) {
                        Ok(Ok(c)) if c.differences.is_empty() => html! {
                            <span class="status-matched">{c.summary}</span>
                        },
                        Ok(Ok(c)) => html! {
                            <span class="status-differs">
                                {&c.summary}
                                <ul>{for c.differences.iter().map(|d| html! {<li>{d}</li>})}</ul>
                            </span>
                        },
                        Ok(Err(e)) => {
                            html! {<span class="status-differs">{format!("unreadable comparison: {e}")}</span>}
                        }
                        Err(e) => {
                            html! {<span class="status-differs">{format!("Could not follow the action task: {} [{}]", e.message, e.kind)}</span>}
                        }
                    },
                );
            }
            Msg::DismissError(i) => {
                if i < self.errors.len() {
                    self.errors.remove(i);
                }
            }
            Msg::Export(what) => {
                let Some(engine) = &self.engine else {
                    return false;
                };
                let args = json!({"labels": self.labels(), "times": self.url.times});
                let op = if what == "preview" {
                    "preview"
                } else {
                    "triggerRequest"
                };
                engine.call(
                    op,
                    &args,
                    None,
                    ctx.link().callback(move |r| Msg::Exported(what, r)),
                );
            }
            Msg::Exported(what, result) => {
                let name = if what == "preview" {
                    "preview.json"
                } else {
                    "trigger-request.json"
                };
                match result
                    .map_err(|e| e.message)
                    .and_then(|text| download(name, &text))
                {
                    Ok(()) => {}
                    Err(e) => self.errors.push(format!("Export of {name} failed: {e}")),
                }
                return false;
            }
            Msg::ShowMoreRows => {
                if self.visible_rows >= self.rows.len() {
                    return false;
                }
                self.visible_rows += 40;
            }
            Msg::Key(event) => return self.key(ctx, &event),
            Msg::SelectJob((label, pin)) => {
                if pin {
                    let mut pinned = (*self.pinned).clone();
                    if !pinned.remove(&label) {
                        pinned.insert(label.clone());
                    }
                    self.pinned = Rc::new(pinned);
                }
                self.job_actions = None;
                if let Some(engine) = &self.engine {
                    engine.call(
                        "actionsFor",
                        &json!({"taskLabel": label}),
                        None,
                        ctx.link().callback(|r| Msg::Offered(true, r)),
                    );
                }
                self.job_panel = Some(label);
            }
            Msg::Retrigger(tasks) => {
                if tasks.is_empty() {
                    return false;
                }
                if let Some(engine) = &self.engine {
                    engine.call(
                        "actionsFor",
                        &json!({}),
                        None,
                        ctx.link()
                            .callback(move |r| Msg::RetriggerOffered(tasks.clone(), r)),
                    );
                }
            }
            Msg::RetriggerOffered(tasks, result) => {
                let list = offered_actions(result);
                // As Treeherder: retrigger-multiple, else add-new-jobs of the same labels.
                let chosen = list.and_then(|list| {
                    ["retrigger-multiple", "add-new-jobs"]
                        .iter()
                        .find_map(|name| list.iter().find(|a| a.name == *name).cloned())
                        .ok_or_else(|| {
                            "This push's actions.json offers neither retrigger-multiple nor \
                             add-new-jobs: its jobs cannot be retriggered from here."
                                .to_string()
                        })
                });
                match chosen {
                    Ok(Offered {
                        unavailable: Some(why),
                        ..
                    }) => self.errors.push(why),
                    Ok(offered) => {
                        self.group_actions = None;
                        self.open_action(ctx, ActionState::for_tasks(&offered, tasks));
                    }
                    Err(e) => self.errors.push(e),
                }
            }
            Msg::ClearPinboard => self.pinned = Rc::default(),
            Msg::CloseJob => {
                self.job_panel = None;
                self.job_actions = None;
            }
            Msg::GroupActions(open) => {
                self.group_actions = open.then_some(None);
                if open {
                    self.failed_tests = Rc::new(self.failed_tests());
                }
                if let (true, Some(engine)) = (open, &self.engine) {
                    engine.call(
                        "actionsFor",
                        &json!({}),
                        None,
                        ctx.link().callback(|r| Msg::Offered(false, r)),
                    );
                }
            }
            Msg::Offered(for_job, result) => {
                let offered = offered_actions(result)
                    // Add New Jobs has its own flow on this page; Treeherder sends
                    // retrigger-multiple for several selected jobs, which this page has no
                    // selection for.
                    .map(|list| {
                        Rc::new(
                            list.into_iter()
                                .filter(|a| {
                                    !matches!(
                                        a.name.as_str(),
                                        "add-new-jobs" | "retrigger-multiple"
                                    )
                                })
                                .collect::<Vec<_>>(),
                        )
                    });
                if for_job {
                    self.job_actions = Some(offered);
                } else if self.group_actions.is_some() {
                    self.group_actions = Some(Some(offered));
                }
            }
            Msg::OpenAction(offered, on_job) => {
                let task = if on_job { self.job_panel.clone() } else { None };
                self.group_actions = None;
                self.open_action(ctx, ActionState::new(&offered, task));
            }
            Msg::ActionInput(field) => {
                if let Some(a) = &mut self.action {
                    match field {
                        ActionField::Times(t) => a.times = t.clamp(1, 100),
                        ActionField::Downstream(d) => a.downstream = d,
                        ActionField::Force(f) => a.force = f,
                        ActionField::Custom(text) => a.custom = Some(text),
                        ActionField::Typing(text) => {
                            a.custom = Some(text);
                            return false;
                        }
                    }
                }
                self.request_action_preview(ctx);
                if self.action.as_ref().is_some_and(|a| a.hook.is_none()) {
                    self.request_action_hook(ctx);
                }
            }
            Msg::ActionPreviewed(seq, result) => {
                if seq != self.action_seq {
                    return false;
                }
                let Some(a) = &mut self.action else {
                    return false;
                };
                a.previewing = false;
                match result.map(|t| serde_json::from_str::<ActionPreview>(&t)) {
                    Ok(Ok(p)) => {
                        a.preview = Some(Rc::new(p));
                        a.error = None;
                    }
                    Ok(Err(e)) => a.error = Some(format!("unreadable preview: {e}")),
                    Err(e) => {
                        a.preview = None;
                        a.error = Some(format!("{} [{}]", e.message, e.kind));
                    }
                }
            }
            Msg::ConfirmAction => {
                let scopes = self
                    .action
                    .as_ref()
                    .and_then(|a| a.hook.as_ref())
                    .map(|(g, h)| signin::hook_scopes(g, h));
                let credentials = self.credentials_json(scopes);
                let Some(a) = &mut self.action else {
                    return false;
                };
                // A second click while the first is on its way sends nothing.
                if a.sending {
                    return false;
                }
                let credentials = match credentials {
                    Ok(c) => c,
                    Err(missing) => {
                        a.error = Some(missing.into());
                        return true;
                    }
                };
                let request = match a.request() {
                    Ok(r) => r,
                    Err(e) => {
                        a.error = Some(e);
                        return true;
                    }
                };
                a.sending = true;
                if let Some(engine) = &self.engine {
                    engine.call(
                        "triggerAction",
                        &json!({"request": request, "credentials": credentials}),
                        None,
                        ctx.link().callback(Msg::ActionTriggered),
                    );
                }
            }
            Msg::ActionTriggered(Ok(action_task_id)) => {
                let title = self.action.take().map(|a| a.title).unwrap_or_default();
                let root = self.url.root_url.clone().unwrap_or_default();
                self.status = Some(html! {
                    <span class="status-action-triggered" data-action-task-id={action_task_id.clone()}>
                        {format!("{title}: action task ")}
                        <a href={format!("{root}/tasks/{action_task_id}")} target="_blank">{action_task_id.clone()}</a>
                        {" triggered."}
                    </span>
                });
            }
            Msg::ActionTriggered(Err(e)) if e.kind == "trigger-no-answer" => {
                // No answer: the action may exist. Never offered again blindly.
                self.action = None;
                self.status = Some(self.unsure_trigger(&e));
            }
            Msg::ActionTriggered(Err(e)) => {
                if let Some(a) = &mut self.action {
                    a.sending = false;
                    a.error = Some(format!(
                        "The trigger failed: {} [{}]. Nothing was created; you can try again.",
                        e.message, e.kind
                    ));
                }
            }
            Msg::CloseAction => self.action = None,
            Msg::ActionHook(result) => {
                if let Some(a) = &mut self.action {
                    match result {
                        Ok(text) => a.hook = signin::hook_of_request(&text),
                        // The preview names what is wrong; without the hook, signing in
                        // waits (the access-token fallback stays).
                        Err(_) => a.hook = None,
                    }
                }
            }
            Msg::SignIn(scopes) => self.sign_in(scopes),
            Msg::LoginCallback(code, state, error) => {
                let Some(pending) = self.signin_pending.take_if(|p| p.state == state) else {
                    // Not the answer to this page's latest sign-in (an earlier window's, or
                    // forged): ignored, the sign-in on its way stays.
                    self.signin_error = Some(
                        "A sign-in answer did not match this page's request (state) and was ignored."
                            .into(),
                    );
                    return true;
                };
                match (code, error) {
                    (Some(code), None) => {
                        self.signin_pending = Some(pending.clone());
                        let link = ctx.link().clone();
                        wasm_bindgen_futures::spawn_local(async move {
                            link.send_message(Msg::SignedIn(signin::exchange(pending, code).await));
                        });
                    }
                    (_, Some(error)) if error == "invalid_scope" => {
                        self.signin_error = Some(format!(
                            "{} refused the scopes this page asked for ({}): its OAuth2 client {} \
                             is registered there with other scopes; name them with loginScope= in \
                             this page's URL, or use an access token.",
                            pending.root_url,
                            self.url.login_scopes().join(" "),
                            pending.client_id
                        ));
                    }
                    (_, Some(error)) if error == "access_denied" => {
                        self.signin_error = Some(format!(
                            "Sign-in denied at {}: no credentials were issued, nothing was sent.",
                            pending.root_url
                        ));
                    }
                    (_, error) => {
                        self.signin_error = Some(format!(
                            "Sign-in at {} failed: {}.",
                            pending.root_url,
                            error.unwrap_or_else(|| "no code in the answer".into())
                        ));
                    }
                }
            }
            Msg::SignedIn(result) => {
                self.signin_pending = None;
                match result {
                    Ok(signed_in) => {
                        self.signin_error = None;
                        self.signed_in = Some(signed_in);
                        if let Some(t) = &mut self.trigger {
                            t.error = None;
                        }
                        if let Some(a) = &mut self.action {
                            a.error = None;
                        }
                    }
                    Err(e) => self.signin_error = Some(format!("Sign-in failed: {e}")),
                }
            }
            Msg::SignOut => {
                self.signed_in = None;
                self.signin_pending = None;
                self.signin_error = None;
            }
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let loading = match &self.phase {
            Phase::Loading(p) => {
                let (value, max, text) = match (p.loaded, p.total) {
                    (Some(l), Some(t)) if t > 0.0 => (
                        l,
                        t,
                        format!(
                            "{} — {} of {}",
                            p.step.rsplit('/').next().unwrap_or(&p.step),
                            format_mb(l),
                            format_mb(t)
                        ),
                    ),
                    (Some(l), _) => (
                        l,
                        0.0,
                        format!(
                            "{} — {}",
                            p.step.rsplit('/').next().unwrap_or(&p.step),
                            format_mb(l)
                        ),
                    ),
                    _ => (0.0, 0.0, format!("Loading {}…", p.step)),
                };
                html! {
                    <div class="loading" role="status">
                        if max > 0.0 {
                            <progress id="load-progress" value={value.to_string()} max={max.to_string()}
                                data-loaded={value.to_string()} data-total={max.to_string()}></progress>
                        } else if value > 0.0 {
                            // A gzip-encoded download (as Taskcluster's storage sends the graph)
                            // has no known size: the bytes so far, without a bar's end.
                            <progress id="load-progress" data-loaded={value.to_string()}></progress>
                        } else {
                            <progress id="load-progress"></progress>
                        }
                        <span class="loading-text">{text}</span>
                        if self.early_grid {
                            <span class="early-grid" id="early-grid">{" · jobs from runnable-jobs.json and the task group: pick now, the preview follows when the graph is in"}</span>
                            if let Some(l) = self.listing.filter(|l| !l.done) {
                                <span class="early-listing" id="early-listing" data-listed={l.listed.to_string()}>
                                    {format!(" · checking which jobs already ran: {} tasks of the group listed so far (until then, a job shows as runnable)", l.listed)}
                                </span>
                            }
                        }
                    </div>
                }
            }
            _ => html! {},
        };
        let errors = self.errors.iter().enumerate().map(|(i, e)| {
            html! {
                <div class="error-banner" role="alert">
                    <span>{e}</span>
                    <button class="dismiss" title="Dismiss" onclick={link.callback(move |_| Msg::DismissError(i))}>{"×"}</button>
                </div>
            }
        });
        let on_root = link.callback(|e: InputEvent| {
            Msg::FormRoot(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        let on_decision = link.callback(|e: InputEvent| {
            Msg::FormDecision(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        let on_submit = link.callback(|e: SubmitEvent| {
            e.prevent_default();
            Msg::Load
        });
        let count = self.selected.len();
        // The current preview says add-new-jobs' JSON-e is refused: nothing can be triggered.
        let refused = self.preview.as_ref().and_then(|p| {
            p.warnings
                .iter()
                .find(|w| w.kind == "action-unavailable")
                .map(|w| w.message.clone())
        });
        let push_header = self.summary.as_ref().map(|s| {
            let revision: String = s.revision.chars().take(12).collect();
            html! {
                <div class="push-bar">
                    <span class="push-title">
                        <span class="push-project">{&s.project}</span>
                        {" "}<span class="revision">{revision}</span>
                        {" · "}{&s.owner}{" · push "}{&s.pushlog_id}
                        {" · decision "}<a href={format!("{}/tasks/{}", s.root_url, s.decision_task_id)} target="_blank">{&s.decision_task_id}</a>
                        {format!(" · {} tasks in the graph, {} scheduled", s.tasks, s.existing)}
                        if !s.merged_from.is_empty() {
                            {format!(" · {} earlier action(s) and cron task(s) merged", s.merged_from.len())}
                        }
                        {" · "}<span class="flavour" id="flavour" title={format!("The preview reproduces {} actions: {}", s.flavour, s.flavour_reason)}>
                            { if s.flavour == "gecko" { "gecko_taskgraph actions" } else { "taskgraph actions" } }
                        </span>
                    </span>
                    <span class="push-buttons">
                        <button class={classes!("btn-push", self.filter.runnable.then_some("active"))} id="add-new-jobs"
                            title="Show the jobs you can add (key a)" onclick={link.callback(|_| Msg::ToggleRunnable)}>
                            { if self.filter.runnable { "Hide runnable jobs" } else { "Add new jobs" } }
                        </button>
                        <button class="btn-push" id="open-search" title="Pick jobs by searching (key /)" onclick={link.callback(|_| Msg::OpenSearch)}>{"Add new jobs (Search)"}</button>
                        <span class="group-actions">
                            <button class="btn-push" id="push-actions" title="The push's actions (Rebuild cached tasks, …)"
                                onclick={link.callback({ let open = self.group_actions.is_none(); move |_| Msg::GroupActions(open) })}>{"Actions ▾"}</button>
                            if let Some(offered) = &self.group_actions {
                                <div class="group-actions-menu" id="push-actions-menu">
                                    {{
                                        let failed = self.failed_tests.clone();
                                        let n = failed.len();
                                        html! {
                                            <button class="action-btn" id="retrigger-failed" disabled={n == 0}
                                                title={ if n == 0 { "No failed test jobs to retrigger".to_string() } else { format!("Retrigger the {n} failed test jobs (retrigger-multiple)") } }
                                                onclick={link.callback(move |_| Msg::Retrigger(failed.to_vec()))}>
                                                {format!("Retrigger all failed test jobs ({n})")}
                                            </button>
                                        }
                                    }}
                                    {offered_list(offered.as_ref().and_then(|o| o.as_ref().ok()).map(|o| &**o),
                                        offered.as_ref().and_then(|o| o.as_ref().err()).map(String::as_str),
                                        &link.callback(|a| Msg::OpenAction(a, false)), "group-actions")}
                                </div>
                            }
                        </span>
                        if count > 0 {
                            <button class="btn-push trigger" id="trigger-button" onclick={link.callback(|_| Msg::OpenTrigger)}
                                disabled={!s.has_add_new_jobs || refused.is_some()}
                                title={ match (&refused, s.has_add_new_jobs) {
                                    (Some(why), _) => why.clone(),
                                    (None, true) => "Review and trigger".to_string(),
                                    (None, false) => "This push has no add-new-jobs action".to_string(),
                                } }>
                                {"Trigger "}<span class="badge" id="selected-count">{count}</span>{if count == 1 { " New Job" } else { " New Jobs" }}
                            </button>
                            <button class="btn-push" id="clear-selection" title="Clear the selection (key x)" onclick={link.callback(|_| Msg::ClearSelection)}>{"Clear"}</button>
                        }
                    </span>
                </div>
            }
        });
        let grid = if self.phase == Phase::Ready || self.early_grid {
            html! {
                <Grid rows={self.rows.clone()} jobs={self.jobs.clone()} selected={self.selected.clone()}
                    expanded={self.expanded.clone()} expand_all={self.groups_expanded()}
                    visible_rows={self.visible_rows} runnable_mode={self.filter.runnable}
                    on_toggle_job={link.callback(Msg::ToggleJob)}
                    on_select_job={link.callback(Msg::SelectJob)} selected_job={self.job_panel.clone()}
                    pinned={self.pinned.clone()}
                    on_toggle_many={link.callback(Msg::ToggleMany)}
                    on_toggle_group={link.callback(Msg::ToggleGroup)}
                    on_more={link.callback(|_| Msg::ShowMoreRows)} />
            }
        } else {
            html! {}
        };
        html! {
            <div class="app">
                <Navbar filter_text={self.filter_input.clone()} tiers={self.filter.tiers.clone()} expand_all={self.expand_all}
                    runnable={self.runnable} jobs={self.jobs.len()}
                    on_filter={link.callback(Msg::FilterText)} on_tier={link.callback(Msg::ToggleTier)}
                    on_expand_all={link.callback(|_| Msg::ToggleExpandAll)} />
                <form class="load-form" onsubmit={on_submit}>
                    <label>{"Root URL "}<input id="root-url" value={self.form_root.clone()} oninput={on_root} size="34" /></label>
                    <label>{"Decision taskId "}<input id="decision-task-id" value={self.form_decision.clone()} oninput={on_decision} size="24" /></label>
                    <button type="submit" id="load-button">{"Load push"}</button>
                    <span class="hint">{"Keys: a add new jobs · / search · f filter · x clear · Ctrl+click pin · r retrigger the selected and pinned jobs · Esc close"}</span>
                </form>
                {for errors}
                if let Some(message) = &self.load_error {
                    <div class="error-banner load-error" role="alert" id="load-error">
                        <span>{message}</span>
                        <button id="retry-load" onclick={link.callback(|_| Msg::RetryLoad)}>{"Retry"}</button>
                    </div>
                }
                if let Some(status) = &self.status {
                    <div class="status-line" id="status-line">{status.clone()}</div>
                }
                {loading}
                {push_header.unwrap_or_default()}
                if !self.pinned.is_empty() {
                    <div class="pinboard" id="pinboard">
                        <span class="badge" id="pinned-count">{self.pinned.len()}</span>{" pinned: "}
                        {for self.pinned.iter().map(|l| {
                            let label = l.clone();
                            html! { <button class="pinned-job" title="Unpin" data-label={l.clone()}
                                onclick={link.callback(move |_| Msg::SelectJob((label.clone(), true)))}>{shown(l)}</button> }
                        })}
                        <button class="btn-push" id="retrigger-pinned" title="Retrigger the pinned jobs (key r)"
                            onclick={{ let tasks = self.retrigger_tasks(); link.callback(move |_| Msg::Retrigger(tasks.clone())) }}>{"Retrigger"}</button>
                        <button class="btn-push" id="clear-pinboard" onclick={link.callback(|_| Msg::ClearPinboard)}>{"Clear pinboard"}</button>
                    </div>
                }
                <div class="main">
                    <div class="grid-column">{grid}</div>
                    <div class="preview-column">
                        <PreviewPanel preview={self.preview.clone()} error={self.preview_error.clone()} busy={self.previewing}
                            selected={self.selected.len()} times={self.url.times} focus={self.focus.clone()}
                            root_url={self.url.root_url.clone().unwrap_or_default()}
                            decision_task_id={self.summary.as_ref().map(|s| s.decision_task_id.clone()).unwrap_or_default()}
                            on_times={link.callback(Msg::SetTimes)} on_focus={link.callback(Msg::Focus)}
                            on_export={link.callback(Msg::Export)} waiting={self.waiting_for()} />
                        if let Some(graph) = &self.graph {
                            <GraphPanel graph={graph.clone()} focus={self.focus.clone()} on_focus={link.callback(Msg::Focus)}
                                wide={self.graph_wide} on_wide={link.callback(Msg::GraphWide)} />
                        }
                    </div>
                </div>
                if self.search_open {
                    <SearchDialog query={self.search_query.clone()} hits={self.search_hits.clone()} jobs={self.jobs.clone()}
                        on_query={link.callback(Msg::SearchQuery)} on_select={link.callback(|_| Msg::SearchSelect)}
                        on_close={link.callback(|_| Msg::CloseSearch)} />
                }
                if let Some(job) = self.job_panel.as_ref().and_then(|l| self.jobs.iter().find(|j| &j.label == l)) {
                    <JobPanel job={job.clone()} root_url={self.url.root_url.clone().unwrap_or_default()}
                        offered={self.job_actions.as_ref().and_then(|a| a.as_ref().ok()).cloned()}
                        error={self.job_actions.as_ref().and_then(|a| a.as_ref().err()).cloned()}
                        on_action={link.callback(|a| Msg::OpenAction(a, true))} on_close={link.callback(|_| Msg::CloseJob)}
                        on_retrigger={{ let tasks = self.retrigger_tasks(); link.callback(move |_| Msg::Retrigger(tasks.clone())) }}
                        pinned={self.pinned.iter().filter(|l| Some(*l) != self.job_panel.as_ref()).count()} />
                }
                if let Some(state) = &self.action {
                    <ActionDialog state={state.clone()}
                        client_id={self.credentials.0.clone()} access_token={self.credentials.1.clone()} certificate={self.credentials.2.clone()}
                        on_credential={link.callback(|(w, v)| Msg::Credential(w, v))}
                        signin={self.signin_view(state.hook.as_ref().map(|(g, h)| signin::hook_scopes(g, h)))}
                        on_sign_in={link.callback(Msg::SignIn)} on_sign_out={link.callback(|_| Msg::SignOut)}
                        on_field={link.callback(Msg::ActionInput)}
                        on_confirm={link.callback(|_| Msg::ConfirmAction)} on_close={link.callback(|_| Msg::CloseAction)} />
                }
                if let (Some(state), Some(preview)) = (&self.trigger, &self.preview) {
                    <TriggerDialog state={state.clone()} preview={preview.clone()} times={self.url.times}
                        client_id={self.credentials.0.clone()} access_token={self.credentials.1.clone()} certificate={self.credentials.2.clone()}
                        on_credential={link.callback(|(w, v)| Msg::Credential(w, v))}
                        signin={self.signin_view(state.request.as_deref().and_then(signin::hook_of_request).map(|(g, h)| signin::hook_scopes(&g, &h)))}
                        on_sign_in={link.callback(Msg::SignIn)} on_sign_out={link.callback(|_| Msg::SignOut)}
                        on_times={link.callback(Msg::SetTimes)}
                        on_confirm={link.callback(|_| Msg::ConfirmTrigger)} on_close={link.callback(|_| Msg::CloseTrigger)} />
                }
            </div>
        }
    }
}

impl App {
    /// Opens the action dialog: its preview, and the hook it triggers (the scopes a sign-in
    /// asks for).
    fn open_action(&mut self, ctx: &Context<Self>, state: ActionState) {
        self.action = Some(state);
        self.signin_error = None;
        self.request_action_preview(ctx);
        self.request_action_hook(ctx);
    }

    /// Renders the action's trigger request to learn its hook. An input the schema refuses
    /// still names the hook: the request is rendered with no input then.
    fn request_action_hook(&self, ctx: &Context<Self>) {
        let (Some(a), Some(engine)) = (&self.action, &self.engine) else {
            return;
        };
        let request = a.request().unwrap_or_else(|_| {
            let mut r = json!({"action": a.name, "input": {}});
            if let Some(label) = &a.task_label {
                r["taskLabel"] = json!(label);
            }
            r
        });
        engine.call(
            "actionTriggerRequest",
            &request,
            None,
            ctx.link().callback(Msg::ActionHook),
        );
    }

    /// A trigger that got no answer (a timeout, a lost connection): Taskcluster may have
    /// created the action task. The user is sent to the task group before trying again.
    fn unsure_trigger(&self, e: &ApiError) -> Html {
        let root = self.url.root_url.clone().unwrap_or_default();
        let group = self
            .summary
            .as_ref()
            .map(|s| s.decision_task_id.clone())
            .or_else(|| self.url.decision_task_id.clone())
            .unwrap_or_default();
        html! {
            <span class="status-unsure" id="trigger-unsure" role="alert">
                {format!("No answer to the trigger ({}). The action may have been triggered anyway: ", e.message)}
                <a id="check-task-group" href={format!("{}/tasks/groups/{group}", root.trim_end_matches('/'))} target="_blank">
                    {"check the task group"}
                </a>
                {" for a new action task before you try again."}
            </span>
        }
    }

    /// What Treeherder's Retrigger acts on: the pinned jobs and the selected one.
    fn retrigger_tasks(&self) -> Vec<String> {
        let mut tasks: BTreeSet<String> = (*self.pinned).clone();
        tasks.extend(self.job_panel.iter().cloned());
        tasks.into_iter().collect()
    }

    /// Failed test jobs of the push (Treeherder's "Retrigger all failed test jobs": builds and
    /// lint excluded).
    fn failed_tests(&self) -> Vec<String> {
        self.jobs
            .iter()
            .filter(|j| {
                j.state == "testfailed" && !j.kind.contains("build") && !j.kind.contains("lint")
            })
            .map(|j| j.label.clone())
            .collect()
    }

    /// Opens Taskcluster's consent page in a popup, asking for `scopes` (the OAuth2 client's
    /// registered ones).
    fn sign_in(&mut self, scopes: Vec<String>) {
        self.signin_error = None;
        let root = self
            .url
            .root_url
            .clone()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_string();
        let (Some(state), Some(redirect_uri)) = (signin::random_state(), signin::redirect_uri())
        else {
            self.signin_error = Some(
                "This browser cannot make a random sign-in state; use an access token.".into(),
            );
            return;
        };
        let pending = Pending {
            state,
            root_url: root,
            client_id: self
                .url
                .login_client_id
                .clone()
                .unwrap_or_else(|| signin::DEFAULT_CLIENT_ID.to_string()),
            redirect_uri,
        };
        let url = signin::authorize_url(&pending, &scopes);
        let opened = window().and_then(|w| {
            w.open_with_url_and_target_and_features(
                &url,
                "tgp-taskcluster-login",
                "popup,width=640,height=720",
            )
            .ok()
            .flatten()
        });
        if opened.is_none() {
            self.signin_error = Some(format!(
                "The sign-in window to {} was blocked: allow pop-ups for this page and try again.",
                pending.root_url
            ));
            return;
        }
        self.signin_pending = Some(pending);
    }

    /// Keyboard shortcuts that do not clash with Treeherder's (a, /, x are free there; f and
    /// Esc mean the same).
    fn key(&mut self, ctx: &Context<Self>, event: &web_sys::KeyboardEvent) -> bool {
        let typing = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if event.key() == "Escape" {
            self.search_open = false;
            self.trigger = None;
            self.graph_wide = false;
            if self.action.take().is_none() {
                self.job_panel = None;
            }
            self.group_actions = None;
            return true;
        }
        if typing || event.ctrl_key() || event.meta_key() || event.alt_key() {
            return false;
        }
        match event.key().as_str() {
            "a" => ctx.link().send_message(Msg::ToggleRunnable),
            "/" => {
                event.prevent_default();
                ctx.link().send_message(Msg::OpenSearch);
            }
            "x" => ctx.link().send_message(Msg::ClearSelection),
            // Treeherder's retrigger key: the selected and pinned jobs (retrigger-multiple),
            // previewed first.
            "r" => ctx
                .link()
                .send_message(Msg::Retrigger(self.retrigger_tasks())),
            "f" => {
                event.prevent_default();
                if let Some(input) = window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("quick-filter"))
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = input.focus();
                }
            }
            _ => return false,
        }
        false
    }
}
