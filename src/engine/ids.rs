//! Where new taskIds come from. The engine never draws randomness itself: callers pass a
//! [`TaskIdSource`] (random slugids in the CLI and the page, a counter in tests, so outputs can
//! be compared with the golden examples, whose ids are handed out in sorted label order).

/// A source of fresh taskIds.
pub trait TaskIdSource {
    fn next_task_id(&mut self) -> String;
}

impl<F: FnMut() -> String> TaskIdSource for F {
    fn next_task_id(&mut self) -> String {
        self()
    }
}

/// Deterministic ids: `prefix` + a zero-padded counter + `suffix`, starting at 1.
#[derive(Debug, Clone)]
pub struct CounterIds {
    prefix: String,
    suffix: String,
    width: usize,
    next: u64,
}

impl CounterIds {
    pub fn new(prefix: &str, width: usize, suffix: &str) -> CounterIds {
        CounterIds {
            prefix: prefix.to_string(),
            suffix: suffix.to_string(),
            width,
            next: 1,
        }
    }

    /// The ids of the golden examples: `NewTaskId0000000000001`, `…002`, …
    pub fn golden() -> CounterIds {
        CounterIds::new("NewTaskId", 13, "")
    }
}

impl TaskIdSource for CounterIds {
    fn next_task_id(&mut self) -> String {
        let id = format!(
            "{}{:0width$}{}",
            self.prefix,
            self.next,
            self.suffix,
            width = self.width
        );
        self.next += 1;
        id
    }
}
