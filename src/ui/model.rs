//! The data the page receives from the worker: the protocol's types (`crate::protocol`), the
//! same ones the worker serialises, under the names the page's modules use.

pub use crate::layout::GraphView;
pub use crate::protocol::{
    ActionPreview, ApiError, Comparison, Iteration, LoadEvent, Offered, Preview, Reuse, Summary,
    Warning,
};
