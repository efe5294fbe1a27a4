// Upstream json-e code, kept close to it so the patch stays small to review and propose:
// clippy findings in it are upstream's (taskgraph-preview lints its own code).
#![allow(clippy::all)]
#[macro_use]
mod errors;
mod budget;
mod builtins;
mod fromnow;
mod interpreter;
mod op_props;
mod render;
mod value;
mod whitespace;

pub use budget::{LimitExceeded, Limits};
pub use errors::SyntaxError;
pub use fromnow::use_test_now;
pub use render::{render, render_with_limits};
