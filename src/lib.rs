//! taskgraph-preview: compute, exactly and before anything is submitted, what taskgraph's
//! `add-new-jobs` action will create for a push.
//!
//! The crate is one package with layers as folders (see `ARCHITECTURE.md`):
//!
//! * [`engine`]: the pure core. It parses `full-task-graph.json` and friends and reproduces
//!   taskcluster-taskgraph 24.5.1's `create_tasks` → `optimize_task_graph` → `get_subgraph` →
//!   `create.create_tasks`. No I/O, clock, randomness or web crates.
//! * `taskcluster` and `actions` (feature `taskcluster`): Taskcluster URLs, Hawk signing,
//!   and `actions.json` rendering with JSON-e. Pure as well.
//! * `synth` (feature `synth`): a deterministic generator of gecko-shaped graphs for benchmarks
//!   and differential tests.
//! * `session` (feature `taskcluster`): one loaded push kept for many previews.
//! * `view` and `layout` (features `view`, `layout`): what the page shows (grid rows, filters,
//!   search, URL state) and the graph view's layout; pure.
//! * `js_api` (feature `js-api`, wasm32): the `#[wasm_bindgen]` facade the Web Worker runs.
//! * `ui` (feature `ui`): the yew page (`src/bin/page.rs`, built by Trunk).
//! * [`protocol`]: what the worker and its callers agree on (the flat error, page sizes).
//! * `cli` (feature `cli`): the native command line, the only layer here that reads files and
//!   the clock.

pub mod engine;

pub mod protocol;

pub mod url;

#[cfg(feature = "synth")]
pub mod synth;

#[cfg(feature = "taskcluster")]
pub mod actions;

// The URL conventions alone serve the page too (the load's first requests); the rest needs
// the feature.
#[cfg(any(feature = "taskcluster", feature = "ui"))]
pub mod taskcluster;

#[cfg(feature = "taskcluster")]
pub mod session;

#[cfg(feature = "view")]
pub mod view;

#[cfg(feature = "layout")]
pub mod layout;

#[cfg(all(feature = "js-api", target_arch = "wasm32"))]
pub mod js_api;

#[cfg(feature = "ui")]
pub mod ui;

#[cfg(feature = "cli")]
pub mod cli;

#[cfg(feature = "fuzzing")]
pub mod fuzzing;
