//! Helpers shared by the integration tests that run the binaries.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

/// A file under `tests/data`.
#[allow(dead_code)]
pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// Asserts the command succeeded (showing its stderr if not).
#[allow(dead_code)]
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts the command succeeded and parses its stdout as JSON.
#[allow(dead_code)]
pub fn stdout_json(out: &Output) -> Value {
    assert_success(out);
    serde_json::from_slice(&out.stdout).unwrap()
}
