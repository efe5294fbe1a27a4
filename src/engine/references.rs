//! `task-reference`, `artifact-reference` and `relative-datestamp` resolution
//! (upstream `taskgraph/util/parameterization.py`).
//!
//! All three go through one walker, [`recurse`], with upstream's rule: only an object with
//! **exactly one key** naming a wrapper is replaced. If the wrapper's value is an object, its
//! *keys* are substituted and its values walked; otherwise the value (which must be a string)
//! is substituted. Strings outside wrappers are never touched.

use std::sync::OnceLock;

use regex::{Captures, Regex};
use serde_json::{Map, Value};

use super::constant_regex;
use super::error::Error;
use super::parse::value_type;

/// The wrapper keys upstream recognises.
pub const TASK_REFERENCE: &str = "task-reference";
pub const ARTIFACT_REFERENCE: &str = "artifact-reference";
pub const RELATIVE_DATESTAMP: &str = "relative-datestamp";

/// Walks `value`, replacing every one-key wrapper object whose key is in `wrappers` by
/// `substitute(wrapper, text)`. `label` names the task in errors.
pub fn recurse<F>(
    value: Value,
    wrappers: &[&str],
    label: &str,
    substitute: &mut F,
) -> Result<Value, Error>
where
    F: FnMut(&str, &str) -> Result<String, Error>,
{
    match value {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some((key, _)) = map.iter().next() {
                    if let Some(&wrapper) = wrappers.iter().find(|w| **w == key.as_str()) {
                        let Some((_, inner)) = map.into_iter().next() else {
                            return Ok(Value::Null);
                        };
                        return match inner {
                            Value::Object(inner) => {
                                let mut out = Map::with_capacity(inner.len());
                                for (k, v) in inner {
                                    let k = substitute(wrapper, &k)?;
                                    out.insert(k, recurse(v, wrappers, label, substitute)?);
                                }
                                Ok(Value::Object(out))
                            }
                            Value::String(text) => Ok(Value::String(substitute(wrapper, &text)?)),
                            other => Err(Error::BadReference {
                                label: label.to_string(),
                                wrapper: wrapper.to_string(),
                                found: value_type(&other).to_string(),
                            }),
                        };
                    }
                }
            }
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k, recurse(v, wrappers, label, substitute)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .into_iter()
            .map(|v| recurse(v, wrappers, label, substitute))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other),
    }
}

/// What a task's references resolve against.
pub struct ReferenceContext<'a> {
    /// The task's label (for errors).
    pub label: &'a str,
    /// The task's own new taskId (`<self>`).
    pub task_id: &'a str,
    /// `<decision>`.
    pub decision_task_id: &'a str,
    /// Edge name (or soft-dependency label) → taskId; later entries win.
    pub dependencies: &'a [(&'a str, &'a str)],
    /// Root URL for public artifacts.
    pub root_url: &'a str,
    /// Proxy URL for private artifacts; the root URL when `None`.
    pub proxy_url: Option<&'a str>,
}

impl ReferenceContext<'_> {
    fn dependency(&self, name: &str) -> Option<&str> {
        self.dependencies
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, id)| *id)
    }

    fn task_reference(&self, text: &str) -> Result<String, Error> {
        static PATTERN: OnceLock<Regex> = OnceLock::new();
        let pattern = PATTERN.get_or_init(|| constant_regex("<([^>]+)>"));
        replace_all(pattern, text, |caps| {
            let key = caps.get(1).map_or("", |m| m.as_str());
            if key == "self" {
                return Ok(self.task_id.to_string());
            }
            if key == "decision" {
                return Ok(self.decision_task_id.to_string());
            }
            if let Some(id) = self.dependency(key) {
                return Ok(id.to_string());
            }
            if key == "<" {
                return Ok("<".to_string());
            }
            Err(Error::UnknownReference {
                label: self.label.to_string(),
                name: key.to_string(),
            })
        })
    }

    fn artifact_reference(&self, text: &str) -> Result<String, Error> {
        static PATTERN: OnceLock<Regex> = OnceLock::new();
        let pattern = PATTERN.get_or_init(|| constant_regex("<([^/]+)/([^>]+)>"));
        replace_all(pattern, text, |caps| {
            let dependency = caps.get(1).map_or("", |m| m.as_str());
            let artifact = caps.get(2).map_or("", |m| m.as_str());
            let task_id = match dependency {
                "self" => {
                    return Err(Error::SelfArtifactReference {
                        label: self.label.to_string(),
                    })
                }
                "decision" => self.decision_task_id,
                name => self
                    .dependency(name)
                    .ok_or_else(|| Error::UnknownReference {
                        label: self.label.to_string(),
                        name: name.to_string(),
                    })?,
            };
            let root = if artifact.starts_with("public/") {
                self.root_url
            } else {
                self.proxy_url.unwrap_or(self.root_url)
            };
            Ok(artifact_url(root, task_id, artifact))
        })
    }

    /// Resolves every `task-reference` and `artifact-reference` in a task definition.
    pub fn resolve(&self, definition: Value) -> Result<Value, Error> {
        recurse(
            definition,
            &[TASK_REFERENCE, ARTIFACT_REFERENCE],
            self.label,
            &mut |wrapper, text| {
                if wrapper == TASK_REFERENCE {
                    self.task_reference(text)
                } else {
                    self.artifact_reference(text)
                }
            },
        )
    }
}

/// `<root>/api/queue/v1/task/<taskId>/artifacts/<path>` (trailing slashes of the root dropped,
/// the path not encoded), as `taskcluster_urls.api` builds it.
pub fn artifact_url(root_url: &str, task_id: &str, path: &str) -> String {
    format!(
        "{}/api/queue/v1/task/{task_id}/artifacts/{path}",
        root_url.trim_end_matches('/')
    )
}

/// `Regex::replace_all` with a fallible replacement; the first error wins.
fn replace_all<F>(pattern: &Regex, text: &str, mut replacement: F) -> Result<String, Error>
where
    F: FnMut(&Captures<'_>) -> Result<String, Error>,
{
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for caps in pattern.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        out.push_str(text.get(last..whole.start()).unwrap_or(""));
        out.push_str(&replacement(&caps)?);
        last = whole.end();
    }
    out.push_str(text.get(last..).unwrap_or(""));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx<'a>(deps: &'a [(&'a str, &'a str)]) -> ReferenceContext<'a> {
        ReferenceContext {
            label: "some-label",
            task_id: "SELF",
            decision_task_id: "DECISION",
            dependencies: deps,
            root_url: "https://tc.example.com/",
            proxy_url: Some("http://taskcluster"),
        }
    }

    #[test]
    fn task_references_and_escapes() {
        let deps = [("build", "B"), ("edge3", "T3")];
        let got = ctx(&deps)
            .resolve(json!({
                "a": {"task-reference": "literal <<>not-a-ref> and <build>"},
                "b": {"task-reference": "<<><edge3>>"},
                "c": {"task-reference": {"<self>-<decision>": {"task-reference": "<build>"}, "k": "<build>"}},
                "d": {"task-reference": "<build>", "other": 1},
                "e": "<build>",
            }))
            .unwrap();
        assert_eq!(
            got,
            json!({
                "a": "literal <not-a-ref> and B",
                "b": "<T3>",
                "c": {"SELF-DECISION": "B", "k": "<build>"},
                "d": {"task-reference": "<build>", "other": 1},
                "e": "<build>",
            })
        );
    }

    #[test]
    fn artifact_references_use_root_or_proxy() {
        let deps = [("build", "B")];
        let got = ctx(&deps)
            .resolve(json!([
                {"artifact-reference": "<build/public/x.zip>"},
                {"artifact-reference": "<build/private/y.zip> <decision/public/z>"},
                {"artifact-reference": "<build> <build/>"},
            ]))
            .unwrap();
        assert_eq!(
            got,
            json!([
                "https://tc.example.com/api/queue/v1/task/B/artifacts/public/x.zip",
                "http://taskcluster/api/queue/v1/task/B/artifacts/private/y.zip https://tc.example.com/api/queue/v1/task/DECISION/artifacts/public/z",
                "<build> <build/>",
            ])
        );
    }

    #[test]
    fn reference_errors_match_upstream_wording() {
        let err = ctx(&[])
            .resolve(json!({"x": {"task-reference": "<nope>"}}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "task \"some-label\" has no dependency named \"nope\""
        );
        let err = ctx(&[])
            .resolve(json!({"x": {"artifact-reference": "<self/public/a>"}}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "task \"some-label\" can't reference artifacts of self"
        );
        let err = ctx(&[])
            .resolve(json!({"x": {"task-reference": ["<self>"]}}))
            .unwrap_err();
        assert_eq!(err.kind(), "bad-reference");
    }
}
