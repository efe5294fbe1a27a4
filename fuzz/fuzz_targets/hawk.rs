//! Fuzz target `hawk`: see `standin::hawk::fuzz`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| standin::hawk::fuzz(data));
