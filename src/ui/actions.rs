//! Actions other than Add New Jobs: the job details panel (an existing job's symbol, label,
//! state, taskId and the actions actions.json offers for it), the push's task-group actions,
//! and the action dialog (the action's input, its preview: every `create_tasks` call, reused
//! tasks, reruns, warnings; then the credentials and one trigger).

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::dialogs::{credentials_fieldset, CredentialsView, Modal};
use super::model::{ActionPreview, Offered};
use crate::protocol::runs_on;
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
            "add-new-jobs" => {
                input.insert("tasks".into(), serde_json::json!(self.tasks));
                input.insert("times".into(), self.times.into());
            }
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

#[derive(Properties, PartialEq)]
pub struct ActionDialogProps {
    pub state: ActionState,
    pub credentials: CredentialsView,
    pub on_field: Callback<ActionField>,
    pub on_confirm: Callback<()>,
    pub on_close: Callback<()>,
}

/// The action dialog: input, preview, credentials, trigger.
#[function_component(ActionDialog)]
pub fn action_dialog(props: &ActionDialogProps) -> Html {
    let state = &props.state;
    // Why Trigger cannot be pressed yet for want of credentials; the confirm names what the
    // action creates.
    let waiting = props.credentials.missing();
    let confirm = match state.preview.as_ref().map(|p| p.counts().0) {
        Some(n) => format!(
            "Trigger {} · {n} task{}",
            state.title,
            if n == 1 { "" } else { "s" }
        ),
        None => format!("Trigger {}", state.title),
    };
    let on_times = props.on_field.reform(|e: Event| {
        ActionField::Times(
            e.target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse()
                .unwrap_or(1),
        )
    });
    let on_downstream = props.on_field.reform(|e: Event| {
        ActionField::Downstream(e.target_unchecked_into::<HtmlInputElement>().checked())
    });
    let on_force = props.on_field.reform(|e: Event| {
        ActionField::Force(e.target_unchecked_into::<HtmlInputElement>().checked())
    });
    let several = matches!(state.name.as_str(), "retrigger-multiple" | "add-new-jobs");
    let heading = match &state.task_label {
        Some(label) => format!("{}: {}", state.title, shown(label)),
        None if several => format!(
            "{} {} job{} ({})",
            state.title,
            state.tasks.len(),
            if state.tasks.len() == 1 { "" } else { "s" },
            state.name
        ),
        None => format!("{} (the whole push)", state.title),
    };
    html! {
        <Modal id="action-dialog" labelled_by="action-dialog-title" data_action={AttrValue::from(state.name.clone())}
            on_close={props.on_close.clone()}>
            <h2 id="action-dialog-title">{heading}</h2>
            if several {
                <ul class="action-tasks" id="action-tasks" tabindex="0" aria-label="The jobs it acts on">
                    {for state.tasks.iter().map(|l| html! { <li data-label={l.clone()}>{shown(l)}</li> })}
                </ul>
                <div class="action-inputs">
                    <label>{"times "}<input id="action-times" type="number" min="1" max="100" value={state.times.to_string()} onchange={on_times.clone()} /></label>
                </div>
            }
            if state.name == "retrigger" {
                <div class="action-inputs">
                    <label>{"times "}<input id="action-times" type="number" min="1" max="100" value={state.times.to_string()} onchange={on_times} /></label>
                    <label><input id="action-downstream" type="checkbox" checked={state.downstream} onchange={on_downstream} />{" with the tasks that depend on it (downstream)"}</label>
                    if state.cb_name == "retrigger-disabled" {
                        <label><input id="action-force" type="checkbox" checked={state.force} onchange={on_force} />{" force (this task should normally be rerun, not retriggered)"}</label>
                    }
                </div>
            }
            if let Some(text) = &state.custom {
                <div class="action-inputs">
                    <label for="action-input">{"input (JSON; checked against the action's schema before it is sent)"}</label>
                    <textarea id="action-input" rows="6" cols="70" value={text.clone()}
                        oninput={props.on_field.reform(|e: InputEvent| ActionField::Typing(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value()))}
                        onchange={props.on_field.reform(|e: Event| ActionField::Custom(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value()))} />
                </div>
            }
            { action_preview(state) }
            {credentials_fieldset(&props.credentials)}
            if let Some(error) = &state.error {
                <div class="error-banner" role="alert" id="action-error">{error}</div>
            }
            <div class="modal-buttons modal-footer">
                if let (Some(why), false) = (waiting, state.sending) {
                    <span class="confirm-reason" id="confirm-action-reason">{why}</span>
                }
                <button id="confirm-action" class="trigger"
                    disabled={state.sending || state.preview.is_none() || state.previewing || waiting.is_some()}
                    aria-describedby={waiting.map(|_| "confirm-action-reason")}
                    onclick={props.on_confirm.reform(|_| ())}>
                    { if state.sending { "Triggering…".to_string() } else { confirm } }
                </button>
                <button id="cancel-action" onclick={props.on_close.reform(|_| ())}>{"Cancel"}</button>
            </div>
        </Modal>
    }
}

/// The preview of the action: counts, then each call's created tasks, the reused ones, reruns.
fn action_preview(state: &ActionState) -> Html {
    let Some(preview) = &state.preview else {
        return html! { <p class="loading" id="action-counts" aria-live="polite">{ if state.previewing { "Previewing…" } else { "" } }</p> };
    };
    let (created, reused) = preview.counts();
    const SHOWN: usize = 40;
    html! {
        <div class={classes!("action-preview", state.previewing.then_some("busy"))} aria-busy={state.previewing.then_some("true")}>
            <p class="confirm-counts" id="action-counts" aria-live="polite" data-created={created.to_string()} data-reused={reused.to_string()}
                data-calls={preview.calls.len().to_string()} data-reruns={preview.reruns.len().to_string()}>
                {format!("This will create {created} task{} in {} create_tasks call{}, reuse {reused}",
                    if created == 1 { "" } else { "s" }, preview.calls.len(), if preview.calls.len() == 1 { "" } else { "s" })}
                if !preview.reruns.is_empty() { {format!(" and rerun {}", preview.reruns.len())} }
                {"."}
            </p>
            if created > 0 {
                <p class="runs-on" id="action-runs-on">{runs_on(&preview.worker_pools())}</p>
            }
            {for preview.calls.iter().map(|call| {
                let labels: Vec<&String> = call.iteration.created.keys().collect();
                let copies: usize = call.iteration.duplicates.values().map(Vec::len).sum();
                let suffix = if call.suffix.is_empty() { String::new() } else { format!(" (suffix {})", call.suffix) };
                html! {
                    <details class="action-call" open={labels.len() <= 12} data-suffix={call.suffix.clone()}>
                        <summary>{format!("Creates {}{}{suffix}", labels.len(), if copies > 0 { format!(" + {copies} copies") } else { String::new() })}</summary>
                        <ul class="confirm-list">
                            {for labels.iter().take(SHOWN).map(|l| {
                                let reason = call.iteration.reasons.get(*l).cloned().unwrap_or_default();
                                html! { <li data-label={l.to_string()}>{shown(l)}<span class="reason">{format!("  {reason}")}</span></li> }
                            })}
                            if labels.len() > SHOWN { <li>{format!("… and {} more", labels.len() - SHOWN)}</li> }
                        </ul>
                    </details>
                }
            })}
            if let Some(first) = preview.calls.first() {
                if !first.iteration.reused.is_empty() {
                    <details class="action-reused">
                        <summary>{format!("Reuses {}", first.iteration.reused.len())}</summary>
                        <ul class="confirm-list">
                            {for first.iteration.reused.iter().take(SHOWN).map(|(l, r)| html! {
                                <li>{format!("{}  {} ({})", shown(l), r.task_id, r.index_path.clone().unwrap_or_else(|| r.source.clone()))}</li>
                            })}
                        </ul>
                    </details>
                }
            }
            if !preview.reruns.is_empty() {
                <ul class="reruns" id="action-reruns">
                    {for preview.reruns.iter().map(|r| html! { <li>{format!("rerun {} ({}) if it failed", shown(&r.label), r.task_id)}</li> })}
                </ul>
            }
            if !preview.warnings.is_empty() {
                <ul class="warnings">
                    {for preview.warnings.iter().map(|w| html! { <li class="warning">{format!("[{}] {}", w.kind, w.message)}</li> })}
                </ul>
            }
        </div>
    }
}
