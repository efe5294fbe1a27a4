//! Criterion benchmarks on gecko-shaped synthetic pushes of 1k, 10k and 50k tasks: loading
//! `full-task-graph.json`, and previews of one test, fifty tests across platforms, and every
//! chunk of one suite on every platform, on an already-loaded graph.
//!
//! Run with `make bench` (or `cargo bench --features synth`); `BENCH_SIZES=1000,10000` picks
//! sizes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use taskgraph_preview::engine::{
    self, datestamps, parse, CounterIds, FullTaskGraph, Mode, Request,
};
use taskgraph_preview::synth;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn sizes() -> Vec<usize> {
    std::env::var("BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 50_000])
}

fn benches(c: &mut Criterion) {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    for size in sizes() {
        let push = synth::generate(&synth::Config {
            tasks: size,
            seed: 1,
        });
        let text = push.graph_json();
        let mut group = c.benchmark_group(format!("gecko-{}k", size / 1000));
        group.sample_size(if size >= 10_000 { 10 } else { 30 });
        group.measurement_time(Duration::from_secs(if size >= 10_000 { 8 } else { 4 }));
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function("load", |b| {
            b.iter(|| FullTaskGraph::parse(black_box(text.clone())).map(|g| g.len()))
        });
        group.throughput(Throughput::Elements(1));
        let graph = FullTaskGraph::parse(text).expect("generated graph parses");
        let existing = push.label_to_taskid.clone();
        let params = parse::parameters(push.parameters_yaml.as_bytes(), "parameters.yml")
            .expect("parameters");
        let answers = parse::index_answers(
            &serde_json::to_vec(&push.index).unwrap_or_default(),
            "index.json",
        )
        .expect("index answers");
        for name in [
            "one-test",
            "fifty-tests-across-platforms",
            "all-mochitest-browser-chrome",
        ] {
            let Some(labels) = push.requests.get(name) else {
                continue;
            };
            let request = Request {
                push: taskgraph_preview::engine::Push {
                    flavour: taskgraph_preview::engine::Flavour::Taskgraph,
                    existing: &existing,
                    parameters: &params,
                    answers: &answers,
                    decision_task_id: "DecisionTaskId00000000A",
                    trust_domain: "gecko",
                    level: "3",
                    root_url: "https://firefox-ci-tc.services.mozilla.com",
                    proxy_url: Some("http://taskcluster"),
                },
                labels: labels.clone(),
                times: 1,
                mode: Mode::AddNewJobs {
                    action_task_id: "ActionTaskId0000000000A".into(),
                },
                modifier: Default::default(),
                now: datestamps::parse_rfc3339("2025-12-01T00:00:00.000Z").unwrap_or_default(),
                with_task_graph: false,
                threads,
            };
            group.bench_with_input(
                BenchmarkId::new("preview", format!("{name} ({} labels)", labels.len())),
                &request,
                |b, r| {
                    b.iter(|| {
                        engine::preview(&graph, r, &mut CounterIds::golden())
                            .map(|p| p.iterations.first().map_or(0, |i| i.created.len()))
                    })
                },
            );
        }
        group.finish();
    }
}

criterion_group!(engine_benches, benches);
criterion_main!(engine_benches);
