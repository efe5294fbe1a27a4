//! Rendering `actions.json` (issue 24): the real add-new-jobs hook payload (taskgraph's own
//! actions.json, ex6), the hostile expression that took json-e 4.8.4 exponential time
//! (`t[[[…askGroupId` with 16 and 60 unclosed brackets: 32 s and forever before the fork), and
//! templates refused by the budget or the nesting limit. Each must stay far under a
//! millisecond-scale budget: the numbers are read here, never asserted in a test.
//!
//! Run with `make bench` (or `cargo bench --features taskcluster --bench actions`).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};
use taskgraph_preview::actions;

fn actions_json(add_new_jobs: Value) -> actions::ActionsJson {
    let mut real: Value = serde_json::from_slice(include_bytes!(
        "../tests/data/examples/ex6-actions-json-render/input/actions.json"
    ))
    .expect("ex6 actions.json");
    for action in real["actions"].as_array_mut().expect("actions") {
        if action["name"] == "add-new-jobs" && !add_new_jobs.is_null() {
            let payload = action["hookPayload"].take();
            action["hookPayload"] = json!({"$let": {"hostile": add_new_jobs}, "in": payload});
        }
    }
    actions::parse(real.to_string().as_bytes()).expect("parses")
}

fn benches(c: &mut Criterion) {
    let input = json!({"tasks": ["test-unit-py311", "codecov-upload"]});
    let brackets = |n: usize| json!({"$eval": format!("t{}askGroupId", "[".repeat(n))});
    let cases = [
        ("real add-new-jobs", Value::Null),
        ("16 unclosed brackets", brackets(16)),
        ("60 unclosed brackets", brackets(60)),
        (
            "nested 65 levels",
            json!({"$eval": format!("{}1{}", "(".repeat(65), ")".repeat(65))}),
        ),
        (
            "range of 10^11",
            json!({"$eval": "len(range(0, 100000000000))"}),
        ),
        (
            "doubling $reduce",
            json!({"$reduce": {"$eval": "range(0, 60)"}, "initial": "x",
            "each(acc, i)": {"$eval": "acc + acc"}}),
        ),
    ];
    let mut group = c.benchmark_group("actions-json-e");
    for (name, template) in cases {
        let parsed = actions_json(template);
        let action = parsed.find("add-new-jobs", None).expect("add-new-jobs");
        group.bench_function(name, |b| {
            b.iter(|| {
                parsed
                    .render(
                        action,
                        "DecisionTaskTg00000001",
                        None,
                        black_box(&input),
                        None,
                        "Own",
                    )
                    .is_ok()
            })
        });
    }
    group.finish();
}

criterion_group!(actions_benches, benches);
criterion_main!(actions_benches);
