//! Helpers shared by the integration tests that run the binaries: test data, the binaries'
//! output, scratch folders, and the stand-in (started on a free port, serving a push that
//! [`push::Push`] wrote).

pub mod push;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;

use serde_json::Value;

/// A file under `tests/data`.
pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// An empty scratch folder path for one test, `<temp>/tgp-<name>-<pid>` (whatever an earlier
/// run left there removed; not created). Every test of the binary runs in this one process, so
/// each names its own folder; a name asked for twice panics rather than share it.
pub fn scratch(name: &str) -> PathBuf {
    static TAKEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let fresh = TAKEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(name.to_string());
    assert!(fresh, "two tests ask for the scratch folder {name:?}");
    let dir = std::env::temp_dir().join(format!("tgp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Asserts the command succeeded (showing its stderr if not).
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts the command succeeded and parses its stdout as JSON.
pub fn stdout_json(out: &Output) -> Value {
    assert_success(out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A running stand-in Taskcluster; killed (and its folder removed) when dropped.
pub struct Standin {
    pub child: std::process::Child,
    pub url: String,
    pub dir: PathBuf,
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes `bytes` to `dir/rel`, creating folders.
pub fn put(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// The stand-in's binary (its own package, `standin/`): `$STANDIN` if set, else the one built
/// beside this test binary (`cargo build -p standin`, which `make unit` runs first).
pub fn standin_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("STANDIN") {
        return PathBuf::from(path);
    }
    // target/<profile>/deps/suite-<hash> → target/<profile>/standin
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().and_then(Path::parent).unwrap().join("standin");
    assert!(
        path.exists(),
        "the stand-in is not built at {}: run `cargo build -p standin` first (make unit does)",
        path.display()
    );
    path
}

/// Starts the stand-in binary on `dir` with `args` (on a free port) and waits for its address.
pub fn start_standin(dir: PathBuf, args: &[&str]) -> Standin {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(standin_binary())
        .args(["--dir", dir.to_str().unwrap()])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().trim_start_matches("listening on ").to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    Standin { child, url, dir }
}
