//! The page's side of the worker protocol (`www/src/worker.js`): the engine runs in a Web
//! Worker; the page posts `{id, op, args}` and gets progress reports and one answer per call,
//! delivered to yew callbacks. Only small messages cross (JSON text of grid, previews, views).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::Callback;

use super::model::{ApiError, LoadEvent};

struct Pending {
    on_progress: Option<Callback<LoadEvent>>,
    on_done: Callback<Result<String, ApiError>>,
}

/// A running engine worker.
pub struct Engine {
    worker: web_sys::Worker,
    pending: Rc<RefCell<HashMap<u32, Pending>>>,
    next: Cell<u32>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

fn get(value: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn api_error(value: &JsValue) -> ApiError {
    ApiError {
        kind: get(value, "kind")
            .as_string()
            .unwrap_or_else(|| "internal".into()),
        message: get(value, "message")
            .as_string()
            .unwrap_or_else(|| format!("{value:?}")),
        labels: js_sys::Array::from(&get(value, "labels"))
            .iter()
            .filter_map(|l| l.as_string())
            .collect(),
    }
}

impl Engine {
    /// Starts the worker script at `url` (an ES module).
    pub fn start(url: &str) -> Result<Engine, String> {
        let options = web_sys::WorkerOptions::new();
        options.set_type(web_sys::WorkerType::Module);
        let worker = web_sys::Worker::new_with_options(url, &options)
            .map_err(|e| format!("cannot start the engine's worker {url}: {e:?}"))?;
        let pending: Rc<RefCell<HashMap<u32, Pending>>> = Rc::default();
        let table = pending.clone();
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let data = event.data();
                let Some(id) = get(&data, "id").as_f64().map(|id| id as u32) else {
                    return;
                };
                let progress = get(&data, "progress");
                if !progress.is_undefined() {
                    let progress = LoadEvent::from_fields(
                        get(&progress, "step").as_string().unwrap_or_default(),
                        get(&progress, "loaded").as_f64(),
                        get(&progress, "total").as_f64(),
                        get(&progress, "jobs").as_string(),
                        get(&progress, "summary").as_string(),
                    );
                    let callback = table.borrow().get(&id).and_then(|p| p.on_progress.clone());
                    if let Some(callback) = callback {
                        callback.emit(progress);
                    }
                    return;
                }
                let Some(entry) = table.borrow_mut().remove(&id) else {
                    return;
                };
                if get(&data, "ok").as_bool() == Some(true) {
                    let result = get(&data, "result");
                    entry
                        .on_done
                        .emit(Ok(result.as_string().unwrap_or_default()));
                } else {
                    entry.on_done.emit(Err(api_error(&get(&data, "error"))));
                }
            },
        );
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let table = pending.clone();
        let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(
            move |event: web_sys::ErrorEvent| {
                let error = ApiError {
                    kind: "worker".into(),
                    message: format!(
                        "the engine's worker failed: {} (is the page served with its src/ and pkg/ folders?)",
                        event.message()
                    ),
                    labels: vec![],
                };
                for (_, entry) in table.borrow_mut().drain() {
                    entry.on_done.emit(Err(error.clone()));
                }
            },
        );
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Engine {
            worker,
            pending,
            next: Cell::new(1),
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Calls `op` with `args`; `on_done` gets the JSON text (or plain string) answer.
    pub fn call(
        &self,
        op: &str,
        args: &serde_json::Value,
        on_progress: Option<Callback<LoadEvent>>,
        on_done: Callback<Result<String, ApiError>>,
    ) {
        let id = self.next.get();
        self.next.set(id + 1);
        let message = js_sys::Object::new();
        let args = js_sys::JSON::parse(&args.to_string()).unwrap_or(JsValue::NULL);
        let _ = js_sys::Reflect::set(&message, &"id".into(), &id.into());
        let _ = js_sys::Reflect::set(&message, &"op".into(), &op.into());
        let _ = js_sys::Reflect::set(&message, &"args".into(), &args);
        self.pending.borrow_mut().insert(
            id,
            Pending {
                on_progress,
                on_done: on_done.clone(),
            },
        );
        if let Err(e) = self.worker.post_message(&message) {
            self.pending.borrow_mut().remove(&id);
            on_done.emit(Err(ApiError {
                kind: "worker".into(),
                message: format!("cannot reach the engine's worker: {e:?}"),
                labels: vec![],
            }));
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
