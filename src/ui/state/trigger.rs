//! Triggering: the action dialog (the picks' add-new-jobs, or any other action), the
//! credentials (signed in with Taskcluster, or typed in), the sign-in popup's round trip, and
//! what the page says once an action task is triggered (`Status`).

use std::rc::Rc;

use serde_json::{json, Value};

use super::{Effect, Msg, Page, PickMsg};
use crate::ui::actions::{ActionField, ActionState};
use crate::ui::model::{ActionPreview, ApiError, Comparison};
use crate::ui::signin::{self, Pending, SignedIn};

pub const MISSING_CREDENTIALS: &str =
    "Sign in with Taskcluster, or enter your Taskcluster clientId and accessToken.";
const SIGN_IN_EXPIRED: &str = "Your Taskcluster sign-in has expired: sign in again.";
pub const SIGN_IN_NOT_COVERED: &str =
    "Your Taskcluster sign-in is not for this action's hook: sign in again for it.";

pub enum TriggerMsg {
    /// The Trigger button: the action dialog for add-new-jobs of the picks.
    OpenTrigger,
    Credential(&'static str, String),
    Followed(Result<String, ApiError>),
    ActionInput(ActionField),
    ActionPreviewed(u32, Result<String, ApiError>),
    ConfirmAction,
    ActionTriggered(Result<String, ApiError>),
    CloseAction,
    /// The action dialog's request, rendered (shown, and its hook gives the sign-in's
    /// scopes).
    ActionHook(Result<String, ApiError>),
    /// "Sign in with Taskcluster" for these scopes: opens the consent popup.
    SignIn(Vec<String>),
    /// The popup opened (the sign-in on its way), or why not.
    SignInOpened(Result<Pending, String>),
    /// `login/callback.html` answered: code, state, error.
    LoginCallback(Option<String>, String, Option<String>),
    SignedIn(Result<SignedIn, String>),
    SignOut,
}

/// What the page says of an action task it triggered.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// The picks' action task (add-new-jobs), followed to compare with the preview.
    Following(String),
    /// The comparison of the action task's tasks with the preview.
    Compared(Comparison),
    /// Following failed (why).
    FollowFailed(String),
    /// Another action's task, triggered.
    ActionTriggered { title: String, task_id: String },
    /// A trigger got no answer (a timeout, a lost connection): the action task may exist.
    Unsure { message: String, group: String },
}

/// The trigger flow's state.
pub struct Flow {
    pub action: Option<ActionState>,
    action_seq: u32,
    /// clientId, accessToken and certificate as typed (kept in this tab).
    pub credentials: (String, String, String),
    /// Temporary credentials from "Sign in with Taskcluster", in memory only.
    pub signed_in: Option<SignedIn>,
    /// The sign-in on its way (its state, checked when the popup answers).
    pub signin_pending: Option<Pending>,
    pub signin_error: Option<String>,
    pub status: Option<Status>,
}

impl Flow {
    pub fn new(credentials: (String, String, String)) -> Flow {
        Flow {
            action: None,
            action_seq: 0,
            credentials,
            signed_in: None,
            signin_pending: None,
            signin_error: None,
            status: None,
        }
    }
}

impl Page {
    pub(super) fn trigger_update(&mut self, msg: TriggerMsg) -> bool {
        match msg {
            TriggerMsg::OpenTrigger => {
                if self.picks.selected.is_empty() {
                    return false;
                }
                // Previewed already (the page's preview): only its request is rendered.
                self.flow.action = Some(ActionState::for_picks(self.labels(), self.url.times));
                self.flow.signin_error = None;
                self.request_action_hook();
            }
            TriggerMsg::Credential(which, value) => {
                let c = &mut self.flow.credentials;
                match which {
                    "clientId" => c.0 = value,
                    "accessToken" => c.1 = value,
                    _ => c.2 = value,
                }
                if let Some(a) = &mut self.flow.action {
                    if a.error.as_deref() == Some(MISSING_CREDENTIALS) {
                        a.error = None;
                    }
                }
            }
            TriggerMsg::Followed(result) => {
                self.flow.status = Some(match result {
                    Ok(text) => match serde_json::from_str::<Comparison>(&text) {
                        Ok(c) => Status::Compared(c),
                        Err(e) => Status::FollowFailed(format!("unreadable comparison: {e}")),
                    },
                    Err(e) => Status::FollowFailed(format!(
                        "Could not follow the action task: {} [{}]",
                        e.message, e.kind
                    )),
                });
            }
            TriggerMsg::ActionInput(field) => {
                let Some(a) = &mut self.flow.action else {
                    return false;
                };
                match field {
                    ActionField::Times(t) => a.times = t.clamp(1, 100),
                    ActionField::Downstream(d) => a.downstream = d,
                    ActionField::Force(f) => a.force = f,
                    ActionField::Custom(text) => a.custom = Some(text),
                    ActionField::Typing(text) => {
                        a.custom = Some(text);
                        return false;
                    }
                }
                if a.picks {
                    // The picks' times are the page's: previewed there, the request again.
                    let times = a.times;
                    a.rendered = None;
                    self.picks_update(PickMsg::SetTimes(times));
                    self.request_action_hook();
                    return true;
                }
                self.request_action_preview();
                if self.flow.action.as_ref().is_some_and(|a| a.hook.is_none()) {
                    self.request_action_hook();
                }
            }
            TriggerMsg::ActionPreviewed(seq, result) => {
                if seq != self.flow.action_seq {
                    return false;
                }
                let Some(a) = &mut self.flow.action else {
                    return false;
                };
                a.previewing = false;
                match result.map(|t| serde_json::from_str::<ActionPreview>(&t)) {
                    Ok(Ok(p)) => {
                        a.preview = Some(Rc::new(p));
                        a.error = None;
                    }
                    Ok(Err(e)) => a.error = Some(format!("unreadable preview: {e}")),
                    Err(e) => {
                        a.preview = None;
                        a.error = Some(format!("{} [{}]", e.message, e.kind));
                    }
                }
            }
            TriggerMsg::ConfirmAction => return self.confirm_action(),
            TriggerMsg::ActionTriggered(Ok(task_id)) => {
                let Some(action) = self.flow.action.take() else {
                    return false;
                };
                if !action.picks {
                    self.flow.status = Some(Status::ActionTriggered {
                        title: action.title,
                        task_id,
                    });
                    return true;
                }
                self.flow.status = Some(Status::Following(task_id.clone()));
                self.call(
                    "follow",
                    json!({"actionTaskId": task_id, "pollMs": 1000, "maxWaitMs": 1_800_000}),
                    |r| Msg::Trigger(TriggerMsg::Followed(r)),
                );
            }
            TriggerMsg::ActionTriggered(Err(e)) if e.kind == "trigger-no-answer" => {
                // No answer: the action may exist. Never offered again blindly.
                self.flow.action = None;
                self.flow.status = Some(self.unsure(&e));
            }
            TriggerMsg::ActionTriggered(Err(e)) => {
                if let Some(a) = &mut self.flow.action {
                    let hint = if e.message.contains("401") {
                        " Check your clientId and accessToken."
                    } else {
                        ""
                    };
                    a.sending = false;
                    a.error = Some(format!(
                        "The trigger failed: {} [{}].{hint} Nothing was created; you can try again.",
                        e.message, e.kind
                    ));
                }
            }
            TriggerMsg::CloseAction => self.flow.action = None,
            TriggerMsg::ActionHook(result) => {
                if let Some(a) = &mut self.flow.action {
                    // Without the hook (the preview names what is wrong; for the picks, the
                    // error does), signing in waits; the access-token fallback stays.
                    match result {
                        Ok(text) => {
                            a.hook = signin::hook_of_request(&text);
                            a.rendered = Some(text);
                        }
                        Err(e) if a.picks => a.error = Some(format!("{} [{}]", e.message, e.kind)),
                        Err(_) => a.hook = None,
                    }
                }
            }
            TriggerMsg::SignIn(scopes) => {
                self.flow.signin_error = None;
                let client_id = self
                    .url
                    .login_client_id
                    .clone()
                    .unwrap_or_else(|| signin::DEFAULT_CLIENT_ID.to_string());
                let root_url = self.root_url().trim_end_matches('/').to_string();
                self.emit(Effect::OpenSignIn {
                    root_url,
                    client_id,
                    scopes,
                });
            }
            TriggerMsg::SignInOpened(Ok(pending)) => self.flow.signin_pending = Some(pending),
            TriggerMsg::SignInOpened(Err(e)) => self.flow.signin_error = Some(e),
            TriggerMsg::LoginCallback(code, state, error) => {
                self.login_callback(code, state, error)
            }
            TriggerMsg::SignedIn(result) => {
                self.flow.signin_pending = None;
                match result {
                    Ok(signed_in) => {
                        self.flow.signin_error = None;
                        self.flow.signed_in = Some(signed_in);
                        if let Some(a) = &mut self.flow.action {
                            a.error = None;
                        }
                    }
                    Err(e) => self.flow.signin_error = Some(format!("Sign-in failed: {e}")),
                }
            }
            TriggerMsg::SignOut => {
                self.flow.signed_in = None;
                self.flow.signin_pending = None;
                self.flow.signin_error = None;
            }
        }
        true
    }

    /// Sends the action dialog's trigger once: nothing while one is on its way (a second
    /// click), else the credentials for its hook's scopes and the request, or what is missing
    /// said in the dialog. Whether to draw again.
    fn confirm_action(&mut self) -> bool {
        let Some(action) = self.flow.action.as_ref().filter(|a| !a.sending) else {
            return false;
        };
        let scopes = action.hook.as_ref().map(|(g, h)| signin::hook_scopes(g, h));
        let request = action.request();
        let ready = self
            .credentials_json(scopes)
            .map_err(String::from)
            .and_then(|credentials| Ok((credentials, request?)));
        let Some(action) = self.flow.action.as_mut() else {
            return false;
        };
        match ready {
            Ok((credentials, request)) => {
                action.sending = true;
                self.call(
                    "triggerAction",
                    json!({"request": request, "credentials": credentials}),
                    |r| Msg::Trigger(TriggerMsg::ActionTriggered(r)),
                );
            }
            Err(missing) => action.error = Some(missing),
        }
        true
    }

    fn login_callback(&mut self, code: Option<String>, state: String, error: Option<String>) {
        let Some(pending) = self.flow.signin_pending.take_if(|p| p.state == state) else {
            // Not the answer to this page's latest sign-in (an earlier window's, or forged):
            // ignored, the sign-in on its way stays.
            self.flow.signin_error = Some(
                "A sign-in answer did not match this page's request (state) and was ignored."
                    .into(),
            );
            return;
        };
        self.flow.signin_error = match (code, error) {
            (Some(code), None) => {
                self.flow.signin_pending = Some(pending.clone());
                self.emit(Effect::Exchange(pending, code));
                None
            }
            (_, Some(error)) if error == "invalid_scope" => Some(format!(
                "{} refused the scopes this page asked for ({}): its OAuth2 client {} is \
                 registered there with other scopes; name them with loginScope= in this page's \
                 URL, or use an access token.",
                pending.root_url,
                self.url.login_scopes().join(" "),
                pending.client_id
            )),
            (_, Some(error)) if error == "access_denied" => Some(format!(
                "Sign-in denied at {}: no credentials were issued, nothing was sent.",
                pending.root_url
            )),
            (_, error) => Some(format!(
                "Sign-in at {} failed: {}.",
                pending.root_url,
                error.unwrap_or_else(|| "no code in the answer".into())
            )),
        };
    }

    /// The credentials for a trigger needing `scopes`, as the worker takes them: the signed-in
    /// ones (issued for this root URL, unexpired, holding the scopes), else those typed in
    /// (kept in this tab's session storage for the next trigger); an error saying what to do
    /// when there are none.
    fn credentials_json(&mut self, scopes: Option<Vec<String>>) -> Result<Value, &'static str> {
        let root = self.root_url();
        let mut not_covered = false;
        if let Some(signed_in) = &self.flow.signed_in {
            if signed_in.root_url != root.trim_end_matches('/') {
                self.flow.signed_in = None;
            } else if !signed_in.valid(self.now_ms) {
                self.flow.signed_in = None;
                return Err(SIGN_IN_EXPIRED);
            } else if scopes.as_deref().is_none_or(|r| signed_in.covers(r)) {
                return Ok(signed_in.json());
            } else {
                not_covered = true;
            }
        }
        let (id, token, cert) = self.flow.credentials.clone();
        if id.trim().is_empty() || token.trim().is_empty() {
            return Err(if not_covered {
                SIGN_IN_NOT_COVERED
            } else {
                MISSING_CREDENTIALS
            });
        }
        let mut credentials = json!({"clientId": id.trim(), "accessToken": token.trim()});
        if !cert.trim().is_empty() {
            credentials["certificate"] = json!(cert.trim());
        }
        self.emit(Effect::SaveCredentials(id, token, cert));
        Ok(credentials)
    }

    /// Opens the action dialog: its preview, and the hook it triggers (the scopes a sign-in
    /// asks for).
    pub(super) fn open_action(&mut self, state: ActionState) {
        self.flow.action = Some(state);
        self.flow.signin_error = None;
        self.request_action_preview();
        self.request_action_hook();
    }

    /// Previews the action dialog's action with its current input.
    fn request_action_preview(&mut self) {
        self.flow.action_seq += 1;
        let seq = self.flow.action_seq;
        let Some(a) = &mut self.flow.action else {
            return;
        };
        let mut request = match a.request() {
            Ok(r) => r,
            Err(e) => {
                a.preview = None;
                a.previewing = false;
                a.error = Some(e);
                return;
            }
        };
        a.previewing = true;
        request["definitions"] = json!(false);
        self.call("previewAction", request, move |r| {
            Msg::Trigger(TriggerMsg::ActionPreviewed(seq, r))
        });
    }

    /// Renders the action's trigger request to learn its hook. An input the schema refuses
    /// still names the hook: the request is rendered with no input then.
    fn request_action_hook(&mut self) {
        let Some(a) = &self.flow.action else {
            return;
        };
        let request = a.request().unwrap_or_else(|_| {
            let mut r = json!({"action": a.name, "input": {}});
            if let Some(label) = &a.task_label {
                r["taskLabel"] = json!(label);
            }
            r
        });
        self.call("actionTriggerRequest", request, |r| {
            Msg::Trigger(TriggerMsg::ActionHook(r))
        });
    }

    fn unsure(&self, e: &ApiError) -> Status {
        Status::Unsure {
            message: e.message.clone(),
            group: self.decision(),
        }
    }
}
