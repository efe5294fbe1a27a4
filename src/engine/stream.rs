//! Building a [`FullTaskGraph`] while `full-task-graph.json` is still arriving.
//!
//! [`GraphStream::feed`] takes the bytes as they come (plain JSON or gzip, inflated on the
//! fly) and scans every entry that is complete, so when the last byte is in only the last
//! entry and the graph's edges are left to do ([`GraphStream::finish`]). Scanning an entry is
//! [`parse`](super::parse)'s: the same fields, checks and errors as parsing the whole text.
//!
//! The text is not kept as it came ([`Packed`]):
//! - the indentation at the start of each line is dropped as it arrives (upstream writes the
//!   graph with `indent=2`: a fifth to a quarter of real graphs). No JSON value can notice: a
//!   raw newline never occurs inside a JSON string, so a line's leading spaces are always
//!   outside one;
//! - each scanned entry's `attributes`, `task.extra` and `task.deadline` are copied out (hot);
//! - every [`BLOCK`] bytes of whole entries are compressed (cold), and only the entry still
//!   arriving stays as text in a small window.
//!
//! A stream [`reading_back`](GraphStream::reading_back) from a [`TextStore`] (the CLI's plain
//! file, which holds the text already) keeps neither the indentation's removal nor the
//! compression: its cold blocks are offsets in the store, read back for the few definitions a
//! preview needs.

use std::io::Write as _;
use std::sync::Arc;

use flate2::write::MultiGzDecoder;

use super::error::Error;
use super::model::{Block, Chunks, FullTaskGraph, Kept, Packed, Source, TextStore, BLOCK};
use super::parse::{self, RawEntry, ScanFailure, GZIP_MAGIC};
use super::scan::{self, Scanner};

/// How much arriving text is appended before the scan catches up.
const PIECE: usize = 1 << 20;

/// The window sheds its packed front once it is this long.
const SHED: usize = 1 << 20;

/// Where the scan of the top-level object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    /// Before the opening `{`.
    #[default]
    Start,
    /// After `{`: an entry or `}`.
    Open,
    /// At an entry's key.
    Entry,
    /// After an entry: `,` or `}`.
    Separator,
    /// After the closing `}`: only whitespace may follow.
    Closed,
}

/// The text as kept and scanned so far.
#[derive(Default)]
struct Text {
    /// The text not packed yet; `window[0]` is at offset `base` of the text.
    window: Vec<u8>,
    base: usize,
    /// Where the block being gathered starts, in the window.
    block: usize,
    hot: Chunks,
    cold: Vec<Block>,
    cold_bytes: Chunks,
    /// The next line's indentation is still to be dropped.
    line_start: bool,
    /// Some indentation was dropped (error columns then do not count it).
    dropped: bool,
    state: State,
    /// Where the scan goes on, in the window.
    pos: usize,
    /// Scan again once the window is this long (an entry that was not complete is not
    /// re-scanned for every few bytes).
    retry_at: usize,
    entries: Vec<RawEntry>,
    /// The entries of earlier parts joined to this one ([`Part::then`]), before `entries`,
    /// in order: kept apart so that building the graph frees them part by part.
    earlier: Vec<Vec<RawEntry>>,
    /// The error that stopped the scan (kept here while the gzip decoder owns the text).
    error: Option<Error>,
    /// Where blocks are compressed before being copied out at their size (the encoder
    /// needs room for its worst case, which a kept block would otherwise hold on to).
    scratch: Vec<u8>,
    /// Where the text is read back from: the text is then taken as it comes (indentation
    /// kept) and its blocks are not kept.
    store: Option<Arc<dyn TextStore>>,
}

impl Text {
    /// Appends `data` without the indentation of its lines, scanning as it goes.
    fn push(&mut self, data: &[u8]) -> Result<(), Error> {
        for piece in data.chunks(PIECE) {
            self.append(piece);
            if self.window.len() >= self.retry_at {
                self.scan(false)?;
            }
        }
        Ok(())
    }

    fn append(&mut self, mut data: &[u8]) {
        if self.store.is_some() {
            // Read back as it is: the offsets must stay the store's.
            self.window.extend_from_slice(data);
            return;
        }
        let mut line_start = self.line_start;
        while !data.is_empty() {
            if line_start {
                let spaces = data.iter().take_while(|&&b| b == b' ').count();
                self.dropped |= spaces > 0;
                data = data.get(spaces..).unwrap_or(&[]);
                if data.is_empty() {
                    break;
                }
                line_start = false;
            }
            match memchr::memchr(b'\n', data) {
                Some(i) => {
                    let (line, rest) = data.split_at(i + 1);
                    self.window.extend_from_slice(line);
                    data = rest;
                    line_start = true;
                }
                None => {
                    self.window.extend_from_slice(data);
                    data = &[];
                }
            }
        }
        self.line_start = line_start;
    }

    /// Scans what has arrived. Until `end`, running out of text is not an error: the scan
    /// stops before the incomplete part and goes on when more is in.
    fn scan(&mut self, end: bool) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let window = std::mem::take(&mut self.window);
        let result = self.scan_window(&window, end);
        self.window = window;
        match result {
            Ok(()) => {
                self.shed();
                Ok(())
            }
            Err(e) => {
                self.error = Some(e.clone());
                Err(e)
            }
        }
    }

    fn scan_window(&mut self, text: &[u8], end: bool) -> Result<(), Error> {
        let mut s = Scanner::at(text, self.pos);
        loop {
            let step = match self.state {
                State::Start => match s.peek() {
                    Some(b'{') => s.expect(b'{', "'{'").map(|()| State::Open),
                    None if !end => break,
                    other => return Err(parse::not_an_object(other)),
                },
                State::Open => match s.peek() {
                    Some(b'}') => s.expect(b'}', "'}'").map(|()| State::Closed),
                    None if !end => break,
                    _ => Ok(State::Entry),
                },
                State::Entry => match parse::scan_entry(&mut s, text) {
                    Ok(mut entry) => {
                        let hot = &mut self.hot;
                        entry.relocate(self.base, |r| hot.push(text.get(r).unwrap_or(b"")));
                        self.entries.push(entry);
                        Ok(State::Separator)
                    }
                    Err(ScanFailure::Syntax(e)) => Err(e),
                    Err(ScanFailure::Field(e)) => return Err(e),
                },
                State::Separator => {
                    s.object_end()
                        .map(|closed| if closed { State::Closed } else { State::Entry })
                }
                State::Closed => match s.end() {
                    Ok(()) => break,
                    Err(e) => Err(e),
                },
            };
            match step {
                Ok(next) => {
                    if next == State::Separator && s.pos() - self.block >= BLOCK {
                        // Whole entries: a block never cuts one.
                        self.pack(text, s.pos());
                    }
                    self.state = next;
                    self.pos = s.pos();
                }
                // Out of text before the end: wait for more, and rescan this part only when
                // the text has grown by as much again (at least 64 kB).
                Err(e) if !end && e.offset >= text.len() => {
                    let pending = text.len() - self.pos;
                    self.retry_at = text.len() + pending.max(64 << 10);
                    return Ok(());
                }
                Err(e) => return Err(self.syntax(text, e)),
            }
        }
        self.retry_at = 0;
        Ok(())
    }

    /// Compresses the window from the current block's start to `to` into a cold block
    /// (or, with a store, only notes where it is).
    fn pack(&mut self, text: &[u8], to: usize) {
        let Some(bytes) = text.get(self.block..to) else {
            return;
        };
        if !bytes.is_empty() {
            let kept = match self.store {
                Some(_) => Kept::InStore,
                None => Kept::Lz4(self.compress(bytes)),
            };
            self.cold.push(Block {
                start: self.base + self.block,
                len: bytes.len(),
                kept,
            });
        }
        self.block = to;
    }

    /// `bytes` LZ4-compressed into the cold bytes; gives where.
    fn compress(&mut self, bytes: &[u8]) -> std::ops::Range<usize> {
        let room = lz4_flex::block::get_maximum_output_size(bytes.len());
        if self.scratch.len() < room {
            self.scratch.resize(room, 0);
        }
        match lz4_flex::block::compress_into(bytes, &mut self.scratch) {
            Ok(n) => self.cold_bytes.push(self.scratch.get(..n).unwrap_or(&[])),
            // Cannot happen (the room is the encoder's own bound); compress anew.
            Err(_) => self.cold_bytes.push(&lz4_flex::block::compress(bytes)),
        }
    }

    /// Drops the packed front of the window once it is long enough to be worth the move.
    fn shed(&mut self) {
        let cut = self.block;
        if cut < SHED {
            return;
        }
        self.window.drain(..cut);
        self.base += cut;
        self.block = 0;
        self.pos -= cut;
        self.retry_at = self.retry_at.saturating_sub(cut);
    }

    /// Newlines in the text before `base`, which is all in cold blocks: counted only for an
    /// error's line (counting them as the text went by cost 3% of a big graph's load).
    fn lines_before_base(&self) -> usize {
        self.cold
            .iter()
            .take_while(|block| block.start < self.base)
            .filter_map(|block| block.text(&self.cold_bytes, self.store.as_deref()).ok())
            .map(|text| memchr::memchr_iter(b'\n', &text).count())
            .sum()
    }

    /// A syntax error at `e.offset` of the window, with its line (and column, when no
    /// indentation was dropped).
    fn syntax(&self, text: &[u8], e: scan::ScanError) -> Error {
        let (line, column) = scan::line_column(text, e.offset);
        let line = self.lines_before_base() + line;
        let at = if self.dropped {
            format!("line {line}")
        } else {
            format!("line {line} column {column}")
        };
        Error::Syntax {
            what: "full-task-graph".into(),
            message: format!("{} at {at}", e.message),
        }
    }

    fn finish(self) -> Result<FullTaskGraph, Error> {
        let (text_len, text) = self.close()?;
        let packed = Packed::new(text.hot, text.cold, text.cold_bytes, text.store, text_len);
        let mut entries = text.earlier;
        entries.push(text.entries);
        parse::build_graph(Source::Packed(packed), entries)
    }

    /// Scans to the end, which must close the graph, and packs the rest; gives the text's
    /// length.
    fn close(mut self) -> Result<(usize, Text), Error> {
        self.scan(true)?;
        if self.state != State::Closed {
            // `scan(true)` reports every way of running out; this is a safety net.
            return Err(Error::Syntax {
                what: "full-task-graph".into(),
                message: "unexpected end of the input (truncated?)".into(),
            });
        }
        Ok((self.pack_rest(), self))
    }

    /// Packs what is left in the window; gives the text's length.
    fn pack_rest(&mut self) -> usize {
        let mut window = std::mem::take(&mut self.window);
        self.pack(&window, window.len());
        let len = self.base + window.len();
        self.base = len;
        self.block = 0;
        self.pos = 0;
        // Empty, the room kept for whoever takes it over (see `Spare`).
        window.clear();
        self.window = window;
        len
    }
}

/// The buffers a stream scans and compresses in, handed from one part of a text to the next
/// ([`GraphStream::into_part_keeping`], [`GraphStream::continuation_in`]).
#[derive(Default)]
pub struct Spare {
    window: Vec<u8>,
    scratch: Vec<u8>,
    /// The last part's entries and hot bytes: the next part reserves about as much, instead
    /// of growing by doubling into fresh pages.
    entries: usize,
    hot: usize,
    cold: usize,
}

/// A part of a graph's text, scanned on its own (see [`GraphStream::into_part`]).
pub struct Part {
    text: Box<Text>,
    text_len: usize,
}

impl Part {
    /// This part and the `next` one, which follows it in the text, as one part (a text cut
    /// into many parts is joined in order: `first.then(second).then(third)`...).
    pub fn then(self, next: Part) -> Part {
        let Part {
            text: mut whole,
            text_len: first_len,
        } = self;
        let Part {
            text: second,
            text_len: second_len,
        } = next;
        let mut second = *second;
        let hot_base = whole.hot.len();
        for list in second
            .earlier
            .iter_mut()
            .chain(std::iter::once(&mut second.entries))
        {
            for entry in list {
                entry.shift(first_len, hot_base);
            }
        }
        let current = std::mem::take(&mut whole.entries);
        whole.earlier.push(current);
        whole.earlier.append(&mut second.earlier);
        whole.entries = second.entries;
        whole.hot.append(second.hot);
        let bytes_base = whole.cold_bytes.len();
        whole.cold.extend(second.cold.into_iter().map(|mut b| {
            b.start += first_len;
            if let Kept::Lz4(data) = &mut b.kept {
                *data = data.start + bytes_base..data.end + bytes_base;
            }
            b
        }));
        whole.cold_bytes.append(second.cold_bytes);
        Part {
            text: whole,
            text_len: first_len + second_len,
        }
    }
}

impl std::io::Write for Text {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.push(data)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Input {
    /// The first byte, until the second tells gzip from JSON.
    Sniffing(Option<u8>),
    Plain(Box<Text>),
    Gzip(Box<MultiGzDecoder<Text>>),
}

/// A `full-task-graph.json` being received: [`feed`](GraphStream::feed) it the bytes as they
/// arrive, then [`finish`](GraphStream::finish) it. Gives exactly what
/// [`FullTaskGraph::parse`] gives for the whole text, or the same error.
pub struct GraphStream {
    input: Input,
}

impl Default for GraphStream {
    fn default() -> Self {
        GraphStream::new()
    }
}

impl GraphStream {
    pub fn new() -> GraphStream {
        GraphStream {
            input: Input::Sniffing(None),
        }
    }

    /// Takes the next bytes. An error is final: later calls return it again.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        if let Input::Sniffing(first) = self.input {
            let mut head = Vec::with_capacity(2);
            head.extend(first);
            head.extend(data.iter().take(2 - head.len()));
            if head.len() < 2 {
                self.input = Input::Sniffing(head.first().copied());
                return Ok(());
            }
            let text = Text::default();
            self.input = if head == GZIP_MAGIC {
                Input::Gzip(Box::new(MultiGzDecoder::new(text)))
            } else {
                Input::Plain(Box::new(text))
            };
            if let Some(first) = first {
                self.write(&[first])?;
            }
        }
        self.write(data)
    }

    fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        match &mut self.input {
            Input::Sniffing(_) => Ok(()),
            Input::Plain(text) => text.push(data),
            Input::Gzip(decoder) => match decoder.write_all(data) {
                Ok(()) => Ok(()),
                Err(e) => Err(decoder
                    .get_ref()
                    .error
                    .clone()
                    .unwrap_or_else(|| bad_gzip(&e))),
            },
        }
    }

    /// This stream, before it is fed, for a plain JSON text that `store` holds already: the
    /// text is scanned as it comes but not kept (neither de-indented nor compressed), and the
    /// few definitions a preview needs are read back from the store. Byte `n` of the text
    /// must be the store's byte `n` (for a [`continuation`](GraphStream::continuation):
    /// `n` counted from the start of the text it continues). The graph's
    /// [`read_back_failure`](FullTaskGraph::read_back_failure) says if a read ever failed.
    /// A stream already fed is left as it is.
    pub fn reading_back(self, store: Arc<dyn TextStore>) -> GraphStream {
        let mut text = match self.input {
            Input::Sniffing(None) => Box::default(),
            Input::Plain(text) if text.base == 0 && text.window.is_empty() => text,
            input => return GraphStream { input },
        };
        text.store = Some(store);
        GraphStream {
            input: Input::Plain(text),
        }
    }

    /// A stream for a later part of a graph's plain text, cut just before an entry's key (a
    /// part of a big graph scanned on another thread; see [`GraphStream::into_part`]).
    pub fn continuation() -> GraphStream {
        GraphStream::continuation_in(Spare::default())
    }

    /// A [`continuation`](GraphStream::continuation) that works in the buffers an earlier
    /// part left (see [`GraphStream::into_part_keeping`]): no fresh pages for each part. What
    /// the part keeps is sized by the earlier part's, plus a sixteenth (a quarter held 7-9 MB
    /// more of a 50k gzip graph's ~190 MB peak, slack in 185 parts, for no speed).
    pub fn continuation_in(spare: Spare) -> GraphStream {
        let Spare {
            mut window,
            scratch,
            entries,
            hot,
            cold,
        } = spare;
        window.clear();
        GraphStream {
            input: Input::Plain(Box::new(Text {
                state: State::Entry,
                window,
                scratch,
                entries: Vec::with_capacity(entries + entries / 16),
                hot: Chunks::with_capacity(hot + hot / 16),
                cold_bytes: Chunks::with_capacity(cold + cold / 16),
                ..Text::default()
            })),
        }
    }

    /// Where in `bytes` a line first starts with a top-level key (as upstream's `indent=2`
    /// writes them): a place to cut a big text into parts; `None` if there is none.
    pub fn cut_in(bytes: &[u8]) -> Option<usize> {
        memchr::memmem::find(bytes, b"\n  \"").map(|i| i + 3)
    }

    /// This stream as the first part of a graph's text whose rest goes to a
    /// [`continuation`](GraphStream::continuation): it must have stopped right before an
    /// entry's key (after the comma and any blank). `None` if it did not (the cut was not
    /// between entries, or the text is gzip or broken): the text is then to be parsed whole.
    pub fn into_part(self) -> Option<Part> {
        self.into_part_keeping(&mut Spare::default())
    }

    /// [`into_part`](GraphStream::into_part), leaving the buffers the stream worked in to
    /// `spare`, for the next part's [`continuation_in`](GraphStream::continuation_in).
    pub fn into_part_keeping(self, spare: &mut Spare) -> Option<Part> {
        let Input::Plain(mut text) = self.input else {
            return None;
        };
        text.scan(false).ok()?;
        let rest = text.window.get(text.pos..).unwrap_or(&[]);
        if text.state != State::Entry || !rest.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        let text_len = text.pack_rest();
        // A part's last chunks are kept as they are: give back the room they will not use.
        text.hot.shrink_last();
        text.cold_bytes.shrink_last();
        spare.window = std::mem::take(&mut text.window);
        spare.scratch = std::mem::take(&mut text.scratch);
        spare.entries = text.entries.len();
        spare.hot = text.hot.len();
        spare.cold = text.cold_bytes.len();
        Some(Part { text, text_len })
    }

    /// The graph from its `first` part and this continuation, which must close it. The
    /// result is the whole text's, as one stream would give it.
    pub fn finish_after(self, first: Part) -> Result<FullTaskGraph, Error> {
        let Input::Plain(text) = self.input else {
            return Err(Error::Syntax {
                what: "full-task-graph".into(),
                message: "a continuation must be plain JSON".into(),
            });
        };
        let (text_len, text) = text.close()?;
        let Part { text, text_len } = first.then(Part {
            text: Box::new(text),
            text_len,
        });
        let packed = Packed::new(text.hot, text.cold, text.cold_bytes, text.store, text_len);
        let mut entries = text.earlier;
        entries.push(text.entries);
        parse::build_graph(Source::Packed(packed), entries)
    }

    /// The graph from the parts before this last one, joined in order (`[]`: this stream is
    /// the whole text), as [`finish_after`](GraphStream::finish_after) gives it.
    pub fn finish_after_parts(
        self,
        earlier: impl IntoIterator<Item = Part>,
    ) -> Result<FullTaskGraph, Error> {
        match earlier.into_iter().reduce(Part::then) {
            Some(first) => self.finish_after(first),
            None => self.finish(),
        }
    }

    /// The graph, once every byte is in.
    pub fn finish(self) -> Result<FullTaskGraph, Error> {
        let text = match self.input {
            Input::Sniffing(first) => {
                let mut text = Text::default();
                text.push(first.as_slice())?;
                text
            }
            Input::Plain(text) => *text,
            Input::Gzip(mut decoder) => {
                if let Err(e) = decoder.try_finish() {
                    return Err(decoder
                        .get_ref()
                        .error
                        .clone()
                        .unwrap_or_else(|| bad_gzip(&e)));
                }
                match decoder.finish() {
                    Ok(text) => text,
                    Err(e) => return Err(bad_gzip(&e)),
                }
            }
        };
        text.finish()
    }
}

impl FullTaskGraph {
    /// Parses `full-task-graph.json` text, plain or gzip-compressed, keeping it without its
    /// indentation (as a [`GraphStream`] fed the whole text).
    pub fn parse(bytes: Vec<u8>) -> Result<FullTaskGraph, Error> {
        let mut stream = GraphStream::new();
        stream.feed(&bytes)?;
        drop(bytes);
        stream.finish()
    }
}

fn bad_gzip(e: &std::io::Error) -> Error {
    Error::Syntax {
        what: "full-task-graph".into(),
        message: format!("bad gzip data: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streamed(text: &[u8], chunk: usize) -> Result<FullTaskGraph, Error> {
        let mut stream = GraphStream::new();
        for part in text.chunks(chunk.max(1)) {
            stream.feed(part)?;
        }
        stream.finish()
    }

    fn graph_text(n: usize) -> Vec<u8> {
        let mut g = serde_json::Map::new();
        for i in 0..n {
            let deps: serde_json::Map<String, serde_json::Value> = if i > 0 {
                [(
                    format!("d{}", i - 1),
                    serde_json::json!(format!("t-{}", i - 1)),
                )]
                .into_iter()
                .collect()
            } else {
                serde_json::Map::new()
            };
            g.insert(
                format!("t-{i}"),
                serde_json::json!({
                    "kind": "build", "label": format!("t-{i}"), "attributes": {"a": [1, {"b": "}"}]},
                    "dependencies": deps, "optimization": {"skip-unless-changed": ["x"]},
                    "task": {"deadline": {"relative-datestamp": "1 day"}, "extra": {"treeherder": {"symbol": "B"}},
                             "payload": {"env": {"S": "a\nb \"{["}}},
                    "description": "d"
                }),
            );
        }
        serde_json::to_vec_pretty(&serde_json::Value::Object(g)).unwrap()
    }

    fn same(a: &FullTaskGraph, b: &FullTaskGraph) {
        let la: Vec<&str> = a.labels_unsorted().collect();
        let lb: Vec<&str> = b.labels_unsorted().collect();
        assert_eq!(la, lb);
        assert_eq!(a.edge_count(), b.edge_count());
        for label in la {
            assert_eq!(
                a.task_definition(label).unwrap(),
                b.task_definition(label).unwrap()
            );
            assert_eq!(a.attributes(label), b.attributes(label));
            let idx = a.index_of(label).unwrap();
            let parsed = |g: &FullTaskGraph, t: Option<&[u8]>| {
                let _ = g;
                t.map(|t| serde_json::from_slice::<serde_json::Value>(t).unwrap())
            };
            assert_eq!(
                parsed(a, a.deadline_text(idx)),
                parsed(b, b.deadline_text(idx))
            );
            assert_eq!(parsed(a, a.extra_text(idx)), parsed(b, b.extra_text(idx)));
            assert_eq!(a.raw_optimization(idx), b.raw_optimization(idx));
            assert_eq!(
                parsed(a, a.description_text(idx).as_deref()),
                parsed(b, b.description_text(idx).as_deref())
            );
            assert_eq!(
                a.get(label).unwrap().dependencies,
                b.get(label).unwrap().dependencies
            );
        }
    }

    #[test]
    fn any_chunking_gives_the_whole_texts_graph_without_its_indentation() {
        let text = graph_text(40);
        let whole = FullTaskGraph::parse_whole(text.clone()).unwrap();
        for chunk in [1, 2, 3, 7, 64, 1000, text.len()] {
            let g = streamed(&text, chunk).unwrap();
            same(&whole, &g);
            // Only the indentation went: every byte kept is a byte of the text, in order.
            let kept = match &g.source {
                Source::Packed(p) => p.text_len,
                _ => unreachable!(),
            };
            let indentation: usize = text
                .split(|&b| b == b'\n')
                .skip(1)
                .map(|line| line.iter().take_while(|&&b| b == b' ').count())
                .sum();
            assert_eq!(kept, text.len() - indentation, "chunk {chunk}");
        }
    }

    #[test]
    fn gzip_is_inflated_as_it_arrives() {
        let text = graph_text(30);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        let whole = FullTaskGraph::parse(text).unwrap();
        for chunk in [1, 5, 333, gz.len()] {
            same(&whole, &streamed(&gz, chunk).unwrap());
        }
    }

    #[test]
    fn the_text_is_held_in_blocks_of_whole_entries_even_a_huge_one() {
        // 2,000 entries of about 600 bytes, one of them 20 MB (bigger than a window).
        let mut text = graph_text(2000);
        let big = "x".repeat(20 << 20);
        let marker = b"\"S\": \"a\\nb \\\"{[\"";
        let at = memchr::memmem::find(&text, marker).unwrap();
        let replacement = format!("\"S\": \"{big}\"");
        text.splice(at..at + marker.len(), replacement.bytes());
        let whole = FullTaskGraph::parse_whole(text.clone()).unwrap();
        for piece in [1 << 20, 3 << 20, text.len()] {
            let g = streamed(&text, piece).unwrap();
            same(&whole, &g);
            let Source::Packed(p) = &g.source else {
                unreachable!()
            };
            assert!(p.cold.len() >= 8, "{} blocks", p.cold.len());
            // Blocks follow each other and cover the text.
            let mut at = 0;
            for b in &p.cold {
                assert_eq!(b.start, at);
                at += b.len;
            }
            assert_eq!(at, p.text_len);
            // 20 MB of one repeated letter packs to almost nothing.
            assert!(p.held() < 1 << 20, "{} bytes held", p.held());
        }
    }

    #[test]
    fn a_text_cut_between_entries_joins_into_the_whole_texts_graph() {
        let text = graph_text(300);
        let whole = FullTaskGraph::parse_whole(text.clone()).unwrap();
        let keys: Vec<usize> = memchr::memmem::find_iter(&text, b"\n  \"")
            .map(|i| i + 3)
            .collect();
        assert_eq!(GraphStream::cut_in(&text), keys.first().copied());
        assert!(keys.len() >= 300);
        for &cut in keys.iter().skip(1).step_by(37) {
            let mut first = GraphStream::new();
            for piece in text[..cut].chunks(777) {
                first.feed(piece).unwrap();
            }
            let part = first.into_part().expect("cut between entries");
            let mut rest = GraphStream::continuation();
            for piece in text[cut..].chunks(1000) {
                rest.feed(piece).unwrap();
            }
            same(&whole, &rest.finish_after(part).unwrap());
        }
        // A cut inside an entry is refused, or its second half does not parse.
        let inside = keys[5] + 10;
        let mut first = GraphStream::new();
        first.feed(&text[..inside]).unwrap();
        assert!(first.into_part().is_none());
        let mut first = GraphStream::new();
        first.feed(&text[..keys[5]]).unwrap();
        let part = first.into_part().unwrap();
        let mut rest = GraphStream::continuation();
        let fed = rest.feed(&text[inside..]);
        assert!(fed.is_err() || rest.finish_after(part).is_err());
    }

    /// `text` streamed in pieces of `chunk` bytes, read back from `store`.
    fn read_back(
        text: &[u8],
        chunk: usize,
        store: Arc<dyn TextStore>,
    ) -> Result<FullTaskGraph, Error> {
        let mut stream = GraphStream::new().reading_back(store);
        for part in text.chunks(chunk.max(1)) {
            stream.feed(part)?;
        }
        stream.finish()
    }

    #[test]
    fn a_text_read_back_from_its_store_is_the_whole_texts_graph_and_none_of_it_is_kept() {
        let text = graph_text(400);
        let whole = FullTaskGraph::parse_whole(text.clone()).unwrap();
        let store: Arc<dyn TextStore> = Arc::new(text.clone());
        for chunk in [1, 7, 4096, 1 << 20] {
            let g = read_back(&text, chunk, store.clone()).unwrap();
            same(&whole, &g);
            let Source::Packed(p) = &g.source else {
                unreachable!()
            };
            // The text as it is (indentation too), in blocks that cover it, none of it kept.
            assert_eq!(p.text_len, text.len());
            assert!(p.cold.len() >= 2, "{} blocks", p.cold.len());
            let mut at = 0;
            for b in &p.cold {
                assert!(matches!(b.kept, Kept::InStore));
                assert_eq!(b.start, at);
                at += b.len;
            }
            assert_eq!(at, text.len());
            assert_eq!(p.cold_bytes.len(), 0);
            assert_eq!(g.read_back_failure(), None);
        }
        // Cut between entries, each part read back from the same store: the whole graph.
        let cut = 40_000 + GraphStream::cut_in(&text[40_000..]).unwrap();
        let mut first = GraphStream::new().reading_back(store.clone());
        first.feed(&text[..cut]).unwrap();
        let part = first.into_part().unwrap();
        let mut rest = GraphStream::continuation().reading_back(store.clone());
        rest.feed(&text[cut..]).unwrap();
        same(&whole, &rest.finish_after(part).unwrap());
        // A stream already fed keeps its text.
        let mut fed = GraphStream::new();
        fed.feed(&text[..1]).unwrap();
        let mut fed = fed.reading_back(store);
        fed.feed(&text[1..]).unwrap();
        let g = fed.finish().unwrap();
        same(&whole, &g);
        assert!(g.text_bytes().1 > 0);
    }

    #[test]
    fn a_store_that_fails_is_reported_and_its_errors_name_line_and_column() {
        /// The text until it is switched off (as a file that changed).
        struct Fading(Vec<u8>, std::sync::atomic::AtomicBool);
        impl TextStore for Fading {
            fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<(), String> {
                if self.1.load(std::sync::atomic::Ordering::SeqCst) {
                    return Err("the file changed".into());
                }
                self.0.read_at(offset, buf)
            }
        }
        let text = graph_text(300);
        let store = Arc::new(Fading(text.clone(), false.into()));
        let g = read_back(&text, 4096, store.clone()).unwrap();
        assert_eq!(
            g.task_definition("t-7").unwrap()["payload"]["env"]["S"],
            "a\nb \"{["
        );
        store.1.store(true, std::sync::atomic::Ordering::SeqCst);
        // A block not read before fails: noted, and the definition reads as missing.
        let _ = g.task_definition("t-290");
        assert_eq!(g.read_back_failure().as_deref(), Some("the file changed"));
        // Nothing is de-indented: an error names the whole text's line and column, exactly.
        let good = String::from_utf8(graph_text(3000)).unwrap();
        let at = good.rfind("\"kind\": \"build\"").unwrap();
        let bad = format!("{}\"kind\": [}}{}", &good[..at], &good[at + 15..]).into_bytes();
        let whole = FullTaskGraph::parse_whole(bad.clone()).err().unwrap();
        let store: Arc<dyn TextStore> = Arc::new(bad.clone());
        for chunk in [4096, 1 << 20] {
            assert_eq!(read_back(&bad, chunk, store.clone()).err().unwrap(), whole);
        }
    }

    #[test]
    fn an_error_past_the_packed_text_names_the_whole_texts_line() {
        // Long enough that blocks are packed and shed before the error: its line counts the
        // newlines in them.
        let good = String::from_utf8(graph_text(6000)).unwrap();
        assert!(good.len() > 3 * SHED);
        let at = good.rfind("\"kind\": \"build\"").unwrap();
        let bad = format!("{}\"kind\": [}}{}", &good[..at], &good[at + 15..]);
        let line = |e: Error| match e {
            Error::Syntax { message, .. } => message
                .split(" at line ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse::<usize>().ok()),
            _ => None,
        };
        let whole = line(
            FullTaskGraph::parse(bad.clone().into_bytes())
                .err()
                .unwrap(),
        );
        // Found past the broken value's line (the brackets only mismatch later on).
        assert!(whole >= Some(good[..at].matches('\n').count() + 1));
        for chunk in [4096, 1 << 20] {
            let got = line(streamed(bad.as_bytes(), chunk).err().unwrap());
            assert_eq!(got, whole, "chunk {chunk}");
        }
    }

    #[test]
    fn errors_are_the_whole_texts_at_any_chunking() {
        let good = graph_text(5);
        let cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"   ".to_vec(),
            b"[]".to_vec(),
            b"{}".to_vec(),
            b"{} x".to_vec(),
            good[..good.len() - 2].to_vec(),
            good[..good.len() / 2].to_vec(),
            [&good[..], b" }"].concat(),
            String::from_utf8(good.clone())
                .unwrap()
                .replacen("\"kind\": \"build\"", "\"kind\": 3", 1)
                .into_bytes(),
            String::from_utf8(good.clone())
                .unwrap()
                .replacen("},\n  \"t-2\"", "}\n  \"t-2\"", 1)
                .into_bytes(),
            b"{\"a\": 1}".to_vec(),
            vec![0x1f],
            vec![0x1f, 0x8b, 0, 1, 2],
        ];
        for text in cases {
            let whole = FullTaskGraph::parse(text.clone()).map(|g| g.len());
            for chunk in [1, 2, 9, 4096] {
                let got = streamed(&text, chunk).map(|g| g.len());
                match (&whole, &got) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b),
                    (
                        Err(Error::Syntax { message: a, .. }),
                        Err(Error::Syntax { message: b, .. }),
                    ) => {
                        // The same problem; the position may count fewer columns, and flate2's
                        // reader and writer word a broken gzip stream differently.
                        let head = |m: &str| {
                            let m = m.split(" at line").next().unwrap_or("");
                            m.split(": ")
                                .next()
                                .filter(|h| *h == "bad gzip data")
                                .unwrap_or(m)
                                .to_string()
                        };
                        assert_eq!(head(a), head(b), "{:?}", String::from_utf8_lossy(&text));
                    }
                    (a, b) => {
                        assert_eq!(a, b, "{:?} chunk {chunk}", String::from_utf8_lossy(&text))
                    }
                }
            }
        }
    }
}
