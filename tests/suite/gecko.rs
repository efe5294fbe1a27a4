//! Firefox pushes over HTTP: the loader finds earlier actions and cron tasks where
//! gecko_taskgraph's `fetch_graph_and_labels` looks (`….revision.<rev>.taskgraph.actions`,
//! `….revision.<rev>.cron`, comm-central's `comm_head_rev`), merges every map, skips a task
//! whose map answers 404, warns when gecko's `find_decision_task` would not find the loaded
//! decision, and knows gecko's strategy names; `--flavour taskgraph` switches all of that back.

use crate::support::push::{Push as PushFolder, Run};
use crate::support::{assert_success, put, scratch, start_standin, stdout_json, Standin};

use std::process::{Command, Output};

use serde_json::{json, Value};

fn task(label: &str, kind: &str, deps: &[&str], optimization: Value) -> Value {
    let dependencies: serde_json::Map<String, Value> =
        deps.iter().map(|d| (d.to_string(), json!(d))).collect();
    json!({
        "attributes": {"kind": kind},
        "dependencies": dependencies,
        "description": label,
        "if_dependencies": [],
        "kind": kind,
        "label": label,
        "optimization": optimization,
        "soft_dependencies": [],
        "task": {
            "created": {"relative-datestamp": "0 seconds"},
            "deadline": {"relative-datestamp": "1 day"},
            "expires": {"relative-datestamp": "1 year"},
            "extra": {"treeherder": {"symbol": "T"}},
            "metadata": {"name": label, "description": label, "owner": "dev@example.com",
                         "source": "https://hg.mozilla.org/x"},
            "payload": {"command": ["echo", label], "maxRunTime": 600, "env": {"MOZ_AUTOMATION": "1"}},
            "provisionerId": "gecko-3",
            "routes": [],
            "scopes": [],
            "tags": {"kind": kind, "label": label},
            "workerType": "b-linux"
        }
    })
}

/// A small Firefox-shaped push: docker image and toolchain (cached), a build, two test
/// chunks with gecko's strategies. The decision created the image and the toolchain; an
/// earlier add-new-jobs action created the build and the first chunk, a cron task the second.
fn graph() -> Value {
    let mut g = serde_json::Map::new();
    for t in [
        task(
            "docker-image-ubuntu",
            "docker-image",
            &[],
            json!({"index-search": ["gecko.cache.level-3.docker-images.v2.ubuntu.hash.abc"]}),
        ),
        task(
            "toolchain-linux64-clang",
            "toolchain",
            &["docker-image-ubuntu"],
            json!({"index-search": ["gecko.cache.level-3.toolchains.v3.linux64-clang.hash.def"]}),
        ),
        task(
            "build-linux64/opt",
            "build",
            &["toolchain-linux64-clang"],
            json!({"skip-unless-expanded": null}),
        ),
        task(
            "test-linux64/opt-mochitest-1",
            "test",
            &["build-linux64/opt"],
            json!({"skip-unless-schedules": ["mochitest"]}),
        ),
        task(
            "test-linux64/opt-mochitest-2",
            "test",
            &["build-linux64/opt"],
            json!({"bugbug-reduced-manifests-fallback": ["mochitest"]}),
        ),
        task(
            "test-linux64/opt-xpcshell-1",
            "test",
            &["build-linux64/opt"],
            json!({"test": ["xpcshell"]}),
        ),
        task(
            "test-linux64-shippable/opt-browsertime-tp6-firefox-amazon-e10s",
            "test",
            &["build-linux64/opt"],
            json!({"test": ["browsertime"]}),
        ),
        task(
            "test-linux64-shippable/opt-browsertime-tp6-firefox-amazon-vismet",
            "visual-metrics-dep",
            &["test-linux64-shippable/opt-browsertime-tp6-firefox-amazon-e10s"],
            json!({"test": ["browsertime"]}),
        ),
    ] {
        g.insert(t["label"].as_str().unwrap().to_string(), t);
    }
    Value::Object(g)
}

struct Push<'a> {
    name: &'a str,
    trust_domain: &'a str,
    project: &'a str,
    decision: &'a str,
    /// Extra parameters (e.g. `comm_head_rev`).
    parameters: Value,
    decision_map: Value,
    /// Index path → (taskId, label-to-taskid.json or None for a 404).
    runs: Vec<(String, &'a str, Option<Value>)>,
    /// Other index entries.
    index: Vec<(String, &'a str)>,
}

fn start(push: &Push<'_>) -> Standin {
    let dir = scratch(&format!("gecko-{}", push.name));
    let d = push.decision;
    let mut parameters = json!({"project": push.project, "head_rev": "GECKOREV", "pushlog_id": "77",
                                "level": "3", "files_changed": []});
    for (k, v) in push.parameters.as_object().unwrap() {
        parameters[k] = v.clone();
    }
    PushFolder {
        decision: d.into(),
        task: json!({"schedulerId": format!("{}-level-3", push.trust_domain), "taskGroupId": d,
                     "payload": {"command": ["run-task", "--", "bash", "-cx", "./mach taskgraph decision"]}}),
        full_task_graph: graph().to_string().into_bytes(),
        label_to_taskid: push.decision_map.to_string().into_bytes(),
        parameters,
        runs: push
            .runs
            .iter()
            .map(|(path, id, map)| Run {
                namespace: path.clone(),
                task_id: id.to_string(),
                task: json!({"taskGroupId": d}),
                map: map.clone(),
            })
            .collect(),
        index: push
            .index
            .iter()
            .map(|(path, id)| (path.clone(), id.to_string()))
            .collect(),
        ..PushFolder::default()
    }
    .write(&dir);
    start_standin(dir, &[])
}

fn preview(standin: &Standin, decision: &str, labels: &[&str], extra: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_taskgraph-preview"));
    cmd.args([
        "preview",
        "--root-url",
        &standin.url,
        "--decision-task-id",
        decision,
    ])
    .args([
        "--json",
        "--deterministic-ids",
        "--now",
        "2025-01-01T00:00:00.000Z",
    ])
    .args(extra);
    for l in labels {
        cmd.args(["--label", l]);
    }
    cmd.output().unwrap()
}

fn warning_kinds(v: &Value) -> Vec<String> {
    v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap().to_string())
        .collect()
}

const REV: &str = "gecko.v2.autoland.revision.GECKOREV";

fn autoland(name: &'static str) -> Push<'static> {
    Push {
        name,
        trust_domain: "gecko",
        project: "autoland",
        decision: "GeckoDecision000000001",
        parameters: json!({}),
        decision_map: json!({"docker-image-ubuntu": "DockerFromDecision0001",
                             "toolchain-linux64-clang": "ToolchainFromDecision1"}),
        runs: vec![
            // An earlier add-new-jobs action, indexed the gecko way.
            (
                format!("{REV}.taskgraph.actions"),
                "EarlierAction000000001",
                Some(json!({"build-linux64/opt": "BuildFromAction000001",
                            "test-linux64/opt-mochitest-1": "TestFromAction0000001"})),
            ),
            // A cancel action: no map (404), skipped.
            (
                format!("{REV}.taskgraph.actions"),
                "CancelAction0000000001",
                None,
            ),
            // A cron task of the push.
            (
                format!("{REV}.cron"),
                "CronTask00000000000001",
                Some(
                    json!({"test-linux64/opt-mochitest-2": "TestFromCron000000001",
                            "toolchain-linux64-clang": "ToolchainFromCron0001"}),
                ),
            ),
            // Where taskgraph (not gecko) looks for actions: ignored on a gecko push.
            (
                format!("{REV}.actions"),
                "TaskgraphStyleAction01",
                Some(json!({"toolchain-linux64-clang": "ToolchainFromTgAction1"})),
            ),
        ],
        index: vec![(
            format!("{REV}.taskgraph.decision"),
            "GeckoDecision000000001",
        )],
    }
}

#[test]
fn a_gecko_push_merges_earlier_actions_and_cron_tasks_the_gecko_way() {
    let standin = start(&autoland("autoland"));
    let out = preview(
        &standin,
        "GeckoDecision000000001",
        &["test-linux64/opt-xpcshell-1"],
        &[],
    );
    assert_success(&out);
    let v = stdout_json(&out);
    let it = &v["iterations"][0];
    assert_eq!(
        it["created"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["test-linux64/opt-xpcshell-1"]
    );
    assert_eq!(
        it["reused"]["build-linux64/opt"]["taskId"],
        "BuildFromAction000001"
    );
    assert_eq!(
        it["reused"]["toolchain-linux64-clang"]["taskId"], "ToolchainFromCron0001",
        "the cron task's map is merged over the decision's, and taskgraph's \
         `revision.R.actions` namespace is not gecko's"
    );
    assert_eq!(
        it["reused"]["docker-image-ubuntu"]["taskId"],
        "DockerFromDecision0001"
    );
    let kinds = warning_kinds(&v);
    assert!(
        !kinds.contains(&"unknown-strategy".to_string()),
        "gecko's strategy names are known: {kinds:?}"
    );
    assert!(
        kinds.contains(&"prior-run-without-map".to_string()),
        "{kinds:?}"
    );
    assert!(
        !kinds.contains(&"no-indexed-decision".to_string()),
        "{kinds:?}"
    );

    // The readable summary names the flavour and its evidence.
    let text = Command::new(env!("CARGO_BIN_EXE_taskgraph-preview"))
        .args(["preview", "--root-url", &standin.url])
        .args(["--decision-task-id", "GeckoDecision000000001"])
        .args(["--label", "test-linux64/opt-xpcshell-1"])
        .output()
        .unwrap();
    assert_success(&text);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.starts_with("flavour: gecko (trust domain \"gecko\""),
        "{text}"
    );
}

#[test]
fn flavour_taskgraph_overrides_detection() {
    let standin = start(&autoland("override"));
    let out = preview(
        &standin,
        "GeckoDecision000000001",
        &["test-linux64/opt-xpcshell-1"],
        &["--flavour", "taskgraph"],
    );
    assert_success(&out);
    let v = stdout_json(&out);
    let it = &v["iterations"][0];
    // taskgraph looks under `revision.R.actions`: the toolchain comes from that action, and
    // the build from the gecko-indexed action is not found.
    assert_eq!(
        it["reused"]["toolchain-linux64-clang"]["taskId"],
        "ToolchainFromTgAction1"
    );
    assert!(it["created"].get("build-linux64/opt").is_some());
    let unknown: Vec<&Value> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["kind"] == "unknown-strategy")
        .collect();
    assert!(
        unknown
            .iter()
            .any(|w| w["message"].as_str().unwrap().contains("\"test\"")),
        "{unknown:?}"
    );

    let bad = preview(
        &standin,
        "GeckoDecision000000001",
        &["test-linux64/opt-xpcshell-1"],
        &["--flavour", "firefox"],
    );
    assert_eq!(bad.status.code(), Some(2), "clap rejects the value");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--flavour"));
}

#[test]
fn comm_reads_its_revision_through_the_param_prefix_and_merges_empty_decision_maps() {
    let comm_rev = "comm.v2.comm-central.revision.COMMREV";
    let push = Push {
        name: "comm",
        trust_domain: "comm",
        project: "comm-central",
        decision: "CommDecision0000000001",
        parameters: json!({"comm_head_rev": "COMMREV"}),
        // An empty decision map: taskgraph would not merge an action's map over it, gecko does.
        decision_map: json!({}),
        runs: vec![
            (
                format!("{comm_rev}.taskgraph.actions"),
                "CommAction000000000001",
                Some(json!({"build-linux64/opt": "CommBuild00000000001",
                            "toolchain-linux64-clang": "CommToolchain0000001",
                            "docker-image-ubuntu": "CommDocker0000000001"})),
            ),
            // Firefox's revision (head_rev) is not the push's on comm-central.
            (
                "comm.v2.comm-central.revision.GECKOREV.taskgraph.actions".to_string(),
                "WrongRevAction00000001",
                Some(json!({"build-linux64/opt": "WrongBuild0000000001"})),
            ),
        ],
        // No decision indexed: gecko's find_decision_task would fail.
        index: vec![],
    };
    let standin = start(&push);
    let out = preview(
        &standin,
        "CommDecision0000000001",
        &["test-linux64/opt-mochitest-1"],
        &[],
    );
    assert_success(&out);
    let v = stdout_json(&out);
    let it = &v["iterations"][0];
    assert_eq!(
        it["reused"]["build-linux64/opt"]["taskId"],
        "CommBuild00000000001"
    );
    assert_eq!(it["created"].as_object().unwrap().len(), 1);
    let no_decision = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "no-indexed-decision")
        .expect("a warning that the action would not find the decision");
    assert!(no_decision["message"]
        .as_str()
        .unwrap()
        .contains("comm.v2.comm-central.revision.COMMREV.taskgraph.decision"));
}

#[test]
fn another_indexed_decision_is_named() {
    let mut push = autoland("other-decision");
    push.index = vec![(
        format!("{REV}.taskgraph.decision"),
        "NewerDecision000000001",
    )];
    let standin = start(&push);
    let out = preview(
        &standin,
        "GeckoDecision000000001",
        &["test-linux64/opt-xpcshell-1"],
        &[],
    );
    assert_success(&out);
    let v = stdout_json(&out);
    let w = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "other-decision")
        .expect("the decision the action will use is named");
    assert!(w["message"]
        .as_str()
        .unwrap()
        .contains("NewerDecision000000001"));
}

/// Older gecko revisions expanded a picked browsertime label to its downstream tasks and renamed
/// `-vismet` labels (`get_downstream_browsertime_tasks`, `rename_browsertime_vismet_task`); the
/// followed revision does neither, so a gecko preview adds exactly what was picked.
#[test]
fn browsertime_labels_are_not_expanded_by_current_gecko() {
    let standin = start(&autoland("browsertime"));
    let browsertime = "test-linux64-shippable/opt-browsertime-tp6-firefox-amazon-e10s";
    let vismet = "test-linux64-shippable/opt-browsertime-tp6-firefox-amazon-vismet";
    let out = preview(&standin, "GeckoDecision000000001", &[browsertime], &[]);
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v["requested"], json!([browsertime]));
    assert_eq!(
        v["iterations"][0]["created"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        [browsertime],
        "the downstream vismet task is not added"
    );
    let out = preview(&standin, "GeckoDecision000000001", &[vismet], &[]);
    assert_success(&out);
    let v = stdout_json(&out);
    let created: Vec<&String> = v["iterations"][0]["created"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    // The vismet label is not renamed to `…-e10s`: it is created with its dependency.
    assert_eq!(created, [browsertime, vismet]);
}

/// gecko's retrigger-multiple (`retrigger.py` @ 2e26d251 with `util.py` @ 0c98d232): a task
/// that is not retriggerable is rerun under every taskId the decision's and earlier runs' maps
/// give it, not only the last one merged.
#[test]
fn gecko_retrigger_multiple_reruns_every_task_id_over_http() {
    let standin = start(&autoland("rerun-all"));
    let input = json!({"requests": [{"tasks": ["toolchain-linux64-clang"], "times": 2}]});
    let out = preview(
        &standin,
        "GeckoDecision000000001",
        &[],
        &[
            "--action",
            "retrigger-multiple",
            "--input",
            &input.to_string(),
        ],
    );
    assert_success(&out);
    let v = stdout_json(&out);
    let reruns: Vec<&str> = v["reruns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["taskId"].as_str().unwrap())
        .collect();
    assert_eq!(reruns, ["ToolchainFromDecision1", "ToolchainFromCron0001"]);
    // Nothing retriggerable: one call that creates nothing.
    assert_eq!(v["calls"].as_array().unwrap().len(), 1);
    assert!(v["calls"][0]["created"].as_object().unwrap().is_empty());

    // With the task group's states: `_rerun_task` reruns only failed or exception tasks, so
    // the completed one is not rerun, and the preview says why.
    let listed = |id: &str, state: &str| {
        json!({"status": {"taskId": id, "state": state, "taskGroupId": "GeckoDecision000000001"},
               "task": {"metadata": {"name": "toolchain-linux64-clang"},
                        "tags": {"kind": "toolchain", "label": "toolchain-linux64-clang"}}})
    };
    put(
        &standin.dir,
        "tasks/GeckoDecision000000001/group.json",
        json!([
            listed("ToolchainFromDecision1", "completed"),
            listed("ToolchainFromCron0001", "failed")
        ])
        .to_string()
        .as_bytes(),
    );
    let out = preview(
        &standin,
        "GeckoDecision000000001",
        &[],
        &[
            "--action",
            "retrigger-multiple",
            "--input",
            &input.to_string(),
        ],
    );
    let v = stdout_json(&out);
    assert_eq!(
        v["reruns"],
        json!([{"label": "toolchain-linux64-clang", "taskId": "ToolchainFromCron0001"}])
    );
    let skipped: Vec<&Value> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["kind"] == "rerun-skipped")
        .collect();
    assert_eq!(skipped.len(), 1, "{}", v["warnings"]);
    assert_eq!(
        skipped[0]["message"],
        "toolchain-linux64-clang (ToolchainFromDecision1) is completed: the action task reruns \
         only failed or exception tasks, so it will not be rerun (unless it fails before the \
         action task runs)"
    );
}

/// gecko's backfill-task (`backfill.py` @ 016c8bc2) on the push it runs on: a chunk this push
/// lacks runs chunk 1 instead, unmodified; the original label gets the backfill symbol, test
/// paths and copies.
#[test]
fn gecko_backfill_task_over_http() {
    let standin = start(&autoland("backfill"));
    let run = |input: Value| {
        let out = preview(
            &standin,
            "GeckoDecision000000001",
            &[],
            &["--action", "backfill-task", "--input", &input.to_string()],
        );
        assert_success(&out);
        stdout_json(&out)
    };
    let v = run(
        json!({"label": "test-linux64/opt-xpcshell-1", "revision": "fedcba9876543210",
                       "times": 2, "test_manifests": ["netwerk/test/unit/xpcshell.toml"]}),
    );
    let call = &v["calls"][0];
    assert_eq!(call["suffix"], "0");
    let id = call["created"]["test-linux64/opt-xpcshell-1"]
        .as_str()
        .unwrap();
    let task = &call["tasks"][id];
    assert_eq!(task["extra"]["treeherder"]["symbol"], "T-fedcba98765-bk");
    assert_eq!(
        task["payload"]["env"]["MOZHARNESS_TEST_PATHS"],
        "[\"netwerk/test/unit/xpcshell.toml\"]"
    );
    assert_eq!(task["tags"]["action"], "backfill-task");
    assert_eq!(
        call["duplicates"]["test-linux64/opt-xpcshell-1"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // mochitest-7 is not in this push: chunk 1 runs, with its own symbol; it already exists,
    // and retrigger is set, so it is created again.
    let v = run(json!({"label": "test-linux64/opt-mochitest-7", "retrigger": true}));
    let created: Vec<&String> = v["calls"][0]["created"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(created, ["test-linux64/opt-mochitest-1"]);
    assert_eq!(warning_kinds(&v)[0], "backfill-other-chunk");
    // Without retrigger, a push that has the task is skipped.
    let v = run(json!({"label": "test-linux64/opt-mochitest-1"}));
    assert!(v["calls"].as_array().unwrap().is_empty());
    assert!(warning_kinds(&v).contains(&"backfill-skipped".to_string()));
}
