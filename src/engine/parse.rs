//! Parsing of the decision artifacts: `full-task-graph.json` (plain or gzip),
//! `label-to-taskid.json`, `parameters.yml`/`.json` and index answers.
//!
//! `full-task-graph.json` is read in one pass with a hand-written serde visitor: for each entry
//! it keeps the skeleton the optimiser needs and records the byte ranges of `task`,
//! `attributes` and the whole entry, which stay unparsed. The required keys are those upstream's
//! `Task.from_json` indexes directly (`kind`, `label`, `attributes`, `task`, `optimization`,
//! `dependencies`); a missing or mistyped one is an [`Error::BadField`] naming label and field.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read as _;
use std::ops::Range;

use petgraph::graph::{DiGraph, NodeIndex};
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::Deserializer as _;
use serde_json::Value;

use super::error::{Error, Warning};
use super::json::value_type;
use super::model::{Dependency, FullTaskGraph, Optimization, Source, TaskIdx, TaskNode};
use super::scan;

/// `label → taskId`, merged from the decision and later runs.
pub type LabelToTaskId = BTreeMap<String, String>;

/// Answers to the optimiser's index and queue queries (`findTasksAtIndex`, `statuses`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct IndexAnswers {
    /// Index path → taskId.
    #[serde(default)]
    pub index: BTreeMap<String, String>,
    /// TaskId → the `status` object of `queue.status`/`queue.statuses`.
    #[serde(default)]
    pub statuses: BTreeMap<String, Value>,
}

/// The first two bytes of gzip data.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Decompresses gzip input; returns other input unchanged.
pub fn maybe_gunzip(bytes: Vec<u8>, what: &str) -> Result<Vec<u8>, Error> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes);
    }
    gunzip(&bytes, what)
}

/// How much to reserve for the decompressed data. The gzip trailer holds the uncompressed size
/// modulo 2^32: reserving it up front spares a 350 MB graph being copied while the buffer
/// doubles. It is only believed as far as deflate can expand (1032:1), so a forged trailer
/// cannot reserve gigabytes for a few bytes of input (found by fuzzing).
fn capacity_hint(bytes: &[u8]) -> usize {
    let isize_hint = bytes
        .get(bytes.len().saturating_sub(4)..)
        .and_then(|t| <[u8; 4]>::try_from(t).ok())
        .map_or(0, |t| u32::from_le_bytes(t) as usize);
    if isize_hint >= bytes.len() {
        isize_hint
            .saturating_add(1)
            .min(bytes.len().saturating_mul(1032))
    } else {
        bytes.len().saturating_mul(8)
    }
}

/// Decompresses gzip data (several members are allowed).
fn gunzip(bytes: &[u8], what: &str) -> Result<Vec<u8>, Error> {
    let capacity = capacity_hint(bytes);
    let mut out = Vec::with_capacity(capacity);
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| Error::Syntax {
            what: what.to_string(),
            message: format!("bad gzip data: {e}"),
        })?;
    Ok(out)
}

impl FullTaskGraph {
    /// Parses the whole text in place, kept as it is (not packed): the reference the stream is
    /// checked against (tests, fuzzing, benchmarks).
    pub fn parse_whole(bytes: Vec<u8>) -> Result<FullTaskGraph, Error> {
        full_task_graph(Source::Owned(bytes))
    }
}

/// Parses `full-task-graph.json` whole, in place (see the module docs).
pub(crate) fn full_task_graph(source: Source) -> Result<FullTaskGraph, Error> {
    let bytes = source.contiguous().unwrap_or(&[]);
    let source = if bytes.starts_with(&GZIP_MAGIC) {
        let text = gunzip(bytes, "full-task-graph")?;
        // Release the compressed input before scanning.
        drop(source);
        Source::Owned(text)
    } else {
        source
    };
    let text = source.contiguous().unwrap_or(&[]);
    let raw_entries = scan_entries(text).map_err(|e| match e {
        ScanFailure::Field(err) => err,
        ScanFailure::Syntax(e) => {
            let (line, column) = scan::line_column(text, e.offset);
            Error::Syntax {
                what: "full-task-graph".into(),
                message: format!("{} at line {line} column {column}", e.message),
            }
        }
    })?;
    build_graph(source, vec![raw_entries])
}

/// The error for a graph that does not start with `{` (`first` is its first non-blank byte).
pub(super) fn not_an_object(first: Option<u8>) -> Error {
    let found = match first {
        None => "an empty file".to_string(),
        Some(b'[') => "an array".to_string(),
        Some(b) => format!("{:?}", char::from(b)),
    };
    Error::Syntax {
        what: "full-task-graph".into(),
        message: format!("must be a JSON object of label → task entry, found {found}"),
    }
}

pub(super) enum ScanFailure {
    Syntax(scan::ScanError),
    Field(Error),
}

impl From<scan::ScanError> for ScanFailure {
    fn from(e: scan::ScanError) -> Self {
        ScanFailure::Syntax(e)
    }
}

/// Walks the top-level object and each entry's keys (see [`scan`]).
fn scan_entries(source: &[u8]) -> Result<Vec<RawEntry>, ScanFailure> {
    let mut s = scan::Scanner::new(source);
    if s.peek() != Some(b'{') {
        return Err(ScanFailure::Field(not_an_object(s.peek())));
    }
    s.expect(b'{', "'{'")?;
    let mut entries = Vec::new();
    if s.peek() == Some(b'}') {
        s.expect(b'}', "'}'")?;
    } else {
        loop {
            entries.push(scan_entry(&mut s, source)?);
            if s.object_end()? {
                break;
            }
        }
    }
    s.end()?;
    Ok(entries)
}

/// Scans one entry of the top-level object (its key and its object) from the scanner's
/// position, which ends just after the entry's closing `}`.
pub(super) fn scan_entry(
    s: &mut scan::Scanner<'_>,
    source: &[u8],
) -> Result<RawEntry, ScanFailure> {
    let key = s.key()?;
    let mut fields = EntryFields::default();
    match s.peek() {
        Some(b'{') => {}
        Some(_) => {
            let range = s.skip_value()?;
            let text = source.get(range).unwrap_or(b"");
            return Err(ScanFailure::Field(bad(
                &key,
                "(entry)",
                format!("must be an object, found {}", json_type(text)),
            )));
        }
        None => {
            s.skip_value()?;
        }
    }
    s.object(|s, field| {
        let range = if field == "task" && s.peek() == Some(b'{') {
            // Walk the definition's top-level keys to note where `deadline` is (the
            // replace phase needs the deadlines of many tasks it never creates) and
            // `extra` (the grid reads `extra.treeherder` of every task).
            fields.task_deadline = None;
            fields.task_extra = None;
            s.object(|s, name| {
                let value = s.skip_value()?;
                match &*name {
                    "deadline" => fields.task_deadline = Some(value),
                    "extra" => fields.task_extra = Some(value),
                    _ => {}
                }
                Ok(())
            })?
        } else {
            s.skip_value()?
        };
        let slot = match &*field {
            "kind" => &mut fields.kind,
            "label" => &mut fields.label,
            "attributes" => &mut fields.attributes,
            "task" => &mut fields.task,
            "optimization" => &mut fields.optimization,
            "dependencies" => &mut fields.dependencies,
            "soft_dependencies" => &mut fields.soft_dependencies,
            "if_dependencies" => &mut fields.if_dependencies,
            "description" => &mut fields.description,
            _ => &mut fields.ignored,
        };
        *slot = Some(range);
        Ok(())
    })?;
    parse_entry(&key, &fields, source).map_err(ScanFailure::Field)
}

/// One entry as parsed, before dependency labels are resolved.
pub(super) struct RawEntry {
    key: String,
    label: String,
    kind: String,
    dependencies: Vec<Dependency>,
    soft_dependencies: Vec<String>,
    if_dependencies: Vec<String>,
    optimization: Optimization,
    task: Range<usize>,
    attributes: Range<usize>,
    description: Option<Range<usize>>,
    optimization_raw: Range<usize>,
    deadline: Option<Range<usize>>,
    extra: Option<Range<usize>>,
}

impl RawEntry {
    /// Moves a packed entry's cold ranges by `cold` and its hot ones by `hot` (a later part
    /// of a text joins an earlier one).
    pub(super) fn shift(&mut self, cold: usize, hot: usize) {
        let by = |r: &mut Range<usize>, n: usize| *r = r.start + n..r.end + n;
        by(&mut self.task, cold);
        by(&mut self.optimization_raw, cold);
        if let Some(r) = &mut self.description {
            by(r, cold);
        }
        by(&mut self.attributes, hot);
        for r in [&mut self.deadline, &mut self.extra].into_iter().flatten() {
            by(r, hot);
        }
    }

    /// Points the entry's ranges into a packed text (see [`super::model::Packed`]): the
    /// fields read for few tasks move by `cold_base`; `hot` copies each of the others out
    /// and gives its new range.
    pub(super) fn relocate(
        &mut self,
        cold_base: usize,
        mut hot: impl FnMut(Range<usize>) -> Range<usize>,
    ) {
        let by = |r: &mut Range<usize>| *r = r.start + cold_base..r.end + cold_base;
        by(&mut self.task);
        by(&mut self.optimization_raw);
        if let Some(r) = &mut self.description {
            by(r);
        }
        self.attributes = hot(self.attributes.clone());
        for r in [&mut self.deadline, &mut self.extra].into_iter().flatten() {
            *r = hot(r.clone());
        }
    }
}

pub(super) fn build_graph(
    source: Source,
    raw_entries: Vec<Vec<RawEntry>>,
) -> Result<FullTaskGraph, Error> {
    let count = raw_entries.iter().map(Vec::len).sum();
    let mut by_label = super::model::LabelIndex::with_capacity(count);
    let mut tasks: Vec<TaskNode> = Vec::with_capacity(count);
    let mut warnings = Vec::new();
    let mut mismatched = Vec::new();
    // Part by part (a streamed text's parts): each part's entries are freed once built.
    for raw in raw_entries.into_iter().flatten() {
        if raw.label != raw.key {
            mismatched.push(raw.key.clone());
        }
        let node = TaskNode {
            label: raw.key,
            kind: raw.kind,
            dependencies: raw.dependencies,
            soft_dependencies: raw.soft_dependencies,
            if_dependencies: raw.if_dependencies,
            optimization: raw.optimization,
            task: raw.task,
            description: raw.description,
            optimization_raw: raw.optimization_raw,
            deadline: raw.deadline,
            extra: raw.extra,
            attributes: raw.attributes,
        };
        // Like Python's json.load, a repeated key keeps its first position and its last value.
        if let Some(idx) = by_label.get(&tasks, &node.label) {
            if let Some(slot) = tasks.get_mut(idx as usize) {
                *slot = node;
            }
            continue;
        }
        let idx = TaskIdx::try_from(tasks.len()).map_err(|_| Error::Syntax {
            what: "full-task-graph".into(),
            message: "too many tasks".into(),
        })?;
        tasks.push(node);
        by_label.insert_new(&tasks, idx);
    }

    let mut graph: DiGraph<(), u32, u32> =
        DiGraph::with_capacity(tasks.len(), tasks.len().saturating_mul(5));
    for _ in 0..tasks.len() {
        graph.add_node(());
    }
    let mut unknown: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for idx in 0..tasks.len() {
        // Taken out while resolved against the labels of all tasks (this one's included).
        let Some(mut dependencies) = tasks
            .get_mut(idx)
            .map(|t| std::mem::take(&mut t.dependencies))
        else {
            continue;
        };
        for (pos, dep) in dependencies.iter_mut().enumerate() {
            dep.target = by_label.get(&tasks, &dep.label);
            match dep.target {
                Some(target) => {
                    graph.add_edge(
                        NodeIndex::new(idx),
                        NodeIndex::new(target as usize),
                        u32::try_from(pos).unwrap_or(u32::MAX),
                    );
                    // The target's own label says the same: free the copy.
                    dep.label = String::new();
                }
                None => unknown
                    .entry(tasks.get(idx).map(|t| t.label.clone()).unwrap_or_default())
                    .or_default()
                    .push(dep.label.clone()),
            }
        }
        if let Some(task) = tasks.get_mut(idx) {
            task.dependencies = dependencies;
        }
    }
    for (label, deps) in unknown {
        warnings.push(Warning::unknown_dependency(&label, &deps));
    }
    if !mismatched.is_empty() {
        mismatched.sort();
        warnings.push(Warning {
            kind: "label-mismatch".into(),
            message: format!(
                "{} task entries have a \"label\" different from their key; the key is used",
                mismatched.len()
            ),
            labels: mismatched,
        });
    }
    Ok(FullTaskGraph {
        source,
        tasks,
        by_label,
        graph,
        warnings,
    })
}

fn bad(label: &str, field: &str, problem: impl Into<String>) -> Error {
    Error::BadField {
        label: label.to_string(),
        field: field.to_string(),
        problem: problem.into(),
    }
}

/// What kind of JSON value a raw slice holds, for error messages.
fn json_type(text: &[u8]) -> &'static str {
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        _ => "a number",
    }
}

fn parse_entry(key: &str, fields: &EntryFields, source: &[u8]) -> Result<RawEntry, Error> {
    let text = |range: &Range<usize>, field: &str| -> Result<&str, Error> {
        let bytes = source.get(range.clone()).unwrap_or(b"");
        std::str::from_utf8(bytes).map_err(|_| bad(key, field, "is not valid UTF-8"))
    };
    let required = |range: &Option<Range<usize>>, field: &str| -> Result<Range<usize>, Error> {
        range.clone().ok_or_else(|| bad(key, field, "is missing"))
    };
    let as_string = |range: &Range<usize>, field: &str| -> Result<String, Error> {
        let t = text(range, field)?;
        serde_json::from_str::<String>(t).map_err(|_| {
            bad(
                key,
                field,
                format!("must be a string, found {}", json_type(t.as_bytes())),
            )
        })
    };
    let kind = as_string(&required(&fields.kind, "kind")?, "kind")?;
    let label = as_string(&required(&fields.label, "label")?, "label")?;
    let attributes = required(&fields.attributes, "attributes")?;
    let attributes_text = source.get(attributes.clone()).unwrap_or(b"");
    if json_type(attributes_text) != "an object" {
        return Err(bad(
            key,
            "attributes",
            format!("must be an object, found {}", json_type(attributes_text)),
        ));
    }
    let task = required(&fields.task, "task")?;
    let task_text = source.get(task.clone()).unwrap_or(b"");
    if json_type(task_text) != "an object" {
        return Err(bad(
            key,
            "task",
            format!("must be an object, found {}", json_type(task_text)),
        ));
    }
    let optimization_raw = required(&fields.optimization, "optimization")?;
    let optimization = parse_optimization(key, text(&optimization_raw, "optimization")?)?;
    let dependencies_range = required(&fields.dependencies, "dependencies")?;
    let dependencies = parse_dependencies(key, text(&dependencies_range, "dependencies")?)?;
    let soft_dependencies = match &fields.soft_dependencies {
        Some(r) => label_list(key, "soft_dependencies", text(r, "soft_dependencies")?)?,
        None => Vec::new(),
    };
    let if_dependencies = match &fields.if_dependencies {
        Some(r) => label_list(key, "if_dependencies", text(r, "if_dependencies")?)?,
        None => Vec::new(),
    };
    Ok(RawEntry {
        key: key.to_string(),
        label,
        kind,
        dependencies,
        soft_dependencies,
        if_dependencies,
        optimization,
        task,
        attributes,
        description: fields.description.clone(),
        optimization_raw,
        deadline: fields.task_deadline.clone(),
        extra: fields.task_extra.clone(),
    })
}

/// The byte ranges of an entry's values, by key. Unknown keys are skipped.
#[derive(Default)]
struct EntryFields {
    kind: Option<Range<usize>>,
    label: Option<Range<usize>>,
    attributes: Option<Range<usize>>,
    task: Option<Range<usize>>,
    optimization: Option<Range<usize>>,
    dependencies: Option<Range<usize>>,
    soft_dependencies: Option<Range<usize>>,
    if_dependencies: Option<Range<usize>>,
    description: Option<Range<usize>>,
    ignored: Option<Range<usize>>,
    task_deadline: Option<Range<usize>>,
    task_extra: Option<Range<usize>>,
}

fn parse_optimization(key: &str, raw: &str) -> Result<Optimization, Error> {
    match json_type(raw.as_bytes()) {
        "null" => Ok(Optimization::None),
        "an object" => {
            // Upstream takes `list(optimization.items())[0]`: the first key in document order.
            let first = FirstEntry::parse(raw)
                .map_err(|e| bad(key, "optimization", format!("could not be read: {e}")))?;
            Ok(match first {
                None => Optimization::None,
                Some((name, arg)) => Optimization::Strategy { name, arg },
            })
        }
        // Upstream treats any falsy value as "never" and crashes on other types.
        "a boolean" if raw.trim() == "false" => Ok(Optimization::None),
        other => Err(bad(
            key,
            "optimization",
            format!("must be null or an object, found {other}"),
        )),
    }
}

/// The first `(key, value)` of a JSON object, in document order.
struct FirstEntry;

impl FirstEntry {
    fn parse(text: &str) -> Result<Option<(String, Value)>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        de.deserialize_map(FirstEntryVisitor)
    }
}

struct FirstEntryVisitor;

impl<'de> Visitor<'de> for FirstEntryVisitor {
    type Value = Option<(String, Value)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut first = None;
        while let Some(key) = map.next_key::<String>()? {
            if first.is_none() {
                first = Some((key, map.next_value::<Value>()?));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(first)
    }
}

/// A task's `dependencies`, their targets still to be found (the scan of a big graph's parts
/// makes them on every core; building the graph only resolves them).
fn parse_dependencies(key: &str, raw: &str) -> Result<Vec<Dependency>, Error> {
    if json_type(raw.as_bytes()) != "an object" {
        return Err(bad(
            key,
            "dependencies",
            format!(
                "must be an object of edge name → label, found {}",
                json_type(raw.as_bytes())
            ),
        ));
    }
    let mut de = serde_json::Deserializer::from_str(raw);
    de.deserialize_map(PairsVisitor).map_err(|e| {
        bad(
            key,
            "dependencies",
            format!("must map edge names to label strings: {e}"),
        )
    })
}

/// An object of string → string as ordered dependencies (edge name, label); a repeated key keeps
/// its first position and its last value.
struct PairsVisitor;

impl<'de> Visitor<'de> for PairsVisitor {
    type Value = Vec<Dependency>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut pairs = super::pairs::DictPairs::default();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<String>()?;
            pairs.insert(key, value);
        }
        Ok(pairs
            .into_vec()
            .into_iter()
            .map(|(name, label)| Dependency {
                name,
                label,
                target: None,
            })
            .collect())
    }
}

fn label_list(key: &str, field: &str, raw: &str) -> Result<Vec<String>, Error> {
    if json_type(raw.as_bytes()) == "null" {
        return Ok(Vec::new());
    }
    serde_json::from_str::<Vec<String>>(raw).map_err(|e| {
        bad(
            key,
            field,
            format!(
                "must be a list of label strings, found {} ({e})",
                json_type(raw.as_bytes())
            ),
        )
    })
}

/// Parses one `label-to-taskid.json`. `what` names the file in errors.
pub fn label_to_taskid(bytes: &[u8], what: &str) -> Result<LabelToTaskId, Error> {
    let bytes = maybe_gunzip(bytes.to_vec(), what)?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| Error::Syntax {
        what: what.to_string(),
        message: e.to_string(),
    })?;
    let Value::Object(map) = value else {
        return Err(Error::Syntax {
            what: what.to_string(),
            message: format!(
                "must be an object of label → taskId, found {}",
                value_type(&value)
            ),
        });
    };
    let mut out = LabelToTaskId::new();
    for (label, task_id) in map {
        match task_id {
            Value::String(s) => {
                out.insert(label, s);
            }
            other => {
                return Err(Error::Syntax {
                    what: what.to_string(),
                    message: format!(
                        "label {label:?} must map to a taskId string, found {}",
                        value_type(&other)
                    ),
                })
            }
        }
    }
    Ok(out)
}

/// Merges several `label-to-taskid.json` maps in order: later ones win (`dict.update`).
pub fn merge_label_to_taskid(maps: impl IntoIterator<Item = LabelToTaskId>) -> LabelToTaskId {
    let mut merged = LabelToTaskId::new();
    for map in maps {
        merged.extend(map);
    }
    merged
}

/// Parses `parameters.yml` or `parameters.json` (JSON is YAML, but JSON is tried first for
/// speed and clearer errors).
pub fn parameters(bytes: &[u8], what: &str) -> Result<Value, Error> {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(json_err) => {
            let text = std::str::from_utf8(bytes).map_err(|e| Error::Syntax {
                what: what.to_string(),
                message: format!("not UTF-8: {e}"),
            })?;
            serde_yaml::from_str(text).map_err(|yaml_err| Error::Syntax {
                what: what.to_string(),
                message: if text.trim_start().starts_with('{') {
                    json_err.to_string()
                } else {
                    yaml_err.to_string()
                },
            })?
        }
    };
    match value {
        Value::Object(_) => Ok(value),
        Value::Null => Ok(Value::Object(serde_json::Map::new())),
        other => Err(Error::Syntax {
            what: what.to_string(),
            message: format!("must be a mapping, found {}", value_type(&other)),
        }),
    }
}

/// Parses index answers: `{"index": {path: taskId}, "statuses": {taskId: status}}`.
pub fn index_answers(bytes: &[u8], what: &str) -> Result<IndexAnswers, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Syntax {
        what: what.to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    /// The label index (model::LabelIndex) finds tasks by their own labels: a repeated key
    /// keeps its first place and its last value (as Python's `json.load`), dependencies
    /// resolve through it, and a label no task has resolves to nothing.
    #[test]
    fn labels_are_found_by_the_tasks_own_labels_and_a_repeated_key_keeps_its_first_place() {
        let entry = |kind: &str, deps: &str| {
            format!(
                r#"{{"kind": "{kind}", "label": "same", "attributes": {{}}, "dependencies": {deps},
                "optimization": null, "task": {{"deadline": "2025-01-01T00:00:00Z"}}}}"#
            )
        };
        let text = format!(
            r#"{{"a": {}, "b": {}, "c": {}, "a": {}}}"#,
            entry("first", "{}"),
            entry("k", r#"{"x": "a", "y": "nowhere"}"#),
            entry("k", r#"{"self": "c"}"#),
            entry("last", r#"{"z": "b"}"#)
        );
        let graph = super::super::model::FullTaskGraph::parse(text.into_bytes()).unwrap();
        assert_eq!(graph.len(), 3);
        assert_eq!(graph.index_of("a"), Some(0));
        assert_eq!(graph.index_of("b"), Some(1));
        assert_eq!(graph.index_of("c"), Some(2));
        assert_eq!(graph.index_of("nowhere"), None);
        assert_eq!(graph.index_of(""), None);
        let a = graph.get("a").unwrap();
        assert_eq!(a.kind, "last");
        assert_eq!(a.dependencies[0].target, Some(1));
        let b = graph.get("b").unwrap();
        assert_eq!(b.dependencies[0].target, Some(0));
        assert_eq!(b.dependencies[1].target, None);
        assert_eq!(graph.dependency_label(&b.dependencies[1]), "nowhere");
        assert_eq!(graph.get("c").unwrap().dependencies[0].target, Some(2));
        // a → b, b → a, c → c.
        assert_eq!(graph.edge_count(), 3);
    }

    #[test]
    fn a_forged_gzip_size_reserves_no_more_than_deflate_can_expand() {
        // The fuzzer's input (fuzz/corpus/inputs/regression-forged-gzip-size): a gzip header,
        // garbage, and a trailer claiming 2.2 GB.
        let forged: &[u8] = include_bytes!("../../fuzz/corpus/inputs/regression-forged-gzip-size");
        assert!(super::capacity_hint(forged) <= forged.len() * 1032);
        let err = super::label_to_taskid(forged, "label-to-taskid.json").unwrap_err();
        assert!(err.to_string().contains("bad gzip data"), "{err}");
        // A real trailer is still believed.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &[b' '; 100_000]).unwrap();
        let real = gz.finish().unwrap();
        assert_eq!(super::capacity_hint(&real), 100_001);
    }
}
