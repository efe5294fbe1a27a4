//! The page's component: it holds the state (`state::Page`, pure, where every decision is
//! made), carries out the effects the state asks for (worker calls, timers, the URL, downloads,
//! the sign-in popup), and lays out the page from the parts' components.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::html::Scope;
use yew::prelude::*;

use super::action_dialog::ActionDialog;
use super::actions::JobPanel;
use super::browser::{download, open_sign_in, session_get, session_set, window, worker_url, Soon};
use super::dialogs::{CredentialsView, SearchDialog, SigninView};
use super::engine::Engine;
use super::graph::GraphPanel;
use super::grid::Grid;
use super::navbar::Navbar;
use super::page_parts::{load_form, loading_bar, pinboard, push_bar, status_line};
use super::preview_panel::PreviewPanel;
use super::signin;
use super::state::{Effect, JobMsg, Key, Msg, Page, PickMsg, PushMsg, TriggerMsg};
use crate::view::UrlState;

pub use super::state::SAMPLE_DECISION;

/// The callbacks of the components that are costly to draw, made once: a new callback makes
/// new props, and the component would be drawn again on every message (the 50k grid takes
/// 25-40 ms), though nothing it shows changed.
struct Callbacks {
    toggle_job: Callback<String>,
    select_job: Callback<(String, bool)>,
    toggle_many: Callback<Vec<String>>,
    toggle_group: Callback<String>,
    more_rows: Callback<()>,
    filter: Callback<String>,
    tier: Callback<u64>,
    expand_all: Callback<()>,
    times: Callback<u32>,
    focus: Callback<String>,
    export: Callback<&'static str>,
    wide: Callback<bool>,
}

impl Callbacks {
    fn new(link: &Scope<App>) -> Callbacks {
        Callbacks {
            toggle_job: link.callback(|l| Msg::Picks(PickMsg::ToggleJob(l))),
            select_job: link.callback(|j| Msg::Jobs(JobMsg::SelectJob(j))),
            toggle_many: link.callback(|l| Msg::Picks(PickMsg::ToggleMany(l))),
            toggle_group: link.callback(|k| Msg::Push(PushMsg::ToggleGroup(k))),
            more_rows: link.callback(|_| Msg::Push(PushMsg::ShowMoreRows)),
            filter: link.callback(|t| Msg::Push(PushMsg::FilterText(t))),
            tier: link.callback(|t| Msg::Push(PushMsg::ToggleTier(t))),
            expand_all: link.callback(|_| Msg::Push(PushMsg::ToggleExpandAll)),
            times: link.callback(|t| Msg::Picks(PickMsg::SetTimes(t))),
            focus: link.callback(|l| Msg::Picks(PickMsg::Focus(l))),
            export: link.callback(|w| Msg::Picks(PickMsg::Export(w))),
            wide: link.callback(|w| Msg::Picks(PickMsg::GraphWide(w))),
        }
    }
}

pub struct App {
    page: Page,
    cb: Callbacks,
    engine: Option<Engine>,
    /// The quick filter's pending timer (replacing it cancels the previous one).
    filter_timer: Option<gloo_timers::callback::Timeout>,
    /// Where `Effect::Later(0, …)` runs (see `browser::Soon`).
    soon: Soon,
    /// The key event being handled (its default is prevented if a shortcut takes it).
    key_event: Rc<RefCell<Option<web_sys::KeyboardEvent>>>,
    _keys: Option<Closure<dyn FnMut(web_sys::KeyboardEvent)>>,
    _messages: Option<Closure<dyn FnMut(web_sys::MessageEvent)>>,
}

impl App {
    /// Carries out what the state asked for.
    fn run(&mut self, link: &Scope<Self>, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Call {
                    op,
                    args,
                    progress,
                    reply,
                } => {
                    let Some(engine) = &self.engine else { continue };
                    let on_progress = progress.map(|p| link.callback(p));
                    let reply = RefCell::new(Some(reply));
                    let link = link.clone();
                    let on_done = Callback::from(move |r| {
                        if let Some(reply) = reply.borrow_mut().take() {
                            link.send_message(reply(r));
                        }
                    });
                    engine.call(op, &args, on_progress, on_done);
                }
                Effect::Later(0, msg) => {
                    let link = link.clone();
                    self.soon.run(move || link.send_message(msg));
                }
                Effect::Later(ms, msg) => {
                    let link = link.clone();
                    gloo_timers::callback::Timeout::new(ms, move || link.send_message(msg))
                        .forget();
                }
                Effect::FilterTimer(ms) => {
                    let link = link.clone();
                    self.filter_timer = Some(gloo_timers::callback::Timeout::new(ms, move || {
                        link.send_message(Msg::Push(PushMsg::ApplyFilter))
                    }));
                }
                Effect::Url(query) => {
                    if let Some(history) = window().and_then(|w| w.history().ok()) {
                        let path = window()
                            .and_then(|w| w.location().pathname().ok())
                            .unwrap_or_else(|| "/".into());
                        let url = format!("{path}{query}");
                        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
                    }
                }
                Effect::Download { name, text } => {
                    if let Err(e) = download(name, &text) {
                        link.send_message(Msg::Error(format!("Export of {name} failed: {e}")));
                    }
                }
                Effect::FocusQuickFilter => {
                    if let Some(input) = window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.get_element_by_id("quick-filter"))
                        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        let _ = input.focus();
                    }
                }
                Effect::SaveCredentials(id, token, cert) => {
                    session_set("tgp-client-id", &id);
                    session_set("tgp-access-token", &token);
                    session_set("tgp-certificate", &cert);
                }
                Effect::OpenSignIn {
                    root_url,
                    client_id,
                    scopes,
                } => {
                    let opened = open_sign_in(root_url, client_id, &scopes);
                    link.send_message(Msg::Trigger(TriggerMsg::SignInOpened(opened)));
                }
                Effect::Exchange(pending, code) => {
                    let link = link.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let result = signin::exchange(pending, code).await;
                        link.send_message(Msg::Trigger(TriggerMsg::SignedIn(result)));
                    });
                }
            }
        }
    }

    /// What a trigger dialog's sign-in part shows, for an action needing `scopes`.
    fn signin_view(&self, scopes: Option<Vec<String>>) -> SigninView {
        let root = self.page.root_url();
        let flow = &self.page.flow;
        let signed_in = flow
            .signed_in
            .as_ref()
            .filter(|s| s.root_url == root.trim_end_matches('/'))
            .filter(|s| s.valid(js_sys::Date::now()))
            .map(|s| {
                let covers = scopes.as_deref().is_none_or(|r| s.covers(r));
                (s.client_id.clone(), s.expires_text(), covers)
            });
        SigninView {
            signed_in,
            scopes,
            asks: self.page.url.login_scopes(),
            busy: flow.signin_pending.is_some(),
            error: flow.signin_error.clone(),
            root_url: root,
        }
    }

    /// The dialogs and panels over the page.
    fn overlays(&self, link: &Scope<Self>) -> Html {
        let page = &self.page;
        let credentials = |signin: SigninView| {
            let (client_id, access_token, certificate) = page.flow.credentials.clone();
            CredentialsView {
                client_id,
                access_token,
                certificate,
                signin,
                on_credential: link.callback(|(w, v)| Msg::Trigger(TriggerMsg::Credential(w, v))),
                on_sign_in: link.callback(|s| Msg::Trigger(TriggerMsg::SignIn(s))),
                on_sign_out: link.callback(|_| Msg::Trigger(TriggerMsg::SignOut)),
            }
        };
        let panel_job = page
            .jobs
            .panel
            .as_ref()
            .and_then(|l| page.push.jobs.iter().find(|j| *j.label == **l));
        let retrigger = {
            let tasks = page.retrigger_tasks();
            link.callback(move |_| Msg::Jobs(JobMsg::Retrigger(tasks.clone())))
        };
        html! {
            <>
                if page.picks.search_open {
                    <SearchDialog query={page.picks.search_query.clone()} hits={page.picks.search_hits.clone()} jobs={page.push.jobs.clone()}
                        on_query={link.callback(|q| Msg::Picks(PickMsg::SearchQuery(q)))}
                        on_select={link.callback(|_| Msg::Picks(PickMsg::SearchSelect))}
                        on_close={link.callback(|_| Msg::Picks(PickMsg::CloseSearch))} />
                }
                if let Some(job) = panel_job {
                    <JobPanel job={job.clone()} root_url={page.root_url()}
                        offered={page.jobs.panel_actions.as_ref().and_then(|a| a.as_ref().ok()).cloned()}
                        error={page.jobs.panel_actions.as_ref().and_then(|a| a.as_ref().err()).cloned()}
                        on_action={link.callback(|a| Msg::Jobs(JobMsg::OpenAction(a, true)))}
                        on_close={link.callback(|_| Msg::Jobs(JobMsg::CloseJob))}
                        on_retrigger={retrigger}
                        pinned={page.jobs.pinned.iter().filter(|l| Some(*l) != page.jobs.panel.as_ref()).count()} />
                }
                if let Some(state) = &page.flow.action {
                    <ActionDialog state={state.clone()} picks={page.picks.preview.clone()}
                        credentials={credentials(self.signin_view(state.hook.as_ref().map(|(g, h)| signin::hook_scopes(g, h))))}
                        on_field={link.callback(|f| Msg::Trigger(TriggerMsg::ActionInput(f)))}
                        on_confirm={link.callback(|_| Msg::Trigger(TriggerMsg::ConfirmAction))}
                        on_close={link.callback(|_| Msg::Trigger(TriggerMsg::CloseAction))} />
                }
            </>
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let query = window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let origin = window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        let credentials = (
            session_get("tgp-client-id"),
            session_get("tgp-access-token"),
            session_get("tgp-certificate"),
        );
        let page = Page::new(UrlState::parse(&query), origin, credentials);
        let key_event: Rc<RefCell<Option<web_sys::KeyboardEvent>>> = Rc::default();
        let keys = {
            let link = ctx.link().clone();
            let slot = key_event.clone();
            let closure = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(
                move |event: web_sys::KeyboardEvent| {
                    let typing = event
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|e| {
                            matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                        });
                    let key = Key {
                        key: event.key(),
                        typing,
                        modified: event.ctrl_key() || event.meta_key() || event.alt_key(),
                    };
                    *slot.borrow_mut() = Some(event);
                    link.send_message(Msg::Key(key));
                },
            );
            if let Some(document) = window().and_then(|w| w.document()) {
                let _ = document
                    .add_event_listener_with_callback("keydown", closure.as_ref().unchecked_ref());
            }
            Some(closure)
        };
        let messages = {
            let link = ctx.link().clone();
            let closure = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| {
                    if let Some((code, state, error)) = signin::callback_message(&event) {
                        link.send_message(Msg::Trigger(TriggerMsg::LoginCallback(
                            code, state, error,
                        )));
                    }
                },
            );
            if let Some(w) = window() {
                let _ =
                    w.add_event_listener_with_callback("message", closure.as_ref().unchecked_ref());
            }
            Some(closure)
        };
        // The engine's worker starts, and the push loads, in a task after the page's first
        // one (which instantiated the page and drew it), so neither makes that task long.
        let link = ctx.link().clone();
        gloo_timers::callback::Timeout::new(0, move || link.send_message(Msg::Start)).forget();
        App {
            page,
            cb: Callbacks::new(ctx.link()),
            engine: None,
            filter_timer: None,
            soon: Soon::default(),
            key_event,
            _keys: keys,
            _messages: messages,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        self.page.now_ms = js_sys::Date::now();
        let event = self.key_event.borrow_mut().take();
        let (render, effects) = match msg {
            Msg::Start => {
                let query = window()
                    .and_then(|w| w.location().search().ok())
                    .unwrap_or_default();
                match Engine::start(&worker_url(&query)) {
                    Ok(engine) => self.engine = Some(engine),
                    Err(e) => self.page.errors.push(e),
                }
                self.page.update(Msg::Start)
            }
            Msg::Key(key) => {
                let (render, prevent, effects) = self.page.on_key(&key);
                if let (true, Some(event)) = (prevent, event) {
                    event.prevent_default();
                }
                (render, effects)
            }
            msg => self.page.update(msg),
        };
        self.run(ctx.link(), effects);
        render
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let cb = &self.cb;
        let page = &self.page;
        let push = &page.push;
        let errors = page.errors.iter().enumerate().map(|(i, e)| {
            html! {
                <div class="error-banner" role="alert">
                    <span>{e}</span>
                    <button class="dismiss" title="Dismiss" aria-label="Dismiss"
                        onclick={link.callback(move |_| Msg::DismissError(i))}>{"×"}</button>
                </div>
            }
        });
        let grid = if push.grid_shown() {
            html! {
                <Grid rows={push.rows.clone()} jobs={push.jobs.clone()} selected={page.picks.selected.clone()}
                    expanded={push.expanded.clone()} expand_all={push.groups_expanded()}
                    visible_rows={push.visible_rows} runnable_mode={push.filter.runnable}
                    on_toggle_job={cb.toggle_job.clone()}
                    on_select_job={cb.select_job.clone()}
                    selected_job={page.jobs.panel.clone()}
                    pinned={page.jobs.pinned.clone()}
                    on_toggle_many={cb.toggle_many.clone()}
                    on_toggle_group={cb.toggle_group.clone()}
                    on_more={cb.more_rows.clone()} />
            }
        } else {
            html! {}
        };
        html! {
            <div class="app">
                <header>
                    <Navbar filter_text={push.filter_input.clone()} tiers={push.filter.tiers.clone()} expand_all={push.expand_all}
                        runnable={push.runnable} jobs={push.jobs.len()} provisional={push.runnable_provisional()}
                        on_filter={cb.filter.clone()}
                        on_tier={cb.tier.clone()}
                        on_expand_all={cb.expand_all.clone()} />
                    {load_form(page, link)}
                </header>
                <main>
                    <h1 class="sr-only">{"Taskgraph preview: add new jobs to a push"}</h1>
                    {for errors}
                    if let super::state::Phase::Failed(Some(message)) = &push.phase {
                        <div class="error-banner load-error" role="alert" id="load-error">
                            <span>{message}</span>
                            <button id="retry-load" onclick={link.callback(|_| Msg::Push(PushMsg::RetryLoad))}>{"Retry"}</button>
                        </div>
                    }
                    {status_line(page)}
                    {loading_bar(page)}
                    {push_bar(page, link)}
                    {pinboard(page, link)}
                    <div class="main">
                        <div class="grid-column">{grid}</div>
                        <div class="preview-column">
                            <PreviewPanel preview={page.picks.preview.clone()} error={page.picks.error.clone()} busy={page.picks.previewing}
                                selected={page.picks.selected.len()} times={page.url.times} focus={page.picks.focus.clone()}
                                root_url={page.root_url()}
                                decision_task_id={push.summary.as_ref().map(|s| s.context.decision_task_id.clone()).unwrap_or_default()}
                                on_times={cb.times.clone()} on_focus={cb.focus.clone()}
                                on_export={cb.export.clone()} waiting={push.waiting_for()} />
                            if let Some(graph) = &page.picks.graph {
                                <GraphPanel graph={graph.clone()} focus={page.picks.focus.clone()}
                                    on_focus={cb.focus.clone()}
                                    wide={page.picks.graph_wide} on_wide={cb.wide.clone()} />
                            }
                        </div>
                    </div>
                </main>
                {self.overlays(link)}
            </div>
        }
    }
}
