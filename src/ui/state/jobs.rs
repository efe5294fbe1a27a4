//! Existing jobs: the details panel of the job clicked, the pinboard (Ctrl/Cmd+click), the
//! push's Actions menu, and Treeherder's Retrigger; each opens an action in the action dialog
//! (`trigger.rs`).

use std::collections::BTreeSet;
use std::rc::Rc;

use serde_json::json;

use super::{toggled, Msg, Page};
use crate::ui::actions::ActionState;
use crate::ui::model::{ApiError, Offered};

pub enum JobMsg {
    /// An existing job was clicked: its details panel and the actions offered for it; with
    /// Ctrl or Cmd (`true`) it is pinned or unpinned too, as in Treeherder.
    SelectJob((String, bool)),
    CloseJob,
    /// Treeherder's Retrigger (key `r`): these jobs, once the push's actions are known.
    Retrigger(Vec<String>),
    /// The push's actions, for a Retrigger of these jobs.
    RetriggerOffered(Vec<String>, Result<String, ApiError>),
    ClearPinboard,
    /// Open or close the push's task-group actions menu.
    GroupActions(bool),
    /// `actionsFor` answered (for the job panel if `true`, else the push menu).
    Offered(bool, Result<String, ApiError>),
    /// Open the action dialog for an offered action (on the selected job for task actions).
    OpenAction(Offered, bool),
}

/// The actions offered, or why they are unknown.
pub type OfferedList = Result<Rc<Vec<Offered>>, String>;

#[derive(Default)]
pub struct Jobs {
    /// The existing job whose details panel is open.
    pub panel: Option<String>,
    /// The actions offered for it (`None` while loading).
    pub panel_actions: Option<OfferedList>,
    /// The push's task-group actions menu, when open (its actions `None` while loading).
    pub group_actions: Option<Option<OfferedList>>,
    /// Existing jobs pinned to retrigger together.
    pub pinned: Rc<BTreeSet<String>>,
    /// The failed test jobs, found when the push's Actions menu opens (not on every render).
    pub failed_tests: Rc<Vec<String>>,
}

/// The worker's `actionsFor` answer: the actions offered, or a message for the page.
fn offered_actions(result: Result<String, ApiError>) -> Result<Vec<Offered>, String> {
    let text = result.map_err(|e| format!("{} [{}]", e.message, e.kind))?;
    serde_json::from_str(&text).map_err(|e| format!("unreadable actions: {e}"))
}

impl Page {
    pub(super) fn jobs_update(&mut self, msg: JobMsg) -> bool {
        match msg {
            JobMsg::SelectJob((label, pin)) => {
                if pin {
                    self.jobs.pinned = toggled(&self.jobs.pinned, &label);
                }
                self.jobs.panel_actions = None;
                self.call("actionsFor", json!({"taskLabel": label}), |r| {
                    Msg::Jobs(JobMsg::Offered(true, r))
                });
                self.jobs.panel = Some(label);
            }
            JobMsg::CloseJob => {
                self.jobs.panel = None;
                self.jobs.panel_actions = None;
            }
            JobMsg::Retrigger(tasks) => {
                if tasks.is_empty() {
                    return false;
                }
                self.call("actionsFor", json!({}), move |r| {
                    Msg::Jobs(JobMsg::RetriggerOffered(tasks, r))
                });
                return false;
            }
            JobMsg::RetriggerOffered(tasks, result) => {
                // As Treeherder: retrigger-multiple, else add-new-jobs of the same labels.
                let chosen = offered_actions(result).and_then(|list| {
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
                        self.jobs.group_actions = None;
                        self.open_action(ActionState::for_tasks(&offered, tasks));
                    }
                    Err(e) => self.errors.push(e),
                }
            }
            JobMsg::ClearPinboard => self.jobs.pinned = Rc::default(),
            JobMsg::GroupActions(open) => {
                self.jobs.group_actions = open.then_some(None);
                if open {
                    self.jobs.failed_tests = Rc::new(self.failed_tests());
                    self.call("actionsFor", json!({}), |r| {
                        Msg::Jobs(JobMsg::Offered(false, r))
                    });
                }
            }
            JobMsg::Offered(for_job, result) => {
                // Add New Jobs has its own flow on this page; Treeherder sends
                // retrigger-multiple for several selected jobs, which this page has no
                // selection for.
                let offered = offered_actions(result).map(|list| {
                    Rc::new(
                        list.into_iter()
                            .filter(|a| {
                                !matches!(a.name.as_str(), "add-new-jobs" | "retrigger-multiple")
                            })
                            .collect::<Vec<_>>(),
                    )
                });
                if for_job {
                    self.jobs.panel_actions = Some(offered);
                } else if self.jobs.group_actions.is_some() {
                    self.jobs.group_actions = Some(Some(offered));
                }
            }
            JobMsg::OpenAction(offered, on_job) => {
                let task = if on_job {
                    self.jobs.panel.clone()
                } else {
                    None
                };
                self.jobs.group_actions = None;
                self.open_action(ActionState::new(&offered, task));
            }
        }
        true
    }

    /// Failed test jobs of the push (Treeherder's "Retrigger all failed test jobs": builds and
    /// lint excluded).
    fn failed_tests(&self) -> Vec<String> {
        self.push
            .jobs
            .iter()
            .filter(|j| {
                &*j.state == "testfailed" && !j.kind.contains("build") && !j.kind.contains("lint")
            })
            .map(|j| j.label.to_string())
            .collect()
    }
}
