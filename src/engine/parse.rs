//! Parsing of the decision artifacts: `full-task-graph.json` (plain or gzip),
//! `label-to-taskid.json`, `parameters.yml`/`.json` and index answers.
//!
//! `full-task-graph.json` is read in one pass with a hand-written serde visitor: for each entry
//! it keeps the skeleton the optimiser needs and records the byte ranges of `task`,
//! `attributes` and the whole entry, which stay unparsed. The required keys are those upstream's
//! `Task.from_json` indexes directly (`kind`, `label`, `attributes`, `task`, `optimization`,
//! `dependencies`); a missing or mistyped one is an [`Error::BadField`] naming label and field.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read as _;
use std::ops::Range;

use petgraph::graph::{DiGraph, NodeIndex};
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::Deserializer as _;
use serde_json::value::RawValue;
use serde_json::Value;

use super::error::Error;
use super::model::{Dependency, FullTaskGraph, Optimization, TaskIdx, TaskNode};
use super::preview::Warning;

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

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Decompresses gzip input; returns other input unchanged.
pub fn maybe_gunzip(bytes: Vec<u8>, what: &str) -> Result<Vec<u8>, Error> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(8));
    flate2::read::MultiGzDecoder::new(bytes.as_slice())
        .read_to_end(&mut out)
        .map_err(|e| Error::Syntax {
            what: what.to_string(),
            message: format!("bad gzip data: {e}"),
        })?;
    Ok(out)
}

/// Parses `full-task-graph.json` (see the module docs).
pub(crate) fn full_task_graph(bytes: Vec<u8>) -> Result<FullTaskGraph, Error> {
    let source = maybe_gunzip(bytes, "full-task-graph")?;
    let field_error = RefCell::new(None);
    let raw_entries = {
        let mut de = serde_json::Deserializer::from_slice(&source);
        let base = source.as_ptr() as usize;
        let result = de
            .deserialize_map(GraphVisitor {
                base,
                len: source.len(),
                field_error: &field_error,
            })
            .and_then(|v| de.end().map(|()| v));
        match result {
            Ok(entries) => entries,
            Err(e) => {
                if let Some(err) = field_error.into_inner() {
                    return Err(err);
                }
                return Err(Error::Syntax {
                    what: "full-task-graph".into(),
                    message: e.to_string(),
                });
            }
        }
    };
    build_graph(source, raw_entries)
}

/// One entry as parsed, before dependency labels are resolved.
struct RawEntry {
    key: String,
    label: String,
    kind: String,
    dependencies: Vec<(String, String)>,
    soft_dependencies: Vec<String>,
    if_dependencies: Vec<String>,
    optimization: Optimization,
    task: Range<usize>,
    attributes: Range<usize>,
    description: Option<Range<usize>>,
    optimization_raw: Range<usize>,
}

fn build_graph(source: Vec<u8>, raw_entries: Vec<RawEntry>) -> Result<FullTaskGraph, Error> {
    let mut by_label: HashMap<String, TaskIdx> = HashMap::with_capacity(raw_entries.len());
    let mut tasks: Vec<TaskNode> = Vec::with_capacity(raw_entries.len());
    let mut warnings = Vec::new();
    let mut mismatched = Vec::new();
    for raw in raw_entries {
        if raw.label != raw.key {
            mismatched.push(raw.key.clone());
        }
        let node = TaskNode {
            label: raw.key,
            kind: raw.kind,
            dependencies: raw
                .dependencies
                .into_iter()
                .map(|(name, label)| Dependency {
                    name,
                    label,
                    target: None,
                })
                .collect(),
            soft_dependencies: raw.soft_dependencies,
            if_dependencies: raw.if_dependencies,
            optimization: raw.optimization,
            task: raw.task,
            description: raw.description,
            optimization_raw: raw.optimization_raw,
            attributes: raw.attributes,
        };
        // Like Python's json.load, a repeated key keeps its first position and its last value.
        if let Some(&idx) = by_label.get(&node.label) {
            if let Some(slot) = tasks.get_mut(idx as usize) {
                *slot = node;
            }
            continue;
        }
        let idx = TaskIdx::try_from(tasks.len()).map_err(|_| Error::Syntax {
            what: "full-task-graph".into(),
            message: "too many tasks".into(),
        })?;
        by_label.insert(node.label.clone(), idx);
        tasks.push(node);
    }

    let mut graph: DiGraph<(), u32, u32> =
        DiGraph::with_capacity(tasks.len(), tasks.len().saturating_mul(5));
    for _ in 0..tasks.len() {
        graph.add_node(());
    }
    let mut unknown: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (idx, task) in tasks.iter_mut().enumerate() {
        for (pos, dep) in task.dependencies.iter_mut().enumerate() {
            dep.target = by_label.get(&dep.label).copied();
            match dep.target {
                Some(target) => {
                    graph.add_edge(
                        NodeIndex::new(idx),
                        NodeIndex::new(target as usize),
                        u32::try_from(pos).unwrap_or(u32::MAX),
                    );
                }
                None => unknown
                    .entry(task.label.clone())
                    .or_default()
                    .push(dep.label.clone()),
            }
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

struct GraphVisitor<'e> {
    base: usize,
    len: usize,
    field_error: &'e RefCell<Option<Error>>,
}

impl<'de> Visitor<'de> for GraphVisitor<'_> {
    type Value = Vec<RawEntry>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object of label → task entry")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(1024));
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let fields: EntryFields<'de> = match map.next_value() {
                Ok(fields) => fields,
                Err(e) => {
                    *self.field_error.borrow_mut() =
                        Some(bad(&key, "(entry)", format!("could not be read: {e}")));
                    return Err(e);
                }
            };
            let entry = parse_entry(&key, fields, self.base, self.len).map_err(|err| {
                *self.field_error.borrow_mut() = Some(err);
                de::Error::custom("bad task entry")
            })?;
            entries.push(entry);
        }
        Ok(entries)
    }
}

fn range_of(raw: &RawValue, base: usize, len: usize) -> Range<usize> {
    let text = raw.get();
    let start = (text.as_ptr() as usize).wrapping_sub(base);
    let end = start.wrapping_add(text.len());
    if start <= len && end <= len && start <= end {
        start..end
    } else {
        0..0
    }
}

fn bad(label: &str, field: &str, problem: impl Into<String>) -> Error {
    Error::BadField {
        label: label.to_string(),
        field: field.to_string(),
        problem: problem.into(),
    }
}

/// What kind of JSON value a raw slice holds, for error messages.
fn json_type(text: &str) -> &'static str {
    match text.trim_start().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        _ => "a number",
    }
}

fn parse_entry(
    key: &str,
    fields: EntryFields<'_>,
    base: usize,
    len: usize,
) -> Result<RawEntry, Error> {
    fn required<'r>(key: &str, v: Option<&'r RawValue>, field: &str) -> Result<&'r RawValue, Error> {
        v.ok_or_else(|| bad(key, field, "is missing"))
    }
    let as_string = |v: &RawValue, field: &str| -> Result<String, Error> {
        serde_json::from_str::<String>(v.get())
            .map_err(|_| bad(key, field, format!("must be a string, found {}", json_type(v.get()))))
    };
    let kind = as_string(required(key, fields.kind, "kind")?, "kind")?;
    let label = as_string(required(key, fields.label, "label")?, "label")?;
    let attributes = required(key, fields.attributes, "attributes")?;
    if json_type(attributes.get()) != "an object" {
        return Err(bad(
            key,
            "attributes",
            format!("must be an object, found {}", json_type(attributes.get())),
        ));
    }
    let task = required(key, fields.task, "task")?;
    if json_type(task.get()) != "an object" {
        return Err(bad(
            key,
            "task",
            format!("must be an object, found {}", json_type(task.get())),
        ));
    }
    let optimization_field = required(key, fields.optimization, "optimization")?;
    let optimization = parse_optimization(key, optimization_field)?;
    let dependencies = parse_dependencies(key, required(key, fields.dependencies, "dependencies")?)?;
    let soft_dependencies = label_list(key, "soft_dependencies", fields.soft_dependencies)?;
    let if_dependencies = label_list(key, "if_dependencies", fields.if_dependencies)?;
    Ok(RawEntry {
        key: key.to_string(),
        label,
        kind,
        dependencies,
        soft_dependencies,
        if_dependencies,
        optimization,
        task: range_of(task, base, len),
        attributes: range_of(attributes, base, len),
        description: fields.description.map(|d| range_of(d, base, len)),
        optimization_raw: range_of(optimization_field, base, len),
    })
}

/// The keys of an entry, each still raw. Unknown keys are skipped.
#[derive(serde::Deserialize)]
struct EntryFields<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    kind: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    label: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    attributes: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    task: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    optimization: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    dependencies: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    soft_dependencies: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    if_dependencies: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    description: Option<&'a RawValue>,
}

/// A key that is present (even as `null`) is `Some`; serde's `Option` would turn `null` into
/// `None`, and upstream distinguishes a missing key from a `null` one.
fn present<'de, D>(deserializer: D) -> Result<Option<&'de RawValue>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    <&'de RawValue as serde::Deserialize<'de>>::deserialize(deserializer).map(Some)
}

fn parse_optimization(key: &str, raw: &RawValue) -> Result<Optimization, Error> {
    match json_type(raw.get()) {
        "null" => Ok(Optimization::None),
        "an object" => {
            // Upstream takes `list(optimization.items())[0]`: the first key in document order.
            let first = FirstEntry::parse(raw.get())
                .map_err(|e| bad(key, "optimization", format!("could not be read: {e}")))?;
            Ok(match first {
                None => Optimization::None,
                Some((name, arg)) => Optimization::Strategy { name, arg },
            })
        }
        // Upstream treats any falsy value as "never" and crashes on other types.
        "a boolean" if raw.get().trim() == "false" => Ok(Optimization::None),
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

fn parse_dependencies(key: &str, raw: &RawValue) -> Result<Vec<(String, String)>, Error> {
    if json_type(raw.get()) != "an object" {
        return Err(bad(
            key,
            "dependencies",
            format!(
                "must be an object of edge name → label, found {}",
                json_type(raw.get())
            ),
        ));
    }
    let mut de = serde_json::Deserializer::from_str(raw.get());
    de.deserialize_map(PairsVisitor).map_err(|e| {
        bad(
            key,
            "dependencies",
            format!("must map edge names to label strings: {e}"),
        )
    })
}

/// An object of string → string as ordered pairs; a repeated key keeps its last value.
struct PairsVisitor;

impl<'de> Visitor<'de> for PairsVisitor {
    type Value = Vec<(String, String)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<String>()?;
            if let Some(slot) = pairs.iter_mut().find(|(k, _)| *k == key) {
                slot.1 = value;
            } else {
                pairs.push((key, value));
            }
        }
        Ok(pairs)
    }
}

fn label_list(key: &str, field: &str, raw: Option<&RawValue>) -> Result<Vec<String>, Error> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    if json_type(raw.get()) == "null" {
        return Ok(Vec::new());
    }
    serde_json::from_str::<Vec<String>>(raw.get()).map_err(|_| {
        bad(
            key,
            field,
            format!("must be a list of label strings, found {}", json_type(raw.get())),
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
            message: format!("must be an object of label → taskId, found {}", value_type(&value)),
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

/// A short name of a JSON value's type, for error messages.
pub(crate) fn value_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
