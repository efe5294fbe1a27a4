//! Whose action code runs in the action task: standalone taskcluster-taskgraph's callbacks, or
//! Firefox's `gecko_taskgraph` (gecko and comm-central pushes).
//!
//! For add-new-jobs the two compute the same `create_tasks` on taskgraph's optimizer (checked
//! against gecko's `actions/add_new_jobs.py` and `actions/util.py`; the revision followed is
//! named in ARCHITECTURE.md). They differ in two places:
//!
//! * which earlier runs' `label-to-taskid.json` are merged (the Taskcluster layer's
//!   `prior_run_namespaces`), and
//! * which optimization strategy names are registered: gecko registers about 40 more
//!   ([`GECKO_STRATEGIES`]). None of them can replace a task (gecko's strategies only
//!   implement `should_remove_task`, and its aliases and composites are built from them and
//!   `never`), and an action never calls `should_remove_task` on a dependency, so in an
//!   add-new-jobs preview they act as `never`, exactly like upstream's own `never`.

use serde::{Deserialize, Serialize};

/// The action code a push runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// taskcluster-taskgraph's own callbacks (`taskgraph/actions/`).
    #[default]
    Taskgraph,
    /// Firefox's `gecko_taskgraph/actions/` (Firefox and Thunderbird pushes).
    Gecko,
}

/// The strategy names `gecko_taskgraph.optimize` registers (`optimize/__init__.py`,
/// `strategies.py`, `backstop.py`, `bugbug.py`, `docs.py`), sorted. gecko also re-registers
/// `skip-unless-changed` (remove-only, like upstream's); `index-search`, `never` and `always`
/// stay upstream's.
pub const GECKO_STRATEGIES: &[&str] = &[
    "bugbug-high",
    "bugbug-low",
    "bugbug-medium",
    "bugbug-reduced",
    "bugbug-reduced-fallback",
    "bugbug-reduced-high",
    "bugbug-reduced-manifests",
    "bugbug-reduced-manifests-config-selection",
    "bugbug-reduced-manifests-config-selection-high",
    "bugbug-reduced-manifests-config-selection-low",
    "bugbug-reduced-manifests-fallback",
    "bugbug-reduced-manifests-fallback-last-10-pushes",
    "bugbug-reduced-manifests-fallback-low",
    "bugbug-tasks-high",
    "bugbug-tasks-medium",
    "build",
    "docs",
    "perf-cadence-android",
    "perf-cadence-backstop",
    "perf-cadence-default",
    "perf-cadence-expanded",
    "platform-debug",
    "platform-disperse",
    "platform-disperse-no-unseen",
    "platform-disperse-only-one",
    "reprocess-symbols",
    "skip-unless-android-perftest-backstop",
    "skip-unless-backstop",
    "skip-unless-expanded",
    "skip-unless-has-relevant-tests",
    "skip-unless-missing",
    "skip-unless-missing-or-changed",
    "skip-unless-mozlint",
    "skip-unless-schedules",
    "skip-unless-sphinx-js",
    "test",
    "test-backstop",
    "test-inclusive",
    "test-verify",
    "upload-symbols",
];

impl Flavour {
    /// `taskgraph` or `gecko`.
    pub fn name(self) -> &'static str {
        match self {
            Flavour::Taskgraph => "taskgraph",
            Flavour::Gecko => "gecko",
        }
    }

    /// Parses `taskgraph` or `gecko` (as the CLI and the JS API take it).
    pub fn parse(text: &str) -> Option<Flavour> {
        match text {
            "taskgraph" => Some(Flavour::Taskgraph),
            "gecko" => Some(Flavour::Gecko),
            _ => None,
        }
    }

    /// Whether this flavour registers `strategy` beyond taskgraph's built-ins (`never`,
    /// `always`, `skip-unless-changed`, `index-search`), as a strategy that never replaces.
    pub fn registers(self, strategy: &str) -> bool {
        match self {
            Flavour::Taskgraph => false,
            Flavour::Gecko => GECKO_STRATEGIES.binary_search(&strategy).is_ok(),
        }
    }

    /// The flavour the user chose, else the one detected from the decision task ([`detect`]),
    /// with the reason shown to the user.
    ///
    /// [`detect`]: Flavour::detect
    pub fn resolve(
        chosen: Option<Flavour>,
        trust_domain: &str,
        decision_command: &str,
    ) -> (Flavour, String) {
        match chosen {
            Some(f) => (f, "chosen by the user".into()),
            None => Flavour::detect(trust_domain, decision_command),
        }
    }

    /// The flavour of a push's decision task, and the evidence: Firefox (`gecko`) and
    /// Thunderbird (`comm`) pushes run gecko_taskgraph's actions; so does a decision that runs
    /// `mach taskgraph decision`. Everything else runs taskgraph's.
    pub fn detect(trust_domain: &str, decision_command: &str) -> (Flavour, String) {
        if matches!(trust_domain, "gecko" | "comm") {
            return (
                Flavour::Gecko,
                format!("trust domain {trust_domain:?}: Firefox's gecko_taskgraph"),
            );
        }
        if decision_command.contains("mach") && decision_command.contains("taskgraph decision") {
            return (
                Flavour::Gecko,
                "the decision task runs `mach taskgraph decision`".into(),
            );
        }
        (
            Flavour::Taskgraph,
            format!("trust domain {trust_domain:?}: taskcluster-taskgraph"),
        )
    }
}

impl std::fmt::Display for Flavour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gecko_names_are_sorted_for_binary_search() {
        assert!(GECKO_STRATEGIES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn only_gecko_registers_gecko_names() {
        assert!(Flavour::Gecko.registers("skip-unless-schedules"));
        assert!(Flavour::Gecko.registers("bugbug-reduced-manifests-fallback-last-10-pushes"));
        assert!(Flavour::Gecko.registers("upload-symbols"));
        assert!(!Flavour::Gecko.registers("skip-unless-files-changed"));
        assert!(!Flavour::Taskgraph.registers("skip-unless-schedules"));
    }

    #[test]
    fn detection() {
        assert_eq!(Flavour::detect("gecko", "").0, Flavour::Gecko);
        assert_eq!(Flavour::detect("comm", "").0, Flavour::Gecko);
        assert_eq!(
            Flavour::detect("nss", "taskgraph decision").0,
            Flavour::Taskgraph
        );
        let (f, why) = Flavour::detect(
            "mozilla-vpn",
            "./mach --log-no-times taskgraph decision --pushlog-id 1",
        );
        assert_eq!(f, Flavour::Gecko);
        assert!(why.contains("mach taskgraph decision"), "{why}");
        assert_eq!(Flavour::parse("gecko"), Some(Flavour::Gecko));
        assert_eq!(Flavour::parse("Gecko"), None);
    }
}
