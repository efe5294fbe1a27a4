//! The jobs picked (kept in the URL), their live preview and graph view, the search dialog
//! that picks by query, and the exports of the preview and the trigger request.

use std::collections::BTreeSet;
use std::rc::Rc;

use serde_json::json;

use super::{parse, toggled, Effect, Msg, Page};
use crate::ui::actions::ActionState;
use crate::ui::model::{ApiError, GraphView, Preview};
use crate::view::{self, Job, UrlState};

pub enum PickMsg {
    ToggleJob(String),
    /// `[All]` on a group: select these labels, or deselect them if all are selected.
    ToggleMany(Vec<String>),
    ClearSelection,
    SetTimes(u32),
    Previewed(u32, Result<String, ApiError>),
    GraphLoaded(u32, Result<String, ApiError>),
    /// The task whose why-path and graph neighbourhood are shown.
    Focus(String),
    GraphWide(bool),
    OpenSearch,
    CloseSearch,
    SearchQuery(String),
    /// Add every match of the search to the picks.
    SearchSelect,
    /// Download `preview` (the preview) or `request` (the trigger request) as JSON.
    Export(&'static str),
    Exported(&'static str, Result<String, ApiError>),
}

/// The picks and what is shown of them.
pub struct Picks {
    pub selected: Rc<BTreeSet<String>>,
    pub preview: Option<Rc<Preview>>,
    pub previewing: bool,
    pub error: Option<ApiError>,
    /// The number of the latest preview (older answers are dropped).
    seq: u32,
    pub graph: Option<Rc<GraphView>>,
    pub focus: Option<String>,
    pub graph_wide: bool,
    pub search_open: bool,
    pub search_query: String,
    pub search_hits: Rc<Vec<usize>>,
}

impl Picks {
    pub fn new(url: &UrlState) -> Picks {
        Picks {
            selected: Rc::new(url.selected.iter().cloned().collect()),
            preview: None,
            previewing: false,
            error: None,
            seq: 0,
            graph: None,
            focus: None,
            graph_wide: false,
            search_open: false,
            search_query: url.search.clone(),
            search_hits: Rc::default(),
        }
    }

    /// The search's matches in a new grid.
    pub(super) fn refresh_search(&mut self, jobs: &[Job]) {
        if !self.search_query.is_empty() {
            self.search_hits = Rc::new(view::search(jobs, &self.search_query));
        }
    }

    /// Why the current preview cannot be triggered (add-new-jobs' JSON-e is refused).
    pub fn refused(&self) -> Option<String> {
        self.preview.as_ref().and_then(|p| {
            p.warnings
                .iter()
                .find(|w| w.kind == "action-unavailable")
                .map(|w| w.message.clone())
        })
    }
}

impl Page {
    pub(super) fn picks_update(&mut self, msg: PickMsg) -> bool {
        match msg {
            PickMsg::ToggleJob(label) => {
                self.picks.selected = toggled(&self.picks.selected, &label);
                self.request_preview();
            }
            PickMsg::ToggleMany(labels) => {
                let mut selected = (*self.picks.selected).clone();
                if labels.iter().all(|l| selected.contains(l)) {
                    for l in &labels {
                        selected.remove(l);
                    }
                } else {
                    selected.extend(labels);
                }
                self.picks.selected = Rc::new(selected);
                self.request_preview();
            }
            PickMsg::ClearSelection => {
                self.picks.selected = Rc::default();
                self.request_preview();
            }
            PickMsg::SetTimes(times) => {
                self.url.times = times.clamp(1, 100);
                self.request_preview();
            }
            PickMsg::Previewed(seq, result) => {
                if seq != self.picks.seq {
                    return false;
                }
                self.picks.previewing = false;
                self.grid_after_preview();
                match parse::<Preview>(result) {
                    Ok(preview) => {
                        self.picks.preview = Some(Rc::new(preview));
                        self.picks.error = None;
                        self.call(
                            "graphView",
                            json!({"limit": crate::protocol::GRAPH_VIEW}),
                            move |r| Msg::Picks(PickMsg::GraphLoaded(seq, r)),
                        );
                    }
                    Err(e) => {
                        self.picks.preview = None;
                        self.picks.graph = None;
                        self.picks.error = Some(e);
                    }
                }
            }
            PickMsg::GraphLoaded(seq, result) => {
                if seq != self.picks.seq {
                    return false;
                }
                match result.map(|t| serde_json::from_str::<GraphView>(&t)) {
                    Ok(Ok(graph)) => self.picks.graph = Some(Rc::new(graph)),
                    Ok(Err(e)) => self.errors.push(format!("unreadable graph view: {e}")),
                    Err(e) => self.errors.push(format!("graph view: {}", e.message)),
                }
            }
            PickMsg::Focus(label) => self.picks.focus = Some(label),
            PickMsg::GraphWide(wide) => self.picks.graph_wide = wide,
            PickMsg::OpenSearch => self.picks.search_open = true,
            PickMsg::CloseSearch => self.picks.search_open = false,
            PickMsg::SearchQuery(query) => {
                self.picks.search_hits = Rc::new(view::search(&self.push.jobs, &query));
                self.picks.search_query = query.clone();
                self.url.search = query;
                self.sync_url();
            }
            PickMsg::SearchSelect => {
                let jobs = &self.push.jobs;
                let labels = self
                    .picks
                    .search_hits
                    .iter()
                    .filter_map(|&i| jobs.get(i))
                    .map(|j| j.label.to_string());
                let mut selected = (*self.picks.selected).clone();
                selected.extend(labels);
                self.picks.selected = Rc::new(selected);
                self.picks.search_open = false;
                self.push.filter.runnable = true;
                self.push.rebuild_rows();
                self.request_preview();
            }
            PickMsg::Export(what) => {
                let (op, args) = if what == "preview" {
                    (
                        "preview",
                        json!({"labels": self.labels(), "times": self.url.times}),
                    )
                } else {
                    let action = ActionState::for_picks(self.labels(), self.url.times);
                    ("actionTriggerRequest", action.request().unwrap_or_default())
                };
                self.call(op, args, move |r| Msg::Picks(PickMsg::Exported(what, r)));
                return false;
            }
            PickMsg::Exported(what, result) => {
                let name = if what == "preview" {
                    "preview.json"
                } else {
                    "trigger-request.json"
                };
                match result {
                    Ok(text) => self.emit(Effect::Download { name, text }),
                    Err(e) => {
                        self.errors
                            .push(format!("Export of {name} failed: {}", e.message));
                        return true;
                    }
                }
                return false;
            }
        }
        true
    }

    /// Previews the picks (the graph view follows); with no picks, the preview goes. Before the
    /// push is ready for previews, the preview waits for it (`Page::ready`).
    #[inline(never)]
    pub(super) fn request_preview(&mut self) {
        self.sync_url();
        self.picks.seq += 1;
        let seq = self.picks.seq;
        if self.picks.selected.is_empty() {
            self.picks.preview = None;
            self.picks.graph = None;
            self.picks.previewing = false;
            self.picks.error = None;
            return;
        }
        if self.push.summary.is_none() {
            return;
        }
        self.picks.previewing = true;
        let args = json!({"labels": self.labels(), "times": self.url.times, "definitions": false, "withKinds": true});
        self.call("preview", args, move |r| {
            Msg::Picks(PickMsg::Previewed(seq, r))
        });
    }
}
