//! Fuzz target `preview`: see `taskgraph_preview::fuzzing::preview`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskgraph_preview::fuzzing::preview(data));
