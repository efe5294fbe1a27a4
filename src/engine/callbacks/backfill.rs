//! gecko's `backfill-task` and `add-all-browsertime` (`gecko_taskgraph/actions/backfill.py` @
//! `016c8bc2`, the newest stored). Both run on the push they are triggered for: `backfill`
//! and `backfill-all-browsertime` trigger them on earlier pushes, which is why those two are
//! not previewed here (preview `backfill-task` on each earlier push instead).
//!
//! `backfill-task` creates one label (or, when that push lacks it, a chunk it hijacks:
//! `new_label`) with suffix `0` and `backfill_modifier`: `task_duplicates = times` when
//! `times > 1`, and with `test_manifests` the task runs the original's test paths, under the
//! symbol `<symbol>-<revision[:11]>-bk` in group `<group>-bk`, tagged `action: backfill-task`.
//! The modifier matches the *original* label only, so a hijacked chunk runs unmodified.

use serde_json::Value;

use super::{bad, Call, Calls};
use crate::engine::error::{Error, Warning};
use crate::engine::json::{is_falsy, value_type};
use crate::engine::model::FullTaskGraph;
use crate::engine::modifier::{BackfillRewrite, Modifier};
use crate::engine::parse::LabelToTaskId;

/// `new_label`: a label this push lacks is replaced by chunk 1 or the unnumbered task of the
/// same test (`<test>-<n>` → `<test>` or `<test>-1`).
fn new_label(graph: &FullTaskGraph, label: &str) -> Result<String, Error> {
    let Some((beginning, ending)) = label.rsplit_once('-') else {
        return Err(bad(format!(
            "backfill-task: {label:?} is not in this push's graph and has no chunk number (the \
             action fails)"
        )));
    };
    // Python's `str.isdigit`.
    if ending.is_empty() || !ending.chars().all(char::is_numeric) {
        return Err(bad(format!(
            "backfill-task: {label} was not found in the task-graph (the action fails)"
        )));
    }
    let chunk_one = format!("{beginning}-1");
    if graph.get(beginning).is_some() {
        Ok(beginning.to_string())
    } else if graph.get(&chunk_one).is_some() {
        Ok(chunk_one)
    } else {
        Err(bad(format!(
            "backfill-task: New label ({label}) was not found in the task-graph (neither \
             {beginning:?} nor {chunk_one:?} is in this push; the action fails)"
        )))
    }
}

/// `add_task_with_original_manifests` (`backfill-task`).
pub(super) fn backfill_task(
    graph: &FullTaskGraph,
    existing: &LabelToTaskId,
    input: &Value,
) -> Result<Calls, Error> {
    let label = match input.get("label") {
        Some(Value::String(l)) => l.clone(),
        _ => {
            return Err(bad(
                "backfill-task: input.label must be the label of the task to backfill".into(),
            ))
        }
    };
    let retrigger = input.get("retrigger").is_some_and(|v| !is_falsy(v));
    if !retrigger && existing.contains_key(&label) {
        return Ok(Calls {
            warnings: vec![Warning {
                kind: "backfill-skipped".into(),
                labels: vec![label.clone()],
                message: format!(
                    "this push already has {label}, and input.retrigger is not set: \
                     backfill-task skips the push and creates nothing"
                ),
            }],
            ..Calls::default()
        });
    }
    let mut warnings = Vec::new();
    let to_run = if graph.get(&label).is_some() {
        label.clone()
    } else {
        let hijacked = new_label(graph, &label)?;
        warnings.push(Warning {
            kind: "backfill-other-chunk".into(),
            labels: vec![hijacked.clone()],
            message: format!(
                "this push has no {label}; backfill-task runs {hijacked} instead, with its own \
                 symbol and test paths (gecko's modifier only changes a task labelled {label})"
            ),
        });
        hijacked
    };
    let times = match input.get("times") {
        None | Some(Value::Null) => 1,
        Some(v) => v.as_i64().ok_or_else(|| {
            bad(format!(
                "backfill-task: input.times must be an integer, not {v}"
            ))
        })?,
    };
    let mut modifier = Modifier::default();
    if times > 1 {
        modifier
            .duplicates
            .insert(label.clone(), u64::try_from(times).unwrap_or(1));
    }
    let manifests = input.get("test_manifests").cloned().unwrap_or(Value::Null);
    if !is_falsy(&manifests) {
        let revision = match input.get("revision") {
            Some(Value::String(r)) => r.clone(),
            _ => {
                return Err(bad(
                    "backfill-task: input.revision (the original push's revision, a string) \
                     is needed with test_manifests"
                        .into(),
                ))
            }
        };
        modifier.backfill = Some(BackfillRewrite {
            label,
            test_manifests: manifests,
            revision,
        });
    }
    Ok(Calls {
        calls: vec![Call {
            suffix: "0".into(),
            labels: vec![to_run],
            modifier,
        }],
        reruns: Vec::new(),
        warnings,
    })
}

/// `filter_raptor_jobs(full_task_graph, label_to_taskid, project)`, for
/// `add-all-browsertime` (`backfill.py` @ `016c8bc2`, lines 388-428), in its order: a test-kind
/// task whose `task.extra.suite` is `raptor` (396), that runs on the push's project (398,
/// `match_run_on_projects`), not on macOS 15 (402), a browsertime one (404) on a shippable
/// (406), non-Android (408) platform, not live, profiling or youtube-playback (411), of an
/// allowed app (416), and either firefox on a `64-shippable-qr/opt` platform (418) or geckoview
/// (424), that does not exist yet; one call, no suffix.
pub(super) fn add_all_browsertime(
    graph: &FullTaskGraph,
    existing: &LabelToTaskId,
    parameters: Option<&Value>,
) -> Result<Calls, Error> {
    // `parameters["project"]`: a KeyError upstream without it.
    let project = match parameters.and_then(|p| p.get("project")) {
        Some(Value::String(p)) => p.as_str(),
        Some(other) => {
            return Err(bad(format!(
                "parameters.project must be a string (add-all-browsertime reads it), found {}",
                value_type(other)
            )))
        }
        None => return Err(bad(
            "the parameters have no project (add-all-browsertime reads parameters[\"project\"])"
                .into(),
        )),
    };
    let mut to_run = Vec::new();
    for label in graph.labels_unsorted() {
        if graph.get(label).is_none_or(|t| t.kind != "test") {
            continue;
        }
        if wanted_by_filter_raptor_jobs(graph, label, project)? && !existing.contains_key(label) {
            to_run.push(label.to_string());
        }
    }
    Ok(Calls::of(vec![Call::plain(
        String::new(),
        super::sorted(to_run),
    )]))
}

/// `attributes.get(name, "")`, for the `in` and `endswith` tests of `filter_raptor_jobs`.
fn text_attribute(graph: &FullTaskGraph, label: &str, name: &str) -> Result<String, Error> {
    match graph.attribute(label, name) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(Error::BadField {
            label: label.to_string(),
            field: format!("attributes.{name}"),
            problem: format!(
                "must be a string (add-all-browsertime reads it), found {}",
                value_type(&other)
            ),
        }),
    }
}

/// gecko's `ALLOWED_PERFTEST_BACKFILL_APPS` (`backfill.py` @ `016c8bc2`, line 30).
const ALLOWED_PERFTEST_BACKFILL_APPS: [&str; 3] = ["firefox", "geckoview", "fenix"];

fn wanted_by_filter_raptor_jobs(
    graph: &FullTaskGraph,
    label: &str,
    project: &str,
) -> Result<bool, Error> {
    // 396: `entry.task.get("extra", {}).get("suite", "") != "raptor"`.
    let Some(idx) = graph.index_of(label) else {
        return Ok(false);
    };
    let task = graph.parse_task(idx)?;
    if task.pointer("/extra/suite").and_then(Value::as_str) != Some("raptor") {
        return Ok(false);
    }
    // 398: `match_run_on_projects(project, attributes.get("run_on_projects", []))`.
    let run_on = graph
        .attribute(label, "run_on_projects")
        .unwrap_or(Value::Array(Vec::new()));
    if !match_run_on_projects(project, &run_on).map_err(|problem| Error::BadField {
        label: label.to_string(),
        field: "attributes.run_on_projects".into(),
        problem,
    })? {
        return Ok(false);
    }
    let platform = text_attribute(graph, label, "test_platform")?;
    let try_name = text_attribute(graph, label, "raptor_try_name")?;
    if platform.contains("macosx1500")
        || !try_name.contains("browsertime")
        || !platform.contains("shippable")
        || platform.contains("android")
        || ["live", "profiling", "youtube-playback"]
            .iter()
            .any(|e| try_name.contains(e))
        || !ALLOWED_PERFTEST_BACKFILL_APPS
            .iter()
            .any(|app| try_name.contains(app))
    {
        return Ok(false);
    }
    Ok(
        (try_name.contains("firefox") && platform.ends_with("64-shippable-qr/opt"))
            || try_name.contains("geckoview"),
    )
}

/// gecko's `RUN_ON_PROJECT_ALIASES` and project sets (`util/attributes.py` @ `017f6d22`,
/// lines 7-58): whether the alias covers `project`.
fn alias_covers(alias: &str, project: &str) -> Option<bool> {
    const INTEGRATION: [&str; 1] = ["autoland"];
    const TRUNK: [&str; 3] = ["autoland", "mozilla-central", "comm-central"];
    const RELEASE: [&str; 8] = [
        "mozilla-central",
        "mozilla-beta",
        "mozilla-release",
        "mozilla-esr102",
        "mozilla-esr115",
        "comm-central",
        "comm-beta",
        "comm-esr102",
    ];
    let toolchains = project == "toolchains";
    Some(match alias {
        "all" => true,
        "integration" => INTEGRATION.contains(&project) || toolchains,
        "release" => RELEASE.contains(&project) || toolchains,
        "trunk" => TRUNK.contains(&project) || toolchains,
        "trunk-only" => TRUNK.contains(&project),
        "autoland" => project == "autoland" || toolchains,
        "autoland-only" => project == "autoland",
        "mozilla-central" => project == "mozilla-central" || toolchains,
        "mozilla-central-only" => project == "mozilla-central",
        _ => return None,
    })
}

/// gecko's `match_run_on_projects(project, run_on_projects)` (`util/attributes.py` line 81):
/// an alias in the list that covers the project, or the project itself. Python's `set()` and
/// `in` also take a string (its characters, then a substring test); anything else fails.
pub(crate) fn match_run_on_projects(project: &str, run_on: &Value) -> Result<bool, String> {
    match run_on {
        Value::Array(items) => {
            let mut names = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => names.push(s.as_str()),
                    // Unhashable in `set()`; other scalars never equal an alias or project.
                    Value::Array(_) | Value::Object(_) => {
                        return Err(format!(
                            "must be a list of project names, found a list holding {}",
                            value_type(item)
                        ))
                    }
                    _ => {}
                }
            }
            Ok(names.iter().any(|n| alias_covers(n, project) == Some(true))
                || names.contains(&project))
        }
        // `set("all")` is its characters: no alias; then a substring test.
        Value::String(s) => Ok(s.contains(project)),
        Value::Object(map) => {
            Ok(map.contains_key(project)
                || map.keys().any(|k| alias_covers(k, project) == Some(true)))
        }
        other => Err(format!(
            "must be a list of project names, found {}",
            value_type(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(label: &str, kind: &str, attributes: Value, suite: &str) -> Value {
        json!({"label": label, "kind": kind, "attributes": attributes, "dependencies": {},
               "optimization": null, "soft_dependencies": [], "if_dependencies": [],
               "task": {"metadata": {"name": label}, "payload": {"env": {}}, "tags": {"kind": kind},
                        "extra": {"suite": suite, "treeherder": {"symbol": "bt", "groupSymbol": "Btime"}},
                        "deadline": {"relative-datestamp": "1 day"}}})
    }

    fn graph() -> FullTaskGraph {
        let bt = |name: &str, platform: &str| json!({"raptor_try_name": name, "test_platform": platform, "run_on_projects": ["mozilla-central"]});
        let off = json!({"raptor_try_name": "browsertime-tp6-firefox-a", "test_platform": "linux1804-64-shippable-qr/opt",
                         "run_on_projects": ["autoland-only"]});
        let alias = json!({"raptor_try_name": "browsertime-tp6-firefox-b", "test_platform": "linux1804-64-shippable-qr/opt",
                           "run_on_projects": ["trunk"]});
        let g = json!({
            "bt-firefox-64": task("bt-firefox-64", "test", bt("browsertime-tp6-firefox-amazon", "linux1804-64-shippable-qr/opt"), "raptor"),
            "bt-firefox-32": task("bt-firefox-32", "test", bt("browsertime-tp6-firefox-amazon", "windows11-32-shippable-qr/opt"), "raptor"),
            "bt-geckoview": task("bt-geckoview", "test", bt("browsertime-tp6m-geckoview-cnn", "android-hw-a55-aarch64-shippable-qr/opt"), "raptor"),
            "bt-geckoview-linux": task("bt-geckoview-linux", "test", bt("browsertime-tp6m-geckoview-cnn", "linux1804-64-shippable/opt"), "raptor"),
            "bt-macos15": task("bt-macos15", "test", bt("browsertime-tp6-firefox-amazon", "macosx1500-64-shippable-qr/opt"), "raptor"),
            "bt-fenix": task("bt-fenix", "test", bt("browsertime-tp6m-fenix-cnn", "linux1804-64-shippable-qr/opt"), "raptor"),
            "bt-live": task("bt-live", "test", bt("browsertime-tp6-live-firefox", "linux1804-64-shippable-qr/opt"), "raptor"),
            "bt-debug": task("bt-debug", "test", bt("browsertime-tp6-firefox-x", "linux1804-64-qr/debug"), "raptor"),
            "bt-talos": task("bt-talos", "test", bt("browsertime-firefox-x", "linux1804-64-shippable-qr/opt"), "talos"),
            "bt-existing": task("bt-existing", "test", bt("browsertime-firefox-y", "macosx1015-64-shippable-qr/opt"), "raptor"),
            "bt-off-project": task("bt-off-project", "test", off, "raptor"),
            "bt-trunk": task("bt-trunk", "test", alias, "raptor"),
            "bt-build": task("bt-build", "build", bt("browsertime-firefox-z", "linux1804-64-shippable-qr/opt"), "raptor"),
            "mochitest-1": task("mochitest-1", "test", json!({}), "mochitest"),
            "xpcshell": task("xpcshell", "test", json!({}), "xpcshell"),
        });
        FullTaskGraph::parse(g.to_string().into_bytes()).unwrap()
    }

    fn existing() -> LabelToTaskId {
        [("bt-existing", "E1"), ("mochitest-1", "M1")]
            .into_iter()
            .map(|(l, t)| (l.to_string(), t.to_string()))
            .collect()
    }

    /// `filter_raptor_jobs` @ 016c8bc2: test kind, extra.suite raptor, on the project (an
    /// alias counts), not macOS 15, browsertime, shippable, not Android, not
    /// live/profiling/youtube-playback, an allowed app, firefox on 64-bit shippable-qr or
    /// geckoview (shippable without qr too), not existing.
    #[test]
    fn add_all_browsertime_filters_like_filter_raptor_jobs() {
        let params = json!({"project": "mozilla-central"});
        let calls = add_all_browsertime(&graph(), &existing(), Some(&params))
            .unwrap()
            .calls;
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].suffix, "");
        assert_eq!(
            calls[0].labels,
            ["bt-firefox-64", "bt-geckoview-linux", "bt-trunk"]
        );
        assert_eq!(calls[0].modifier, Modifier::default());
        // On autoland: only the autoland-only task and the trunk alias.
        let params = json!({"project": "autoland"});
        let calls = add_all_browsertime(&graph(), &existing(), Some(&params))
            .unwrap()
            .calls;
        assert_eq!(calls[0].labels, ["bt-off-project", "bt-trunk"]);
        // No project: upstream's KeyError, named.
        let err = add_all_browsertime(&graph(), &existing(), Some(&json!({}))).unwrap_err();
        assert!(
            err.to_string().contains("parameters have no project"),
            "{err}"
        );
    }

    #[test]
    fn match_run_on_projects_follows_python() {
        let m = |run_on: Value| match_run_on_projects("autoland", &run_on);
        assert_eq!(m(json!(["all"])), Ok(true));
        assert_eq!(m(json!(["integration"])), Ok(true));
        assert_eq!(m(json!(["release"])), Ok(false));
        assert_eq!(m(json!(["autoland"])), Ok(true));
        assert_eq!(m(json!([])), Ok(false));
        assert_eq!(m(json!([1, "trunk-only"])), Ok(true));
        // A string is a set of characters, then a substring test.
        assert_eq!(m(json!("autoland,try")), Ok(true));
        assert_eq!(m(json!("all")), Ok(false));
        assert!(m(json!(null)).is_err());
        assert!(m(json!([["x"]])).is_err());
        assert_eq!(
            match_run_on_projects("toolchains", &json!(["trunk"])),
            Ok(true)
        );
        assert_eq!(
            match_run_on_projects("toolchains", &json!(["trunk-only"])),
            Ok(false)
        );
    }

    #[test]
    fn backfill_task_skips_reruns_and_hijacks_chunks() {
        let (g, e) = (graph(), existing());
        // Already there and no retrigger: skipped, nothing created.
        let done = backfill_task(&g, &e, &json!({"label": "mochitest-1"})).unwrap();
        assert!(done.calls.is_empty());
        assert_eq!(done.warnings[0].kind, "backfill-skipped");
        // With retrigger, times 3 and test paths: one call, suffix 0, the rewrite.
        let input = json!({"label": "mochitest-1", "retrigger": true, "times": 3,
                           "revision": "0123456789abcdef", "test_manifests": {"mochitest-plain": ["dom/a.toml"]}});
        let done = backfill_task(&g, &e, &input).unwrap();
        assert_eq!(done.calls.len(), 1);
        let call = &done.calls[0];
        assert_eq!(
            (call.suffix.as_str(), call.labels.clone()),
            ("0", vec!["mochitest-1".to_string()])
        );
        assert_eq!(call.modifier.duplicates_of("mochitest-1"), Some(3));
        let rewrite = call.modifier.backfill.as_ref().unwrap();
        assert_eq!(rewrite.revision, "0123456789abcdef");
        // times 1 sets no task_duplicates; no test paths, no rewrite.
        let done = backfill_task(&g, &e, &json!({"label": "xpcshell", "times": 1})).unwrap();
        assert_eq!(done.calls[0].modifier, Modifier::default());
        // A chunk this push lacks: chunk 1 (or the unnumbered task) runs, unmodified.
        let input = json!({"label": "mochitest-7", "retrigger": true, "times": 2, "revision": "r", "test_manifests": ["a"]});
        let done = backfill_task(&g, &e, &input).unwrap();
        assert_eq!(done.calls[0].labels, ["mochitest-1"]);
        assert_eq!(done.warnings[0].kind, "backfill-other-chunk");
        assert_eq!(done.calls[0].modifier.duplicates_of("mochitest-1"), None);
        let input = json!({"label": "xpcshell-2", "retrigger": true});
        assert_eq!(
            backfill_task(&g, &e, &input).unwrap().calls[0].labels,
            ["xpcshell"]
        );
        for (label, needle) in [
            ("reftest-2", "New label (reftest-2)"),
            ("reftest-a", "reftest-a was not found"),
            ("nodash", "no chunk number"),
        ] {
            let e = backfill_task(&g, &e, &json!({"label": label})).unwrap_err();
            assert!(e.to_string().contains(needle), "{e}");
        }
        let e = backfill_task(
            &g,
            &e,
            &json!({"label": "xpcshell", "retrigger": 1, "test_manifests": ["a"]}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("input.revision"), "{e}");
    }
}
