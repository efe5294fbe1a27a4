//! The page's decisions, natively: what each message changes and which effects it asks for.
#![cfg(test)]

use serde_json::json;

use super::*;
use crate::ui::actions::ActionField;
use crate::ui::signin::SignedIn;

/// The grid while the push loads: counts, task states, rows drawn in frames.
mod grid;

fn page(query: &str) -> Page {
    Page::new(
        UrlState::parse(query),
        "http://tc.example".into(),
        Default::default(),
    )
}

/// The worker calls among `effects`: (op, args).
fn calls(effects: &[Effect]) -> Vec<(&'static str, serde_json::Value)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call { op, args, .. } => Some((*op, args.clone())),
            _ => None,
        })
        .collect()
}

/// Answers the first call among `effects` with `answer`, and handles the message it makes.
fn answer(page: &mut Page, effects: Vec<Effect>, op: &str, answer: &str) -> (bool, Vec<Effect>) {
    let reply = effects
        .into_iter()
        .find_map(|e| match e {
            Effect::Call { op: o, reply, .. } if o == op => Some(reply),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {op} call"));
    page.update(reply(Ok(answer.to_string())))
}

/// Sends the messages of every `Later` effect, and of those they make in turn, as the
/// browser's tasks would: whether the last one renders, and the other effects.
fn settle(page: &mut Page, effects: Vec<Effect>) -> (bool, Vec<Effect>) {
    let (mut pending, mut rest): (Vec<Effect>, Vec<Effect>) = effects
        .into_iter()
        .partition(|e| matches!(e, Effect::Later(..)));
    let mut render = false;
    while let Some(Effect::Later(_, msg)) = pending.pop() {
        let (r, more) = page.update(msg);
        render = r;
        for e in more {
            if matches!(e, Effect::Later(..)) {
                pending.push(e);
            } else {
                rest.push(e);
            }
        }
    }
    (render, rest)
}

/// Sends the message of the first `Later` effect.
fn later(page: &mut Page, effects: Vec<Effect>) -> (bool, Vec<Effect>) {
    let msg = effects
        .into_iter()
        .find_map(|e| match e {
            Effect::Later(_, m) => Some(m),
            _ => None,
        })
        .expect("a message for later");
    page.update(msg)
}

fn summary() -> String {
    json!({
        "decisionTaskId": "D", "runId": 0, "rootUrl": "http://tc.example", "trustDomain": "gecko",
        "level": "3", "flavour": "gecko", "flavourReason": "r", "tasks": 3, "edges": 2, "existing": 1,
        "project": "try", "revision": "abc", "owner": "me", "pushlogId": "1",
        "mergedFrom": [], "hasAddNewJobs": true, "warnings": []
    })
    .to_string()
}

/// The picks' trigger dialog, open, with credentials given.
fn signed_in_dialog() -> Page {
    let mut page = ready_with_pick();
    page.flow.credentials = ("me".into(), "secret".into(), String::new());
    page.update(Msg::Trigger(TriggerMsg::OpenTrigger));
    page
}

/// The worker's error of `kind`, about no label.
fn api_error(kind: &str, message: &str) -> ApiError {
    ApiError {
        kind: kind.into(),
        message: message.into(),
        labels: vec![],
    }
}

fn job(label: &str, state: &str) -> serde_json::Value {
    json!({"label": label, "kind": "test", "symbol": "t", "platform": "linux64",
           "option": "opt", "tier": 1, "state": state})
}

fn preview(labels: &[&str]) -> String {
    let created: serde_json::Map<String, serde_json::Value> = labels
        .iter()
        .map(|l| (l.to_string(), json!("id")))
        .collect();
    json!({"requested": labels, "times": 1, "closure": labels,
           "iterations": [{"created": created, "reused": {}, "removed": {}}],
           "warnings": []})
    .to_string()
}

fn key(k: &str) -> Key {
    Key {
        key: k.into(),
        typing: false,
        modified: false,
    }
}

#[test]
fn a_load_goes_from_the_early_grid_to_the_graphs_own_grid_and_previews_picks_on_the_way() {
    let mut page = page("?decisionTaskId=D&select=test-a");
    let effects = page.start();
    let mut prefetch = crate::taskcluster::first_requests("http://tc.example", "D");
    prefetch.push(
        "http://tc.example/api/queue/v1/task/D/runs/0/artifacts/public/full-task-graph.json".into(),
    );
    let load = json!({"rootUrl": "http://tc.example", "decisionTaskId": "D", "prefetch": prefetch});
    assert_eq!(calls(&effects), vec![("load", load)]);
    assert!(matches!(page.push.phase, Phase::Loading(_)));
    let seq = page.push.seq;
    // The early grid, in one page: grouped in a task of its own.
    let early = json!({"offset": 0, "total": 2, "jobs": [job("test-a", "runnable"), job("test-b", "completed")],
                       "listing": {"listed": 0, "done": false}});
    let (_, effects) = page.update(Msg::Push(PushMsg::Progress(
        seq,
        LoadEvent::Jobs(early.to_string()),
    )));
    assert!(page.push.early_grid);
    assert_eq!(page.push.runnable, 1);
    assert!(page.push.rows.is_empty(), "grouped later");
    // Grouped in tasks of their own, then drawn in one more.
    let (render, effects) = later(&mut page, effects);
    assert!(!render && page.push.rows.is_empty());
    let (render, _) = settle(&mut page, effects);
    assert!(render);
    assert_eq!(page.push.rows.len(), 1);
    assert!(page.push.grid_shown());
    assert_eq!(page.push.waiting_for().as_deref(), Some("the task graph"));
    // The push is ready for previews: the pick from the URL is previewed at once.
    let (_, effects) = page.update(Msg::Push(PushMsg::Progress(
        seq,
        LoadEvent::Ready(summary()),
    )));
    assert_eq!(
        calls(&effects)[0],
        (
            "preview",
            json!({"labels": ["test-a"], "times": 1, "definitions": false, "withKinds": true})
        )
    );
    assert!(page.picks.previewing);
    // The load ends while the preview is on its way: the graph's grid waits for it.
    let (_, loaded) = {
        let mut effects = effects;
        let (r, mut more) = page.update(Msg::Push(PushMsg::Loaded(seq, Ok(summary()))));
        effects.append(&mut more);
        (r, effects)
    };
    assert!(matches!(
        page.push.phase,
        Phase::Grid {
            after_preview: true,
            ..
        }
    ));
    assert!(!calls(&loaded).iter().any(|(op, _)| *op == "jobsPage"));
    let (_, effects) = answer(&mut page, loaded, "preview", &preview(&["test-a"]));
    let ops: Vec<_> = calls(&effects).into_iter().map(|(op, _)| op).collect();
    assert_eq!(ops, vec!["jobsPage", "graphView"]);
    assert_eq!(page.picks.preview.as_ref().map(|p| p.counts().0), Some(1));
    // The graph's grid in one page replaces the early one once grouped.
    let grid = json!({"total": 3, "jobs": [job("test-a", "runnable"), job("test-b", "completed"), job("test-c", "runnable")]});
    let (_, effects) = answer(&mut page, effects, "jobsPage", &grid.to_string());
    assert!(!page.push.early_grid);
    assert_eq!(page.push.runnable, 2);
    let (render, effects) = settle(&mut page, effects);
    assert!(render, "drawn once grouped");
    assert_eq!(page.push.phase, Phase::Ready);
    assert!(calls(&effects).is_empty(), "the preview on screen stays");
}

#[test]
fn news_of_an_older_load_is_dropped_and_a_failed_load_leaves_nothing_half_loaded() {
    let mut page = page("?decisionTaskId=D");
    page.start();
    let old = page.push.seq;
    page.update(Msg::Push(PushMsg::Load));
    let (render, effects) = page.update(Msg::Push(PushMsg::Loaded(old, Ok(summary()))));
    assert!(!render && effects.is_empty());
    assert!(page.push.summary.is_none());
    let seq = page.push.seq;
    page.update(Msg::Push(PushMsg::Progress(
        seq,
        LoadEvent::Ready(summary()),
    )));
    assert!(page.push.summary.is_some());
    page.update(Msg::Push(PushMsg::Loaded(
        seq,
        Err(api_error("expired", "gone")),
    )));
    assert!(page.push.summary.is_none());
    match &page.push.phase {
        Phase::Failed(Some(why)) => assert!(why.contains("an expired push cannot be previewed")),
        other => panic!("{other:?}"),
    }
    // Retry starts a new load.
    let (_, effects) = page.update(Msg::Push(PushMsg::RetryLoad));
    assert_eq!(calls(&effects)[0].0, "load");
    assert!(matches!(page.push.phase, Phase::Loading(_)));
}

#[test]
fn an_empty_form_is_refused_without_loading() {
    let mut page = page("");
    page.push.form_root = " ".into();
    let (_, effects) = page.update(Msg::Push(PushMsg::Load));
    assert!(calls(&effects).is_empty());
    assert_eq!(
        page.errors,
        vec!["Give a Taskcluster root URL and a decision taskId."]
    );
}

#[test]
fn shortcuts_never_fire_while_typing_or_in_a_dialog() {
    let mut page = page("?select=test-a");
    page.push.summary = Some(std::rc::Rc::new(
        serde_json::from_str(&summary()).expect("summary"),
    ));
    // Typing an x in an input does not clear the picks.
    let (_, _, effects) = page.on_key(&Key {
        typing: true,
        ..key("x")
    });
    assert!(effects.is_empty());
    assert_eq!(page.labels(), vec!["test-a"]);
    // `/` opens the search (and the browser does not type it).
    assert!(page.on_key(&key("/")).1);
    assert!(page.picks.search_open && page.dialog_open());
    for k in ["x", "a", "r", "f"] {
        let (render, prevent, effects) = page.on_key(&key(k));
        assert!(!render && !prevent && effects.is_empty(), "{k}");
    }
    assert_eq!(page.labels(), vec!["test-a"]);
    // Escape closes it; then x clears.
    page.on_key(&key("Escape"));
    assert!(!page.dialog_open());
    let (_, _, effects) = page.on_key(&key("x"));
    assert!(page.labels().is_empty());
    assert!(matches!(effects.last(), Some(Effect::Url(q)) if !q.contains("select=")));
}

#[test]
fn the_quick_filter_applies_after_a_pause() {
    let mut page = page("");
    let (render, effects) = page.update(Msg::Push(PushMsg::FilterText("linux".into())));
    assert!(!render);
    assert!(matches!(effects[..], [Effect::FilterTimer(150)]));
    assert_eq!(page.push.filter.text, "");
    page.update(Msg::Push(PushMsg::ApplyFilter));
    assert_eq!(page.push.filter.text, "linux");
    assert!(page.push.groups_expanded());
}

fn ready_with_pick() -> Page {
    let mut page = page("?decisionTaskId=D&select=test-a&rootUrl=http://tc.example");
    page.start();
    page.push.summary = Some(std::rc::Rc::new(
        serde_json::from_str(&summary()).expect("summary"),
    ));
    page.push.phase = Phase::Ready;
    page.picks.preview = Some(std::rc::Rc::new(
        serde_json::from_str(&preview(&["test-a"])).expect("preview"),
    ));
    page
}

const PICKS_REQUEST: &str = r#"{"action": "add-new-jobs", "input": {"tasks": ["test-a"]}}"#;

fn picks_request() -> serde_json::Value {
    serde_json::from_str(PICKS_REQUEST).expect("request")
}

#[test]
fn the_picks_trigger_is_the_add_new_jobs_action_needs_credentials_and_sends_once() {
    let mut page = ready_with_pick();
    // The Trigger button opens the action dialog for add-new-jobs of the picks: previewed by
    // the page already, only its request is rendered (as Treeherder sends it: times 1 left out).
    let (_, effects) = page.update(Msg::Trigger(TriggerMsg::OpenTrigger));
    assert_eq!(
        calls(&effects),
        vec![("actionTriggerRequest", picks_request())]
    );
    let action = page.flow.action.as_ref().expect("the dialog");
    assert!(action.picks);
    assert_eq!(action.name, "add-new-jobs");
    let rendered = json!({"method": "POST", "url": "http://tc.example/api/hooks/v1/hooks/project-gecko/in-tree-action-3-generic%2Fabc/trigger",
        "trigger": {"hookGroupId": "project-gecko", "hookId": "in-tree-action-3-generic/abc", "hookPayload": {}}});
    answer(
        &mut page,
        effects,
        "actionTriggerRequest",
        &rendered.to_string(),
    );
    let action = page.flow.action.as_ref().expect("the dialog");
    assert_eq!(
        action.hook,
        Some((
            "project-gecko".into(),
            "in-tree-action-3-generic/abc".into()
        ))
    );
    assert_eq!(action.rendered, Some(rendered.to_string()));
    let (_, effects) = page.update(Msg::Trigger(TriggerMsg::ConfirmAction));
    assert!(calls(&effects).is_empty());
    assert_eq!(
        page.flow.action.as_ref().and_then(|t| t.error.as_deref()),
        Some(trigger::MISSING_CREDENTIALS)
    );
    page.update(Msg::Trigger(TriggerMsg::Credential(
        "clientId",
        "me".into(),
    )));
    page.update(Msg::Trigger(TriggerMsg::Credential(
        "accessToken",
        "secret".into(),
    )));
    assert_eq!(
        page.flow.action.as_ref().and_then(|t| t.error.clone()),
        None
    );
    let (_, effects) = page.update(Msg::Trigger(TriggerMsg::ConfirmAction));
    assert!(matches!(&effects[0], Effect::SaveCredentials(id, ..) if id == "me"));
    assert_eq!(
        calls(&effects),
        vec![(
            "triggerAction",
            json!({"request": picks_request(),
                   "credentials": {"clientId": "me", "accessToken": "secret"}})
        )]
    );
    // A second click while the first is on its way sends nothing.
    let (_, again) = page.update(Msg::Trigger(TriggerMsg::ConfirmAction));
    assert!(again.is_empty());
    // Triggered: the action task is followed, and what it did is said.
    let (_, follow) = answer(&mut page, effects, "triggerAction", "ActionTask1");
    assert!(page.flow.action.is_none());
    assert_eq!(
        page.flow.status,
        Some(Status::Following("ActionTask1".into()))
    );
    let compared = json!({"actionTaskId": "ActionTask1", "state": "completed", "differences": [],
                          "definitionsChecked": 1, "summary": "Preview matched"});
    answer(&mut page, follow, "follow", &compared.to_string());
    assert!(
        matches!(&page.flow.status, Some(Status::Compared(c)) if c.summary == "Preview matched")
    );
}

#[test]
fn the_picks_times_in_the_dialog_preview_the_page_again_and_render_the_request_again() {
    let mut page = ready_with_pick();
    page.update(Msg::Trigger(TriggerMsg::OpenTrigger));
    let (_, effects) = page.update(Msg::Trigger(TriggerMsg::ActionInput(ActionField::Times(3))));
    assert_eq!(page.url.times, 3);
    let ops = calls(&effects);
    assert_eq!(ops[0].0, "preview");
    assert_eq!(ops[0].1["times"], 3);
    assert_eq!(
        ops[1],
        (
            "actionTriggerRequest",
            json!({"action": "add-new-jobs", "input": {"tasks": ["test-a"], "times": 3}})
        )
    );
    assert_eq!(
        page.flow.action.as_ref().map(|a| a.rendered.is_none()),
        Some(true)
    );
}

#[test]
fn the_picks_request_that_cannot_be_rendered_is_said_and_nothing_can_be_sent() {
    let mut page = signed_in_dialog();
    page.update(Msg::Trigger(TriggerMsg::ActionHook(Err(api_error(
        "action",
        "add-new-jobs: input.tasks: not an array",
    )))));
    let action = page.flow.action.as_ref().expect("the dialog stays");
    assert_eq!(action.rendered, None);
    assert_eq!(action.hook, None);
    assert_eq!(
        action.error.as_deref(),
        Some("add-new-jobs: input.tasks: not an array [action]")
    );
}

#[test]
fn a_failed_trigger_stays_in_the_dialog_saying_nothing_was_created() {
    let mut page = signed_in_dialog();
    page.update(Msg::Trigger(TriggerMsg::ConfirmAction));
    page.update(Msg::Trigger(TriggerMsg::ActionTriggered(Err(api_error(
        "trigger",
        "answered 401",
    )))));
    let action = page.flow.action.as_ref().expect("the dialog stays");
    assert!(!action.sending);
    assert_eq!(
        action.error.as_deref(),
        Some("The trigger failed: answered 401 [trigger]. Check your clientId and accessToken. Nothing was created; you can try again.")
    );
    assert_eq!(page.flow.status, None);
}

#[test]
fn a_trigger_without_an_answer_sends_the_sheriff_to_the_task_group() {
    let mut page = signed_in_dialog();
    page.update(Msg::Trigger(TriggerMsg::ConfirmAction));
    page.update(Msg::Trigger(TriggerMsg::ActionTriggered(Err(api_error(
        "trigger-no-answer",
        "timed out",
    )))));
    assert_eq!(
        page.flow.status,
        Some(Status::Unsure {
            message: "timed out".into(),
            group: "D".into()
        })
    );
    assert!(page.flow.action.is_none());
}

#[test]
fn a_signed_in_sheriff_triggers_with_the_issued_credentials_until_they_expire() {
    let mut page = ready_with_pick();
    page.flow.signed_in = Some(SignedIn {
        root_url: "http://tc.example".into(),
        client_id: "mozilla-auth0/me/taskgraph-preview-x".into(),
        access_token: "tok".into(),
        certificate: None,
        expires: "2026-12-07T12:00:00.000Z".into(),
        scopes: Some(vec!["hooks:trigger-hook:project-gecko/*".into()]),
    });
    page.update(Msg::Trigger(TriggerMsg::OpenTrigger));
    page.update(Msg::Trigger(TriggerMsg::ActionHook(Ok(json!({
        "trigger": {"hookGroupId": "project-gecko", "hookId": "in-tree-action-3-generic/abc", "hookPayload": {}}
    })
    .to_string()))));
    // 2026-12-07T11:00Z: an hour before they expire.
    page.now_ms = 1796641200000.0;
    let (_, effects) = page.update(Msg::Trigger(TriggerMsg::ConfirmAction));
    assert_eq!(
        calls(&effects)[0].1["credentials"],
        json!({"clientId": "mozilla-auth0/me/taskgraph-preview-x", "accessToken": "tok"})
    );
    // Past the expiry (less a minute's margin): sign in again.
    let mut page2 = ready_with_pick();
    page2.flow.signed_in = page.flow.signed_in.clone();
    page2.now_ms = 1796644770000.0;
    page2.update(Msg::Trigger(TriggerMsg::OpenTrigger));
    let (_, effects) = page2.update(Msg::Trigger(TriggerMsg::ConfirmAction));
    assert!(calls(&effects).is_empty());
    assert!(page2.flow.signed_in.is_none());
    assert_eq!(
        page2.flow.action.and_then(|t| t.error),
        Some("Your Taskcluster sign-in has expired: sign in again.".into())
    );
}

#[test]
fn a_sign_in_answer_for_another_request_is_ignored() {
    let mut page = ready_with_pick();
    let (_, effects) = page.update(Msg::Trigger(TriggerMsg::SignIn(vec![
        "hooks:trigger-hook:*".into(),
    ])));
    assert!(
        matches!(&effects[..], [Effect::OpenSignIn { root_url, client_id, .. }]
        if root_url == "http://tc.example" && client_id == "taskgraph-preview")
    );
    let pending = Pending {
        state: "s1".into(),
        root_url: "http://tc.example".into(),
        client_id: "taskgraph-preview".into(),
        redirect_uri: "http://page/login/callback.html".into(),
    };
    page.update(Msg::Trigger(TriggerMsg::SignInOpened(Ok(pending))));
    let (_, effects) = page.update(Msg::Trigger(TriggerMsg::LoginCallback(
        Some("code".into()),
        "forged".into(),
        None,
    )));
    assert!(effects.is_empty());
    assert!(page.flow.signin_pending.is_some());
    assert!(page
        .flow
        .signin_error
        .as_deref()
        .is_some_and(|e| e.contains("did not match")));
    let (_, effects) = page.update(Msg::Trigger(TriggerMsg::LoginCallback(
        Some("code".into()),
        "s1".into(),
        None,
    )));
    assert!(
        matches!(&effects[..], [Effect::Exchange(p, code)] if p.state == "s1" && code == "code")
    );
    assert_eq!(page.flow.signin_error, None);
}

#[test]
fn retrigger_picks_retrigger_multiple_and_opens_its_dialog_with_a_preview() {
    let mut page = ready_with_pick();
    page.update(Msg::Jobs(JobMsg::SelectJob(("test-b".into(), true))));
    assert_eq!(page.retrigger_tasks(), vec!["test-b"]);
    let (_, _, effects) = page.on_key(&key("r"));
    let offered = json!([
        {"name": "add-new-jobs", "title": "Add new jobs", "cbName": "add_new_jobs", "preview": null,
         "description": "", "schema": null, "unavailable": null},
        {"name": "retrigger-multiple", "title": "Retrigger", "cbName": "retrigger_multiple", "preview": null,
         "description": "", "schema": null, "unavailable": null}
    ]);
    let (_, effects) = answer(&mut page, effects, "actionsFor", &offered.to_string());
    assert_eq!(
        page.flow.action.as_ref().map(|a| a.name.as_str()),
        Some("retrigger-multiple")
    );
    assert_eq!(
        calls(&effects),
        vec![
            (
                "previewAction",
                json!({"action": "retrigger-multiple",
                       "input": {"requests": [{"tasks": ["test-b"], "times": 1}]},
                       "definitions": false})
            ),
            (
                "actionTriggerRequest",
                json!({"action": "retrigger-multiple",
                       "input": {"requests": [{"tasks": ["test-b"], "times": 1}]}})
            ),
        ]
    );
    // With the action dialog open, shortcuts are off.
    assert!(page.dialog_open());
}

#[test]
fn the_loading_bar_speaks_of_what_loads_not_of_urls() {
    let graph =
        "http://tc.example/api/queue/v1/task/D/runs/0/artifacts/public/full-task-graph.json";
    let p = |step: &str, loaded: Option<f64>, total: Option<f64>| {
        LoadEvent::from_fields(step.into(), loaded, total, None, None)
    };
    assert_eq!(
        loading_words(&p(graph, Some(8_140_000.0), Some(22_000_000.0))),
        "loading the task graph: 37 % of 22.0 MB"
    );
    assert_eq!(
        loading_words(&p(graph, Some(3_100_000.0), None)),
        "loading the task graph: 3.1 MB so far"
    );
    let nothing_yet = loading_words(&p(graph, Some(0.0), None));
    assert_eq!(nothing_yet, "loading the task graph…");
    let listing = "http://tc.example/api/queue/v1/task-group/D/list?continuationToken=5000";
    assert_eq!(
        loading_words(&p(listing, Some(3_100_000.0), Some(3_100_000.0))),
        "loading the push's task group: 100 % of 3.1 MB"
    );
    assert_eq!(
        loading_words(&p("decision task D", None, None)),
        "loading the decision task D…"
    );
    assert_eq!(
        step_words("label-to-taskid.json of 2 earlier actions and cron tasks"),
        "the tasks of 2 earlier actions and cron tasks"
    );
    assert_eq!(step_words("actions.json"), "the push's actions");
}
