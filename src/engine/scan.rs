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
                None => {
                    self.pos = self.buf.len();
                    return self.error("unterminated string (truncated?)");
                }
            }
        }
    }

    fn skip_container(&mut self, open: u8, close: u8) -> Result<Range<usize>, ScanError> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut at = start;
        loop {
            let rest = self.buf.get(at..).unwrap_or(&[]);
            let Some(i) = memchr3(b'"', open, close, rest) else {
                self.pos = self.buf.len();
                return self.error(format!("unbalanced {:?} (truncated?)", char::from(open)));
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
