//! The native command line: reads files and the clock, calls the engine, prints results.
//!
//! `taskgraph-preview preview` is a stable contract used by other tools and by our own
//! differential tests; `gen-graph` writes a synthetic gecko-shaped push. The binary in
//! `src/bin/taskgraph-preview.rs` only calls [`main`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::Value;

use crate::engine::{
    self, datestamps, parse, CounterIds, FullTaskGraph, GraphStream, IndexAnswers, Mode, Request,
};
use crate::session::{Context, Session, SessionError};
use crate::taskcluster::client::{NativeTransport, RetryPolicy};
use crate::taskcluster::loader;

mod gzip;

const DEFAULT_ACTION: &str = crate::session::PLACEHOLDER_ACTION_TASK_ID;

#[derive(Parser, Debug)]
#[command(
    name = "taskgraph-preview",
    version,
    about = "Preview exactly what taskgraph's add-new-jobs action will create"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Preview the tasks an add-new-jobs action would create, reuse and remove.
    Preview(PreviewArgs),
    /// Preview, then render the decision's add-new-jobs action; with --yes, trigger it with
    /// the credentials in $TASKCLUSTER_CLIENT_ID/$TASKCLUSTER_ACCESS_TOKEN
    /// (/$TASKCLUSTER_CERTIFICATE), and with --follow, compare what it created with the preview.
    Trigger(TriggerArgs),
    /// Time loading a graph and previewing on it, repeatedly (same options as `preview`).
    Bench(BenchArgs),
    /// Write a synthetic gecko-shaped push (full-task-graph.json.gz, label-to-taskid.json,
    /// parameters.yml, requests.json, index.json) into a folder.
    GenGraph(GenArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum ModeArg {
    /// `add_new_jobs_action` → `create_tasks` (the default).
    AddNewJobs,
    /// A decision task's optimisation of the closure (do_not_optimize from the parameters).
    Decision,
}

#[derive(clap::Args, Debug)]
struct PreviewArgs {
    /// The decision's full-task-graph.json (plain or .gz). Without it, the push of
    /// --decision-task-id is loaded from --root-url (artifacts, earlier actions, index).
    #[arg(long, value_name = "PATH")]
    graph: Option<PathBuf>,
    /// A label-to-taskid.json; repeat for the decision and later runs (later ones win).
    #[arg(long, value_name = "PATH")]
    existing: Vec<PathBuf>,
    /// A label to add; repeatable.
    #[arg(long = "label", value_name = "LABEL")]
    labels: Vec<String>,
    /// A JSON list of labels, an action input {"tasks": [...], "times": N}, or named lists
    /// (with --request).
    #[arg(long = "labels", value_name = "PATH")]
    labels_file: Option<PathBuf>,
    /// Which named list of --labels to use.
    #[arg(long, value_name = "NAME")]
    request: Option<String>,
    /// How many times the action repeats the whole computation (1 to 100).
    #[arg(long)]
    times: Option<u32>,
    /// The decision's parameters.yml or parameters.json.
    #[arg(long, value_name = "PATH")]
    parameters: Option<PathBuf>,
    /// Index answers: {"index": {path: taskId}, "statuses": {taskId: status}}.
    #[arg(long, value_name = "PATH")]
    index: Option<PathBuf>,
    /// The creation time, RFC 3339 (default: now).
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// The decision task (default for files: a placeholder; required to load over HTTP).
    #[arg(long)]
    decision_task_id: Option<String>,
    #[arg(long, default_value = DEFAULT_ACTION)]
    action_task_id: String,
    /// Default: from the decision task's schedulerId over HTTP, else "gecko".
    #[arg(long)]
    trust_domain: Option<String>,
    /// Whose action code to reproduce: gecko (Firefox's gecko_taskgraph) or taskgraph.
    /// Default: detected from the decision task (trust domain gecko or comm: gecko).
    #[arg(long, value_parser = ["gecko", "taskgraph"])]
    flavour: Option<String>,
    /// Default: the decision's schedulerId over HTTP, else the parameters' level, else 3.
    #[arg(long)]
    level: Option<String>,
    #[arg(long, default_value = crate::session::DEFAULT_ROOT_URL)]
    root_url: String,
    /// The Taskcluster proxy action tasks use for private artifacts ("" for none).
    #[arg(long, default_value = "http://taskcluster")]
    proxy_url: String,
    /// Preview another action than add-new-jobs: retrigger, retrigger-multiple,
    /// rebuild-cached-tasks (taskgraph's callbacks), or add-new-jobs itself.
    #[arg(long, value_name = "NAME")]
    action: Option<String>,
    /// The action's input as JSON (e.g. '{"downstream": true, "times": 2}'); --label and
    /// --times fill in add-new-jobs' tasks and the times of either.
    #[arg(long, value_name = "JSON")]
    input: Option<String>,
    /// The decision's target-tasks.json, for actions that read it (gecko's run-missing-tests;
    /// over HTTP it is fetched).
    #[arg(long, value_name = "PATH")]
    target_tasks: Option<PathBuf>,
    /// For a task action (retrigger): the taskId of the task (its label is looked up in the
    /// merged label-to-taskid.json); or give its label with --label.
    #[arg(long, value_name = "TASK_ID")]
    task_id: Option<String>,
    /// Print the whole preview as one JSON object.
    #[arg(long)]
    json: bool,
    #[arg(long, value_enum, default_value = "add-new-jobs")]
    mode: ModeArg,
    /// New taskIds as a counter (NewTaskId0000000000001, ...) instead of random slugids.
    #[arg(long)]
    deterministic_ids: bool,
    /// Also output each iteration's task-graph.json artifact.
    #[arg(long)]
    with_task_graph: bool,
    /// Give up on an HTTP request after this many seconds (over HTTP only).
    #[arg(long, default_value_t = 120)]
    timeout_seconds: u64,
    /// Print how long reading, parsing, previewing and writing took, to stderr.
    #[arg(long)]
    timings: bool,
}

#[derive(clap::Args, Debug)]
struct TriggerArgs {
    #[command(flatten)]
    preview: PreviewArgs,
    /// Really send the trigger (otherwise only print what would be sent).
    #[arg(long)]
    yes: bool,
    /// Print the exact HTTP request that would be sent, and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// After triggering, wait for the action task and compare what it created (its
    /// label-to-taskid.json and each created task's definition) with the preview; exits 3 when
    /// they differ.
    #[arg(long)]
    follow: bool,
    /// Seconds between status polls when following.
    #[arg(long, default_value_t = 15)]
    poll_seconds: u64,
}

#[derive(clap::Args, Debug)]
struct BenchArgs {
    #[command(flatten)]
    preview: PreviewArgs,
    /// How many previews to time on the loaded graph.
    #[arg(long, default_value_t = 20)]
    repeat: usize,
}

#[derive(clap::Args, Debug)]
struct GenArgs {
    /// Number of tasks.
    #[arg(long, default_value_t = 1000)]
    tasks: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder (created).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let done = |r: Result<(), String>| r.map(|()| ExitCode::SUCCESS);
    let result = match cli.command {
        Command::Preview(args) => done(run_preview(&args)),
        Command::Bench(args) => done(run_bench(&args)),
        Command::Trigger(args) => run_trigger(&args),
        Command::GenGraph(args) => done(run_gen(&args)),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn named(path: &Path) -> String {
    path.display().to_string()
}

/// The labels of `--labels`: a list, `{"tasks": [...]}`, or named lists picked by `--request`.
/// The labels of `--labels`, and the `times` of an action input that has one.
fn labels_from_file(
    path: &Path,
    request: Option<&str>,
) -> Result<(Vec<String>, Option<u32>), String> {
    let value: Value = serde_json::from_slice(&read(path)?)
        .map_err(|e| format!("{}: not JSON: {e}", named(path)))?;
    let times = match value.get("times") {
        None => None,
        Some(t) => Some(
            t.as_u64()
                .and_then(|t| u32::try_from(t).ok())
                .ok_or_else(|| {
                    format!(
                        "{}: \"times\" must be an integer from 1 to 100, not {t}",
                        named(path)
                    )
                })?,
        ),
    };
    let list = match (&value, request) {
        (Value::Array(_), _) => value.clone(),
        (Value::Object(map), None) if map.get("tasks").is_some_and(Value::is_array) => {
            map.get("tasks").cloned().unwrap_or(Value::Null)
        }
        (Value::Object(map), Some(name)) => map.get(name).cloned().ok_or_else(|| {
            format!(
                "{}: no list named {name:?} (has: {})",
                named(path),
                map.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })?,
        (Value::Object(map), None) => {
            return Err(format!(
                "{}: holds named lists; pick one with --request ({})",
                named(path),
                map.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        }
        _ => {
            return Err(format!(
                "{}: must be a JSON list of labels or {{\"tasks\": [...]}}",
                named(path)
            ))
        }
    };
    let labels = serde_json::from_value(list)
        .map_err(|e| format!("{}: the labels must be strings: {e}", named(path)))?;
    Ok((labels, times))
}

/// Everything `preview` reads, loaded (from files or over HTTP): the push as a [`Session`]
/// (what the page's worker and the JS API keep too), and what the arguments ask of it.
struct Inputs {
    session: Session,
    /// With --action: the calls and reruns the action task will make, and its input and task.
    plan: Option<engine::callbacks::Plan>,
    action_input: Value,
    task_label: Option<String>,
    labels: Vec<String>,
    /// `times` of an action input given with `--labels`.
    times: Option<u32>,
    now: chrono::NaiveDateTime,
}

/// The graph of `--graph`, or the push of `--decision-task-id`.
enum Loaded {
    File(Box<FullTaskGraph>),
    Push(Box<loader::Push>, NativeTransport),
}

fn load_graph_or_push(
    args: &PreviewArgs,
    chosen_flavour: Option<engine::Flavour>,
) -> Result<Loaded, String> {
    match (&args.graph, &args.decision_task_id) {
        (Some(path), _) => Ok(Loaded::File(Box::new(load_graph(path)?))),
        (None, Some(decision)) => {
            let transport =
                NativeTransport::new(std::time::Duration::from_secs(args.timeout_seconds));
            let (push, ()) = pollster::block_on(loader::load_push(
                &transport,
                &args.root_url,
                decision,
                chosen_flavour,
                RetryPolicy::default(),
                &report_progress,
                |_| async {},
            ))
            .map_err(|e| e.to_string())?;
            Ok(Loaded::Push(Box::new(push), transport))
        }
        (None, None) => Err(
            "give --graph PATH, or --decision-task-id ID to load the push from --root-url".into(),
        ),
    }
}

fn load_inputs(args: &PreviewArgs) -> Result<Inputs, String> {
    let mut labels = args.labels.clone();
    let mut times = None;
    if let Some(path) = &args.labels_file {
        let (more, file_times) = labels_from_file(path, args.request.as_deref())?;
        labels.extend(more);
        times = file_times;
    }
    if args.labels.is_empty() && args.labels_file.is_none() && args.action.is_none() {
        return Err("no labels: give --label (repeatable) or --labels PATH".into());
    }
    let now = match &args.now {
        Some(text) => datestamps::parse_rfc3339(text).ok_or_else(|| {
            format!("--now {text:?} is not an RFC 3339 time (e.g. 2025-12-01T00:00:00.000Z)")
        })?,
        None => chrono::Utc::now().naive_utc(),
    };
    let mut parameters = match &args.parameters {
        Some(path) => {
            Some(parse::parameters(&read(path)?, &named(path)).map_err(|e| e.to_string())?)
        }
        None => None,
    };
    let mut maps = Vec::new();
    let mut all_task_ids = engine::callbacks::AllTaskIds::new();
    let mut load_warnings = Vec::new();
    let mut run_id = 0;
    let chosen_flavour = args.flavour.as_deref().and_then(engine::Flavour::parse);
    let mut loaded_flavour = None;
    // The label-to-taskid files are read on a thread of their own while the graph loads.
    let (file_maps, loaded) = std::thread::scope(|scope| {
        let file_maps = scope.spawn(|| {
            args.existing
                .iter()
                .map(|path| {
                    parse::label_to_taskid(&read(path)?, &named(path)).map_err(|e| e.to_string())
                })
                .collect::<Result<Vec<_>, String>>()
        });
        let loaded = load_graph_or_push(args, chosen_flavour);
        let file_maps = match file_maps.join() {
            Ok(maps) => maps,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (file_maps, loaded)
    });
    // Over HTTP: the decision task, its trust domain and level, and the transport to go on with.
    let (graph, remote) = match loaded? {
        Loaded::File(graph) => (*graph, None),
        Loaded::Push(push, transport) => {
            let push = *push;
            maps.push(push.label_to_taskid);
            all_task_ids = push.all_task_ids;
            load_warnings.extend(push.warnings);
            if parameters.is_none() {
                parameters = Some(push.parameters);
            }
            run_id = push.run_id;
            loaded_flavour = Some((push.flavour, push.flavour_reason));
            let decision = (args.decision_task_id.clone()).unwrap_or(push.decision_task_id);
            let remote = (decision, push.trust_domain, push.level, transport);
            (push.full_task_graph, Some(remote))
        }
    };
    let parameters = parameters.unwrap_or_else(|| Value::Object(serde_json::Map::new()));
    maps.extend(file_maps?);
    // Only gecko's reruns read them: not built for a plain preview.
    if all_task_ids.is_empty() && args.action.as_deref() == Some("retrigger-multiple") {
        all_task_ids = engine::callbacks::all_task_ids(&maps);
    }
    let existing = parse::merge_label_to_taskid(maps);
    let context = match &remote {
        None => Context::local(
            args.decision_task_id.clone(),
            args.trust_domain.clone(),
            chosen_flavour,
            args.level.clone(),
            Some(args.root_url.clone()),
            &parameters,
        ),
        Some((decision, domain, level, _)) => {
            let (flavour, flavour_reason) = loaded_flavour
                .unwrap_or_else(|| engine::Flavour::resolve(chosen_flavour, domain, ""));
            Context {
                decision_task_id: decision.clone(),
                run_id,
                trust_domain: args.trust_domain.clone().unwrap_or_else(|| domain.clone()),
                level: args.level.clone().unwrap_or_else(|| level.clone()),
                root_url: args.root_url.clone(),
                flavour,
                flavour_reason,
            }
        }
    };
    let mut session = Session::from_parts(
        graph,
        context,
        existing,
        parameters,
        IndexAnswers::default(),
        None,
    );
    session.proxy_url = Some(args.proxy_url.clone()).filter(|p| !p.is_empty());
    session.all_task_ids = all_task_ids;
    session.load_warnings = load_warnings;
    let transport = remote.map(|(_, _, _, transport)| transport);
    session.target_tasks = match (&args.target_tasks, &transport, args.action.as_deref()) {
        (Some(path), _, _) => Some(
            serde_json::from_slice::<Vec<String>>(&read(path)?)
                .map_err(|e| format!("{}: not a list of labels: {e}", named(path)))?,
        ),
        (None, Some(transport), Some("run-missing-tests")) => Some(
            pollster::block_on(crate::session::load_target_tasks(
                transport,
                &args.root_url,
                &session.context.decision_task_id,
                run_id,
            ))
            .map_err(|e| e.to_string())?,
        ),
        _ => None,
    };
    let (plan, action_input, task_label) = match &args.action {
        Some(_) => {
            let (plan, input, task) = action_plan(args, &session, &labels, times)?;
            (Some(plan), input, task)
        }
        None => (None, Value::Null, None),
    };
    // The labels whose closures the index answers are for: every call's, for an action.
    let index_labels = plan.as_ref().map_or_else(|| labels.clone(), |p| p.labels());
    match (&args.index, &transport) {
        (Some(path), _) => {
            session.answers =
                parse::index_answers(&read(path)?, &named(path)).map_err(|e| e.to_string())?;
        }
        (None, Some(transport)) => {
            // Loaded over HTTP: the index answers are the session's to fetch, as the page's.
            session.remote = true;
            let mode = mode_of(args, &session.parameters);
            pollster::block_on(session.fetch_answers_in(transport, &index_labels, &mode)).map_err(
                |e| match e {
                    SessionError::Engine(e, _) => e.to_string(),
                    other => other.to_string(),
                },
            )?;
        }
        (None, None) => {}
    }
    // Over HTTP, the states of the tasks an action reruns (it reruns only failed or exception
    // ones): from the task group, as the page has them.
    if let (Some(plan), Some(transport)) = (&plan, &transport) {
        if !plan.reruns.is_empty() {
            match pollster::block_on(loader::task_group(
                transport,
                &args.root_url,
                &session.context.decision_task_id,
                RetryPolicy::default(),
            )) {
                Ok(tasks) => session.task_states = crate::session::task_states(&tasks),
                Err(e) => session.load_warnings.push(engine::Warning {
                    kind: "no-task-group".into(),
                    labels: vec![],
                    message: format!("the states of the tasks to rerun are unknown: {e}"),
                }),
            }
        }
    }
    Ok(Inputs {
        session,
        plan,
        action_input,
        task_label,
        labels,
        times,
        now,
    })
}

/// Tells a person at a terminal what is being fetched (scripts reading stderr see nothing).
fn report_progress(step: &str) {
    use std::io::IsTerminal as _;
    if std::io::stderr().is_terminal() {
        eprintln!("loading {step}");
    }
}

fn mode_of(args: &PreviewArgs, parameters: &Value) -> Mode {
    match args.mode {
        ModeArg::AddNewJobs => Mode::AddNewJobs {
            action_task_id: args.action_task_id.clone(),
        },
        ModeArg::Decision => Mode::Decision {
            do_not_optimize: parameters
                .get("do_not_optimize")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default(),
        },
    }
}

/// Reads and parses `full-task-graph.json` (plain or gzip) as a stream, so only the packed
/// text is ever in memory (see [`GraphStream`]). With more than one core, the text is cut
/// into parts where a top-level key starts a line (as upstream's `indent=2` writes them) and
/// the parts are scanned and packed on every core: a big plain file as one range of the file
/// a thread ([`load_in_ranges`]), gzip as parts of the inflated text that this thread hands
/// out as it inflates ([`gzip::load_in_parts`]). If a cut was not between entries, or anything
/// fails, the file is read again as one stream, whose result (or error) is the one that
/// counts.
fn load_graph(path: &Path) -> Result<FullTaskGraph, String> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    // A pipe (`--graph /dev/stdin`, `<(zcat …)`) can be read once: no sniffing, one stream.
    let regular_len = std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len());
    if let Some(len) = regular_len.filter(|_| threads > 1) {
        let gzip = is_gzip(path)?;
        let graph = if gzip {
            gzip::load_in_parts(path, threads)
        } else if len >= 32 << 20 {
            load_in_ranges(path, len, threads)
        } else {
            None
        };
        if let Some(graph) = graph {
            return Ok(graph);
        }
    }
    let (source, gzip) = open_graph(path)?;
    let mut stream = match (!gzip).then(|| FileStore::open(path)).flatten() {
        Some(store) => GraphStream::new().reading_back(store),
        None => GraphStream::new(),
    };
    feed_from(source, &mut stream)
        .map_err(|e| {
            format!(
                "{}: {}",
                named(path),
                if gzip {
                    format!("bad gzip data: {e}")
                } else {
                    format!("cannot read: {e}")
                }
            )
        })?
        .map_err(|e| format!("{}: {e}", named(path)))?;
    stream.finish().map_err(|e| format!("{}: {e}", named(path)))
}

/// A plain graph file as the [`engine::TextStore`] its stream reads definitions back from,
/// instead of keeping the text (compressing 370 MB cost a quarter of the CLI's time, and
/// their de-indenting a fifth). It refuses once the file's length or modification time is
/// not what it was when opened.
struct FileStore {
    file: std::sync::Mutex<std::fs::File>,
    seen: (u64, Option<std::time::SystemTime>),
}

impl FileStore {
    /// The store for `path` if it is a regular file (a pipe cannot be read again).
    fn open(path: &Path) -> Option<std::sync::Arc<dyn engine::TextStore>> {
        Some(std::sync::Arc::new(FileStore::open_file(path)?))
    }

    /// [`FileStore::open`], as itself.
    fn open_file(path: &Path) -> Option<FileStore> {
        let file = std::fs::File::open(path).ok()?;
        let meta = file.metadata().ok()?;
        if !meta.is_file() {
            return None;
        }
        Some(FileStore {
            seen: (meta.len(), meta.modified().ok()),
            file: std::sync::Mutex::new(file),
        })
    }

    /// The file's length when it was opened.
    fn len(&self) -> u64 {
        self.seen.0
    }
}

impl engine::TextStore for FileStore {
    fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<(), String> {
        use std::io::{Read as _, Seek as _};
        let mut file = self
            .file
            .lock()
            .map_err(|_| "cannot read it again (a reader failed)".to_string())?;
        let meta = file
            .metadata()
            .map_err(|e| format!("cannot read it again: {e}"))?;
        if (meta.len(), meta.modified().ok()) != self.seen {
            return Err("the file changed while it was being read: run again".into());
        }
        file.seek(std::io::SeekFrom::Start(offset as u64))
            .and_then(|_| file.read_exact(buf))
            .map_err(|e| format!("cannot read it again: {e}"))
    }
}

/// Whether the graph file is gzip (its first two bytes), without a decoder's set-up.
fn is_gzip(path: &Path) -> Result<bool, String> {
    use std::io::Read as _;
    let fail = |e: std::io::Error| format!("cannot read {}: {e}", named(path));
    let mut head = Vec::with_capacity(2);
    std::fs::File::open(path)
        .map_err(fail)?
        .take(2)
        .read_to_end(&mut head)
        .map_err(fail)?;
    Ok(head == parse::GZIP_MAGIC)
}

/// The graph file's text as a reader (inflated if it is gzip), and whether it is gzip.
fn open_graph(path: &Path) -> Result<(Box<dyn std::io::Read + Send>, bool), String> {
    use std::io::BufRead as _;
    let fail = |e: std::io::Error| format!("cannot read {}: {e}", named(path));
    let file = std::fs::File::open(path).map_err(fail)?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let gzip = reader
        .fill_buf()
        .map_err(fail)?
        .starts_with(&parse::GZIP_MAGIC);
    Ok(if gzip {
        (Box::new(flate2::read::MultiGzDecoder::new(reader)), true)
    } else {
        (Box::new(reader), false)
    })
}

/// Feeds `stream` what `source` reads, read on a second thread. The outer error is the
/// reader's, the inner one the stream's. The reader's buffers go back to it once fed (fresh
/// ones would each cost the kernel a megabyte of zeroed pages).
fn feed_from(
    mut source: Box<dyn std::io::Read + Send>,
    stream: &mut GraphStream,
) -> Result<Result<(), engine::Error>, std::io::Error> {
    const PIECE: usize = 1 << 20;
    let (send, receive) = std::sync::mpsc::sync_channel::<std::io::Result<(Vec<u8>, usize)>>(4);
    let (give_back, take_back) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        scope.spawn(move || loop {
            let mut piece = take_back.try_recv().unwrap_or_else(|_| vec![0u8; PIECE]);
            let read = source.read(&mut piece).map(|n| (piece, n));
            let last = !matches!(&read, Ok((_, n)) if *n > 0);
            if send.send(read).is_err() || last {
                break;
            }
        });
        for read in receive {
            let (piece, n) = read?;
            if n == 0 {
                break;
            }
            if let Err(e) = stream.feed(piece.get(..n).unwrap_or(&[])) {
                return Ok(Err(e));
            }
            // The reader may have finished: then the buffer is simply dropped.
            let _ = give_back.send(piece);
        }
        Ok(Ok(()))
    })
}

/// Feeds `stream` what `source` reads, read on this thread (a file range: the read is a copy
/// from the page cache, nothing to wait for). Errors as [`feed_from`]'s.
fn feed_inline(
    mut source: Box<dyn std::io::Read + Send>,
    stream: &mut GraphStream,
) -> Result<Result<(), engine::Error>, std::io::Error> {
    let mut piece = vec![0u8; 1 << 20];
    loop {
        let n = source.read(&mut piece)?;
        if n == 0 {
            return Ok(Ok(()));
        }
        if let Err(e) = stream.feed(piece.get(..n).unwrap_or(&[])) {
            return Ok(Err(e));
        }
    }
}

/// [`load_graph`] for a big plain file: one range of the file for each of `threads` threads,
/// read and scanned on its own (cut where a top-level key starts a line); the ranges' parts
/// are joined in order. No copy between threads, and no reader that every byte goes through:
/// each range's thread reads its own bytes ([`feed_inline`]; a reader thread per range, as
/// [`feed_from`] has, cost 5 % more wall time and 9 % more CPU on two cores). `None` when the
/// file cannot be cut so or any range fails.
fn load_in_ranges(path: &Path, len: u64, threads: usize) -> Option<FullTaskGraph> {
    use std::io::{Read as _, Seek as _};
    let read_range = |from: u64, to: u64| -> Option<Box<dyn std::io::Read + Send>> {
        let mut file = std::fs::File::open(path).ok()?;
        file.seek(std::io::SeekFrom::Start(from)).ok()?;
        Some(Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            file.take(to - from),
        )))
    };
    // For each share of the file past the first, the first line in it that starts a key.
    let mut cuts = vec![0];
    for i in 1..threads as u64 {
        let near = len / threads as u64 * i;
        // A key starts a line within a few lines, but one entry may be long.
        let cut_after = |reach: u64| -> Option<u64> {
            let mut bytes = Vec::new();
            read_range(near, len.min(near + reach))?
                .read_to_end(&mut bytes)
                .ok()?;
            Some(near + GraphStream::cut_in(&bytes)? as u64)
        };
        let cut = cut_after(256 << 10).or_else(|| cut_after(8 << 20))?;
        if cut <= *cuts.last()? || cut >= len {
            return None;
        }
        cuts.push(cut);
    }
    cuts.push(len);
    let ranges: Vec<(u64, u64)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();
    let (last, parts) = ranges.split_last()?;
    let store = FileStore::open(path)?;
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .enumerate()
            .map(|(i, &(from, to))| {
                let store = store.clone();
                scope.spawn(move || {
                    let mut stream = if i == 0 {
                        GraphStream::new()
                    } else {
                        GraphStream::continuation()
                    }
                    .reading_back(store);
                    feed_inline(read_range(from, to)?, &mut stream).ok()?.ok()?;
                    stream.into_part()
                })
            })
            .collect();
        let mut rest = GraphStream::continuation().reading_back(store);
        let fed = feed_inline(read_range(last.0, last.1)?, &mut rest)
            .ok()?
            .ok();
        let parts: Option<Vec<engine::stream::Part>> = (handles.into_iter())
            .map(|handle| handle.join().ok().flatten())
            .collect();
        fed?;
        // The first range is always a part of its own: none would mean no first range.
        let parts = parts.filter(|parts| !parts.is_empty())?;
        rest.finish_after_parts(parts).ok()
    })
}

/// The preview request `args` and `inputs` describe (an action replaces its labels and times):
/// the session's, in the mode, with the threads and artifacts the arguments ask for.
fn request_of<'a>(args: &PreviewArgs, inputs: &'a Inputs) -> Request<'a> {
    let times = args.times.or(inputs.times).unwrap_or(1);
    Request {
        mode: mode_of(args, &inputs.session.parameters),
        with_task_graph: args.with_task_graph,
        threads: std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        ..inputs.session.request(&inputs.labels, times, inputs.now)
    }
}

/// Where new taskIds come from: `--deterministic-ids` counts, else random slugids.
fn id_source(args: &PreviewArgs) -> Box<dyn engine::TaskIdSource> {
    if args.deterministic_ids {
        Box::new(CounterIds::golden())
    } else {
        Box::new(slugid::nice)
    }
}

fn compute(args: &PreviewArgs, inputs: &Inputs) -> Result<engine::Preview, String> {
    let request = request_of(args, inputs);
    let preview = (inputs.session)
        .run(&request, &mut *id_source(args))
        .map_err(|e| e.to_string())?;
    read_back(args, &inputs.session.graph)?;
    Ok(preview)
}

/// A graph whose definitions were read back from its file ([`FileStore`]) is trusted only if
/// every read succeeded: the error names the file and why.
fn read_back(args: &PreviewArgs, graph: &FullTaskGraph) -> Result<(), String> {
    match (graph.read_back_failure(), &args.graph) {
        (None, _) => Ok(()),
        (Some(why), Some(path)) => Err(format!("{}: {why}", named(path))),
        (Some(why), None) => Err(why),
    }
}

/// `preview --action NAME`: every `create_tasks` call of the action and its reruns.
fn run_action_preview(args: &PreviewArgs) -> Result<(), String> {
    let inputs = load_inputs(args)?;
    let Some(plan) = &inputs.plan else {
        return Err("no action to preview".into());
    };
    let request = request_of(args, &inputs);
    let graph = &inputs.session.graph;
    let preview = (inputs.session)
        .run_plan(plan, &request, &mut *id_source(args))
        .map_err(|e| e.to_string())?;
    read_back(args, graph)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let text = if args.json {
        let mut text = serde_json::to_string(&preview).map_err(|e| format!("cannot write: {e}"))?;
        text.push('\n');
        text
    } else {
        action_summary(graph, &inputs, &preview)
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write: {e}"))
}

/// The readable summary of an action: reruns, then each call as `preview` prints one.
fn action_summary(
    graph: &FullTaskGraph,
    inputs: &Inputs,
    preview: &engine::callbacks::ActionPreview,
) -> String {
    let mut s = flavour_line(inputs);
    let _ = writeln!(
        s,
        "action {}: {} create_tasks call(s), {} rerun(s)",
        preview.action,
        preview.calls.len(),
        preview.reruns.len()
    );
    for rerun in &preview.reruns {
        let _ = writeln!(s, "  rerun {}  {}", rerun.label, rerun.task_id);
    }
    for call in &preview.calls {
        let suffix = if call.suffix.is_empty() {
            "(none)"
        } else {
            &call.suffix
        };
        let _ = writeln!(s, "\n== call with suffix {suffix} ==");
        let one = engine::Preview {
            requested: call.requested.clone(),
            times: 1,
            closure: call.closure.clone(),
            index_paths: Vec::new(),
            iterations: vec![call.iteration.clone()],
            warnings: Vec::new(),
        };
        s.push_str(&summary(graph, &one));
    }
    write_warnings(&mut s, &preview.warnings);
    s
}

/// The summary's first line: whose action code is reproduced, and why.
fn flavour_line(inputs: &Inputs) -> String {
    let context = &inputs.session.context;
    format!(
        "flavour: {} ({})\n",
        context.flavour, context.flavour_reason
    )
}

/// The summary's warnings section (nothing when there are none).
fn write_warnings(s: &mut String, warnings: &[engine::Warning]) {
    if !warnings.is_empty() {
        let _ = writeln!(s, "\nWarnings:");
    }
    for w in warnings {
        let _ = writeln!(s, "  [{}] {}", w.kind, w.message);
    }
}

/// The plan of `--action`, with the input and the task it was computed for: the input from
/// `--input`, completed by `--label`/`--labels` (the tasks of add-new-jobs, the task of
/// retrigger) and `--times` (for the actions whose input has it), planned by the session as
/// for the page.
fn action_plan(
    args: &PreviewArgs,
    session: &Session,
    labels: &[String],
    file_times: Option<u32>,
) -> Result<(engine::callbacks::Plan, Value, Option<String>), String> {
    let action = args.action.as_deref().unwrap_or("add-new-jobs");
    let mut input = match &args.input {
        Some(text) => {
            serde_json::from_str::<Value>(text).map_err(|e| format!("--input is not JSON: {e}"))?
        }
        None => Value::Object(serde_json::Map::new()),
    };
    if let Value::Object(map) = &mut input {
        if action == "add-new-jobs" && !map.contains_key("tasks") {
            map.insert("tasks".into(), serde_json::json!(labels));
        }
        if let Some(times) = args.times.or(file_times) {
            if matches!(action, "add-new-jobs" | "retrigger") {
                map.entry("times").or_insert(serde_json::json!(times));
            }
        }
    }
    let task_label = match &args.task_id {
        Some(id) => Some(
            engine::callbacks::label_of(&session.existing, id)
                .cloned()
                .ok_or_else(|| format!("--task-id {id}: no task of this push has that taskId"))?,
        ),
        None => labels.first().cloned(),
    };
    let plan = session
        .plan(action, &input, task_label.as_deref())
        .map_err(|e| e.to_string())?;
    Ok((plan, input, task_label))
}

fn run_preview(args: &PreviewArgs) -> Result<(), String> {
    if args.action.is_some() {
        return run_action_preview(args);
    }
    let started = std::time::Instant::now();
    let mut marks: Vec<(&str, std::time::Duration)> = Vec::new();
    let inputs = load_inputs(args)?;
    let graph = &inputs.session.graph;
    marks.push(("load", started.elapsed()));
    let preview = compute(args, &inputs)?;
    marks.push(("preview", started.elapsed()));

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    if args.json {
        serde_json::to_writer(&mut out, &preview).map_err(|e| format!("cannot write: {e}"))?;
        out.write_all(b"\n")
            .map_err(|e| format!("cannot write: {e}"))?;
    } else {
        out.write_all(flavour_line(&inputs).as_bytes())
            .map_err(|e| format!("cannot write: {e}"))?;
        out.write_all(summary(graph, &preview).as_bytes())
            .map_err(|e| format!("cannot write: {e}"))?;
    }
    out.flush().map_err(|e| format!("cannot write: {e}"))?;
    marks.push(("write output", started.elapsed()));
    if args.timings {
        let mut last = std::time::Duration::ZERO;
        let parts: Vec<String> = marks
            .iter()
            .map(|(name, at)| {
                let part = format!("{name} {:.1} ms", (*at - last).as_secs_f64() * 1e3);
                last = *at;
                part
            })
            .collect();
        let (text, held) = graph.text_bytes();
        eprintln!(
            "timings: {}; total {:.1} ms ({} tasks, {} edges; {:.1} MB of text held in {:.1} MB)",
            parts.join(", "),
            last.as_secs_f64() * 1e3,
            graph.len(),
            graph.edge_count(),
            text as f64 / 1e6,
            held as f64 / 1e6
        );
    }
    // The process ends with this call: its 50k tasks go back to the system with it, rather
    // than being freed one by one first.
    std::mem::forget(inputs);
    Ok(())
}

/// The readable summary: counts, created tasks grouped by kind, reused dependencies with their
/// source, removed tasks, warnings.
fn summary(graph: &FullTaskGraph, preview: &engine::Preview) -> String {
    let mut s = String::new();
    for (i, it) in preview.iterations.iter().enumerate() {
        if preview.times > 1 {
            let _ = writeln!(s, "== iteration {} of {} ==", i + 1, preview.times);
        }
        let _ = writeln!(
            s,
            "{} requested, {} in the closure: {} created, {} reused, {} removed",
            preview.requested.len(),
            preview.closure.len(),
            it.created.len(),
            it.reused.len(),
            it.removed.len()
        );
        let pools = crate::protocol::runs_on(&it.worker_pools);
        if !pools.is_empty() {
            let _ = writeln!(s, "{pools}");
        }
        let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for label in it.created.keys() {
            let kind = graph.get(label).map_or("?", |t| t.kind.as_str());
            by_kind.entry(kind).or_default().push(label);
        }
        if !by_kind.is_empty() {
            let _ = writeln!(s, "\nCreated:");
        }
        for (kind, labels) in by_kind {
            let _ = writeln!(s, "  {kind} ({})", labels.len());
            for label in labels {
                let reason = it.reasons.get(label).map_or("", String::as_str);
                let _ = writeln!(s, "    {label}  [{reason}]");
                if let Some(path) = it.why.get(label) {
                    let _ = writeln!(s, "      needed by: {}", path.join(" → "));
                }
            }
        }
        if !it.reused.is_empty() {
            let _ = writeln!(s, "\nReused:");
        }
        for (label, reuse) in &it.reused {
            let source = match &reuse.index_path {
                Some(path) => format!("index {path}"),
                None => reuse.source.clone(),
            };
            let _ = writeln!(s, "    {label}  {}  ({source})", reuse.task_id);
        }
        if !it.removed.is_empty() {
            let _ = writeln!(s, "\nRemoved:");
        }
        for (label, reason) in &it.removed {
            let _ = writeln!(s, "    {label}  ({reason})");
        }
    }
    write_warnings(&mut s, &preview.warnings);
    s
}

fn run_trigger(args: &TriggerArgs) -> Result<ExitCode, String> {
    if args.preview.graph.is_some() {
        return Err(
            "trigger loads the push over HTTP: give --root-url and --decision-task-id, not --graph"
                .into(),
        );
    }
    if args.preview.action.is_some() {
        return run_action_trigger(args);
    }
    let mut inputs = load_inputs(&args.preview)?;
    let preview = compute(&args.preview, &inputs)?;
    print!("{}", summary(&inputs.session.graph, &preview));
    let transport = decision_actions(args, &mut inputs)?;
    // What Treeherder sends: the labels, and `times` when not 1.
    let times = args.preview.times.or(inputs.times).unwrap_or(1);
    let (_, request) = (inputs.session)
        .trigger_request(&inputs.labels, times, &slugid::nice())
        .map_err(|e| e.to_string())?;
    let Some(action_task_id) = send_or_print(args, &transport, request, "add-new-jobs")? else {
        return Ok(ExitCode::SUCCESS);
    };
    if !args.follow {
        return Ok(ExitCode::SUCCESS);
    }
    follow_and_print(args, &transport, &action_task_id, &preview.calls())
}

/// `--follow`: waits for the action task, compares each of the preview's `calls` with what it
/// created, prints what it found; the exit status (see [`print_comparison`]).
fn follow_and_print(
    args: &TriggerArgs,
    transport: &NativeTransport,
    action_task_id: &str,
    calls: &[(String, &engine::Iteration)],
) -> Result<ExitCode, String> {
    let comparison = pollster::block_on(crate::taskcluster::trigger::follow(
        transport,
        &args.preview.root_url,
        action_task_id,
        calls,
        std::time::Duration::from_secs(args.poll_seconds),
        std::time::Duration::from_secs(3600),
    ))
    .map_err(|e| e.to_string())?;
    Ok(print_comparison(action_task_id, &comparison))
}

/// What `--follow` found; the exit status: 0 when the preview matched, 3 when it differs.
fn print_comparison(
    action_task_id: &str,
    comparison: &crate::taskcluster::trigger::Comparison,
) -> ExitCode {
    if comparison.differences.is_empty() {
        println!(
            "preview matched: action task {action_task_id} ({}) created and reused exactly what was previewed ({})",
            comparison.state,
            crate::taskcluster::trigger::definitions_compared(comparison.definitions_checked)
        );
    } else {
        println!(
            "preview differs from action task {action_task_id} ({}):",
            comparison.state
        );
        for d in &comparison.differences {
            println!("  - {d}");
        }
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}

/// `trigger --action NAME`: previews the action, then renders the decision's action of that
/// name for the task's context (its tags, fetched from the queue, pick the variant; `taskId` is
/// the task for task actions) and sends it once with `--yes`.
fn run_action_trigger(args: &TriggerArgs) -> Result<ExitCode, String> {
    let mut inputs = load_inputs(&args.preview)?;
    let Some(plan) = inputs.plan.take() else {
        return Err("no action to trigger".into());
    };
    let request = request_of(&args.preview, &inputs);
    let preview = (inputs.session)
        .run_plan(&plan, &request, &mut || slugid::nice())
        .map_err(|e| e.to_string())?;
    print!(
        "{}",
        action_summary(&inputs.session.graph, &inputs, &preview)
    );
    let transport = decision_actions(args, &mut inputs)?;
    // A task action needs the task: its id for the hook's context, its tags to pick the variant.
    let task_id = match &inputs.task_label {
        Some(label) if !matches!(plan.action.as_str(), "add-new-jobs" | "rebuild-cached-tasks" | "retrigger-multiple") => Some(
            inputs
                .session
                .existing
                .get(label)
                .cloned()
                .ok_or_else(|| format!("{label:?}: no task of this push has that label, so there is no task to retrigger"))?,
        ),
        _ => None,
    };
    let task = match &task_id {
        Some(id) => Some(
            pollster::block_on(crate::session::task_definition(
                &transport,
                &args.preview.root_url,
                id,
            ))
            .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let (_, request) = (inputs.session)
        .action_trigger_request(
            &plan.action,
            &inputs.action_input,
            task_id.as_deref().zip(task.as_ref()),
            &slugid::nice(),
        )
        .map_err(|e| e.to_string())?;
    let sent = send_or_print(args, &transport, request, &plan.action)?;
    let (Some(action_task_id), true) = (sent, args.follow) else {
        return Ok(ExitCode::SUCCESS);
    };
    let calls: Vec<(String, &engine::Iteration)> = (preview.calls.iter())
        .map(|c| (c.suffix.clone(), &c.iteration))
        .collect();
    let code = follow_and_print(args, &transport, &action_task_id, &calls)?;
    if !preview.reruns.is_empty() {
        println!(
            "  ({} rerun(s) are not in label-to-taskid.json: check those tasks' runs)",
            preview.reruns.len()
        );
    }
    if preview
        .calls
        .iter()
        .any(|c| !c.iteration.duplicates.is_empty())
    {
        println!("  (copies made for task_duplicates are not in label-to-taskid.json and are not compared)");
    }
    Ok(code)
}

/// A transport for the trigger, with the decision's `actions.json` (of the run whose artifacts
/// were used) loaded into the session.
fn decision_actions(args: &TriggerArgs, inputs: &mut Inputs) -> Result<NativeTransport, String> {
    let transport =
        NativeTransport::new(std::time::Duration::from_secs(args.preview.timeout_seconds));
    let actions = pollster::block_on(crate::taskcluster::trigger::load_actions(
        &transport,
        &args.preview.root_url,
        &inputs.session.context.decision_task_id,
        inputs.session.context.run_id,
        RetryPolicy::default(),
    ))
    .map_err(|e| e.to_string())?;
    inputs.session.actions = Some(actions);
    Ok(transport)
}

/// Without `--yes` (or with `--dry-run`) prints the request and sends nothing; else signs it
/// with the environment's credentials and sends it once. The action task's id, when sent.
fn send_or_print(
    args: &TriggerArgs,
    transport: &NativeTransport,
    mut request: crate::taskcluster::client::HttpRequest,
    action_name: &str,
) -> Result<Option<String>, String> {
    use crate::taskcluster::trigger;
    if args.dry_run || !args.yes {
        println!("\n{} {}", request.method, request.url);
        for (name, value) in &request.headers {
            println!("{name}: {value}");
        }
        println!("Authorization: Hawk ... (signed with your credentials when sent)\n");
        let body: Value = serde_json::from_slice(request.body.as_deref().unwrap_or(b"null"))
            .unwrap_or(Value::Null);
        println!(
            "{}",
            serde_json::to_string_pretty(&body).unwrap_or_default()
        );
        println!("\nnot sent: add --yes to trigger {action_name:?}");
        return Ok(None);
    }
    let credentials = credentials_from_env()?;
    let now = chrono::Utc::now().timestamp();
    trigger::sign(
        &mut request,
        &args.preview.root_url,
        &credentials,
        u64::try_from(now).unwrap_or(0),
        &slugid::nice(),
    )
    .map_err(|e| e.to_string())?;
    let action_task_id =
        pollster::block_on(trigger::send(transport, &request)).map_err(|e| e.to_string())?;
    println!("\ntriggered {action_name:?}: action task {action_task_id}");
    Ok(Some(action_task_id))
}

/// The user's credentials from the environment variables Taskcluster's tools use.
fn credentials_from_env() -> Result<crate::taskcluster::hawk::Credentials, String> {
    let get = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (get("TASKCLUSTER_CLIENT_ID"), get("TASKCLUSTER_ACCESS_TOKEN")) {
        (Some(client_id), Some(access_token)) => Ok(crate::taskcluster::hawk::Credentials {
            client_id,
            access_token,
            certificate: get("TASKCLUSTER_CERTIFICATE"),
        }),
        _ => Err("triggering needs credentials: set TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN (and TASKCLUSTER_CERTIFICATE for temporary ones)".into()),
    }
}

fn run_bench(args: &BenchArgs) -> Result<(), String> {
    let started = std::time::Instant::now();
    let inputs = load_inputs(&args.preview)?;
    let graph = &inputs.session.graph;
    let load = started.elapsed();
    let mut times = Vec::with_capacity(args.repeat);
    let mut created = 0;
    for _ in 0..args.repeat.max(1) {
        let t = std::time::Instant::now();
        let preview = compute(&args.preview, &inputs)?;
        times.push(t.elapsed());
        created = preview.iterations.first().map_or(0, |i| i.created.len());
    }
    times.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    println!(
        "{} tasks, {} edges; load {:.1} ms; preview of {} labels ({} created): min {:.3} ms, median {:.3} ms, max {:.3} ms over {} runs",
        graph.len(),
        graph.edge_count(),
        ms(load),
        inputs.labels.len(),
        created,
        ms(times.first().copied().unwrap_or_default()),
        ms(times.get(times.len() / 2).copied().unwrap_or_default()),
        ms(times.last().copied().unwrap_or_default()),
        times.len()
    );
    Ok(())
}

fn run_gen(args: &GenArgs) -> Result<(), String> {
    let push = crate::synth::generate(&crate::synth::Config {
        tasks: args.tasks,
        seed: args.seed,
    });
    push.write_to(&args.out)
        .map_err(|e| format!("cannot write into {}: {e}", args.out.display()))
}
