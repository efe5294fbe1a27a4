//! The engine: a pure, exact reproduction of what taskcluster-taskgraph 24.5.1's
//! `add-new-jobs` action creates (`create_tasks` → `optimize_task_graph` → `get_subgraph` →
//! `create.create_tasks`).
//!
//! Modules follow the data flow: [`parse`] the artifacts into a [`FullTaskGraph`], [`select`]
//! the closure of the request, [`optimize`] it (remove, replace, subgraph with
//! [`references`] resolved), [`finalize`] the definitions (decision dependency, ids,
//! [`datestamps`]), all driven by [`preview()`].
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
pub mod model;
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

pub use error::Error;
pub use flavour::Flavour;
pub use ids::{CounterIds, TaskIdSource};
pub use model::FullTaskGraph;
pub use parse::{IndexAnswers, LabelToTaskId};
pub use preview::{preview, Iteration, Mode, Preview, Request, Reuse, Warning};
pub use stream::GraphStream;

/// Compiles a regular expression written in this crate's source.
///
/// Every constant pattern is compiled by the unit tests, so a typo fails there; the `expect`
/// can never trigger on user input.
pub(crate) fn constant_regex(pattern: &str) -> regex::Regex {
    #[allow(clippy::expect_used)]
    regex::Regex::new(pattern).expect("constant regular expression")
}
