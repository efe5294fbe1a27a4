//! The parsed `full-task-graph.json`: a skeleton per task plus the raw JSON text.
//!
//! Only what the optimiser needs is parsed eagerly (label, kind, dependency edges, soft and if
//! dependencies, optimization). Each task's `task` definition stays a byte range of the original
//! text and is parsed only when that task is created. Labels are interned to `u32` ids and the
//! hard-dependency edges live in a petgraph `DiGraph` whose node indices equal those ids.

use std::borrow::Cow;
use std::hash::BuildHasher as _;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use serde_json::Value;

use super::error::{Error, Warning};

/// Index of a task in [`FullTaskGraph`] (also its petgraph node index).
pub type TaskIdx = u32;

/// Task indices by label, without a copy of any label: a table of indices into the graph's
/// tasks, each found by its task's own label (a `HashMap<String, TaskIdx>` held a second copy of
/// every label, 50,000 allocations and ~4.5 MB at 50k tasks). Hashed with foldhash (seeded per
/// process, so a graph's labels cannot be chosen to collide): about 3 ms less than SipHash of
/// the 50k graph's ~30 ms build.
#[derive(Default)]
pub(crate) struct LabelIndex {
    table: hashbrown::HashTable<TaskIdx>,
    hasher: foldhash::fast::RandomState,
}

impl LabelIndex {
    pub(crate) fn with_capacity(capacity: usize) -> LabelIndex {
        LabelIndex {
            table: hashbrown::HashTable::with_capacity(capacity),
            hasher: Default::default(),
        }
    }

    /// The index of the task of `tasks` labelled `label`.
    pub(crate) fn get(&self, tasks: &[TaskNode], label: &str) -> Option<TaskIdx> {
        let hash = self.hasher.hash_one(label);
        self.table
            .find(hash, |&i| label_of(tasks, i) == label)
            .copied()
    }

    /// Adds `tasks[idx]` under its label, which no task indexed yet has.
    pub(crate) fn insert_new(&mut self, tasks: &[TaskNode], idx: TaskIdx) {
        let LabelIndex { table, hasher } = self;
        let hash = hasher.hash_one(label_of(tasks, idx));
        table.insert_unique(hash, idx, |&i| hasher.hash_one(label_of(tasks, i)));
    }
}

impl std::fmt::Debug for LabelIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LabelIndex({} labels)", self.table.len())
    }
}

fn label_of(tasks: &[TaskNode], idx: TaskIdx) -> &str {
    tasks.get(idx as usize).map_or("", |t| t.label.as_str())
}

/// The `optimization` of a task: upstream uses only the first key of the object.
#[derive(Debug, Clone, PartialEq)]
pub enum Optimization {
    /// `null` or `{}`: the `never` strategy.
    None,
    /// `{name: arg}` (the first entry, in document order).
    Strategy { name: String, arg: Value },
}

/// One `dependencies` entry: edge name → label, and the task it resolves to, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Dependency {
    pub name: String,
    /// The label as written, kept only when it is not in the graph (otherwise it is the
    /// target's label; see [`FullTaskGraph::dependency_label`]), to save memory on big graphs.
    pub label: String,
    /// `None` when the label is not in the graph: upstream drops the edge silently.
    pub target: Option<TaskIdx>,
}

/// The eagerly parsed part of one `full-task-graph.json` entry.
#[derive(Debug, Clone)]
pub struct TaskNode {
    /// The key of the entry (upstream keys the graph by it).
    pub label: String,
    pub kind: String,
    pub dependencies: Vec<Dependency>,
    pub soft_dependencies: Vec<String>,
    pub if_dependencies: Vec<String>,
    pub optimization: Optimization,
    /// The `task` definition, as a byte range of the source text. In a [`Packed`] text the
    /// ranges of `task`, `optimization_raw` and `description` are cold offsets, those of
    /// `deadline`, `extra` and `attributes` hot ones.
    pub(crate) task: Range<usize>,
    /// `task.deadline`, as a byte range of the source text (`None` if the task has none).
    pub(crate) deadline: Option<Range<usize>>,
    /// `task.extra`, as a byte range of the source text (`None` if the task has none).
    pub(crate) extra: Option<Range<usize>>,
    /// `optimization`, as a byte range of the source text.
    pub(crate) optimization_raw: Range<usize>,
    /// `description`, as a byte range of the source text (optional upstream).
    pub(crate) description: Option<Range<usize>>,
    /// `attributes`, as a byte range of the source text.
    pub(crate) attributes: Range<usize>,
}

/// The text a graph was parsed from: the whole text as it came
/// ([`FullTaskGraph::parse_whole`]), or the [`Packed`] text a
/// [`GraphStream`](super::stream::GraphStream) kept as the bytes arrived.
pub enum Source {
    Owned(Vec<u8>),
    Packed(Packed),
}

/// A graph's text as a stream keeps it (without indentation), in two parts:
/// - *hot*: each entry's `attributes`, `task.extra` and `task.deadline`, which the grid, the
///   callbacks and the optimiser read for many tasks, uncompressed;
/// - *cold*: all of the text in blocks of whole entries (about [`BLOCK`] bytes each), of
///   which a preview reads only the definitions of the tasks it creates: LZ4-compressed, or,
///   when the text is in a [`TextStore`] (the CLI's plain file), not kept at all and read
///   back from it as it was (with its indentation). The last block read stays decompressed.
///
/// A range names hot or cold offsets depending on the field (see [`TaskNode`]).
#[derive(Default)]
pub struct Packed {
    pub(crate) hot: Chunks,
    pub(crate) cold: Vec<Block>,
    /// The cold blocks' compressed bytes, one after the other (one allocation a megabyte,
    /// not one a block).
    pub(crate) cold_bytes: Chunks,
    /// Where the blocks that are not kept are read back from.
    pub(crate) store: Option<Arc<dyn TextStore>>,
    /// The text's length (without indentation, unless it is read back from a store).
    pub(crate) text_len: usize,
    cache: Mutex<Option<(usize, Arc<Vec<u8>>)>>,
    /// Why a block could not be read back from the store, the first time it could not.
    failure: Mutex<Option<String>>,
}

/// A graph's text where it already is, to be read back from instead of kept (the CLI's plain
/// `full-task-graph.json`): byte `n` of the text is the store's byte `n`. The engine only
/// reads; the store is the caller's I/O. See
/// [`GraphStream::reading_back`](super::stream::GraphStream::reading_back).
pub trait TextStore: Send + Sync {
    /// Fills `buf` with the text from `offset`; an error says why it cannot (the file
    /// changed since it was scanned, ...).
    fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<(), String>;
}

/// The size of a cold block, before compression (a block ends at the first entry end past it).
pub const BLOCK: usize = 64 << 10;

/// A text in memory as its own store (for tests, and for a caller that holds the text anyway).
impl TextStore for Vec<u8> {
    fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<(), String> {
        let text = offset
            .checked_add(buf.len())
            .and_then(|end| self.get(offset..end))
            .ok_or_else(|| format!("no text at {offset}..+{}", buf.len()))?;
        buf.copy_from_slice(text);
        Ok(())
    }
}

/// One block of the cold text: `len` bytes from offset `start`.
pub(crate) struct Block {
    pub(crate) start: usize,
    pub(crate) len: usize,
    pub(crate) kept: Kept,
}

/// How a cold block is kept.
pub(crate) enum Kept {
    /// LZ4-compressed, at this range of the cold bytes.
    Lz4(Range<usize>),
    /// Not at all: read back from the [`TextStore`] at the block's own offsets.
    InStore,
}

impl Block {
    /// The block's text, decompressed from `cold_bytes` (the bytes it was packed into) or
    /// read back from `store`.
    pub(crate) fn text(
        &self,
        cold_bytes: &Chunks,
        store: Option<&dyn TextStore>,
    ) -> Result<Vec<u8>, String> {
        match &self.kept {
            Kept::Lz4(data) => cold_bytes
                .get(data.clone())
                .and_then(|data| lz4_flex::block::decompress(data, self.len).ok())
                .ok_or_else(|| format!("the packed text at {} does not decompress", self.start)),
            Kept::InStore => {
                let store = store.ok_or("the text is not kept and has no store to read it from")?;
                let mut text = vec![0; self.len];
                store.read_at(self.start, &mut text)?;
                Ok(text)
            }
        }
    }
}

/// Bytes kept in chunks of [`Chunks::SIZE`] (or one bigger piece) that together cover one
/// range of offsets; a piece never spans two chunks.
#[derive(Default)]
pub struct Chunks {
    /// `(offset of the first byte, bytes)`, by offset.
    parts: Vec<(usize, Vec<u8>)>,
}

impl Chunks {
    const SIZE: usize = 1 << 20;

    /// No bytes yet, with room for `capacity` in the first chunk (none when 0).
    pub(crate) fn with_capacity(capacity: usize) -> Chunks {
        Chunks {
            parts: match capacity {
                0 => Vec::new(),
                n => vec![(0, Vec::with_capacity(n))],
            },
        }
    }

    /// Appends `piece`; returns its offsets.
    pub(crate) fn push(&mut self, piece: &[u8]) -> Range<usize> {
        let end = self.len();
        let fits = self
            .parts
            .last()
            .is_some_and(|(_, b)| b.capacity() - b.len() >= piece.len());
        if !fits {
            self.parts
                .push((end, Vec::with_capacity(Self::SIZE.max(piece.len()))));
        }
        if let Some((_, bytes)) = self.parts.last_mut() {
            bytes.extend_from_slice(piece);
        }
        end..end + piece.len()
    }

    /// Appends `other`'s chunks, whose offsets move past these.
    pub(crate) fn append(&mut self, other: Chunks) {
        let base = self.len();
        self.parts.extend(
            other
                .parts
                .into_iter()
                .map(|(start, bytes)| (start + base, bytes)),
        );
    }

    /// Gives back the room left in the last chunk (no more is appended to it).
    pub(crate) fn shrink_last(&mut self) {
        if let Some((_, bytes)) = self.parts.last_mut() {
            bytes.shrink_to_fit();
        }
    }

    /// The bytes at `range`, which lies within one chunk.
    pub(crate) fn get(&self, range: Range<usize>) -> Option<&[u8]> {
        let i = self
            .parts
            .partition_point(|(base, _)| *base <= range.start)
            .checked_sub(1)?;
        let (base, bytes) = self.parts.get(i)?;
        bytes.get(range.start - base..range.end.checked_sub(*base)?)
    }

    /// Bytes held.
    pub fn len(&self) -> usize {
        self.parts
            .last()
            .map_or(0, |(base, bytes)| base + bytes.len())
    }

    /// True when no byte is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Packed {
    pub(crate) fn new(
        hot: Chunks,
        cold: Vec<Block>,
        cold_bytes: Chunks,
        store: Option<Arc<dyn TextStore>>,
        text_len: usize,
    ) -> Packed {
        Packed {
            hot,
            cold,
            cold_bytes,
            store,
            text_len,
            cache: Mutex::new(None),
            failure: Mutex::new(None),
        }
    }

    /// The cold text at `range`, which lies within one block.
    fn cold(&self, range: Range<usize>) -> Option<Cow<'_, [u8]>> {
        let i = self
            .cold
            .partition_point(|b| b.start <= range.start)
            .checked_sub(1)?;
        let block = self.cold.get(i)?;
        let (from, to) = (
            range.start - block.start,
            range.end.checked_sub(block.start)?,
        );
        if to > block.len {
            return None;
        }
        let cached = self.cache.lock().ok().and_then(|c| {
            c.as_ref()
                .filter(|(at, _)| *at == i)
                .map(|(_, t)| t.clone())
        });
        let text = match cached {
            Some(text) => text,
            None => {
                let text = match block.text(&self.cold_bytes, self.store.as_deref()) {
                    Ok(text) => Arc::new(text),
                    Err(why) => {
                        if let Ok(mut failure) = self.failure.lock() {
                            failure.get_or_insert(why);
                        }
                        return None;
                    }
                };
                if let Ok(mut cache) = self.cache.lock() {
                    *cache = Some((i, text.clone()));
                }
                text
            }
        };
        Some(Cow::Owned(text.get(from..to)?.to_vec()))
    }

    /// Bytes held: the hot parts, and the cold blocks compressed.
    pub fn held(&self) -> usize {
        self.hot.len() + self.cold_bytes.len()
    }

    /// Why the text could not be read back from its store, if it could not.
    fn failure(&self) -> Option<String> {
        self.failure.lock().ok()?.clone()
    }
}

impl Source {
    /// The whole text, when it is held in one piece.
    pub(crate) fn contiguous(&self) -> Option<&[u8]> {
        match self {
            Source::Owned(v) => Some(v),
            Source::Packed(_) => None,
        }
    }

    /// The length of the text (for a packed one, without its indentation).
    pub fn len(&self) -> usize {
        match self {
            Source::Packed(p) => p.text_len,
            other => other.contiguous().map_or(0, <[u8]>::len),
        }
    }

    /// True when the text is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held in memory for the text.
    pub fn held(&self) -> usize {
        match self {
            Source::Packed(p) => p.held(),
            other => other.len(),
        }
    }

    /// A field read for few tasks (a definition, a description, an optimization).
    fn cold(&self, range: Range<usize>) -> Option<Cow<'_, [u8]>> {
        match self {
            Source::Packed(p) => p.cold(range),
            other => other.contiguous()?.get(range).map(Cow::Borrowed),
        }
    }

    /// A field read for many tasks (attributes, `task.extra`, `task.deadline`).
    fn hot(&self, range: Range<usize>) -> Option<&[u8]> {
        match self {
            Source::Packed(p) => p.hot.get(range),
            other => other.contiguous()?.get(range),
        }
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Source({} bytes, {} held)", self.len(), self.held())
    }
}

/// A parsed `full-task-graph.json`. Immutable once built; previews borrow it.
#[derive(Debug)]
pub struct FullTaskGraph {
    pub(crate) source: Source,
    pub(crate) tasks: Vec<TaskNode>,
    pub(crate) by_label: LabelIndex,
    /// Hard dependency edges (dependent → dependency); the weight is the index of the entry in
    /// the dependent's `dependencies`.
    pub(crate) graph: DiGraph<(), u32, u32>,
    pub(crate) warnings: Vec<Warning>,
}

impl FullTaskGraph {
    /// The text's length and the bytes held for it (see [`Packed`]).
    pub fn text_bytes(&self) -> (usize, usize) {
        (self.source.len(), self.source.held())
    }

    /// Why a part of the text could not be read back from its [`TextStore`], if that ever
    /// failed (the file changed or went away): what was read from it since is not to be
    /// trusted (a definition that cannot be read counts as missing). A caller that gave the
    /// stream a store checks this before it shows anything.
    pub fn read_back_failure(&self) -> Option<String> {
        match &self.source {
            Source::Packed(p) => p.failure(),
            Source::Owned(_) => None,
        }
    }

    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// True when the graph has no task.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Number of hard-dependency edges (after dropping edges to unknown labels).
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The task with this label.
    pub fn get(&self, label: &str) -> Option<&TaskNode> {
        self.index_of(label).and_then(|idx| self.node(idx))
    }

    /// All labels, in the order of the source file (unsorted).
    pub fn labels_unsorted(&self) -> impl Iterator<Item = &str> {
        self.tasks.iter().map(|t| t.label.as_str())
    }

    /// Problems found while loading (dependencies on unknown labels, ...).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The label a dependency entry names, resolved or not.
    pub fn dependency_label<'a>(&'a self, dependency: &'a Dependency) -> &'a str {
        match dependency.target {
            Some(target) => self.label(target),
            None => &dependency.label,
        }
    }

    pub(crate) fn index_of(&self, label: &str) -> Option<TaskIdx> {
        self.by_label.get(&self.tasks, label)
    }

    pub(crate) fn node(&self, idx: TaskIdx) -> Option<&TaskNode> {
        self.tasks.get(idx as usize)
    }

    pub(crate) fn label(&self, idx: TaskIdx) -> &str {
        self.node(idx).map_or("", |t| t.label.as_str())
    }

    /// The hard dependencies of a task: `(edge name, dependency)`, edges to unknown labels
    /// excluded.
    pub(crate) fn dependencies_of(&self, idx: TaskIdx) -> impl Iterator<Item = (&str, TaskIdx)> {
        let node = self.node(idx);
        node.into_iter().flat_map(|n| {
            n.dependencies
                .iter()
                .filter_map(|d| d.target.map(|t| (d.name.as_str(), t)))
        })
    }

    /// The tasks that depend on this one (each edge once, so a task with two edges to this one
    /// appears twice).
    pub fn dependents_of(&self, idx: TaskIdx) -> impl Iterator<Item = TaskIdx> + '_ {
        self.graph
            .neighbors_directed(NodeIndex::new(idx as usize), Direction::Incoming)
            .map(|n| n.index() as TaskIdx)
    }

    /// The raw text of a task's `task` definition.
    pub(crate) fn task_text(&self, idx: TaskIdx) -> Cow<'_, [u8]> {
        self.node(idx)
            .and_then(|n| self.source.cold(n.task.clone()))
            .unwrap_or(Cow::Borrowed(b"{}"))
    }

    /// The raw text of a task's `task.extra`, if it has one.
    pub(crate) fn extra_text(&self, idx: TaskIdx) -> Option<&[u8]> {
        let range = self.node(idx)?.extra.clone()?;
        self.source.hot(range)
    }

    /// Parses a task's definition (only done for tasks that are created).
    pub fn task_definition(&self, label: &str) -> Result<Value, Error> {
        let idx = self.index_of(label).ok_or_else(|| Error::UnknownLabels {
            labels: vec![label.to_string()],
        })?;
        self.parse_task(idx)
    }

    pub(crate) fn parse_task(&self, idx: TaskIdx) -> Result<Value, Error> {
        serde_json::from_slice(&self.task_text(idx)).map_err(|e| Error::BadField {
            label: self.label(idx).to_string(),
            field: "task".into(),
            problem: format!("is not valid JSON: {e}"),
        })
    }

    /// The raw text of a task's `task.deadline`, if it has one.
    pub(crate) fn deadline_text(&self, idx: TaskIdx) -> Option<&[u8]> {
        let range = self.node(idx)?.deadline.clone()?;
        self.source.hot(range)
    }

    /// A task's `optimization` exactly as written.
    pub(crate) fn raw_optimization(&self, idx: TaskIdx) -> Option<Value> {
        let range = self.node(idx)?.optimization_raw.clone();
        serde_json::from_slice(&self.source.cold(range)?).ok()
    }

    /// The raw text of an entry's `description`, if it has one.
    pub(crate) fn description_text(&self, idx: TaskIdx) -> Option<Cow<'_, [u8]>> {
        let range = self.node(idx)?.description.clone()?;
        self.source.cold(range)
    }

    /// Parses a task's `attributes`.
    pub fn attributes(&self, label: &str) -> Option<Value> {
        let idx = self.index_of(label)?;
        self.parse_attributes(idx)
    }

    /// One attribute of a task (`attributes[key]`). Its attributes are only parsed when their
    /// text mentions `key` (most tasks have neither `retrigger` nor `cached_task` nor
    /// `task_duplicates`).
    pub fn attribute(&self, label: &str, key: &str) -> Option<Value> {
        let idx = self.index_of(label)?;
        memchr::memmem::find(self.attributes_text(idx), key.as_bytes())?;
        self.parse_attributes(idx)?.get(key).cloned()
    }

    pub(crate) fn attributes_text(&self, idx: TaskIdx) -> &[u8] {
        self.node(idx)
            .and_then(|n| self.source.hot(n.attributes.clone()))
            .unwrap_or(b"{}")
    }

    pub(crate) fn parse_attributes(&self, idx: TaskIdx) -> Option<Value> {
        let text = self
            .node(idx)
            .and_then(|n| self.source.hot(n.attributes.clone()))?;
        serde_json::from_slice(text).ok()
    }
}
