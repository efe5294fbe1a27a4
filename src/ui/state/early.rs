//! The grid while the push loads: the early grid from `runnable-jobs.json` and the task group
//! (before the graph is in), taking task states page by page, and the grouping of a big grid's
//! rows in short steps, each a task of its own.

use std::rc::Rc;

use super::push::Phase;
use super::{Effect, Msg, Page, PushMsg};
use crate::protocol::EarlyMessage;
use crate::view::{self, Job};

/// Jobs grouped into rows per task (a 50k grid takes ten short tasks).
const ROWS_STEP: usize = 5_000;

impl Page {
    /// A page of the early grid (`runnable-jobs.json` and the task group, before the graph):
    /// shown once complete. Its messages stop when the graph is in (the phase is over).
    #[inline(never)]
    pub(super) fn early_page(&mut self, text: &str) -> bool {
        let Ok(message) = serde_json::from_str::<EarlyMessage<Vec<Job>>>(text) else {
            return false;
        };
        let early_grid = self.push.early_grid;
        let Phase::Loading(loading) = &mut self.push.phase else {
            return false;
        };
        loading.listing = Some(message.listing);
        if let Some(states) = message.states {
            if !early_grid {
                return false;
            }
            // Applied with the next grouping (pages that come together cost one task).
            loading.states.extend(states);
            self.schedule_early_rows();
            return true;
        }
        let Some(jobs) = message.jobs else {
            return false;
        };
        if message.offset != Some(loading.early.len()) {
            return false;
        }
        // Not `view::prepare`d: the quick filter's text is a third of a page's cost, and the
        // filter makes it on the fly for the few seconds until the graph's grid (prepared)
        // replaces these jobs.
        self.push.early_jobs.add_page(loading.early.len(), &jobs);
        loading.early.extend(jobs);
        if loading.early.len() < message.total.unwrap_or(0) {
            return false;
        }
        let jobs = std::mem::take(&mut loading.early);
        self.push.set_jobs(jobs);
        self.push.early_grid = true;
        // Group in a task of its own (the page's parse was this one).
        self.schedule_early_rows();
        false
    }

    /// Groups the early grid's rows in a task of its own, once for states that come together.
    pub(super) fn schedule_early_rows(&mut self) {
        if let Phase::Loading(loading) = &mut self.push.phase {
            if loading.rows_due {
                return;
            }
            loading.rows_due = true;
        }
        self.emit(Effect::Later(0, Msg::Push(PushMsg::EarlyRows)));
    }

    #[inline(never)]
    pub(super) fn early_rows(&mut self) -> bool {
        let spare_free = self.push.early_jobs.spare_free(self.push.jobs.len());
        let states = match &mut self.push.phase {
            Phase::Loading(loading) => {
                if !loading.states.is_empty() && !spare_free && !loading.waited {
                    // The grid still draws the copy the states go into: it is drawn anew
                    // (letting go of it) and the states wait a task, rather than 50k jobs
                    // copied in this one.
                    loading.waited = true;
                    self.emit(Effect::Later(0, Msg::Push(PushMsg::EarlyRows)));
                    return true;
                }
                loading.rows_due = false;
                loading.waited = false;
                std::mem::take(&mut loading.states)
            }
            _ => Vec::new(),
        };
        if !self.push.early_grid {
            return false;
        }
        if !states.is_empty() {
            let push = &mut self.push;
            if push.early_jobs.apply(&mut push.jobs, states) == 0 {
                return true;
            }
            self.push.runnable = self.push.jobs.iter().filter(|j| j.is_runnable()).count();
            // When the filter does not read states, they cannot show or hide a job: the rows
            // (or the grouping under way, whose indices still hold) stay, and are drawn with
            // the new states in a task of their own (applying them was this one). When it
            // does, a job that exists appears: the rows are grouped anew.
            if !self.push.filter.reads_states()
                && matches!(&self.push.phase, Phase::Loading(loading) if loading.grouped)
            {
                return self.redraw_later();
            }
        }
        if let Phase::Loading(loading) = &mut self.push.phase {
            loading.grouped = true;
        }
        // Grouped in short tasks; the rows on screen stay until the new ones are complete.
        self.push.rows_seq += 1;
        self.push.rows_steps = Some(view::RowsBuilder::default());
        // The grouping starts in a task of its own (applying the states was this one).
        let seq = self.push.rows_seq;
        self.emit(Effect::Later(0, Msg::Push(PushMsg::RowsStep(seq))));
        false
    }

    /// One step of grouping the grid's rows (`seq` names the grouping; a later one replaces
    /// it): the rows are on screen once the last step is done.
    #[inline(never)]
    pub(super) fn rows_step(&mut self, seq: u32) -> bool {
        let push = &mut self.push;
        if seq != push.rows_seq {
            return false;
        }
        let Some(builder) = push.rows_steps.as_mut() else {
            return false;
        };
        // A step groups, ranks the symbols (once all are grouped) or finishes: one of the
        // three per task.
        if !builder.grouped_all(&push.jobs) {
            builder.step(&push.jobs, &push.filter, ROWS_STEP);
            self.emit(Effect::Later(0, Msg::Push(PushMsg::RowsStep(seq))));
            return false;
        }
        if !builder.ranked() {
            builder.rank(&push.jobs);
            self.emit(Effect::Later(0, Msg::Push(PushMsg::RowsStep(seq))));
            return false;
        }
        if let Some(builder) = push.rows_steps.take() {
            push.rows = Rc::new(builder.finish(&push.jobs));
            push.reset_visible_rows();
        }
        self.redraw_later()
    }
}
