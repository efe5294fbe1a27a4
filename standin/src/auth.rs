//! What a call that needs credentials goes through: its Hawk signature verified as
//! Taskcluster's services do ([`crate::hawk`]), its scopes checked, and the call recorded.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::hawk;
use crate::routes::{append_line, error, json_reply, read_json, Reply};
use crate::Config;

/// A request that must carry a Hawk signature, with the URL as the client signed it.
pub(crate) struct Signed<'a> {
    pub(crate) authorization: Option<&'a str>,
    pub(crate) method: &'a str,
    pub(crate) url: String,
    pub(crate) body: &'a [u8],
    pub(crate) content_type: &'a str,
}

/// The permanent clients of `credentials.json` (clientId → accessToken).
pub(crate) fn permanent_credentials(config: &Config) -> BTreeMap<String, String> {
    read_json(&config.dir.join("credentials.json"))
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// The scope queue.createTask requires for a task's queue (simplified: priority and queue).
pub(crate) fn create_task_scope(task: &Value) -> String {
    let s = |k: &str| task.get(k).and_then(Value::as_str).unwrap_or("");
    let queue = match s("taskQueueId") {
        "" => format!("{}/{}", s("provisionerId"), s("workerType")),
        q => q.to_string(),
    };
    let priority = match s("priority") {
        "" => "lowest",
        p => p,
    };
    format!("queue:create-task:{priority}:{queue}")
}

/// Verifies the Hawk signature against `credentials.json` (permanent credentials, or temporary
/// ones signed by them, which must hold `scope`), records the call, answers.
pub(crate) fn signed_call(
    config: &Config,
    signed: &Signed<'_>,
    scope: &str,
    make: impl FnOnce(&str) -> (Value, Value),
) -> Reply {
    let Signed {
        authorization,
        method,
        url,
        body,
        content_type,
    } = signed;
    let credentials = permanent_credentials(config);
    // Without credentials a call is anonymous, and anonymous has no scope to trigger or create:
    // 403, as the real services answer (401 is for credentials that do not verify).
    let Some(authorization) = authorization else {
        return error(
            403,
            &format!("this call needs Taskcluster credentials (Hawk) with scope {scope:?}"),
        );
    };
    let verified = match hawk::verify_taskcluster(
        authorization,
        method,
        url,
        Some((content_type, body)),
        chrono::Utc::now().timestamp_millis(),
        |id| credentials.get(id).cloned(),
    ) {
        Ok(verified) => verified,
        Err(e) => return error(401, &e.to_string()),
    };
    if let Some(granted) = &verified.certificate_scopes {
        if !hawk::scope_satisfied(granted, scope) {
            return json_reply(
                403,
                &json!({"code": "InsufficientScopes", "message": format!(
                    "client {:?} is missing scope {scope:?} (its temporary credentials hold: {})",
                    verified.client_id, granted.join(", "))}),
            );
        }
    }
    let (mut record, answer) = make(&verified.client_id);
    if let Some(granted) = &verified.certificate_scopes {
        record["temporary"] = json!(true);
        record["scopes"] = json!(granted);
    }
    if let Some(path) = &config.record {
        append_line(path, &record.to_string());
    }
    json_reply(200, &answer)
}
