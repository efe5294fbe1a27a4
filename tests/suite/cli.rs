//! The `taskgraph-preview preview` contract: JSON shape, readable summary, and errors that go
//! to stderr with a non-zero exit and name the file, label or field at fault.

use crate::support::{data, scratch, stdout_json};

use std::process::{Command, Output};

use serde_json::Value;

fn ex1(rel: &str) -> String {
    data("examples/ex1-add-new-jobs-basic/input")
        .join(rel)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taskgraph-preview"))
        .args(args)
        .output()
        .unwrap()
}

fn preview_ex1(extra: &[&str]) -> Output {
    let graph = ex1("full-task-graph.json");
    let existing = ex1("label-to-taskid.json");
    let params = ex1("parameters.json");
    let mut args = vec![
        "preview",
        "--graph",
        &graph,
        "--existing",
        &existing,
        "--parameters",
        &params,
        "--now",
        "2025-01-01T00:00:00.000Z",
        "--decision-task-id",
        "DecisionTask0000000001",
        "--action-task-id",
        "ActionTask000000000001",
        "--trust-domain",
        "example",
        "--root-url",
        "https://tc.example.com",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn json_output_follows_the_contract() {
    let out = preview_ex1(&[
        "--label",
        "test-linux64/opt-mochitest-2",
        "--json",
        "--deterministic-ids",
    ]);
    let v = stdout_json(&out);
    assert_eq!(
        v["requested"],
        serde_json::json!(["test-linux64/opt-mochitest-2"])
    );
    assert_eq!(v["times"], 1);
    let it = &v["iterations"][0];
    assert_eq!(
        it["created"]["test-linux64/opt-mochitest-2"],
        "NewTaskId0000000000001"
    );
    assert_eq!(
        it["reused"]["build-linux64/opt"]["taskId"],
        "BuildOptDecision000001"
    );
    assert_eq!(
        it["reused"]["build-linux64/opt"]["source"],
        "existing-tasks"
    );
    assert_eq!(it["reused"]["build-linux64/opt"]["indexPath"], Value::Null);
    assert_eq!(it["removed"], serde_json::json!({}));
    let def = &it["tasks"]["NewTaskId0000000000001"];
    assert_eq!(def["schedulerId"], "example-level-3");
    assert_eq!(def["dependencies"][0], "ActionTask000000000001");
    assert!(v["warnings"].is_array());
}

#[test]
fn readable_summary_groups_by_kind_and_names_sources() {
    let out = preview_ex1(&["--label", "test-linux64/debug-mochitest-1"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(
            "flavour: taskgraph (trust domain \"example\": taskcluster-taskgraph)\n\
             1 requested, 4 in the closure: 2 created, 2 reused, 0 removed"
        ),
        "{text}"
    );
    assert!(text.contains("  build (1)\n    build-linux64/debug  [not in label-to-taskid, and its strategy (never) cannot reuse a task]"), "{text}");
    assert!(
        text.contains("docker-image-linux  DockerImgFromIndex0001  (existing-tasks)"),
        "{text}"
    );
}

#[test]
fn labels_file_forms() {
    let dir = scratch("cli-labels_file_forms");
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("list.json");
    std::fs::write(&list, r#"["test-linux64/opt-mochitest-2"]"#).unwrap();
    let input = dir.join("input.json");
    std::fs::write(
        &input,
        r#"{"tasks": ["test-linux64/opt-mochitest-2"], "times": 2}"#,
    )
    .unwrap();
    let named = dir.join("named.json");
    std::fs::write(&named, r#"{"one": ["test-linux64/opt-mochitest-2"]}"#).unwrap();
    for (file, extra) in [(&list, None), (&input, None), (&named, Some("one"))] {
        let f = file.display().to_string();
        let mut args = vec!["--labels", f.as_str(), "--json"];
        if let Some(name) = extra {
            args.extend(["--request", name]);
        }
        let out = preview_ex1(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let f = named.display().to_string();
    let out = preview_ex1(&["--labels", &f]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pick one with --request (one)"));
}

#[track_caller]
fn assert_fails(out: &Output, fragment: &str) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(fragment), "{err:?} lacks {fragment:?}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "nothing is printed on stdout when failing"
    );
}

#[test]
fn errors_name_what_is_at_fault() {
    assert_fails(
        &preview_ex1(&["--label", "nope", "--label", "also-nope"]),
        "\"also-nope\", \"nope\" were not found in the task-graph",
    );
    assert_fails(&preview_ex1(&[]), "no labels");
    let graph = ex1("full-task-graph.json");
    assert_fails(
        &run(&[
            "preview",
            "--graph",
            &graph,
            "--label",
            "test-linux64/opt-mochitest-2",
            "--now",
            "yesterday",
        ]),
        "--now \"yesterday\"",
    );
    assert_fails(
        &preview_ex1(&["--label", "test-linux64/opt-mochitest-2", "--times", "0"]),
        "times must be between 1 and 100",
    );
    let missing = data("does-not-exist.json").display().to_string();
    assert_fails(
        &preview_ex1(&["--label", "x", "--index", &missing]),
        "does-not-exist.json",
    );
    let bad_graph = data("examples/errors.json").display().to_string();
    let out = run(&["preview", "--graph", &bad_graph, "--label", "x"]);
    assert_fails(
        &out,
        "errors.json: task \"add_new_jobs_unknown_label\": field \"kind\" is missing",
    );
}

/// ex1's graph as gzip.
fn ex1_graph_gzip() -> Vec<u8> {
    use std::io::Write as _;
    let text = std::fs::read(ex1("full-task-graph.json")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&text).unwrap();
    gz.finish().unwrap()
}

/// The arguments of a `--json` preview of one ex1 test with the graph at `graph`.
fn ex1_json_preview_args(graph: &str) -> Vec<String> {
    [
        "preview",
        "--graph",
        graph,
        "--existing",
        &ex1("label-to-taskid.json"),
        "--parameters",
        &ex1("parameters.json"),
        "--now",
        "2025-01-01T00:00:00.000Z",
        "--label",
        "test-linux64/opt-mochitest-2",
        "--json",
        "--deterministic-ids",
    ]
    .map(String::from)
    .to_vec()
}

/// The output of [`ex1_json_preview_args`] run.
fn ex1_json_preview(graph: &str) -> Output {
    run(&ex1_json_preview_args(graph)
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>())
}

/// A gzip graph previews as its plain text does; a corrupt one fails naming the file, with
/// nothing printed (the path that reads gzip in parts on every core gives up, and the
/// one-stream path gives the error).
#[test]
fn gzip_graphs_preview_as_their_text_and_corrupt_ones_fail() {
    let gz = ex1_graph_gzip();
    let dir = scratch("cli-gzip");
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("full-task-graph.json.gz");
    std::fs::write(&good, &gz).unwrap();
    let mut corrupt = gz;
    let at = corrupt.len() - 8; // the CRC-32
    corrupt[at] ^= 0x55;
    let bad = dir.join("corrupt.json.gz");
    std::fs::write(&bad, &corrupt).unwrap();
    let plain = stdout_json(&ex1_json_preview(&ex1("full-task-graph.json")));
    let zipped = stdout_json(&ex1_json_preview(&good.display().to_string()));
    assert_eq!(zipped, plain);
    let created = plain["iterations"][0]["created"].as_object().unwrap();
    assert!(created.contains_key("test-linux64/opt-mochitest-2"));
    assert_fails(
        &ex1_json_preview(&bad.display().to_string()),
        "corrupt.json.gz: bad gzip data",
    );
}

/// A graph piped in (`--graph /dev/stdin`), plain or gzip, previews as the file does: a pipe is
/// read once, so nothing may be read from it to tell gzip from JSON before the stream.
#[test]
fn a_piped_graph_previews_as_the_file_does() {
    use std::io::Write as _;
    use std::process::Stdio;
    let from_file = stdout_json(&ex1_json_preview(&ex1("full-task-graph.json")));
    let text = std::fs::read(ex1("full-task-graph.json")).unwrap();
    for input in [text, ex1_graph_gzip()] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_taskgraph-preview"))
            .args(ex1_json_preview_args("/dev/stdin"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert_eq!(stdout_json(&out), from_file);
    }
}
