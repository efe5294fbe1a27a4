//! The action dialog, one for every action: the page's picks as add-new-jobs (what they
//! create, what they need and why, what is reused, `times`) or another action (its input, and
//! its preview: every `create_tasks` call, reused tasks, reruns, warnings); then the
//! credentials (signed in with Taskcluster, or typed in), the exact request, and one trigger.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::actions::{ActionField, ActionState};
use super::dialogs::{credentials_fieldset, CredentialsView, Modal};
use super::model::Preview;
use crate::protocol::runs_on;
use crate::view::shown;

/// Labels listed in one section before "… and N more".
const SHOWN: usize = 60;

#[derive(Properties, PartialEq)]
pub struct ActionDialogProps {
    pub state: ActionState,
    /// The page's preview of its picks, for add-new-jobs of the picks.
    pub picks: Option<Rc<Preview>>,
    pub credentials: CredentialsView,
    pub on_field: Callback<ActionField>,
    pub on_confirm: Callback<()>,
    pub on_close: Callback<()>,
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The action dialog: what the action does, credentials, the exact request, trigger.
#[function_component(ActionDialog)]
pub fn action_dialog(props: &ActionDialogProps) -> Html {
    let state = &props.state;
    let picks = props.picks.as_ref().filter(|_| state.picks);
    let on_times = props.on_field.reform(|e: Event| {
        ActionField::Times(
            e.target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse()
                .unwrap_or(1),
        )
    });
    // The confirm names what the action creates.
    let (confirm, heading) = match picks {
        Some(preview) => {
            let confirm = format!(
                "Trigger {} · {}",
                plural(preview.requested.len(), "job"),
                plural(preview.counts().0, "task")
            );
            (confirm.clone(), confirm)
        }
        None => {
            let confirm = match state.preview.as_ref().map(|p| p.counts().0) {
                Some(n) => format!("Trigger {} · {}", state.title, plural(n, "task")),
                None => format!("Trigger {}", state.title),
            };
            (confirm, action_heading(state))
        }
    };
    // Why Trigger cannot be pressed yet: no credentials, or the picks' request is not there:
    // being prepared, or it could not be (the error above says why).
    let unrendered = match &state.error {
        Some(_) => "The request could not be made: see the error above.",
        None => "The request is being prepared…",
    };
    let waiting = props
        .credentials
        .missing()
        .or((state.picks && state.rendered.is_none()).then_some(unrendered));
    let previewed = if state.picks {
        picks.is_some()
    } else {
        state.preview.is_some() && !state.previewing
    };
    let pretty = state.rendered.as_ref().map(|text| {
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| text.clone())
    });
    html! {
        <Modal id="action-dialog" labelled_by="action-dialog-title" data_action={AttrValue::from(state.name.clone())}
            on_close={props.on_close.clone()}>
            <h2 id="action-dialog-title">{heading}</h2>
            if let Some(preview) = picks {
                { picks_body(preview) }
                <div class="action-inputs">
                    <label>{"times "}<input id="action-times" type="number" min="1" max="100" value={state.times.to_string()} onchange={on_times} /></label>
                </div>
            } else {
                { action_inputs(state, &props.on_field, on_times) }
                { action_preview(state) }
            }
            {credentials_fieldset(&props.credentials)}
            if let Some(request) = pretty {
                <details class="request"><summary>{"The exact request (signed when sent)"}</summary><pre id="trigger-request" tabindex="0">{request}</pre></details>
            }
            if let Some(error) = &state.error {
                <div class="error-banner" role="alert" id="action-error">{error}</div>
            }
            <div class="modal-buttons modal-footer">
                if let (Some(why), false) = (waiting, state.sending) {
                    <span class="confirm-reason" id="confirm-action-reason">{why}</span>
                }
                <button id="confirm-action" class="trigger"
                    disabled={state.sending || !previewed || waiting.is_some()}
                    aria-describedby={waiting.map(|_| "confirm-action-reason")}
                    onclick={props.on_confirm.reform(|_| ())}>
                    { if state.sending { "Triggering…".to_string() } else { confirm } }
                </button>
                <button id="cancel-action" onclick={props.on_close.reform(|_| ())}>{"Cancel"}</button>
            </div>
        </Modal>
    }
}

/// "Retrigger: test-x", "Retrigger 3 jobs (retrigger-multiple)", "Backfill (the whole push)".
fn action_heading(state: &ActionState) -> String {
    match &state.task_label {
        Some(label) => format!("{}: {}", state.title, shown(label)),
        None if state.acts_on_several() => format!(
            "{} {} ({})",
            state.title,
            plural(state.tasks.len(), "job"),
            state.name
        ),
        None => format!("{} (the whole push)", state.title),
    }
}

/// The inputs of an action other than the picks': the jobs and times of a retrigger of
/// several, retrigger's times, downstream and force, or the JSON input of the others.
fn action_inputs(
    state: &ActionState,
    on_field: &Callback<ActionField>,
    on_times: Callback<Event>,
) -> Html {
    let on_downstream = on_field.reform(|e: Event| {
        ActionField::Downstream(e.target_unchecked_into::<HtmlInputElement>().checked())
    });
    let on_force = on_field.reform(|e: Event| {
        ActionField::Force(e.target_unchecked_into::<HtmlInputElement>().checked())
    });
    html! {
        <>
            if state.acts_on_several() {
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
                        oninput={on_field.reform(|e: InputEvent| ActionField::Typing(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value()))}
                        onchange={on_field.reform(|e: Event| ActionField::Custom(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value()))} />
                </div>
            }
        </>
    }
}

/// What adding the picks does: counts, where the tasks run, the picks (those that already ran
/// run again), the tasks they need and why, and the tasks reused instead.
fn picks_body(preview: &Preview) -> Html {
    let (created, reused, removed) = preview.counts();
    let picked: Vec<&String> = preview.requested.iter().collect();
    let needed: Vec<&String> = preview
        .last()
        .map(|i| {
            i.created
                .keys()
                .filter(|l| !preview.requested.contains(l))
                .collect()
        })
        .unwrap_or_default();
    let reused_tasks: Vec<(&String, &str)> = preview
        .last()
        .map(|i| {
            i.reused
                .iter()
                .map(|(l, r)| (l, r.task_id.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let shown_ = preview.shown();
    let list = |id: &'static str, labels: &[&String], note: &dyn Fn(&str) -> Html| {
        html! {
            <ul class="confirm-list" id={id}>
                {for labels.iter().take(SHOWN).map(|l| html! {<li data-label={l.to_string()}>{shown(l)}{note(l)}</li>})}
                if labels.len() > SHOWN { <li>{format!("… and {} more", labels.len() - SHOWN)}</li> }
            </ul>
        }
    };
    html! {
        <>
            if !shown_.summary.is_empty() {
                <p class="summary" id="action-summary">{&shown_.summary}</p>
            }
            <p class="confirm-counts" id="action-counts" aria-live="polite" data-created={created.to_string()}
                data-reused={reused.to_string()} data-removed={removed.to_string()}>
                {format!("This will create {created} tasks, reuse {reused} and remove {removed}.")}
            </p>
            if !shown_.runs_on.is_empty() {
                <p class="runs-on" id="action-runs-on">{&shown_.runs_on}</p>
            }
            <h3 class="confirm-heading">{format!("Your picks ({})", picked.len())}</h3>
            {list("confirm-picks", &picked, &|l: &str| html! {
                if shown_.runs_again.iter().any(|r| r == l) {
                    <span class="runs-again" title="This job already ran on this push: it runs again">{" runs again"}</span>
                }
            })}
            if !needed.is_empty() {
                <details open={needed.len() <= 20}>
                    <summary>{format!("Tasks they need ({})", needed.len())}</summary>
                    {list("confirm-needed", &needed, &|l: &str| html! {
                        if let Some(why) = shown_.plain_reasons.get(l) { <span class="reason">{format!(" — {why}")}</span> }
                    })}
                </details>
            }
            if !reused_tasks.is_empty() {
                <details>
                    <summary>{format!("Reused, not created ({})", reused_tasks.len())}</summary>
                    <ul class="confirm-list" id="confirm-reused">
                        {for reused_tasks.iter().take(SHOWN).map(|(l, id)| html! {<li data-label={l.to_string()}>{shown(l)}<span class="reason">{format!(" → {id}")}</span></li>})}
                        if reused_tasks.len() > SHOWN { <li>{format!("… and {} more", reused_tasks.len() - SHOWN)}</li> }
                    </ul>
                </details>
            }
        </>
    }
}

/// The preview of the action: counts, then each call's created tasks, the reused ones, reruns.
fn action_preview(state: &ActionState) -> Html {
    let Some(preview) = &state.preview else {
        return html! { <p class="loading" id="action-counts" aria-live="polite">{ if state.previewing { "Previewing…" } else { "" } }</p> };
    };
    let (created, reused) = preview.counts();
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
