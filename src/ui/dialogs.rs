//! The two dialogs: "Add new jobs (Search)" (fzf-style query over runnable labels and
//! symbols; picks every match at once) and the trigger confirmation (counts, what will be
//! created, `times`, the credentials: signed in with Taskcluster, or typed in, the exact
//! request).

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::model::Preview;
use crate::view::{shown, Job};

#[derive(Properties, PartialEq)]
pub struct SearchProps {
    pub query: String,
    pub hits: Rc<Vec<usize>>,
    pub jobs: Rc<Vec<Job>>,
    pub on_query: Callback<String>,
    pub on_select: Callback<()>,
    pub on_close: Callback<()>,
}

#[function_component(SearchDialog)]
pub fn search_dialog(props: &SearchProps) -> Html {
    let on_input = props
        .on_query
        .reform(|e: InputEvent| e.target_unchecked_into::<HtmlInputElement>().value());
    let on_submit = {
        let on_select = props.on_select.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_select.emit(());
        })
    };
    const SHOWN: usize = 200;
    html! {
        <div class="modal-backdrop" onclick={props.on_close.reform(|_| ())}>
            <div class="modal" id="search-dialog" role="dialog" aria-label="Add New Jobs (Search)"
                onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <h2>{"Add New Jobs (Search)"}</h2>
                <form onsubmit={on_submit}>
                    <input id="search-input" autofocus=true value={props.query.clone()} oninput={on_input}
                        placeholder="'exact ^prefix suffix$ !not fuzzy — e.g. ^test-linux32 'gtest !debug" />
                </form>
                <p class="search-count" id="search-count" data-count={props.hits.len().to_string()}>
                    {format!("{} runnable jobs match", props.hits.len())}
                </p>
                <ul class="search-hits">
                    {for props.hits.iter().take(SHOWN).filter_map(|&i| props.jobs.get(i)).map(|j| html! {
                        <li data-label={j.label.clone()}>{shown(&j.label)}<span class="symbol">{format!(" {}({})", shown(j.group_symbol.as_deref().unwrap_or("")), shown(&j.symbol))}</span></li>
                    })}
                    if props.hits.len() > SHOWN {
                        <li class="more">{format!("… and {} more", props.hits.len() - SHOWN)}</li>
                    }
                </ul>
                <div class="modal-buttons">
                    <button id="search-select" disabled={props.hits.is_empty()} onclick={props.on_select.reform(|_| ())}>
                        {format!("Add all {} to the selection", props.hits.len())}
                    </button>
                    <button onclick={props.on_close.reform(|_| ())}>{"Cancel"}</button>
                </div>
            </div>
        </div>
    }
}

/// What the sign-in part of a trigger dialog shows (computed by the app).
#[derive(Clone, PartialEq, Default)]
pub struct SigninView {
    /// The signed-in clientId, the expiry as text, and whether the credentials hold the
    /// scopes this action needs.
    pub signed_in: Option<(String, String, bool)>,
    /// The scopes this action needs (`None`: not known yet, or the action is not a hook).
    pub scopes: Option<Vec<String>>,
    /// The scopes a sign-in asks for: those the page's OAuth2 client is registered with.
    pub asks: Vec<String>,
    /// A sign-in is on its way (the button stays usable: the user may have closed the window).
    pub busy: bool,
    pub error: Option<String>,
    pub root_url: String,
}

/// The Taskcluster credentials: "Sign in with Taskcluster" (credentials for the scopes the
/// page's OAuth2 client is registered with, as the signed-in user holds them, kept in memory), or, collapsed, a clientId and accessToken typed in
/// (kept in this tab's session storage).
#[allow(clippy::too_many_arguments)]
pub fn credentials_fieldset(
    client_id: &str,
    access_token: &str,
    certificate: &str,
    on_credential: &Callback<(&'static str, String)>,
    signin: &SigninView,
    on_sign_in: &Callback<Vec<String>>,
    on_sign_out: &Callback<()>,
) -> Html {
    let field = |which: &'static str| {
        on_credential.reform(move |e: InputEvent| {
            (which, e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let covered = signin
        .signed_in
        .as_ref()
        .is_some_and(|(_, _, covers)| *covers);
    let sign_in = {
        let asks = signin.asks.clone();
        on_sign_in.reform(move |_: MouseEvent| asks.clone())
    };
    html! {
        <fieldset class="credentials">
            <legend>{"Taskcluster credentials"}</legend>
            if let Some((who, expires, covers)) = &signin.signed_in {
                <p class="signed-in" id="signed-in" data-client-id={who.clone()}>
                    {"Signed in as "}<strong>{who}</strong>{format!(" (expires {expires})")}
                    {" "}<button type="button" id="sign-out" onclick={on_sign_out.reform(|_: MouseEvent| ())}>{"Sign out"}</button>
                </p>
                if !covers {
                    <p class="hint" id="signin-other-scopes">{format!("These credentials do not hold {}: sign in as someone who may trigger this action, or use an access token.", signin.scopes.clone().unwrap_or_default().join(", "))}</p>
                }
            }
            if !covered {
                <p class="sign-in">
                    <button type="button" id="sign-in" class="sign-in-btn" disabled={signin.scopes.is_none()} onclick={sign_in}>
                        {"Sign in with Taskcluster"}
                    </button>
                    <span class="hint">
                        { match &signin.scopes {
                            Some(scopes) => format!(" {} issues credentials for {} (this action needs {}), as far as your account holds them", signin.root_url, signin.asks.join(", "), scopes.join(", ")),
                            None => " (the action's hook is not known yet)".to_string(),
                        } }
                    </span>
                </p>
            }
            if signin.busy && !covered {
                <p class="hint" id="signin-waiting">{"Waiting for the Taskcluster window (closed it? Sign in again)…"}</p>
            }
            if let Some(error) = &signin.error {
                <p class="error-text" id="signin-error" role="alert">{error}</p>
            }
            <details class="use-token" id="use-token">
                <summary>{"Use an access token instead (kept in this tab's session storage only)"}</summary>
                <label>{"clientId "}<input id="client-id" autocomplete="username" value={client_id.to_string()} oninput={field("clientId")} /></label>
                <label>{"accessToken "}<input id="access-token" type="password" autocomplete="current-password" value={access_token.to_string()} oninput={field("accessToken")} /></label>
                <label>{"certificate (temporary credentials) "}<input id="certificate" value={certificate.to_string()} oninput={field("certificate")} /></label>
            </details>
        </fieldset>
    }
}

/// The trigger dialog's own state.
#[derive(Clone, PartialEq, Default)]
pub struct TriggerState {
    /// The rendered request (JSON text).
    pub request: Option<String>,
    pub error: Option<String>,
    pub sending: bool,
}

#[derive(Properties, PartialEq)]
pub struct TriggerProps {
    pub state: TriggerState,
    pub preview: Rc<Preview>,
    pub times: u32,
    pub client_id: String,
    pub access_token: String,
    pub certificate: String,
    pub on_credential: Callback<(&'static str, String)>,
    pub signin: SigninView,
    pub on_sign_in: Callback<Vec<String>>,
    pub on_sign_out: Callback<()>,
    pub on_times: Callback<u32>,
    pub on_confirm: Callback<()>,
    pub on_close: Callback<()>,
}

#[function_component(TriggerDialog)]
pub fn trigger_dialog(props: &TriggerProps) -> Html {
    let (created, reused, removed) = props.preview.counts();
    let on_times = props.on_times.reform(|e: Event| {
        e.target_unchecked_into::<HtmlInputElement>()
            .value()
            .parse()
            .unwrap_or(1)
    });
    let labels: Vec<&String> = props
        .preview
        .last()
        .map(|i| i.created.keys().collect())
        .unwrap_or_default();
    const SHOWN: usize = 60;
    let pretty = props.state.request.as_ref().map(|text| {
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| text.clone())
    });
    html! {
        <div class="modal-backdrop">
            <div class="modal" id="trigger-dialog" role="dialog" aria-label="Trigger new jobs">
                <h2>{format!("Trigger {} new job{}", props.preview.requested.len(), if props.preview.requested.len() == 1 { "" } else { "s" })}</h2>
                <p class="confirm-counts" id="confirm-counts">
                    {format!("This will create {created} tasks, reuse {reused} and remove {removed}.")}
                </p>
                <details open={labels.len() <= 20}>
                    <summary>{format!("Tasks to create ({})", labels.len())}</summary>
                    <ul class="confirm-list">
                        {for labels.iter().take(SHOWN).map(|l| html! {<li>{l.to_string()}</li>})}
                        if labels.len() > SHOWN { <li>{format!("… and {} more", labels.len() - SHOWN)}</li> }
                    </ul>
                </details>
                <label>{"times "}<input id="trigger-times" type="number" min="1" max="100" value={props.times.to_string()} onchange={on_times} /></label>
                {credentials_fieldset(&props.client_id, &props.access_token, &props.certificate, &props.on_credential,
                    &props.signin, &props.on_sign_in, &props.on_sign_out)}
                if let Some(request) = pretty {
                    <details class="request"><summary>{"The exact request (signed when sent)"}</summary><pre id="trigger-request">{request}</pre></details>
                }
                if let Some(error) = &props.state.error {
                    <div class="error-banner" role="alert">{error}</div>
                }
                <div class="modal-buttons">
                    <button id="confirm-trigger" class="trigger" disabled={props.state.sending || props.state.request.is_none()}
                        onclick={props.on_confirm.reform(|_| ())}>
                        { if props.state.sending { "Triggering…" } else { "Trigger" } }
                    </button>
                    <button onclick={props.on_close.reform(|_| ())}>{"Cancel"}</button>
                </div>
            </div>
        </div>
    }
}
