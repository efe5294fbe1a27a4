//! Pushes laid out in a stand-in folder: the bundled samples (NSS's and application-services'
//! real pushes, a generated 50,000-task gecko push) and any push from a folder of its
//! decision's artifacts.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::routes::read_json;

/// The pushes `standin --sample` serves: NSS's real push (every task reports to Treeherder;
/// the page's default), application-services' real push, a generated 50k-task gecko push.
pub const SAMPLE_NSS: &str = "NssSampleDecision00001";
pub const SAMPLE_REAL: &str = "AppServicesDecision001";
pub const SAMPLE_GENERATED: &str = "GeckoSyntheticDecision";
/// A sample decision task's definition, with every field the queue's task schema requires
/// (what `queue.task` answers for a real one).
pub(crate) fn decision_task(scheduler_id: &str, id: &str) -> Value {
    json!({
        "provisionerId": "stand-in", "workerType": "decision", "taskQueueId": "stand-in/decision",
        "schedulerId": scheduler_id, "projectId": "none", "taskGroupId": id, "dependencies": [],
        "requires": "all-completed", "routes": [], "priority": "lowest", "retries": 5,
        "created": "2025-12-01T00:00:00.000Z", "deadline": "2025-12-02T00:00:00.000Z",
        "expires": "3000-01-01T00:00:00.000Z", "scopes": [], "payload": {},
        "metadata": {"name": "Decision Task", "description": "a sample push's decision task",
                     "owner": "sheriff@mozilla.com", "source": "https://example.com"},
        "tags": {"kind": "decision-task"}, "extra": {},
    })
}

/// The version of the sample layout (bumped when what `write_samples` writes changes).
pub(crate) const SAMPLE_LAYOUT: &str =
    "8: whole decision definitions, unique ids, actions.json of taskgraph (+ gecko's own on gecko), tags and treeherder in group.json, gecko history, raptor attributes with run_on_projects and macOS 15, gecko target-tasks.json";
/// The Firefox-shaped sample's earlier add-new-jobs action and cron task.
pub const SAMPLE_GECKO_ACTION: &str = "GeckoEarlierAction0001";
pub const SAMPLE_GECKO_CRON: &str = "GeckoCronTask000000001";

/// A push to lay out in a stand-in folder.
pub struct PushFiles<'a> {
    pub decision_task_id: &'a str,
    pub scheduler_id: &'a str,
    pub full_task_graph: &'a [u8],
    pub label_to_taskid: &'a [u8],
    pub parameters: &'a Value,
    /// `{"index": {...}, "statuses": {...}}` answers to serve.
    pub index: Option<&'a Value>,
    /// Also list the existing tasks in the task group (`tasks/<decision>/group.json`), with
    /// states drawn deterministically from their labels, so the grid has real-looking jobs.
    pub group: bool,
    /// Earlier action and cron tasks of the push, each with its own `label-to-taskid.json`.
    pub earlier_runs: &'a [EarlierRun],
    /// More index entries (path → taskId), e.g. where gecko looks the decision up.
    pub index_entries: &'a [(String, String)],
    /// The decision's `target-tasks.json`, if it has one to serve.
    pub target_tasks: Option<&'a [String]>,
}

/// An action or cron task that already ran on a sample push.
#[derive(Debug, Clone)]
pub struct EarlierRun {
    pub task_id: String,
    /// `action-callback` or `cron-task`.
    pub kind: &'static str,
    /// The index path it is listed under (its namespace plus its own taskId).
    pub index_path: String,
    pub label_to_taskid: BTreeMap<String, String>,
}

/// A plausible state for an existing sample task: mostly completed, some failed, a few still
/// running or pending (from a hash of the label, so every run shows the same push).
pub(crate) fn sample_state(label: &str) -> &'static str {
    let hash = label.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    match hash % 100 {
        0..=4 => "failed",
        5 => "exception",
        6..=8 => "running",
        9..=10 => "pending",
        _ => "completed",
    }
}

/// Writes a push into a stand-in folder: the decision task, its artifacts (including an
/// `actions.json` with an `add-new-jobs` hook action built like taskgraph's), index entries and
/// task statuses.
pub fn write_push(dir: &Path, push: &PushFiles<'_>) -> std::io::Result<()> {
    let write = |rel: &str, bytes: &[u8]| -> std::io::Result<()> {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)
    };
    let id = push.decision_task_id;
    let (trust_domain, level) =
        taskgraph_preview::taskcluster::parse_scheduler_id(push.scheduler_id)
            .unwrap_or_else(|| ("gecko".into(), "3".into()));
    write(
        &format!("tasks/{id}/task.json"),
        decision_task(push.scheduler_id, id).to_string().as_bytes(),
    )?;
    let artifacts = format!("tasks/{id}/artifacts/public");
    write(
        &format!("{artifacts}/full-task-graph.json"),
        push.full_task_graph,
    )?;
    write(
        &format!("{artifacts}/label-to-taskid.json"),
        push.label_to_taskid,
    )?;
    write(
        &format!("{artifacts}/parameters.yml"),
        push.parameters.to_string().as_bytes(),
    )?;
    // What Treeherder's "Add new jobs" fetches from the decision task.
    let graph = taskgraph_preview::engine::FullTaskGraph::parse(push.full_task_graph.to_vec())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    write(
        &format!("{artifacts}/runnable-jobs.json"),
        &serde_json::to_vec(&taskgraph_preview::engine::runnable::runnable_jobs(&graph))?,
    )?;
    let p = |k: &str| {
        push.parameters.get(k).map_or(String::new(), |v| {
            v.as_str().map_or_else(|| v.to_string(), str::to_string)
        })
    };
    if let Some(targets) = push.target_tasks {
        write(
            &format!("{artifacts}/target-tasks.json"),
            &serde_json::to_vec(targets)?,
        )?;
    }
    let actions = sample_actions(id, &trust_domain, &level, &p);
    write(
        &format!("{artifacts}/actions.json"),
        actions.to_string().as_bytes(),
    )?;
    let mut index = read_json(&dir.join("index.json"))
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    if let Some(answers) = push.index {
        for (path, task) in answers
            .get("index")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            index.insert(path.clone(), task.clone());
        }
        for (task, status) in answers
            .get("statuses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            write(
                &format!("tasks/{task}/status.json"),
                status.to_string().as_bytes(),
            )?;
        }
    }
    for (path, task_id) in push.index_entries {
        index.insert(path.clone(), json!(task_id));
    }
    for run in push.earlier_runs {
        let task_id = &run.task_id;
        write(
            &format!("tasks/{task_id}/task.json"),
            json!({"schedulerId": push.scheduler_id, "taskGroupId": id, "tags": {"kind": run.kind},
                   "metadata": {"name": run.kind}})
            .to_string()
            .as_bytes(),
        )?;
        write(
            &format!("tasks/{task_id}/artifacts/public/label-to-taskid.json"),
            &serde_json::to_vec(&run.label_to_taskid).unwrap_or_default(),
        )?;
        index.insert(run.index_path.clone(), json!(task_id));
    }
    write("index.json", Value::Object(index).to_string().as_bytes())?;
    if push.group {
        let mut map: BTreeMap<String, String> =
            serde_json::from_slice(push.label_to_taskid).unwrap_or_default();
        // Tasks of earlier runs are in the decision's task group too.
        for run in push.earlier_runs {
            map.extend(run.label_to_taskid.clone());
        }
        // Each task's real tags (actions.json picks actions by them) and Treeherder metadata,
        // from its definition.
        let group: Vec<Value> = map
            .iter()
            .map(|(label, task_id)| {
                let definition = graph.task_definition(label).ok();
                let tags = definition
                    .as_ref()
                    .and_then(|d| d.get("tags").cloned())
                    .unwrap_or_else(|| json!({"label": label}));
                let mut task =
                    json!({"taskGroupId": id, "tags": tags, "metadata": {"name": label}});
                if let Some(th) = definition
                    .as_ref()
                    .and_then(|d| d.pointer("/extra/treeherder"))
                {
                    task["extra"] = json!({"treeherder": th});
                }
                json!({"task": task, "status": {"taskId": task_id, "state": sample_state(label)}})
            })
            .collect();
        write(
            &format!("tasks/{id}/group.json"),
            Value::Array(group).to_string().as_bytes(),
        )?;
    }
    if !dir.join("credentials.json").exists() {
        write(
            "credentials.json",
            br#"{"demo-sheriff": "demo-access-token"}"#,
        )?;
    }
    Ok(())
}

/// Lays out the push of a decision whose artifacts are in `folder` (`full-task-graph.json` or
/// `.json.gz`, `label-to-taskid.json`, `parameters.yml`, and `target-tasks.json` if there) as
/// the stand-in's push `decision_task_id`, its task group listed, its scheduler
/// `<project>-level-<level>` from the parameters (`standin --push ID=FOLDER`). Errors name the
/// file at fault.
pub fn write_push_from_folder(
    dir: &Path,
    decision_task_id: &str,
    folder: &Path,
) -> Result<(), String> {
    let read = |name: &str| {
        let path = folder.join(name);
        std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let graph = read("full-task-graph.json")
        .or_else(|first| read("full-task-graph.json.gz").map_err(|_| first))?;
    let label_to_taskid = read("label-to-taskid.json")?;
    let parameters: Value = serde_yaml::from_slice(&read("parameters.yml")?)
        .map_err(|e| format!("{}: {e}", folder.join("parameters.yml").display()))?;
    let targets: Option<Vec<String>> = match read("target-tasks.json") {
        Ok(bytes) => Some(
            serde_json::from_slice(&bytes)
                .map_err(|e| format!("{}: {e}", folder.join("target-tasks.json").display()))?,
        ),
        Err(_) => None,
    };
    let text = |k: &str| {
        parameters
            .get(k)
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
    };
    let (Some(project), Some(level)) = (text("project"), text("level")) else {
        return Err(format!(
            "{}: needs `project` and `level` (the push's scheduler is <project>-level-<level>)",
            folder.join("parameters.yml").display()
        ));
    };
    write_push(
        dir,
        &PushFiles {
            decision_task_id,
            scheduler_id: &format!("{project}-level-{level}"),
            full_task_graph: &graph,
            label_to_taskid: &label_to_taskid,
            parameters: &parameters,
            index: None,
            group: true,
            earlier_runs: &[],
            index_entries: &[],
            target_tasks: targets.as_deref(),
        },
    )
    .map_err(|e| {
        format!(
            "cannot lay out {decision_task_id} from {}: {e}",
            folder.display()
        )
    })
}

/// A sample push's `actions.json`: taskgraph's own actions (the rendered file of
/// taskgraph's repository in `tests/data/examples/ex6-actions-json-render`: retrigger in its
/// three variants, add-new-jobs, rerun, cancel, cancel-all, rebuild-cached-tasks,
/// retrigger-multiple), with this push's hooks, decision and repository.
pub(crate) fn sample_actions(
    decision: &str,
    trust_domain: &str,
    level: &str,
    param: &dyn Fn(&str) -> String,
) -> Value {
    let mut actions: Value = serde_json::from_slice(include_bytes!(
        "../../tests/data/examples/ex6-actions-json-render/input/actions.json"
    ))
    .unwrap_or(Value::Null);
    let entries = actions
        .get_mut("actions")
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|mut action| {
            let perm = action
                .pointer("/extra/actionPerm")
                .and_then(Value::as_str)
                .unwrap_or("generic")
                .to_string();
            action["hookGroupId"] = json!(format!("project-{trust_domain}"));
            action["hookId"] = json!(format!("in-tree-action-{level}-{perm}/0123456789"));
            if let Some(decision_payload) = action.pointer_mut("/hookPayload/decision") {
                decision_payload["action"]["taskGroupId"] = json!(decision);
                decision_payload["repository"] = json!({"url": param("head_repository"),
                    "project": param("project"), "level": level, "base_url": param("base_repository")});
                decision_payload["push"] = json!({"owner": "mozilla-taskcluster-maintenance@mozilla.com",
                    "pushlog_id": param("pushlog_id"), "revision": param("head_rev"), "base_revision": param("base_rev")});
            }
            action
        })
        .collect();
    let mut entries = entries;
    if trust_domain == "gecko" {
        let template = entries
            .iter()
            .find(|a| a["name"] == "rebuild-cached-tasks")
            .cloned()
            .unwrap_or(Value::Null);
        entries.extend(gecko_actions(&template, level));
    }
    actions["actions"] = Value::Array(entries);
    actions
}

/// gecko's own actions (`gecko_taskgraph/actions/`), as its decision renders them: the same
/// hook payload as taskgraph's, with gecko's names, contexts, schemas and permissions.
pub(crate) fn gecko_actions(template: &Value, level: &str) -> Vec<Value> {
    let times = |max: u64| json!({"type": "integer", "default": 1, "minimum": 1, "maximum": max, "title": "Times"});
    let retrigger = json!({"type": "boolean", "default": true, "title": "Retrigger",
        "description": "If False, the task won't retrigger on pushes that have already ran it."});
    let specs = [
        ("backfill", "Backfill", "Bk", "Given a task schedule it on previous pushes in the same project.",
         json!([{}]), "backfill",
         Some(json!({"type": "object", "properties": {
             "depth": {"type": "integer", "default": 19, "minimum": 1, "maximum": 25, "title": "Depth"},
             "inclusive": {"type": "boolean", "default": false, "title": "Inclusive Range"},
             "times": times(10), "retrigger": retrigger.clone()}, "additionalProperties": false}))),
        ("backfill-task", "Backfill task on a push.", "backfill-task",
         "This action is normally scheduled by the backfill action. The intent is to schedule a task on previous pushes.",
         json!([]), "backfill",
         Some(json!({"type": "object", "properties": {
             "label": {"type": "string", "description": "A task label"},
             "revision": {"type": "string", "description": "Revision of the original push from where we backfill."},
             "symbol": {"type": "string", "description": "Symbol to be used by the scheduled task."},
             "test_manifests": {"type": "array", "default": [], "items": {"type": "string"}},
             "times": times(10), "retrigger": retrigger}}))),
        ("run-missing-tests", "Run Missing Tests", "rmt",
         "Run tests in the selected push that were optimized away, usually by SETA. This action is for use on pushes that will be merged into another branch, to check that optimization hasn't hidden any failures.",
         json!([]), "generic", None),
        ("add-all-browsertime", "Add All Browsertime Tests.", "aaB",
         "This action is normally scheduled by the backfill-all-browsertime action. The intent is to schedule all browsertime tests on a specific pushe.",
         json!([]), "backfill", None),
    ];
    specs
        .into_iter()
        .map(
            |(name, title, symbol, description, context, perm, schema)| {
                let mut action = template.clone();
                action["name"] = json!(name);
                action["title"] = json!(title);
                action["description"] = json!(description);
                action["context"] = context;
                action["extra"] = json!({"actionPerm": perm});
                action["hookId"] = json!(format!("in-tree-action-{level}-{perm}/0123456789"));
                if let Some(schema) = schema {
                    action["schema"] = schema;
                }
                if let Some(a) = action.pointer_mut("/hookPayload/decision/action") {
                    a["cb_name"] = json!(name);
                    a["name"] = json!(name);
                    a["title"] = json!(title);
                    a["symbol"] = json!(symbol);
                    a["description"] = json!(description);
                }
                action
            },
        )
        .collect()
}

/// Whether `dir` already holds the sample pushes.
pub fn samples_present(dir: &Path) -> bool {
    [SAMPLE_NSS, SAMPLE_REAL, SAMPLE_GENERATED]
        .iter()
        .all(|id| dir.join("tasks").join(id).join("group.json").is_file())
        // Samples laid out by an older stand-in are laid out again.
        && std::fs::read_to_string(dir.join("sample-layout")).ok().as_deref() == Some(SAMPLE_LAYOUT)
}

/// Lays out the bundled sample pushes (if `dir` has none yet): application-services' real
/// decision graph, and a generated Firefox-sized one (50,000 tasks).
pub fn write_samples(dir: &Path) -> std::io::Result<()> {
    if samples_present(dir) {
        return Ok(());
    }
    let parameters: Value =
        serde_yaml::from_slice(include_bytes!("../../tests/data/real/nss/parameters.yml"))
            .unwrap_or(Value::Null);
    // Like a try push, this decision scheduled only part of the graph: nothing on linux32 and
    // no `-make` test variants. Those are the jobs a sheriff can add (linux32 ones need builds).
    let scheduled: BTreeMap<String, String> = serde_json::from_slice::<BTreeMap<String, String>>(
        include_bytes!("../../tests/data/real/nss/label-to-taskid.json"),
    )
    .unwrap_or_default()
    .into_iter()
    .filter(|(label, _)| {
        let make_test = label.starts_with("test-") && label.contains("-make");
        !label.contains("linux32") && !make_test
    })
    .collect();
    write_push(
        dir,
        &PushFiles {
            decision_task_id: SAMPLE_NSS,
            scheduler_id: "nss-level-3",
            full_task_graph: include_bytes!("../../tests/data/real/nss/full-task-graph.json.gz"),
            label_to_taskid: &serde_json::to_vec(&scheduled).unwrap_or_default(),
            parameters: &parameters,
            index: None,
            group: true,
            earlier_runs: &[],
            index_entries: &[],
            target_tasks: None,
        },
    )?;
    let parameters: Value = serde_yaml::from_slice(include_bytes!(
        "../../tests/data/real/application-services/parameters.yml"
    ))
    .unwrap_or(Value::Null);
    write_push(
        dir,
        &PushFiles {
            decision_task_id: SAMPLE_REAL,
            scheduler_id: "app-services-level-3",
            full_task_graph: include_bytes!(
                "../../tests/data/real/application-services/full-task-graph.json.gz"
            ),
            label_to_taskid: &unique_task_ids(
                include_bytes!("../../tests/data/real/application-services/label-to-taskid.json"),
                &scheduled,
            ),
            parameters: &parameters,
            index: None,
            group: true,
            earlier_runs: &[],
            index_entries: &[],
            target_tasks: None,
        },
    )?;
    let generated = taskgraph_preview::synth::generate(&taskgraph_preview::synth::Config {
        tasks: 50_000,
        seed: 1,
    });
    let mut graph = Vec::new();
    {
        let mut gz = flate2::write::GzEncoder::new(&mut graph, flate2::Compression::fast());
        serde_json::to_writer(&mut gz, &generated.full_task_graph)?;
        gz.finish()?;
    }
    let parameters: Value = serde_yaml::from_str(&generated.parameters_yaml).unwrap_or(Value::Null);
    let (earlier_runs, index_entries) = gecko_earlier_runs(&generated, &parameters);
    write_push(
        dir,
        &PushFiles {
            decision_task_id: SAMPLE_GENERATED,
            scheduler_id: "gecko-level-3",
            full_task_graph: &graph,
            label_to_taskid: &serde_json::to_vec(&generated.label_to_taskid).unwrap_or_default(),
            parameters: &parameters,
            index: Some(&generated.index),
            group: true,
            earlier_runs: &earlier_runs,
            index_entries: &index_entries,
            target_tasks: Some(&generated.target_tasks),
        },
    )?;
    std::fs::write(dir.join("sample-layout"), SAMPLE_LAYOUT)
}

/// `map` (a label-to-taskid.json) with every taskId that `taken` also uses changed (the two
/// real fixtures share some), so the stand-in's `queue.task` knows which task an id is.
pub(crate) fn unique_task_ids(map: &[u8], taken: &BTreeMap<String, String>) -> Vec<u8> {
    let used: std::collections::BTreeSet<&String> = taken.values().collect();
    let map: BTreeMap<String, String> = serde_json::from_slice(map).unwrap_or_default();
    let map: BTreeMap<String, String> = map
        .into_iter()
        .map(|(label, id)| {
            let id = if used.contains(&id) {
                // The same length and alphabet, a different last character.
                let (head, last) = id.split_at(id.len().saturating_sub(1));
                format!("{head}{}", if last == "Z" { "Y" } else { "Z" })
            } else {
                id
            };
            (label, id)
        })
        .collect();
    serde_json::to_vec(&map).unwrap_or_default()
}

/// The Firefox-shaped sample's history, indexed where gecko_taskgraph looks: the decision under
/// `….revision.<rev>.taskgraph.decision`, an earlier add-new-jobs action (a debug test and the
/// build it needed) under `….taskgraph.actions`, and a cron task (three toolchains the
/// decision did not have) under `….cron`.
pub(crate) fn gecko_earlier_runs(
    push: &taskgraph_preview::synth::Push,
    parameters: &Value,
) -> (Vec<EarlierRun>, Vec<(String, String)>) {
    let param = |k: &str| parameters.get(k).and_then(Value::as_str).unwrap_or("");
    let revision = format!(
        "gecko.v2.{}.revision.{}",
        param("project"),
        param("head_rev")
    );
    // Each run created what its request needed beyond the decision's tasks: the whole part of
    // the closure that was not in the decision's map, as a real action's map lists it.
    let tests: Vec<String> = push
        .requests
        .get("test-needing-new-build")
        .cloned()
        .unwrap_or_default();
    let action: BTreeMap<String, String> = created_closure(push, &tests)
        .into_iter()
        .enumerate()
        .map(|(i, l)| (l, format!("EarlierAction{i:09}")))
        .collect();
    let toolchains: Vec<String> = push
        .full_task_graph
        .keys()
        .filter(|l| {
            l.starts_with("toolchain-")
                && !push.label_to_taskid.contains_key(*l)
                && !action.contains_key(*l)
        })
        .take(3)
        .cloned()
        .collect();
    let cron: BTreeMap<String, String> = created_closure(push, &toolchains)
        .into_iter()
        .filter(|l| !action.contains_key(l))
        .enumerate()
        .map(|(i, l)| (l, format!("CronTask{i:014}")))
        .collect();
    let runs = vec![
        EarlierRun {
            task_id: SAMPLE_GECKO_ACTION.into(),
            kind: "action-callback",
            index_path: format!("{revision}.taskgraph.actions.{SAMPLE_GECKO_ACTION}"),
            label_to_taskid: action,
        },
        EarlierRun {
            task_id: SAMPLE_GECKO_CRON.into(),
            kind: "cron-task",
            index_path: format!("{revision}.cron.{SAMPLE_GECKO_CRON}"),
            label_to_taskid: cron,
        },
    ];
    let decision = vec![(
        format!("{revision}.taskgraph.decision"),
        SAMPLE_GENERATED.to_string(),
    )];
    (runs, decision)
}

/// The labels of the closure of `roots` that the push's decision did not create, sorted.
pub(crate) fn created_closure(
    push: &taskgraph_preview::synth::Push,
    roots: &[String],
) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut queue: Vec<String> = roots.to_vec();
    while let Some(label) = queue.pop() {
        if !seen.insert(label.clone()) {
            continue;
        }
        let deps = push
            .full_task_graph
            .get(&label)
            .and_then(|t| t["dependencies"].as_object());
        for dep in deps.into_iter().flat_map(|d| d.values()) {
            if let Some(dep) = dep.as_str() {
                queue.push(dep.to_string());
            }
        }
    }
    seen.into_iter()
        .filter(|l| !push.label_to_taskid.contains_key(l))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::write_push_from_folder;
    use serde_json::Value;

    #[test]
    fn a_push_is_laid_out_from_a_folder_of_its_decisions_artifacts() {
        let dir = std::env::temp_dir().join(format!("tgp-push-folder-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/real");
        write_push_from_folder(&dir, "TranslationsDecision01", &data.join("translations")).unwrap();
        let decision = dir.join("tasks/TranslationsDecision01");
        let task: Value =
            serde_json::from_slice(&std::fs::read(decision.join("task.json")).unwrap()).unwrap();
        assert_eq!(task["schedulerId"], "translations-level-3");
        let group: Vec<Value> =
            serde_json::from_slice(&std::fs::read(decision.join("group.json")).unwrap()).unwrap();
        assert_eq!(
            group.len(),
            25,
            "every task of label-to-taskid.json is listed"
        );
        let runnable: serde_json::Map<String, Value> = serde_json::from_slice(
            &std::fs::read(decision.join("artifacts/public/runnable-jobs.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(runnable["fetch-cudnn"]["groupSymbol"], "Fetch");
        // A folder without the graph: the error names the file.
        let error =
            write_push_from_folder(&dir, "Nothing", &data.join("no-such-push")).unwrap_err();
        assert!(
            error.contains("no-such-push/full-task-graph.json"),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
