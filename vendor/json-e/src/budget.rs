//! Bounds on the work of one render (part of taskgraph-preview's patch, see `PATCHES.md`).
//!
//! A template is code: `range(0, 1e12)`, `$reduce` over a big range, nested `$let`s that
//! double a value at each level, or one long expression re-parsed in a loop would each take
//! the rendering thread for minutes or its memory without bound. Each render therefore has
//! a budget of *work units*, spent as it goes:
//!
//! * one per template node rendered and per expression node evaluated;
//! * one per value node copied or made (a copy of a big value costs its size), and one per
//!   element a builtin makes (`range`, `split`), **before** it is made;
//! * one per [`TEXT_UNIT`] bytes of text parsed, compared or made.
//!
//! and values bound to a name (`$let`, the accumulator of `$reduce`) may not be nested
//! deeper than [`Limits::max_depth`], so no value deep enough to exhaust the stack (when it
//! is copied, compared or dropped) is ever built. Beyond either limit the render stops with
//! a [`LimitExceeded`] error. Expressions are also limited in nesting depth (see the
//! parser's `MAX_NESTING`).

use crate::value::Value;
use std::cell::Cell;

/// Bytes of text that cost one unit of work.
pub const TEXT_UNIT: usize = 16;

/// The limits of one render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Units of work the render may spend (see the module documentation).
    pub max_work: u64,
    /// How deeply a value bound to a name may be nested.
    pub max_depth: usize,
}

impl Default for Limits {
    /// Far above what real templates need (json-e's specification renders within them), and
    /// a fraction of a second of work at most.
    fn default() -> Self {
        Limits {
            max_work: 5_000_000,
            max_depth: 128,
        }
    }
}

/// A render went beyond its [`Limits`] or an expression beyond the parser's nesting limit.
#[derive(Debug, thiserror::Error, Eq, PartialEq, Clone)]
#[error("LimitExceeded: {0}")]
pub struct LimitExceeded(pub String);

thread_local! {
    static LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    static LIMITS: Cell<Option<Limits>> = const { Cell::new(None) };
}

/// The budget of the render under way on this thread; the previous one comes back when
/// dropped (renders do not nest today, but a caller's render must not lose its budget).
pub(crate) struct Scope {
    left: u64,
    limits: Option<Limits>,
}

impl Scope {
    pub(crate) fn enter(limits: Limits) -> Scope {
        let scope = Scope {
            left: LEFT.with(Cell::get),
            limits: LIMITS.with(Cell::get),
        };
        LEFT.with(|l| l.set(limits.max_work));
        LIMITS.with(|l| l.set(Some(limits)));
        scope
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        LEFT.with(|l| l.set(self.left));
        LIMITS.with(|l| l.set(self.limits));
    }
}

fn exceeded() -> anyhow::Error {
    let max = LIMITS.with(Cell::get).map_or(u64::MAX, |l| l.max_work);
    anyhow::Error::new(LimitExceeded(format!(
        "the render needs more than its {} units of work",
        max
    )))
}

/// Spends `units`, or fails if the budget does not hold them.
pub(crate) fn charge(units: u64) -> anyhow::Result<()> {
    LEFT.with(|l| {
        let left = l.get();
        if units > left {
            l.set(0);
            Err(exceeded())
        } else {
            l.set(left - units);
            Ok(())
        }
    })
}

/// Spends the units of `bytes` of text.
pub(crate) fn charge_text(bytes: usize) -> anyhow::Result<()> {
    charge(text_units(bytes))
}

fn text_units(bytes: usize) -> u64 {
    (bytes / TEXT_UNIT) as u64 + 1
}

/// Spends the units of copying one value node, where failing is not possible (`Clone`): an
/// overdrawn budget makes the next [`charge`] fail. A copy thus finishes, but a value can
/// only be copied once its size has been paid for, so the memory stays within a small
/// multiple of the budget.
pub(crate) fn charge_copy(v: &Value) {
    let units = match v {
        Value::String(s) => text_units(s.len()),
        _ => 1,
    };
    LEFT.with(|l| l.set(l.get().saturating_sub(units)));
}

/// Fails if `v`, about to be bound to `name`, is nested deeper than the render's
/// `max_depth`; the nodes looked at are paid for.
pub(crate) fn check_depth(v: &Value, name: &str) -> anyhow::Result<()> {
    let Some(limits) = LIMITS.with(Cell::get) else {
        return Ok(());
    };
    fn deeper(v: &Value, levels: usize, seen: &mut u64) -> bool {
        *seen += 1;
        match v {
            Value::Array(a) => levels == 0 || a.iter().any(|c| deeper(c, levels - 1, seen)),
            Value::Object(o) => levels == 0 || o.values().any(|c| deeper(c, levels - 1, seen)),
            _ => false,
        }
    }
    let mut seen = 0;
    let too_deep = deeper(v, limits.max_depth, &mut seen);
    charge(seen)?;
    if too_deep {
        return Err(anyhow::Error::new(LimitExceeded(format!(
            "the value of {} is nested more than {} levels deep",
            name, limits.max_depth
        ))));
    }
    Ok(())
}
