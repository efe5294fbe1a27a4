//! The parallel scan of a big pretty-printed graph gives exactly what the sequential scan
//! gives (the synthetic generator makes a graph large enough to be cut).

use taskgraph_preview::engine::model::Source;
use taskgraph_preview::engine::FullTaskGraph;
use taskgraph_preview::synth;

#[test]
fn parallel_and_sequential_scans_agree() {
    let push = synth::generate(&synth::Config {
        tasks: 5000,
        seed: 3,
    });
    let text = push.graph_json();
    assert!(
        text.len() > 33 << 20,
        "the graph must be big enough to be cut ({} bytes)",
        text.len()
    );
    let one = FullTaskGraph::parse_source(Source::Owned(text.clone()), 1).unwrap();
    let four = FullTaskGraph::parse_source(Source::Owned(text), 4).unwrap();
    assert_eq!(one.len(), push.full_task_graph.len());
    assert_eq!(one.len(), four.len());
    assert_eq!(one.edge_count(), four.edge_count());
    let a: Vec<&str> = one.labels_unsorted().collect();
    let b: Vec<&str> = four.labels_unsorted().collect();
    assert_eq!(a, b);
    for label in a.iter().step_by(97) {
        assert_eq!(
            one.task_definition(label).unwrap(),
            four.task_definition(label).unwrap()
        );
        let (x, y) = (one.get(label).unwrap(), four.get(label).unwrap());
        assert_eq!(x.dependencies, y.dependencies);
        assert_eq!(x.optimization, y.optimization);
    }
}

#[test]
fn a_compact_graph_is_scanned_sequentially_with_the_same_result() {
    let push = synth::generate(&synth::Config {
        tasks: 300,
        seed: 5,
    });
    let compact = serde_json::to_vec(&push.full_task_graph).unwrap();
    let pretty = push.graph_json();
    let a = FullTaskGraph::parse_source(Source::Owned(compact), 2).unwrap();
    let b = FullTaskGraph::parse_source(Source::Owned(pretty), 2).unwrap();
    assert_eq!(a.len(), b.len());
    assert_eq!(a.edge_count(), b.edge_count());
}
