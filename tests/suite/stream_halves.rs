//! A big pretty-printed graph read in two halves, or in many parts (as the CLI reads a big
//! file), each part scanned on its own, gives exactly what one stream gives (the synthetic
//! generator makes a graph big enough to be worth cutting).

use taskgraph_preview::engine::stream::Spare;
use taskgraph_preview::engine::{FullTaskGraph, GraphStream};
use taskgraph_preview::synth;

fn same(whole: &FullTaskGraph, parts: &FullTaskGraph) {
    assert_eq!(parts.len(), whole.len());
    assert_eq!(parts.edge_count(), whole.edge_count());
    let a: Vec<&str> = whole.labels_unsorted().collect();
    let b: Vec<&str> = parts.labels_unsorted().collect();
    assert_eq!(a, b);
    for label in a.iter().step_by(97) {
        assert_eq!(
            whole.task_definition(label).unwrap(),
            parts.task_definition(label).unwrap()
        );
        assert_eq!(whole.attributes(label), parts.attributes(label));
        let (x, y) = (whole.get(label).unwrap(), parts.get(label).unwrap());
        assert_eq!(x.dependencies, y.dependencies);
        assert_eq!(x.optimization, y.optimization);
    }
}

#[test]
fn many_parts_with_handed_on_buffers_join_into_the_whole_graph() {
    let push = synth::generate(&synth::Config {
        tasks: 1500,
        seed: 4,
    });
    let text = push.graph_json();
    // Parts of about 1 MB (the CLI's are 2 MB), each ending where a top-level key starts a
    // line; the last one closes the graph.
    let mut cuts = vec![0];
    while let Some(at) = text
        .get(cuts.last().unwrap() + (1 << 20)..)
        .and_then(GraphStream::cut_in)
    {
        cuts.push(cuts.last().unwrap() + (1 << 20) + at);
    }
    cuts.push(text.len());
    assert!(cuts.len() > 5, "{} parts", cuts.len() - 1);
    let mut spare = Spare::default();
    let mut joined: Option<taskgraph_preview::engine::stream::Part> = None;
    let mut last = None;
    for (i, pair) in cuts.windows(2).enumerate() {
        let mut stream = if i == 0 {
            GraphStream::new()
        } else {
            GraphStream::continuation_in(std::mem::take(&mut spare))
        };
        for piece in text[pair[0]..pair[1]].chunks(300_000) {
            stream.feed(piece).unwrap();
        }
        if pair[1] == text.len() {
            last = Some(stream);
            break;
        }
        let part = stream
            .into_part_keeping(&mut spare)
            .expect("cut between entries");
        joined = Some(match joined {
            Some(whole) => whole.then(part),
            None => part,
        });
    }
    let parts = last.unwrap().finish_after(joined.unwrap()).unwrap();
    same(&FullTaskGraph::parse_whole(text).unwrap(), &parts);
}

#[test]
fn halves_cut_between_entries_join_into_the_whole_graph() {
    let push = synth::generate(&synth::Config {
        tasks: 5000,
        seed: 3,
    });
    let text = push.graph_json();
    assert!(text.len() > 33 << 20, "{} bytes", text.len());
    let middle = text.len() / 2;
    let cut = middle + GraphStream::cut_in(&text[middle..]).unwrap();
    let mut first = GraphStream::new();
    for piece in text[..cut].chunks(1 << 20) {
        first.feed(piece).unwrap();
    }
    let part = first.into_part().expect("the cut is between entries");
    let mut rest = GraphStream::continuation();
    for piece in text[cut..].chunks(1 << 20) {
        rest.feed(piece).unwrap();
    }
    let halves = rest.finish_after(part).unwrap();
    let whole = FullTaskGraph::parse_whole(text).unwrap();
    assert_eq!(halves.len(), push.full_task_graph.len());
    assert_eq!(halves.edge_count(), whole.edge_count());
    let a: Vec<&str> = whole.labels_unsorted().collect();
    let b: Vec<&str> = halves.labels_unsorted().collect();
    assert_eq!(a, b);
    for label in a.iter().step_by(97) {
        assert_eq!(
            whole.task_definition(label).unwrap(),
            halves.task_definition(label).unwrap()
        );
        assert_eq!(whole.attributes(label), halves.attributes(label));
        let (x, y) = (whole.get(label).unwrap(), halves.get(label).unwrap());
        assert_eq!(x.dependencies, y.dependencies);
        assert_eq!(x.optimization, y.optimization);
    }
}

#[test]
fn a_compact_graph_has_no_cut_and_parses_whole() {
    let push = synth::generate(&synth::Config {
        tasks: 300,
        seed: 5,
    });
    let compact = serde_json::to_vec(&push.full_task_graph).unwrap();
    assert_eq!(GraphStream::cut_in(&compact), None);
    let a = FullTaskGraph::parse(compact).unwrap();
    let b = FullTaskGraph::parse(push.graph_json()).unwrap();
    assert_eq!(a.len(), b.len());
    assert_eq!(a.edge_count(), b.edge_count());
}
