//! The dependency-graph view: the closure laid out in layers by the worker (`layout`, picked
//! jobs on the left), drawn as SVG, boxes coloured by decision; clicking a box (or Enter or
//! Space on it: every box is a focusable button) shows why it is there.

use std::rc::Rc;

use yew::prelude::*;

use super::dialogs::Modal;
use super::model::GraphView;
use crate::view::shown;

#[derive(Properties, PartialEq)]
pub struct GraphPanelProps {
    pub graph: Rc<GraphView>,
    pub focus: Option<String>,
    pub on_focus: Callback<String>,
    /// Shown over the whole page (for graphs too big for the panel).
    pub wide: bool,
    pub on_wide: Callback<bool>,
}

fn short(label: &str) -> String {
    const MAX: usize = 32;
    if label.chars().count() <= MAX {
        label.to_string()
    } else {
        let tail: String = label
            .chars()
            .rev()
            .take(MAX - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    }
}

/// Graphs up to this wide are scaled down to the panel; wider ones scroll.
const FIT_WIDTH: f64 = 1400.0;

#[function_component(GraphPanel)]
pub fn graph_panel(props: &GraphPanelProps) -> Html {
    let g = &props.graph;
    let (w, h) = (g.node_width, g.node_height);
    let edges = g.edges.iter().filter_map(|&(from, to)| {
        let (a, b) = (g.nodes.get(from)?, g.nodes.get(to)?);
        Some(html! {
            <line class="edge" x1={(a.x + w).to_string()} y1={(a.y + h / 2.0).to_string()}
                x2={b.x.to_string()} y2={(b.y + h / 2.0).to_string()} />
        })
    });
    let nodes = g.nodes.iter().map(|n| {
        let label = n.label.clone();
        let focused = props.focus.as_deref() == Some(n.label.as_str());
        let onclick = {
            let on_focus = props.on_focus.clone();
            let label = label.clone();
            Callback::from(move |_: MouseEvent| on_focus.emit(label.clone()))
        };
        let onkeydown = {
            let on_focus = props.on_focus.clone();
            Callback::from(move |e: KeyboardEvent| {
                if matches!(e.key().as_str(), "Enter" | " ") {
                    e.prevent_default();
                    on_focus.emit(label.clone());
                }
            })
        };
        let decision = match n.decision.as_str() {
            "requested" => "picked",
            "created" => "created",
            "reused" => "reused",
            "removed" => "removed",
            other => other,
        };
        html! {
            <g class={classes!("node", format!("decision-{}", n.decision), focused.then_some("focused"))}
                data-label={n.label.clone()} tabindex="0" role="button"
                aria-label={format!("{} ({decision}): why?", shown(&n.label))}
                aria-current={focused.then_some("true")} {onclick} {onkeydown}>
                <title>{format!("{} ({})", shown(&n.label), n.decision)}</title>
                <rect x={n.x.to_string()} y={n.y.to_string()} width={w.to_string()} height={h.to_string()} rx="4" />
                <text x={(n.x + 6.0).to_string()} y={(n.y + h / 2.0 + 4.0).to_string()} aria-hidden="true">{short(&shown(&n.label))}</text>
            </g>
        }
    });
    let wide = props.wide;
    let toggle = props.on_wide.reform(move |_: MouseEvent| !wide);
    let fit = g.width <= FIT_WIDTH || wide;
    let panel = html! {
        <section class={classes!("graph-panel", wide.then_some("wide"))} id="graph-panel" aria-labelledby="graph-title">
            <div class="graph-head">
                <h2 id="graph-title">{"Dependency graph"}</h2>
                <span class="legend">
                    <span class="decision-requested">{"picked"}</span>
                    <span class="decision-created">{"create"}</span>
                    <span class="decision-reused">{"reuse"}</span>
                    <span class="decision-removed">{"removed"}</span>
                </span>
                <button class="graph-wide" id="graph-wide" aria-expanded={wide.to_string()}
                    title={ if wide { "Back to the panel (Esc)" } else { "Show the graph over the whole page (Esc closes)" } } onclick={toggle}>
                    { if wide { "Close" } else { "⤢ Wide" } }
                </button>
            </div>
            if g.omitted > 0 {
                <p class="omitted">{format!("{} more tasks of the closure are not drawn (the list has them all).", g.omitted)}</p>
            }
            <div class="graph-scroll">
                <svg id="graph-svg" role="group" aria-label={format!("{} tasks: Tab to a box, Enter shows why it is there", g.nodes.len())} width={g.width.to_string()} height={g.height.to_string()}
                    class={classes!((fit && !wide).then_some("fit"))}
                    viewBox={format!("0 0 {} {}", g.width, g.height)} data-nodes={g.nodes.len().to_string()}>
                    {for edges}{for nodes}
                </svg>
            </div>
        </section>
    };
    if wide {
        html! {
            <Modal id="graph-modal" labelled_by="graph-title" class={classes!("modal", "graph-modal")}
                close_on_backdrop=true initial_focus="graph-wide" return_focus="graph-wide"
                on_close={props.on_wide.reform(|_| false)}>
                {panel}
            </Modal>
        }
    } else {
        panel
    }
}
