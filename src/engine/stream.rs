//! Building a [`FullTaskGraph`] while `full-task-graph.json` is still arriving.
//!
//! [`GraphStream::feed`] takes the bytes as they come (plain JSON or gzip, inflated on the
//! fly) and scans every entry that is complete, so when the last byte is in only the last
//! entry and the graph's edges are left to do ([`GraphStream::finish`]). Scanning an entry is
//! [`parse`](super::parse)'s: the same fields, checks and errors as parsing the whole text.
//!
//! What is kept is less than the text: the indentation at the start of each line (upstream
//! writes the graph with `indent=2`, and about half of Firefox's graph is those spaces) is
//! dropped as it arrives, which no JSON value can notice (a raw newline never occurs inside
//! a JSON string, so a line's leading spaces are always outside one). The text is kept in
//! segments of [`SEGMENT`] bytes that each hold whole entries, so it never has to be copied
//! into a bigger buffer as it grows: the partly arrived entry at the end of a full segment
//! moves to the next one.

use std::io::Write as _;

use flate2::write::MultiGzDecoder;

use super::error::Error;
use super::model::{FullTaskGraph, Segments, Source};
use super::parse::{self, RawEntry, ScanFailure, GZIP_MAGIC};
use super::scan::{self, Scanner};

/// The size of a segment of kept text (a bigger entry gets a segment of its own).
pub const SEGMENT: usize = 8 << 20;

/// The first segment's first size (it doubles up to [`SEGMENT`]).
const FIRST: usize = 64 << 10;

/// Where the scan of the top-level object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening `{`.
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
struct Text {
    segments: Segments,
    /// The next line's indentation is still to be dropped.
    line_start: bool,
    /// Some indentation was dropped (error columns then do not count it).
    dropped: bool,
    state: State,
    /// Where the scan goes on, in the last segment.
    pos: usize,
    /// Scan again once the last segment is this long (an entry that was not complete is not
    /// re-scanned for every few bytes).
    retry_at: usize,
    entries: Vec<RawEntry>,
    /// The error that stopped the scan (kept here while the gzip decoder owns the text).
    error: Option<Error>,
}

impl Text {
    fn new() -> Text {
        Text {
            segments: Segments {
                parts: vec![(0, Vec::with_capacity(FIRST))],
            },
            line_start: false,
            dropped: false,
            state: State::Start,
            pos: 0,
            retry_at: 0,
            entries: Vec::new(),
            error: None,
        }
    }

    fn last(&mut self) -> &mut (usize, Vec<u8>) {
        if self.segments.parts.is_empty() {
            self.segments.parts.push((0, Vec::new()));
        }
        let last = self.segments.parts.len() - 1;
        &mut self.segments.parts[last]
    }

    /// Appends `data` without the indentation of its lines, scanning whenever a segment fills.
    fn push(&mut self, mut data: &[u8]) -> Result<(), Error> {
        while !data.is_empty() {
            let (_, bytes) = self.last();
            let room = bytes.capacity() - bytes.len();
            if room == 0 {
                if bytes.capacity() < SEGMENT {
                    // A small graph never needs a whole segment: grow up to one.
                    bytes.reserve(bytes.capacity().max(FIRST));
                } else {
                    self.scan(false)?;
                    self.next_segment();
                }
                continue;
            }
            let (now, later) = data.split_at(room.min(data.len()));
            data = later;
            let mut now = now;
            let mut line_start = self.line_start;
            let mut dropped = false;
            let (_, bytes) = self.last();
            while !now.is_empty() {
                if line_start {
                    let spaces = now.iter().take_while(|&&b| b == b' ').count();
                    dropped |= spaces > 0;
                    now = now.get(spaces..).unwrap_or(&[]);
                    if now.is_empty() {
                        break;
                    }
                    line_start = false;
                }
                match memchr::memchr(b'\n', now) {
                    Some(i) => {
                        let (line, rest) = now.split_at(i + 1);
                        bytes.extend_from_slice(line);
                        now = rest;
                        line_start = true;
                    }
                    None => {
                        bytes.extend_from_slice(now);
                        now = &[];
                    }
                }
            }
            self.line_start = line_start;
            self.dropped |= dropped;
        }
        if self.last().1.len() >= self.retry_at {
            self.scan(false)?;
        }
        Ok(())
    }

    /// Starts a segment with the unscanned end of the last one (an entry still arriving).
    fn next_segment(&mut self) {
        let pos = self.pos;
        let (base, bytes) = self.last();
        let tail = bytes.get(pos..).unwrap_or(&[]);
        let mut next = Vec::with_capacity(SEGMENT.max(tail.len().saturating_mul(2)));
        next.extend_from_slice(tail);
        bytes.truncate(pos);
        let base = *base + pos;
        self.segments.parts.push((base, next));
        self.pos = 0;
        self.retry_at = 0;
    }

    /// Scans what has arrived. Until `end`, running out of text is not an error: the scan
    /// stops before the incomplete part and goes on when more is in.
    fn scan(&mut self, end: bool) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let result = self.scan_inner(end);
        if let Err(e) = &result {
            self.error = Some(e.clone());
        }
        result
    }

    fn scan_inner(&mut self, end: bool) -> Result<(), Error> {
        let index = self.segments.parts.len().saturating_sub(1);
        let Some((base, bytes)) = self.segments.parts.get(index) else {
            return Ok(());
        };
        let (base, text) = (*base, bytes.as_slice());
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
                        entry.shift(base);
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
                Err(e) => return Err(self.syntax(index, e)),
            }
        }
        self.retry_at = 0;
        Ok(())
    }

    /// A syntax error at `e.offset` of segment `index`, with its line (and column, when no
    /// indentation was dropped).
    fn syntax(&self, index: usize, e: scan::ScanError) -> Error {
        let earlier: usize = self
            .segments
            .parts
            .iter()
            .take(index)
            .map(|(_, b)| memchr::memchr_iter(b'\n', b).count())
            .sum();
        let text = self.segments.parts.get(index).map_or(&[][..], |(_, b)| b);
        let (line, column) = scan::line_column(text, e.offset);
        let at = if self.dropped {
            format!("line {}", earlier + line)
        } else {
            format!("line {} column {column}", earlier + line)
        };
        Error::Syntax {
            what: "full-task-graph".into(),
            message: format!("{} at {at}", e.message),
        }
    }

    fn finish(mut self) -> Result<FullTaskGraph, Error> {
        self.scan(true)?;
        if self.state != State::Closed {
            // `scan(true)` reports every way of running out; this is a safety net.
            return Err(Error::Syntax {
                what: "full-task-graph".into(),
                message: "unexpected end of the input (truncated?)".into(),
            });
        }
        parse::build_graph(Source::Segments(self.segments), self.entries)
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
    Plain(Text),
    Gzip(Box<MultiGzDecoder<Text>>),
}

/// A `full-task-graph.json` being received: [`feed`](GraphStream::feed) it the bytes as they
/// arrive, then [`finish`](GraphStream::finish) it. Gives exactly what
/// [`FullTaskGraph::parse`] gives for the whole text, or the same error.
pub struct GraphStream {
    input: Input,
    /// Bytes received (before inflating).
    received: u64,
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
            received: 0,
        }
    }

    /// Bytes fed so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Entries scanned so far.
    pub fn entries(&self) -> usize {
        match &self.input {
            Input::Sniffing(_) => 0,
            Input::Plain(t) => t.entries.len(),
            Input::Gzip(d) => d.get_ref().entries.len(),
        }
    }

    /// Takes the next bytes. An error is final: later calls return it again.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        self.received += data.len() as u64;
        if let Input::Sniffing(first) = self.input {
            let mut head = Vec::with_capacity(2);
            head.extend(first);
            head.extend(data.iter().take(2 - head.len()));
            if head.len() < 2 {
                self.input = Input::Sniffing(head.first().copied());
                return Ok(());
            }
            let text = Text::new();
            self.input = if head == GZIP_MAGIC {
                Input::Gzip(Box::new(MultiGzDecoder::new(text)))
            } else {
                Input::Plain(text)
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

    /// The graph, once every byte is in.
    pub fn finish(self) -> Result<FullTaskGraph, Error> {
        let text = match self.input {
            Input::Sniffing(first) => {
                let mut text = Text::new();
                text.push(first.as_slice())?;
                text
            }
            Input::Plain(text) => text,
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
            if let Err(e) = stream.feed(part) {
                return Err(e);
            }
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
                parsed(a, a.description_text(idx)),
                parsed(b, b.description_text(idx))
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
        let whole = FullTaskGraph::parse_source(Source::Owned(text.clone()), 1).unwrap();
        for chunk in [1, 2, 3, 7, 64, 1000, text.len()] {
            let g = streamed(&text, chunk).unwrap();
            same(&whole, &g);
            // Only the indentation went: every byte kept is a byte of the text, in order.
            let kept = match &g.source {
                Source::Segments(s) => s.len(),
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
    fn entries_span_segments_and_big_entries_get_their_own() {
        // 600 entries of about 1 kB, one of them 20 MB (bigger than a segment).
        let mut text = graph_text(600);
        let big = "x".repeat(20 << 20);
        let marker = b"\"S\": \"a\\nb \\\"{[\"";
        let at = memchr::memmem::find(&text, marker).unwrap();
        let replacement = format!("\"S\": \"{big}\"");
        text.splice(at..at + marker.len(), replacement.bytes());
        let whole = FullTaskGraph::parse(text.clone()).unwrap();
        let g = streamed(&text, 1 << 20).unwrap();
        same(&whole, &g);
        match &g.source {
            Source::Segments(s) => assert!(s.parts.len() >= 3, "{} segments", s.parts.len()),
            _ => unreachable!(),
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
