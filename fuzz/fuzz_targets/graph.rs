//! Fuzz target `graph`: see `taskgraph_preview::fuzzing::graph`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskgraph_preview::fuzzing::graph(data));
