//! Architecture checks as tests: every source file says what it is for, and the engine stays
//! pure (no I/O, clock, randomness, threads outside the parser's scoped scan, or web crates).

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources(sub: &str) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join(sub), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

#[test]
fn every_source_file_has_a_module_doc() {
    for (path, text) in sources("src") {
        assert!(
            text.starts_with("//!"),
            "{} must start with a //! paragraph saying what it is for",
            path.display()
        );
    }
}

#[test]
fn engine_is_pure() {
    let forbidden = [
        "web_sys",
        "js_sys",
        "wasm_bindgen",
        "yew",
        "gloo",
        "std::fs",
        "std::net",
        "std::env",
        "SystemTime",
        "Instant::now",
        "Utc::now",
        "Local::now",
        "rand::",
        "slugid",
        "println!",
        "eprintln!",
        "std::process",
    ];
    // The engine, and what the page shows (grid, search, graph layout), are pure.
    let pure = sources("src/engine").into_iter().chain(
        sources("src")
            .into_iter()
            .filter(|(p, _)| p.ends_with("view.rs") || p.ends_with("layout.rs")),
    );
    for (path, text) in pure {
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for word in forbidden {
                assert!(
                    !line.contains(word),
                    "{}:{}: pure code must not use {word}: {line}",
                    path.display(),
                    n + 1
                );
            }
        }
    }
}

#[test]
fn no_unwrap_outside_tests() {
    // The engine never panics on input; nor do the page, the worker or the tools.
    for (path, text) in sources("src") {
        // Unit tests at the bottom of a file may unwrap.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in code.lines().enumerate() {
            let l = line.trim_start();
            if l.starts_with("//") {
                continue;
            }
            assert!(
                !l.contains(".unwrap()") && !l.contains("panic!("),
                "{}:{}: {line}",
                path.display(),
                n + 1
            );
        }
    }
}
