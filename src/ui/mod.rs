//! The page (feature `ui`, built by Trunk from `index.html`): a Treeherder-like push view in
//! yew. The engine runs in a Web Worker (`www/src/worker.js`, the same one the JS API uses);
//! `app` holds all state, the other modules are components that render it.

pub mod actions;
pub mod app;
pub mod dialogs;
pub mod engine;
pub mod graph;
pub mod grid;
pub mod model;
pub mod navbar;
pub mod preview_panel;
pub mod signin;

pub use app::App;
