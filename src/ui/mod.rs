//! The page (feature `ui`, built by Trunk from `index.html`): a Treeherder-like push view in
//! yew. The engine runs in a Web Worker (`www/src/worker.js`, the same one the JS API uses);
//! `state` holds all state and decides (pure, tested natively), `app` carries out its effects
//! and lays out the page, the other modules are components that render parts of it.

pub mod action_dialog;
pub mod actions;
pub mod app;
pub mod browser;
pub mod dialogs;
pub mod engine;
pub mod graph;
pub mod grid;
pub mod model;
pub mod navbar;
pub mod page_parts;
pub mod preview_panel;
pub mod signin;
pub mod state;

pub use app::App;
