//! `actions.json`: picking an action, validating the user's input against its schema, and
//! rendering what to send, as Treeherder and the Taskcluster actions spec do.
//!
//! * Only version 1 is accepted; actions of unknown kinds are ignored; the **first** action of
//!   a name wins (in array order).
//! * Context: `[]` is a task-group action (no task selected); otherwise the selected task's
//!   tags must include every tag of at least one tag-set.
//! * JSON-e context: `variables`, then `{taskGroupId, taskId, input}` on top (Treeherder's
//!   lodash `defaults` lets the built-ins win); legacy `task` actions also get `task` and
//!   `ownTaskId`.
//! * `hook` actions render `hookPayload` for `hooks.triggerHook`; `task` actions render `task`
//!   for `queue.createTask`.

use serde::Deserialize;

/// Bounds on rendering one action's JSON-e. `actions.json` comes from the push's own decision
/// task (anyone who can push to a try-like repository writes it), so a template is untrusted
/// code: the vendored json-e parses in linear time, refuses expressions nested more than 64
/// levels, and stops a render beyond this budget. Real hook payloads take a few hundred units
/// of work; a million is a few tens of milliseconds at most.
pub const RENDER_LIMITS: json_e::Limits = json_e::Limits {
    max_work: 1_000_000,
    max_depth: 128,
};

/// Renders `template` (the action's `field`) within [`RENDER_LIMITS`].
fn render_bounded(
    action: &str,
    field: &'static str,
    template: &Value,
    context: &Value,
) -> Result<Value, ActionError> {
    json_e::render_with_limits(template, context, RENDER_LIMITS).map_err(|e| {
        match e.downcast_ref::<json_e::LimitExceeded>() {
            Some(json_e::LimitExceeded(why)) => ActionError::Refused {
                name: action.to_string(),
                field,
                message: format!("goes beyond what JSON-e may do here: {why}"),
            },
            None if e.downcast_ref::<json_e::SyntaxError>().is_some() => ActionError::Syntax {
                name: action.to_string(),
                field,
                message: e.to_string(),
            },
            None => ActionError::Render {
                name: action.to_string(),
                field,
                message: e.to_string(),
            },
        }
    })
}
use serde_json::{json, Map, Value};

/// What can go wrong with `actions.json` or an action's input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("actions.json: {message}")]
    Malformed { message: String },
    #[error("actions.json has version {version}; only version 1 is supported")]
    UnsupportedVersion { version: String },
    #[error("actions.json has no action named {name:?} for this context (has: {available})")]
    NotFound { name: String, available: String },
    #[error("the input of action {name:?} does not match its schema: {problems}")]
    InvalidInput { name: String, problems: String },
    #[error("action {name:?} has an invalid schema: {message}")]
    BadSchema { name: String, message: String },
    #[error("rendering action {name:?} with JSON-e failed: its {field}: {message}")]
    Render {
        name: String,
        field: &'static str,
        message: String,
    },
    /// An expression of the template does not parse: whatever the input, it cannot render.
    #[error("action {name:?} cannot be triggered: its {field} is not valid JSON-e: {message}")]
    Syntax {
        name: String,
        field: &'static str,
        message: String,
    },
    /// The template went beyond [`RENDER_LIMITS`]: refused, not rendered.
    #[error("action {name:?} is refused: its {field} {message}")]
    Refused {
        name: String,
        field: &'static str,
        message: String,
    },
}

/// One action of `actions.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Action {
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub kind: String,
    #[serde(default)]
    pub context: Vec<Value>,
    #[serde(default)]
    pub schema: Option<Value>,
    #[serde(rename = "hookGroupId", default)]
    pub hook_group_id: Option<String>,
    #[serde(rename = "hookId", default)]
    pub hook_id: Option<String>,
    #[serde(rename = "hookPayload", default)]
    pub hook_payload: Option<Value>,
    #[serde(default)]
    pub task: Option<Value>,
    #[serde(default)]
    pub extra: Option<Value>,
    /// `schema` compiled, the first time an input is validated against it.
    #[serde(skip)]
    compiled: CompiledSchema,
}

/// An action's schema compiled once, not for every preview and trigger: compiling is most of a
/// validation's cost (hot enough that the browser optimizes jsonschema's compiler on every
/// load). A cache of `schema`: equal whatever it holds.
#[derive(Clone, Default)]
struct CompiledSchema(std::sync::OnceLock<Result<std::sync::Arc<jsonschema::Validator>, String>>);

impl PartialEq for CompiledSchema {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for CompiledSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.0.get() {
            None => "not yet",
            Some(Ok(_)) => "compiled",
            Some(Err(_)) => "invalid",
        };
        write!(f, "CompiledSchema({state})")
    }
}

/// The action a preview of picked jobs plans (the page's and the JS API's default).
pub const ADD_NEW_JOBS: &str = "add-new-jobs";

/// A parsed `actions.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionsJson {
    pub variables: Map<String, Value>,
    /// Usable actions: known kinds, first of each name, in file order.
    pub actions: Vec<Action>,
}

/// The request that triggers an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// `hooks.triggerHook(hookGroupId, hookId, payload)`.
    Hook {
        hook_group_id: String,
        hook_id: String,
        payload: Value,
    },
    /// `queue.createTask(taskId, task)` for legacy `task` actions.
    Task { task_id: String, task: Value },
}

impl Trigger {
    /// The call as a JSON object (for exports and dry runs).
    pub fn to_json(&self) -> Value {
        match self {
            Trigger::Hook {
                hook_group_id,
                hook_id,
                payload,
            } => {
                json!({"method": "hooks.triggerHook", "hookGroupId": hook_group_id, "hookId": hook_id, "payload": payload})
            }
            Trigger::Task { task_id, task } => {
                json!({"method": "queue.createTask", "taskId": task_id, "task": task})
            }
        }
    }
}

/// Parses `actions.json`.
pub fn parse(bytes: &[u8]) -> Result<ActionsJson, ActionError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| ActionError::Malformed {
        message: e.to_string(),
    })?;
    match value.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(other) => {
            return Err(ActionError::UnsupportedVersion {
                version: other.to_string(),
            })
        }
        None => {
            return Err(ActionError::UnsupportedVersion {
                version: "(missing)".into(),
            })
        }
    }
    let variables = match value.get("variables") {
        Some(Value::Object(map)) => map.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => {
            return Err(ActionError::Malformed {
                message: "\"variables\" must be an object".into(),
            })
        }
    };
    let Some(Value::Array(entries)) = value.get("actions") else {
        return Err(ActionError::Malformed {
            message: "\"actions\" must be a list".into(),
        });
    };
    let mut actions: Vec<Action> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let action: Action =
            serde_json::from_value(entry.clone()).map_err(|e| ActionError::Malformed {
                message: format!("action #{i}: {e}"),
            })?;
        if action.kind != "hook" && action.kind != "task" {
            continue;
        }
        // Several entries may share a name (taskgraph's retrigger has three, for different
        // contexts): all are kept, and the first that matches a context is used.
        actions.push(action);
    }
    Ok(ActionsJson { variables, actions })
}

impl Action {
    /// Whether the action applies: `[]` for a task-group action (no task), else the task's
    /// tags must contain one of the tag-sets.
    pub fn matches(&self, task_tags: Option<&Map<String, Value>>) -> bool {
        match task_tags {
            None => self.context.is_empty(),
            Some(tags) => self.context.iter().any(|set| {
                set.as_object()
                    .is_some_and(|set| set.iter().all(|(k, v)| tags.get(k) == Some(v)))
            }),
        }
    }

    /// The action's schema compiled (once), or why it does not compile; `None` without one.
    fn validator(&self) -> Option<&Result<std::sync::Arc<jsonschema::Validator>, String>> {
        let schema = self.schema.as_ref()?;
        Some(self.compiled.0.get_or_init(|| {
            jsonschema::validator_for(schema)
                .map(std::sync::Arc::new)
                .map_err(|e| e.to_string())
        }))
    }

    /// Validates `input` against the action's schema (no schema: anything goes).
    pub fn validate(&self, input: &Value) -> Result<(), ActionError> {
        let Some(validator) = self.validator() else {
            return Ok(());
        };
        let validator = validator
            .as_ref()
            .map_err(|message| ActionError::BadSchema {
                name: self.name.clone(),
                message: message.clone(),
            })?;
        let problems: Vec<String> = validator
            .iter_errors(input)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() {
                    e.to_string()
                } else {
                    format!("at {at}: {e}")
                }
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ActionError::InvalidInput {
                name: self.name.clone(),
                problems: problems.join("; "),
            })
        }
    }
}

impl ActionsJson {
    /// The actions a UI offers for the context (a task's tags, or none for the task group):
    /// the first matching entry of each name, in actions.json's order.
    pub fn available(&self, task_tags: Option<&Map<String, Value>>) -> Vec<&Action> {
        let mut seen = std::collections::BTreeSet::new();
        self.actions
            .iter()
            .filter(|a| a.matches(task_tags) && seen.insert(a.name.as_str()))
            .collect()
    }

    /// The first usable action of this name for the context.
    pub fn find(
        &self,
        name: &str,
        task_tags: Option<&Map<String, Value>>,
    ) -> Result<&Action, ActionError> {
        self.actions
            .iter()
            .find(|a| a.name == name && a.matches(task_tags))
            .ok_or_else(|| ActionError::NotFound {
                name: name.to_string(),
                available: self
                    .available(task_tags)
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Compiles the schemas of the actions named `name` now, so that the first preview or
    /// trigger of one does not wait for it (the first compile also builds the JSON Schema
    /// meta-validator: ~50 ms in a browser's worker). A schema that does not compile is
    /// reported when an input is validated against it.
    pub fn compile_schemas(&self, name: &str) {
        for action in self.actions.iter().filter(|a| a.name == name) {
            let _ = action.validator();
        }
    }

    /// Validates `input` against the entries named `name`, before the task they will apply to
    /// is known: accepted when one of them accepts it, else the first one's problems (none
    /// named so: nothing to check).
    pub fn validate_any(&self, name: &str, input: &Value) -> Result<(), ActionError> {
        let mut first = None;
        for action in self.actions.iter().filter(|a| a.name == name) {
            match action.validate(input) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// Validates `input` and renders the trigger request. `task` and `own_task_id` are only
    /// used by legacy `task` actions (the selected task's definition and a fresh slugid).
    pub fn render(
        &self,
        action: &Action,
        decision_task_id: &str,
        task_id: Option<&str>,
        input: &Value,
        task: Option<&Value>,
        own_task_id: &str,
    ) -> Result<Trigger, ActionError> {
        action.validate(input)?;
        self.render_valid(action, decision_task_id, task_id, input, task, own_task_id)
    }

    /// Why `action` cannot be triggered whatever the user enters, found by rendering it with
    /// `input` (not validated: a UI asks before the user has typed anything): its JSON-e goes
    /// beyond [`RENDER_LIMITS`] or does not parse. Other render errors may depend on the input
    /// and are left to the trigger, which renders again and fails in any case.
    pub fn refusal(
        &self,
        action: &Action,
        decision_task_id: &str,
        task_id: Option<&str>,
        input: &Value,
        task: Option<&Value>,
    ) -> Option<ActionError> {
        match self.render_valid(action, decision_task_id, task_id, input, task, "OwnTaskId") {
            Err(e @ (ActionError::Refused { .. } | ActionError::Syntax { .. })) => Some(e),
            _ => None,
        }
    }

    fn render_valid(
        &self,
        action: &Action,
        decision_task_id: &str,
        task_id: Option<&str>,
        input: &Value,
        task: Option<&Value>,
        own_task_id: &str,
    ) -> Result<Trigger, ActionError> {
        let mut context = self.variables.clone();
        context.insert(
            "taskGroupId".into(),
            Value::String(decision_task_id.to_string()),
        );
        context.insert(
            "taskId".into(),
            task_id.map_or(Value::Null, |t| Value::String(t.to_string())),
        );
        context.insert("input".into(), input.clone());
        match action.kind.as_str() {
            "hook" => {
                let (Some(group), Some(hook), Some(template)) =
                    (&action.hook_group_id, &action.hook_id, &action.hook_payload)
                else {
                    return Err(ActionError::Malformed {
                        message: format!(
                            "hook action {:?} lacks hookGroupId, hookId or hookPayload",
                            action.name
                        ),
                    });
                };
                let payload = render_bounded(
                    &action.name,
                    "hookPayload",
                    template,
                    &Value::Object(context),
                )?;
                Ok(Trigger::Hook {
                    hook_group_id: group.clone(),
                    hook_id: hook.clone(),
                    payload,
                })
            }
            _ => {
                let Some(template) = &action.task else {
                    return Err(ActionError::Malformed {
                        message: format!("task action {:?} lacks a task template", action.name),
                    });
                };
                context.insert("task".into(), task.cloned().unwrap_or(Value::Null));
                context.insert("ownTaskId".into(), Value::String(own_task_id.to_string()));
                let rendered =
                    render_bounded(&action.name, "task", template, &Value::Object(context))?;
                Ok(Trigger::Task {
                    task_id: own_task_id.to_string(),
                    task: rendered,
                })
            }
        }
    }
}
