//! Fuzz entry points (feature `fuzzing`): one function per target, shared by the cargo-fuzz
//! targets in `fuzz/` (libFuzzer, nightly) and by `tests/suite/fuzz_corpus.rs`, which replays the
//! committed corpus on stable in `make test`. Each takes arbitrary bytes and must never panic:
//! every input is either accepted or rejected with an error.

use arbitrary::{Arbitrary, Unstructured};
use serde_json::{json, Map, Value};

use crate::engine::{self, parse, CounterIds, FullTaskGraph, Mode, Request};

/// `full-task-graph.json` (plain or gzip): parsed whole, as a stream fed in pieces, and in two
/// halves cut where a top-level key may start (as the CLI reads a big file); all must agree on
/// whether the bytes are a graph, and on its labels.
pub fn graph(data: &[u8]) {
    let whole = FullTaskGraph::parse_whole(data.to_vec());
    // As a stream, in pieces of a size the input picks.
    let piece = 1 + usize::from(data.first().copied().unwrap_or(0)) % 61;
    let mut stream = engine::GraphStream::new();
    let streamed = data
        .chunks(piece)
        .try_for_each(|p| stream.feed(p))
        .and_then(|()| stream.finish());
    assert_eq!(
        whole.is_ok(),
        streamed.is_ok(),
        "the whole text and the stream disagree: {:?} / {:?}",
        whole.as_ref().err(),
        streamed.as_ref().err()
    );
    // In halves: a first half that does not end between entries is refused (the CLI then
    // reads the text whole); one that does joins the rest into the whole text's graph. The
    // halves keep no text and read it back from the input (as the CLI from its file).
    let middle = data.len() / 2;
    let cut = data
        .get(middle..)
        .and_then(engine::GraphStream::cut_in)
        .map(|i| middle + i);
    let store: std::sync::Arc<dyn engine::TextStore> = std::sync::Arc::new(data.to_vec());
    let joined = cut.and_then(|cut| {
        let (head, tail) = data.split_at(cut);
        let mut first = engine::GraphStream::new().reading_back(store.clone());
        first.feed(head).ok()?;
        let part = first.into_part()?;
        let mut rest = engine::GraphStream::continuation().reading_back(store);
        Some(rest.feed(tail).and_then(|()| rest.finish_after(part)))
    });
    if let Some(joined) = &joined {
        assert_eq!(
            whole.is_ok(),
            joined.is_ok(),
            "the whole text and its halves disagree: {:?} / {:?}",
            whole.as_ref().err(),
            joined.as_ref().err()
        );
    }
    let sorted = |g: &FullTaskGraph| {
        let mut labels: Vec<String> = g.labels_unsorted().map(str::to_string).collect();
        labels.sort_unstable();
        labels
    };
    if let (Ok(a), Ok(b)) = (&whole, &streamed) {
        assert_eq!(sorted(a), sorted(b), "the stream found other labels");
        if let Some(Ok(c)) = &joined {
            assert_eq!(sorted(a), sorted(c), "the halves found other labels");
            for label in sorted(a) {
                assert_eq!(
                    a.task_definition(&label).ok(),
                    c.task_definition(&label).ok(),
                    "the halves read back another definition of {label:?}"
                );
            }
            assert_eq!(c.read_back_failure(), None);
        }
    }
}

/// `label-to-taskid.json`, `parameters.yml` (YAML or JSON) and index answers.
pub fn inputs(data: &[u8]) {
    let _ = parse::label_to_taskid(data, "label-to-taskid.json");
    let _ = parse::parameters(data, "parameters.yml");
    let _ = parse::index_answers(data, "index.json");
}

/// A structured random push: tasks with edges to earlier tasks (and to missing labels),
/// strategies, existing tasks and index answers; a request of some of its labels.
#[derive(Debug, Arbitrary)]
pub struct Push {
    tasks: Vec<TaskSpec>,
    requested: Vec<u8>,
    times: u8,
    decision_mode: bool,
}

#[derive(Debug, Arbitrary)]
struct TaskSpec {
    kind: u8,
    deps: Vec<u8>,
    missing_dep: bool,
    soft: Vec<u8>,
    if_deps: Vec<u8>,
    strategy: u8,
    existing: bool,
    indexed: Option<u8>,
    duplicates: Option<i8>,
    reference: u8,
    deadline: u8,
}

/// The preview on a structured random push (through `arbitrary`): it either succeeds or
/// returns an error, and a success is consistent (every task of the closure is created,
/// reused or removed, exactly once).
pub fn preview(data: &[u8]) {
    let Ok(push) = Push::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let n = push.tasks.len().min(40);
    if n == 0 {
        return;
    }
    let label = |i: usize| format!("task-{i}");
    let mut graph = Map::new();
    let mut existing = Map::new();
    let mut index = Map::new();
    let mut statuses = Map::new();
    for (i, spec) in push.tasks.iter().take(n).enumerate() {
        let mut deps = Map::new();
        for (k, d) in spec.deps.iter().take(4).enumerate() {
            if i > 0 {
                deps.insert(format!("dep{k}"), json!(label(usize::from(*d) % i)));
            }
        }
        if spec.missing_dep {
            deps.insert("gone".into(), json!("not-in-the-graph"));
        }
        let pick = |list: &[u8]| -> Vec<Value> {
            list.iter()
                .take(3)
                .filter(|_| i > 0)
                .map(|d| json!(label(usize::from(*d) % i.max(1))))
                .collect()
        };
        let path = format!("project.cache.{i}");
        let optimization = match spec.strategy % 6 {
            0 => Value::Null,
            1 => json!({"index-search": [path.clone(), format!("{path}.fallback")]}),
            2 => json!({"skip-unless-changed": ["dom/**"]}),
            3 => json!({"always": null}),
            4 => json!({"never": null}),
            _ => json!({"skip-unless-schedules": ["x"]}),
        };
        let references = match spec.reference % 4 {
            0 => json!({"task-reference": "<dep0>"}),
            1 => json!({"artifact-reference": "<dep0/public/x.json>"}),
            2 => json!({"task-reference": "<decision> and <self>"}),
            _ => json!("plain"),
        };
        let deadline = match spec.deadline % 3 {
            0 => json!({"relative-datestamp": "1 day"}),
            1 => json!({"relative-datestamp": "0 seconds"}),
            _ => json!("2025-01-01T00:00:00.000Z"),
        };
        let mut attributes = json!({"kind": format!("k{}", spec.kind % 4)});
        if let Some(d) = spec.duplicates {
            attributes["task_duplicates"] = json!(d);
        }
        graph.insert(
            label(i),
            json!({
                "label": label(i), "kind": format!("k{}", spec.kind % 4), "attributes": attributes,
                "dependencies": deps, "optimization": optimization,
                "soft_dependencies": pick(&spec.soft), "if_dependencies": pick(&spec.if_deps),
                "task": {"deadline": deadline, "created": {"relative-datestamp": "0 seconds"},
                         "expires": {"relative-datestamp": "1 year"},
                         "payload": {"env": {"REF": references}}, "metadata": {"name": label(i)}}
            }),
        );
        if spec.existing {
            existing.insert(label(i), json!(format!("Existing{i:015}")));
        }
        if let Some(state) = spec.indexed {
            let id = format!("Indexed{i:016}");
            index.insert(path, json!(id));
            let states = ["completed", "failed", "exception", "running"];
            statuses.insert(
                id,
                json!({"state": states[usize::from(state) % 4], "expires": "2026-01-01T00:00:00.000Z"}),
            );
        }
    }
    let Ok(graph) = FullTaskGraph::parse(Value::Object(graph).to_string().into_bytes()) else {
        return;
    };
    let Ok(existing) =
        parse::label_to_taskid(Value::Object(existing).to_string().as_bytes(), "existing")
    else {
        return;
    };
    let answers = parse::index_answers(
        json!({"index": index, "statuses": statuses})
            .to_string()
            .as_bytes(),
        "index",
    )
    .unwrap_or_default();
    let labels: Vec<String> = push
        .requested
        .iter()
        .take(8)
        .map(|r| label(usize::from(*r) % (n + 1)))
        .collect();
    let parameters = json!({"files_changed": ["dom/a.cpp"], "level": "3"});
    let mode = if push.decision_mode {
        Mode::Decision {
            do_not_optimize: vec![],
        }
    } else {
        Mode::AddNewJobs {
            action_task_id: "ActionTaskId0000000000A".into(),
        }
    };
    let request = Request {
        push: engine::Push {
            flavour: engine::Flavour::Gecko,
            existing: &existing,
            parameters: &parameters,
            answers: &answers,
            decision_task_id: "DecisionTaskId00000000A",
            trust_domain: "gecko",
            level: "3",
            root_url: "https://tc.example.com",
            proxy_url: Some("http://taskcluster"),
        },
        labels,
        times: u32::from(push.times % 4),
        mode,
        modifier: Default::default(),
        now: chrono::DateTime::from_timestamp(1_764_547_200, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default(),
        with_task_graph: true,
        threads: 1,
    };
    let Ok(preview) = engine::preview(&graph, &request, &mut CounterIds::golden()) else {
        return;
    };
    for iteration in &preview.iterations {
        for label in &preview.closure {
            let classes = usize::from(iteration.created.contains_key(label))
                + usize::from(iteration.reused.contains_key(label))
                + usize::from(iteration.removed.contains_key(label));
            assert_eq!(classes, 1, "{label} is in {classes} classes");
        }
    }
}

/// `actions.json`: parsing, then rendering every action for the task group and for a task
/// with arbitrary tags, with an input made from the same bytes (validated first).
pub fn actions(data: &[u8]) {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (file, rest) = data.split_at(split);
    let Ok(actions) = crate::actions::parse(file) else {
        return;
    };
    let input: Value = serde_json::from_slice(rest.get(1..).unwrap_or(b"{}")).unwrap_or(json!({}));
    let tags = input
        .get("tags")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for task_tags in [None, Some(&tags)] {
        for action in actions.available(task_tags) {
            let _ = actions.render(
                action,
                "DecisionTaskId00000000A",
                task_tags.map(|_| "SomeTaskId000000000000"),
                &input,
                Some(&input),
                "OwnTaskId0000000000000",
            );
        }
    }
}

/// Percent-decoding and the page's URL state: decoding never panics, and encoding then
/// decoding gives the text back; the URL state survives a round trip through its query.
pub fn url(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::url::percent_decode(&text, true);
    let _ = crate::url::percent_decode(&text, false);
    let encoded = crate::url::percent_encode(&text, b"");
    assert_eq!(crate::url::percent_decode(&encoded, false), text);
    #[cfg(feature = "view")]
    {
        let state = crate::view::UrlState::parse(&text);
        let again = crate::view::UrlState::parse(&state.to_query());
        assert_eq!(again.to_query(), state.to_query(), "URL state round trip");
    }
}
