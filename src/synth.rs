//! A deterministic generator of gecko-shaped pushes for benchmarks and differential tests.
//!
//! The graph has the layers of a Firefox push: docker images, fetches, toolchains, builds per
//! platform and build type, signing (with `if_dependencies`), and many test chunks per
//! platform, with about 4.6 edges and about 7 KB of JSON per task. Definitions use every
//! construct the engine must resolve: `task-reference` strings and dict keys, `MOZ_FETCHES`
//! JSON, public and private `artifact-reference`s, `<decision>`, `relative-datestamp`s, soft
//! dependencies, `index-search`, `skip-unless-changed` and gecko's own strategies (`build`,
//! `test`, `skip-unless-schedules`, `bugbug-*`, `platform-disperse`, `skip-unless-expanded`),
//! which upstream taskgraph does not register. Performance suites include browsertime tests with
//! their visual-metrics tasks. The push also has a decision `label-to-taskid.json`, index answers
//! (hits, failed tasks, tasks that expire too early) and named requests.
//!
//! Randomness is a seeded splitmix64, so `(tasks, seed)` always gives the same bytes.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use serde_json::{json, Map, Value};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub tasks: usize,
    pub seed: u64,
}

/// A generated push.
#[derive(Debug, Clone)]
pub struct Push {
    pub full_task_graph: Map<String, Value>,
    pub label_to_taskid: BTreeMap<String, String>,
    pub parameters_yaml: String,
    /// Named label lists (`one-test`, `fifty-tests-across-platforms`, `all-<suite>`, ...).
    pub requests: BTreeMap<String, Vec<String>>,
    /// `{"index": {...}, "statuses": {...}}`.
    pub index: Value,
    /// The decision's `target-tasks.json`: what it targeted before optimization (the opt
    /// and shippable builds, signing and tests); the few of them not in `label_to_taskid` were
    /// optimized away, which gecko's run-missing-tests adds.
    pub target_tasks: Vec<String>,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    /// A slugid-shaped taskId (22 characters of url-safe base64, first in `[A-Za-f]`).
    fn task_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut id = String::with_capacity(22);
        id.push(char::from(
            ALPHABET.get(self.below(32)).copied().unwrap_or(b'A'),
        ));
        for _ in 1..22 {
            id.push(char::from(
                ALPHABET.get(self.below(64)).copied().unwrap_or(b'A'),
            ));
        }
        id
    }
}

const DECISION: &str = "DecisionTaskId00000000A";
const SUITES: &[(&str, usize)] = &[
    ("mochitest-plain", 16),
    ("mochitest-browser-chrome", 16),
    ("mochitest-devtools-chrome", 8),
    ("xpcshell", 8),
    ("reftest", 8),
    ("crashtest", 4),
    ("jsreftest", 4),
    ("web-platform-tests", 24),
    ("web-platform-tests-reftest", 6),
    ("marionette", 2),
    ("gtest", 1),
    ("cppunittest", 1),
    ("mochitest-a11y", 2),
    ("mochitest-media", 3),
    ("talos-g1", 1),
    ("talos-tp5o", 1),
    ("raptor-speedometer", 1),
    ("raptor-tp6", 12),
    ("browsertime-tp6", 4),
];
const OSES: &[&str] = &[
    "linux64",
    "linux64-asan",
    "macosx1015-64",
    "windows11-64",
    "windows11-32",
    "android-hw-a55",
    "linux64-tsan",
    "linux64-ccov",
    "macosx1500-aarch64",
    "windows11-64-ccov",
];

/// Generates a push of about `config.tasks` tasks.
pub fn generate(config: &Config) -> Push {
    let mut rng = Rng(config.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5EED);
    let n = config.tasks.max(40);
    let mut g = Map::new();
    let mut l2t = BTreeMap::new();
    let mut index = Map::new();
    let mut statuses = Map::new();

    // Docker images, fetches and toolchains: cached tasks with index-search.
    let n_images = (n / 2500).clamp(4, 24);
    let n_fetches = (n / 250).clamp(6, 200);
    let n_toolchains = (n / 250).clamp(6, 200);
    let images: Vec<String> = (0..n_images)
        .map(|i| format!("docker-image-img{i}"))
        .collect();
    for (i, label) in images.iter().enumerate() {
        let deps = if i > 0 {
            vec![("parent".to_string(), images[0].clone())]
        } else {
            vec![]
        };
        let opt = cached("docker-images.v2", label, &mut rng);
        g.insert(
            label.clone(),
            entry(
                &mut rng,
                label,
                "docker-image",
                &deps,
                opt,
                &[],
                &[],
                Role::Image,
            ),
        );
    }
    let fetches: Vec<String> = (0..n_fetches)
        .map(|i| format!("fetch-source-{i}"))
        .collect();
    for label in &fetches {
        let deps = vec![("docker-image".to_string(), images[0].clone())];
        g.insert(label.clone(), {
            let opt = cached("fetches.v1", label, &mut rng);
            entry(&mut rng, label, "fetch", &deps, opt, &[], &[], Role::Fetch)
        });
    }
    let toolchains: Vec<String> = (0..n_toolchains)
        .map(|i| format!("toolchain-linux64-tool{i}"))
        .collect();
    for (i, label) in toolchains.iter().enumerate() {
        let mut deps = vec![(
            "docker-image".to_string(),
            rng.pick(&images).cloned().unwrap_or_default(),
        )];
        for k in 0..2 {
            if let Some(f) = rng.pick(&fetches) {
                deps.push((format!("fetch-{k}"), f.clone()));
            }
        }
        if i > 3 {
            deps.push((
                "toolchain-base".to_string(),
                toolchains[rng.below(3)].clone(),
            ));
        }
        dedupe(&mut deps);
        g.insert(label.clone(), {
            let opt = cached("toolchains.v3", label, &mut rng);
            entry(
                &mut rng,
                label,
                "toolchain",
                &deps,
                opt,
                &[],
                &[],
                Role::Toolchain,
            )
        });
    }

    // Builds and signing per platform and build type; the rest are test chunks.
    let per_platform_tests: usize = SUITES.iter().map(|(_, c)| c).sum();
    let remaining = n.saturating_sub(g.len());
    // Each platform-buildtype has a build, a signing task and its tests.
    let variants_needed = (remaining / (per_platform_tests + 2)).max(1);
    let mut variants = Vec::new();
    'outer: for round in 0.. {
        for os in OSES {
            for bt in ["opt", "debug", "shippable"] {
                let platform = if round == 0 {
                    (*os).to_string()
                } else {
                    format!("{os}-v{round}")
                };
                variants.push((platform, bt));
                if variants.len() >= variants_needed {
                    break 'outer;
                }
            }
        }
    }
    let mut tests_by_suite: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut all_tests = Vec::new();
    let mut debug_tests = Vec::new();
    let mut budget = remaining;
    for (platform, bt) in &variants {
        let build = format!("build-{platform}/{bt}");
        let mut deps = vec![("docker-image".to_string(), images[0].clone())];
        for k in 0..5 {
            if let Some(t) = rng.pick(&toolchains) {
                deps.push((format!("toolchain-{k}"), t.clone()));
            }
        }
        for k in 0..2 {
            if let Some(f) = rng.pick(&fetches) {
                deps.push((format!("fetch-{k}"), f.clone()));
            }
        }
        dedupe(&mut deps);
        let family = platform.split('-').next().unwrap_or("linux64");
        g.insert(
            build.clone(),
            entry(
                &mut rng,
                &build,
                "build",
                &deps,
                json!({"build": [family, "firefox"]}),
                &[],
                &[],
                Role::Build,
            ),
        );
        let signing = format!("signing-{platform}/{bt}");
        g.insert(
            signing.clone(),
            entry(
                &mut rng,
                &signing,
                "build-signing",
                &[("build".into(), build.clone())],
                json!({"skip-unless-expanded": null}),
                &[],
                std::slice::from_ref(&build),
                Role::Signing,
            ),
        );
        budget = budget.saturating_sub(2);
        for (suite, chunks) in SUITES {
            for chunk in 1..=*chunks {
                if budget == 0 {
                    break;
                }
                budget -= 1;
                let label = format!("test-{platform}/{bt}-{suite}-{chunk}");
                let mut deps = vec![
                    ("build".to_string(), build.clone()),
                    (
                        "docker-image".to_string(),
                        rng.pick(&images).cloned().unwrap_or_default(),
                    ),
                ];
                for k in 0..2 {
                    if let Some(t) = rng.pick(&toolchains) {
                        deps.push((format!("toolchain-{k}"), t.clone()));
                    }
                }
                if rng.below(3) == 0 {
                    deps.push(("build-signing".to_string(), signing.clone()));
                }
                if rng.below(10) == 0 {
                    deps.push(("fetch-extra".to_string(), fetches[0].clone()));
                }
                if rng.below(50) == 0 {
                    // A filtered graph: a dependency on a label that is not there.
                    deps.push(("missing".to_string(), format!("{label}-filtered-out")));
                }
                dedupe(&mut deps);
                // Mostly gecko's `test` alias, as gecko's test transforms write it.
                let optimization = match rng.below(20) {
                    0 => json!({"skip-unless-changed": ["dom/**", "testing/mochitest/**"]}),
                    1 => json!({"skip-unless-schedules": [suite]}),
                    2 => json!({"bugbug-reduced-manifests-fallback": [family, suite]}),
                    3 => json!({"platform-disperse": null}),
                    4 => Value::Null,
                    _ => json!({"test": [family, suite]}),
                };
                let soft = if chunk == 1 && rng.below(4) == 0 {
                    vec![signing.clone()]
                } else {
                    vec![]
                };
                g.insert(
                    label.clone(),
                    entry(
                        &mut rng,
                        &label,
                        "test",
                        &deps,
                        optimization,
                        &soft,
                        &[],
                        Role::Test,
                    ),
                );
                tests_by_suite.entry(suite).or_default().push(label.clone());
                if *bt == "debug" {
                    debug_tests.push(label.clone());
                }
                if suite.starts_with("browsertime") && budget > 0 {
                    // gecko's visual-metrics task of a browsertime test runs on its results.
                    budget -= 1;
                    let vismet = format!("test-vismet-{platform}/{bt}-{suite}-{chunk}");
                    g.insert(
                        vismet.clone(),
                        entry(
                            &mut rng,
                            &vismet,
                            "visual-metrics-dep",
                            &[("browsertime".to_string(), label.clone())],
                            json!({"test": [family, "browsertime"]}),
                            &[],
                            &[],
                            Role::Test,
                        ),
                    );
                    all_tests.push(vismet);
                }
                all_tests.push(label);
            }
        }
    }

    // The decision ran opt and shippable variants and reused most cached tasks.
    for (i, label) in images.iter().enumerate() {
        if i % 5 != 4 {
            l2t.insert(label.clone(), rng.task_id());
        }
    }
    for (i, label) in fetches.iter().chain(toolchains.iter()).enumerate() {
        if i % 4 != 3 {
            l2t.insert(label.clone(), rng.task_id());
        }
    }
    let mut target_tasks = Vec::new();
    for (label, entry) in g.iter() {
        // Perf tests run only where their run_on_projects has the push's autoland.
        let on_autoland = entry["attributes"]["run_on_projects"]
            .as_array()
            .is_none_or(|p| {
                p.iter().any(|v| {
                    matches!(
                        v.as_str(),
                        Some("autoland" | "trunk" | "all" | "integration")
                    )
                })
            });
        // Browsertime tests are mostly optimized away on autoland (a backstop runs them now
        // and then): what add-all-browsertime is for.
        let backstop = !label.contains("browsertime") || rng.below(5) == 0;
        let ran = (label.starts_with("build-")
            || label.starts_with("signing-")
            || label.starts_with("test-"))
            && !label.contains("/debug")
            && on_autoland
            && backstop;
        if ran {
            target_tasks.push(label.clone());
        }
        if ran && rng.below(25) != 0 {
            l2t.insert(label.clone(), rng.task_id());
        }
    }
    // Index answers for the cached tasks: hits, failed tasks, tasks that expire too early.
    for label in images.iter().chain(&fetches).chain(&toolchains) {
        let Some(paths) = g
            .get(label)
            .and_then(|e| e["optimization"]["index-search"].as_array())
        else {
            continue;
        };
        for (k, path) in paths.iter().enumerate() {
            let Some(path) = path.as_str() else { continue };
            if rng.below(3) == 0 {
                continue;
            }
            let id = rng.task_id();
            let (state, expires) = match rng.below(8) {
                0 => ("failed", "2027-01-01T00:00:00.000Z"),
                1 => ("exception", "2027-01-01T00:00:00.000Z"),
                2 => ("completed", "2025-12-01T06:00:00.000Z"),
                3 if k == 0 => ("completed", "2025-12-01T23:59:59.999Z"),
                _ => ("completed", "2026-06-01T00:00:00.000Z"),
            };
            index.insert(path.to_string(), Value::String(id.clone()));
            statuses.insert(
                id,
                json!({"state": state, "expires": expires, "taskId": "", "runs": []}),
            );
        }
    }

    let mut requests = BTreeMap::new();
    let opt_tests: Vec<&String> = all_tests.iter().filter(|l| l.contains("/opt-")).collect();
    if let Some(first) = opt_tests.first() {
        requests.insert("one-test".to_string(), vec![(*first).clone()]);
    }
    let step = (all_tests.len() / 50).max(1);
    requests.insert(
        "fifty-tests-across-platforms".to_string(),
        all_tests.iter().step_by(step).take(50).cloned().collect(),
    );
    if let Some(suite_tests) = tests_by_suite.get("mochitest-browser-chrome") {
        requests.insert(
            "all-mochitest-browser-chrome".to_string(),
            suite_tests.clone(),
        );
    }
    if let Some(t) = debug_tests.iter().find(|t| {
        g.get(*t)
            .and_then(|e| e["dependencies"]["build"].as_str())
            .is_some_and(|b| !l2t.contains_key(b))
    }) {
        requests.insert("test-needing-new-build".to_string(), vec![t.clone()]);
    }
    let consumers: Vec<String> = all_tests
        .iter()
        .filter(|t| {
            g.get(*t)
                .and_then(|e| e["dependencies"].as_object())
                .is_some_and(|d| {
                    d.values().any(|v| {
                        v.as_str()
                            .is_some_and(|s| s.starts_with("toolchain-") && !l2t.contains_key(s))
                    })
                })
        })
        .take(20)
        .cloned()
        .collect();
    requests.insert("tests-with-uncached-toolchains".to_string(), consumers);

    let parameters_yaml = format!(
        "base_repository: https://hg.mozilla.org/mozilla-unified\nbase_rev: {base}\nbuild_date: 1764547200\n\
         do_not_optimize: []\nexisting_tasks: {{}}\nfiles_changed:\n- dom/base/nsDocument.cpp\n- browser/app/profile/firefox.js\n\
         head_repository: https://hg.mozilla.org/integration/autoland\nhead_rev: {head}\nlevel: '3'\n\
         moz_build_date: '20251201000000'\nowner: sheriff@mozilla.com\nproject: autoland\npushdate: 1764547200\n\
         pushlog_id: '{seed}4242'\nrepository_type: hg\ntarget_tasks_method: default\ntasks_for: hg-push\n",
        base = "a".repeat(40),
        head = "b".repeat(40),
        seed = config.seed,
    );
    Push {
        full_task_graph: g,
        label_to_taskid: l2t,
        parameters_yaml,
        requests,
        target_tasks,
        index: json!({"index": index, "statuses": statuses}),
    }
}

fn dedupe(deps: &mut Vec<(String, String)>) {
    let mut seen = std::collections::BTreeSet::new();
    deps.retain(|(_, l)| seen.insert(l.clone()));
}

fn cached(kind: &str, label: &str, rng: &mut Rng) -> Value {
    let digest = format!("{:016x}{:016x}", rng.next(), rng.next());
    let name = label.split_once('-').map_or(label, |(_, rest)| rest);
    json!({"index-search": [
        format!("gecko.cache.level-3.{kind}.{name}.hash.{digest}"),
        format!("gecko.cache.level-2.{kind}.{name}.hash.{digest}"),
        format!("gecko.cache.level-1.{kind}.{name}.hash.{digest}"),
    ]})
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Image,
    Fetch,
    Toolchain,
    Build,
    Signing,
    Test,
}

#[allow(clippy::too_many_arguments)]
fn entry(
    rng: &mut Rng,
    label: &str,
    kind: &str,
    deps: &[(String, String)],
    optimization: Value,
    soft: &[String],
    if_deps: &[String],
    role: Role,
) -> Value {
    let dependencies: Map<String, Value> = deps
        .iter()
        .map(|(n, l)| (n.clone(), Value::String(l.clone())))
        .collect();
    let platform = label
        .split_once('-')
        .map_or("misc", |(_, r)| r)
        .split('/')
        .next()
        .unwrap_or("misc")
        .to_string();
    let fetch_edges: Vec<&str> = deps
        .iter()
        .filter(|(n, _)| n.starts_with("toolchain") || n.starts_with("fetch"))
        .map(|(n, _)| n.as_str())
        .collect();
    let moz_fetches = format!(
        "[{}]",
        fetch_edges
            .iter()
            .map(|e| format!(
                "{{\"artifact\":\"public/build/{e}.tar.zst\",\"extract\":true,\"task\":\"<{e}>\"}}"
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut env = Map::new();
    env.insert("MOZ_AUTOMATION".into(), json!("1"));
    env.insert("MOZ_SCM_LEVEL".into(), json!("3"));
    env.insert(
        "GECKO_HEAD_REPOSITORY".into(),
        json!("https://hg.mozilla.org/integration/autoland"),
    );
    env.insert("GECKO_HEAD_REV".into(), json!("b".repeat(40)));
    if !fetch_edges.is_empty() {
        env.insert("MOZ_FETCHES".into(), json!({"task-reference": moz_fetches}));
        env.insert("MOZ_FETCHES_DIR".into(), json!("/builds/worker/fetches"));
    }
    if deps.iter().any(|(n, _)| n == "build") {
        env.insert(
            "GECKO_INSTALLER_URL".into(),
            json!({"artifact-reference": "<build/public/build/target.tar.bz2>"}),
        );
        env.insert("SYMBOLS_URL".into(), json!({"artifact-reference": "<build/private/build/target.crashreporter-symbols-full.tar.zst>"}));
        env.insert(
            "BUILD_TASK".into(),
            json!({"task-reference": "build=<build> self=<self> literal <<>x>"}),
        );
    }
    if role == Role::Image {
        env.insert(
            "CONTEXT_TASK_ID".into(),
            json!({"task-reference": "<decision>"}),
        );
    }
    // Harness options: mostly shared text, some per-task values (real graphs compress well).
    for i in 0..24 {
        env.insert(
            format!("MOZHARNESS_OPTION_{i:02}"),
            json!(format!(
                "--setting-{i}={}-{kind}-{platform}-{}",
                rng.below(64),
                "opt".repeat(8 + rng.below(6))
            )),
        );
    }
    let image_edge = deps
        .iter()
        .find(|(n, _)| n == "docker-image")
        .map(|(n, _)| n.clone());
    let image = match &image_edge {
        Some(edge) => json!({"path": "public/image.tar.zst", "taskId": {"task-reference": format!("<{edge}>")}, "type": "task-image"}),
        None => json!("mozillareleases/image_builder:5.0.0@sha256:e510a9a9b80385f71c112d61b2f2053da625aff2b6d430411ac42e424c58953f"),
    };
    let mut payload = json!({
        "artifacts": {
            "public/logs": {"expires": {"relative-datestamp": "28 days"}, "path": "/builds/worker/logs", "type": "directory"},
            "public/build": {"expires": {"relative-datestamp": "1 year"}, "path": "/builds/worker/artifacts", "type": "directory"}
        },
        "command": ["/builds/worker/bin/run-task", "--gecko-checkout=/builds/worker/checkouts/gecko", "--",
                    "bash", "-cx", format!("cd $GECKO_PATH && ./mach python testing/mozharness/scripts/run.py --label {label} --cfg {kind}.py")],
        "env": Value::Object(env),
        "features": {"taskclusterProxy": true, "chainOfTrust": role != Role::Test},
        "image": image,
        "maxRunTime": 5400 + rng.below(3600),
        "onExitStatus": {"retry": [4, 137]},
    });
    if let (Some(edge), Value::Object(p)) = (&image_edge, &mut payload) {
        p.insert(
            "cache".into(),
            json!({"task-reference": {format!("gecko-level-3-checkouts-sparse-v3-<{edge}>"): "/builds/worker/checkouts"}}),
        );
    }
    let symbol = label.rsplit('-').next().unwrap_or("X").to_string();
    let mut th = json!({
        "collection": {label.split('/').nth(1).map_or("opt", |r| r.split('-').next().unwrap_or("opt")): true},
        "jobKind": if role == Role::Test { "test" } else { "build" },
        "machine": {"platform": platform},
        "symbol": symbol,
        "tier": 1 + rng.below(2),
    });
    if role == Role::Test {
        if let Value::Object(t) = &mut th {
            t.insert("groupSymbol".into(), json!("M"));
            t.insert("groupName".into(), json!("Mochitests and friends"));
        }
    }
    let task = json!({
        "created": {"relative-datestamp": "0 seconds"},
        "deadline": {"relative-datestamp": if role == Role::Test { "1 day" } else { "2 days" }},
        "expires": {"relative-datestamp": if matches!(role, Role::Test | Role::Signing) { "28 days" } else { "1 year" }},
        "extra": {"index": {"rank": 0}, "parent": DECISION, "treeherder": th, "treeherder-platform": format!("{platform}/opt")},
        "metadata": {
            "description": format!("{kind} task {label}; generated for benchmarks ([Treeherder](https://treeherder.mozilla.org/jobs?repo=autoland))"),
            "name": label,
            "owner": "sheriff@mozilla.com",
            "source": format!("https://hg.mozilla.org/integration/autoland/file/{}/taskcluster/kinds/{kind}", "b".repeat(40)),
        },
        "payload": payload,
        "priority": "low",
        "provisionerId": if role == Role::Test { "releng-hardware" } else { "gecko-3" },
        "retries": 5,
        "routes": [format!("tc-treeherder.v2.autoland.{}.4242", "b".repeat(40)), format!("index.gecko.v2.autoland.latest.firefox.{}", label.replace('/', "-"))],
        "scopes": [
            "secrets:get:project/releng/gecko/build/level-3/*",
            {"task-reference": "docker-worker:cache:gecko-level-3-checkouts-<self>"},
            format!("queue:route:index.gecko.v2.autoland.latest.firefox.{}", label.replace('/', "-")),
        ],
        "tags": {"createdForUser": "sheriff@mozilla.com", "kind": kind, "label": label, "os": platform, "project": "autoland", "trust-domain": "gecko", "worker-implementation": "docker-worker"},
        "workerType": if role == Role::Test { "t-linux-large" } else { "b-linux-gcp" },
    });
    let mut attributes = json!({"build_platform": platform, "build_type": "opt", "run_on_projects": ["autoland", "mozilla-central"], "retrigger": role == Role::Test});
    let mut task = task;
    if role == Role::Test {
        // As taskgraph's task transforms tag a retriggerable task (actions match on it).
        if let Some(tags) = task.get_mut("tags").and_then(Value::as_object_mut) {
            tags.insert("retrigger".into(), json!("true"));
        }
        if kind == "test" {
            perf_attributes(label, &platform, &mut task, &mut attributes);
        }
    }
    if matches!(role, Role::Image | Role::Fetch | Role::Toolchain) {
        if let Value::Object(a) = &mut attributes {
            a.insert(
                "cached_task".into(),
                json!({"type": kind, "name": label, "digest": format!("{:016x}", rng.next())}),
            );
        }
    }
    json!({
        "attributes": attributes,
        "dependencies": dependencies,
        "description": format!("{kind} {label}"),
        "if_dependencies": if_deps,
        "kind": kind,
        "label": label,
        "optimization": optimization,
        "soft_dependencies": soft,
        "task": task,
    })
}

/// gecko's raptor attributes on performance tests (`extra.suite`, `raptor_try_name`,
/// `test_platform`, `run_on_projects`), which add-all-browsertime selects on (gecko's
/// `filter_raptor_jobs`): Android runs geckoview on `…-shippable/opt` platforms (no `-qr`), the
/// rest firefox; macOS 15 and Android are among the platforms the action skips; each test runs
/// on a set of projects picked from its label (some exclude the push's `autoland`).
fn perf_attributes(label: &str, platform: &str, task: &mut Value, attributes: &mut Value) {
    let Some((_, rest)) = label.split_once('/') else {
        return;
    };
    let (build_type, suite) = rest.split_once('-').unwrap_or((rest, ""));
    if !(suite.starts_with("browsertime") || suite.starts_with("raptor")) {
        return;
    }
    let android = platform.starts_with("android");
    // The test platform names the machine, not the sample's copy of it (`linux64-v3`).
    let platform = match platform.rsplit_once("-v") {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => platform,
    };
    let app = if android { "geckoview" } else { "firefox" };
    let test_platform = match (build_type, android) {
        ("debug", true) => format!("{platform}/debug"),
        ("shippable", true) => format!("{platform}-shippable/opt"),
        (_, true) => format!("{platform}/opt"),
        ("debug", false) => format!("{platform}-qr/debug"),
        ("shippable", false) => format!("{platform}-shippable-qr/opt"),
        _ => format!("{platform}-qr/opt"),
    };
    // A stable pick per label (FNV-1a), so the random stream and every other task stay put.
    let hash = label.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    const RUN_ON: [&[&str]; 6] = [
        &["autoland", "mozilla-central"],
        &["trunk"],
        &["mozilla-central"],
        &["all"],
        &["mozilla-central-only"],
        &["autoland", "mozilla-central"],
    ];
    let run_on = RUN_ON[(hash % RUN_ON.len() as u64) as usize];
    if let Some(extra) = task.get_mut("extra").and_then(Value::as_object_mut) {
        extra.insert("suite".into(), json!("raptor"));
    }
    if let Value::Object(a) = attributes {
        a.insert("raptor_try_name".into(), json!(format!("{suite}-{app}")));
        a.insert("test_platform".into(), json!(test_platform));
        a.insert("run_on_projects".into(), json!(run_on));
    }
}

impl Push {
    /// Writes `full-task-graph.json.gz`, `label-to-taskid.json`, `parameters.yml`,
    /// `requests.json` and `index.json` into `dir`.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let file = std::fs::File::create(dir.join("full-task-graph.json.gz"))?;
        let mut gz = flate2::write::GzEncoder::new(
            std::io::BufWriter::new(file),
            flate2::Compression::fast(),
        );
        serde_json::to_writer_pretty(&mut gz, &self.full_task_graph)?;
        gz.finish()?.flush()?;
        std::fs::write(
            dir.join("label-to-taskid.json"),
            serde_json::to_vec_pretty(&self.label_to_taskid)?,
        )?;
        std::fs::write(dir.join("parameters.yml"), &self.parameters_yaml)?;
        std::fs::write(
            dir.join("requests.json"),
            serde_json::to_vec_pretty(&self.requests)?,
        )?;
        std::fs::write(
            dir.join("index.json"),
            serde_json::to_vec_pretty(&self.index)?,
        )?;
        Ok(())
    }

    /// The graph as pretty-printed JSON text (like upstream's artifact).
    pub fn graph_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(&self.full_task_graph).unwrap_or_default()
    }
}
