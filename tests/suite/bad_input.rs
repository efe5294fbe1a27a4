//! Bad input: every malformed file or request gives a clear error that names the label,
//! field or file at fault, and nothing panics. Cases are data: `(name, input, expected kind,
//! expected message fragment)`, checked by one function.

use std::fs;
use std::path::Path;

use serde_json::{json, Value};
use taskgraph_preview::engine::{
    self, datestamps, parse, CounterIds, FullTaskGraph, IndexAnswers, Mode, Request,
};

fn example_graph_text() -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/examples/ex1-add-new-jobs-basic/input/full-task-graph.json"),
    )
    .unwrap()
}

/// A minimal valid entry.
fn entry(label: &str, deps: Value, task: Value) -> Value {
    json!({
        "kind": "test", "label": label, "attributes": {}, "dependencies": deps,
        "optimization": null, "task": task,
    })
}

fn basic_task() -> Value {
    json!({"deadline": {"relative-datestamp": "1 day"}, "extra": {}})
}

#[track_caller]
fn check_parse_error(name: &str, text: &[u8], kind: &str, fragment: &str) {
    match FullTaskGraph::parse(text.to_vec()) {
        Ok(_) => panic!("{name}: parsed, expected a {kind} error"),
        Err(e) => {
            assert_eq!(e.kind(), kind, "{name}: {e}");
            assert!(
                e.to_string().contains(fragment),
                "{name}: {e:?} lacks {fragment:?}"
            );
        }
    }
}

#[test]
fn malformed_graph_files() {
    let good = example_graph_text();
    let truncated = &good.as_bytes()[..good.len() / 2];
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        ("empty", b"".to_vec(), "syntax", "empty file"),
        (
            "not json",
            b"hello world".to_vec(),
            "syntax",
            "must be a JSON object",
        ),
        (
            "top-level array",
            b"[1, 2]".to_vec(),
            "syntax",
            "found an array",
        ),
        ("truncated", truncated.to_vec(), "syntax", "truncated"),
        (
            "trailing garbage",
            format!("{good} x").into_bytes(),
            "syntax",
            "trailing characters",
        ),
        (
            "bad gzip",
            vec![0x1f, 0x8b, 8, 0, 1, 2, 3],
            "syntax",
            "bad gzip data",
        ),
        (
            "entry not object",
            br#"{"a": [1]}"#.to_vec(),
            "bad-field",
            "must be an object, found an array",
        ),
        (
            "missing key quote",
            br#"{a: {}}"#.to_vec(),
            "syntax",
            "expected a key string",
        ),
    ];
    for (name, text, kind, fragment) in cases {
        check_parse_error(name, &text, kind, fragment);
    }
}

#[test]
fn missing_and_mistyped_fields_name_label_and_field() {
    let fields = [
        "kind",
        "label",
        "attributes",
        "task",
        "optimization",
        "dependencies",
    ];
    for field in fields {
        let mut e = entry("my-task", json!({}), basic_task());
        e.as_object_mut().unwrap().remove(field);
        let text = serde_json::to_vec(&json!({"my-task": e})).unwrap();
        check_parse_error(
            field,
            &text,
            "bad-field",
            &format!("task \"my-task\": field \"{field}\" is missing"),
        );
    }
    let mistyped: Vec<(&str, Value, &str)> = vec![
        ("kind", json!(3), "must be a string, found a number"),
        ("attributes", json!([]), "must be an object, found an array"),
        ("task", json!("x"), "must be an object, found a string"),
        ("optimization", json!("never"), "must be null or an object"),
        (
            "dependencies",
            json!(["a"]),
            "must be an object of edge name",
        ),
        (
            "dependencies",
            json!({"build": 7}),
            "must map edge names to label strings",
        ),
        (
            "soft_dependencies",
            json!("a"),
            "must be a list of label strings",
        ),
        (
            "if_dependencies",
            json!([1]),
            "must be a list of label strings",
        ),
    ];
    for (field, value, fragment) in mistyped {
        let mut e = entry("my-task", json!({}), basic_task());
        e[field] = value;
        let text = serde_json::to_vec(&json!({"my-task": e})).unwrap();
        check_parse_error(field, &text, "bad-field", fragment);
        check_parse_error(field, &text, "bad-field", &format!("field \"{field}\""));
    }
}

#[test]
fn truncation_anywhere_never_panics() {
    let good = example_graph_text();
    let bytes = good.as_bytes();
    for cut in (0..bytes.len()).step_by(97) {
        let result = FullTaskGraph::parse(bytes[..cut].to_vec());
        assert!(result.is_err(), "cut at {cut} parsed");
    }
    // Random byte flips: any result is fine, a panic is not.
    let mut state = 12345u64;
    for _ in 0..300 {
        let mut copy = bytes.to_vec();
        for _ in 0..4 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let pos = (state >> 33) as usize % copy.len();
            copy[pos] = (state >> 13) as u8;
        }
        if let Ok(graph) = FullTaskGraph::parse(copy) {
            let labels: Vec<String> = graph.labels_unsorted().map(str::to_string).collect();
            let _ = preview(
                &graph,
                &labels,
                &Default::default(),
                &IndexAnswers::default(),
            );
        }
    }
}

fn request<'a>(
    labels: &[String],
    existing: &'a engine::LabelToTaskId,
    params: &'a Value,
    answers: &'a IndexAnswers,
) -> Request<'a> {
    Request {
        push: taskgraph_preview::engine::Push {
            flavour: taskgraph_preview::engine::Flavour::Taskgraph,
            existing,
            parameters: params,
            answers,
            decision_task_id: "DecisionTask",
            trust_domain: "example",
            level: "3",
            root_url: "https://tc.example.com",
            proxy_url: Some("http://taskcluster"),
        },
        labels: labels.to_vec(),
        times: 1,
        mode: Mode::AddNewJobs {
            action_task_id: "ActionTask".into(),
        },
        modifier: Default::default(),
        now: datestamps::parse_rfc3339("2025-01-01T00:00:00.000Z").unwrap(),
        with_task_graph: false,
        threads: 1,
    }
}

fn preview(
    graph: &FullTaskGraph,
    labels: &[String],
    existing: &engine::LabelToTaskId,
    answers: &IndexAnswers,
) -> Result<engine::Preview, engine::Error> {
    let params = json!({"level": "3"});
    engine::preview(
        graph,
        &request(labels, existing, &params, answers),
        &mut CounterIds::golden(),
    )
}

fn graph_of(entries: Value) -> FullTaskGraph {
    FullTaskGraph::parse(serde_json::to_vec(&entries).unwrap()).unwrap()
}

#[track_caller]
fn check_preview_error(
    name: &str,
    graph: &FullTaskGraph,
    labels: &[&str],
    answers: &IndexAnswers,
    kind: &str,
    fragment: &str,
) {
    let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
    match preview(graph, &labels, &Default::default(), answers) {
        Ok(_) => panic!("{name}: previewed, expected a {kind} error"),
        Err(e) => {
            assert_eq!(e.kind(), kind, "{name}: {e}");
            assert!(
                e.to_string().contains(fragment),
                "{name}: {e} lacks {fragment:?}"
            );
        }
    }
}

#[test]
fn preview_errors_name_what_is_wrong() {
    let none = IndexAnswers::default();
    let cycle = graph_of(json!({
        "a": entry("a", json!({"x": "b"}), basic_task()),
        "b": entry("b", json!({"x": "c"}), basic_task()),
        "c": entry("c", json!({"x": "a"}), basic_task()),
        "d": entry("d", json!({}), basic_task()),
        "e": entry("e", json!({"self": "e"}), basic_task()),
    }));
    check_preview_error(
        "cycle",
        &cycle,
        &["a"],
        &none,
        "dependency-cycle",
        "\"a\", \"b\", \"c\"",
    );
    check_preview_error(
        "self loop",
        &cycle,
        &["e"],
        &none,
        "dependency-cycle",
        "\"e\"",
    );
    // A cycle outside the closure is no concern of this preview (upstream agrees).
    let labels = vec!["d".to_string()];
    assert!(preview(&cycle, &labels, &Default::default(), &none).is_ok());

    check_preview_error(
        "unknown labels",
        &cycle,
        &["zz", "d", "yy"],
        &none,
        "unknown-labels",
        "\"yy\", \"zz\" were not found",
    );

    let dropped = graph_of(json!({
        "t": entry("t", json!({"build": "not-in-graph"}),
                   json!({"deadline": "x", "payload": {"b": {"task-reference": "<build>"}}})),
    }));
    check_preview_error(
        "reference to dropped dependency",
        &dropped,
        &["t"],
        &none,
        "unknown-reference",
        "task \"t\" has no dependency named \"build\"",
    );

    let bad_stamp = graph_of(json!({
        "t": entry("t", json!({}), json!({"deadline": {"relative-datestamp": "2 weeks"}})),
    }));
    check_preview_error(
        "bad datestamp",
        &bad_stamp,
        &["t"],
        &none,
        "bad-datestamp",
        "weeks is not a valid time measure",
    );
    let bad_number = graph_of(json!({
        "t": entry("t", json!({}), json!({"expires": {"relative-datestamp": "1.5 days"}})),
    }));
    check_preview_error(
        "fractional datestamp",
        &bad_number,
        &["t"],
        &none,
        "bad-datestamp",
        "invalid literal for int()",
    );

    let broken_task = FullTaskGraph::parse(
        br#"{"t": {"kind": "k", "label": "t", "attributes": {}, "dependencies": {}, "optimization": null, "task": {"a": tru}}}"#.to_vec(),
    )
    .unwrap();
    check_preview_error(
        "invalid JSON inside a task",
        &broken_task,
        &["t"],
        &none,
        "bad-field",
        "task \"t\": field \"task\" is not valid JSON",
    );

    let not_a_list = graph_of(json!({
        "t": entry("t", json!({}), json!({"dependencies": "oops"})),
    }));
    check_preview_error(
        "dependencies not a list",
        &not_a_list,
        &["t"],
        &none,
        "bad-field",
        "field \"task.dependencies\" must be a list",
    );

    // An index hit whose expiry lacks the fractional seconds upstream's strptime requires.
    let cached = graph_of(json!({
        "img": {"kind": "docker-image", "label": "img", "attributes": {}, "dependencies": {},
                 "optimization": {"index-search": ["p.img"]}, "task": basic_task()},
        "t": entry("t", json!({"docker-image": "img"}), basic_task()),
    }));
    let answers = IndexAnswers {
        index: [("p.img".to_string(), "ImgTask".to_string())].into(),
        statuses: [(
            "ImgTask".to_string(),
            json!({"state": "completed", "expires": "2026-01-01T00:00:00Z"}),
        )]
        .into(),
    };
    check_preview_error(
        "expires without fraction",
        &cached,
        &["t"],
        &answers,
        "bad-timestamp",
        "\"2026-01-01T00:00:00Z\" does not match format",
    );

    let labels = vec!["t".to_string()];
    for times in [0, 101] {
        let params = json!({});
        let existing = Default::default();
        let mut r = request(&labels, &existing, &params, &none);
        r.times = times;
        let err = engine::preview(&cached, &r, &mut CounterIds::golden()).unwrap_err();
        assert_eq!(err.kind(), "bad-request");
        assert!(err.to_string().contains("times must be between 1 and 100"));
    }
}

#[test]
fn side_files_name_the_file_and_label() {
    let err = parse::label_to_taskid(br#"{"a": 1}"#, "decision/label-to-taskid.json").unwrap_err();
    assert_eq!(
        err.to_string(),
        "decision/label-to-taskid.json: label \"a\" must map to a taskId string, found a number"
    );
    let err = parse::label_to_taskid(b"{\"a\": \"x\"", "l2t.json").unwrap_err();
    assert!(
        err.to_string().starts_with("l2t.json: EOF while parsing"),
        "{err}"
    );
    let err = parse::label_to_taskid(b"[]", "l2t.json").unwrap_err();
    assert!(err
        .to_string()
        .contains("must be an object of label → taskId, found an array"));

    let err = parse::parameters(b"level: [unclosed", "parameters.yml").unwrap_err();
    assert!(err.to_string().starts_with("parameters.yml: "), "{err}");
    let err = parse::parameters(b"- a\n- b\n", "parameters.yml").unwrap_err();
    assert!(err
        .to_string()
        .contains("must be a mapping, found an array"));
    assert_eq!(
        parse::parameters(b"level: '1'\n", "p").unwrap()["level"],
        "1"
    );

    let err = parse::index_answers(br#"{"index": {"p": 3}}"#, "index.json").unwrap_err();
    assert!(
        err.to_string().starts_with("index.json: invalid type"),
        "{err}"
    );
}

/// Issue 24: a YAML alias bomb in `parameters.yml` ("billion laughs": each level refers to the
/// previous one ten times) ends at once with an error naming the file, instead of expanding
/// 10^9 strings.
#[test]
fn yaml_alias_bomb_in_parameters_is_refused() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for level in 'b'..='i' {
        let refs = vec![format!("*{prev}"); 10].join(",");
        text.push_str(&format!("{level}: &{level} [{refs}]\n"));
        prev = level;
    }
    let err = parse::parameters(text.as_bytes(), "parameters.yml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("parameters.yml"), "{err}");
    assert!(err.contains("repetition limit exceeded"), "{err}");
}

/// Issue 24, the graph side: `full-task-graph.json` is written by the push too. A chain of
/// 100,000 tasks made every "why" path as long as the chain (51 s and 24 GB, then killed);
/// one task with 100,000 dependencies took 27 s (a scan per key to honour repeated keys).
/// Both are linear now; their answers are the same as before: paths keep their ends around
/// one `… N more …` entry, a repeated dependency name keeps its first place and last value.
#[test]
fn deep_chains_and_huge_fan_in_stay_linear_with_the_same_answers() {
    const N: usize = 5_000;
    let mut chain = serde_json::Map::new();
    for i in 0..N {
        let deps = if i == 0 {
            json!({})
        } else {
            json!({ "dep": format!("t{}", i - 1) })
        };
        chain.insert(format!("t{i}"), entry(&format!("t{i}"), deps, basic_task()));
    }
    let graph = graph_of(Value::Object(chain));
    let none = Default::default();
    let last = format!("t{}", N - 1);
    let p = preview(
        &graph,
        std::slice::from_ref(&last),
        &none,
        &Default::default(),
    )
    .unwrap();
    let why = &p.iterations[0].why;
    assert_eq!(why.len(), N - 1);
    let short: Vec<String> = (N - 5..N).rev().map(|i| format!("t{i}")).collect();
    assert_eq!(why[&format!("t{}", N - 5)], short, "short paths are whole");
    let full = &why["t0"];
    assert_eq!(full.len(), taskgraph_preview::engine::preview::WHY_KEPT);
    assert_eq!(full[0], last);
    assert_eq!(full[15], format!("t{}", N - 16));
    assert_eq!(full[16], format!("… {} more …", N - 31));
    assert_eq!(full[17], "t14");
    assert_eq!(full[31], "t0");

    // One task with N dependencies, written as JSON text with a repeated key.
    let mut text = String::from("{");
    for i in 0..N {
        text.push_str(&format!(
            "\"t{i}\": {},",
            entry(&format!("t{i}"), json!({}), basic_task())
        ));
    }
    let deps: Vec<String> = (0..N).map(|i| format!("\"d{i}\": \"t{i}\"")).collect();
    text.push_str(&format!(
        "\"top\": {{\"kind\": \"test\", \"label\": \"top\", \"attributes\": {{}}, \"optimization\": null, \
         \"task\": {}, \"dependencies\": {{{}, \"d7\": \"t9\"}}}}}}",
        basic_task(),
        deps.join(", ")
    ));
    let graph = FullTaskGraph::parse(text.into_bytes()).unwrap();
    let p = preview(&graph, &["top".to_string()], &none, &Default::default()).unwrap();
    let it = &p.iterations[0];
    // The last "d7" wins: it names t9, so nothing needs t7 any more.
    assert_eq!(it.created.len(), N);
    assert!(!it.created.contains_key("t7") && it.created.contains_key("t9"));
    let top = &it.tasks[&it.created["top"]];
    let listed = top["dependencies"].as_array().unwrap();
    // The action task first, then one taskId per name: t9's twice (d7 and d9).
    assert_eq!(listed.len(), N + 1);
    assert_eq!(listed[0], "ActionTask");
    let t9 = json!(it.created["t9"]);
    assert_eq!(listed.iter().filter(|d| **d == t9).count(), 2);
}
