//! Replays the fuzz corpus (`fuzz/corpus/<target>/`, grown by `make fuzz` and committed) through
//! the same entry points the cargo-fuzz targets call, on stable: every input that ever found a
//! crash stays a regression test, and `make test` runs them all in seconds. (The `hawk` target's
//! corpus is replayed by the stand-in's tests: Hawk verification is the stand-in's.)

use std::fs;
use std::path::Path;

use taskgraph_preview::fuzzing;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{target}: {} panics", path.display());
        count += 1;
    }
    assert!(count > 0, "{target}: no corpus in {}", dir.display());
}

#[test]
fn graph_corpus() {
    replay("graph", fuzzing::graph);
}

#[test]
fn inputs_corpus() {
    replay("inputs", fuzzing::inputs);
}

#[test]
fn preview_corpus() {
    replay("preview", fuzzing::preview);
}

#[test]
fn actions_corpus() {
    replay("actions", fuzzing::actions);
}

#[test]
fn url_corpus() {
    replay("url", fuzzing::url);
}
