//! `task-reference`, `artifact-reference` and `relative-datestamp` resolution
//! (upstream `taskgraph/util/parameterization.py`).
//!
//! All three go through one walker, [`recurse`], with upstream's rule: only an object with
//! **exactly one key** naming a wrapper is replaced. If the wrapper's value is an object, its
//! *keys* are substituted and its values walked; otherwise the value (which must be a string)
//! is substituted. Strings outside wrappers are never touched.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use super::datestamps::json_time_from_now;
use super::error::Error;
use super::json::value_type;

/// The wrapper keys upstream recognises.
pub const TASK_REFERENCE: &str = "task-reference";
pub const ARTIFACT_REFERENCE: &str = "artifact-reference";
pub const RELATIVE_DATESTAMP: &str = "relative-datestamp";

/// Walks `value` in place, replacing every one-key wrapper object whose key is in `wrappers`
/// by `substitute(wrapper, text)`. `label` names the task in errors.
pub fn recurse<F>(
    value: &mut Value,
    wrappers: &[&str],
    label: &str,
    substitute: &mut F,
) -> Result<(), Error>
where
    F: FnMut(&str, &str) -> Result<String, Error>,
{
    match value {
        Value::Object(map) => {
            let wrapper = if map.len() == 1 {
                map.keys()
                    .next()
                    .and_then(|key| wrappers.iter().find(|w| **w == key.as_str()))
                    .copied()
            } else {
                None
            };
            let Some(wrapper) = wrapper else {
                for v in map.values_mut() {
                    recurse(v, wrappers, label, substitute)?;
                }
                return Ok(());
            };
            let inner = map
                .values_mut()
                .next()
                .map(std::mem::take)
                .unwrap_or(Value::Null);
            *value = match inner {
                Value::Object(inner) => {
                    let mut out = Map::new();
                    for (k, mut v) in inner {
                        let k = substitute(wrapper, &k)?;
                        recurse(&mut v, wrappers, label, substitute)?;
                        out.insert(k, v);
                    }
                    Value::Object(out)
                }
                Value::String(text) => Value::String(substitute(wrapper, &text)?),
                other => {
                    return Err(Error::BadReference {
                        label: label.to_string(),
                        wrapper: wrapper.to_string(),
                        found: value_type(&other).to_string(),
                    })
                }
            };
            Ok(())
        }
        Value::Array(items) => {
            for v in items {
                recurse(v, wrappers, label, substitute)?;
            }
            Ok(())
        }
        _ => Ok(()),
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

    /// Substitutes every match of upstream's `<([^>]+)>`.
    fn task_reference(&self, text: &str) -> Result<String, Error> {
        replace_matches(text, task_reference_match, |key, _| {
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

    /// Substitutes every match of upstream's `<([^/]+)/([^>]+)>`.
    fn artifact_reference(&self, text: &str) -> Result<String, Error> {
        replace_matches(text, artifact_reference_match, |dependency, artifact| {
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
    pub fn resolve(&self, mut definition: Value) -> Result<Value, Error> {
        recurse(
            &mut definition,
            &[TASK_REFERENCE, ARTIFACT_REFERENCE],
            self.label,
            &mut |wrapper, text| {
                if wrapper == TASK_REFERENCE {
                    self.task_reference(text)
                } else {
                    self.artifact_reference(text)
                }
            },
        )?;
        Ok(definition)
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

/// Resolved `relative-datestamp` strings, shared by the tasks of one preview (upstream caches
/// `value_of` too).
pub type DatestampMemo = Mutex<HashMap<String, Result<String, String>>>;

/// [`resolve_timestamps`] with a memo of already resolved strings.
pub fn resolve_timestamps_cached(
    mut definition: Value,
    now: NaiveDateTime,
    label: &str,
    memo: &DatestampMemo,
) -> Result<Value, Error> {
    recurse(
        &mut definition,
        &[RELATIVE_DATESTAMP],
        label,
        &mut |_, text| {
            let cached = memo.lock().ok().and_then(|m| m.get(text).cloned());
            let resolved = match cached {
                Some(r) => r,
                None => {
                    let r = json_time_from_now(text, now);
                    if let Ok(mut m) = memo.lock() {
                        m.insert(text.to_string(), r.clone());
                    }
                    r
                }
            };
            resolved.map_err(|message| Error::BadDatestamp {
                label: label.to_string(),
                message,
            })
        },
    )?;
    Ok(definition)
}

/// `resolve_timestamps(now, task_def)`.
pub fn resolve_timestamps(
    definition: Value,
    now: NaiveDateTime,
    label: &str,
) -> Result<Value, Error> {
    resolve_timestamps_cached(definition, now, label, &DatestampMemo::default())
}

/// A match of a reference pattern starting at a `<`: its end and its two groups.
type Match<'t> = (usize, &'t str, &'t str);

/// `<([^>]+)>` tried at `start` (a `<`): the group runs to the first `>`, and must not be empty.
fn task_reference_match(text: &str, start: usize) -> Option<Match<'_>> {
    let rest = text.get(start + 1..)?;
    let close = rest.find('>')?;
    if close == 0 {
        return None;
    }
    Some((start + 1 + close + 1, rest.get(..close)?, ""))
}

/// `<([^/]+)/([^>]+)>` tried at `start`: the first group runs to the first `/`, the second from
/// there to the first `>`; neither may be empty. Greedy matching cannot backtrack into a
/// different split, because neither group may contain its own terminator.
fn artifact_reference_match(text: &str, start: usize) -> Option<Match<'_>> {
    let rest = text.get(start + 1..)?;
    let slash = rest.find('/')?;
    if slash == 0 {
        return None;
    }
    let after = rest.get(slash + 1..)?;
    let close = after.find('>')?;
    if close == 0 {
        return None;
    }
    Some((
        start + 1 + slash + 1 + close + 1,
        rest.get(..slash)?,
        after.get(..close)?,
    ))
}

/// `re.sub` with a fallible replacement: scans for `<`, tries the pattern there, and on a
/// match substitutes and continues after it (leftmost-first, non-overlapping).
fn replace_matches<'t, M, F>(
    text: &'t str,
    try_match: M,
    mut replacement: F,
) -> Result<String, Error>
where
    M: Fn(&'t str, usize) -> Option<Match<'t>>,
    F: FnMut(&'t str, &'t str) -> Result<String, Error>,
{
    if !text.contains('<') {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    let mut at = 0;
    while let Some(offset) = text.get(at..).and_then(|rest| rest.find('<')) {
        let start = at + offset;
        match try_match(text, start) {
            Some((end, first, second)) => {
                out.push_str(text.get(copied..start).unwrap_or(""));
                out.push_str(&replacement(first, second)?);
                copied = end;
                at = end;
            }
            None => at = start + 1,
        }
    }
    out.push_str(text.get(copied..).unwrap_or(""));
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

    /// The hand-written matchers find exactly what upstream's regular expressions find.
    #[test]
    fn matchers_agree_with_the_regular_expressions() {
        let task = regex::Regex::new("<([^>]+)>").unwrap();
        let artifact = regex::Regex::new("<([^/]+)/([^>]+)>").unwrap();
        let samples = [
            "",
            "<",
            ">",
            "<>",
            "<<>",
            "<<>>",
            "<a>",
            "x<a>y<b>z",
            "<a<b>",
            "<a/b>",
            "<a//b>",
            "</b>",
            "<a/>",
            "<a/b",
            "<<>/x>",
            "<a/b><c/d>",
            "a<b/c<d>e",
            "<x>/<y>",
            "<é/ü>",
            "<<a>/b>",
            "<a/b/c>",
            "<a>b/c>",
            "<a/</b>",
            "<>a/b>",
        ];
        let id = |a: &str, b: &str| Ok(format!("[{a}|{b}]"));
        for s in samples {
            let want_t = task
                .replace_all(s, |c: &regex::Captures<'_>| format!("[{}|]", &c[1]))
                .to_string();
            let want_a = artifact
                .replace_all(s, |c: &regex::Captures<'_>| {
                    format!("[{}|{}]", &c[1], &c[2])
                })
                .to_string();
            assert_eq!(
                replace_matches(s, task_reference_match, id).unwrap(),
                want_t,
                "task {s:?}"
            );
            assert_eq!(
                replace_matches(s, artifact_reference_match, id).unwrap(),
                want_a,
                "artifact {s:?}"
            );
        }
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
