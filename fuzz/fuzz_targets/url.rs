//! Fuzz target `url`: see `taskgraph_preview::fuzzing::url`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskgraph_preview::fuzzing::url(data));
