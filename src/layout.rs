//! The dependency-graph view of a preview: the closure's tasks, coloured by decision, laid out
//! in layers (picked jobs on the left, what they depend on to the right) by `rust-sugiyama`
//! (ranking, crossing reduction, Brandes–Köpf coordinates). Pure: the page draws the result
//! as SVG.
//!
//! Big closures are cut to a readable size: the picked jobs first, then their dependencies
//! breadth-first, and the view says how many tasks it left out.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::engine::{FullTaskGraph, Preview};

/// Width and height of a node box, in SVG units.
pub const NODE_WIDTH: f64 = 200.0;
pub const NODE_HEIGHT: f64 = 26.0;
const MARGIN: f64 = 20.0;

/// One task of the view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub label: String,
    /// `requested`, `created`, `reused` or `removed`.
    pub decision: String,
    /// Top-left corner.
    pub x: f64,
    pub y: f64,
}

/// The laid-out view (the page reads it back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphView {
    pub nodes: Vec<Node>,
    /// `(dependent, dependency)` as indices into `nodes`.
    pub edges: Vec<(usize, usize)>,
    pub width: f64,
    pub height: f64,
    pub node_width: f64,
    pub node_height: f64,
    /// Tasks of the closure left out of the view (it is cut at the `limit` given).
    pub omitted: usize,
}

/// Lays out the closure of the last iteration of `preview`, showing at most `limit` tasks.
pub fn closure_view(graph: &FullTaskGraph, preview: &Preview, limit: usize) -> GraphView {
    let decisions = decisions(preview);
    // Picked jobs first, then their dependencies breadth-first (each task once).
    let mut order: Vec<&str> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut queue: VecDeque<&str> = preview.requested.iter().map(String::as_str).collect();
    while let Some(label) = queue.pop_front() {
        if order.len() >= limit || seen.contains_key(label) || !decisions.contains_key(label) {
            continue;
        }
        seen.insert(label, order.len());
        order.push(label);
        if let Some(node) = graph.get(label) {
            for dep in &node.dependencies {
                queue.push_back(graph.dependency_label(dep));
            }
        }
    }
    let mut edges = Vec::new();
    // A task with two edges to the same dependency is drawn with one line.
    let mut drawn = HashSet::new();
    for (from, label) in order.iter().enumerate() {
        if let Some(node) = graph.get(label) {
            for dep in &node.dependencies {
                if let Some(&to) = seen.get(graph.dependency_label(dep)) {
                    if to != from && drawn.insert((from, to)) {
                        edges.push((from, to));
                    }
                }
            }
        }
    }
    let positions = positions(order.len(), &edges);
    let (mut width, mut height) = (0.0_f64, 0.0_f64);
    let nodes: Vec<Node> = order
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let (x, y) = positions.get(&i).copied().unwrap_or((0.0, 0.0));
            width = width.max(x + NODE_WIDTH + MARGIN);
            height = height.max(y + NODE_HEIGHT + MARGIN);
            Node {
                label: (*label).to_string(),
                decision: decisions
                    .get(label)
                    .copied()
                    .unwrap_or("created")
                    .to_string(),
                x,
                y,
            }
        })
        .collect();
    GraphView {
        omitted: preview.closure.len().saturating_sub(nodes.len()),
        nodes,
        edges,
        width,
        height,
        node_width: NODE_WIDTH,
        node_height: NODE_HEIGHT,
    }
}

/// Label → decision in the last iteration.
fn decisions(preview: &Preview) -> BTreeMap<&str, &'static str> {
    let mut decisions = BTreeMap::new();
    if let Some(iteration) = preview.iterations.last() {
        for label in iteration.created.keys() {
            decisions.insert(label.as_str(), "created");
        }
        for label in iteration.reused.keys() {
            decisions.insert(label.as_str(), "reused");
        }
        for label in iteration.removed.keys() {
            decisions.insert(label.as_str(), "removed");
        }
    }
    for label in &preview.requested {
        decisions.insert(label.as_str(), "requested");
    }
    decisions
}

/// Gap between a layer's boxes, and between layers.
const ROW_GAP: f64 = 10.0;
const LAYER_GAP: f64 = 40.0;
/// How much of rust-sugiyama's spacing within a layer to keep.
const COMPRESS: f64 = 0.6;

/// Top-left corners of `n` boxes with `edges`, laid out left to right: layers are columns
/// (picked jobs on the left), a layer's boxes are stacked, components one below the other.
/// Wide closures (dozens of toolchains and fetches) then grow down the panel, not across it.
fn positions(n: usize, edges: &[(usize, usize)]) -> HashMap<usize, (f64, f64)> {
    // rust-sugiyama lays layers out top-down and spaces a layer's vertices by their width:
    // give it the boxes' height as their width, and turn the result a quarter.
    let vertices: Vec<(u32, (f64, f64))> = (0..n)
        .map(|i| (i as u32, (NODE_HEIGHT, NODE_WIDTH)))
        .collect();
    let edges: Vec<(u32, u32)> = edges.iter().map(|&(a, b)| (a as u32, b as u32)).collect();
    let config = rust_sugiyama::configure::Config {
        vertex_spacing: NODE_HEIGHT + ROW_GAP,
        // Every task as close to the picked jobs as its dependencies allow: picked jobs (no
        // dependents in the closure) form the first layer.
        ranking_type: rust_sugiyama::configure::RankingType::Up,
        transpose: n <= 150,
        ..Default::default()
    };
    let layouts = rust_sugiyama::from_vertices_and_edges(&vertices, &edges, &config);
    let mut positions = HashMap::new();
    let mut top = MARGIN;
    for (layout, _, _) in layouts {
        // Layers: the distinct vertical coordinates, in order.
        let mut levels: Vec<f64> = layout.iter().map(|(_, (_, y))| *y).collect();
        levels.sort_by(f64::total_cmp);
        levels.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
        let min_x = layout
            .iter()
            .map(|(_, (x, _))| *x)
            .fold(f64::INFINITY, f64::min);
        // Each layer's boxes in the computed order, at the computed offsets squeezed by
        // COMPRESS (dummy vertices of long edges leave wide gaps), never closer than a row.
        let mut by_layer: Vec<Vec<(f64, usize)>> = vec![Vec::new(); levels.len()];
        for (id, (x, y)) in layout {
            let layer = levels.partition_point(|l| *l < y - 1e-6);
            if let Some(column) = by_layer.get_mut(layer) {
                column.push(((x - min_x) * COMPRESS, id));
            }
        }
        let mut bottom: f64 = top;
        for (layer, column) in by_layer.iter_mut().enumerate() {
            column.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut next = top;
            for &(offset, id) in column.iter() {
                let py = (top + offset).max(next);
                positions.insert(id, (MARGIN + layer as f64 * (NODE_WIDTH + LAYER_GAP), py));
                next = py + NODE_HEIGHT + ROW_GAP;
                bottom = bottom.max(py + NODE_HEIGHT);
            }
        }
        top = bottom + 2.0 * ROW_GAP;
    }
    positions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{CounterIds, IndexAnswers, LabelToTaskId, Mode, Request};
    use serde_json::json;

    fn graph() -> FullTaskGraph {
        let task = |label: &str, deps: serde_json::Value| {
            json!({"label": label, "kind": "k", "dependencies": deps, "soft_dependencies": [],
                   "if_dependencies": [], "optimization": null, "attributes": {},
                   "task": {"metadata": {"name": label}, "deadline": {"relative-datestamp": "1 day"},
                            "expires": {"relative-datestamp": "1 year"}, "payload": {}, "tags": {}, "extra": {}}})
        };
        let g = json!({
            "test": task("test", json!({"build": "build", "toolchain": "toolchain"})),
            "build": task("build", json!({"toolchain": "toolchain", "image": "image"})),
            "toolchain": task("toolchain", json!({"image": "image"})),
            "image": task("image", json!({})),
        });
        FullTaskGraph::parse(g.to_string().into_bytes()).unwrap()
    }

    fn preview_of(graph: &FullTaskGraph, existing: &LabelToTaskId) -> Preview {
        let request = Request {
            push: crate::engine::Push {
                flavour: crate::engine::Flavour::Taskgraph,
                existing,
                parameters: &json!({}),
                answers: &IndexAnswers::default(),
                decision_task_id: "D",
                trust_domain: "gecko",
                level: "3",
                root_url: "https://tc",
                proxy_url: None,
            },
            labels: vec!["test".into()],
            times: 1,
            mode: Mode::AddNewJobs {
                action_task_id: "A".into(),
            },
            modifier: Default::default(),
            now: chrono::NaiveDate::from_ymd_opt(2025, 12, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
            with_task_graph: false,
            threads: 1,
        };
        crate::engine::preview(graph, &request, &mut CounterIds::golden()).unwrap()
    }

    #[test]
    fn layers_follow_dependencies_and_decisions_are_kept() {
        let graph = graph();
        let existing: LabelToTaskId = [("image".to_string(), "ImageTaskId".to_string())].into();
        let view = closure_view(&graph, &preview_of(&graph, &existing), 100);
        let by_label: HashMap<&str, &Node> =
            view.nodes.iter().map(|n| (n.label.as_str(), n)).collect();
        assert_eq!(view.nodes.len(), 4);
        assert_eq!(view.omitted, 0);
        assert_eq!(by_label["test"].decision, "requested");
        assert_eq!(by_label["build"].decision, "created");
        assert_eq!(by_label["image"].decision, "reused");
        // Each dependency sits in a layer to the right of its dependents.
        for &(from, to) in &view.edges {
            assert!(view.nodes[from].x < view.nodes[to].x, "{from} -> {to}");
        }
        assert_eq!(view.edges.len(), 5);
        // No two boxes overlap.
        for (i, a) in view.nodes.iter().enumerate() {
            for b in &view.nodes[i + 1..] {
                let apart = (a.x - b.x).abs() >= NODE_WIDTH || (a.y - b.y).abs() >= NODE_HEIGHT;
                assert!(apart, "{} and {} overlap", a.label, b.label);
            }
        }
    }

    #[test]
    fn a_big_closure_is_cut_breadth_first() {
        let graph = graph();
        let view = closure_view(&graph, &preview_of(&graph, &LabelToTaskId::new()), 2);
        let labels: Vec<&str> = view.nodes.iter().map(|n| n.label.as_str()).collect();
        assert_eq!(labels, ["test", "build"]);
        assert_eq!(view.omitted, 2);
        assert_eq!(view.edges, [(0, 1)]);
    }
}
