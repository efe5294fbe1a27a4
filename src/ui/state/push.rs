//! Loading the push through the worker, and the grid: the load's phase (one enum, see
//! `Phase`), the early grid from `runnable-jobs.json` and the task group while the graph
//! downloads, the graph's own grid in pages, and the grid's filter, groups and rows (grouped
//! in short steps for a big push).

use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;

use serde_json::json;

use super::{load_failure, percent, so_far, Effect, Msg, Page, SAMPLE_DECISION};
use crate::protocol::JobsPage;
use crate::protocol::JOBS_PAGE;
use crate::ui::model::{ApiError, LoadEvent, Summary};
use crate::view::{self, Filter, Job, JobState, Listing, Row, UrlState};

/// The quick filter applies after this pause in typing.
pub const FILTER_PAUSE_MS: u32 = 150;

pub enum PushMsg {
    FormRoot(String),
    FormDecision(String),
    /// Load the push the form names (the selection is cleared).
    Load,
    /// Load the push again after a failure.
    RetryLoad,
    /// Progress of the load numbered so (an older load's news is dropped).
    Progress(u32, LoadEvent),
    Loaded(u32, Result<String, ApiError>),
    /// One page of the graph's grid (a big push's jobs arrive in several short tasks).
    JobsLoaded(u32, Result<String, ApiError>),
    /// Grouping the graph's grid into rows, in a task of its own: the push is ready.
    BuildRows,
    /// Group the early grid's jobs into rows, in a task of its own.
    EarlyRows,
    /// The next step of grouping the grid's rows (see `Page::rows_step`).
    RowsStep(u32),
    ToggleRunnable,
    /// A keystroke in the quick filter (applied after a short pause in typing).
    FilterText(String),
    ApplyFilter,
    ToggleTier(u64),
    ToggleGroup(String),
    ToggleExpandAll,
    ShowMoreRows,
    /// The rest of the first screenful of new rows (see `Push::reset_visible_rows`).
    FillRows,
}

/// Where the push is in its life on this page.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Idle,
    /// The decision, its artifacts and the task graph download; an early grid may show, and
    /// picks are previewed once the push is ready for previews (`Push::summary`).
    Loading(Box<Loading>),
    /// The graph is in: its own grid arrives in pages (`step` says how far); the early grid
    /// stays on screen meanwhile.
    Grid {
        step: String,
        received: Vec<Job>,
        /// The pages are asked for once the preview of early picks is on screen (they would
        /// keep this thread busy before the preview's answer).
        after_preview: bool,
        listing: Option<Listing>,
    },
    Ready,
    /// Why the push did not load (`None`: said in the error banners).
    Failed(Option<String>),
}

/// The download phase's own state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Loading {
    /// The latest step reported.
    pub step: LoadEvent,
    /// The graph's download (bytes so far, expected when known), for "waiting for the task
    /// graph: 62%".
    pub graph: Option<(f64, Option<f64>)>,
    /// How far the task group listing is while the early grid shows.
    pub listing: Option<Listing>,
    /// Early pages received so far.
    pub(super) early: Vec<Job>,
    /// States from the task group listing, applied with the next grouping of the early grid.
    pub(super) states: Vec<JobState>,
    /// A grouping of the early grid is scheduled.
    pub(super) rows_due: bool,
    /// The last grouping waited for the grid to let go of the spare copy of the jobs.
    pub(super) waited: bool,
    /// The early grid's rows are grouped (or being grouped): while runnable jobs show,
    /// states change what the rows' jobs look like, not which jobs are in them.
    pub(super) grouped: bool,
}

/// The push on screen and its grid.
pub struct Push {
    pub form_root: String,
    pub form_decision: String,
    pub phase: Phase,
    /// Set once the push is ready for previews (before the load's end).
    pub summary: Option<Rc<Summary>>,
    pub jobs: Rc<Vec<Job>>,
    /// How many of `jobs` can be added (counted once per load, not per render).
    pub runnable: usize,
    /// The jobs on screen come from `runnable-jobs.json` and the task group: the graph is
    /// still on its way.
    pub early_grid: bool,
    /// The early grid's jobs taking task states without a copy per page of states.
    pub(super) early_jobs: view::EarlyJobs,
    pub rows: Rc<Vec<Row>>,
    /// A grouping of the rows under way in steps, and the number of the latest one.
    pub(super) rows_steps: Option<view::RowsBuilder>,
    pub(super) rows_seq: u32,
    pub filter: Filter,
    /// The quick filter's text as typed (`filter.text` follows after a pause).
    pub filter_input: String,
    pub expanded: Rc<HashSet<String>>,
    pub expand_all: bool,
    pub visible_rows: usize,
    /// The rows to draw once the first frame of new rows is out (see [`Push::fill_due`]).
    fill_to: usize,
    /// The number of the latest load.
    pub seq: u32,
}

impl Push {
    pub fn new(url: &UrlState, origin: String) -> Push {
        let mut filter = Filter::treeherder_default();
        filter.runnable = url.runnable || !url.selected.is_empty();
        Push {
            form_root: url.root_url.clone().unwrap_or(origin),
            form_decision: url
                .decision_task_id
                .clone()
                .unwrap_or_else(|| SAMPLE_DECISION.into()),
            phase: Phase::Idle,
            summary: None,
            jobs: Rc::default(),
            runnable: 0,
            early_grid: false,
            early_jobs: view::EarlyJobs::default(),
            rows: Rc::default(),
            rows_steps: None,
            rows_seq: 0,
            filter,
            filter_input: String::new(),
            expanded: Rc::default(),
            expand_all: false,
            visible_rows: 40,
            fill_to: 40,
            seq: 0,
        }
    }

    /// Every group shows its jobs: the global toggle is on, or the quick filter narrows.
    pub fn groups_expanded(&self) -> bool {
        self.expand_all || !self.filter.text.trim().is_empty()
    }

    /// The grid is on screen (early or the graph's own).
    pub fn grid_shown(&self) -> bool {
        self.phase == Phase::Ready || self.early_grid
    }

    /// What a pick waits for while the graph downloads: "the task graph: 62%".
    pub fn waiting_for(&self) -> Option<String> {
        if self.summary.is_some() {
            return None;
        }
        let Phase::Loading(loading) = &self.phase else {
            return None;
        };
        Some(match loading.graph {
            Some((loaded, Some(total))) => {
                format!("the task graph: {}%", percent(loaded, total))
            }
            Some((loaded, _)) => match so_far(loaded) {
                Some(amount) => format!("the task graph: {amount}"),
                None => "the task graph".to_string(),
            },
            None => "the task graph".to_string(),
        })
    }

    /// The runnable count may still go down: the early grid shows and its task group is not
    /// all listed (until a job's task is listed, it counts as runnable).
    pub fn runnable_provisional(&self) -> bool {
        self.early_grid && self.listing().is_none_or(|l| !l.done)
    }

    /// The listing of the task group, while the early grid shows.
    pub fn listing(&self) -> Option<Listing> {
        match &self.phase {
            Phase::Loading(l) => l.listing,
            Phase::Grid { listing, .. } => *listing,
            _ => None,
        }
    }

    /// Forgets the push on screen and every step of loading it (a new load starts, or a load
    /// failed: nothing half-loaded stays, and no grouping still under way lands).
    fn clear(&mut self) {
        self.summary = None;
        self.jobs = Rc::default();
        self.rows = Rc::default();
        self.rows_steps = None;
        self.rows_seq += 1;
        self.runnable = 0;
        self.early_grid = false;
        self.early_jobs = view::EarlyJobs::default();
    }

    #[inline(never)]
    pub(super) fn rebuild_rows(&mut self) {
        // A grouping in steps that is under way is out of date.
        self.rows_steps = None;
        self.rows_seq += 1;
        self.rows = Rc::new(view::rows(&self.jobs, &self.filter));
        self.reset_visible_rows();
    }

    /// Expanded groups make long rows: start with fewer of them (more come on scrolling).
    /// New rows are drawn in two frames, half of the first screenful and then the rest, so
    /// that laying out and painting them never takes one long task on a big push.
    pub(super) fn reset_visible_rows(&mut self) {
        self.fill_to = if self.groups_expanded() { 12 } else { 30 };
        self.visible_rows = self.fill_to / 2;
    }

    /// Whether rows are left to draw in a frame of their own.
    pub(super) fn fill_due(&self) -> bool {
        self.visible_rows < self.fill_to.min(self.rows.len())
    }

    pub(super) fn set_jobs(&mut self, jobs: Vec<Job>) {
        self.runnable = jobs.iter().filter(|j| j.is_runnable()).count();
        self.jobs = Rc::new(jobs);
    }
}

impl Page {
    /// The push's messages. It runs for every progress message, so the browser optimizes it on
    /// each load: the bigger handlers it calls are `#[inline(never)]` (and wasm-opt inlines no
    /// big function into its only caller, see index.html), keeping it about 2 kB instead of 22.
    pub(super) fn push_update(&mut self, msg: PushMsg) -> bool {
        match msg {
            PushMsg::FormRoot(v) => self.push.form_root = v,
            PushMsg::FormDecision(v) => self.push.form_decision = v,
            PushMsg::Load => {
                self.picks.selected = Rc::default();
                self.load();
            }
            PushMsg::RetryLoad => self.load(),
            PushMsg::Progress(seq, _) | PushMsg::Loaded(seq, _) | PushMsg::JobsLoaded(seq, _)
                if seq != self.push.seq =>
            {
                return false
            }
            PushMsg::Progress(_, p) => return self.progress(p),
            PushMsg::Loaded(_, Ok(text)) => self.loaded(&text),
            PushMsg::Loaded(_, Err(e)) | PushMsg::JobsLoaded(_, Err(e)) => {
                // Nothing half-loaded stays: no early grid, no summary.
                self.push.clear();
                self.push.phase = Phase::Failed(Some(load_failure(&e)));
            }
            PushMsg::JobsLoaded(_, Ok(text)) => return self.jobs_page(&text),
            PushMsg::BuildRows => {
                self.push.rebuild_rows();
                self.picks.refresh_search(&self.push.jobs);
                self.push.phase = Phase::Ready;
                if self.picks.preview.is_none() && !self.picks.previewing {
                    self.request_preview();
                }
                // Grouping 50k jobs takes most of a task: the grid is drawn in the next one.
                return self.redraw_later();
            }
            PushMsg::EarlyRows => return self.early_rows(),
            PushMsg::RowsStep(seq) => return self.rows_step(seq),
            PushMsg::ToggleRunnable => {
                self.push.filter.runnable = !self.push.filter.runnable;
                self.push.rebuild_rows();
                self.sync_url();
            }
            PushMsg::FilterText(text) => {
                self.push.filter_input = text;
                self.emit(Effect::FilterTimer(FILTER_PAUSE_MS));
                return false;
            }
            PushMsg::ApplyFilter => {
                self.push.filter.text = self.push.filter_input.clone();
                self.push.rebuild_rows();
            }
            PushMsg::ToggleTier(tier) => {
                let mut tiers: BTreeSet<u64> = self.push.filter.tiers.clone();
                if !tiers.remove(&tier) {
                    tiers.insert(tier);
                }
                // At least one tier stays selected, as in Treeherder.
                if !tiers.is_empty() {
                    self.push.filter.tiers = tiers;
                    self.push.rebuild_rows();
                }
            }
            PushMsg::ToggleGroup(key) => {
                let mut expanded = (*self.push.expanded).clone();
                if !expanded.remove(&key) {
                    expanded.insert(key);
                }
                self.push.expanded = Rc::new(expanded);
            }
            PushMsg::ToggleExpandAll => self.push.expand_all = !self.push.expand_all,
            PushMsg::ShowMoreRows => {
                if self.push.visible_rows >= self.push.rows.len() {
                    return false;
                }
                self.push.visible_rows += 30;
                self.push.fill_to = self.push.visible_rows;
            }
            PushMsg::FillRows => {
                if !self.push.fill_due() {
                    return false;
                }
                self.push.visible_rows = self.push.fill_to;
            }
        }
        true
    }

    #[inline(never)]
    pub(super) fn load(&mut self) {
        let root = self.push.form_root.trim().trim_end_matches('/').to_string();
        let decision = self.push.form_decision.trim().to_string();
        if root.is_empty() || decision.is_empty() {
            self.errors
                .push("Give a Taskcluster root URL and a decision taskId.".into());
            return;
        }
        self.url.root_url = Some(root.clone());
        self.url.decision_task_id = Some(decision.clone());
        self.push.clear();
        let step = LoadEvent::Step(format!("decision task {decision}"));
        self.push.phase = Phase::Loading(Box::new(Loading {
            step,
            ..Loading::default()
        }));
        self.picks.preview = None;
        self.picks.graph = None;
        // A load still listing its task group may be overtaken: its news is dropped.
        self.push.seq += 1;
        let seq = self.push.seq;
        // The worker sends the load's first requests (and run 0's graph, which it most likely
        // asks for next) while its engine starts.
        let prefetch = crate::taskcluster::early_requests(&root, &decision);
        self.emit(Effect::Call {
            op: "load",
            args: json!({"rootUrl": root, "decisionTaskId": decision, "prefetch": prefetch}),
            progress: Some(Box::new(move |p| Msg::Push(PushMsg::Progress(seq, p)))),
            reply: Box::new(move |r| Msg::Push(PushMsg::Loaded(seq, r))),
        });
        self.sync_url();
    }

    #[inline(never)]
    fn progress(&mut self, event: LoadEvent) -> bool {
        if !matches!(self.push.phase, Phase::Loading(_)) {
            return false;
        }
        match &event {
            LoadEvent::Jobs(text) => return self.early_page(text),
            LoadEvent::Ready(text) => return self.ready(text),
            LoadEvent::Download { .. } | LoadEvent::Step(_) => {}
        }
        if let Phase::Loading(loading) = &mut self.push.phase {
            if let LoadEvent::Download { url, loaded, total } = &event {
                if url.contains("full-task-graph") {
                    loading.graph = Some((*loaded, *total));
                }
            }
            loading.step = event;
        }
        true
    }

    /// Draws the page in a task of its own, after an update that took most of one.
    pub(super) fn redraw_later(&mut self) -> bool {
        self.emit(Effect::Later(0, Msg::Redraw));
        false
    }

    /// The push is ready for previews while its task group is still being listed: picks
    /// (on the early grid, or from the URL) are previewed now; the graph's grid comes at the
    /// load's end.
    fn ready(&mut self, text: &str) -> bool {
        if self.push.summary.is_some() {
            return false;
        }
        let Ok(summary) = serde_json::from_str::<Summary>(text) else {
            return false;
        };
        self.push.summary = Some(Rc::new(summary));
        if !self.picks.selected.is_empty() {
            self.request_preview();
        }
        true
    }

    /// The load is over: the graph's own grid is asked for, page by page (after the preview
    /// of early picks, if one is under way).
    #[inline(never)]
    fn loaded(&mut self, text: &str) {
        let summary = match serde_json::from_str::<Summary>(text) {
            Ok(summary) => summary,
            Err(e) => {
                self.push.phase = Phase::Failed(None);
                self.errors.push(format!("unreadable push summary: {e}"));
                return;
            }
        };
        // Previewed since the push was ready (`ready`): only the grid is left.
        let previewed = self.push.summary.is_some();
        self.push.summary = Some(Rc::new(summary));
        let listing = self.push.listing();
        if self.push.early_grid && !self.picks.selected.is_empty() && !previewed {
            self.request_preview();
        }
        let after_preview = self.picks.previewing;
        self.push.phase = Phase::Grid {
            step: "building the job grid".into(),
            received: Vec::new(),
            after_preview,
            listing,
        };
        if !after_preview {
            self.request_jobs();
        }
    }

    /// The preview of early picks is in: the graph's grid is asked for if it waited.
    pub(super) fn grid_after_preview(&mut self) {
        if let Phase::Grid { after_preview, .. } = &mut self.push.phase {
            if std::mem::take(after_preview) {
                self.request_jobs();
            }
        }
    }

    /// Asks for the next page of the graph's grid.
    fn request_jobs(&mut self) {
        let Phase::Grid { received, .. } = &self.push.phase else {
            return;
        };
        let offset = received.len();
        let seq = self.push.seq;
        self.call(
            "jobsPage",
            json!({"offset": offset, "limit": JOBS_PAGE}),
            move |r| Msg::Push(PushMsg::JobsLoaded(seq, r)),
        );
    }

    #[inline(never)]
    fn jobs_page(&mut self, text: &str) -> bool {
        let mut page = match serde_json::from_str::<JobsPage<Vec<Job>>>(text) {
            Ok(page) => page,
            Err(e) => {
                self.push.phase = Phase::Failed(None);
                self.errors.push(format!("unreadable job list: {e}"));
                return true;
            }
        };
        let Phase::Grid { step, received, .. } = &mut self.push.phase else {
            return false;
        };
        view::prepare(&mut page.jobs);
        received.extend(page.jobs);
        if received.len() < page.total {
            // An early grid stays on screen meanwhile.
            *step = format!(
                "building the job grid: {} of {} jobs",
                received.len(),
                page.total
            );
            self.request_jobs();
            return true;
        }
        let jobs = std::mem::take(received);
        let known: HashSet<&str> = jobs.iter().map(|j| &*j.label).collect();
        let unknown: Vec<String> = self
            .picks
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
        self.push.set_jobs(jobs);
        self.push.early_grid = false;
        // Group in a task of its own.
        self.emit(Effect::Later(0, Msg::Push(PushMsg::BuildRows)));
        false
    }
}
