//! The preview panel: counts, created tasks grouped by kind, reused dependencies with their
//! taskId and source, removed tasks, warnings, the "why" path of the focused task, `times`,
//! and the exports. Every row is a button (Enter or Space shows its why path); the counts
//! and the why path are polite live regions.

use std::collections::BTreeMap;
use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::model::{ApiError, Preview};
use crate::view::shown;

#[derive(Properties, PartialEq)]
pub struct PreviewPanelProps {
    pub preview: Option<Rc<Preview>>,
    pub error: Option<ApiError>,
    pub busy: bool,
    pub selected: usize,
    pub times: u32,
    pub focus: Option<String>,
    pub root_url: String,
    pub decision_task_id: String,
    pub on_times: Callback<u32>,
    pub on_focus: Callback<String>,
    pub on_export: Callback<&'static str>,
    /// While the graph downloads: what the preview waits for ("the task graph: 62%").
    #[prop_or_default]
    pub waiting: Option<String>,
}

/// Where a reused task comes from, in words.
fn source_text(
    source: &str,
    index_path: Option<&str>,
    from: Option<&str>,
    decision: &str,
) -> String {
    match (source, index_path, from) {
        ("index-search", Some(path), _) => format!("index cache: {path}"),
        ("index-search", None, _) => "index cache".into(),
        (_, _, Some(run)) if run != decision => format!("earlier action {run}"),
        _ => "decision task".into(),
    }
}

/// Lists longer than this show their first entries and a count (the export has them all).
const LIST_LIMIT: usize = 200;

#[function_component(PreviewPanel)]
pub fn preview_panel(props: &PreviewPanelProps) -> Html {
    let on_times = props.on_times.reform(|e: Event| {
        e.target_unchecked_into::<HtmlInputElement>()
            .value()
            .parse()
            .unwrap_or(1)
    });
    let times = html! {
        <label class="times">{"times "}
            <input id="times" type="number" min="1" max="100" value={props.times.to_string()} onchange={on_times} />
        </label>
    };
    // The panel's frame is the same in every state, so the polite live region (the counts, or
    // what the preview waits for) stays one element and its changes are announced.
    let frame = |head_extra: Html, live: Html, body: Html| {
        html! {
            <section class={classes!("preview-panel", props.busy.then_some("busy"))} id="preview-panel" tabindex="-1"
                aria-labelledby="preview-title" aria-busy={props.busy.then_some("true")}>
                <div class="preview-head"><h2 id="preview-title">{"Preview"}</h2>{head_extra}</div>
                <div class="preview-live" id="preview-live" aria-live="polite" aria-atomic="true">{live}</div>
                {body}
            </section>
        }
    };
    if let Some(error) = &props.error {
        return frame(
            html! {},
            html! {},
            html! {
                <div class="preview-error" role="alert">
                    <strong>{"This selection cannot be added: "}</strong>{&error.message}
                    {format!(" [{}]", error.kind)}
                    if !error.labels.is_empty() {
                        <div class="labels">{error.labels.join(", ")}</div>
                    }
                </div>
            },
        );
    }
    if let (Some(waiting), true) = (&props.waiting, props.selected > 0) {
        return frame(
            html! {},
            html! {
                <p class="waiting" id="preview-waiting">{format!("{} picked; waiting for {waiting}. The preview follows as soon as it is there.", props.selected)}</p>
            },
            html! {},
        );
    }
    let Some(preview) = &props.preview else {
        return frame(
            html! {},
            html! {
                <p class="empty">{ if props.busy { "Computing…" } else { "Pick runnable jobs (olive) to see what the action will create and reuse." } }</p>
            },
            html! {},
        );
    };
    let (created, reused, removed) = preview.counts();
    let Some(last) = preview.last() else {
        return frame(html! {}, html! {}, html! {});
    };
    let focus_cb = |label: &str| {
        let on_focus = props.on_focus.clone();
        let label = label.to_string();
        Callback::from(move |_: MouseEvent| on_focus.emit(label.clone()))
    };
    let current = |label: &str| (props.focus.as_deref() == Some(label)).then_some("true");
    let mut by_kind: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for label in last.created.keys() {
        by_kind
            .entry(preview.kind_of(label))
            .or_default()
            .push(label);
    }
    let requested: std::collections::BTreeSet<&str> =
        preview.requested.iter().map(String::as_str).collect();
    let created_html = by_kind.iter().map(|(kind, labels)| {
        html! {
            <details class="kind-group" open={labels.len() <= 12} data-kind={kind.to_string()}>
                <summary>{format!("{kind} ({})", labels.len())}</summary>
                <ul>{for labels.iter().take(LIST_LIMIT).map(|label| html! {
                    <li class={classes!("created", requested.contains(label.as_str()).then_some("requested"))}
                        data-label={label.to_string()}>
                        <button type="button" class="row-btn" aria-current={current(label)} aria-controls="why-live"
                            title={format!("Why is {} created?", shown(label))} onclick={focus_cb(label)}>
                            {shown(label)}
                            if preview.shown().runs_again.contains(*label) {
                                <span class="tag runs-again" title="This job already ran on this push; the action runs it again">{"runs again"}</span>
                            }
                            if !requested.contains(label.as_str()) {
                                <span class="reason" title={last.reasons.get(*label).cloned().unwrap_or_default()}>
                                    {preview.shown().plain_reasons.get(*label).or(last.reasons.get(*label)).cloned().unwrap_or_default()}
                                </span>
                            }
                        </button>
                    </li>
                })}
                if labels.len() > LIST_LIMIT {
                    <li class="more">{format!("… and {} more (export the preview for all)", labels.len() - LIST_LIMIT)}</li>
                }
                </ul>
            </details>
        }
    });
    let reused_html = last.reused.iter().take(LIST_LIMIT).map(|(label, reuse)| {
        html! {
            <li class="reused" data-label={label.clone()}>
                <button type="button" class="row-btn inline" aria-current={current(label)} aria-controls="why-live"
                    title={format!("Why is {} needed?", shown(label))} onclick={focus_cb(label)}>{shown(label)}</button>
                {" → "}
                <a href={format!("{}/tasks/{}", props.root_url, reuse.task_id)} target="_blank">{&reuse.task_id}</a>
                <span class="source">{source_text(&reuse.source, reuse.index_path.as_deref(),
                    preview.shown().reused_from.get(label).map(String::as_str), &props.decision_task_id)}</span>
            </li>
        }
    });
    let why = props.focus.as_ref().map(|label| {
        let path = last.why.get(label);
        html! {
            <div class="why" id="why">
                <strong>{format!("Why {}? ", shown(label))}</strong>
                { match path {
                    Some(path) => path.join(" → "),
                    None if requested.contains(label.as_str()) => "you picked it.".to_string(),
                    None => "not part of this preview.".to_string(),
                } }
            </div>
        }
    });
    let live = html! {
        <>
            if !preview.shown().summary.is_empty() {
                <p class="summary" id="preview-summary">{&preview.shown().summary}</p>
            }
            <div class="preview-counts" id="preview-counts" data-created={created.to_string()}
                data-reused={reused.to_string()} data-removed={removed.to_string()}>
                <span class="n-created">{format!("{created} to create")}</span>{" · "}
                <span class="n-reused">{format!("{reused} reused")}</span>{" · "}
                <span class="n-removed">{format!("{removed} removed")}</span>
                <span class="detail">{format!(" ({} picked, {} dependencies{})", preview.requested.len(),
                    last.created.len().saturating_sub(preview.requested.len()),
                    if preview.times > 1 { format!(", × {} iterations", preview.times) } else { String::new() })}</span>
            </div>
            if !preview.shown().runs_on.is_empty() {
                <p class="runs-on" id="preview-runs-on">{&preview.shown().runs_on}</p>
            }
        </>
    };
    let body = html! {
        <>
            if !preview.warnings.is_empty() {
                <ul class="warnings" id="warnings">{for preview.warnings.iter().map(|w| html! {
                    <li class="warning" data-kind={w.kind.clone()}>{&w.message}</li>
                })}</ul>
            }
            <div class="why-live" id="why-live" aria-live="polite">{why}</div>
            <h3>{"Will create"}</h3>
            <div class="created-list">{for created_html}</div>
            if reused > 0 {
                <details class="reused-list" open={reused <= 30}>
                    <summary>{format!("Reused ({reused})")}</summary>
                    <ul>
                        {for reused_html}
                        if reused > LIST_LIMIT {
                            <li class="more">{format!("… and {} more", reused - LIST_LIMIT)}</li>
                        }
                    </ul>
                </details>
            }
            if removed > 0 {
                <details class="removed-list">
                    <summary>{format!("Removed ({removed})")}</summary>
                    <ul>{for last.removed.iter().map(|(l, why)| html! {<li>{l}{": "}{why}</li>})}</ul>
                </details>
            }
            <div class="exports">
                <button id="export-preview" onclick={props.on_export.reform(|_| "preview")}>{"Export preview JSON"}</button>
                <button id="export-request" onclick={props.on_export.reform(|_| "request")}>{"Export trigger request"}</button>
            </div>
        </>
    };
    frame(times, live, body)
}
