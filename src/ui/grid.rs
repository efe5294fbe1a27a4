//! The job grid: one row per platform and build option, groups as `G( a b c )`, job buttons
//! coloured by state, runnable jobs olive (a toggle: `aria-pressed`). Collapsed groups fold jobs of one
//! state into `+N` counts. Rows are rendered as they scroll into view, so a 50,000-job push
//! only ever builds the rows the user has seen.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::rc::Rc;

use yew::prelude::*;

use crate::view::{shown, Job, Row};

#[derive(Properties, PartialEq)]
pub struct GridProps {
    pub rows: Rc<Vec<Row>>,
    pub jobs: Rc<Vec<Job>>,
    pub selected: Rc<BTreeSet<String>>,
    pub expanded: Rc<HashSet<String>>,
    pub expand_all: bool,
    pub visible_rows: usize,
    pub runnable_mode: bool,
    pub on_toggle_job: Callback<String>,
    /// An existing job was clicked (its details panel); `true` with Ctrl or Cmd, which also
    /// pins it, as in Treeherder.
    pub on_select_job: Callback<(String, bool)>,
    pub selected_job: Option<String>,
    /// Existing jobs pinned for a retrigger of several.
    pub pinned: Rc<BTreeSet<String>>,
    pub on_toggle_many: Callback<Vec<String>>,
    pub on_toggle_group: Callback<String>,
    pub on_more: Callback<()>,
}

fn job_button(job: &Job, selected: bool, props: &GridProps) -> Html {
    let (on_toggle, on_select) = (&props.on_toggle_job, &props.on_select_job);
    let label = job.label.to_string();
    let title = if job.is_runnable() {
        format!("{} - runnable (click to add)", shown(&job.label))
    } else {
        format!(
            "{} - {} (click for details and actions, Ctrl+click to pin)",
            shown(&job.label),
            job.state
        )
    };
    let onclick = if job.is_runnable() {
        let on_toggle = on_toggle.clone();
        Callback::from(move |_: MouseEvent| on_toggle.emit(label.clone()))
    } else {
        let on_select = on_select.clone();
        Callback::from(move |e: MouseEvent| {
            on_select.emit((label.clone(), e.ctrl_key() || e.meta_key()))
        })
    };
    let pinned = props.pinned.contains(&*job.label).then_some("pinned");
    html! {
        <button class={classes!("job-btn", format!("state-{}", job.state), selected.then_some("selected"), pinned)}
            title={title} data-label={job.label.clone()} data-state={job.state.clone()} onclick={onclick}
            aria-pressed={job.is_runnable().then(|| selected.to_string())}
            aria-haspopup={(!job.is_runnable()).then_some("dialog")}>
            {shown(&job.symbol)}
        </button>
    }
}

#[function_component(Grid)]
pub fn grid(props: &GridProps) -> Html {
    let jobs = &props.jobs;
    let on_scroll = {
        let on_more = props.on_more.clone();
        Callback::from(move |e: Event| {
            let element: web_sys::Element = e.target_unchecked_into();
            if element.scroll_top() + element.client_height() + 600 >= element.scroll_height() {
                on_more.emit(());
            }
        })
    };
    if props.rows.is_empty() {
        return html! {
            <div class="grid empty" id="grid" tabindex="-1">
                { if props.runnable_mode { "No jobs match the filter." } else { "No jobs to show: switch on \"Add new jobs\" (key a) to see the runnable ones." } }
            </div>
        };
    }
    let rows = props.rows.iter().take(props.visible_rows).map(|row| {
        let groups = row.groups.iter().map(|group| {
            let key = format!("{}|{}|{}|{}", row.platform, row.option, group.symbol, group.tier);
            let expanded = props.expand_all || group.symbol.is_empty() || props.expanded.contains(&key);
            let members: Vec<&Job> = group.jobs.iter().filter_map(|&i| jobs.get(i)).collect();
            let content = if expanded {
                html! { for members.iter().map(|j| job_button(j, props.selected.contains(&*j.label) || props.selected_job.as_deref() == Some(&*j.label), props)) }
            } else {
                // Failures stay visible; other jobs fold into a count per state, except selected ones.
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                let mut shown = Vec::new();
                for job in &members {
                    let failed = matches!(&*job.state, "testfailed" | "busted" | "exception");
                    if failed || props.selected.contains(&*job.label) {
                        shown.push(*job);
                    } else {
                        *counts.entry(&*job.state).or_default() += 1;
                    }
                }
                let on_group = props.on_toggle_group.clone();
                let group_key = key.clone();
                html! {
                    <>
                        {for shown.iter().map(|j| job_button(j, props.selected.contains(&*j.label) || props.selected_job.as_deref() == Some(&*j.label), props))}
                        {for counts.into_iter().map(|(state, n)| {
                            let on_group = on_group.clone();
                            let k = group_key.clone();
                            html! {
                                <button class={classes!("job-count", format!("state-{state}"))} title={format!("{n} {state} jobs in group")}
                                    onclick={Callback::from(move |_| on_group.emit(k.clone()))}>{format!("+{n}")}</button>
                            }
                        })}
                    </>
                }
            };
            let runnable: Vec<String> = members.iter().filter(|j| j.is_runnable()).map(|j| j.label.to_string()).collect();
            let all_button = (props.runnable_mode && expanded && !runnable.is_empty() && !group.symbol.is_empty()).then(|| {
                let on_many = props.on_toggle_many.clone();
                html! {
                    <button class="select-all" title={format!("Select or deselect the {} runnable jobs of this group", runnable.len())}
                        onclick={Callback::from(move |_| on_many.emit(runnable.clone()))}>{"[All]"}</button>
                }
            });
            let on_group = props.on_toggle_group.clone();
            let toggle_key = key.clone();
            let tier = (group.tier > 1).then(|| html! { <span class="tier-tag">{format!("[tier {}]", group.tier)}</span> });
            if group.symbol.is_empty() && group.tier <= 1 {
                html! { <span class="job-group ungrouped">{content}</span> }
            } else if group.symbol.is_empty() {
                // Jobs of a higher tier without a group: always open, so no toggle to press.
                html! {
                    <span class="job-group" data-group="" data-tier={group.tier.to_string()}>
                        {tier}{all_button}
                        <span class="group-content">{content}</span>
                    </span>
                }
            } else {
                let name = if group.name.is_empty() { shown(&group.symbol).to_string() } else { group.name.clone() };
                html! {
                    <span class="job-group" data-group={group.symbol.clone()} title={group.name.clone()}>
                        <button class="group-symbol" aria-expanded={expanded.to_string()}
                            title={format!("{name}: show or fold its jobs")}
                            onclick={Callback::from(move |_| on_group.emit(toggle_key.clone()))}>{shown(&group.symbol)}</button>
                        {tier}{all_button}
                        <span class="group-content">{content}</span>
                    </span>
                }
            }
        });
        html! {
            <tr class="platform-row" data-platform={row.platform.clone()} data-option={row.option.clone()}>
                <td class="platform">{shown(&row.title)}</td>
                <td class="jobs">{for groups}</td>
            </tr>
        }
    });
    let more = (props.visible_rows < props.rows.len()).then(|| {
        let on_more = props.on_more.clone();
        html! {
            <button class="more-rows" onclick={Callback::from(move |_| on_more.emit(()))}>
                {format!("{} more platform rows…", props.rows.len() - props.visible_rows)}
            </button>
        }
    });
    html! {
        <div class="grid" id="grid" tabindex="-1" onscroll={on_scroll}>
            <table class="job-table" aria-label="Jobs by platform"><tbody>{for rows}</tbody></table>
            {more}
        </div>
    }
}
