//! Fuzz target `actions`: see `taskgraph_preview::fuzzing::actions`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskgraph_preview::fuzzing::actions(data));
