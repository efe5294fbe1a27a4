//! Time handling, with upstream's quirks (`taskgraph/util/time.py`, `resolve_timestamps`).
//!
//! * `{"relative-datestamp": "<n> <unit>"}` takes the **first** number/unit pair only, ignores
//!   any sign, knows no weeks, takes integers only and lowercase units only, and prints
//!   `now + delta` as `YYYY-MM-DDTHH:MM:SS.mmmZ` with microseconds truncated.
//! * Status and deadline comparisons parse `%Y-%m-%dT%H:%M:%S.%fZ` like Python's `strptime`.
//!
//! `now` is always an input; nothing here reads the clock.

use std::sync::OnceLock;

use chrono::{Datelike as _, Duration, NaiveDate, NaiveDateTime, Timelike as _};
use regex::Regex;

/// Compiles a regular expression written in this crate's source.
///
/// Every constant pattern is compiled by the unit tests, so a typo fails there; the `expect`
/// can never trigger on user input.
fn constant_regex(pattern: &str) -> Regex {
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("constant regular expression")
}

/// `((?:\d+)?\.?\d+) *([a-z]+)`, searched (not anchored), as upstream.
fn datestamp_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| constant_regex(r"((?:\d+)?\.?\d+) *([a-z]+)"))
}

/// Python `strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")`: the same per-field patterns, matched
/// case-insensitively and in full.
fn strptime_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        constant_regex(concat!(
            r"^(\d\d\d\d)-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])",
            r"[Tt](2[0-3]|[0-1]\d|\d):([0-5]\d|\d):(6[0-1]|[0-5]\d|\d)\.([0-9]{1,6})[Zz]$"
        ))
    })
}

/// Parses the value of a `relative-datestamp` into a duration, exactly as `value_of` does.
pub fn relative_duration(input: &str) -> Result<Duration, String> {
    let caps = datestamp_pattern()
        .captures(input)
        .ok_or_else(|| format!("{input:?} is invalid string"))?;
    let number = caps.get(1).map_or("", |m| m.as_str());
    let unit = caps.get(2).map_or("", |m| m.as_str());
    let seconds_per_unit: i64 = match unit {
        "s" | "second" | "seconds" => 1,
        "min" | "minute" | "minutes" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "mo" | "month" | "months" => 30 * 86_400,
        "y" | "year" | "years" => 365 * 86_400,
        _ => {
            return Err(format!(
                "{unit} is not a valid time measure use one of ['d', 'day', 'days', 'h', \
                 'hour', 'hours', 'min', 'minute', 'minutes', 'mo', 'month', 'months', 's', \
                 'second', 'seconds', 'y', 'year', 'years']"
            ))
        }
    };
    let out_of_range = || format!("{input:?} is out of range (date value out of range)");
    let count = python_int(number)
        .ok_or_else(|| format!("invalid literal for int() with base 10: {number:?} in {input:?}"))?
        .ok_or_else(out_of_range)?;
    let seconds = count
        .checked_mul(seconds_per_unit)
        .ok_or_else(out_of_range)?;
    Duration::try_seconds(seconds).ok_or_else(out_of_range)
}

/// Python's `int(text)` for a string of decimal digits, any script (`int("٣")` is 3):
/// `None` if it is not an integer, `Some(None)` if it overflows.
fn python_int(text: &str) -> Option<Option<i64>> {
    static DIGIT: OnceLock<Regex> = OnceLock::new();
    let digit = DIGIT.get_or_init(|| constant_regex(r"^\d$"));
    let is_digit = |c: char| digit.is_match(c.encode_utf8(&mut [0; 4]));
    let mut total: Option<i64> = Some(0);
    let mut any = false;
    for c in text.chars() {
        let value = if c.is_ascii_digit() {
            i64::from(u32::from(c) - u32::from('0'))
        } else if is_digit(c) {
            // Unicode lays decimal digits out in runs of ten, from zero to nine.
            let mut start = u32::from(c);
            while let Some(prev) = start.checked_sub(1).and_then(char::from_u32) {
                if !is_digit(prev) {
                    break;
                }
                start -= 1;
            }
            i64::from((u32::from(c) - start) % 10)
        } else {
            return None;
        };
        any = true;
        total = total
            .and_then(|t| t.checked_mul(10))
            .and_then(|t| t.checked_add(value));
    }
    any.then_some(total)
}

/// `json_time_from_now(input, now)`: `now + value_of(input)`, printed with milliseconds.
pub fn json_time_from_now(input: &str, now: NaiveDateTime) -> Result<String, String> {
    let delta = relative_duration(input)?;
    let time = now
        .checked_add_signed(delta)
        .filter(|t| (1..=9999).contains(&t.year()))
        .ok_or_else(|| format!("{input:?} is out of range (date value out of range)"))?;
    Ok(format_json_time(time))
}

/// `isoformat(timespec="milliseconds") + "Z"` of a naive UTC time.
pub fn format_json_time(time: NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        time.nanosecond().min(999_999_999) / 1_000_000
    )
}

/// Parses `%Y-%m-%dT%H:%M:%S.%fZ` like Python's `strptime` (the `IndexSearch` format).
pub fn strptime(value: &str) -> Option<NaiveDateTime> {
    let caps = strptime_pattern().captures(value)?;
    let field = |i: usize| -> Option<u32> { caps.get(i)?.as_str().trim().parse().ok() };
    let year = i32::try_from(field(1)?).ok()?;
    let fraction = caps.get(7)?.as_str();
    let micros: u32 = format!("{fraction:0<6}").parse().ok()?;
    if field(6)? > 59 {
        // Python's datetime rejects leap seconds that strptime lets through.
        return None;
    }
    NaiveDate::from_ymd_opt(year, field(2)?, field(3)?)?.and_hms_micro_opt(
        field(4)?,
        field(5)?,
        field(6)?,
        micros,
    )
}

/// Parses an RFC 3339 time (`2025-12-01T00:00:00.000Z`, offsets allowed) into naive UTC.
pub fn parse_rfc3339(value: &str) -> Option<NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| t.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        parse_rfc3339("2025-01-01T00:00:00.000Z").unwrap()
    }

    #[test]
    fn quirks_match_upstream() {
        let cases = [
            ("1 day", "2025-01-02T00:00:00.000Z"),
            ("-1 day", "2025-01-02T00:00:00.000Z"),
            ("1 year 1 second", "2026-01-01T00:00:00.000Z"),
            ("10d", "2025-01-11T00:00:00.000Z"),
            ("3 mo", "2025-04-01T00:00:00.000Z"),
            ("90 min", "2025-01-01T01:30:00.000Z"),
            ("1d2h", "2025-01-02T00:00:00.000Z"),
            ("  7   days", "2025-01-08T00:00:00.000Z"),
        ];
        for (input, want) in cases {
            assert_eq!(
                json_time_from_now(input, now()).as_deref(),
                Ok(want),
                "{input}"
            );
        }
        assert!(json_time_from_now("2 weeks", now())
            .unwrap_err()
            .starts_with("weeks is not a valid time measure"));
        assert!(json_time_from_now("1.5 days", now())
            .unwrap_err()
            .contains("invalid literal for int()"));
        assert!(json_time_from_now("1 Day", now())
            .unwrap_err()
            .contains("is invalid string"));
        assert_eq!(
            json_time_from_now("٣ days", now()).as_deref(),
            Ok("2025-01-04T00:00:00.000Z")
        );
        assert_eq!(
            json_time_from_now("２ hours", now()).as_deref(),
            Ok("2025-01-01T02:00:00.000Z")
        );
        assert!(json_time_from_now("99999999999999 years", now())
            .unwrap_err()
            .contains("out of range"));
    }

    #[test]
    fn milliseconds_are_truncated() {
        let t = strptime("2025-01-01T00:00:00.123999Z").unwrap();
        assert_eq!(format_json_time(t), "2025-01-01T00:00:00.123Z");
    }

    #[test]
    fn strptime_is_strict_about_the_fraction() {
        assert!(strptime("2025-01-01T00:00:00Z").is_none());
        assert!(strptime("2025-02-30T00:00:00.000Z").is_none());
        assert_eq!(
            strptime("2025-1-2T3:04:05.5Z")
                .map(format_json_time)
                .as_deref(),
            Some("2025-01-02T03:04:05.500Z")
        );
        assert!(strptime("2025-01-01t00:00:00.000z").is_some());
    }
}
