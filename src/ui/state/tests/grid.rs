//! The grid while a push loads: the runnable count, task states going into the early grid,
//! and new rows drawn a frame at a time.

use serde_json::json;

use super::*;

/// The worker's message of a page of early jobs or states (`value`) for load `seq`.
fn early(seq: u32, value: serde_json::Value) -> Msg {
    Msg::Push(PushMsg::Progress(seq, LoadEvent::Jobs(value.to_string())))
}

#[test]
fn the_runnable_count_is_provisional_until_the_task_group_is_listed() {
    let mut page = page("?decisionTaskId=D");
    page.start();
    let seq = page.push.seq;
    assert!(!page.push.runnable_provisional(), "no grid yet");
    let early = |listing: serde_json::Value| {
        Msg::Push(PushMsg::Progress(
            seq,
            LoadEvent::Jobs(json!({"offset": 0, "total": 1, "jobs": [job("test-a", "runnable")], "listing": listing})
                        .to_string()),
        ))
    };
    page.update(early(json!({"listed": 0, "done": false})));
    assert!(page.push.runnable_provisional());
    let states = json!({"states": [], "listing": {"listed": 1, "done": true}});
    page.update(Msg::Push(PushMsg::Progress(
        seq,
        LoadEvent::Jobs(states.to_string()),
    )));
    assert!(
        !page.push.runnable_provisional(),
        "the whole group is listed"
    );
}

#[test]
fn task_states_wait_a_task_for_the_grid_to_let_go_of_the_jobs_rather_than_copy_them() {
    let mut page = page("?decisionTaskId=D");
    page.start();
    let seq = page.push.seq;
    let progress = |jobs| early(seq, jobs);
    let listing = json!({"listed": 0, "done": false});
    page.update(progress(
        json!({"offset": 0, "total": 2, "jobs": [job("test-a", "runnable")], "listing": listing}),
    ));
    let (_, effects) = page.update(progress(
        json!({"offset": 1, "total": 2, "jobs": [job("test-b", "completed")], "listing": listing}),
    ));
    settle(&mut page, effects);
    assert_eq!((page.push.rows.len(), page.push.runnable), (1, 1));
    // The grid draws the jobs it was given.
    let drawn = page.push.jobs.clone();
    let state = json!({"label": "test-a", "state": "completed", "taskId": "T1", "kind": "test"});
    let (_, effects) = page.update(progress(json!({"states": [state], "listing": listing})));
    // The first states go into the copy made page by page: applied at once.
    let (_, effects) = later(&mut page, effects);
    assert_eq!(&*page.push.jobs[0].state, "completed");
    assert_eq!(&*drawn[0].state, "runnable");
    assert_eq!(page.push.runnable, 0);
    settle(&mut page, effects);
    // The next states would go into the copy the grid still draws: the page is drawn first
    // (the grid then holds the new jobs) and they wait one task.
    let state = json!({"label": "test-b", "state": "testfailed", "taskId": "T2", "kind": "test"});
    let (_, effects) = page.update(progress(json!({"states": [state], "listing": listing})));
    let (render, effects) = later(&mut page, effects);
    assert!(render, "drawn so that the grid lets go");
    assert_eq!(&*page.push.jobs[1].state, "completed", "not applied yet");
    let old = Rc::as_ptr(&drawn);
    drop(drawn);
    let drawn = page.push.jobs.clone();
    let (_, _) = later(&mut page, effects);
    assert_eq!(&*page.push.jobs[1].state, "testfailed");
    assert_eq!(Rc::as_ptr(&page.push.jobs), old, "the old copy, in place");
    assert_eq!(
        (&*drawn[0].state, &*drawn[1].state),
        ("completed", "completed")
    );
}

#[test]
fn states_regroup_the_early_grid_only_when_they_can_show_or_hide_a_job() {
    for (query, regrouped) in [
        // Runnable jobs shown: a state changes how a job looks, not whether it shows.
        ("?decisionTaskId=D&runnable=1", false),
        // Runnable jobs hidden: a job that turns out to exist appears.
        ("?decisionTaskId=D", true),
    ] {
        let mut page = page(query);
        page.start();
        let seq = page.push.seq;
        let progress = |jobs| early(seq, jobs);
        let listing = json!({"listed": 0, "done": false});
        let (_, effects) = page.update(progress(json!({"offset": 0, "total": 2,
            "jobs": [job("test-a", "runnable"), job("test-b", "completed")], "listing": listing})));
        settle(&mut page, effects);
        let (rows, grouping) = (page.push.rows.clone(), page.push.rows_seq);
        assert_eq!(
            rows[0].groups[0].jobs.len(),
            if regrouped { 1 } else { 2 },
            "{query}"
        );
        let state =
            json!({"label": "test-a", "state": "testfailed", "taskId": "T1", "kind": "test"});
        let (_, effects) = page.update(progress(json!({"states": [state], "listing": listing})));
        let (render, effects) = later(&mut page, effects);
        assert_eq!(&*page.push.jobs[0].state, "testfailed", "{query}");
        assert_eq!(page.push.rows_seq != grouping, regrouped, "{query}");
        if regrouped {
            settle(&mut page, effects);
            assert_eq!(page.push.rows[0].groups[0].jobs.len(), 2, "test-a appears");
        } else {
            assert!(!render, "applying the states is this task");
            let (render, _) = later(&mut page, effects);
            assert!(render, "drawn with the new state in the next one");
            assert!(Rc::ptr_eq(&rows, &page.push.rows), "the same rows");
        }
    }
}

#[test]
fn the_quick_filter_finds_early_jobs_by_platform_name_and_label() {
    let mut page = page("?decisionTaskId=D&runnable=1");
    page.start();
    let seq = page.push.seq;
    let job = |label: &str, platform: &str| {
        json!({"label": label, "kind": "test", "symbol": "t", "platform": platform,
               "option": "opt", "tier": 1, "state": "runnable"})
    };
    let jobs = json!({"offset": 0, "total": 2, "listing": {"listed": 0, "done": false},
        "jobs": [job("test-linux64/opt-xpcshell", "linux64"), job("test-windows11-64/opt-xpcshell", "windows11-64")]});
    let (_, effects) = page.update(early(seq, jobs));
    settle(&mut page, effects);
    // The early jobs carry no prepared filter text: it is made as the filter reads them.
    assert!(page.push.jobs.iter().all(|j| j.haystack.is_empty()));
    for (text, platform) in [
        ("Windows 11 XPCSHELL", "windows11-64"),
        ("linux64/opt", "linux64"),
    ] {
        page.update(Msg::Push(PushMsg::FilterText(text.into())));
        page.update(Msg::Push(PushMsg::ApplyFilter));
        let rows: Vec<&str> = page.push.rows.iter().map(|r| r.platform.as_str()).collect();
        assert_eq!(rows, [platform], "{text}");
    }
}

#[test]
fn new_rows_are_drawn_half_a_screenful_first_and_the_rest_in_the_next_task() {
    let mut page = page("?decisionTaskId=D");
    page.start();
    let seq = page.push.seq;
    let jobs: Vec<serde_json::Value> = (0..40)
        .map(|i| {
            json!({"label": format!("test-{i}"), "kind": "test", "symbol": "t",
                   "platform": format!("linux{i:02}"), "option": "opt", "tier": 1,
                   "state": "completed"})
        })
        .collect();
    let early =
        json!({"offset": 0, "total": 40, "jobs": jobs, "listing": {"listed": 0, "done": false}});
    let (_, effects) = page.update(Msg::Push(PushMsg::Progress(
        seq,
        LoadEvent::Jobs(early.to_string()),
    )));
    // Group, rank and finish, each in a task; stop at the first frame of rows.
    let mut effects = effects;
    loop {
        let (render, more) = later(&mut page, effects);
        effects = more;
        if render {
            break;
        }
    }
    assert_eq!(page.push.rows.len(), 40);
    assert_eq!(
        page.push.visible_rows, 15,
        "half a screenful in the first frame"
    );
    let (render, more) = later(&mut page, effects);
    assert!(render);
    assert_eq!(page.push.visible_rows, 30, "the rest in the next task");
    assert!(!more
        .iter()
        .any(|e| matches!(e, Effect::Later(_, Msg::Push(PushMsg::FillRows)))));
    // More on asking, and they stay.
    page.update(Msg::Push(PushMsg::ShowMoreRows));
    assert_eq!(page.push.visible_rows, 60);
}

#[test]
fn amounts_read_as_the_float_formatter_would_print_them() {
    use crate::ui::state::{format_mb, percent};
    // Whole tenths of a MB and whole percent, rounded half to even (`{:.0}` does the same for
    // percents; `{:.1}` of a MB amount may round a tie the other way).
    assert_eq!(format_mb(22_000_000.0), "22.0 MB");
    assert_eq!(format_mb(3_140_000.0), "3.1 MB");
    assert_eq!(format_mb(3_160_000.0), "3.2 MB");
    assert_eq!(format_mb(392_340_079.0), "392.3 MB");
    assert_eq!(format_mb(0.0), "0.0 MB");
    // "so far" only once the amount reads more than 0.0 MB.
    use crate::ui::state::so_far;
    assert_eq!(so_far(50_000.0), None);
    assert_eq!(so_far(50_001.0).as_deref(), Some("0.1 MB so far"));
    assert_eq!(percent(8_140_000.0, 22_000_000.0), 37);
    assert_eq!(percent(1.0, 8.0), 12); // 12.5: to even
    assert_eq!(percent(3.0, 8.0), 38); // 37.5: to even
    assert_eq!(percent(5.0, 4.0), 100);
    assert_eq!(percent(1.0, 0.0), 100);
    for (part, whole) in [(1.0, 3.0), (2.0, 3.0), (999.0, 1000.0), (7.0, 1000.0)] {
        assert_eq!(
            percent(part, whole).to_string(),
            format!("{:.0}", (100.0 * part / whole))
        );
    }
}
