//! The actions of actions.json: what the action dialog sends ([`ActionState`]: the page's
//! picks as add-new-jobs, or any other action with its input), the job details panel (an
//! existing job's symbol, label, state, taskId and the actions actions.json offers for it) and
//! the list of offered actions (the job's, the push's task-group actions).

use std::rc::Rc;

use yew::prelude::*;

use super::dialogs::Modal;
use super::model::{ActionPreview, Offered};
use crate::protocol::add_new_jobs_input;
use crate::view::{shown, Job};

/// What the action dialog shows and sends.
#[derive(Clone, PartialEq)]
pub struct ActionState {
    /// The action's name in actions.json (`retrigger`, `rebuild-cached-tasks`, ...).
    pub name: String,
    pub title: String,
    /// The callback it runs (`retrigger-disabled` takes `force`).
    pub cb_name: String,
    /// The task it acts on (task actions), else the task group.
    pub task_label: Option<String>,
    /// The jobs of a retrigger of several (retrigger-multiple, or add-new-jobs where a push
    /// has no retrigger-multiple, as Treeherder falls back).
    pub tasks: Vec<String>,
    pub times: u32,
    pub downstream: bool,
    pub force: bool,
    /// The input as JSON text, for actions without a form of their own (backfill-task, …),
    /// prefilled with the schema's defaults as Treeherder's custom action dialog does.
    pub custom: Option<String>,
    pub preview: Option<Rc<ActionPreview>>,
    pub previewing: bool,
    pub error: Option<String>,
    pub sending: bool,
    /// The hook the action triggers (`hookGroupId`, `hookId`), once its request is rendered.
    pub hook: Option<(String, String)>,
    /// The rendered trigger request (JSON text), shown as "the exact request".
    pub rendered: Option<String>,
    /// Add-new-jobs of the page's picks (the Trigger button): its preview is the page's own,
    /// its times the page's, and its action task is followed and compared with the preview.
    pub picks: bool,
}

impl ActionState {
    pub fn new(offered: &Offered, task_label: Option<String>) -> ActionState {
        ActionState {
            name: offered.name.clone(),
            title: offered.title.clone(),
            cb_name: offered.cb_name.clone(),
            task_label,
            tasks: Vec::new(),
            times: 1,
            downstream: false,
            force: false,
            custom: custom_input(offered),
            preview: None,
            previewing: false,
            error: None,
            sending: false,
            hook: None,
            rendered: None,
            picks: false,
        }
    }

    /// Add-new-jobs of the page's picks, `times` times (the Trigger button): previewed by the
    /// page already.
    pub fn for_picks(labels: Vec<String>, times: u32) -> ActionState {
        ActionState {
            tasks: labels,
            times,
            picks: true,
            ..ActionState::new(
                &Offered {
                    name: "add-new-jobs".into(),
                    title: "Add new jobs".into(),
                    cb_name: "add-new-jobs".into(),
                    ..Offered::default()
                },
                None,
            )
        }
    }

    /// Treeherder's Retrigger of the selected and pinned jobs: retrigger-multiple with one
    /// request, or add-new-jobs of the same labels.
    pub fn for_tasks(offered: &Offered, tasks: Vec<String>) -> ActionState {
        ActionState {
            tasks,
            ..ActionState::new(offered, None)
        }
    }

    /// It acts on the jobs in `tasks` (retrigger-multiple, add-new-jobs), not on one task or
    /// the whole push.
    pub fn acts_on_several(&self) -> bool {
        matches!(self.name.as_str(), "retrigger-multiple" | "add-new-jobs")
    }

    /// The action's input, as its schema in actions.json takes it.
    pub fn input(&self) -> Result<serde_json::Value, String> {
        if let Some(text) = &self.custom {
            return match serde_json::from_str::<serde_json::Value>(text) {
                Ok(v) if v.is_object() => Ok(v),
                Ok(_) => Err("The input must be a JSON object.".into()),
                Err(e) => Err(format!("The input is not JSON: {e}")),
            };
        }
        let mut input = serde_json::Map::new();
        match self.name.as_str() {
            "retrigger-multiple" => {
                input.insert(
                    "requests".into(),
                    serde_json::json!([{"tasks": self.tasks, "times": self.times}]),
                );
            }
            "add-new-jobs" => return Ok(add_new_jobs_input(&self.tasks, self.times)),
            _ => {}
        }
        if self.name == "retrigger" {
            if self.times != 1 {
                input.insert("times".into(), self.times.into());
            }
            if self.downstream {
                input.insert("downstream".into(), true.into());
            }
            if self.force {
                input.insert("force".into(), true.into());
            }
        }
        Ok(serde_json::Value::Object(input))
    }

    /// The request for `previewAction` and `triggerAction`.
    pub fn request(&self) -> Result<serde_json::Value, String> {
        let mut request = serde_json::json!({"action": self.name, "input": self.input()?});
        if let Some(label) = &self.task_label {
            request["taskLabel"] = label.clone().into();
        }
        Ok(request)
    }
}

/// The JSON input box of an action without a form here: its schema's defaults (`None` for
/// the actions with a form, and for those whose schema takes no input).
fn custom_input(offered: &Offered) -> Option<String> {
    if matches!(
        offered.name.as_str(),
        "retrigger" | "retrigger-multiple" | "add-new-jobs"
    ) {
        return None;
    }
    let properties = offered.schema.as_ref()?.get("properties")?.as_object()?;
    if properties.is_empty() {
        return None;
    }
    let defaults: serde_json::Map<String, serde_json::Value> = properties
        .iter()
        .filter_map(|(k, p)| p.get("default").map(|d| (k.clone(), d.clone())))
        .collect();
    serde_json::to_string_pretty(&defaults).ok()
}

/// An input of the action dialog changed.
#[derive(Clone, PartialEq)]
pub enum ActionField {
    Times(u32),
    Downstream(bool),
    Force(bool),
    /// The JSON input box, when it loses focus (previewed).
    Custom(String),
    /// The JSON input box as it is typed (kept, so a re-render keeps it; not previewed).
    Typing(String),
}

#[derive(Properties, PartialEq)]
pub struct JobPanelProps {
    pub job: Job,
    pub root_url: String,
    /// `None` while the offered actions load.
    pub offered: Option<Rc<Vec<Offered>>>,
    pub error: Option<String>,
    pub on_action: Callback<Offered>,
    pub on_close: Callback<()>,
    /// Treeherder's Retrigger button: this job and the pinned ones (retrigger-multiple).
    pub on_retrigger: Callback<()>,
    /// How many jobs are pinned.
    pub pinned: usize,
}

/// The job details panel, as in Treeherder's: what the job is, and its actions. One
/// Retrigger: the action bar's (this job and the pinned ones, as Treeherder's); actions.json's
/// own `retrigger` entry ("Retrigger", or "Retrigger (disabled)" for a task that should be
/// rerun) is not listed again but offered as the bar's "Options…" (times, downstream, force).
#[function_component(JobPanel)]
pub fn job_panel(props: &JobPanelProps) -> Html {
    let job = &props.job;
    let retrigger = props
        .offered
        .as_ref()
        .and_then(|o| o.iter().find(|a| a.name == "retrigger"))
        .cloned();
    let others: Option<Vec<Offered>> = props.offered.as_ref().map(|o| {
        o.iter()
            .filter(|a| a.name != "retrigger")
            .cloned()
            .collect()
    });
    let options = retrigger.map(|action| {
        let why = action.unavailable.clone().or_else(|| action.preview.clone());
        let title = match &why {
            Some(why) => format!("{}: {why}", action.title),
            None => format!("{}: times, with the tasks that depend on it (actions.json: {})", action.title, action.description),
        };
        let on_action = props.on_action.clone();
        html! {
            <button class="action-btn" id="job-retrigger-options" data-action="retrigger" title={title}
                aria-label="Retrigger options…" disabled={why.is_some()}
                onclick={Callback::from(move |_| on_action.emit(action.clone()))}>{"Options…"}</button>
        }
    });
    html! {
        <Modal id="job-panel" labelled_by="job-panel-title" class={classes!("job-panel")} backdrop=false
            page_keys={vec!["r"]} data_label={AttrValue::from(job.label.clone())} on_close={props.on_close.clone()}>
            <div class="job-panel-head">
                <span class={classes!("job-btn", format!("state-{}", job.state))} aria-hidden="true">{&job.symbol}</span>
                <h2 class="job-label" id="job-panel-title">{shown(&job.label)}</h2>
                <button class="close" title="Close (Esc)" aria-label="Close" onclick={props.on_close.reform(|_| ())}>{"×"}</button>
            </div>
            <dl>
                <dt>{"Symbol"}</dt><dd>{&job.symbol}</dd>
                <dt>{"State"}</dt><dd id="job-state">{&job.state}</dd>
                <dt>{"Kind"}</dt><dd>{&job.kind}</dd>
                if let Some(task_id) = &job.task_id {
                    <dt>{"Task"}</dt>
                    <dd><a id="job-task-id" href={format!("{}/tasks/{task_id}", props.root_url)} target="_blank">{task_id}</a></dd>
                }
            </dl>
            <div class="job-action-bar">
                <button class="btn-push" id="job-retrigger" title="Retrigger this job and the pinned ones (key r)"
                    onclick={props.on_retrigger.reform(|_| ())}>
                    { if props.pinned > 0 { format!("Retrigger (+{} pinned)", props.pinned) } else { "Retrigger".to_string() } }
                </button>
                {options}
            </div>
            <h3>{"Actions"}</h3>
            { offered_list(others.as_ref(), props.error.as_deref(), &props.on_action, "job-actions") }
        </Modal>
    }
}

/// The actions offered (buttons for previewable ones, the reason for the others: no preview,
/// or unavailable because actions.json's JSON-e for it is refused).
pub fn offered_list(
    offered: Option<&Vec<Offered>>,
    error: Option<&str>,
    on_action: &Callback<Offered>,
    id: &'static str,
) -> Html {
    if let Some(error) = error {
        return html! { <p class="error-text">{error}</p> };
    }
    let Some(offered) = offered else {
        return html! { <p class="loading">{"Loading the actions of actions.json…"}</p> };
    };
    if offered.is_empty() {
        return html! { <p>{"actions.json offers no action here."}</p> };
    }
    html! {
        <ul class="offered-actions" id={id}>
            {for offered.iter().map(|a| {
                let action = a.clone();
                let on_action = on_action.clone();
                if let Some(why) = &a.unavailable {
                    return html! {
                        <li class="unavailable" data-action={a.name.clone()}>
                            <button disabled=true title={why.clone()}>{&a.title}</button>
                            <span class="why">{format!(" unavailable: {why}")}</span>
                        </li>
                    };
                }
                match &a.preview {
                    None => html! {
                        <li><button class="action-btn" data-action={a.name.clone()} title={a.description.clone()}
                            onclick={Callback::from(move |_| on_action.emit(action.clone()))}>{&a.title}</button></li>
                    },
                    Some(why) => html! {
                        <li class="not-previewable" data-action={a.name.clone()}>
                            <button disabled=true title={why.clone()}>{&a.title}</button>
                            <span class="why">{format!(" no preview: {why}")}</span>
                        </li>
                    },
                }
            })}
        </ul>
    }
}
