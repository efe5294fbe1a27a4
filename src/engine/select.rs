//! Target selection: validate the requested labels and build the target graph, the transitive
//! closure of the request over hard dependencies (upstream `Graph.transitive_closure`).
//!
//! The target graph uses its own dense local indices (`0..len`), ordered by label, so every
//! later phase works on small vectors instead of hash maps. Soft dependencies are not followed;
//! `if_dependencies` are (they are ordinary edges too).

use std::collections::{HashMap, VecDeque};

use petgraph::graph::DiGraph;

use super::error::Error;
use super::model::{FullTaskGraph, TaskIdx};

/// Local index of a task inside a [`TargetGraph`].
pub type Local = u32;

/// An edge of the target graph: `(edge name, dependency)`.
#[derive(Debug, Clone)]
pub struct Edge<'g> {
    pub name: &'g str,
    pub to: Local,
}

/// The closure of a request, with forward and reverse links and a dependencies-first order.
#[derive(Debug)]
pub struct TargetGraph<'g> {
    pub graph: &'g FullTaskGraph,
    /// Global index of each local node, sorted by label.
    pub nodes: Vec<TaskIdx>,
    /// Outgoing edges (one per named dependency whose target exists), in document order.
    pub edges: Vec<Vec<Edge<'g>>>,
    /// Distinct dependencies of each node (upstream `links_dict`, a set).
    pub dependencies: Vec<Vec<Local>>,
    /// Distinct dependents of each node inside the closure (upstream `reverse_links_dict`).
    pub dependents: Vec<Vec<Local>>,
    /// Every node after all of its dependencies (upstream `visit_postorder`).
    pub postorder: Vec<Local>,
}

impl<'g> TargetGraph<'g> {
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn label(&self, local: Local) -> &'g str {
        self.nodes
            .get(local as usize)
            .map_or("", |&idx| self.graph.label(idx))
    }

    pub fn global(&self, local: Local) -> TaskIdx {
        self.nodes.get(local as usize).copied().unwrap_or(0)
    }

    /// Local index of a label in the closure.
    pub fn local_of(&self, label: &str) -> Option<Local> {
        self.nodes
            .binary_search_by(|&idx| self.graph.label(idx).cmp(label))
            .ok()
            .and_then(|pos| Local::try_from(pos).ok())
    }
}

/// Checks that every requested label exists; the error names all unknown ones (sorted).
pub fn validate_labels(graph: &FullTaskGraph, requested: &[String]) -> Result<(), Error> {
    let mut unknown: Vec<String> = requested
        .iter()
        .filter(|l| graph.index_of(l).is_none())
        .cloned()
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort();
    unknown.dedup();
    Err(Error::UnknownLabels { labels: unknown })
}

/// Builds the target graph: the closure of `requested` (which must be valid labels).
pub fn target_graph<'g>(
    graph: &'g FullTaskGraph,
    requested: &[String],
) -> Result<TargetGraph<'g>, Error> {
    validate_labels(graph, requested)?;
    let mut seen = vec![false; graph.len()];
    let mut queue: VecDeque<TaskIdx> = VecDeque::new();
    let mut nodes = Vec::new();
    for label in requested {
        if let Some(idx) = graph.index_of(label) {
            if let Some(slot) = seen.get_mut(idx as usize) {
                if !*slot {
                    *slot = true;
                    queue.push_back(idx);
                }
            }
        }
    }
    while let Some(idx) = queue.pop_front() {
        nodes.push(idx);
        for (_, dep) in graph.dependencies_of(idx) {
            if let Some(slot) = seen.get_mut(dep as usize) {
                if !*slot {
                    *slot = true;
                    queue.push_back(dep);
                }
            }
        }
    }
    nodes.sort_unstable_by(|&a, &b| graph.label(a).cmp(graph.label(b)));
    let local: HashMap<TaskIdx, Local> = nodes
        .iter()
        .enumerate()
        .map(|(pos, &idx)| (idx, pos as Local))
        .collect();

    let mut edges = Vec::with_capacity(nodes.len());
    let mut dependencies = Vec::with_capacity(nodes.len());
    let mut dependents: Vec<Vec<Local>> = vec![Vec::new(); nodes.len()];
    for (pos, &idx) in nodes.iter().enumerate() {
        let mut out = Vec::new();
        let mut distinct: Vec<Local> = Vec::new();
        for (name, dep) in graph.dependencies_of(idx) {
            let Some(&to) = local.get(&dep) else { continue };
            out.push(Edge { name, to });
            if !distinct.contains(&to) {
                distinct.push(to);
            }
        }
        for &to in &distinct {
            if let Some(list) = dependents.get_mut(to as usize) {
                list.push(pos as Local);
            }
        }
        edges.push(out);
        dependencies.push(distinct);
    }
    let mut target = TargetGraph {
        graph,
        nodes,
        edges,
        dependencies,
        dependents,
        postorder: Vec::new(),
    };
    target.postorder = postorder(&target)?;
    Ok(target)
}

/// Kahn's algorithm over distinct dependency links; a cycle is an error naming the tasks that
/// are on a cycle (upstream names every task left over, in set order).
fn postorder(target: &TargetGraph<'_>) -> Result<Vec<Local>, Error> {
    let n = target.len();
    let mut indegree: Vec<usize> = target.dependencies.iter().map(Vec::len).collect();
    let mut queue: VecDeque<Local> = (0..n as Local)
        .filter(|&l| indegree.get(l as usize) == Some(&0))
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(node) = queue.pop_front() {
        order.push(node);
        for &dependent in target.dependents.get(node as usize).into_iter().flatten() {
            if let Some(d) = indegree.get_mut(dependent as usize) {
                *d -= 1;
                if *d == 0 {
                    queue.push_back(dependent);
                }
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    Err(Error::DependencyCycle {
        labels: cycle_members(target, &indegree),
    })
}

/// The labels of the tasks that sit on a dependency cycle (strongly connected components with
/// more than one task, or a task that depends on itself), sorted.
fn cycle_members(target: &TargetGraph<'_>, indegree: &[usize]) -> Vec<String> {
    let mut g: DiGraph<Local, ()> = DiGraph::new();
    let mut ids = HashMap::new();
    for (local, &d) in indegree.iter().enumerate() {
        if d > 0 {
            ids.insert(local as Local, g.add_node(local as Local));
        }
    }
    for (&from, &a) in &ids {
        for &to in target.dependencies.get(from as usize).into_iter().flatten() {
            if let Some(&b) = ids.get(&to) {
                g.add_edge(a, b, ());
            }
        }
    }
    let mut labels: Vec<String> = petgraph::algo::tarjan_scc(&g)
        .into_iter()
        .filter(|scc| scc.len() > 1 || scc.iter().any(|&n| g.contains_edge(n, n)))
        .flatten()
        .filter_map(|n| g.node_weight(n).map(|&l| target.label(l).to_string()))
        .collect();
    labels.sort();
    labels
}
