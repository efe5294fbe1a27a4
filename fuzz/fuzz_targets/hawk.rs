//! Fuzz target `hawk`: see `taskgraph_preview::fuzzing::hawk`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskgraph_preview::fuzzing::hawk(data));
