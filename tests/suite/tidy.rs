//! Architecture checks as tests: every source file says what it is for, and the engine stays
//! pure (no I/O, clock, randomness, threads outside the parser's scoped scan, or web crates)
//! and strictly layered (no import circle between its modules).

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
fn the_page_stays_in_small_pieces() {
    // The page's component lays out and carries out effects; its state and parts live in
    // their own modules (issue 20: app.rs under 500 lines, no file in src/ui/ over 600).
    for (path, text) in sources("src/ui") {
        let lines = text.lines().count();
        let limit = if path.ends_with("ui/app.rs") {
            500
        } else {
            600
        };
        assert!(
            lines <= limit,
            "{}: {lines} lines, at most {limit}: split it",
            path.display()
        );
    }
}

#[test]
fn no_unwrap_outside_tests() {
    // The engine never panics on input; nor do the page, the worker or the tools.
    for (path, text) in sources("src") {
        // Unit tests at the bottom of a file, or in a file of their own (`#![cfg(test)]`),
        // may unwrap.
        if text.contains("\n#![cfg(test)]") || text.starts_with("#![cfg(test)]") {
            continue;
        }
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

/// The engine's layers, bottom first. A module uses only itself and modules of lower layers, so
/// there is no import circle: modules of one layer do not use each other. `src/engine/mod.rs`
/// only declares the modules and re-exports for code outside the engine. A module with
/// submodules (`optimize/`, `callbacks/`) is one entry: its files may use each other.
#[rustfmt::skip]
const ENGINE_LAYERS: &[&[&str]] = &[
    &["error", "json", "ids", "scan", "flavour", "datestamps", "pairs", "par"], // 0: leaves
    &["model"],                                                                 // 1
    &["parse"],                                                                 // 2
    &["stream"],                                                                // 3
    &["select", "references", "runnable", "modifier"],                          // 4
    &["optimize"],                                                              // 5
    &["finalize"],                                                              // 6
    &["preview"],                                                               // 7
    &["callbacks"],                                                             // 8
];

fn engine_layer(module: &str) -> Option<usize> {
    ENGINE_LAYERS.iter().position(|l| l.contains(&module))
}

/// `text` with comments and string and char literals blanked out (newlines kept), so that only
/// code is searched for paths: doc links and messages may name any module.
fn code_only(text: &str) -> Vec<char> {
    let src: Vec<char> = text.chars().collect();
    let mut out = src.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for c in out.iter_mut().take(to.min(src.len())).skip(from) {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let at = |i: usize| src.get(i).copied().unwrap_or('\0');
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < src.len() {
        let c = at(i);
        if c == '/' && at(i + 1) == '/' {
            let end = (i..src.len()).find(|&j| at(j) == '\n').unwrap_or(src.len());
            blank(&mut out, i, end);
            i = end;
        } else if c == '/' && at(i + 1) == '*' {
            let (mut j, mut depth) = (i + 2, 1);
            while j < src.len() && depth > 0 {
                if at(j) == '/' && at(j + 1) == '*' {
                    depth += 1;
                    j += 2;
                } else if at(j) == '*' && at(j + 1) == '/' {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if c == 'r'
            && (i == 0
                || !ident(at(i - 1))
                || (at(i - 1) == 'b' && !ident(at(i.saturating_sub(2)))))
            && {
                let hashes = (i + 1..src.len()).take_while(|&j| at(j) == '#').count();
                at(i + 1 + hashes) == '"'
            }
        {
            // Raw string: r"…", r#"…"#, br"…".
            let hashes = (i + 1..src.len()).take_while(|&j| at(j) == '#').count();
            let mut j = i + 2 + hashes;
            while j < src.len() && !(at(j) == '"' && (1..=hashes).all(|k| at(j + k) == '#')) {
                j += 1;
            }
            let end = j + 1 + hashes;
            blank(&mut out, i + 1, end);
            i = end;
        } else if c == '"' {
            let mut j = i + 1;
            while j < src.len() && at(j) != '"' {
                j += if at(j) == '\\' { 2 } else { 1 };
            }
            blank(&mut out, i, j + 1);
            i = j + 1;
        } else if c == '\'' && at(i + 1) == '\\' {
            let end = (i + 2..src.len())
                .find(|&j| at(j) == '\'')
                .unwrap_or(src.len());
            blank(&mut out, i, end + 1);
            i = end + 1;
        } else if c == '\'' && at(i + 2) == '\'' {
            blank(&mut out, i, i + 3);
            i += 3;
        } else {
            // A lifetime, or any other character.
            i += 1;
        }
    }
    out
}

/// Every use of another engine module in the file at `rel` (relative to `src/engine/`) that
/// breaks the layering: `use super::X`, `super::X::`, `super::super::X`, `crate::engine::X`,
/// grouped (`super::{X, Y}`) or not, from the file or from an inline module in it (`mod tests`),
/// each resolved to the engine module it names. Also a path through the engine root to a name
/// that is not a module (a re-export hides where it is defined), and a `crate::` path out of
/// the engine.
fn layer_violations(rel: &str, text: &str) -> Vec<String> {
    let mut base: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if base.last().is_some_and(|m| m == "mod") {
        base.pop();
    }
    let Some(own) = base.first().cloned() else {
        return Vec::new(); // mod.rs: declarations and re-exports only.
    };
    let Some(own_layer) = engine_layer(&own) else {
        return vec![format!(
            "src/engine/{rel}: module {own} is missing from ENGINE_LAYERS"
        )];
    };
    let code = code_only(text);
    let at = |i: usize| code.get(i).copied().unwrap_or('\0');
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let word = |i: usize| -> String { code[i..].iter().take_while(|&&c| ident(c)).collect() };
    let skip_blank = |mut i: usize| {
        while at(i).is_whitespace() {
            i += 1;
        }
        i
    };
    let line_of = |i: usize| code[..i].iter().filter(|&&c| c == '\n').count() + 1;
    let source_line = |n: usize| text.lines().nth(n - 1).unwrap_or("").trim().to_string();
    let mut problems = Vec::new();
    let mut inline: Vec<(String, usize)> = Vec::new(); // inline modules open: (name, depth)
    let mut pending_mod: Option<String> = None;
    let mut depth = 0;
    let mut i = 0;
    while i < code.len() {
        let c = at(i);
        if c == '{' {
            if let Some(name) = pending_mod.take() {
                inline.push((name, depth));
            }
            depth += 1;
            i += 1;
            continue;
        }
        if c == '}' {
            depth -= 1;
            if inline.last().is_some_and(|(_, d)| *d == depth) {
                inline.pop();
            }
            i += 1;
            continue;
        }
        if !ident(c) || (i > 0 && (ident(at(i - 1)) || at(i - 1) == ':')) {
            if !c.is_whitespace() {
                pending_mod = None;
            }
            i += 1;
            continue;
        }
        let first = word(i);
        let start = i;
        i += first.chars().count();
        if first == "mod" {
            let j = skip_blank(i);
            let name = word(j);
            if !name.is_empty() && at(skip_blank(j + name.chars().count())) == '{' {
                pending_mod = Some(name);
                i = j + pending_mod.as_ref().map_or(0, |n| n.chars().count());
            }
            continue;
        }
        pending_mod = None;
        if first != "super" && first != "crate" {
            continue;
        }
        // The path's segments, and the first segment of each item of a trailing group.
        let mut segments = vec![first];
        let mut group = Vec::new();
        loop {
            let j = skip_blank(i);
            if !(at(j) == ':' && at(j + 1) == ':') {
                break;
            }
            let k = skip_blank(j + 2);
            if at(k) == '{' {
                let mut level = 0;
                let mut expect_item = true;
                let mut m = k;
                loop {
                    let ch = at(m);
                    match ch {
                        '{' => {
                            level += 1;
                            expect_item = level == 1;
                        }
                        '}' => {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                        }
                        ',' if level == 1 => expect_item = true,
                        '\0' => break,
                        _ if expect_item && level == 1 && ident(ch) => {
                            group.push(word(m));
                            expect_item = false;
                        }
                        _ => {}
                    }
                    m += 1;
                }
                i = m + 1;
                break;
            }
            if at(k) == '*' {
                segments.push("*".to_string()); // A glob: of the engine root, a re-export.
                i = k + 1;
                break;
            }
            let next = word(k);
            if next.is_empty() {
                break;
            }
            i = k + next.chars().count();
            segments.push(next);
        }
        if segments.len() == 1 && group.is_empty() {
            continue; // `pub(super)`, `pub(crate)`: a visibility, not a use.
        }
        // Resolve the path to where it lands: inside this module (fine), or the engine root.
        let mut here: Vec<String> = base.clone();
        here.extend(inline.iter().map(|(n, _)| n.clone()));
        let mut rest = segments.into_iter().peekable();
        let line = line_of(start);
        let mut report = |what: String| {
            problems.push(format!(
                "src/engine/{rel}:{line}: {what}: {}",
                source_line(line)
            ));
        };
        if rest.peek().is_some_and(|s| s == "crate") {
            rest.next();
            if rest.next().as_deref() != Some("engine") {
                report(format!(
                    "engine module {own} uses a module outside the engine"
                ));
                continue;
            }
            here.clear();
        } else {
            while rest.peek().is_some_and(|s| s == "super") {
                rest.next();
                if here.pop().is_none() {
                    report(format!(
                        "engine module {own} uses a module outside the engine"
                    ));
                    break;
                }
            }
            if !here.is_empty() {
                continue; // Still inside this module (its own file, parent or tests).
            }
        }
        let names: Vec<String> = match rest.next() {
            Some(name) => vec![name],
            None => group,
        };
        if names.is_empty() {
            report(format!("engine module {own} uses the engine root"));
        }
        for name in names {
            match engine_layer(&name) {
                Some(_) if name == own => {}
                Some(layer) if layer < own_layer => {}
                Some(layer) => report(format!(
                    "engine module {own} (layer {own_layer}) uses {name} (layer {layer}), which \
                     is not below it"
                )),
                None => report(format!(
                    "engine module {own} uses {name} through the engine root; import it from \
                     the module that defines it"
                )),
            }
        }
    }
    problems
}

#[test]
fn engine_is_layered() {
    // Every use of an engine module goes down `ENGINE_LAYERS`.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let mut problems = Vec::new();
    for (path, text) in sources("src/engine") {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        problems.extend(layer_violations(&rel, &text));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_layer_check_sees_upward_uses() {
    let upward = |rel: &str, text: &str| layer_violations(rel, text).len();
    // Downward and same-module uses are fine; comments, strings and char literals are not code.
    let fine = "//! [`x`](super::preview::x)\nuse super::error::Error;\nuse crate::engine::json::{is_falsy, value_type};\n\
                fn f() { let _ = \"super::callbacks::x\"; let _ = r#\"crate::engine::preview\"#; let _ = '\"'; }\n\
                pub(super) fn h() {}\npub(crate) fn i() {}\n\
                #[cfg(test)]\nmod tests {\n    use super::*;\n    fn g() { super::helper(); }\n}\n";
    assert_eq!(upward("parse.rs", fine), 0);
    assert_eq!(
        upward(
            "optimize/replace.rs",
            "use super::strategies::Strategy;\nuse crate::engine::references::x;"
        ),
        0
    );
    assert_eq!(
        upward(
            "callbacks/mod.rs",
            "mod tests { fn t() { crate::engine::ids::CounterIds::golden(); } }"
        ),
        0
    );
    // Upward, sideways, through the root, out of the engine.
    assert_eq!(upward("model.rs", "use super::preview::Warning;"), 1);
    assert_eq!(
        upward("model.rs", "fn f() { super::stream::GraphStream::new(); }"),
        1
    );
    assert_eq!(
        upward("select.rs", "use super::{error::Error, references::x};"),
        1
    );
    assert_eq!(
        upward(
            "optimize/replace.rs",
            "fn f() { crate::engine::finalize::x(); }"
        ),
        1
    );
    assert_eq!(
        upward(
            "optimize/subgraph.rs",
            "use super::super::preview::Modifier;"
        ),
        1
    );
    assert_eq!(
        upward(
            "callbacks/mod.rs",
            "mod tests { fn t() { super::super::CounterIds::golden(); } }"
        ),
        1
    );
    assert_eq!(upward("datestamps.rs", "use super::constant_regex;"), 1);
    assert_eq!(upward("select.rs", "use super::*;"), 1);
    assert_eq!(upward("json.rs", "use crate::session::Session;"), 1);
    assert_eq!(upward("newmodule.rs", ""), 1);
    let message = layer_violations("parse.rs", "\nuse super::preview::Warning;").join("");
    assert!(
        message.contains("src/engine/parse.rs:2:")
            && message.contains("parse (layer 2) uses preview (layer 7)"),
        "{message}"
    );
}
