//! The engine's error type, one variant per failure a user's input can cause, and its
//! [`Warning`], a soft problem that does not stop a preview. A leaf: it uses no other engine
//! module.
//!
//! Messages are lowercase, name every offending label (sorted) and quote values with `{:?}`.
//! Where upstream taskgraph raises for the same input, the message keeps its wording so that a
//! sheriff who has seen the action task fail recognises it.

use serde::Serialize;
use thiserror::Error;

/// Everything that makes a preview impossible. Soft problems are [`Warning`]s instead.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// A file could not be parsed at all (bad JSON/YAML, truncated, wrong top-level type).
    #[error("{what}: {message}")]
    Syntax { what: String, message: String },

    /// An entry of `full-task-graph.json` has a missing or mistyped field.
    #[error("task {label:?}: field {field:?} {problem}")]
    BadField {
        label: String,
        field: String,
        problem: String,
    },

    /// Requested labels that the graph does not have (upstream: `<label> was not found in the
    /// task-graph`).
    #[error("{} not found in the task-graph", quote_labels(.labels))]
    UnknownLabels { labels: Vec<String> },

    /// The closure of the request contains a dependency cycle.
    #[error("dependency loop detected involving the following nodes: {}", join_labels(.labels))]
    DependencyCycle { labels: Vec<String> },

    /// A kept task depends on a removed one (upstream: `Optimization error: ...`).
    #[error("optimization error: {}", .edges.iter().map(|(l, r, n)| format!("{l} depends on {r} as {n} but it has been removed")).collect::<Vec<_>>().join(", "))]
    RemovedDependency {
        edges: Vec<(String, String, String)>,
    },

    /// `task-reference`/`artifact-reference` names a dependency the task does not have.
    #[error("task {label:?} has no dependency named {name:?}")]
    UnknownReference { label: String, name: String },

    /// `artifact-reference` to `<self/...>`.
    #[error("task {label:?} can't reference artifacts of self")]
    SelfArtifactReference { label: String },

    /// A reference wrapper whose value is neither a string nor an object.
    #[error("task {label:?}: {wrapper:?} must hold a string or an object, not {found}")]
    BadReference {
        label: String,
        wrapper: String,
        found: String,
    },

    /// A `relative-datestamp` (or another timestamp) that upstream cannot parse.
    #[error("task {label:?}: {message}")]
    BadDatestamp { label: String, message: String },

    /// A timestamp upstream parses with `%Y-%m-%dT%H:%M:%S.%fZ` and that does not match it.
    #[error("{what}: time data {value:?} does not match format '%Y-%m-%dT%H:%M:%S.%fZ'")]
    BadTimestamp { what: String, value: String },

    /// A request that cannot be run (bad `times`, bad level, ...).
    #[error("invalid request: {message}")]
    BadRequest { message: String },
}

impl Error {
    /// A stable kebab-case name for the variant, for JSON output and the JS boundary.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Syntax { .. } => "syntax",
            Error::BadField { .. } => "bad-field",
            Error::UnknownLabels { .. } => "unknown-labels",
            Error::DependencyCycle { .. } => "dependency-cycle",
            Error::RemovedDependency { .. } => "removed-dependency",
            Error::UnknownReference { .. } => "unknown-reference",
            Error::SelfArtifactReference { .. } => "self-artifact-reference",
            Error::BadReference { .. } => "bad-reference",
            Error::BadDatestamp { .. } => "bad-datestamp",
            Error::BadTimestamp { .. } => "bad-timestamp",
            Error::BadRequest { .. } => "bad-request",
        }
    }

    /// The labels this error is about, if any (sorted).
    pub fn labels(&self) -> Vec<String> {
        match self {
            Error::BadField { label, .. }
            | Error::UnknownReference { label, .. }
            | Error::SelfArtifactReference { label }
            | Error::BadReference { label, .. }
            | Error::BadDatestamp { label, .. } => vec![label.clone()],
            Error::UnknownLabels { labels } | Error::DependencyCycle { labels } => labels.clone(),
            Error::RemovedDependency { edges } => {
                let mut labels: Vec<String> = edges.iter().map(|(l, _, _)| l.clone()).collect();
                labels.sort();
                labels.dedup();
                labels
            }
            Error::Syntax { .. } | Error::BadTimestamp { .. } | Error::BadRequest { .. } => vec![],
        }
    }
}

fn quote_labels(labels: &[String]) -> String {
    let quoted: Vec<String> = labels.iter().map(|l| format!("{l:?}")).collect();
    match quoted.len() {
        1 => format!("{} was", quoted.join(", ")),
        _ => format!("{} were", quoted.join(", ")),
    }
}

fn join_labels(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| format!("{l:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A problem worth a sheriff's attention that does not stop the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Warning {
    pub kind: String,
    pub labels: Vec<String>,
    pub message: String,
}

impl Warning {
    pub(crate) fn unknown_dependency(label: &str, deps: &[String]) -> Warning {
        Warning {
            kind: "unknown-dependency".into(),
            labels: vec![label.to_string()],
            message: format!(
                "{label:?} depends on {} not in the graph; the edge is dropped as upstream does",
                deps.iter()
                    .map(|d| format!("{d:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}
