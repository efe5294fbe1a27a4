//! `actions.json` rendering against the golden trigger call made by the real tools (ex6), and
//! the selection and validation rules.

use std::fs;
use std::path::Path;

use serde_json::{json, Value};
use taskgraph_preview::actions::{self, Trigger};

fn ex6(rel: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/examples/ex6-actions-json-render")
            .join(rel),
    )
    .unwrap()
}

#[test]
fn add_new_jobs_renders_the_golden_trigger_hook_call() {
    let actions_json = actions::parse(&ex6("input/actions.json")).unwrap();
    let scenario: Value = serde_json::from_slice(&ex6("input/scenario.json")).unwrap();
    let want: Value = serde_json::from_slice(&ex6("output/trigger-hook-call.json")).unwrap();
    let action = actions_json.find("add-new-jobs", None).unwrap();
    let trigger = actions_json
        .render(
            action,
            scenario["decision_task_id"].as_str().unwrap(),
            None,
            &scenario["action_input"],
            None,
            "unused",
        )
        .unwrap();
    let Trigger::Hook {
        hook_group_id,
        hook_id,
        payload,
    } = trigger
    else {
        panic!("add-new-jobs is a hook action");
    };
    assert_eq!(hook_group_id, want["hookGroupId"]);
    assert_eq!(hook_id, want["hookId"]);
    assert_eq!(payload, want["payload"]);
}

#[test]
fn selection_and_validation_rules() {
    let text = json!({
        "version": 1,
        "variables": {"taskGroupId": "from-variables", "extra": "v"},
        "actions": [
            {"name": "retrigger", "kind": "hook", "context": [{"kind": "test"}], "hookGroupId": "g", "hookId": "first",
             "hookPayload": {"tid": {"$eval": "taskId"}}},
            {"name": "retrigger", "kind": "hook", "context": [{}], "hookGroupId": "g", "hookId": "second", "hookPayload": {}},
            {"name": "weird", "kind": "magic"},
            {"name": "add-new-jobs", "kind": "hook", "context": [], "hookGroupId": "g", "hookId": "h",
             "schema": {"type": "object", "properties": {"tasks": {"type": "array", "items": {"type": "string"}},
                        "times": {"type": "integer", "minimum": 1, "maximum": 100}}},
             "hookPayload": {"group": {"$eval": "taskGroupId"}, "v": {"$eval": "extra"}, "input": {"$eval": "input"}}},
            {"name": "legacy", "kind": "task", "context": [], "task": {"taskGroupId": {"$eval": "taskGroupId"}, "id": {"$eval": "ownTaskId"}}}
        ]
    });
    let parsed = actions::parse(text.to_string().as_bytes()).unwrap();
    let names: Vec<&str> = parsed.actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["retrigger", "retrigger", "add-new-jobs", "legacy"],
        "unknown kinds skipped, every entry of a name kept"
    );

    // As Treeherder does: the first entry of a name whose context matches. The first retrigger
    // needs kind=test; a build task gets the second.
    let build_tags = json!({"kind": "build"});
    assert_eq!(
        parsed
            .find("retrigger", build_tags.as_object())
            .unwrap()
            .hook_id
            .as_deref(),
        Some("second")
    );
    let offered: Vec<&str> = parsed
        .available(build_tags.as_object())
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(offered, ["retrigger"]);
    let group: Vec<&str> = parsed
        .available(None)
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(group, ["add-new-jobs", "legacy"]);
    let test_tags = json!({"kind": "test", "os": "linux"});
    assert_eq!(
        parsed
            .find("retrigger", test_tags.as_object())
            .unwrap()
            .hook_id
            .as_deref(),
        Some("first")
    );
    assert!(
        parsed.find("retrigger", None).is_err(),
        "task actions are not task-group actions"
    );

    let action = parsed.find("add-new-jobs", None).unwrap();
    let trigger = parsed
        .render(
            action,
            "Decision",
            None,
            &json!({"tasks": ["a"]}),
            None,
            "x",
        )
        .unwrap();
    assert_eq!(
        trigger.to_json(),
        json!({"method": "hooks.triggerHook", "hookGroupId": "g", "hookId": "h",
               "payload": {"group": "Decision", "v": "v", "input": {"tasks": ["a"]}}}),
        "built-ins win over variables"
    );
    let err = parsed
        .render(
            action,
            "Decision",
            None,
            &json!({"tasks": ["a"], "times": 0}),
            None,
            "x",
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("does not match its schema") && err.to_string().contains("/times"),
        "{err}"
    );
    let err = parsed
        .render(action, "Decision", None, &json!({"tasks": "a"}), None, "x")
        .unwrap_err();
    assert!(err.to_string().contains("/tasks"), "{err}");

    let legacy = parsed.find("legacy", None).unwrap();
    let trigger = parsed
        .render(legacy, "Decision", None, &json!({}), None, "OwnId")
        .unwrap();
    assert_eq!(
        trigger,
        Trigger::Task {
            task_id: "OwnId".into(),
            task: json!({"taskGroupId": "Decision", "id": "OwnId"})
        }
    );

    for (bad, want) in [
        (json!({"version": 2, "actions": []}), "only version 1"),
        (json!({"actions": []}), "only version 1"),
        (json!({"version": 1, "actions": {}}), "must be a list"),
    ] {
        let err = actions::parse(bad.to_string().as_bytes()).unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
    }
}

/// Issue 24: `actions.json` is written by the push, so its JSON-e is untrusted. A template that
/// took json-e 4.8.4 exponential time, or that would exhaust memory or the stack, ends at once
/// with an error naming the action and the field; the other actions render as before.
#[test]
fn hostile_json_e_ends_at_once_with_the_action_and_field_named() {
    let hostile = |name: &str, payload: Value| {
        json!({"name": name, "kind": "hook", "context": [], "hookGroupId": "g", "hookId": name,
               "hookPayload": payload})
    };
    let text = json!({
        "version": 1,
        "variables": {},
        "actions": [
            // the reported case, with 40 brackets (json-e 4.8.4 took 32 s with 16)
            hostile("brackets", json!({"tid": {"$eval": format!("t{}askGroupId", "[".repeat(40))}})),
            hostile("deep", json!({"x": format!("${{{}1{}}}", "(".repeat(500), ")".repeat(500))})),
            hostile("range", json!({"n": {"$eval": "len(range(0, 100000000000))"}})),
            hostile("reduce", json!({"$reduce": {"$eval": "range(0, 100000)"}, "initial": [],
                                     "each(acc, i)": {"$eval": "[acc]"}})),
            hostile("add-new-jobs", json!({"tasks": {"$eval": "input.tasks"}, "group": "${taskGroupId}"})),
        ],
    });
    let parsed = actions::parse(text.to_string().as_bytes()).unwrap();
    let render = |name: &str| {
        let action = parsed.find(name, None).unwrap();
        parsed.render(
            action,
            "DECISION",
            None,
            &json!({"tasks": ["a"]}),
            None,
            "own",
        )
    };
    let err = render("brackets").unwrap_err().to_string();
    assert!(
        err.starts_with(
            "action \"brackets\" cannot be triggered: its hookPayload is not valid JSON-e: \
             Unexpected trailing characters ["
        ),
        "{err}"
    );
    assert_eq!(
        render("deep").unwrap_err().to_string(),
        "action \"deep\" is refused: its hookPayload goes beyond what JSON-e may do here: \
         expression nested more than 64 levels deep"
    );
    assert_eq!(
        render("range").unwrap_err().to_string(),
        "action \"range\" is refused: its hookPayload goes beyond what JSON-e may do here: \
         the render needs more than its 1000000 units of work"
    );
    assert_eq!(
        render("reduce").unwrap_err().to_string(),
        "action \"reduce\" is refused: its hookPayload goes beyond what JSON-e may do here: \
         the value of acc is nested more than 128 levels deep"
    );
    let Trigger::Hook { payload, .. } = render("add-new-jobs").unwrap() else {
        panic!("a hook action");
    };
    assert_eq!(payload, json!({"tasks": ["a"], "group": "DECISION"}));
}

/// Issue 24: a deeply nested schema in `actions.json` (validation recurses once per level) is
/// refused by the JSON parser's nesting limit with an error, not a stack overflow.
#[test]
fn deeply_nested_action_schema_is_refused() {
    let schema = format!(
        "{}{}",
        "{\"items\":".repeat(5000),
        "{}".to_string() + &"}".repeat(5000)
    );
    let text = format!(
        r#"{{"version": 1, "actions": [{{"name": "x", "kind": "hook", "context": [], "hookGroupId": "g",
            "hookId": "h", "hookPayload": {{}}, "schema": {schema}}}]}}"#
    );
    let err = actions::parse(text.as_bytes()).unwrap_err().to_string();
    assert!(
        err.starts_with("actions.json: recursion limit exceeded"),
        "{err}"
    );
}

/// Issue 24, where users meet it: a push whose add-new-jobs JSON-e cannot render still
/// previews (the preview does not render actions.json), and the preview carries an
/// `action-unavailable` warning that names the action, the field and the reason; the offered
/// actions say which are unavailable before any input is typed, and the others render.
#[test]
fn a_push_with_hostile_add_new_jobs_previews_and_says_the_trigger_is_unavailable() {
    use taskgraph_preview::engine::{CounterIds, Flavour, FullTaskGraph};
    use taskgraph_preview::session::{Context, Session, ACTION_UNAVAILABLE};
    let task = |label: &str, deps: Value| {
        json!({"label": label, "kind": "test", "attributes": {}, "dependencies": deps,
               "optimization": null, "soft_dependencies": [], "if_dependencies": [],
               "task": {"deadline": {"relative-datestamp": "1 day"}, "metadata": {"name": label},
                        "payload": {}, "tags": {"kind": "test", "label": label}}})
    };
    let graph = json!({"build": task("build", json!({})),
                       "test": task("test", json!({"build": "build"}))});
    let hook = |name: &str, context: Value, payload: Value| {
        json!({"name": name, "title": name, "kind": "hook", "context": context,
               "hookGroupId": "project-x", "hookId": name, "hookPayload": payload})
    };
    // The reported case: 16 unclosed brackets in add-new-jobs' hookPayload.
    let brackets = json!({"$eval": format!("t{}askGroupId", "[".repeat(16))});
    let session = |add_new_jobs: Value| {
        let text = json!({"version": 1, "variables": {}, "actions": [
            hook("add-new-jobs", json!([]), add_new_jobs),
            hook("deep", json!([{}]), json!({"x": format!("${{{}1{}}}", "(".repeat(100), ")".repeat(100))})),
            hook("range", json!([{}]), json!({"n": {"$eval": "len(range(0, 100000000000))"}})),
            hook("retrigger", json!([{}]), json!({"task": {"$eval": "taskId"}, "n": {"$eval": "input.times"}})),
        ]});
        Session::from_parts(
            FullTaskGraph::parse(graph.to_string().into_bytes()).unwrap(),
            Context {
                decision_task_id: "DecisionTask0000000001".into(),
                run_id: 0,
                trust_domain: "x".into(),
                level: "1".into(),
                root_url: "http://127.0.0.1:1".into(),
                flavour: Flavour::Taskgraph,
                flavour_reason: "chosen by the user".into(),
            },
            [("build".to_string(), "BuildTask000000000001".to_string())].into(),
            json!({"project": "x", "level": "1"}),
            Default::default(),
            Some(actions::parse(text.to_string().as_bytes()).unwrap()),
        )
    };
    let now = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let labels = vec!["test".to_string()];

    let hostile = session(json!({"tid": brackets, "tasks": {"$eval": "input.tasks"}}));
    let preview = hostile
        .preview(&labels, 1, now, &mut CounterIds::golden())
        .unwrap();
    assert_eq!(
        preview.iterations[0].created.keys().collect::<Vec<_>>(),
        ["test"],
        "the preview stands"
    );
    assert_eq!(
        preview.iterations[0].reused["build"].task_id,
        "BuildTask000000000001"
    );
    let unavailable: Vec<_> = preview
        .warnings
        .iter()
        .filter(|w| w.kind == ACTION_UNAVAILABLE)
        .collect();
    assert_eq!(unavailable.len(), 1, "{:?}", preview.warnings);
    assert_eq!(
        unavailable[0].message,
        format!(
            "action \"add-new-jobs\" cannot be triggered: its hookPayload is not valid JSON-e: \
             Unexpected trailing characters {}askGroupId; these jobs cannot be triggered from \
             this push",
            "[".repeat(16)
        )
    );
    // The trigger fails with the same reason, and nothing is sent.
    let err = hostile
        .trigger_request(&labels, 1, "OwnTaskId000000000001")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("add-new-jobs\" cannot be triggered: its hookPayload is not valid JSON-e"),
        "{err}"
    );

    // The task's actions: the refused ones are unavailable before any input, the others not.
    let definition = json!({"tags": {"kind": "test"}});
    let offered = hostile
        .actions
        .as_ref()
        .unwrap()
        .available(Some(&serde_json::Map::new()));
    let why: Vec<(String, Option<String>)> = offered
        .iter()
        .map(|a| {
            let why = hostile.action_refusal(a, Some(("TestTask00000000000001", &definition)));
            (a.name.clone(), why.map(|e| e.to_string()))
        })
        .collect();
    assert_eq!(
        why,
        [
            ("deep".to_string(), Some("action \"deep\" is refused: its hookPayload goes beyond what JSON-e may do here: expression nested more than 64 levels deep".to_string())),
            ("range".to_string(), Some("action \"range\" is refused: its hookPayload goes beyond what JSON-e may do here: the render needs more than its 1000000 units of work".to_string())),
            // `input.times` fails on `{}`, but that depends on the input: still offered.
            ("retrigger".to_string(), None),
        ]
    );

    // A sound add-new-jobs: no warning, the same preview.
    let sound = session(json!({"tasks": {"$eval": "input.tasks"}, "group": "${taskGroupId}"}));
    let preview = sound
        .preview(&labels, 1, now, &mut CounterIds::golden())
        .unwrap();
    assert!(
        preview
            .warnings
            .iter()
            .all(|w| w.kind != ACTION_UNAVAILABLE),
        "{:?}",
        preview.warnings
    );
    assert!(sound
        .trigger_request(&labels, 1, "OwnTaskId000000000001")
        .is_ok());
}

/// Issue 24, the schema side: an action's input schema is untrusted too. With jsonschema 0.33
/// a `$ref` cycle (`x → y → x`) made validation allocate until the process was killed (the
/// CLI and the worker alike); an empty `$ref` overflowed the stack. Since 0.61 they validate
/// at once, and hostile patterns and remote references end with an answer or a clear error.
#[test]
fn hostile_action_schemas_validate_or_fail_cleanly() {
    let action = |schema: Value| {
        let text = json!({"version": 1, "actions": [{"name": "x", "kind": "hook", "context": [],
            "hookGroupId": "g", "hookId": "h", "hookPayload": {}, "schema": schema}]});
        actions::parse(text.to_string().as_bytes()).unwrap()
    };
    let check = |schema: Value, input: Value| {
        action(schema)
            .validate_any("x", &input)
            .map_err(|e| e.to_string())
    };
    let cycle = json!({"$defs": {"x": {"anyOf": [{"$ref": "#/$defs/y"}]},
                                 "y": {"anyOf": [{"$ref": "#/$defs/x"}]}},
                       "$ref": "#/$defs/x"});
    assert_eq!(check(cycle, json!({"tasks": []})), Ok(()));
    assert_eq!(check(json!({"$ref": ""}), json!(-1)), Ok(()));
    assert_eq!(
        check(json!({"$ref": "#", "properties": {"times": {"type": "integer"}}}), json!({"times": "2"})),
        Err("the input of action \"x\" does not match its schema: at /times: \"2\" is not of type \"integer\"".into())
    );
    let evil = format!("{}!", "a".repeat(40));
    assert_eq!(
        check(json!({"type": "string", "pattern": "^(a+)+\\1$"}), json!(evil)),
        Err(format!("the input of action \"x\" does not match its schema: \"{evil}\" does not match \"^(a+)+\\1$\""))
    );
    let remote = check(json!({"$ref": "http://127.0.0.1:1/x.json"}), json!(1)).unwrap_err();
    assert!(
        remote.starts_with("action \"x\" has an invalid schema: Resource 'http://127.0.0.1:1/x.json' is not present"),
        "{remote}"
    );
}

/// Two hook actions: `x`, whose schema wants an integer `times`, and `bad`, whose schema is not
/// one.
fn x_and_bad() -> actions::ActionsJson {
    let text = json!({"version": 1, "actions": [
        {"name": "x", "kind": "hook", "context": [], "hookGroupId": "g", "hookId": "h",
         "hookPayload": {}, "schema": {"type": "object", "properties": {"times": {"type": "integer"}}}},
        {"name": "bad", "kind": "hook", "context": [], "hookGroupId": "g", "hookId": "h",
         "hookPayload": {}, "schema": {"type": 12}}]});
    actions::parse(text.to_string().as_bytes()).unwrap()
}

/// An action's schema is compiled the first time an input is validated, and that one validator
/// answers every later input, of the action and of its clones, as a fresh one would.
#[test]
fn an_actions_schema_is_compiled_once_and_answers_every_input() {
    let parsed = x_and_bad();
    let x = parsed.find("x", None).unwrap();
    assert!(
        format!("{x:?}").contains("CompiledSchema(not yet)"),
        "{x:?}"
    );
    let wrong = "the input of action \"x\" does not match its schema: at /times: \"2\" is not of type \"integer\"";
    for _ in 0..3 {
        assert_eq!(x.validate(&json!({"times": 2})), Ok(()));
        assert_eq!(
            x.validate(&json!({"times": "2"}))
                .map_err(|e| e.to_string()),
            Err(wrong.to_string())
        );
    }
    assert!(
        format!("{x:?}").contains("CompiledSchema(compiled)"),
        "{x:?}"
    );
    let copy = x.clone();
    assert_eq!(&copy, x);
    assert_eq!(
        copy.validate(&json!({"times": "2"}))
            .map_err(|e| e.to_string()),
        Err(wrong.to_string())
    );
    let bad = parsed.find("bad", None).unwrap();
    let first = bad.validate(&json!({})).unwrap_err().to_string();
    assert!(
        first.starts_with("action \"bad\" has an invalid schema: "),
        "{first}"
    );
    assert_eq!(bad.validate(&json!({})).unwrap_err().to_string(), first);
    assert!(
        format!("{bad:?}").contains("CompiledSchema(invalid)"),
        "{bad:?}"
    );
}

/// A load compiles the add-new-jobs schema ahead (`compile_schemas`): only the actions of that
/// name, an invalid schema reported when an input meets it, as before.
#[test]
fn schemas_compiled_ahead_are_those_named_and_answer_as_before() {
    let parsed = x_and_bad();
    parsed.compile_schemas("x");
    let state = |name: &str| format!("{:?}", parsed.find(name, None).unwrap());
    assert!(
        state("x").contains("CompiledSchema(compiled)"),
        "{}",
        state("x")
    );
    assert!(
        state("bad").contains("CompiledSchema(not yet)"),
        "{}",
        state("bad")
    );
    parsed.compile_schemas("bad");
    assert!(
        state("bad").contains("CompiledSchema(invalid)"),
        "{}",
        state("bad")
    );
    let bad = parsed
        .validate_any("bad", &json!({}))
        .unwrap_err()
        .to_string();
    assert!(
        bad.starts_with("action \"bad\" has an invalid schema: "),
        "{bad}"
    );
    assert!(parsed.validate_any("x", &json!({"times": "2"})).is_err());
    assert_eq!(parsed.validate_any("x", &json!({"times": 2})), Ok(()));
}
