//! Fuzz target `inputs`: see `taskgraph_preview::fuzzing::inputs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskgraph_preview::fuzzing::inputs(data));
