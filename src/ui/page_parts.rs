//! The page's bars, drawn from the state: the load form, the loading bar, the push bar (with
//! its buttons and the Actions menu), the pinboard, and what the page says of a triggered
//! action task.

use web_sys::HtmlInputElement;
use yew::html::Scope;
use yew::prelude::*;

use super::actions::offered_list;
use super::app::App;
use super::state::{loading_words, JobMsg, Msg, Page, Phase, PickMsg, PushMsg, Status, TriggerMsg};
use crate::protocol::{Flavour, LoadEvent};
use crate::view::shown;

/// The root URL and decision taskId to load, and the keys.
pub fn load_form(page: &Page, link: &Scope<App>) -> Html {
    let on_root = link.callback(|e: InputEvent| {
        Msg::Push(PushMsg::FormRoot(
            e.target_unchecked_into::<HtmlInputElement>().value(),
        ))
    });
    let on_decision = link.callback(|e: InputEvent| {
        Msg::Push(PushMsg::FormDecision(
            e.target_unchecked_into::<HtmlInputElement>().value(),
        ))
    });
    let on_submit = link.callback(|e: SubmitEvent| {
        e.prevent_default();
        Msg::Push(PushMsg::Load)
    });
    html! {
        <form class="load-form" onsubmit={on_submit} aria-label="Push to load">
            <label>{"Root URL "}<input id="root-url" value={page.push.form_root.clone()} oninput={on_root} size="34" /></label>
            <label>{"Decision taskId "}<input id="decision-task-id" value={page.push.form_decision.clone()} oninput={on_decision} size="24" /></label>
            <button type="submit" id="load-button">{"Load push"}</button>
            <span class="hint">{"Keys: a add new jobs · / search · f filter · x clear · Ctrl+click pin · r retrigger the selected and pinned jobs · Esc close"}</span>
        </form>
    }
}

/// How far the load is: a bar and its words, and the early grid's notice.
pub fn loading_bar(page: &Page) -> Html {
    let push = &page.push;
    let (value, max, text) = match &push.phase {
        Phase::Loading(l) => {
            let (loaded, total) = match &l.step {
                LoadEvent::Download { loaded, total, .. } => (*loaded, total.unwrap_or(0.0)),
                _ => (0.0, 0.0),
            };
            (loaded, total, loading_words(&l.step))
        }
        Phase::Grid { step, .. } => (0.0, 0.0, format!("{step}…")),
        _ => return html! {},
    };
    html! {
        <div class="loading" role="status">
            if max > 0.0 {
                <progress id="load-progress" value={value.to_string()} max={max.to_string()}
                    data-loaded={value.to_string()} data-total={max.to_string()} aria-label="Loading the push"></progress>
            } else if value > 0.0 {
                // A gzip-encoded download (as Taskcluster's storage sends the graph) has no
                // known size: the bytes so far, without a bar's end.
                <progress id="load-progress" data-loaded={value.to_string()} aria-label="Loading the push"></progress>
            } else {
                <progress id="load-progress" aria-label="Loading the push"></progress>
            }
            // One paragraph beside the bar (not a column each): what loads, and what the
            // early grid means while it shows.
            <span class="loading-words">
                <span class="loading-text">{text}</span>
                if push.early_grid && push.summary.is_none() {
                    <span class="early-grid" id="early-grid">{" · jobs from runnable-jobs.json and the task group: pick now, the preview follows when the graph is in"}</span>
                }
                if let Some(l) = push.listing().filter(|l| push.early_grid && !l.done) {
                    <span class="early-listing" id="early-listing" data-listed={l.listed.to_string()}>
                        {format!(" · checking which jobs already ran: {} tasks of the group listed so far (until then, a job shows as runnable)", l.listed)}
                    </span>
                }
            </span>
        </div>
    }
}

/// The push's title and its buttons: Add new jobs, Search, the Actions menu, Trigger.
pub fn push_bar(page: &Page, link: &Scope<App>) -> Html {
    let Some(s) = &page.push.summary else {
        return html! {};
    };
    let runnable = page.push.filter.runnable;
    let count = page.picks.selected.len();
    let refused = page.picks.refused();
    let revision: String = s.revision.chars().take(12).collect();
    let group_actions = page.jobs.group_actions.as_ref().map(|offered| {
        let failed = page.jobs.failed_tests.clone();
        let n = failed.len();
        html! {
            <div class="group-actions-menu" id="push-actions-menu">
                <button class="action-btn" id="retrigger-failed" disabled={n == 0}
                    title={ if n == 0 { "No failed test jobs to retrigger".to_string() } else { format!("Retrigger the {n} failed test jobs (retrigger-multiple)") } }
                    onclick={link.callback(move |_| Msg::Jobs(JobMsg::Retrigger(failed.to_vec())))}>
                    {format!("Retrigger all failed test jobs ({n})")}
                </button>
                {offered_list(offered.as_ref().and_then(|o| o.as_ref().ok()).map(|o| &**o),
                    offered.as_ref().and_then(|o| o.as_ref().err()).map(String::as_str),
                    &link.callback(|a| Msg::Jobs(JobMsg::OpenAction(a, false))), "group-actions")}
            </div>
        }
    });
    let open = page.jobs.group_actions.is_none();
    html! {
        <div class="push-bar">
            <span class="push-title">
                <span class="push-project">{&s.project}</span>
                {" "}<span class="revision">{revision}</span>
                {" · "}{&s.owner}{" · push "}{&s.pushlog_id}
                {" · decision "}<a href={format!("{}/tasks/{}", s.context.root_url, s.context.decision_task_id)} target="_blank">{&s.context.decision_task_id}</a>
                {format!(" · {} tasks in the graph, {} scheduled", s.tasks, s.existing)}
                if !s.merged_from.is_empty() {
                    {format!(" · {} earlier action(s) and cron task(s) merged", s.merged_from.len())}
                }
                {" · "}<span class="flavour" id="flavour" title={format!("The preview reproduces {} actions: {}", s.context.flavour, s.context.flavour_reason)}>
                    { if s.context.flavour == Flavour::Gecko { "gecko_taskgraph actions" } else { "taskgraph actions" } }
                </span>
            </span>
            <span class="push-buttons">
                <button class={classes!("btn-push", runnable.then_some("active"))} id="add-new-jobs"
                    aria-pressed={runnable.to_string()}
                    title="Show the jobs you can add (key a)" onclick={link.callback(|_| Msg::Push(PushMsg::ToggleRunnable))}>
                    { if runnable { "Hide runnable jobs" } else { "Add new jobs" } }
                </button>
                <button class="btn-push" id="open-search" title="Pick jobs by searching (key /)"
                    onclick={link.callback(|_| Msg::Picks(PickMsg::OpenSearch))}>{"Add new jobs (Search)"}</button>
                <span class="group-actions">
                    <button class="btn-push" id="push-actions" title="The push's actions (Rebuild cached tasks, …)"
                        aria-expanded={(!open).to_string()}
                        onclick={link.callback(move |_| Msg::Jobs(JobMsg::GroupActions(open)))}>{"Actions ▾"}</button>
                    {group_actions.unwrap_or_default()}
                </span>
                if count > 0 {
                    <button class="btn-push trigger" id="trigger-button" onclick={link.callback(|_| Msg::Trigger(TriggerMsg::OpenTrigger))}
                        disabled={!s.has_add_new_jobs || refused.is_some()}
                        title={ match (&refused, s.has_add_new_jobs) {
                            (Some(why), _) => why.clone(),
                            (None, true) => "Review and trigger".to_string(),
                            (None, false) => "This push has no add-new-jobs action".to_string(),
                        } }>
                        {"Trigger "}<span class="badge" id="selected-count">{count}</span>{if count == 1 { " job" } else { " jobs" }}
                        if let Some(tasks) = page.picks.preview.as_ref().map(|p| p.counts().0) {
                            {format!(" · {tasks} task{}", if tasks == 1 { "" } else { "s" })}
                        }
                    </button>
                    <button class="btn-push" id="clear-selection" title="Clear the selection (key x)"
                        onclick={link.callback(|_| Msg::Picks(PickMsg::ClearSelection))}>{"Clear"}</button>
                }
            </span>
        </div>
    }
}

/// The jobs pinned to retrigger together.
pub fn pinboard(page: &Page, link: &Scope<App>) -> Html {
    let pinned = &page.jobs.pinned;
    if pinned.is_empty() {
        return html! {};
    }
    let tasks = page.retrigger_tasks();
    html! {
        <div class="pinboard" id="pinboard" role="region" aria-label="Pinboard">
            <span class="badge" id="pinned-count">{pinned.len()}</span>{" pinned: "}
            {for pinned.iter().map(|l| {
                let label = l.clone();
                html! { <button class="pinned-job" title="Unpin" data-label={l.clone()}
                    onclick={link.callback(move |_| Msg::Jobs(JobMsg::SelectJob((label.clone(), true))))}>{shown(l)}</button> }
            })}
            <button class="btn-push" id="retrigger-pinned" title="Retrigger the pinned jobs (key r)"
                onclick={link.callback(move |_| Msg::Jobs(JobMsg::Retrigger(tasks.clone())))}>{"Retrigger"}</button>
            <button class="btn-push" id="clear-pinboard" onclick={link.callback(|_| Msg::Jobs(JobMsg::ClearPinboard))}>{"Clear pinboard"}</button>
        </div>
    }
}

/// What the page says of an action task it triggered, in a polite live region.
pub fn status_line(page: &Page) -> Html {
    let root = page.root_url();
    let task_link = |id: &String| html! { <a href={format!("{root}/tasks/{id}")} target="_blank">{id.clone()}</a> };
    let Some(status) = &page.flow.status else {
        return html! { <div class="status-line" id="status-line" role="status" aria-live="polite"></div> };
    };
    let content = match status {
        Status::Following(id) => html! {
            <span class="status-following" data-action-task-id={id.clone()}>
                {"Action task "}{task_link(id)}{" triggered; following it to compare with the preview…"}
            </span>
        },
        Status::Compared(c) if c.differences.is_empty() => html! {
            <span class="status-matched">{&c.summary}</span>
        },
        Status::Compared(c) => html! {
            <span class="status-differs">
                {&c.summary}
                <ul>{for c.differences.iter().map(|d| html! {<li>{d}</li>})}</ul>
            </span>
        },
        Status::FollowFailed(why) => html! { <span class="status-differs">{why}</span> },
        Status::ActionTriggered { title, task_id } => html! {
            <span class="status-action-triggered" data-action-task-id={task_id.clone()}>
                {format!("{title}: action task ")}{task_link(task_id)}{" triggered."}
            </span>
        },
        Status::Unsure { message, group } => html! {
            <span class="status-unsure" id="trigger-unsure" role="alert">
                {format!("No answer to the trigger ({message}). The action may have been triggered anyway: ")}
                <a id="check-task-group" href={format!("{}/tasks/groups/{group}", root.trim_end_matches('/'))} target="_blank">
                    {"check the task group"}
                </a>
                {" for a new action task before you try again."}
            </span>
        },
    };
    html! { <div class="status-line" id="status-line" role="status" aria-live="polite">{content}</div> }
}
