//! The engine: a pure, exact reproduction of what taskcluster-taskgraph 24.5.1's
//! `add-new-jobs` action creates (`create_tasks` → `optimize_task_graph` → `get_subgraph` →
//! `create.create_tasks`).
//!
//! Modules follow the data flow: [`parse`] the artifacts into a [`FullTaskGraph`], [`select`]
//! the closure of the request, [`optimize`] it (remove, replace, subgraph with
//! [`references`] resolved), [`finalize`] the definitions (decision dependency, ids,
//! [`datestamps`]), all driven by [`preview()`].
//!
//! **Architecture invariant:** the modules are strictly layered, without import circles. A
//! module uses only modules of a lower layer (bottom first):
//!
//! - layer 0, leaves: [`error`] (with [`Warning`]), [`json`], [`ids`], [`scan`], [`flavour`],
//!   [`datestamps`], `pairs`, [`par`];
//! - layer 1: [`model`];
//! - layer 2: [`parse`];
//! - layer 3: [`stream`];
//! - layer 4: [`select`], [`references`], [`runnable`], [`modifier`];
//! - layer 5: [`optimize`];
//! - layer 6: [`finalize`];
//! - layer 7: [`preview`](mod@preview);
//! - layer 8: [`callbacks`].
//!
//! This file only declares and re-exports; engine modules import from the defining module,
//! never through these re-exports. `tests/suite/tidy.rs` (`engine_is_layered`) checks it.
//!
//! **Architecture invariant:** nothing here does I/O, reads the clock, draws randomness or
//! touches a web crate. `now` and a [`TaskIdSource`] are inputs, so the same request always
//! gives the same preview, natively and in wasm32.

pub mod callbacks;
pub mod datestamps;
pub mod error;
pub mod finalize;
pub mod flavour;
pub mod ids;
pub mod json;
pub mod model;
pub mod modifier;
pub mod optimize;
mod pairs;
pub mod par;
pub mod parse;
pub mod preview;
pub mod references;
pub mod runnable;
pub mod scan;
pub mod select;
pub mod stream;

pub use error::{Error, Warning};
pub use flavour::Flavour;
pub use ids::{CounterIds, TaskIdSource};
pub use model::{FullTaskGraph, TextStore};
pub use parse::{IndexAnswers, LabelToTaskId};
pub use preview::{preview, Iteration, Mode, Preview, Push, Request, Reuse};
pub use stream::GraphStream;
