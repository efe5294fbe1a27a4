//! The stand-in Taskcluster server; all logic lives in the `standin` library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use standin::{serve, serve_storage, Config, Faults};

/// Serve pushes from a folder on the real Taskcluster REST paths.
#[derive(Parser, Debug)]
#[command(name = "standin", version)]
struct Args {
    /// The folder to serve (see the module docs of `standin` for its layout).
    #[arg(long)]
    dir: PathBuf,
    /// First lay out the bundled sample pushes in --dir (application-services' real graph as
    /// AppServicesDecision001, a generated 50,000-task gecko push as GeckoSyntheticDecision).
    #[arg(long)]
    sample: bool,
    /// Also lay out a push from a folder of its decision's artifacts (`full-task-graph.json`
    /// or `.json.gz`, `label-to-taskid.json`, `parameters.yml`, `target-tasks.json` if any) as
    /// decision task ID (repeatable), e.g. `--push TranslationsDecision01=tests/data/real/translations`.
    #[arg(long = "push", value_name = "ID=FOLDER")]
    push: Vec<String>,
    /// Address to listen on; port 0 picks a free one (printed on the first line).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// Append every triggerHook/createTask call to this file, one JSON object per line.
    #[arg(long)]
    record: Option<PathBuf>,
    /// Answer 500 to the first N requests.
    #[arg(long, default_value_t = 0)]
    fail_first: u64,
    /// Delay every answer by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Cut artifacts whose name contains this in half.
    #[arg(long)]
    truncate: Option<String>,
    /// Answer 404 for artifacts whose name contains this (an expired push).
    #[arg(long)]
    expire: Option<String>,
    /// Answer 500 to every request whose URL contains this.
    #[arg(long)]
    fail_matching: Option<String>,
    /// Send every body at this many bytes per second (e.g. 6250000 for 50 Mbit/s).
    #[arg(long, value_name = "BYTES_PER_S")]
    rate: Option<u64>,
    /// Apply --rate only to answers whose URL contains this (e.g. full-task-graph).
    #[arg(long, requires = "rate")]
    rate_only: Option<String>,
    /// Artifacts whose name contains this send half their bytes, then stall.
    #[arg(long)]
    stall: Option<String>,
    /// Requests whose URL contains this are handled (a trigger is recorded) but never answered.
    #[arg(long)]
    hang: Option<String>,
    /// Every other request whose URL contains this answers 503.
    #[arg(long)]
    flap: Option<String>,
    /// List task groups this many tasks per page (default 5000).
    #[arg(long, value_name = "N")]
    group_page: Option<usize>,
    /// Append every request's method and path to this file.
    #[arg(long)]
    log: Option<PathBuf>,
    /// Serve the built page (static files) from this folder for paths outside /api/.
    #[arg(long)]
    www: Option<PathBuf>,
    /// Also serve artifacts from a storage origin on this address (port 0: a free one), as
    /// Taskcluster does: the queue answers artifact requests with a 303 redirect there, and
    /// JSON and YAML artifacts arrive with `Content-Encoding: gzip`.
    #[arg(long)]
    storage_listen: Option<String>,
    /// Serve the page with a strict Content-Security-Policy, as a host like Treeherder would.
    #[arg(long)]
    csp: bool,
    /// With --csp: an origin the page may connect to besides its own (repeatable), e.g. the
    /// Taskcluster root URL and its artifact storage.
    #[arg(long = "csp-connect", value_name = "ORIGIN")]
    csp_connect: Vec<String>,
    /// Register an OAuth2 client for third-party login (repeatable): its id and the prefix
    /// every redirect_uri it uses must start with, e.g.
    /// `taskgraph-preview=https://tools.example.com/preview/`. The client `taskgraph-preview`
    /// may always redirect to the stand-in's own origin.
    #[arg(long = "login-client", value_name = "ID=REDIRECT_URI_PREFIX")]
    login_client: Vec<String>,
    /// The scopes every OAuth2 client is registered with (repeatable; default
    /// `hooks:trigger-hook:*`). As on Taskcluster, a sign-in asking for another set is refused
    /// with `invalid_scope`.
    #[arg(long = "login-scope", value_name = "SCOPE")]
    login_scope: Vec<String>,
    /// The user signed in to the stand-in's login: a clientId of credentials.json, which
    /// issues the temporary credentials (default demo-sheriff).
    #[arg(long)]
    login_user: Option<String>,
}

fn listen(address: &str) -> Result<(std::net::TcpListener, String), String> {
    let listener = std::net::TcpListener::bind(address)
        .map_err(|e| format!("error: cannot listen on {address}: {e}"))?;
    let bound = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    Ok((listener, format!("http://{bound}")))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut login_clients = Vec::new();
    for client in &args.login_client {
        match client.split_once('=') {
            Some((id, prefix))
                if !id.is_empty()
                    && (prefix.starts_with("http://") || prefix.starts_with("https://")) =>
            {
                login_clients.push((id.to_string(), prefix.to_string()));
            }
            _ => {
                eprintln!(
                    "error: --login-client {client:?}: expected ID=REDIRECT_URI_PREFIX with an http(s) prefix"
                );
                return ExitCode::FAILURE;
            }
        }
    }
    if args.sample {
        if !standin::samples_present(&args.dir) {
            eprintln!(
                "laying out the sample pushes in {} (the 50,000-task one takes a few seconds, once)",
                args.dir.display()
            );
        }
        if let Err(e) = standin::write_samples(&args.dir) {
            eprintln!(
                "error: cannot write the sample pushes into {}: {e}",
                args.dir.display()
            );
            return ExitCode::FAILURE;
        }
    }
    for push in &args.push {
        let Some((id, folder)) = push
            .split_once('=')
            .filter(|(id, f)| !id.is_empty() && !f.is_empty())
        else {
            eprintln!("error: --push {push:?}: expected ID=FOLDER");
            return ExitCode::FAILURE;
        };
        if let Err(e) = standin::write_push_from_folder(&args.dir, id, std::path::Path::new(folder))
        {
            eprintln!("error: --push {push:?}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let (server, address) = match listen(&args.listen) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let storage = match args.storage_listen.as_deref().map(listen).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    // The first line is read by tests and scripts to learn the port, the second (with
    // --storage-listen) the storage origin.
    println!("listening on {address}");
    if let Some((_, storage_url)) = &storage {
        println!("artifact storage on {storage_url}");
    }
    let _ = std::io::Write::flush(&mut std::io::stdout());
    let config = Config {
        dir: args.dir,
        record: args.record,
        log: args.log,
        www: args.www,
        storage: storage.as_ref().map(|(_, url)| url.clone()),
        csp: args.csp.then(|| standin::strict_csp(&args.csp_connect)),
        login: standin::Login::new(login_clients, args.login_scope, args.login_user),
        faults: Faults {
            fail_first: args.fail_first,
            delay: Duration::from_millis(args.delay_ms),
            truncate: args.truncate,
            expire: args.expire,
            fail_matching: args.fail_matching,
            rate: args.rate,
            rate_only: args.rate_only,
            stall: args.stall,
            hang: args.hang,
            flap: args.flap,
            group_page: args.group_page,
        },
    };
    if let Some((storage_listener, _)) = storage {
        let storage_config = config.clone();
        std::thread::spawn(move || serve_storage(storage_listener, storage_config));
    }
    match serve(server, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
