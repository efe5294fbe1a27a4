//! The one writer of the pushes the tests serve from a stand-in folder: a test says what its
//! push holds (decision task, artifacts, earlier action and cron tasks, index, statuses) and
//! [`Push::write`] puts each file where the stand-in reads it (`tasks/<taskId>/task.json`,
//! `…/status.json`, `…/artifacts/public/<name>`, `index.json`).
//!
//! The stand-in's own `write_push` (`standin/src/samples.rs`) lays out its sample pushes and any
//! push given with `--push ID=FOLDER`, which the test of the early grid uses (its
//! `runnable-jobs.json` and task group listing are what that test reads). It does not fit the pushes written here: it writes its own decision definition
//! (no decision status with a failed first run, no `mach taskgraph decision` command), its own
//! `actions.json` and `runnable-jobs.json`, a default `credentials.json`, and every earlier run
//! with a map (none answering 404, none outside the task group).

use std::path::Path;

use serde_json::{json, Value};

use super::put;

/// A decision task and everything the loader reads around it.
#[derive(Default)]
pub struct Push {
    /// The decision's taskId.
    pub decision: String,
    /// Its definition (`task.json`; the schedulerId gives the trust domain and level).
    pub task: Value,
    /// Its artifacts, as served.
    pub full_task_graph: Vec<u8>,
    pub label_to_taskid: Vec<u8>,
    /// `parameters.yml`, written as JSON (JSON is YAML).
    pub parameters: Value,
    /// `actions.json`, if the decision has one.
    pub actions: Option<Vec<u8>>,
    /// Earlier action and cron tasks of the push.
    pub runs: Vec<Run>,
    /// More index entries: path → taskId.
    pub index: Vec<(String, String)>,
    /// Task statuses (`tasks/<taskId>/status.json`): taskId → status.
    pub statuses: Vec<(String, Value)>,
}

/// An earlier action or cron task of a push, indexed at `<namespace>.<task_id>`.
pub struct Run {
    pub namespace: String,
    pub task_id: String,
    /// Its definition (`task.json`).
    pub task: Value,
    /// Its `label-to-taskid.json`; `None`: it has none (the queue answers 404).
    pub map: Option<Value>,
}

impl Push {
    /// Writes the push into `dir` (its `index.json` replaced by the push's index).
    pub fn write(&self, dir: &Path) {
        let d = &self.decision;
        put(
            dir,
            &format!("tasks/{d}/task.json"),
            self.task.to_string().as_bytes(),
        );
        let artifacts = format!("tasks/{d}/artifacts/public");
        put(
            dir,
            &format!("{artifacts}/full-task-graph.json"),
            &self.full_task_graph,
        );
        put(
            dir,
            &format!("{artifacts}/label-to-taskid.json"),
            &self.label_to_taskid,
        );
        put(
            dir,
            &format!("{artifacts}/parameters.yml"),
            self.parameters.to_string().as_bytes(),
        );
        if let Some(actions) = &self.actions {
            put(dir, &format!("{artifacts}/actions.json"), actions);
        }
        let mut index = serde_json::Map::new();
        for run in &self.runs {
            let id = &run.task_id;
            put(
                dir,
                &format!("tasks/{id}/task.json"),
                run.task.to_string().as_bytes(),
            );
            if let Some(map) = &run.map {
                put(
                    dir,
                    &format!("tasks/{id}/artifacts/public/label-to-taskid.json"),
                    map.to_string().as_bytes(),
                );
            }
            index.insert(format!("{}.{id}", run.namespace), json!(id));
        }
        for (path, id) in &self.index {
            index.insert(path.clone(), json!(id));
        }
        for (id, status) in &self.statuses {
            put(
                dir,
                &format!("tasks/{id}/status.json"),
                status.to_string().as_bytes(),
            );
        }
        put(
            dir,
            "index.json",
            Value::Object(index).to_string().as_bytes(),
        );
    }
}
