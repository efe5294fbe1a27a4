//! The top navbar and Treeherder's secondary bar: global group toggle `( + )`, tier buttons,
//! the quick filter box.

use std::collections::BTreeSet;

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NavbarProps {
    pub filter_text: String,
    pub tiers: BTreeSet<u64>,
    pub expand_all: bool,
    pub runnable: usize,
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
                title={format!("Show tier {t} jobs")} onclick={Callback::from(move |_| on_tier.emit(t))}>{t}</button>
        }
    };
    let on_expand = props.on_expand_all.reform(|_: MouseEvent| ());
    html! {
        <>
            <nav class="navbar-top">
                <span class="logo">{"taskgraph-preview"}</span>
                <span class="tagline">{"see what Add New Jobs will create, before you click"}</span>
                <a class="nav-link" href="demo/">{"React demo"}</a>
            </nav>
            <div class="navbar-secondary">
                <span class="counts">{format!("{} jobs · {} runnable", props.jobs, props.runnable)}</span>
                <button class="group-toggle" id="expand-all" title="Expand or collapse all job groups" onclick={on_expand}>
                    { if props.expand_all { "( - )" } else { "( + )" } }
                </button>
                <span class="tiers">{"Tiers "}{tier(1)}{tier(2)}{tier(3)}</span>
                <input id="quick-filter" class="quick-filter" placeholder="Filter platforms & jobs" value={props.filter_text.clone()} oninput={on_input} />
            </div>
        </>
    }
}
