mod context;
mod evaluator;
mod node;
mod parser;

pub(crate) use context::Context;
pub(crate) use evaluator::evaluate;
pub(crate) use node::Node;
pub(crate) use parser::{parse_all, parse_partial};
