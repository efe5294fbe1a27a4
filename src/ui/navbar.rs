//! The top navbar and Treeherder's secondary bar: global group toggle `( + )`, tier buttons,
//! the quick filter box; before them, links that skip to the job grid and to the preview.

use std::collections::BTreeSet;

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NavbarProps {
    pub filter_text: String,
    pub tiers: BTreeSet<u64>,
    pub expand_all: bool,
    pub runnable: usize,
    /// The runnable count is provisional: the task group is still being listed (a job
    /// that already ran shows as runnable until its task is listed).
    #[prop_or_default]
    pub provisional: bool,
    pub jobs: usize,
    pub on_filter: Callback<String>,
    pub on_tier: Callback<u64>,
    pub on_expand_all: Callback<()>,
}

#[function_component(Navbar)]
pub fn navbar(props: &NavbarProps) -> Html {
    let on_input = props
        .on_filter
        .reform(|e: InputEvent| e.target_unchecked_into::<HtmlInputElement>().value());
    let tier = |t: u64| {
        let on_tier = props.on_tier.clone();
        html! {
            <button class={classes!("tier", props.tiers.contains(&t).then_some("on"))} data-tier={t.to_string()}
                aria-pressed={props.tiers.contains(&t).to_string()} title={format!("Show tier {t} jobs")} onclick={Callback::from(move |_| on_tier.emit(t))}>{t}</button>
        }
    };
    let on_expand = props.on_expand_all.reform(|_: MouseEvent| ());
    // Focus the grid or the preview (each takes focus, tabindex -1): the next Tab goes on
    // inside it, past the hundreds of job buttons before it.
    let skip = |id: &'static str| {
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            if let Some(target) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(id))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = target.focus();
            }
        })
    };
    html! {
        <>
            <div class="skip-links">
                <a class="skip-link" id="skip-grid" href="#grid" onclick={skip("grid")}>{"Skip to the jobs"}</a>
                <a class="skip-link" id="skip-preview" href="#preview-panel" onclick={skip("preview-panel")}>{"Skip to the preview"}</a>
            </div>
            <div class="navbar-top">
                <span class="logo">{"taskgraph-preview"}</span>
                <span class="tagline">{"see what Add New Jobs will create, before you click"}</span>
                <nav class="nav-links" aria-label="Other pages">
                    <a class="nav-link" href="demo/">{"React demo"}</a>
                </nav>
            </div>
            <div class="navbar-secondary" role="search" aria-label="Filter the jobs">
                <span class="counts" id="job-counts" data-provisional={props.provisional.to_string()}
                    title={props.provisional.then_some("Still checking which jobs already ran: the count can only go down")}>
                    { if props.provisional {
                        format!("{} jobs · at most {} runnable (checking which already ran…)", props.jobs, props.runnable)
                    } else {
                        format!("{} jobs · {} runnable", props.jobs, props.runnable)
                    } }
                </span>
                <button class="group-toggle" id="expand-all" title="Expand or collapse all job groups"
                    aria-pressed={props.expand_all.to_string()} onclick={on_expand}>
                    { if props.expand_all { "( - )" } else { "( + )" } }
                </button>
                <span class="tiers" role="group" aria-label="Tiers">{"Tiers "}{tier(1)}{tier(2)}{tier(3)}</span>
                <input id="quick-filter" class="quick-filter" type="search" aria-label="Filter platforms and jobs (key f)"
                    placeholder="Filter platforms & jobs" value={props.filter_text.clone()} oninput={on_input} />
            </div>
        </>
    }
}
