//! `www/index.d.ts` against the protocol's types (`src/protocol.rs`): every answer's fields as
//! serde writes them, and which of them may be absent, must be what the TypeScript interfaces
//! say. Each type is serialised twice: with every optional part filled (its fields are all the
//! interface's fields) and with every optional part empty (its fields are the interface's
//! required ones). A field added, renamed or made optional on one side only fails here.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use taskgraph_preview::engine::{self, Flavour, Iteration, Reuse, Warning};
use taskgraph_preview::protocol::{
    ActionPreview, CallPreview, Comparison, Context, GridJob, Listing, Offered, Preview, Rerun,
    Shown, Summary,
};

/// An interface's fields: name → optional (`name?:`).
type Fields = BTreeMap<String, bool>;

/// The interfaces of `index.d.ts` (`export interface X [extends Y] { … }`), each with its own
/// fields and those it extends. A field is a line at the interface's first level of the form
/// `  name: …` or `  name?: …`; comments and nested object types are skipped.
fn interfaces(text: &str) -> BTreeMap<String, Fields> {
    let mut own: BTreeMap<String, (Option<String>, Fields)> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("export interface ") {
            let mut words = rest.split_whitespace();
            let name = words.next().unwrap_or_default().to_string();
            let base = (words.next() == Some("extends")).then(|| words.next().unwrap_or_default());
            own.insert(name.clone(), (base.map(str::to_string), Fields::new()));
            current = Some(name);
            continue;
        }
        if line.starts_with('}') {
            current = None;
            continue;
        }
        let Some(name) = &current else { continue };
        let Some(field) = line.strip_prefix("  ") else {
            continue;
        };
        if field.starts_with(' ') || field.starts_with('/') || field.starts_with('*') {
            continue;
        }
        let Some((key, _)) = field.split_once(':') else {
            continue;
        };
        let optional = key.ends_with('?');
        let key = key.trim_end_matches('?');
        if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !key.is_empty() {
            own.get_mut(name)
                .unwrap()
                .1
                .insert(key.to_string(), optional);
        }
    }
    let mut all = BTreeMap::new();
    for name in own.keys() {
        let mut fields = Fields::new();
        let mut next = Some(name.clone());
        while let Some(n) = next {
            let (base, mine) = &own[&n];
            fields.extend(mine.clone());
            next = base.clone();
        }
        all.insert(name.clone(), fields);
    }
    all
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

/// `full` (every optional part filled) must have exactly the interface's fields, `minimal`
/// (every optional part empty) exactly its required ones, except `absent_by_request`: fields the
/// worker leaves out on request although the type always has them.
fn check(
    interfaces: &BTreeMap<String, Fields>,
    name: &str,
    full: &impl serde::Serialize,
    minimal: &impl serde::Serialize,
    absent_by_request: &[&str],
) {
    let declared = interfaces
        .get(name)
        .unwrap_or_else(|| panic!("index.d.ts has no interface {name}"));
    let full = keys(&serde_json::to_value(full).unwrap());
    let minimal = keys(&serde_json::to_value(minimal).unwrap());
    let all: BTreeSet<String> = declared.keys().cloned().collect();
    assert_eq!(full, all, "{name}: the fields serde writes vs index.d.ts");
    let required: BTreeSet<String> = (declared.iter())
        .filter(|(k, optional)| !**optional || absent_by_request.contains(&k.as_str()))
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(
        minimal, required,
        "{name}: the fields always written vs index.d.ts's required ones"
    );
}

fn warning() -> Warning {
    Warning {
        kind: "unknown-dependency".into(),
        labels: vec!["a".into()],
        message: "m".into(),
    }
}

fn iteration(full: bool) -> Iteration {
    let map = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
    Iteration {
        created: map("a", "A"),
        reused: BTreeMap::from([("b".to_string(), reuse())]),
        removed: map("c", "gone"),
        tasks: BTreeMap::from([("A".to_string(), json!({}))]),
        reasons: map("a", "requested"),
        why: BTreeMap::new(),
        duplicates: if full {
            BTreeMap::from([("a".to_string(), vec!["A2".to_string()])])
        } else {
            BTreeMap::new()
        },
        worker_pools: BTreeMap::from([("proj-1/b-linux".to_string(), 2)]),
        label_to_taskid: map("a", "A"),
        task_graph: full.then(BTreeMap::new),
    }
}

fn reuse() -> Reuse {
    Reuse {
        task_id: "B".into(),
        source: "existing-tasks".into(),
        index_path: None,
    }
}

fn engine_preview(full: bool) -> engine::Preview {
    engine::Preview {
        requested: vec!["a".into()],
        times: 1,
        closure: vec!["a".into(), "b".into()],
        index_paths: vec![],
        iterations: vec![iteration(full)],
        warnings: vec![warning()],
    }
}

fn grid_job(full: bool) -> GridJob {
    GridJob {
        label: "test-a".into(),
        kind: "test".into(),
        symbol: "t".into(),
        group_symbol: full.then(|| "M".into()),
        group_name: full.then(|| "Mochitests".into()),
        platform: "linux64".into(),
        option: "opt".into(),
        tier: 1,
        state: if full { "success" } else { "runnable" }.into(),
        task_id: full.then(|| "T".into()),
        haystack: "never sent".into(),
    }
}

fn call(full: bool) -> CallPreview {
    CallPreview {
        suffix: "0".into(),
        requested: vec!["a".into()],
        closure: vec!["a".into()],
        iteration: iteration(full),
    }
}

#[test]
fn index_d_ts_describes_the_protocol_s_types() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/index.d.ts"))
        .expect("www/index.d.ts");
    let d = interfaces(&text);
    check(&d, "Warning", &warning(), &warning(), &[]);
    let summary = Summary {
        context: Context {
            decision_task_id: "D".into(),
            run_id: 0,
            trust_domain: "gecko".into(),
            level: "3".into(),
            root_url: "https://tc".into(),
            flavour: Flavour::Gecko,
            flavour_reason: "r".into(),
        },
        tasks: 1,
        edges: 0,
        existing: 0,
        project: "try".into(),
        revision: "abc".into(),
        owner: "me".into(),
        pushlog_id: "1".into(),
        merged_from: vec![],
        has_add_new_jobs: true,
        warnings: vec![],
    };
    check(&d, "Summary", &summary, &summary, &[]);
    check(&d, "GridJob", &grid_job(true), &grid_job(false), &[]);
    check(
        &d,
        "Listing",
        &Listing {
            listed: 1,
            done: false,
        },
        &Listing {
            listed: 0,
            done: true,
        },
        &[],
    );
    check(&d, "Reuse", &reuse(), &reuse(), &[]);
    check(
        &d,
        "Iteration",
        &iteration(true),
        &iteration(false),
        &["tasks"],
    );
    let shown = Shown {
        kinds: BTreeMap::from([("a".into(), "test".into())]),
        summary: "Your 1 job.".into(),
        ..Shown::default()
    };
    let full = Preview {
        preview: engine_preview(true),
        shown: Some(shown),
    };
    let minimal = Preview {
        preview: engine_preview(false),
        shown: None,
    };
    check(&d, "Preview", &full, &minimal, &[]);
    // The CLI's `--json` is the engine's preview alone: the same fields, less what is shown.
    check(&d, "Preview", &full, &engine_preview(false), &[]);
    let offered = Offered {
        name: "retrigger".into(),
        title: "Retrigger".into(),
        description: "d".into(),
        cb_name: "retrigger".into(),
        preview: None,
        schema: None,
        unavailable: None,
    };
    check(&d, "OfferedAction", &offered, &offered, &[]);
    let comparison = Comparison::new("X".into(), "completed".into(), vec![], 3);
    check(&d, "Comparison", &comparison, &comparison, &[]);
    check(&d, "CallPreview", &call(true), &call(false), &["tasks"]);
    let action = |full: bool| ActionPreview {
        action: "retrigger".into(),
        reruns: vec![Rerun {
            label: "a".into(),
            task_id: "A".into(),
        }],
        calls: vec![call(full)],
        warnings: vec![],
    };
    check(&d, "ActionPreview", &action(true), &action(false), &[]);
    #[cfg(feature = "layout")]
    {
        use taskgraph_preview::layout::{GraphView, Node};
        let node = Node {
            label: "a".into(),
            decision: "requested".into(),
            x: 0.0,
            y: 0.0,
        };
        check(&d, "GraphNode", &node, &node, &[]);
        let view = GraphView {
            nodes: vec![node],
            edges: vec![],
            width: 1.0,
            height: 1.0,
            node_width: 1.0,
            node_height: 1.0,
            omitted: 0,
        };
        check(&d, "GraphView", &view, &view, &[]);
    }
}

#[test]
fn the_page_reads_back_what_the_worker_writes() {
    // The same types both ways: what `js_api` serialises, the page deserialises unchanged.
    let preview = Preview {
        preview: engine_preview(true),
        shown: Some(Shown {
            runs_again: vec!["a".into()],
            decision_task_id: "D".into(),
            ..Shown::default()
        }),
    };
    let text = serde_json::to_string(&preview).unwrap();
    let back: Preview = serde_json::from_str(&text).unwrap();
    assert_eq!(back, preview);
    assert_eq!(back.shown().runs_again, ["a"]);
    assert_eq!(
        back.counts(),
        (2, 1, 1),
        "a created, its duplicate, b reused, c removed"
    );
    let job = grid_job(true);
    let back: GridJob<std::rc::Rc<str>> =
        serde_json::from_str(&serde_json::to_string(&job).unwrap()).unwrap();
    assert_eq!(&*back.label, "test-a");
    assert_eq!(back.task_id.as_deref(), Some("T"));
    assert!(
        back.haystack.is_empty(),
        "the quick filter's text is never sent"
    );
}
