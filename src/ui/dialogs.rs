//! The modal dialog every dialog of the page is drawn in ([`Modal`]), "Add new jobs (Search)"
//! (fzf-style query over runnable labels and symbols; picks every match at once) and the
//! credentials every trigger takes (signed in with Taskcluster, or typed in).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};
use yew::prelude::*;

use super::state::{MISSING_CREDENTIALS, SIGN_IN_NOT_COVERED};
use crate::view::{shown, Job};

/// What can take focus by Tab inside a dialog (those hidden, in a closed `<details>` or
/// disabled are filtered out when asked).
const FOCUSABLE: &str =
    "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), \
    select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

fn document() -> Option<web_sys::Document> {
    web_sys::window().and_then(|w| w.document())
}

/// Focuses an HTML or SVG element (an SVG node of the graph is focusable too).
fn focus_element(element: &Element) {
    if let Some(html) = element.dyn_ref::<web_sys::HtmlElement>() {
        let _ = html.focus();
    } else if let Ok(focus) = js_sys::Reflect::get(element, &"focus".into()) {
        if let Some(focus) = focus.dyn_ref::<js_sys::Function>() {
            let _ = focus.call0(element);
        }
    }
}

/// The elements Tab stops at inside `root`, in document order: enabled, not `tabindex=-1`,
/// and drawn (an element in a closed `<details>` has no box).
fn tab_stops(root: &Element) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .filter(|e| {
            let rect = e.get_bounding_client_rect();
            rect.width() > 0.0 || rect.height() > 0.0
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct ModalProps {
    /// The dialog element's id.
    pub id: AttrValue,
    /// The id of the heading that names the dialog (`aria-labelledby`).
    pub labelled_by: AttrValue,
    /// Classes of the dialog element (default `modal`).
    #[prop_or_else(|| classes!("modal"))]
    pub class: Classes,
    /// Draw the dimmed backdrop behind the dialog (the job panel has none).
    #[prop_or(true)]
    pub backdrop: bool,
    /// A click on the backdrop closes the dialog.
    #[prop_or_default]
    pub close_on_backdrop: bool,
    /// The element to focus when the dialog opens (an id); else its first control.
    #[prop_or_default]
    pub initial_focus: Option<AttrValue>,
    /// Where focus goes on close when the element that had it at opening is gone (an id).
    #[prop_or_default]
    pub return_focus: Option<AttrValue>,
    /// Keys that still reach the page's shortcuts from inside the dialog (the job panel lets
    /// `r` retrigger); every other key pressed inside stays in the dialog.
    #[prop_or_default]
    pub page_keys: Vec<&'static str>,
    #[prop_or_default]
    pub data_label: Option<AttrValue>,
    #[prop_or_default]
    pub data_action: Option<AttrValue>,
    pub on_close: Callback<()>,
    #[prop_or_default]
    pub children: Html,
}

/// A modal dialog done right: `role="dialog"`, `aria-modal`, named by its heading; focus moves
/// in when it opens (to `initial_focus`, else the first control), Tab and Shift+Tab wrap
/// around inside it, Escape closes it (and goes no further: the page's own Escape does not
/// act too), keys typed inside never reach the page's shortcuts (but `page_keys`), and on
/// close focus returns to the element that had it when the dialog opened.
#[function_component(Modal)]
pub fn modal(props: &ModalProps) -> Html {
    let node = use_node_ref();
    // Taken at the first render, before the dialog is in the document.
    let opener: Rc<RefCell<Option<Element>>> =
        use_mut_ref(|| document().and_then(|d| d.active_element()));
    {
        let node = node.clone();
        let initial = props.initial_focus.clone();
        let fallback = props.return_focus.clone();
        use_effect_with((), move |_| {
            if let Some(root) = node.cast::<Element>() {
                let target = initial
                    .as_ref()
                    .and_then(|id| document()?.get_element_by_id(id))
                    .or_else(|| tab_stops(&root).into_iter().next());
                focus_element(&target.unwrap_or(root));
            }
            move || {
                let opener = opener.borrow_mut().take();
                // After the page has re-rendered without the dialog (the opener may be redrawn).
                gloo_timers::callback::Timeout::new(0, move || {
                    let Some(document) = document() else { return };
                    let active = document.active_element();
                    let body = document.body().map(Element::from);
                    // Focus moved somewhere on purpose meanwhile: leave it.
                    if active.is_some() && active != body {
                        return;
                    }
                    let target = opener
                        .filter(|e| e.is_connected() && Some(e) != body.as_ref())
                        .or_else(|| fallback.and_then(|id| document.get_element_by_id(&id)));
                    if let Some(target) = target {
                        focus_element(&target);
                    }
                })
                .forget();
            }
        });
    }
    let onkeydown = {
        let node = node.clone();
        let on_close = props.on_close.clone();
        let page_keys = props.page_keys.clone();
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            match key.as_str() {
                "Escape" => {
                    e.prevent_default();
                    e.stop_propagation();
                    on_close.emit(());
                }
                "Tab" => {
                    e.stop_propagation();
                    let Some(root) = node.cast::<Element>() else {
                        return;
                    };
                    let stops = tab_stops(&root);
                    let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
                        e.prevent_default();
                        return;
                    };
                    let active = document().and_then(|d| d.active_element());
                    let inside = active.as_ref().is_some_and(|a| stops.contains(a));
                    let wrap = if e.shift_key() {
                        (!inside || active.as_ref() == Some(first)).then_some(last)
                    } else {
                        (!inside || active.as_ref() == Some(last)).then_some(first)
                    };
                    if let Some(target) = wrap {
                        e.prevent_default();
                        focus_element(target);
                    }
                }
                _ if page_keys.contains(&key.as_str()) => {}
                _ => e.stop_propagation(),
            }
        })
    };
    let dialog = html! {
        <div ref={node} class={props.class.clone()} id={props.id.clone()} role="dialog" aria-modal="true"
            aria-labelledby={props.labelled_by.clone()} data-label={props.data_label.clone()}
            data-action={props.data_action.clone()} {onkeydown}
            onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
            {props.children.clone()}
        </div>
    };
    if !props.backdrop {
        return dialog;
    }
    let on_backdrop = props
        .close_on_backdrop
        .then(|| props.on_close.reform(|_: MouseEvent| ()));
    html! {
        <div class="modal-backdrop" onclick={on_backdrop}>{dialog}</div>
    }
}

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
        <Modal id="search-dialog" labelled_by="search-dialog-title" initial_focus="search-input"
            close_on_backdrop=true on_close={props.on_close.clone()}>
            <h2 id="search-dialog-title">{"Add New Jobs (Search)"}</h2>
            <form onsubmit={on_submit} role="search">
                <input id="search-input" type="search" value={props.query.clone()} oninput={on_input}
                    aria-label="Search the runnable jobs" aria-describedby="search-help search-count"
                    autocomplete="off" spellcheck="false"
                    placeholder="'exact ^prefix suffix$ !not fuzzy — e.g. ^test-linux32 'gtest !debug" />
            </form>
            <p class="search-help" id="search-help">
                {"Words are ANDed: 'word occurs exactly, ^word starts the label, word$ ends it, !word must not occur, others match fuzzily. Enter adds every match."}
            </p>
            <p class="search-count" id="search-count" data-count={props.hits.len().to_string()} aria-live="polite" aria-atomic="true">
                {format!("{} runnable jobs match", props.hits.len())}
            </p>
            <ul class="search-hits" tabindex="0" aria-label="The matching jobs">
                {for props.hits.iter().take(SHOWN).filter_map(|&i| props.jobs.get(i)).map(|j| html! {
                    <li data-label={j.label.clone()}>{shown(&j.label)}<span class="symbol">{format!(" {}({})", shown(j.group_symbol.as_deref().unwrap_or("")), shown(&j.symbol))}</span></li>
                })}
                if props.hits.len() > SHOWN {
                    <li class="more">{format!("… and {} more", props.hits.len() - SHOWN)}</li>
                }
            </ul>
            <div class="modal-buttons">
                <button id="search-select" class="primary" disabled={props.hits.is_empty()} onclick={props.on_select.reform(|_| ())}>
                    {format!("Add all {} to the selection", props.hits.len())}
                </button>
                <button id="search-cancel" onclick={props.on_close.reform(|_| ())}>{"Cancel"}</button>
            </div>
        </Modal>
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

/// The sheriff's credentials as both confirms (trigger and action dialogs) show them, and
/// what can be done with them there.
#[derive(Clone, PartialEq)]
pub struct CredentialsView {
    pub client_id: String,
    pub access_token: String,
    pub certificate: String,
    pub signin: SigninView,
    pub on_credential: Callback<(&'static str, String)>,
    pub on_sign_in: Callback<Vec<String>>,
    pub on_sign_out: Callback<()>,
}

impl CredentialsView {
    /// Why a trigger cannot be sent yet for want of credentials (see [`missing_credentials`]).
    pub fn missing(&self) -> Option<&'static str> {
        missing_credentials(&self.signin, &self.client_id, &self.access_token)
    }
}

/// The Taskcluster credentials: "Sign in with Taskcluster" (credentials for the scopes the
/// page's OAuth2 client is registered with, as the signed-in user holds them, kept in memory), or, collapsed, a clientId and accessToken typed in
/// (kept in this tab's session storage).
pub fn credentials_fieldset(credentials: &CredentialsView) -> Html {
    let CredentialsView {
        client_id,
        access_token,
        certificate,
        signin,
        on_credential,
        on_sign_in,
        on_sign_out,
    } = credentials;
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

/// Why a trigger cannot be sent yet for want of credentials (`None`: signed in for this
/// action's hook, or an access token typed in).
pub fn missing_credentials(
    signin: &SigninView,
    client_id: &str,
    access_token: &str,
) -> Option<&'static str> {
    let signed_in = signin
        .signed_in
        .as_ref()
        .is_some_and(|(_, _, covers)| *covers);
    let typed = !client_id.trim().is_empty() && !access_token.trim().is_empty();
    if signed_in || typed {
        None
    } else if signin.signed_in.is_some() {
        Some(SIGN_IN_NOT_COVERED)
    } else {
        Some(MISSING_CREDENTIALS)
    }
}
