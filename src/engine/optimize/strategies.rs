//! The built-in optimization strategies (`taskgraph/optimize/base.py` and `strategies.py`):
//! `never`, `always`, `skip-unless-changed` and `index-search`.
//!
//! Strategy names we do not know (project strategies such as gecko's `skip-unless-schedules`)
//! behave as `never`, and the preview warns about them; upstream would raise `KeyError` unless
//! the project registered them. Composite strategies cannot be written in JSON, so they never
//! appear here.

use std::collections::HashMap;

use regex::Regex;
use serde_json::Value;

use crate::engine::datestamps::strptime;
use crate::engine::error::Error;
use crate::engine::json::{is_falsy, value_type};
use crate::engine::model::Optimization;
use crate::engine::parse::IndexAnswers;

/// A resolved strategy with its argument.
#[derive(Debug, Clone, Copy)]
pub enum Strategy<'a> {
    Never,
    Always,
    SkipUnlessChanged(&'a Value),
    IndexSearch(&'a Value),
    /// A name upstream's registry would not know; treated as `never`.
    Unknown(&'a str),
}

impl<'a> Strategy<'a> {
    pub fn of(optimization: &'a Optimization) -> Strategy<'a> {
        match optimization {
            Optimization::None => Strategy::Never,
            Optimization::Strategy { name, arg } => match name.as_str() {
                "never" => Strategy::Never,
                "always" => Strategy::Always,
                "skip-unless-changed" => Strategy::SkipUnlessChanged(arg),
                "index-search" => Strategy::IndexSearch(arg),
                other => Strategy::Unknown(other),
            },
        }
    }

    /// The reason text used in decisions (`opt_by` upstream).
    pub fn name(&self) -> &'a str {
        match self {
            Strategy::Never => "never",
            Strategy::Always => "always",
            Strategy::SkipUnlessChanged(_) => "skip-unless-changed",
            Strategy::IndexSearch(_) => "index-search",
            Strategy::Unknown(name) => name,
        }
    }

    /// `should_remove_task`.
    pub fn should_remove(
        &self,
        params: &Value,
        matcher: &mut PathMatcher,
        label: &str,
    ) -> Result<bool, Error> {
        match self {
            Strategy::Always => Ok(true),
            Strategy::SkipUnlessChanged(patterns) => {
                skip_unless_changed(params, patterns, matcher, label)
            }
            Strategy::Never | Strategy::IndexSearch(_) | Strategy::Unknown(_) => Ok(false),
        }
    }
}

/// One element of a strategy argument iterated the way Python iterates it.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Text(String),
    /// A hashable non-string (number, boolean, null): never equal to an index path.
    Other(Value),
}

/// Iterates a strategy argument like Python's `for x in arg`: a list gives its elements, a
/// string its characters, an object its keys. Anything else is not iterable (`TypeError`
/// upstream), reported as an error naming the task.
pub fn iterate(arg: &Value, label: &str, strategy: &str) -> Result<Vec<Item>, Error> {
    match arg {
        Value::Array(items) => Ok(items
            .iter()
            .map(|v| match v {
                Value::String(s) => Item::Text(s.clone()),
                other => Item::Other(other.clone()),
            })
            .collect()),
        Value::String(s) => Ok(s.chars().map(|c| Item::Text(c.to_string())).collect()),
        Value::Object(map) => Ok(map.keys().map(|k| Item::Text(k.clone())).collect()),
        other => Err(Error::BadField {
            label: label.to_string(),
            field: format!("optimization.{strategy}"),
            problem: format!(
                "must be a list, found {} (upstream: not iterable)",
                value_type(other)
            ),
        }),
    }
}

/// The index paths of an `index-search` argument as upstream's prefetch collects them
/// (`indexes.update(arg)`): `null` is skipped there, other non-iterables and unhashable
/// elements (lists, objects) raise.
pub fn index_paths(arg: &Value, label: &str) -> Result<Vec<String>, Error> {
    if arg.is_null() {
        return Ok(Vec::new());
    }
    if let Value::Array(items) = arg {
        if items.iter().any(|v| v.is_array() || v.is_object()) {
            return Err(Error::BadField {
                label: label.to_string(),
                field: "optimization.index-search".into(),
                problem: "must be a list of index path strings (found a nested list or object)"
                    .into(),
            });
        }
    }
    Ok(iterate(arg, label, "index-search")?
        .into_iter()
        .filter_map(|item| match item {
            Item::Text(s) => Some(s),
            Item::Other(_) => None,
        })
        .collect())
}

/// What `IndexSearch.should_replace_task` decided.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexOutcome {
    /// Replace with this taskId found at this path.
    Hit { task_id: String, path: String },
    /// Keep; the reasons each path was passed over (for the preview's explanation).
    Miss { skipped: Vec<String> },
}

/// `IndexSearch.should_replace_task` with the batched answers: the first path whose task is
/// neither failed nor exception and does not expire before `deadline`.
pub fn index_search(
    arg: &Value,
    deadline: Option<&str>,
    answers: &IndexAnswers,
    label: &str,
) -> Result<IndexOutcome, Error> {
    let mut skipped = Vec::new();
    for item in iterate(arg, label, "index-search")? {
        let Item::Text(path) = item else {
            skipped.push(format!(
                "{}: not an index path",
                match item {
                    Item::Other(v) => v.to_string(),
                    Item::Text(t) => t,
                }
            ));
            continue;
        };
        let Some(task_id) = answers.index.get(&path) else {
            skipped.push(format!("{path}: not indexed"));
            continue;
        };
        let Some(status) = answers.statuses.get(task_id) else {
            skipped.push(format!("{path}: no status for {task_id}"));
            continue;
        };
        if is_falsy(status) {
            skipped.push(format!("{path}: empty status for {task_id}"));
            continue;
        }
        let Value::Object(status) = status else {
            return Err(Error::BadRequest {
                message: format!("the status of task {task_id:?} (index path {path:?}, for {label:?}) is not an object"),
            });
        };
        let state = status.get("state").and_then(Value::as_str).unwrap_or("");
        if state == "failed" || state == "exception" {
            skipped.push(format!("{path}: {task_id} is {state}"));
            continue;
        }
        if let Some(deadline) = deadline.filter(|d| !d.is_empty()) {
            let Some(expires) = status.get("expires") else {
                // Upstream's `status["expires"]` raises KeyError, which moves on.
                skipped.push(format!("{path}: {task_id} has no expiry"));
                continue;
            };
            let expires_text = expires.as_str().ok_or_else(|| Error::BadTimestamp {
                what: format!("expires of task {task_id:?} (index path {path:?})"),
                value: expires.to_string(),
            })?;
            let expires_at = strptime(expires_text).ok_or_else(|| Error::BadTimestamp {
                what: format!("expires of task {task_id:?} (index path {path:?})"),
                value: expires_text.to_string(),
            })?;
            let deadline_at = strptime(deadline).ok_or_else(|| Error::BadTimestamp {
                what: format!("deadline of the dependents of {label:?}"),
                value: deadline.to_string(),
            })?;
            if expires_at < deadline_at {
                skipped.push(format!(
                    "{path}: {task_id} expires {expires_text}, before {deadline}"
                ));
                continue;
            }
        }
        return Ok(IndexOutcome::Hit {
            task_id: task_id.clone(),
            path,
        });
    }
    Ok(IndexOutcome::Miss { skipped })
}

/// `SkipUnlessChanged.should_remove_task`: remove unless a changed file matches a pattern.
/// Patterns are iterated like upstream (`for pattern in patterns: for path in files_changed`),
/// so a bad pattern only fails when it is reached.
fn skip_unless_changed(
    params: &Value,
    patterns: &Value,
    matcher: &mut PathMatcher,
    label: &str,
) -> Result<bool, Error> {
    // No commit delta (cron, actions): never skip.
    let base_rev = params.get("base_rev");
    if base_rev.is_some_and(|b| !is_falsy(b)) && params.get("head_rev") == base_rev {
        return Ok(false);
    }
    let files: Vec<&str> = params
        .get("files_changed")
        .and_then(Value::as_array)
        .map(|files| files.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for pattern in iterate(patterns, label, "skip-unless-changed")? {
        for path in &files {
            let matched = match &pattern {
                Item::Text(p) => matcher.matches(path, p),
                // `match()` starts with `if not pattern: return True`.
                Item::Other(v) if is_falsy(v) => true,
                Item::Other(v) => {
                    return Err(Error::BadField {
                        label: label.to_string(),
                        field: "optimization.skip-unless-changed".into(),
                        problem: format!("patterns must be strings, found {v}"),
                    })
                }
            };
            if matched {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// Upstream `util/path.match`: compiles each glob once.
#[derive(Debug, Default)]
pub struct PathMatcher {
    cache: HashMap<String, Option<Regex>>,
}

impl PathMatcher {
    /// Whether `path` matches `pattern` (`*` within a segment, `**/` any directories, a
    /// trailing `**` anything, and a pattern also matches everything below it).
    pub fn matches(&mut self, path: &str, pattern: &str) -> bool {
        if pattern.is_empty() {
            return true;
        }
        let regex = self
            .cache
            .entry(pattern.to_string())
            .or_insert_with(|| Regex::new(&glob_to_regex(pattern)).ok());
        regex.as_ref().is_some_and(|r| r.is_match(path))
    }
}

/// Builds the same regular expression upstream builds from `re.escape(pattern)`:
/// `(^|/)**/` → `\1(?:.+/)?`, then `(^|/)**$` → `(?:\1.+)?`, then `*` → `[^/]*`, anchored at
/// the start and followed by `(?:/.*)?$`.
fn glob_to_regex(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::from("^");
    let mut i = 0;
    // First substitution: non-overlapping `(^|/)**/`, left to right.
    let mut pieces: Vec<Piece> = Vec::new();
    let mut text_start = 0;
    while i < chars.len() {
        let at_start = i == 0;
        let after_slash = chars.get(i) == Some(&'/');
        let star_at = if after_slash { i + 1 } else { i };
        if (at_start || after_slash)
            && chars.get(star_at) == Some(&'*')
            && chars.get(star_at + 1) == Some(&'*')
            && chars.get(star_at + 2) == Some(&'/')
        {
            pieces.push(Piece::Text(chars[text_start..i].iter().collect()));
            pieces.push(Piece::AnyDirs { slash: after_slash });
            i = star_at + 3;
            text_start = i;
            continue;
        }
        i += 1;
    }
    pieces.push(Piece::Text(chars[text_start..].iter().collect()));

    let last = pieces.len().saturating_sub(1);
    for (n, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::AnyDirs { slash } => {
                if *slash {
                    out.push('/');
                }
                out.push_str("(?:.+/)?");
            }
            Piece::Text(text) => {
                let is_whole = pieces.len() == 1;
                // Second substitution: `(^|/)**$`, only at the very end of the pattern.
                let mut body: &str = text;
                let mut tail = None;
                if n == last {
                    if text == "**" && is_whole {
                        body = "";
                        tail = Some("(?:.+)?".to_string());
                    } else if let Some(stripped) = text.strip_suffix("/**") {
                        body = stripped;
                        tail = Some("(?:/.+)?".to_string());
                    }
                }
                for c in body.chars() {
                    if c == '*' {
                        out.push_str("[^/]*");
                    } else {
                        out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
                    }
                }
                if let Some(tail) = tail {
                    out.push_str(&tail);
                }
            }
        }
    }
    out.push_str("(?:/.*)?$");
    out
}

enum Piece {
    Text(String),
    AnyDirs { slash: bool },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_match_like_upstream() {
        let mut m = PathMatcher::default();
        let cases = [
            ("foo", "*", true),
            ("foo", "f*", true),
            ("foo", "fo*o", true),
            ("foo/bar", "foo/*/bar", false),
            ("foo/bar", "foo", true),
            ("foo/bar", "foo/**/bar", true),
            ("foo/bar", "**/bar", true),
            ("foo/baz/qux/bar", "foo/**/bar", true),
            ("dom/base/x.cpp", "dom/**", true),
            ("dom", "dom/**", true),
            ("domx/a", "dom/**", false),
            ("a/b", "**", true),
            ("x.py", "", true),
            ("foobar", "foo", false),
            ("a.b", "a.b", true),
            ("axb", "a.b", false),
        ];
        for (path, pattern, want) in cases {
            assert_eq!(m.matches(path, pattern), want, "{path} ~ {pattern}");
        }
    }
}
