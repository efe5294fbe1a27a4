//! `runnable-jobs.json` (upstream `decision.full_task_graph_to_runnable_tasks`): the jobs
//! Treeherder offers under "Add new jobs", built from each task's `extra.treeherder`; and the
//! same jobs as typed records for the page's grid (with kind, build option and tier).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::json::is_falsy;
use super::model::FullTaskGraph;
use super::scan::Scanner;

/// The `extra.treeherder` object of every task that has one, with the task's label and kind.
/// The parse noted where each definition's `extra` is; only its `treeherder` member is parsed.
fn with_treeherder(
    graph: &FullTaskGraph,
) -> impl Iterator<Item = (&str, &str, Map<String, Value>)> {
    graph.tasks.iter().enumerate().filter_map(|(idx, task)| {
        let extra = graph.extra_text(idx as u32)?;
        let treeherder = last_member(extra, "treeherder")?;
        match serde_json::from_slice::<Value>(treeherder).ok()? {
            Value::Object(th) => Some((task.label.as_str(), task.kind.as_str(), th)),
            _ => None,
        }
    })
}

/// The text of `key`'s value in the JSON object `text` (the last one if the key repeats, as
/// a JSON parser keeps it); `None` if `text` is not an object or has no such key.
fn last_member<'a>(text: &'a [u8], key: &str) -> Option<&'a [u8]> {
    let mut found = None;
    Scanner::new(text)
        .object(|s, name| {
            let value = s.skip_value()?;
            if name == key {
                found = Some(value);
            }
            Ok(())
        })
        .ok()?;
    text.get(found?)
}

fn machine_platform(th: &Map<String, Value>) -> Option<&Value> {
    th.get("machine")
        .and_then(|m| m.get("platform"))
        .filter(|p| !is_falsy(p))
}

/// Builds `runnable-jobs.json`: `{label: {symbol, groupName?, groupSymbol?, collection?,
/// platform?}}` for every task that reports to Treeherder.
pub fn runnable_jobs(graph: &FullTaskGraph) -> BTreeMap<String, Value> {
    let mut jobs = BTreeMap::new();
    for (label, _, th) in with_treeherder(graph) {
        let mut job = Map::new();
        job.insert(
            "symbol".into(),
            th.get("symbol").cloned().unwrap_or(Value::Null),
        );
        for key in ["groupName", "groupSymbol", "collection"] {
            if let Some(v) = th.get(key) {
                job.insert(key.into(), v.clone());
            }
        }
        if let Some(platform) = machine_platform(&th) {
            job.insert("platform".into(), platform.clone());
        }
        jobs.insert(label.to_string(), Value::Object(job));
    }
    jobs
}

/// A task that reports to Treeherder, as the grid shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TreeherderJob {
    pub label: String,
    pub kind: String,
    pub symbol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_symbol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    pub platform: String,
    /// The first true key of `collection` (`opt`, `debug`, ...), else empty.
    pub option: String,
    /// `tier`, default 1.
    pub tier: u64,
}

/// How far the task group listing is while the early grid shows (the worker sends it, the
/// page reads it): tasks listed so far, and whether that is all. Until it is done, a job not
/// listed yet shows as runnable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Listing {
    pub listed: usize,
    pub done: bool,
}

/// The state a listed task of the push's group gives its job in the early grid: Treeherder's
/// status name, taskId, kind, and tier (when the definition has one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobState {
    pub label: String,
    pub state: String,
    pub task_id: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<u64>,
}

/// Every task with `extra.treeherder`, in label order. Group symbol `?` (taskgraph's "no
/// group") counts as no group.
pub fn treeherder_jobs(graph: &FullTaskGraph) -> Vec<TreeherderJob> {
    let text = |th: &Map<String, Value>, key: &str| {
        th.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut jobs: Vec<TreeherderJob> = with_treeherder(graph)
        .map(|(label, kind, th)| TreeherderJob {
            label: label.to_string(),
            kind: kind.to_string(),
            symbol: text(&th, "symbol").unwrap_or_else(|| "?".into()),
            group_symbol: text(&th, "groupSymbol").filter(|g| g != "?"),
            group_name: text(&th, "groupName"),
            platform: machine_platform(&th)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            option: th
                .get("collection")
                .and_then(Value::as_object)
                .and_then(|c| c.iter().find(|(_, v)| v.as_bool() == Some(true)))
                .map_or_else(String::new, |(k, _)| k.clone()),
            tier: th.get("tier").and_then(Value::as_u64).unwrap_or(1),
        })
        .collect();
    jobs.sort_by(|a, b| a.label.cmp(&b.label));
    jobs
}

/// The grid's jobs from a decision's `runnable-jobs.json` alone, before its graph is there:
/// the same records as [`treeherder_jobs`] with what the file lacks left out (kind empty, tier
/// 1). `what` names the file in errors.
pub fn jobs_from_runnable_json(bytes: &[u8], what: &str) -> Result<Vec<TreeherderJob>, String> {
    /// One entry, read without building a tree of values (50,000 of them on a Firefox push).
    #[derive(serde::Deserialize)]
    struct Entry<'a> {
        #[serde(borrow, default)]
        symbol: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow, default, rename = "groupSymbol")]
        group_symbol: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow, default, rename = "groupName")]
        group_name: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow, default)]
        platform: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow, default)]
        collection: Option<BTreeMap<std::borrow::Cow<'a, str>, Value>>,
        #[serde(default)]
        tier: Option<u64>,
    }
    /// The entries in the file's order: a list, not a map of 50,000 labels to insert into one
    /// by one (in wasm each of a map's label comparisons is a bytewise `memcmp` over the labels'
    /// long common prefixes: a third of this function's time).
    struct Entries<'a>(Vec<(String, Entry<'a>)>);
    impl<'de> serde::Deserialize<'de> for Entries<'de> {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Entries<'de>;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a map")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Entries<'de>, A::Error> {
                    let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                    while let Some(entry) = map.next_entry()? {
                        entries.push(entry);
                    }
                    Ok(Entries(entries))
                }
            }
            d.deserialize_map(Visit)
        }
    }
    let Entries(mut entries) =
        serde_json::from_slice(bytes).map_err(|e| format!("{what}: not a map of jobs: {e}"))?;
    // Taskgraph writes its artifacts with sorted keys: then there is nothing to do. Otherwise
    // sorted by label, the last of a repeated key winning, as in a map.
    if !entries.windows(2).all(|w| w[0].0 < w[1].0) {
        entries.reverse();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, kept| later.0 == kept.0);
    }
    let text =
        |v: Option<std::borrow::Cow<'_, str>>| v.filter(|s| !s.is_empty()).map(|s| s.into_owned());
    Ok(entries
        .into_iter()
        .map(|(label, e)| TreeherderJob {
            kind: String::new(),
            symbol: text(e.symbol).unwrap_or_else(|| "?".into()),
            group_symbol: text(e.group_symbol).filter(|g| g != "?"),
            group_name: text(e.group_name),
            platform: text(e.platform).unwrap_or_default(),
            option: e
                .collection
                .and_then(|c| {
                    c.into_iter()
                        .find(|(_, v)| v.as_bool() == Some(true))
                        .map(|(k, _)| k.into_owned())
                })
                .unwrap_or_default(),
            tier: e.tier.unwrap_or(1),
            label,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_member_walks_only_the_top_level() {
        let text = br#"{"a": {"extra": 1}, "extra": {"treeherder": {"symbol": "x"}, "b": "}"}, "c": [1, {"extra": 2}]}"#;
        let extra = last_member(text, "extra").unwrap();
        assert_eq!(
            last_member(extra, "treeherder").unwrap(),
            br#"{"symbol": "x"}"#
        );
        // A repeated key: the last one wins, as when parsing.
        assert_eq!(last_member(br#"{"k": 1, "k": [2]}"#, "k").unwrap(), b"[2]");
        assert_eq!(last_member(br#"{"k\u0022": 1}"#, "k\""), Some(&b"1"[..]));
        assert!(last_member(b"{}", "k").is_none());
        assert!(last_member(b"[1]", "k").is_none());
        assert!(last_member(br#"{"k": "#, "k").is_none());
    }

    /// The structural walk finds exactly what a full parse of each definition finds.
    #[test]
    fn treeherder_objects_equal_a_full_parse_on_real_graphs() {
        for gz in [
            &include_bytes!("../../tests/data/real/nss/full-task-graph.json.gz")[..],
            &include_bytes!("../../tests/data/real/translations-en-cs/full-task-graph.json.gz")[..],
            &include_bytes!("../../tests/data/real/reference-browser/full-task-graph.json.gz")[..],
        ] {
            let graph = FullTaskGraph::parse(gz.to_vec()).unwrap();
            let fast: Vec<(String, Map<String, Value>)> = with_treeherder(&graph)
                .map(|(label, _, th)| (label.to_string(), th))
                .collect();
            let full: Vec<(String, Map<String, Value>)> = (0..graph.len() as u32)
                .filter_map(|idx| {
                    let task: Value = serde_json::from_slice(&graph.task_text(idx)).unwrap();
                    let th = task.pointer("/extra/treeherder")?.as_object()?.clone();
                    Some((graph.label(idx).to_string(), th))
                })
                .collect();
            assert!(!full.is_empty());
            assert_eq!(fast, full);
        }
    }

    /// The jobs read back from `runnable-jobs.json` are the graph's, but for what the file
    /// does not carry (kind, tier).
    #[test]
    fn runnable_json_gives_the_graphs_jobs_without_kind_and_tier() {
        let gz = include_bytes!("../../tests/data/real/nss/full-task-graph.json.gz");
        let graph = FullTaskGraph::parse(gz.to_vec()).unwrap();
        let file = serde_json::to_vec(&runnable_jobs(&graph)).unwrap();
        let early = jobs_from_runnable_json(&file, "runnable-jobs.json").unwrap();
        let full = treeherder_jobs(&graph);
        assert_eq!(early.len(), full.len());
        for (e, f) in early.iter().zip(&full) {
            assert_eq!(
                (
                    &e.label,
                    &e.symbol,
                    &e.group_symbol,
                    &e.group_name,
                    &e.platform,
                    &e.option
                ),
                (
                    &f.label,
                    &f.symbol,
                    &f.group_symbol,
                    &f.group_name,
                    &f.platform,
                    &f.option
                )
            );
            assert_eq!((e.kind.as_str(), e.tier), ("", 1));
        }
        // In any order, a repeated label's last entry winning (as upstream's json.load).
        let shuffled =
            br#"{"b": {"symbol": "B1"}, "a": {"symbol": "A"}, "c": {}, "b": {"symbol": "B2"}}"#;
        let jobs = jobs_from_runnable_json(shuffled, "runnable-jobs.json").unwrap();
        let got: Vec<(&str, &str)> = jobs.iter().map(|j| (&*j.label, &*j.symbol)).collect();
        assert_eq!(got, [("a", "A"), ("b", "B2"), ("c", "?")]);
        let err = jobs_from_runnable_json(b"[1]", "runnable-jobs.json").unwrap_err();
        assert!(
            err.starts_with("runnable-jobs.json: not a map of jobs"),
            "{err}"
        );
    }
}
