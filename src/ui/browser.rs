//! What the page asks of the browser besides drawing: this tab's session storage, a file
//! download, the worker's URL, the sign-in popup, and tasks of their own ([`Soon`]).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::signin::{self, Pending};

pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

pub fn session_get(key: &str) -> String {
    window()
        .and_then(|w| w.session_storage().ok().flatten())
        .and_then(|s| s.get_item(key).ok().flatten())
        .unwrap_or_default()
}

pub fn session_set(key: &str, value: &str) {
    if let Some(storage) = window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
}

/// Saves `text` as a file download.
pub fn download(name: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The worker's script, with the stall and trigger timeouts the page's URL sets (tests do).
pub fn worker_url(query: &str) -> String {
    let params = web_sys::UrlSearchParams::new_with_str(query).ok();
    let get = |k: &str| {
        params
            .as_ref()
            .and_then(|p| p.get(k))
            .filter(|v| v.bytes().all(|b| b.is_ascii_digit()) && !v.is_empty())
    };
    let extra: Vec<String> = ["stallMs", "triggerTimeoutMs"]
        .iter()
        .filter_map(|k| get(k).map(|v| format!("{k}={v}")))
        .collect();
    if extra.is_empty() {
        "src/worker.js".to_string()
    } else {
        format!("src/worker.js?{}", extra.join("&"))
    }
}

/// Opens Taskcluster's consent page in a popup, asking for `scopes`: the sign-in on its way,
/// or why it could not start.
pub fn open_sign_in(
    root_url: String,
    client_id: String,
    scopes: &[String],
) -> Result<Pending, String> {
    let (Some(state), Some(redirect_uri)) = (signin::random_state(), signin::redirect_uri()) else {
        return Err("This browser cannot make a random sign-in state; use an access token.".into());
    };
    let pending = Pending {
        state,
        root_url,
        client_id,
        redirect_uri,
    };
    let url = signin::authorize_url(&pending, scopes);
    let opened = window().and_then(|w| {
        w.open_with_url_and_target_and_features(
            &url,
            "tgp-taskcluster-login",
            "popup,width=640,height=720",
        )
        .ok()
        .flatten()
    });
    match opened {
        Some(_) => Ok(pending),
        None => Err(format!(
            "The sign-in window to {} was blocked: allow pop-ups for this page and try again.",
            pending.root_url
        )),
    }
}

/// Runs callbacks in tasks of their own, in order, without the wait of chained
/// `setTimeout(0)`s: the HTML spec clamps a timer nested five deep to 4 ms, and the grid's
/// grouping chains a dozen short steps (measured in Chromium: 0 ms for five, then 4.1-6.4 ms
/// each). A `MessageChannel`'s messages are tasks that nest nothing. Without one (it cannot be
/// made), callbacks fall back to `setTimeout(0)`.
pub struct Soon {
    channel: Option<(web_sys::MessagePort, Closure<dyn FnMut()>)>,
    queue: Waiting,
}

/// The callbacks [`Soon`] has yet to run, first first.
type Waiting = Rc<RefCell<VecDeque<Box<dyn FnOnce()>>>>;

impl Default for Soon {
    fn default() -> Self {
        let queue: Waiting = Rc::default();
        let channel = web_sys::MessageChannel::new().ok().map(|channel| {
            let waiting = queue.clone();
            let run = Closure::<dyn FnMut()>::new(move || {
                let next = waiting.borrow_mut().pop_front();
                if let Some(callback) = next {
                    callback();
                }
            });
            channel
                .port1()
                .set_onmessage(Some(run.as_ref().unchecked_ref()));
            (channel.port2(), run)
        });
        Soon { channel, queue }
    }
}

impl Soon {
    /// Runs `callback` in a task of its own, after those asked for before it.
    pub fn run(&self, callback: impl FnOnce() + 'static) {
        match &self.channel {
            Some((port, _)) if port.post_message(&JsValue::NULL).is_ok() => {
                self.queue.borrow_mut().push_back(Box::new(callback));
            }
            _ => {
                gloo_timers::callback::Timeout::new(0, callback).forget();
            }
        }
    }
}
