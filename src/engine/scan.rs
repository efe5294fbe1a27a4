//! A structural JSON scanner for the one big input, `full-task-graph.json`.
//!
//! Firefox's graph is hundreds of MB, almost all of it task definitions that a preview never
//! looks at. The scanner walks the top-level object and each entry's keys, and *skips* large
//! values by matching brackets outside strings, jumping with `memchr` instead of tokenising
//! every byte. Small values (labels, dependencies, optimization) are handed to serde_json,
//! which validates them. Skipped values are validated when they are parsed, i.e. when a task
//! is created, and an error then names the task and field.

use std::borrow::Cow;
use std::ops::Range;

use memchr::{memchr2, memchr3};

/// Where scanning stopped and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    pub offset: usize,
    pub message: String,
}

/// A cursor over JSON text.
pub struct Scanner<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(buf: &'a [u8]) -> Scanner<'a> {
        Scanner { buf, pos: 0 }
    }

    /// A scanner positioned at `pos`.
    pub fn at(buf: &'a [u8], pos: usize) -> Scanner<'a> {
        Scanner { buf, pos }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The text ended inside a string (`in_string`) or inside a container opened by `open`:
    /// the scanner moves to the end, where the error is.
    fn ran_out<T>(&mut self, in_string: bool, open: u8) -> Result<T, ScanError> {
        self.pos = self.buf.len();
        if in_string {
            self.error("unterminated string (truncated?)")
        } else {
            self.error(format!("unbalanced {:?} (truncated?)", char::from(open)))
        }
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ScanError> {
        Err(ScanError {
            offset: self.pos,
            message: message.into(),
        })
    }

    pub fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.buf.get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next non-whitespace byte, without consuming it.
    pub fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.buf.get(self.pos).copied()
    }

    /// Consumes `byte` (after whitespace) or fails naming what was expected.
    pub fn expect(&mut self, byte: u8, what: &str) -> Result<(), ScanError> {
        match self.peek() {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => self.error(format!("expected {what}, found {:?}", char::from(b))),
            None => self.error(format!(
                "expected {what}, found the end of the input (truncated?)"
            )),
        }
    }

    /// After the last value of an object: true at `}` (consumed), false at `,` (consumed).
    pub fn object_end(&mut self) -> Result<bool, ScanError> {
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b) => self.error(format!("expected ',' or '}}', found {:?}", char::from(b))),
            None => self.error("unexpected end of the input (truncated?)"),
        }
    }

    /// Walks an object (after whitespace): `member` gets each key with the scanner at its
    /// value, which it must consume. Returns the object's byte range.
    pub fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, Cow<'a, str>) -> Result<(), ScanError>,
    ) -> Result<Range<usize>, ScanError> {
        self.skip_ws();
        let start = self.pos;
        self.expect(b'{', "'{'")?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(start..self.pos);
        }
        loop {
            let key = self.key()?;
            member(self, key)?;
            if self.object_end()? {
                return Ok(start..self.pos);
            }
        }
    }

    /// An object key: returns its decoded text and consumes the following `:`.
    pub fn key(&mut self) -> Result<Cow<'a, str>, ScanError> {
        if self.peek() != Some(b'"') {
            return match self.peek() {
                Some(b) => self.error(format!("expected a key string, found {:?}", char::from(b))),
                None => {
                    self.error("expected a key string, found the end of the input (truncated?)")
                }
            };
        }
        let range = self.skip_string()?;
        let buf: &'a [u8] = self.buf;
        let raw = buf.get(range).unwrap_or(b"");
        // Borrowed unless the key has escapes: no allocation per key on the load path.
        let key = if raw.contains(&b'\\') {
            Cow::Owned(
                serde_json::from_slice::<String>(raw)
                    .or_else(|e| self.error(format!("bad key string: {e}")))?,
            )
        } else {
            let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or(b"");
            match std::str::from_utf8(inner) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => return self.error("key is not valid UTF-8"),
            }
        };
        self.expect(b':', "':' after a key")?;
        Ok(key)
    }

    /// Skips one value (after whitespace) and returns its byte range.
    pub fn skip_value(&mut self) -> Result<Range<usize>, ScanError> {
        let start = match self.peek() {
            Some(_) => self.pos,
            None => return self.error("expected a value, found the end of the input (truncated?)"),
        };
        match self.buf.get(start).copied() {
            Some(b'"') => self.skip_string(),
            Some(b'{') => self.skip_container(b'{', b'}'),
            Some(b'[') => self.skip_container(b'[', b']'),
            Some(b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
                while let Some(b) = self.buf.get(self.pos) {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    self.pos += 1;
                }
                Ok(start..self.pos)
            }
            Some(b) => self.error(format!("expected a JSON value, found {:?}", char::from(b))),
            None => self.error("expected a value, found the end of the input (truncated?)"),
        }
    }

    fn skip_string(&mut self) -> Result<Range<usize>, ScanError> {
        let start = self.pos;
        let mut at = start + 1;
        loop {
            let rest = self.buf.get(at..).unwrap_or(&[]);
            match memchr2(b'"', b'\\', rest) {
                Some(i) if rest.get(i) == Some(&b'"') => {
                    self.pos = at + i + 1;
                    return Ok(start..self.pos);
                }
                Some(i) => at += i + 2,
                None => return self.ran_out(true, b'"'),
            }
        }
    }

    /// Skips the container at the scanner's position (its `open` byte): 64 bytes at a time
    /// ([`blocks::skip`]), or byte by byte where that cannot decide exactly.
    #[cfg(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    ))]
    fn skip_container(&mut self, open: u8, close: u8) -> Result<Range<usize>, ScanError> {
        let start = self.pos;
        match blocks::skip(self.buf, start, open, close) {
            blocks::Skipped::End(end) => {
                self.pos = end;
                Ok(start..end)
            }
            blocks::Skipped::Eof { in_string } => self.ran_out(in_string, open),
            blocks::Skipped::Undecided => self.skip_container_bytewise(open, close),
        }
    }

    /// Skips the container at the scanner's position (its `open` byte), byte by byte (the
    /// blocks need SIMD compares to pay: without them they cost more than they save).
    #[cfg(not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    )))]
    fn skip_container(&mut self, open: u8, close: u8) -> Result<Range<usize>, ScanError> {
        self.skip_container_bytewise(open, close)
    }

    /// [`Scanner::skip_container`] one string or bracket at a time: a string is skipped to its
    /// closing quote (a backslash skips the byte after it), and only `open` and `close` outside
    /// strings count.
    fn skip_container_bytewise(&mut self, open: u8, close: u8) -> Result<Range<usize>, ScanError> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut at = start;
        loop {
            let rest = self.buf.get(at..).unwrap_or(&[]);
            let Some(i) = memchr3(b'"', open, close, rest) else {
                return self.ran_out(false, open);
            };
            at += i;
            match self.buf.get(at).copied() {
                Some(b'"') => {
                    self.pos = at;
                    self.skip_string()?;
                    at = self.pos;
                }
                Some(b) if b == open => {
                    depth += 1;
                    at += 1;
                }
                _ => {
                    depth = depth.saturating_sub(1);
                    at += 1;
                    if depth == 0 {
                        self.pos = at;
                        return Ok(start..at);
                    }
                }
            }
        }
    }

    /// Fails unless only whitespace is left.
    pub fn end(&mut self) -> Result<(), ScanError> {
        match self.peek() {
            None => Ok(()),
            Some(b) => self.error(format!(
                "trailing characters after the graph, starting with {:?}",
                char::from(b)
            )),
        }
    }
}

/// Skipping a container 64 bytes at a time, with bit masks (the technique of simdjson's
/// structural stage, without `unsafe` in this crate): which bytes are quotes, backslashes and the
/// container's brackets; which quotes are escaped (an odd run of backslashes before them);
/// which bytes are inside strings (a prefix XOR of the unescaped quotes); then the brackets
/// outside strings, counted. It decides exactly what the bytewise skip decides whenever every
/// backslash is inside a string, and leaves the rest to it (a backslash outside a string is
/// not JSON, and there the two readings could differ). The compares are SSE2's on x86-64 and
/// WebAssembly's SIMD on wasm32 built with `simd128` (the worker's engine, see the Makefile).
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
mod blocks {
    const EVEN: u64 = 0x5555_5555_5555_5555;

    /// What skipping a container found.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Skipped {
        /// It ends just before this offset.
        End(usize),
        /// The text ended first, inside a string or not.
        Eof { in_string: bool },
        /// A backslash outside a string: for the bytewise skip to decide.
        Undecided,
    }

    /// Bits of 64 bytes (bit `i`: byte `i`): quotes, backslashes, `open`, `close`. Bytes past
    /// the end of `bytes` are none of them.
    fn masks(bytes: &[u8], open: u8, close: u8) -> [u64; 4] {
        let mut padded = [0u8; 64];
        let chunk: &[u8; 64] = match bytes.get(..64).and_then(|b| b.try_into().ok()) {
            Some(whole) => whole,
            None => {
                let n = bytes.len().min(64);
                if let (Some(to), Some(from)) = (padded.get_mut(..n), bytes.get(..n)) {
                    to.copy_from_slice(from);
                }
                &padded
            }
        };
        lanes(chunk, [b'"', b'\\', open, close])
    }

    /// For each of `bytes`, the bits of the 64 bytes equal to it: 16 bytes per compare with
    /// SSE2, which every x86-64 has (through `safe_arch`'s safe wrappers).
    #[cfg(target_arch = "x86_64")]
    fn lanes(chunk: &[u8; 64], bytes: [u8; 4]) -> [u64; 4] {
        use safe_arch::{cmp_eq_mask_i8_m128i, m128i, move_mask_i8_m128i, set_splat_i8_m128i};
        let splats = bytes.map(|b| set_splat_i8_m128i(b as i8));
        let mut m = [0u64; 4];
        for (k, lane) in chunk.chunks_exact(16).enumerate() {
            let mut sixteen = [0u8; 16];
            sixteen.copy_from_slice(lane);
            let v = m128i::from(sixteen);
            for (mask, &splat) in m.iter_mut().zip(&splats) {
                let eq = move_mask_i8_m128i(cmp_eq_mask_i8_m128i(v, splat));
                *mask |= u64::from(eq as u16) << (16 * k);
            }
        }
        m
    }

    /// [`lanes`] with WebAssembly's 128-bit SIMD (every browser since 2021: Firefox 89,
    /// Chrome 91, Safari 16.4); its compares are safe functions once `simd128` is enabled.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn lanes(chunk: &[u8; 64], bytes: [u8; 4]) -> [u64; 4] {
        use core::arch::wasm32::{u8x16, u8x16_bitmask, u8x16_eq, u8x16_splat};
        let splats = bytes.map(|b| u8x16_splat(b));
        let mut m = [0u64; 4];
        for (k, lane) in chunk.chunks_exact(16).enumerate() {
            let mut b = [0u8; 16];
            b.copy_from_slice(lane);
            let v = u8x16(
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                b[13], b[14], b[15],
            );
            for (mask, &splat) in m.iter_mut().zip(&splats) {
                *mask |= u64::from(u8x16_bitmask(u8x16_eq(v, splat))) << (16 * k);
            }
        }
        m
    }

    /// The bytes escaped by a backslash (the byte after an odd run of them); `carry` says the
    /// first byte is escaped, and is set when the last one escapes the next block's first.
    fn escaped(backslash: u64, carry: &mut u64) -> u64 {
        let backslash = backslash & !*carry;
        let follows = (backslash << 1) | *carry;
        let odd_starts = backslash & !EVEN & !follows;
        let (even_runs, overflow) = odd_starts.overflowing_add(backslash);
        *carry = u64::from(overflow);
        (EVEN ^ (even_runs << 1)) & follows
    }

    /// Bit `i` is the XOR of bits `0..=i`.
    fn prefix_xor(mut x: u64) -> u64 {
        x ^= x << 1;
        x ^= x << 2;
        x ^= x << 4;
        x ^= x << 8;
        x ^= x << 16;
        x ^= x << 32;
        x
    }

    /// Skips the container whose `open` byte is at `start`.
    pub fn skip(buf: &[u8], start: usize, open: u8, close: u8) -> Skipped {
        let mut at = start;
        let mut depth = 0usize;
        // All ones while inside a string.
        let mut inside_before = 0u64;
        let mut carry = 0u64;
        while let Some(bytes) = buf.get(at..) {
            if bytes.is_empty() {
                break;
            }
            let [quote, backslash, opens, closes] = masks(bytes, open, close);
            let escaped = if backslash == 0 && carry == 0 {
                0
            } else {
                escaped(backslash, &mut carry)
            };
            // Inside: from an opening quote up to (not including) its closing quote.
            let inside = prefix_xor(quote & !escaped) ^ inside_before;
            if backslash & !inside != 0 {
                return Skipped::Undecided;
            }
            let mut brackets = (opens | closes) & !inside;
            while brackets != 0 {
                let i = brackets.trailing_zeros();
                if opens >> i & 1 == 1 {
                    depth += 1;
                } else {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Skipped::End(at + i as usize + 1);
                    }
                }
                brackets &= brackets - 1;
            }
            inside_before = 0u64.wrapping_sub(inside >> 63);
            at += 64;
        }
        Skipped::Eof {
            in_string: inside_before != 0,
        }
    }
}

/// Line and column (1-based) of a byte offset, for error messages.
pub fn line_column(buf: &[u8], offset: usize) -> (usize, usize) {
    let before = buf.get(..offset.min(buf.len())).unwrap_or(&[]);
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_nested_values_with_tricky_strings() {
        let text = br#" {"a": {"x": "}{\"", "y": [1, {"z": "]"}]}, "b": [ "[" , 2 ], "c": -1.5e3 , "d": null}"#;
        let mut s = Scanner::new(text);
        s.expect(b'{', "{").unwrap();
        let mut seen = Vec::new();
        loop {
            let key = s.key().unwrap();
            let r = s.skip_value().unwrap();
            seen.push((
                key.into_owned(),
                String::from_utf8(text[r].to_vec()).unwrap(),
            ));
            if s.object_end().unwrap() {
                break;
            }
        }
        s.end().unwrap();
        assert_eq!(
            seen,
            [
                (
                    "a".to_string(),
                    r#"{"x": "}{\"", "y": [1, {"z": "]"}]}"#.to_string()
                ),
                ("b".to_string(), r#"[ "[" , 2 ]"#.to_string()),
                ("c".to_string(), "-1.5e3".to_string()),
                ("d".to_string(), "null".to_string()),
            ]
        );
    }

    /// The skip by blocks gives what the bytewise skip gives: the same end, or the same error
    /// at the same offset (texts of the bytes that matter, long enough to span blocks).
    #[test]
    fn skipping_by_blocks_is_skipping_byte_by_byte() {
        use proptest::prelude::*;
        let alphabet = prop::sample::select(vec![b'"', b'\\', b'{', b'}', b'[', b']', b'a', b' ']);
        let texts = prop::collection::vec(alphabet, 0..300);
        proptest!(ProptestConfig::with_cases(4000), |(body in texts, open in prop::bool::ANY)| {
            let (o, c) = if open { (b'{', b'}') } else { (b'[', b']') };
            let mut text = vec![o];
            text.extend(&body);
            let mut fast = Scanner::new(&text);
            let mut slow = Scanner::new(&text);
            let a = fast.skip_container(o, c);
            let b = slow.skip_container_bytewise(o, c);
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(fast.pos(), slow.pos());
        });
    }

    /// The same, on texts whose backslashes are all inside strings (where the blocks decide
    /// alone), cut anywhere.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn skipping_by_blocks_decides_texts_with_escapes_in_strings() {
        use proptest::prelude::*;
        let piece = prop::sample::select(vec![
            &b"a"[..],
            b"{",
            b"}",
            b"[",
            b"]",
            b" ",
            b"\\\\",
            b"\\\"",
            b"\\n",
        ]);
        let string = prop::collection::vec(piece, 0..12).prop_map(|pieces| {
            let mut s = vec![b'"'];
            pieces.iter().for_each(|p| s.extend_from_slice(p));
            s.push(b'"');
            s
        });
        let bracket =
            prop::sample::select(vec![b'{', b'}', b'[', b']', b' ', b'1']).prop_map(|b| vec![b]);
        let token = prop_oneof![string, bracket];
        let texts = prop::collection::vec(token, 0..80);
        proptest!(ProptestConfig::with_cases(4000), |(tokens in texts, cut in 0usize..2000, open in prop::bool::ANY)| {
            let (o, c) = if open { (b'{', b'}') } else { (b'[', b']') };
            let mut text = vec![o];
            tokens.iter().for_each(|t| text.extend_from_slice(t));
            text.truncate(cut.max(1));
            prop_assert_ne!(blocks::skip(&text, 0, o, c), blocks::Skipped::Undecided);
            let mut fast = Scanner::new(&text);
            let mut slow = Scanner::new(&text);
            prop_assert_eq!(fast.skip_container(o, c), slow.skip_container_bytewise(o, c));
            prop_assert_eq!(fast.pos(), slow.pos());
        });
    }

    #[test]
    fn escapes_across_blocks_are_followed() {
        // A run of backslashes that ends a block escapes the next block's first byte.
        for run in 0..5 {
            let mut text = b"{\"".to_vec();
            text.resize(63 - run, b'a');
            text.extend(std::iter::repeat_n(b'\\', run));
            text.extend(b"\"}\"}x");
            let mut fast = Scanner::new(&text);
            let mut slow = Scanner::new(&text);
            assert_eq!(
                fast.skip_container(b'{', b'}'),
                slow.skip_container_bytewise(b'{', b'}'),
                "run {run}"
            );
        }
    }

    #[test]
    fn truncation_is_an_error_not_a_panic() {
        let text = br#"{"a": {"x": "abc"#;
        for cut in 0..text.len() {
            let mut s = Scanner::new(&text[..cut]);
            let ok = s.expect(b'{', "{").is_ok() && s.key().is_ok() && s.skip_value().is_ok();
            assert!(!ok || cut == text.len(), "cut {cut}");
        }
    }
}
