//! Percent-encoding and decoding of URL parts: Taskcluster path segments and query values, the
//! page's query string (where `+` is a space), the stand-in's request paths (where it is not).
//! Invalid escapes stay as they are.

/// Escapes every byte but ASCII letters, digits, `-_.~` and the bytes in `keep` (e.g. `/:` for
/// readable query values).
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`); bytes that do not form
/// UTF-8 become U+FFFD.
pub fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{percent_decode, percent_encode};

    #[test]
    fn encoding_keeps_what_it_is_told() {
        assert_eq!(percent_encode("a/b c:d~", b""), "a%2Fb%20c%3Ad~");
        assert_eq!(percent_encode("a/b c:d~", b"/:"), "a/b%20c:d~");
        assert_eq!(percent_decode(&percent_encode("✓ x+y", b""), true), "✓ x+y");
    }

    #[test]
    fn escapes_and_plus() {
        assert_eq!(percent_decode("a%2Fb+c%zz%", true), "a/b c%zz%");
        assert_eq!(percent_decode("a%2Fb+c", false), "a/b+c");
        assert_eq!(percent_decode("%E2%9C%93", false), "✓");
    }
}
