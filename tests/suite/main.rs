//! The integration tests, as one test binary (one link instead of one per file): each module
//! is what used to be its own `tests/<name>.rs`, compiled under the features it needs (what
//! its `[[test]]` entry's `required-features` used to say), so `cargo test` without features
//! still runs the engine's tests. `support` holds what several modules share: running the
//! binaries, starting the stand-in, and the one writer of the pushes it serves.
//!
//! The tests of all modules run as threads of one process: anything a test writes outside
//! memory goes to a scratch folder named after the test (`support::scratch`).

#[cfg(feature = "cli")]
mod support;

#[cfg(feature = "taskcluster")]
mod actions;
mod bad_input;
#[cfg(feature = "cli")]
mod cli;
#[cfg(feature = "fuzzing")]
mod fuzz_corpus;
#[cfg(feature = "cli")]
mod gecko;
mod golden;
#[cfg(feature = "cli")]
mod login;
mod properties;
mod protocol;
#[cfg(feature = "synth")]
mod stream_halves;
#[cfg(feature = "cli")]
mod taskcluster;
mod tidy;
