//! What the worker and its callers (the page, the JS API's users) agree on, written once: the
//! flat error every operation fails with, and the page sizes both sides use. The worker sends
//! these (`js_api`), the page reads them (`ui`); more of the protocol's types are to move here
//! (issue 20, item 2).

use serde::{Deserialize, Serialize};

/// A flat error for JavaScript: `{kind, message, labels}` (the labels at fault, if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub kind: String,
    pub message: String,
    #[serde(default)]
    pub labels: Vec<String>,
}

/// Jobs per page of the grid, while a push loads (`onJobs`) and after (`jobsPage`, unless the
/// caller asks for another size): each is parsed by the page in a short task.
pub const JOBS_PAGE: usize = 1000;

/// Tasks in a graph view of a preview's closure, unless the caller asks for another number:
/// what the page draws, and `graphView`'s default for the JS API.
pub const GRAPH_VIEW: usize = 150;
