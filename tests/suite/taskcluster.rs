//! The Taskcluster layer against the stand-in server, started by each test on a free port:
//! loading a push over HTTP (decision artifacts, trust domain and level from the schedulerId,
//! earlier actions merged, a listed task without a map skipped), index-search answers through
//! real HTTP, retries on 500s, clear errors for expired and truncated artifacts, and Hawk
//! signatures checked by the server.

use crate::support::push::{Push, Run};
use crate::support::{assert_success, data, put, scratch, start_standin, stdout_json, Standin};

use std::fs;
use std::process::{Command, Output};

use serde_json::{json, Value};
use taskgraph_preview::taskcluster::client::{fetch, HttpRequest, NativeTransport, RetryPolicy};
use taskgraph_preview::taskcluster::hawk::{self, Credentials};

/// Serves example `ex` as a push: its decision task, artifacts, earlier actions and index.
fn start(name: &str, ex: &str, decision: &str, trust_domain: &str, extra_args: &[&str]) -> Standin {
    let dir = scratch(&format!("standin-{name}"));
    let input = data(&format!("examples/{ex}/input"));
    let scenario: Value =
        serde_json::from_slice(&fs::read(input.join("scenario.json")).unwrap()).unwrap();
    let params: Value =
        serde_json::from_slice(&fs::read(input.join("parameters.json")).unwrap()).unwrap();
    let ns = format!(
        "{trust_domain}.v2.{}.revision.{}.actions",
        params["project"].as_str().unwrap(),
        params["head_rev"].as_str().unwrap()
    );
    let mut runs: Vec<Run> = scenario["prior_actions"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, map)| Run {
            namespace: ns.clone(),
            task_id: id.clone(),
            task: json!({"taskGroupId": decision}),
            map: Some(map.clone()),
        })
        .collect();
    // A cancel-style action of the push with no label-to-taskid.json: skipped with a warning.
    runs.push(Run {
        namespace: ns,
        task_id: "CancelAction0000000001".into(),
        task: json!({}),
        map: None,
    });
    let mut index = Vec::new();
    let mut statuses = vec![(
        decision.to_string(),
        json!({"taskId": decision, "state": "completed", "runs": [
        {"runId": 0, "state": "exception"}, {"runId": 1, "state": "completed"}]}),
    )];
    for (path, id) in scenario["index"].as_object().unwrap() {
        let id = id.as_str().unwrap();
        index.push((path.clone(), id.to_string()));
        statuses.push((id.to_string(), scenario["statuses"][id].clone()));
    }
    Push {
        decision: decision.into(),
        task: json!({"schedulerId": format!("{trust_domain}-level-3"), "taskGroupId": decision}),
        full_task_graph: fs::read(input.join("full-task-graph.json")).unwrap(),
        label_to_taskid: fs::read(input.join("label-to-taskid.json")).unwrap(),
        parameters: params,
        // The actions.json of taskgraph's own repository (ex6), for the taskgraph push (ex5).
        actions: Some(
            fs::read(data("examples/ex6-actions-json-render/input/actions.json")).unwrap(),
        ),
        runs,
        index,
        statuses,
    }
    .write(&dir);
    put(&dir, "credentials.json", br#"{"sheriff": "s3cret-token"}"#);

    let record = dir.join("calls.jsonl");
    let mut args = vec!["--record", record.to_str().unwrap()];
    args.extend_from_slice(extra_args);
    start_standin(dir.clone(), &args)
}

fn preview(standin: &Standin, decision: &str, labels: &[&str]) -> Output {
    let mut args = vec![
        "preview",
        "--root-url",
        &standin.url,
        "--decision-task-id",
        decision,
        "--json",
        "--deterministic-ids",
        "--now",
        "2025-01-01T00:00:00.000Z",
        "--action-task-id",
        "ActionTask000000000001",
        "--proxy-url",
        "http://taskcluster",
    ];
    for l in labels {
        args.extend(["--label", l]);
    }
    Command::new(env!("CARGO_BIN_EXE_taskgraph-preview"))
        .args(&args)
        .output()
        .unwrap()
}

fn created_tasks(out: &Output, root_url: &str) -> Value {
    let v = stdout_json(out);
    let it = &v["iterations"][0];
    let mut rows: Vec<Value> = it["created"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(label, id)| {
            // Artifact URLs name the root URL the preview was asked for; the golden files used
            // https://tc.example.com.
            let task: Value = serde_json::from_str(
                &it["tasks"][id.as_str().unwrap()]
                    .to_string()
                    .replace(root_url, "https://tc.example.com"),
            )
            .unwrap();
            json!({"label": label, "taskId": id, "task": task})
        })
        .collect();
    rows.sort_by(|a, b| a["label"].as_str().cmp(&b["label"].as_str()));
    Value::Array(rows)
}

#[test]
fn a_push_loaded_over_http_previews_like_the_golden_example() {
    let standin = start(
        "ex5",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &[],
    );
    let out = preview(&standin, "DecisionTaskTg00000001", &["codecov-upload"]);
    let want: Value = serde_json::from_slice(
        &fs::read(data(
            "examples/ex5-realistic-taskgraph-ci/output/created-tasks.json",
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(created_tasks(&out, &standin.url), want);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The prior action's map supplied the fetch image; the cancel action was skipped.
    assert_eq!(
        v["iterations"][0]["reused"]["docker-image-fetch"]["taskId"],
        "FetchImgPriorAction01"
    );
    assert!(v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["kind"] == "prior-run-without-map"
            && w["message"]
                .as_str()
                .unwrap()
                .contains("CancelAction0000000001")));
}

#[test]
fn index_search_answers_come_over_http() {
    let standin = start(
        "ex3",
        "ex3-times-2-index-and-rerun",
        "DecisionTask0000000001",
        "example",
        &[],
    );
    let out = preview(
        &standin,
        "DecisionTask0000000001",
        &[
            "test-linux64/debug-mochitest-1",
            "test-linux64/opt-mochitest-1",
        ],
    );
    let v = stdout_json(&out);
    let reuse = &v["iterations"][0]["reused"]["toolchain-linux64-clang"];
    assert_eq!(
        reuse["taskId"], "ToolchainIdxOk00000001",
        "the failed level-3 hit is passed over"
    );
    assert_eq!(reuse["source"], "index-search");
    assert_eq!(
        reuse["indexPath"],
        "example.cache.level-2.toolchains.v3.linux64-clang.hash.2222bbbb"
    );
}

#[test]
fn transient_failures_are_retried() {
    let standin = start(
        "retry",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &["--fail-first", "3"],
    );
    let out = preview(&standin, "DecisionTaskTg00000001", &["codecov-upload"]);
    assert_success(&out);
}

#[test]
fn expired_and_truncated_artifacts_are_clear_errors() {
    let standin = start(
        "expired",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &["--expire", "full-task-graph"],
    );
    let out = preview(&standin, "DecisionTaskTg00000001", &["codecov-upload"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/runs/1/artifacts/public/full-task-graph.json is gone (404)")
            && err.contains("expired"),
        "{err}"
    );

    let standin = start(
        "truncated",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &["--truncate", "full-task-graph"],
    );
    let out = preview(&standin, "DecisionTaskTg00000001", &["codecov-upload"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("full-task-graph.json") && !err.contains("panicked"),
        "{err}"
    );

    let standin = start(
        "unknown",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &[],
    );
    let out = preview(&standin, "NoSuchDecision00000001", &["codecov-upload"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/api/queue/v1/task/NoSuchDecision00000001 answered 404"),
        "{err}"
    );
}

#[test]
fn the_standin_checks_hawk_signatures_and_records_calls() {
    let standin = start(
        "hawk",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &[],
    );
    let url = format!(
        "{}/api/hooks/v1/hooks/project-taskgraph/in-tree-action-3-generic%2F4611924a21/trigger",
        standin.url
    );
    let body = json!({"user": {"input": {"tasks": ["codecov-upload"]}}}).to_string();
    let sign = |token: &str| {
        let creds = Credentials {
            client_id: "sheriff".into(),
            access_token: token.into(),
            certificate: None,
        };
        hawk::authorization(
            &creds,
            &hawk::Request {
                method: "POST",
                url: &url,
                payload: Some(("application/json", body.as_bytes())),
                timestamp: 1_700_000_000,
                nonce: "abc",
            },
            None,
        )
        .unwrap()
    };
    let transport = NativeTransport::new(std::time::Duration::from_secs(10));
    let request = |auth: String| HttpRequest {
        method: "POST".into(),
        url: url.clone(),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Authorization".into(), auth),
        ],
        body: Some(body.clone().into_bytes()),
    };
    let no_retry = RetryPolicy {
        attempts: 1,
        first_delay: std::time::Duration::ZERO,
    };
    let err = pollster::block_on(fetch(&transport, &request(sign("wrong")), no_retry)).unwrap_err();
    assert!(
        err.to_string()
            .contains("answered 401: hawk signature does not match"),
        "{err}"
    );
    let ok =
        pollster::block_on(fetch(&transport, &request(sign("s3cret-token")), no_retry)).unwrap();
    assert!(String::from_utf8_lossy(&ok).contains("\"pending\""));
    let calls = fs::read_to_string(standin.dir.join("calls.jsonl")).unwrap();
    let recorded: Vec<Value> = calls
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recorded.len(), 1, "only the signed call is recorded");
    assert_eq!(recorded[0]["hookId"], "in-tree-action-3-generic/4611924a21");
    assert_eq!(recorded[0]["clientId"], "sheriff");
    assert_eq!(
        recorded[0]["payload"]["user"]["input"]["tasks"][0],
        "codecov-upload"
    );
}

fn trigger(standin: &Standin, labels: &[&str], extra: &[&str], credentials: bool) -> Output {
    let mut args = vec![
        "trigger",
        "--root-url",
        &standin.url,
        "--decision-task-id",
        "DecisionTaskTg00000001",
        "--now",
        "2025-01-01T00:00:00.000Z",
        "--poll-seconds",
        "0",
    ];
    for l in labels {
        args.extend(["--label", l]);
    }
    args.extend_from_slice(extra);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_taskgraph-preview"));
    cmd.args(&args)
        .env_remove("TASKCLUSTER_CLIENT_ID")
        .env_remove("TASKCLUSTER_ACCESS_TOKEN")
        .env_remove("TASKCLUSTER_CERTIFICATE");
    if credentials {
        cmd.env("TASKCLUSTER_CLIENT_ID", "sheriff")
            .env("TASKCLUSTER_ACCESS_TOKEN", "s3cret-token");
    }
    cmd.output().unwrap()
}

fn trigger_lines(standin: &Standin) -> usize {
    fs::read_to_string(standin.dir.join("requests.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("POST ") && l.ends_with("/trigger"))
        .count()
}

#[test]
fn dry_run_prints_the_golden_trigger_request_and_sends_nothing() {
    let standin = start(
        "dry",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &[],
    );
    let out = trigger(
        &standin,
        &["codecov-upload", "test-unit-py311"],
        &["--dry-run"],
        true,
    );
    assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let want_url = format!("POST {}/api/hooks/v1/hooks/project-taskgraph/in-tree-action-3-generic%2F4611924a21/trigger", standin.url);
    assert!(text.contains(&want_url), "{text}");
    let start_at = text.find("\n{\n").unwrap() + 1;
    let end_at = text.rfind("\n}\n").unwrap() + 2;
    let body: Value = serde_json::from_str(&text[start_at..end_at]).unwrap();
    let golden: Value = serde_json::from_slice(
        &fs::read(data(
            "examples/ex6-actions-json-render/output/trigger-hook-call.json",
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(body, golden["payload"]);
    assert!(text.contains("not sent: add --yes"));
    assert!(
        !standin.dir.join("calls.jsonl").exists(),
        "nothing was sent"
    );
}

/// Lays out what the action task of `preview` would leave, as upstream's `create_tasks` and
/// `combine_task_graph_files` do: each call's `label-to-taskid-<suffix>.json` (a lone call's
/// renamed to `label-to-taskid.json`), the combined `label-to-taskid.json` (a later call's entry
/// winning), and every created task's definition under a new id. Returns each call's artifact
/// name and map, in order.
fn lay_out_action(
    standin: &Standin,
    action: &str,
    preview: &Value,
) -> Vec<(String, serde_json::Map<String, Value>)> {
    let calls: Vec<(String, &Value)> = match preview["calls"].as_array() {
        // (a call flattens its iteration)
        Some(calls) => calls
            .iter()
            .map(|c| (c["suffix"].as_str().unwrap().to_string(), c))
            .collect(),
        None => preview["iterations"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, it)| (i.to_string(), it))
            .collect(),
    };
    let mut new_ids = std::collections::BTreeMap::new();
    let mut combined = serde_json::Map::new();
    let mut maps = Vec::new();
    for (suffix, it) in &calls {
        let mut map = serde_json::Map::new();
        for (label, id) in it["labelToTaskId"].as_object().unwrap() {
            let id = id.as_str().unwrap();
            let actual = if it["created"].get(label).is_some() {
                let made = format!("MadeByAction{:010}", new_ids.len());
                new_ids.insert(id.to_string(), made.clone());
                made
            } else {
                id.to_string()
            };
            map.insert(label.clone(), json!(actual));
        }
        combined.extend(map.clone());
        let name = if calls.len() == 1 {
            "label-to-taskid.json".to_string()
        } else {
            format!("label-to-taskid-{suffix}.json")
        };
        maps.push((name, map));
    }
    for (_, it) in &calls {
        for id in it["created"].as_object().unwrap().values() {
            let id = id.as_str().unwrap();
            let mut text = it["tasks"][id]
                .to_string()
                .replace("ActionTaskOfThePreview", action);
            for (from, to) in &new_ids {
                text = text.replace(from.as_str(), to);
            }
            put(
                &standin.dir,
                &format!("tasks/{}/task.json", new_ids[id]),
                text.as_bytes(),
            );
        }
    }
    put(
        &standin.dir,
        &format!("tasks/{action}/status.json"),
        br#"{"state": "completed", "runs": [{"runId": 0, "state": "completed"}]}"#,
    );
    for (name, map) in &maps {
        put(
            &standin.dir,
            &format!("tasks/{action}/artifacts/public/{name}"),
            Value::Object(map.clone()).to_string().as_bytes(),
        );
    }
    put(
        &standin.dir,
        &format!("tasks/{action}/artifacts/public/label-to-taskid.json"),
        Value::Object(combined).to_string().as_bytes(),
    );
    maps
}

/// `preview --json` as the action task will run it: later than the trigger's preview (its
/// datestamps shifted), with its own placeholder for the action task.
fn preview_as_the_action(standin: &Standin, labels: &[&str], extra: &[&str]) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_taskgraph-preview"));
    cmd.args(["preview", "--root-url", &standin.url])
        .args(["--decision-task-id", "DecisionTaskTg00000001", "--json"])
        .args(["--now", "2025-01-01T00:07:30.250Z"])
        .args(["--action-task-id", "ActionTaskOfThePreview"])
        .args(extra);
    for l in labels {
        cmd.args(["--label", l]);
    }
    stdout_json(&cmd.output().unwrap())
}

#[test]
fn trigger_sends_once_and_follow_compares_with_reality() {
    let standin = start_logged("trigger", &[]);
    put(
        &standin.dir,
        "next-action-task-id",
        b"ActionTaskFromHook0001",
    );
    let preview = preview_as_the_action(&standin, &["codecov-upload"], &[]);
    let (_, actual) = lay_out_action(&standin, "ActionTaskFromHook0001", &preview).remove(0);
    let made = preview["iterations"][0]["created"]
        .as_object()
        .unwrap()
        .len();
    assert!(made >= 2, "the pick and a dependency are created: {made}");

    let out = trigger(&standin, &["codecov-upload"], &["--yes", "--follow"], true);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_success(&out);
    assert!(
        text.contains("triggered \"add-new-jobs\": action task ActionTaskFromHook0001"),
        "{text}"
    );
    assert!(
        text.contains(&format!("preview matched: action task ActionTaskFromHook0001 (completed) created and reused exactly what was previewed ({made} task definitions compared field by field)")),
        "{text}"
    );
    assert_eq!(trigger_lines(&standin), 1, "exactly one trigger call");
    let calls = fs::read_to_string(standin.dir.join("calls.jsonl")).unwrap();
    let call: Value = serde_json::from_str(calls.lines().next().unwrap()).unwrap();
    assert_eq!(
        call["payload"]["user"]["input"],
        json!({"tasks": ["codecov-upload"]})
    );
    assert_eq!(call["clientId"], "sheriff");

    // Reality differs: the action rebuilt the fetch image the preview reused, and the task it
    // created for the pick runs longer and has no parent.
    let mut different = actual.clone();
    different["docker-image-fetch"] = json!("RebuiltByTheAction001");
    put(
        &standin.dir,
        "tasks/ActionTaskFromHook0001/artifacts/public/label-to-taskid.json",
        Value::Object(different).to_string().as_bytes(),
    );
    let pick = actual["codecov-upload"].as_str().unwrap();
    let path = standin.dir.join(format!("tasks/{pick}/task.json"));
    let mut task: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    let previewed_run_time = task["payload"]["maxRunTime"].clone();
    task["payload"]["maxRunTime"] = json!(99999);
    task["extra"].as_object_mut().unwrap().remove("parent");
    fs::write(&path, task.to_string()).unwrap();
    let out = trigger(&standin, &["codecov-upload"], &["--yes", "--follow"], true);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "a differing preview exits 3: {text}"
    );
    assert!(
        text.contains("preview differs from action task ActionTaskFromHook0001"),
        "{text}"
    );
    assert!(text.contains("docker-image-fetch: previewed as reusing FetchImgPriorAction01 (existing-tasks), but the action used RebuiltByTheAction001"), "{text}");
    assert!(
        text.contains(&format!("codecov-upload: payload.maxRunTime: previewed {previewed_run_time}, the action created 99999")),
        "{text}"
    );
    assert!(
        text.contains("codecov-upload: extra.parent: previewed \"ActionTaskFromHook0001\", the action's task has none"),
        "{text}"
    );

    // A task the action names but the queue does not have.
    fs::remove_file(&path).unwrap();
    let out = trigger(&standin, &["codecov-upload"], &["--yes", "--follow"], true);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains(&format!("codecov-upload: the action's label-to-taskid.json names {pick}, but the queue has no such task")),
        "{text}"
    );
}

/// `trigger --action … --follow`: each call of the action leaves its own
/// `label-to-taskid-<suffix>.json`; each is compared with its call's preview, and every task
/// created with its call's definition; a difference names its call.
#[test]
fn an_action_trigger_follows_every_call() {
    let standin = start_logged("follow-action", &[]);
    put(
        &standin.dir,
        "next-action-task-id",
        b"ActionTaskFromHook0002",
    );
    // The task retriggered, as the queue answers it (its tags pick the action's variant).
    put(
        &standin.dir,
        "tasks/Tunitpy311000000000000/task.json",
        br#"{"metadata": {"name": "test-unit-py311"}, "tags": {"retrigger": "true"}}"#,
    );
    let input = r#"{"times": 2, "downstream": true}"#;
    let action = ["--action", "retrigger", "--input", input];
    let preview = preview_as_the_action(&standin, &["test-unit-py311"], &action);
    let calls = preview["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2, "times 2: two create_tasks calls");
    let mut maps = lay_out_action(&standin, "ActionTaskFromHook0002", &preview);
    let created: usize = calls
        .iter()
        .map(|c| c["created"].as_object().unwrap().len())
        .sum();
    let mut extra = action.to_vec();
    extra.extend(["--yes", "--follow"]);
    let out = trigger(&standin, &["test-unit-py311"], &extra, true);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_success(&out);
    assert!(
        text.contains("preview matched: action task ActionTaskFromHook0002 (completed)"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "({created} task definitions compared field by field)"
        )),
        "every call's created tasks are compared, not only the last call's: {text}"
    );
    assert_eq!(trigger_lines(&standin), 1, "exactly one trigger call");

    // Reality differs in the first call only (which the combined map, the later call winning,
    // cannot show): its retriggered task is missing from that call's map.
    let (name, first) = &mut maps[0];
    assert_eq!(name, "label-to-taskid-0.json");
    first.remove("test-unit-py311");
    put(
        &standin.dir,
        "tasks/ActionTaskFromHook0002/artifacts/public/label-to-taskid-0.json",
        Value::Object(first.clone()).to_string().as_bytes(),
    );
    let out = trigger(&standin, &["test-unit-py311"], &extra, true);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("call 0 (public/label-to-taskid-0.json): test-unit-py311: previewed as created, but the action did not schedule it"),
        "{text}"
    );
}

#[test]
fn a_failed_trigger_is_not_retried_and_credentials_are_required() {
    let standin = start_logged("fail", &["--fail-matching", "/trigger"]);
    let out = trigger(&standin, &["codecov-upload"], &["--yes"], true);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the trigger was not accepted") && err.contains("answered 500"),
        "{err}"
    );
    assert_eq!(trigger_lines(&standin), 1, "a trigger is never sent twice");

    let standin = start_logged("nocreds", &[]);
    let out = trigger(&standin, &["codecov-upload"], &["--yes"], false);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("set TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN"));
    assert_eq!(trigger_lines(&standin), 0);
}

/// The ex5 push with a request log in its folder.
fn start_logged(name: &str, extra: &[&str]) -> Standin {
    let log = scratch(&format!("standin-{name}-log"));
    fs::create_dir_all(&log).unwrap();
    let log = log.join("requests.log");
    let mut args: Vec<&str> = vec!["--log", log.to_str().unwrap()];
    args.extend_from_slice(extra);
    let standin = start(
        name,
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &args,
    );
    // Keep the log where `trigger_lines` reads it.
    let _ = std::os::unix::fs::symlink(&log, standin.dir.join("requests.log"));
    standin
}

#[test]
fn timeouts_name_the_url_and_the_task_group_lists_existing_jobs() {
    let standin = start(
        "slow",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &["--delay-ms", "1500"],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_taskgraph-preview"))
        .args([
            "preview",
            "--root-url",
            &standin.url,
            "--decision-task-id",
            "DecisionTaskTg00000001",
            "--label",
            "codecov-upload",
            "--timeout-seconds",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot reach") && err.contains("/api/queue/v1/task/DecisionTaskTg00000001"),
        "{err}"
    );
    drop(standin);

    let standin = start(
        "group",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &[],
    );
    for (i, state) in ["completed", "failed", "running"].iter().enumerate() {
        put(&standin.dir, &format!("tasks/Job{i}/task.json"), json!({"taskGroupId": "DecisionTaskTg00000001", "tags": {"label": format!("test-{i}")}}).to_string().as_bytes());
        put(
            &standin.dir,
            &format!("tasks/Job{i}/status.json"),
            json!({"state": state}).to_string().as_bytes(),
        );
    }
    let transport = NativeTransport::new(std::time::Duration::from_secs(10));
    let group = pollster::block_on(taskgraph_preview::taskcluster::loader::task_group(
        &transport,
        &standin.url,
        "DecisionTaskTg00000001",
        RetryPolicy::default(),
    ))
    .unwrap();
    let jobs: Vec<(String, String, String)> = group
        .into_iter()
        .map(|t| (t.task_id, t.label, t.state))
        .collect();
    // Five tasks over three continuation pages: the decision task, the earlier action, three jobs.
    assert_eq!(jobs.len(), 5, "{jobs:?}");
    assert!(
        jobs.contains(&("Job1".into(), "test-1".into(), "failed".into())),
        "{jobs:?}"
    );
    assert!(
        jobs.contains(&("Job2".into(), "test-2".into(), "running".into())),
        "{jobs:?}"
    );
}

#[test]
fn the_standin_serves_static_files_but_nothing_outside_its_folder() {
    let www = scratch("www-the_standin_serves_static_files_but_nothing_outside_its_folder");
    fs::create_dir_all(&www).unwrap();
    fs::write(www.join("index.html"), "<h1>preview</h1>").unwrap();
    let standin = start(
        "www",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &["--www", www.to_str().unwrap()],
    );
    let transport = NativeTransport::new(std::time::Duration::from_secs(10));
    let once = RetryPolicy {
        attempts: 1,
        first_delay: std::time::Duration::ZERO,
    };
    let page = pollster::block_on(fetch(
        &transport,
        &HttpRequest::get(format!("{}/", standin.url)),
        once,
    ))
    .unwrap();
    assert_eq!(page, b"<h1>preview</h1>");
    let escape = pollster::block_on(fetch(
        &transport,
        &HttpRequest::get(format!("{}/%2e%2e/etc/passwd", standin.url)),
        once,
    ));
    assert!(
        matches!(
            escape,
            Err(taskgraph_preview::taskcluster::client::FetchError::Status { status: 404, .. })
        ),
        "{escape:?}"
    );
    let _ = fs::remove_dir_all(&www);
}

#[test]
fn the_newest_earlier_action_wins() {
    let standin = start(
        "newest",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &[],
    );
    let ns = "taskgraph.v2.taskgraph.revision.d675cf0bff4b743f8848dd07f5aebaa1d11411af.actions";
    // The example's own earlier action is the oldest of the three.
    let mut index: Value =
        serde_json::from_slice(&fs::read(standin.dir.join("index.json")).unwrap()).unwrap();
    index[format!("{ns}.PriorActionTask0000001")] =
        json!({"taskId": "PriorActionTask0000001", "expires": "2025-06-01T00:00:00.000Z"});
    put(&standin.dir, "index.json", index.to_string().as_bytes());
    // Listed in path order AAA, ZZZ; created (expires) in the other order: AAA is the newer.
    for (id, image, expires) in [
        (
            "AAANewerAction0000001",
            "FromNewerAction000001",
            "2027-01-01T00:00:00.000Z",
        ),
        (
            "ZZZOlderAction0000001",
            "FromOlderAction000001",
            "2026-01-01T00:00:00.000Z",
        ),
    ] {
        put(&standin.dir, &format!("tasks/{id}/task.json"), b"{}");
        put(
            &standin.dir,
            &format!("tasks/{id}/artifacts/public/label-to-taskid.json"),
            json!({"docker-image-fetch": image}).to_string().as_bytes(),
        );
        let mut index: Value =
            serde_json::from_slice(&fs::read(standin.dir.join("index.json")).unwrap()).unwrap();
        index[format!("{ns}.{id}")] = json!({"taskId": id, "expires": expires});
        put(&standin.dir, "index.json", index.to_string().as_bytes());
    }
    let out = preview(&standin, "DecisionTaskTg00000001", &["codecov-upload"]);
    let v = stdout_json(&out);
    assert_eq!(
        v["iterations"][0]["reused"]["docker-image-fetch"]["taskId"],
        "FromNewerAction000001"
    );
    // Upstream's merge of those maps is a race: the preview says so, naming the label.
    let warning = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "earlier-maps-disagree")
        .unwrap_or_else(|| panic!("no earlier-maps-disagree warning: {}", v["warnings"]));
    assert_eq!(warning["labels"], json!(["docker-image-fetch"]));
    assert_eq!(
        warning["message"],
        "1 reused label(s) are mapped to different tasks by several earlier actions or cron tasks of \
         this push (e.g. docker-image-fetch: FetchImgPriorAction01 by PriorActionTask0000001, \
         FromOlderAction000001 by ZZZOlderAction0000001, FromNewerAction000001 by \
         AAANewerAction0000001). The action task applies their label-to-taskid.json maps in the order \
         its downloads finish, so it may reuse any of those tasks; the preview assumes the newest"
    );
    // A preview that reuses none of the contested labels does not carry it.
    let out = preview(&standin, "DecisionTaskTg00000001", &["test-unit-py311"]);
    let v = stdout_json(&out);
    assert!(
        !v["warnings"].to_string().contains("earlier-maps-disagree"),
        "{}",
        v["warnings"]
    );
}

#[test]
fn a_session_loads_a_push_once_and_previews_like_the_cli() {
    use taskgraph_preview::engine::CounterIds;
    use taskgraph_preview::session::Session;
    let standin = start(
        "session",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &[],
    );
    let transport = NativeTransport::new(std::time::Duration::from_secs(30));
    let steps = std::cell::RefCell::new(Vec::new());
    let progress = |step: &str| steps.borrow_mut().push(step.to_string());
    let mut session = pollster::block_on(Session::load(
        &transport,
        &standin.url,
        "DecisionTaskTg00000001",
        None,
        &progress,
        &|_| panic!("this push has no runnable-jobs.json: no early grid"),
    ))
    .unwrap();
    assert!(steps
        .borrow()
        .iter()
        .any(|s| s.ends_with("public/full-task-graph.json")));
    let summary = session.summary();
    assert_eq!(summary.context.trust_domain, "taskgraph");
    assert_eq!(summary.context.run_id, 1, "the completed run's artifacts");
    assert_eq!(summary.merged_from, ["PriorActionTask0000001"]);
    assert!(summary.has_add_new_jobs);
    // The prior action's map gave the fetch image; everything else is the decision's.
    assert_eq!(
        session.existing_source("docker-image-fetch"),
        "PriorActionTask0000001"
    );
    assert_eq!(
        session.existing_source("docker-image-python"),
        "DecisionTaskTg00000001"
    );
    // Jobs carry Treeherder metadata and, without a task group listing here, "unknown" for
    // tasks the maps know.
    let jobs = session.jobs();
    assert!(!jobs.is_empty());
    assert!(jobs.iter().all(|j| !j.symbol.is_empty() && j.tier >= 1));

    let labels = vec!["codecov-upload".to_string()];
    pollster::block_on(session.fetch_answers(&transport, &labels)).unwrap();
    let now = chrono::NaiveDate::from_ymd_opt(2025, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let ours = session
        .preview(&labels, 1, now, &mut CounterIds::golden())
        .unwrap();
    let cli: Value = serde_json::from_slice(
        &preview(&standin, "DecisionTaskTg00000001", &["codecov-upload"]).stdout,
    )
    .unwrap();
    let ours = serde_json::to_value(&ours).unwrap();
    for field in ["created", "reused", "removed", "reasons", "why"] {
        assert_eq!(
            ours["iterations"][0][field], cli["iterations"][0][field],
            "{field}"
        );
    }
    assert_eq!(ours["warnings"], cli["warnings"]);

    // The add-new-jobs call Treeherder would make, unsigned.
    let (_, request) = session
        .trigger_request(&labels, 1, "OwnTaskId000000000001")
        .unwrap();
    assert_eq!(request.method, "POST");
    assert!(request
        .url
        .starts_with(&format!("{}/api/hooks/v1/hooks/", standin.url)));
    let body: Value = serde_json::from_slice(request.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["user"]["input"], json!({"tasks": ["codecov-upload"]}));
}

/// The calls the stand-in recorded.
fn recorded(standin: &Standin) -> Vec<Value> {
    fs::read_to_string(standin.dir.join("calls.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn trigger_action_picks_the_variant_for_the_tasks_tags_and_sends_its_input() {
    let standin = start(
        "retrigger",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &[],
    );
    let l2t: Value = serde_json::from_slice(
        &fs::read(data(
            "examples/ex5-realistic-taskgraph-ci/input/label-to-taskid.json",
        ))
        .unwrap(),
    )
    .unwrap();
    // The queue knows the tasks: one retriggerable (tags.retrigger "true"), one not.
    let retriggerable = l2t["test-unit-py312"].as_str().unwrap();
    let image = l2t["docker-image-python"].as_str().unwrap();
    put(
        &standin.dir,
        &format!("tasks/{retriggerable}/task.json"),
        json!({"tags": {"kind": "test", "retrigger": "true"}, "metadata": {"name": "test-unit-py312"}})
            .to_string()
            .as_bytes(),
    );
    put(
        &standin.dir,
        &format!("tasks/{image}/task.json"),
        json!({"tags": {"kind": "docker-image"}, "metadata": {"name": "docker-image-python"}})
            .to_string()
            .as_bytes(),
    );
    let run = |label: &str, input: &str| {
        trigger(
            &standin,
            &[label],
            &["--action", "retrigger", "--input", input, "--yes"],
            true,
        )
    };
    let out = run("test-unit-py312", r#"{"times": 2}"#);
    assert_success(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("action retrigger: 2 create_tasks call(s)"),
        "{text}"
    );
    // Without force the image cannot be retriggered: nothing is sent.
    let refused = run("docker-image-python", "{}");
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("should not be retriggered"));
    let forced = run("docker-image-python", r#"{"force": true}"#);
    assert_success(&forced);

    let calls = recorded(&standin);
    assert_eq!(calls.len(), 2, "{calls:?}");
    let (first, second) = (&calls[0]["payload"], &calls[1]["payload"]);
    assert_eq!(first["decision"]["action"]["cb_name"], "retrigger");
    assert_eq!(first["user"]["taskId"], retriggerable);
    assert_eq!(first["user"]["input"], json!({"times": 2}));
    // A task without tags.retrigger gets the "Retrigger (disabled)" variant, which takes force.
    assert_eq!(
        second["decision"]["action"]["cb_name"],
        "retrigger-disabled"
    );
    assert_eq!(second["user"]["taskId"], image);
    assert_eq!(second["user"]["input"], json!({"force": true}));
}

#[test]
fn a_stalled_download_times_out_naming_its_url_while_the_standin_answers_others() {
    let standin = start(
        "stall",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &["--stall", "full-task-graph"],
    );
    let stalled = std::thread::spawn({
        let url = standin.url.clone();
        move || {
            Command::new(env!("CARGO_BIN_EXE_taskgraph-preview"))
                .args(["preview", "--root-url", &url])
                .args(["--decision-task-id", "DecisionTaskTg00000001"])
                .args(["--label", "codecov-upload", "--timeout-seconds", "2"])
                .output()
                .unwrap()
        }
    });
    // Meanwhile other requests are answered (each request has a thread of its own).
    let transport = NativeTransport::new(std::time::Duration::from_secs(30));
    let body = pollster::block_on(fetch(
        &transport,
        &HttpRequest::get(format!(
            "{}/api/queue/v1/task/DecisionTaskTg00000001",
            standin.url
        )),
        RetryPolicy::default(),
    ))
    .unwrap();
    assert!(String::from_utf8_lossy(&body).contains("taskgraph-level-3"));
    let out = stalled.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("full-task-graph.json"), "{err}");
}

#[test]
fn a_slow_link_delivers_the_same_push() {
    // 200 kB/s: ex5's artifacts take a noticeable while, and arrive whole.
    let standin = start(
        "rate",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &["--rate", "200000"],
    );
    let out = preview(&standin, "DecisionTaskTg00000001", &["codecov-upload"]);
    assert_success(&out);
    let fast = start(
        "fast",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &[],
    );
    let again = preview(&fast, "DecisionTaskTg00000001", &["codecov-upload"]);
    assert_eq!(
        created_tasks(&out, &standin.url),
        created_tasks(&again, &fast.url)
    );
}

/// While the graph downloads, the grid comes from the decision's `runnable-jobs.json` and the
/// task group, in pages; it has the graph's jobs, with the group's states and taskIds.
#[test]
fn the_grid_comes_before_the_graph_from_runnable_jobs_and_the_task_group() {
    use taskgraph_preview::session::{Session, JOBS_PAGE};
    let dir =
        scratch("early-the_grid_comes_before_the_graph_from_runnable_jobs_and_the_task_group");
    // NSS's real push, laid out by the stand-in from its decision's artifacts.
    let push = format!("NssEarlyDecision000001={}", data("real/nss").display());
    let standin = start_standin(dir, &["--push", &push]);
    let transport = NativeTransport::new(std::time::Duration::from_secs(30));
    let pages = std::cell::RefCell::new(Vec::<Value>::new());
    let on_jobs = |page: &str| pages.borrow_mut().push(serde_json::from_str(page).unwrap());
    let session = pollster::block_on(Session::load(
        &transport,
        &standin.url,
        "NssEarlyDecision000001",
        None,
        &|_| {},
        &on_jobs,
    ))
    .unwrap();
    let messages = pages.into_inner();
    // Pages of jobs first, then the states each page of the task group listing adds; the
    // last message says the listing is done.
    let (pages, states): (Vec<&Value>, Vec<&Value>) =
        messages.iter().partition(|m| m.get("jobs").is_some());
    let full = session.jobs();
    assert_eq!(pages.len(), full.len().div_ceil(JOBS_PAGE));
    assert_eq!(pages[0]["total"], full.len());
    assert!(!states.is_empty());
    let last = messages.last().unwrap();
    assert_eq!(last["listing"]["done"], true);
    assert_eq!(last["listing"]["listed"], session.group.len());
    let mut early: Vec<Value> = pages
        .iter()
        .flat_map(|p| p["jobs"].as_array().unwrap().clone())
        .collect();
    for message in &states {
        for s in message["states"].as_array().unwrap() {
            let job = early.iter_mut().find(|j| j["label"] == s["label"]).unwrap();
            for key in ["state", "taskId", "kind", "tier"] {
                if !s[key].is_null() {
                    job[key] = s[key].clone();
                }
            }
        }
    }
    assert_eq!(early.len(), full.len());
    let mut existing = 0;
    for (e, f) in early.iter().zip(full) {
        assert_eq!(e["label"], f.label.as_str());
        assert_eq!(e["symbol"], f.symbol.as_str());
        assert_eq!(e["platform"], f.platform.as_str());
        // Every existing task of the push is in its group: same state and taskId; the tier
        // comes from the group's definitions.
        assert_eq!(e["state"], f.state.as_str(), "{}", f.label);
        assert_eq!(e["taskId"].as_str(), f.task_id.as_deref());
        if f.task_id.is_some() {
            existing += 1;
            assert_eq!(e["tier"], f.tier);
            assert_eq!(e["kind"], f.kind.as_str());
        }
    }
    assert!(existing > 100, "{existing}");
}

/// Issue 24: the reported push. add-new-jobs' hookPayload in actions.json holds
/// `t[[[[[[[[[[[[[[[[askGroupId` (16 unclosed brackets; json-e 4.8.4 took 32 s to parse it).
/// `trigger` ends with an error naming the action, the field and the reason, sends nothing,
/// and the preview it prints first is the usual one.
#[test]
fn trigger_on_a_push_with_hostile_json_e_ends_with_a_clear_error_and_sends_nothing() {
    let standin = start(
        "hostile-actions",
        "ex5-realistic-taskgraph-ci",
        "DecisionTaskTg00000001",
        "taskgraph",
        &[],
    );
    let mut actions: Value = serde_json::from_slice(
        &fs::read(data("examples/ex6-actions-json-render/input/actions.json")).unwrap(),
    )
    .unwrap();
    let brackets = format!("t{}askGroupId", "[".repeat(16));
    for action in actions["actions"].as_array_mut().unwrap() {
        if action["name"] == "add-new-jobs" {
            let payload = action["hookPayload"].take();
            action["hookPayload"] = json!({"$let": {"tid": {"$eval": brackets}}, "in": payload});
        }
    }
    put(
        &standin.dir,
        "tasks/DecisionTaskTg00000001/artifacts/public/actions.json",
        actions.to_string().as_bytes(),
    );
    let out = trigger(&standin, &["codecov-upload"], &["--yes"], true);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("codecov-upload"),
        "the preview is printed: {stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "action \"add-new-jobs\" cannot be triggered: its hookPayload is not valid JSON-e: \
             Unexpected trailing characters {}askGroupId",
            "[".repeat(16)
        )),
        "{stderr}"
    );
    assert!(
        !standin.dir.join("calls.jsonl").exists(),
        "nothing was sent"
    );
}
