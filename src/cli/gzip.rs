//! A big gzip graph on every core, read back from the compressed file.
//!
//! The text is inflated on this thread and handed out in parts that the workers scan on their
//! own ([`load_in_parts`]), as for a plain file, and like a plain file it is not kept: the
//! few definitions a preview needs are inflated again from the file ([`GzipStore`]), from the
//! nearest of the checkpoints taken on the way (zlib's `zran` idea: the decompressor's state,
//! the 32 kB of text a deflate stream may refer back to, and where both streams were, every
//! megabyte of text). Keeping the text instead meant compressing all 390 MB of it again
//! (LZ4), a fifth of the CPU of a 50k graph's load, and 60 MB more of fresh memory.
//!
//! The decompressor is `miniz_oxide`'s (no `unsafe`, and its state is a value that can be
//! copied, which zlib's is not through any safe interface); it inflates straight into the
//! part's buffer, after the text before it. Anything unusual (a header with a checksum of its
//! own, a bad checksum, bytes after the last member that are not another member) gives up
//! (`None`), and the file is read again by the one-stream path, whose answer counts.

use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};

use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

use super::FileStore;
use crate::engine::{self, stream::Spare, FullTaskGraph, GraphStream, TextStore};

/// How far back a deflate stream may refer: the text a resumed inflate needs before it.
const WINDOW: usize = 32 << 10;

/// How big the parts handed to the workers are, how much is inflated at a time, and how much
/// text lies between checkpoints (smaller in tests).
#[derive(Clone, Copy)]
struct Sizes {
    part: usize,
    read: usize,
    every: usize,
}

/// Parts of 2 MB; a checkpoint every MB of text: a read-back inflates half of that on
/// average (a fraction of a millisecond), and the 371 checkpoints of the 50k graph's 392 MB
/// take 5.5 MB (each the decompressor's tables, 10.5 kB, and the window compressed, 4.4 kB).
const SIZES: Sizes = Sizes {
    part: 2 << 20,
    read: 256 << 10,
    every: 1 << 20,
};

/// A gzip member's fixed header: magic, method (8: deflate), flags, time, extra flags, OS.
const FIXED_HEADER: usize = 10;

/// Where inflating can start again: the decompressor as it was, the text just before (at
/// most [`WINDOW`], compressed: a 32 kB window of a graph's JSON takes about 4.4 kB), the next
/// compressed byte's offset in the file, and the text's offset.
#[derive(Clone)]
struct Checkpoint {
    state: Box<DecompressorOxide>,
    window: Vec<u8>,
    input: u64,
    output: usize,
}

/// Where the compressed bytes come from: the file as it is read through (`offset` is always
/// where the last read ended), or read again at an offset.
trait Compressed {
    /// Fills the start of `buf` from `offset`; 0 at the end of the file.
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, String>;
}

/// The file, read through once.
struct Through(std::fs::File);

impl Compressed for Through {
    fn read(&mut self, _offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        use std::io::Read as _;
        self.0.read(buf).map_err(|e| e.to_string())
    }
}

/// The file read again, refusing once it changed ([`FileStore`]).
struct Again<'a>(&'a FileStore);

impl Compressed for Again<'_> {
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        let left = self.0.len().saturating_sub(offset);
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let at = usize::try_from(offset).map_err(|_| "offset out of range".to_string())?;
        self.0.read_at(at, buf.get_mut(..n).unwrap_or(&mut []))?;
        Ok(n)
    }
}

/// The length of the gzip member header at the start of `bytes`: `Ok(None)` if `bytes`
/// ends first, `Err` if it is not one this path reads (not gzip, not deflate, reserved flags,
/// or a header checksum: the one-stream path decides those).
fn header_len(bytes: &[u8]) -> Result<Option<usize>, ()> {
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    let Some(fixed) = bytes.get(..FIXED_HEADER) else {
        return if bytes.iter().zip([0x1f, 0x8b, 8]).all(|(a, b)| *a == b) {
            Ok(None)
        } else {
            Err(())
        };
    };
    let flags = fixed[3];
    if fixed[..3] != [0x1f, 0x8b, 8] || flags & !(1 | FEXTRA | FNAME | FCOMMENT) != 0 {
        return Err(());
    }
    let mut at = FIXED_HEADER;
    if flags & FEXTRA != 0 {
        let Some(&[low, high]) = bytes.get(at..at + 2) else {
            return Ok(None);
        };
        at += 2 + usize::from(u16::from_le_bytes([low, high]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let Some(end) = bytes.get(at..).and_then(|rest| memchr::memchr(0, rest)) else {
                return Ok(None);
            };
            at += end + 1;
        }
    }
    Ok((at <= bytes.len()).then_some(at))
}

/// A gzip file's members inflated one after the other. Verifies each member's length, and
/// notes where it ends and its CRC-32 (in `trailers`, for the workers' checksums of the
/// text: see [`Crcs`]), when `checked` (reading through); neither when resumed from a
/// checkpoint (reading back a text already verified, from a file that has not changed since).
struct Inflater<C> {
    source: C,
    /// Compressed bytes read: `input[start..end]` are not fed yet; `input[0]` is the file's
    /// byte `offset`.
    input: Vec<u8>,
    start: usize,
    end: usize,
    offset: u64,
    at_end: bool,
    state: Box<DecompressorOxide>,
    /// In a member's deflate stream (else before a header, or at the end).
    in_member: bool,
    /// The member's length so far (modulo 2³², as its trailer has it), when checked.
    checked: Option<u32>,
    /// Each member's end in the text and the CRC-32 its trailer gives, when checked.
    trailers: Vec<(usize, u32)>,
    /// The text inflated so far.
    output: usize,
    /// Where checkpoints go, when this inflater takes them.
    taking: Option<Taking>,
    members: usize,
}

/// Checkpoints taken while reading through: into `list`, one every `every` bytes of text, the
/// next due at `due`.
struct Taking {
    list: Arc<Mutex<Vec<Checkpoint>>>,
    every: usize,
    due: usize,
}

impl<C: Compressed> Inflater<C> {
    fn new(source: C, checkpoints: Arc<Mutex<Vec<Checkpoint>>>, every: usize) -> Self {
        Inflater {
            source,
            input: vec![0; 1 << 20],
            start: 0,
            end: 0,
            offset: 0,
            at_end: false,
            state: Box::default(),
            in_member: false,
            checked: Some(0),
            trailers: Vec::new(),
            output: 0,
            taking: Some(Taking {
                list: checkpoints,
                every,
                due: 0,
            }),
            members: 0,
        }
    }

    /// Inflating again from `checkpoint` (its window already in the caller's buffer),
    /// unchecked and taking no checkpoints.
    fn resume(source: C, checkpoint: Checkpoint) -> Self {
        Inflater {
            source,
            input: vec![0; 64 << 10],
            start: 0,
            end: 0,
            offset: checkpoint.input,
            at_end: false,
            state: checkpoint.state,
            in_member: true,
            checked: None,
            trailers: Vec::new(),
            output: checkpoint.output,
            taking: None,
            members: 1,
        }
    }

    /// Reads more compressed bytes after those not fed yet; false at the end of the file.
    fn refill(&mut self) -> Result<bool, String> {
        if self.start > 0 {
            self.input.copy_within(self.start..self.end, 0);
            self.offset += self.start as u64;
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.input.len() {
            self.input.resize(self.input.len() * 2, 0);
        }
        let at = self.offset + self.end as u64;
        let n = self
            .source
            .read(at, self.input.get_mut(self.end..).unwrap_or(&mut []))?;
        self.end += n;
        self.at_end = n == 0;
        Ok(n > 0)
    }

    fn unfed(&self) -> &[u8] {
        self.input.get(self.start..self.end).unwrap_or(&[])
    }

    /// Inflates into `buf` from `pos`, `buf[..pos]` holding the text just before (all of
    /// it, or at least its last [`WINDOW`] bytes), which must leave room after `pos`. The
    /// bytes written; 0 at the end of the file.
    fn inflate(&mut self, buf: &mut [u8], pos: usize) -> Result<usize, String> {
        if pos >= buf.len() {
            return Err("no room to inflate into".into());
        }
        loop {
            if !self.in_member {
                if !self.next_member()? {
                    return Ok(0);
                }
                continue;
            }
            if self.start == self.end && !self.at_end {
                self.refill()?;
            }
            let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF
                | if self.at_end {
                    0
                } else {
                    inflate_flags::TINFL_FLAG_HAS_MORE_INPUT
                };
            let unfed = self.input.get(self.start..self.end).unwrap_or(&[]);
            let (status, used, wrote) = decompress(&mut self.state, unfed, buf, pos, flags);
            self.start += used;
            if let Some(size) = &mut self.checked {
                *size = size.wrapping_add(wrote as u32);
            }
            self.output += wrote;
            match status {
                TINFLStatus::Done => {
                    self.end_member()?;
                }
                // What was not used is kept, and more read after it.
                TINFLStatus::NeedsMoreInput if !self.at_end => {
                    self.refill()?;
                }
                TINFLStatus::HasMoreOutput => {}
                status => return Err(format!("bad deflate data ({status:?})")),
            }
            if wrote > 0 {
                let due = self.taking.as_ref().is_some_and(|t| self.output >= t.due);
                if self.in_member && due {
                    self.checkpoint(buf.get(..pos + wrote).unwrap_or(&[]))?;
                }
                return Ok(wrote);
            }
        }
    }

    /// Past a member's end: its length checked and its CRC-32 noted (when checked).
    fn end_member(&mut self) -> Result<(), String> {
        while self.unfed().len() < 8 {
            if !self.refill()? {
                return Err("the gzip data ends in a member's trailer".into());
            }
        }
        let mut trailer = [0u8; 8];
        trailer.copy_from_slice(self.unfed().get(..8).unwrap_or(&[0; 8]));
        let [c0, c1, c2, c3, s0, s1, s2, s3] = trailer;
        let (crc, size) = (
            u32::from_le_bytes([c0, c1, c2, c3]),
            u32::from_le_bytes([s0, s1, s2, s3]),
        );
        if let Some(inflated) = self.checked {
            if inflated != size {
                return Err("a member's length does not match its text".into());
            }
            self.trailers.push((self.output, crc));
            self.checked = Some(0);
        }
        self.start += 8;
        self.in_member = false;
        Ok(())
    }

    /// Reads the next member's header (a fresh decompressor after it); false at the end of
    /// the file (after at least one member).
    fn next_member(&mut self) -> Result<bool, String> {
        loop {
            match header_len(self.unfed()) {
                Ok(Some(len)) => {
                    self.start += len;
                    self.state.init();
                    self.in_member = true;
                    self.members += 1;
                    // Back references never reach into an earlier member: no window.
                    self.checkpoint(&[])?;
                    return Ok(true);
                }
                Ok(None) | Err(()) if self.unfed().is_empty() && self.at_end => {
                    return if self.members > 0 {
                        Ok(false)
                    } else {
                        Err("no gzip member".into())
                    };
                }
                Ok(None) => {
                    if !self.refill()? && !self.unfed().is_empty() {
                        return Err("the gzip data ends in a header".into());
                    }
                }
                Err(()) => return Err("bytes after a member that are not a gzip member".into()),
            }
        }
    }

    /// A checkpoint here, if this inflater takes them: `text` ends with the text inflated so
    /// far.
    fn checkpoint(&mut self, text: &[u8]) -> Result<(), String> {
        if self.taking.is_none() {
            return Ok(());
        }
        let point = self.here(text);
        let output = self.output;
        if let Some(taking) = &mut self.taking {
            taking
                .list
                .lock()
                .map_err(|_| "a reader failed".to_string())?
                .push(point);
            taking.due = output.saturating_add(taking.every);
        }
        Ok(())
    }

    /// Where inflating can start again from here, in a member (`text` ends with the text
    /// inflated so far).
    fn here(&self, text: &[u8]) -> Checkpoint {
        let window = text.get(text.len().saturating_sub(WINDOW)..).unwrap_or(&[]);
        let mut window = lz4_flex::block::compress_prepend_size(window);
        // Made with room for the encoder's worst case.
        window.shrink_to_fit();
        Checkpoint {
            state: self.state.clone(),
            window,
            input: self.offset + self.start as u64,
            output: self.output,
        }
    }
}

/// A gzip graph file as the [`TextStore`] its text is read back from: inflated again from the
/// nearest checkpoint before the bytes asked for, or from where the last read ended if that
/// is nearer (a preview reads its few definitions in the text's order).
pub(super) struct GzipStore {
    file: FileStore,
    checkpoints: Arc<Mutex<Vec<Checkpoint>>>,
    last_read: Mutex<Option<Checkpoint>>,
}

impl GzipStore {
    /// The checkpoint to inflate from for the text at `offset`: the last one before it, or
    /// where the last read ended, whichever is nearer.
    fn start_for(&self, offset: usize) -> Result<Checkpoint, String> {
        fn failed<T>(_: T) -> String {
            "cannot read it again (a reader failed)".to_string()
        }
        let points = self.checkpoints.lock().map_err(failed)?;
        let nearest = points
            .partition_point(|p| p.output <= offset)
            .checked_sub(1)
            .and_then(|i| points.get(i));
        let last_read = self.last_read.lock().map_err(failed)?;
        let nearer = last_read
            .as_ref()
            .filter(|p| p.output <= offset && nearest.is_none_or(|n| n.output < p.output));
        nearer
            .or(nearest)
            .cloned()
            .ok_or_else(|| format!("cannot read it again: no text at {offset}"))
    }
}

impl TextStore for GzipStore {
    fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<(), String> {
        let again = |e: String| format!("cannot read it again: {e}");
        let start = self.start_for(offset)?;
        let window = lz4_flex::block::decompress_size_prepended(&start.window)
            .map_err(|e| again(e.to_string()))?;
        let skip = offset - start.output;
        let head = window.len();
        let mut text = vec![0; head + skip + buf.len()];
        if let Some(before) = text.get_mut(..head) {
            before.copy_from_slice(&window);
        }
        let mut inflater = Inflater::resume(Again(&self.file), start);
        let mut pos = head;
        while pos < text.len() {
            match inflater.inflate(&mut text, pos).map_err(again)? {
                0 => return Err(again(format!("no text at {offset}"))),
                n => pos += n,
            }
        }
        buf.copy_from_slice(text.get(head + skip..).unwrap_or(&[]));
        if inflater.in_member {
            if let Ok(mut last_read) = self.last_read.lock() {
                *last_read = Some(inflater.here(&text));
            }
        }
        Ok(())
    }
}

/// A part of the text as a worker leaves it: packed, or (the last) still to be finished.
enum Scanned {
    Part(engine::stream::Part),
    Last(GraphStream),
}

/// A part handed to a worker.
struct Handed {
    index: usize,
    /// Its buffer: the text before it (for the inflater), its text, and perhaps the start of
    /// the next part's.
    bytes: Vec<u8>,
    /// Where its text is in `bytes`.
    text: std::ops::Range<usize>,
    last: bool,
    /// Where gzip members end in its text (offsets in the text, for [`crcs`]).
    ends: Vec<usize>,
}

/// A part's text checksummed in pieces, each ending where a gzip member ends (`true`) or at
/// the part's end (`false`): the workers compute the CRC-32s, so that the inflating thread,
/// the load's critical path, only notes each member's trailer (hashing there was 4.7 % of
/// the 50k load's time, measured by skipping it).
type Crcs = Vec<(crc32fast::Hasher, bool)>;

/// The CRC-32s of `text` in pieces cut at `ends` (offsets in `text`, ascending).
fn crcs(text: &[u8], ends: &[usize]) -> Crcs {
    let mut pieces = Vec::with_capacity(ends.len() + 1);
    let mut from = 0;
    for &end in ends {
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(text.get(from..end).unwrap_or(&[]));
        pieces.push((hasher, true));
        from = end;
    }
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(text.get(from..).unwrap_or(&[]));
    pieces.push((hasher, false));
    pieces
}

/// The ends of the members that end in the text `from..=to` (offsets in the text, from
/// `from`), from `trailers` (each member's end in the text and its CRC-32); `handed` counts
/// the member ends already given to earlier parts.
fn member_ends(
    trailers: &[(usize, u32)],
    handed: &mut usize,
    from: usize,
    to: usize,
) -> Vec<usize> {
    let mut ends = Vec::new();
    while let Some(&(end, _)) = trailers.get(*handed) {
        if end > to {
            break;
        }
        ends.push(end.saturating_sub(from));
        *handed += 1;
    }
    ends
}

/// Whether the parts' pieces ([`crcs`]), in the text's order, give each member the CRC-32 of
/// its trailer (`trailers`: where each member ends, and that CRC).
fn crcs_match(
    pieces: impl IntoIterator<Item = (crc32fast::Hasher, bool)>,
    trailers: &[(usize, u32)],
) -> bool {
    let mut expected = trailers.iter();
    let mut member = crc32fast::Hasher::new();
    for (piece, ends) in pieces {
        member.combine(&piece);
        if ends {
            match expected.next() {
                Some(&(_, crc)) if std::mem::take(&mut member).finalize() == crc => {}
                _ => return false,
            }
        }
    }
    expected.next().is_none()
}

/// The gzip graph at `path` on `threads` cores: this thread inflates the text and cuts it
/// into parts of about 2 MB, each ending where a line starts a top-level key; the
/// workers scan them (keeping none of the text: it is read back through a [`GzipStore`]);
/// the parts are joined in order. `None` when the text cannot be cut so (no such line within
/// a few parts' length), the gzip is not what this path reads, or any part fails.
pub(super) fn load_in_parts(path: &Path, threads: usize) -> Option<FullTaskGraph> {
    load_in_parts_of(path, threads, SIZES)
}

fn load_in_parts_of(path: &Path, threads: usize, sizes: Sizes) -> Option<FullTaskGraph> {
    let Sizes { part, read, every } = sizes;
    let file = std::fs::File::open(path).ok()?;
    let checkpoints = Arc::new(Mutex::new(Vec::new()));
    let mut inflater = Inflater::new(Through(file), Arc::clone(&checkpoints), every);
    let store: Arc<dyn TextStore> = Arc::new(GzipStore {
        file: FileStore::open_file(path)?,
        checkpoints,
        last_read: Mutex::new(None),
    });
    // Bounded: at most one part waits, so memory stays a few parts' worth.
    let (send, receive) = mpsc::sync_channel::<Handed>(1);
    // Buffers go back to the reader once scanned (fresh ones cost zeroed pages).
    let (give_back, take_back) = mpsc::channel::<Vec<u8>>();
    let receive = Arc::new(Mutex::new(receive));
    let (done, results) = mpsc::channel::<(usize, Option<Scanned>, Crcs)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let receive = Arc::clone(&receive);
            let done = done.clone();
            let give_back = give_back.clone();
            let store = Arc::clone(&store);
            scope.spawn(move || {
                // The buffers a part is scanned in, kept from one part to the next.
                let mut spare = Spare::default();
                loop {
                    let next = receive.lock().ok().and_then(|r| r.recv().ok());
                    let Some(Handed {
                        index,
                        bytes,
                        text,
                        last,
                        ends,
                    }) = next
                    else {
                        break;
                    };
                    let stream = if index == 0 {
                        GraphStream::new()
                    } else {
                        GraphStream::continuation_in(std::mem::take(&mut spare))
                    };
                    let mut stream = stream.reading_back(Arc::clone(&store));
                    let fed = stream
                        .feed(bytes.get(text.clone()).unwrap_or(&[]))
                        .ok()
                        .and_then(|()| {
                            // A part before the last is scanned to its end now.
                            if last {
                                Some(Scanned::Last(stream))
                            } else {
                                stream.into_part_keeping(&mut spare).map(Scanned::Part)
                            }
                        });
                    let crcs = crcs(bytes.get(text).unwrap_or(&[]), &ends);
                    let _ = give_back.send(bytes);
                    if done.send((index, fed, crcs)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done);
        drop(give_back);
        // Inflate, cutting a part off once it is past its size and a top-level key starts a
        // line. A buffer holds the text before its part (`buffer[..from]`, at most WINDOW)
        // for the inflater; `filled` says how much is text; buffers stay at their full
        // (initialised) length.
        let fresh = || vec![0u8; WINDOW + part + 2 * read];
        let sent = (|| {
            let mut index = 0;
            let mut buffer = fresh();
            let (mut from, mut filled) = (0, 0);
            // Where `buffer[0]` is in the text, and how many member ends were handed so far.
            let (mut base, mut ends_handed) = (0, 0);
            loop {
                if buffer.len() - filled < read {
                    // An entry longer than a part: room for more of it.
                    buffer.resize(buffer.len() + part, 0);
                }
                let end = (filled + read).min(buffer.len());
                let n = inflater.inflate(buffer.get_mut(..end)?, filled).ok()?;
                if n == 0 {
                    break;
                }
                filled += n;
                if filled - from < part {
                    continue;
                }
                let search = from + part - 3;
                if let Some(at) = GraphStream::cut_in(buffer.get(search..filled)?) {
                    let cut = search + at;
                    // The next buffer: the text before the cut that the inflater may refer
                    // back to, and the next part's text so far.
                    let keep = cut.min(filled.saturating_sub(WINDOW));
                    let mut next = take_back.try_recv().unwrap_or_else(|_| fresh());
                    let rest = filled - keep;
                    if next.len() < rest + read {
                        next.resize(rest + part, 0);
                    }
                    next.get_mut(..rest)?
                        .copy_from_slice(buffer.get(keep..filled)?);
                    let handed = std::mem::replace(&mut buffer, next);
                    let ends = member_ends(
                        &inflater.trailers,
                        &mut ends_handed,
                        base + from,
                        base + cut,
                    );
                    send.send(Handed {
                        index,
                        bytes: handed,
                        text: from..cut,
                        last: false,
                        ends,
                    })
                    .ok()?;
                    (from, filled) = (cut - keep, rest);
                    base += keep;
                    index += 1;
                } else if filled - from > 4 * part {
                    // Not the text upstream writes: read as one stream instead.
                    return None;
                }
            }
            let ends = member_ends(
                &inflater.trailers,
                &mut ends_handed,
                base + from,
                base + filled,
            );
            send.send(Handed {
                index,
                bytes: buffer,
                text: from..filled,
                last: true,
                ends,
            })
            .ok()?;
            Some(index + 1)
        })();
        drop(send);
        // Each part as scanned, and its text's checksums, in the text's order.
        let mut parts: Vec<(Option<Scanned>, Crcs)> = Vec::new();
        for (index, stream, crcs) in results {
            if parts.len() <= index {
                parts.resize_with(index + 1, || (None, Vec::new()));
            }
            if let Some(slot) = parts.get_mut(index) {
                *slot = (stream, crcs);
            }
        }
        let count = sent?;
        if parts.len() != count {
            return None;
        }
        let pieces = parts.iter_mut().flat_map(|(_, crcs)| std::mem::take(crcs));
        if !crcs_match(pieces, &inflater.trailers) {
            return None;
        }
        let mut parts = parts.into_iter().map(|(scanned, _)| scanned);
        let Some(Some(Scanned::Last(last))) = parts.next_back() else {
            return None;
        };
        let earlier: Option<Vec<engine::stream::Part>> = parts
            .map(|scanned| match scanned {
                Some(Scanned::Part(part)) => Some(part),
                _ => None,
            })
            .collect();
        last.finish_after_parts(earlier?).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    /// A graph text of `n` entries as upstream writes it (`indent=2`), each a few hundred
    /// bytes, with dependencies on the one before.
    fn graph_text(n: usize) -> Vec<u8> {
        let mut g = serde_json::Map::new();
        for i in 0..n {
            let deps: serde_json::Map<String, serde_json::Value> = (i > 0)
                .then(|| {
                    (
                        format!("d{}", i - 1),
                        serde_json::json!(format!("t-{}", i - 1)),
                    )
                })
                .into_iter()
                .collect();
            g.insert(
                format!("t-{i}"),
                serde_json::json!({
                    "kind": "build", "label": format!("t-{i}"), "attributes": {"n": i},
                    "dependencies": deps, "optimization": null,
                    "task": {"deadline": {"relative-datestamp": "1 day"}, "extra": {},
                             "payload": {"command": ["run", format!("{}", i * 7919 % 10007)]}},
                }),
            );
        }
        serde_json::to_vec_pretty(&serde_json::Value::Object(g)).unwrap()
    }

    /// `text` as gzip members, cut at `cuts`.
    fn gzip(text: &[u8], cuts: &[usize]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut at = 0;
        for &end in cuts.iter().chain([&text.len()]) {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&text[at..end]).unwrap();
            out.extend(gz.finish().unwrap());
            at = end;
        }
        out
    }

    fn file_with(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("tgp-gzip-{name}-{}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    const SMALL: Sizes = Sizes {
        part: 16 << 10,
        read: 4 << 10,
        every: 8 << 10,
    };

    /// Every task's definition, in the graph's order.
    fn definitions(g: &FullTaskGraph) -> Vec<(String, serde_json::Value)> {
        g.labels_unsorted()
            .map(|l| (l.to_string(), g.task_definition(l).unwrap()))
            .collect()
    }

    #[test]
    fn headers_are_measured_and_unusual_ones_left_to_the_one_stream_path() {
        let fixed = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        assert_eq!(header_len(&fixed), Ok(Some(10)));
        assert_eq!(header_len(&fixed[..4]), Ok(None));
        assert_eq!(header_len(&[]), Ok(None));
        let mut named = fixed.to_vec();
        named[3] = 8 | 16; // a name and a comment
        named.extend(b"graph.json\0a comment\0");
        assert_eq!(header_len(&named), Ok(Some(named.len())));
        assert_eq!(header_len(&named[..named.len() - 1]), Ok(None));
        let mut extra = fixed.to_vec();
        extra[3] = 4;
        extra.extend([3, 0, b'a', b'b', b'c']);
        assert_eq!(header_len(&extra), Ok(Some(15)));
        assert_eq!(header_len(&extra[..14]), Ok(None));
        // A header checksum, reserved flags, another method, not gzip.
        for (at, byte) in [(3, 2), (3, 0x20), (2, 7), (0, b'{')] {
            let mut odd = fixed;
            odd[at] = byte;
            assert_eq!(header_len(&odd), Err(()), "byte {at} = {byte}");
        }
    }

    #[test]
    fn a_gzip_graph_in_parts_is_the_whole_texts_graph_read_back_from_the_file() {
        let text = graph_text(600);
        assert!(text.len() > 8 * SMALL.part, "{} bytes", text.len());
        let whole = FullTaskGraph::parse(text.clone()).unwrap();
        let mut held = GraphStream::new().reading_back(Arc::new(text.clone()));
        held.feed(&text).unwrap();
        let held = held.finish().unwrap();
        // One member, and three (cut anywhere, even inside a token).
        for cuts in [vec![], vec![1000, text.len() / 2 + 7]] {
            let path = file_with(&format!("members{}", cuts.len()), &gzip(&text, &cuts));
            for threads in [1, 2, 3] {
                let g = load_in_parts_of(&path, threads, SMALL).expect("loaded in parts");
                // None of the text kept: only the hot fields, as a stream reading back from
                // the text itself holds them.
                assert_eq!(g.text_bytes(), held.text_bytes());
                assert_eq!(definitions(&g), definitions(&whole));
                assert_eq!(g.edge_count(), whole.edge_count());
                assert_eq!(g.read_back_failure(), None);
            }
            std::fs::remove_file(path).unwrap();
        }
    }

    #[test]
    fn any_range_reads_back_as_the_text_in_any_order_across_members() {
        let text = graph_text(300);
        let cuts = [5000, 5001, 40_000];
        let path = file_with("ranges", &gzip(&text, &cuts));
        let checkpoints = Arc::new(Mutex::new(Vec::new()));
        let file = std::fs::File::open(&path).unwrap();
        let mut inflater = Inflater::new(Through(file), Arc::clone(&checkpoints), SMALL.every);
        // Inflated through, with the text before kept as load_in_parts keeps it.
        let mut inflated = vec![0u8; text.len() + 64];
        let mut filled = 0;
        loop {
            let end = (filled + 3000).min(inflated.len());
            match inflater.inflate(&mut inflated[..end], filled).unwrap() {
                0 => break,
                n => filled += n,
            }
        }
        assert_eq!(&inflated[..filled], &text[..]);
        let count = checkpoints.lock().unwrap().len();
        // One at each member's start, and one every `every` bytes within (or a little more:
        // at the end of the inflate that passed it).
        assert!(
            count >= 4 + text.len() / (SMALL.every + 3000) - 1,
            "{count} checkpoints"
        );
        let store = GzipStore {
            file: FileStore::open_file(&path).unwrap(),
            checkpoints,
            last_read: Mutex::new(None),
        };
        let len = text.len();
        let ranges = [
            (0, 10),
            (4990, 20),
            (5000, 1),
            (39_000, 3000),
            (len - 100, 100),
            (20, 50_000),
            (100_000, 7),
            (100_010, 7),
            (99_000, 4),
            (len - 1, 1),
            (0, len),
        ];
        for (offset, n) in ranges {
            let mut buf = vec![0u8; n];
            store.read_at(offset, &mut buf).unwrap();
            assert!(buf == text[offset..offset + n], "{offset}..+{n}");
        }
        let mut past = vec![0u8; 2];
        let e = store.read_at(len - 1, &mut past).unwrap_err();
        assert!(e.contains(&format!("no text at {}", len - 1)), "{e}");
        std::fs::remove_file(path).unwrap();
    }

    /// The workers' pieces, cut at parts and at member ends, check each member's CRC-32
    /// wherever the cuts fall: a member ending at a part's end or inside it, an empty member,
    /// a member spanning parts; one wrong byte or a missing member fails.
    #[test]
    fn checksums_in_pieces_check_each_member_wherever_parts_are_cut() {
        let text: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let crc = |r: std::ops::Range<usize>| crc32fast::hash(&text[r]);
        // Members end at 3000, 3000 (empty), 6500 and 10000.
        let trailers = [
            (3000, crc(0..3000)),
            (3000, crc(3000..3000)),
            (6500, crc(3000..6500)),
            (10_000, crc(6500..10_000)),
        ];
        // Cut as load_in_parts cuts: each part's member ends from member_ends.
        let pieces_for = |cuts: &[usize], text: &[u8]| -> Vec<(crc32fast::Hasher, bool)> {
            let mut bounds = vec![0];
            bounds.extend_from_slice(cuts);
            bounds.push(text.len());
            let mut handed = 0;
            bounds
                .windows(2)
                .flat_map(|w| {
                    let ends = member_ends(&trailers, &mut handed, w[0], w[1]);
                    crcs(&text[w[0]..w[1]], &ends)
                })
                .collect()
        };
        for cuts in [
            vec![],
            vec![3000],
            vec![2999, 3001],
            vec![100, 6500, 9999],
            vec![5000],
        ] {
            assert!(crcs_match(pieces_for(&cuts, &text), &trailers), "{cuts:?}");
            let mut damaged = text.clone();
            damaged[7000] ^= 1;
            assert!(
                !crcs_match(pieces_for(&cuts, &damaged), &trailers),
                "{cuts:?}"
            );
            assert!(
                !crcs_match(pieces_for(&cuts, &text), &trailers[..3]),
                "{cuts:?}"
            );
        }
    }

    #[test]
    fn bad_gzip_is_left_to_the_one_stream_path() {
        let text = graph_text(100);
        let good = gzip(&text, &[]);
        let mut bad_crc = good.clone();
        let at = bad_crc.len() - 8;
        bad_crc[at] ^= 1;
        let mut bad_size = good.clone();
        let at = bad_size.len() - 1;
        bad_size[at] ^= 1;
        let truncated = good[..good.len() - 3].to_vec();
        let trailing = [&good[..], b"junk"].concat();
        let zeros = [&good[..], &[0u8; 4]].concat();
        for (name, bytes) in [
            ("crc", bad_crc),
            ("size", bad_size),
            ("truncated", truncated),
            ("trailing", trailing),
            ("zeros", zeros),
        ] {
            let path = file_with(name, &bytes);
            assert!(load_in_parts_of(&path, 2, SMALL).is_none(), "{name}");
            std::fs::remove_file(path).unwrap();
        }
    }

    #[test]
    fn a_file_changed_after_the_load_is_refused_when_read_back() {
        let text = graph_text(400);
        let path = file_with("changed", &gzip(&text, &[]));
        let g = load_in_parts_of(&path, 2, SMALL).unwrap();
        assert!(g.task_definition("t-0").is_ok());
        assert_eq!(g.read_back_failure(), None);
        std::fs::write(&path, gzip(&graph_text(401), &[])).unwrap();
        // In another block of the text than the first task's: noted, the definition missing.
        let _ = g.task_definition("t-399");
        let failure = g.read_back_failure().expect("a failure");
        assert!(failure.contains("changed"), "{failure}");
        std::fs::remove_file(path).unwrap();
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Any graph, cut into any members, inflated in parts of any size with checkpoints any
        /// distance apart, on any number of workers: the whole text's graph, and any range of
        /// the text read back, in any order, is the text's.
        #[test]
        fn any_members_parts_and_checkpoints_give_the_whole_text(
            n in 1usize..120,
            cuts in proptest::collection::vec(0.0f64..1.0, 0..4),
            // Parts of at least a kB: an entry (~400 bytes) is never longer than four parts,
            // beyond which the text is read as one stream instead.
            part in 1024usize..20_000,
            every in 256usize..40_000,
            threads in 1usize..4,
            reads in proptest::collection::vec((0.0f64..1.0, 1usize..5000), 1..12),
        ) {
            let text = graph_text(n);
            let mut at: Vec<usize> = cuts.iter().map(|f| (f * text.len() as f64) as usize).collect();
            at.sort_unstable();
            let path = file_with(&format!("prop-{n}-{part}-{every}"), &gzip(&text, &at));
            let sizes = Sizes { part, read: 1 + part / 3, every };
            let g = load_in_parts_of(&path, threads, sizes).expect("loaded in parts");
            let whole = FullTaskGraph::parse(text.clone()).unwrap();
            proptest::prop_assert_eq!(definitions(&g), definitions(&whole));
            proptest::prop_assert_eq!(g.read_back_failure(), None);
            let checkpoints = Arc::new(Mutex::new(Vec::new()));
            let file = std::fs::File::open(&path).unwrap();
            let mut inflater = Inflater::new(Through(file), Arc::clone(&checkpoints), every);
            let mut sink = vec![0u8; text.len() + 1];
            let mut filled = 0;
            while let n @ 1.. = inflater.inflate(&mut sink, filled).unwrap() {
                filled += n;
            }
            proptest::prop_assert_eq!(&sink[..filled], &text[..]);
            let store = GzipStore {
                file: FileStore::open_file(&path).unwrap(),
                checkpoints,
                last_read: Mutex::new(None),
            };
            for (from, len) in reads {
                let offset = ((from * text.len() as f64) as usize).min(text.len() - 1);
                let len = len.min(text.len() - offset);
                let mut buf = vec![0u8; len];
                store.read_at(offset, &mut buf).unwrap();
                proptest::prop_assert!(buf == text[offset..offset + len], "{}..+{}", offset, len);
            }
            std::fs::remove_file(path).unwrap();
        }

        /// Damaged gzip (bytes flipped, cut short, or spliced) never panics: the parts path gives
        /// up, or gives exactly the graph of what flate2 inflates from the same bytes.
        #[test]
        fn damaged_gzip_gives_up_or_the_same_graph(
            n in 1usize..60,
            cut in 0.0f64..1.0,
            flips in proptest::collection::vec((0.0f64..1.0, 1u8..=255), 0..4),
            // Whole half the time: flips alone (a flip in the header's time or OS byte leaves
            // valid gzip).
            keep in proptest::prop_oneof![proptest::strategy::Just(1.0f64), 0.5f64..1.0],
        ) {
            let text = graph_text(n);
            let at = (cut * text.len() as f64) as usize;
            let mut bytes = gzip(&text, &[at]);
            for (place, mask) in flips {
                let i = ((place * bytes.len() as f64) as usize).min(bytes.len() - 1);
                bytes[i] ^= mask;
            }
            bytes.truncate(((keep * bytes.len() as f64) as usize).max(1));
            let path = file_with(&format!("damaged-{n}-{}", bytes.len()), &bytes);
            if let Some(g) = load_in_parts_of(&path, 2, SMALL) {
                let mut inflated = Vec::new();
                use std::io::Read as _;
                let read = flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut inflated);
                proptest::prop_assert!(read.is_ok(), "flate2 refuses what the parts path read");
                let whole = FullTaskGraph::parse(inflated).unwrap();
                proptest::prop_assert_eq!(definitions(&g), definitions(&whole));
            }
            std::fs::remove_file(path).unwrap();
        }
    }
}
