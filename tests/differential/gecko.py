#!/usr/bin/env python3
"""Differential test of the gecko flavour against gecko_taskgraph's own action code.

The files our gecko flavour follows are vendored by the team in `../shared/vendor/gecko_taskgraph/`
(each headed by its repository and commit). At test time they are copied into a scratch
package `gecko_taskgraph` next to small stand-ins for the modules that were not vendored and
only reach the network or the decision task's disk (`decision`, `util/taskcluster`,
`util/taskgraph`, `actions/registry`), then their callbacks run for real with
taskcluster-taskgraph 24.5.1 installed:

* `fetch_graph_and_labels` runs as is: its `get_artifact` and `list_tasks` answer from the
  push's files (the decision's graph and map, the earlier action's and the cron task's maps
  under their index namespaces, `target-tasks.json`);
* `create.create_task`, the artifact writer, slugids and the clock are those of `upstream.py`;
* `get_task_definition` names the task the action was triggered on; `state_task` says
  `failed` (so every rerun the callback asks for is made) and `rerun_task` is recorded;
* `optimize/__init__.py` is gecko's `register_strategy` calls (vendored excerpt); the leaf
  strategies they alias are registered as never-replacing, as in `upstream.py`.

Our side is `taskgraph-preview preview --action NAME --flavour gecko` on the same files. Per
case, both become the canonical form of `compare.py` (every create_tasks call: created labels
with their `task_duplicates` copies, reused taskIds, every created definition; the reruns),
and gecko's `sys.exit(1)` and exceptions must be errors for us too.

The pushes come from this file's own generator (seeded, 300-3,000 tasks): docker images,
fetches, toolchains, builds, signing, tests with manifests and chunks, a mochitest kind, and
raptor/browsertime/talos tests on Android, macOS 15, shippable and non-shippable platforms
with `run_on_projects` that include and exclude the push's project; three maps (decision,
earlier action, cron) and `target-tasks.json`.

Usage: gecko.py --bin target/release/taskgraph-preview [--only SUBSTRING]
Without `../shared/vendor/gecko_taskgraph` it says so and exits 0 (nothing compared).
"""

import argparse
import importlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import compare
import upstream

HERE = Path(__file__).resolve().parent
VENDOR = HERE.parents[2] / "shared" / "vendor" / "gecko_taskgraph"
DECISION = compare.DECISION
ACTION = compare.ACTION
TRIGGERED_ON = "TaskOfTheAction0000001"
EARLIER_ACTION = "EarlierActionTask00001"
CRON = "CronTaskOfThePush00001"
VENDORED = {
    "actions/add_new_jobs.py", "actions/util.py", "actions/retrigger.py", "actions/backfill.py",
    "actions/run_missing_tests.py", "util/attributes.py", "util/constants.py",
}

# Stand-ins for the modules of gecko_taskgraph that were not vendored. Each only reaches the
# network or the decision task's files; the driver sets what they answer.
STANDINS = {
    "__init__.py": "",
    "actions/__init__.py": "",
    "util/__init__.py": "",
    "actions/registry.py": '''
CALLBACKS = {}


def register_callback_action(name, **kwargs):
    def register(fn):
        CALLBACKS[name] = fn
        return fn
    return register
''',
    "decision.py": '''
ARTIFACTS = {}


def write_artifact(name, data):
    ARTIFACTS[name] = data


def read_artifact(name):
    return ARTIFACTS[name]


def rename_artifact(src, dest):
    ARTIFACTS[dest] = ARTIFACTS.pop(src)
''',
    "util/taskcluster.py": '''
def state_task(task_id):
    return "failed"


def trigger_hook(*args, **kwargs):
    raise RuntimeError("an action previewed here never triggers another hook")
''',
    "util/taskgraph.py": '''
DECISION = []


def find_decision_task(parameters, graph_config):
    return DECISION[0]
''',
}


def build_package(root):
    """gecko_taskgraph under `root`: the vendored files as they are, the stand-ins, and
    `optimize/__init__.py` from the vendored registrations."""
    pkg = root / "gecko_taskgraph"
    for rel in VENDORED:
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(VENDOR / rel, pkg / rel)
    for rel, text in STANDINS.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    (pkg / "optimize").mkdir(exist_ok=True)
    (pkg / "optimize" / "__init__.py").write_text((VENDOR / "optimize" / "registrations.py").read_text())
    sys.path.insert(0, str(root))


def register_leaf_strategies():
    """Registers the leaf strategies gecko's aliases and composites are built from (not
    vendored: they only implement should_remove_task) as never-replacing, before gecko's own
    registrations run (a composite refuses unknown names), then the names our engine knows as
    gecko's (GECKO_STRATEGIES) that are still missing."""
    import re

    import taskgraph.optimize.base as ob

    text = (VENDOR / "optimize" / "registrations.py").read_text()
    own = set(re.findall(r'register_strategy\(\s*"([^"]+)"', text))
    used = set()
    for args in re.findall(r"args=\(([^)]*)\)", text):
        used.update(re.findall(r'"([^"]+)"', args))

    def leaf(name, why):
        if name not in ob.registry:
            ob.registry[name] = ob.OptimizationStrategy()
            ob.registry[name].description = f"{name} ({why}: never replaces)"

    for name in sorted(used - own):
        leaf(name, "gecko leaf")
    importlib.import_module("gecko_taskgraph.optimize")
    for name in upstream.gecko_strategies():
        leaf(name, "gecko")


# ---------------------------------------------------------------------------------------------
# The generator.

PLATFORMS = [  # (platform, build types, test_platform of a shippable opt test)
    ("linux1804-64", ["opt", "debug", "shippable"]),
    ("windows11-64", ["opt", "debug", "shippable"]),
    ("windows11-32", ["opt", "shippable"]),
    ("macosx1015-64", ["opt", "shippable"]),
    ("macosx1500-aarch64", ["opt", "shippable"]),
    ("android-hw-a55-aarch64", ["opt", "shippable"]),
]
SUITES = [("mochitest-plain", 5, "mochitest"), ("xpcshell", 4, "test"), ("reftest", 3, "test"),
          ("web-platform-tests", 6, "test"), ("mochitest-browser-chrome", 4, "mochitest"),
          ("gtest", 1, "test")]
PERF = ["browsertime-tp6-firefox-amazon", "browsertime-tp6-firefox-cnn", "browsertime-speedometer-firefox",
        "browsertime-tp6m-geckoview-cnn", "browsertime-tp6m-fenix-youtube", "browsertime-tp6-live-firefox-sheriffed",
        "browsertime-tp6-profiling-firefox-amazon", "browsertime-youtube-playback-firefox",
        "browsertime-tp6-geckoview-firefox-mix", "raptor-speedometer-firefox"]
TALOS = ["talos-g1", "talos-tp5o", "talos-damp"]
RUN_ON = [["all"], ["mozilla-central"], ["autoland", "mozilla-central"], ["trunk"], ["integration"],
          ["try"], [], ["mozilla-central-only"], ["autoland-only"], ["release"]]


def _test_platform(platform, build_type):
    if platform.startswith("android"):
        return f"{platform}-{'shippable' if build_type == 'shippable' else build_type}/{'opt' if build_type != 'debug' else 'debug'}"
    if build_type == "debug":
        return f"{platform}-qr/debug"
    return f"{platform}-{'shippable-' if build_type == 'shippable' else ''}qr/opt"


def make_push(seed, n, out):
    """Writes a gecko-shaped push of about `n` tasks into `out`; returns what cases pick from."""
    rng = random.Random(seed)
    project = ["autoland", "mozilla-central", "try"][seed % 3]
    graph, decision_map, target = {}, {}, []

    def task(label, kind, deps, attributes, *, symbol, group=None, platform="linux1804-64",
             optimization=None, extra=None, env=None, retrigger=False):
        th = {"symbol": symbol, "machine": {"platform": platform}, "collection": {"opt": True}, "tier": 1}
        if group:
            th["groupSymbol"] = group
        tags = {"kind": kind, "label": label, "createdForUser": "sheriff@mozilla.com"}
        if retrigger:
            tags["retrigger"] = "true"
        definition = {
            "provisionerId": "gecko-t", "workerType": f"t-{platform}",
            "created": {"relative-datestamp": "0 seconds"}, "deadline": {"relative-datestamp": "1 day"},
            "expires": {"relative-datestamp": "28 days"},
            "metadata": {"name": label, "description": f"{kind} {label}", "owner": "sheriff@mozilla.com",
                         "source": "https://hg.mozilla.org/try/file/tip/taskcluster/kinds"},
            "payload": {"env": dict(env or {}, MOZ_AUTOMATION="1"), "maxRunTime": 3600,
                        "command": ["run-task", "--", "./mach", kind]},
            "extra": dict(extra or {}, treeherder=th), "tags": tags, "priority": "low",
            "routes": [f"tc-treeherder.v2.{project}.abc.0"], "scopes": [],
        }
        attributes = dict(attributes, run_on_projects=attributes.get("run_on_projects", ["all"]))
        if retrigger:
            attributes["retrigger"] = True
        graph[label] = {"kind": kind, "label": label, "attributes": attributes, "dependencies": deps,
                        "optimization": optimization, "soft_dependencies": [], "if_dependencies": [],
                        "task": definition}
        return label

    images = [task(f"docker-image-{name}", "docker-image", {}, {"image_name": name}, symbol=f"I({name})",
                   optimization={"index-search": [f"gecko.cache.level-3.docker-images.v2.{name}.hash.{rng.getrandbits(32):08x}"]})
              for name in ["debian12-base", "ubuntu1804-test", "android-build", "custom-v8"]]
    fetches = [task(f"fetch-{name}", "fetch", {}, {}, symbol=f"Fetch({name})",
                    optimization={"index-search": [f"gecko.cache.level-3.content.v1.fetch-{name}.latest"]})
               for name in ["clang-17", "rust-1.80", "cbindgen", "nasm", "node-18"]]
    toolchains = []
    for name in ["linux64-clang", "linux64-rust", "linux64-cbindgen", "macosx64-sdk", "android-ndk"]:
        deps = {"docker-image": rng.choice(images), f"fetch-{name}": rng.choice(fetches)}
        toolchains.append(task(f"toolchain-{name}", "toolchain", deps, {}, symbol=f"TL({name})",
                               optimization={"index-search": [f"gecko.cache.level-3.toolchains.v3.{name}.latest"]}))
    builds, tests, perf, chunked = {}, [], [], []
    budget = n - len(graph)
    for platform, build_types in PLATFORMS:
        for bt in build_types:
            build = task(f"build-{platform}/{bt}", "build", {"toolchain": rng.choice(toolchains),
                         "docker-image": images[0]}, {"build_platform": platform, "build_type": bt,
                         "shippable": bt == "shippable"}, symbol="B", platform=platform,
                         optimization={"skip-unless-expanded": None} if bt == "debug" else None)
            signing = task(f"signing-{platform}/{bt}", "build-signing", {"build": build},
                           {"build_platform": platform}, symbol="Bs", platform=platform)
            builds[(platform, bt)] = (build, signing)
            budget -= 2
    # Chunks scale so that the push has about `n` tasks (perf tests take about 7 per build).
    scale = max(0.2, (budget - 7 * len(builds)) / (len(builds) * sum(c for _, c, _ in SUITES)))
    for (platform, bt), (build, signing) in builds.items():
        tp = _test_platform(platform, bt)
        for suite, chunks, kind in SUITES:
            for chunk in range(1, max(1, round(chunks * scale)) + 1):
                label = f"test-{platform}/{bt}-{suite}-{chunk}"
                manifests = [f"dom/{suite}/chunk{chunk}/{rng.choice(['a', 'b', 'c'])}.toml"]
                tests.append(task(
                    label, kind, {"build": build, "build-signing": signing, "docker-image": images[1]},
                    {"unittest_suite": suite, "test_chunk": str(chunk), "test_platform": tp,
                     "test_manifests": manifests, "run_on_projects": rng.choice(RUN_ON)},
                    symbol=f"{suite[:2]}{chunk}", group=suite.split("-")[0][:3].upper(), platform=platform,
                    optimization=rng.choice([{"test": ["mochitest"]}, {"skip-unless-schedules": [suite]},
                                             {"test-inclusive": ["x"]}, None]),
                    env={"MOZHARNESS_TEST_PATHS": json.dumps({suite: manifests})},
                    retrigger=rng.random() < 0.8))
                if chunks > 1:
                    chunked.append(label)
        for name in PERF + TALOS:
            if rng.random() < 0.45:
                continue
            suite = "talos" if name.startswith("talos") else "raptor"
            label = f"test-{platform}/{bt}-{name}"
            perf.append(task(label, "test", {"build": build, "build-signing": signing},
                             {"raptor_try_name": name, "test_platform": tp, "run_on_projects": rng.choice(RUN_ON),
                              "unittest_suite": suite},
                             symbol=name.split("-")[-1][:4], group="Btime", platform=platform,
                             extra={"suite": suite}, retrigger=True))
    # The decision ran the images, fetches, toolchains, the builds but one, and some tests.
    ran = images + fetches + toolchains + [b for pair in builds.values() for b in pair][:-2]
    ran += rng.sample(tests, len(tests) // 3) + rng.sample(perf, len(perf) // 4)
    for label in ran:
        decision_map[label] = f"D{rng.getrandbits(100):021x}"[:22]
    target = sorted(set(ran) | set(rng.sample(tests, len(tests) // 2)))
    # An earlier action retriggered some tests (a second taskId) and added others; a cron task
    # added a few more (disjoint from the action's, as gecko merges them in completion order).
    earlier = rng.sample(sorted(decision_map), 6) + rng.sample([t for t in tests if t not in decision_map], 4)
    action_map = {label: f"A{rng.getrandbits(100):021x}"[:22] for label in earlier}
    rest = [t for t in tests + perf if t not in decision_map and t not in action_map]
    cron_map = {label: f"C{rng.getrandbits(100):021x}"[:22] for label in rng.sample(rest, 3)}
    head_rev = f"{rng.getrandbits(160):040x}"
    params = {"project": project, "head_rev": head_rev, "level": "3", "files_changed": [],
              "pushlog_id": str(1000 + seed), "repository_type": "hg", "moz_build_date": "20251201000000"}
    out.mkdir(parents=True, exist_ok=True)
    files = {"graph": "full-task-graph.json", "decision": "label-to-taskid.json", "action": "action-label-to-taskid.json",
             "cron": "cron-label-to-taskid.json", "target": "target-tasks.json", "parameters": "parameters.yml"}
    for key, data in [("graph", graph), ("decision", decision_map), ("action", action_map), ("cron", cron_map),
                      ("target", target), ("parameters", params)]:
        (out / files[key]).write_text(json.dumps(data, indent=1))
    paths = {k: str(out / v) for k, v in files.items()}
    return {"paths": paths, "graph": graph, "decision": decision_map, "action": action_map, "cron": cron_map,
            "tests": tests, "perf": perf, "builds": builds, "chunked": chunked, "project": project,
            "head_rev": head_rev, "params": params}


def cases_of(name, push, rng):
    """(case name, action, input, task label) for every callback we preview, with edge cases."""
    tests, perf, d = push["tests"], push["perf"], push["decision"]
    g = push["graph"]
    retriggerable = [t for t in tests if g[t]["attributes"].get("retrigger")]
    not_retriggerable = [t for t in tests if not g[t]["attributes"].get("retrigger") and t in d]
    existing_rt = [t for t in retriggerable if t in d or t in push["action"]]
    missing = [t for t in tests if t not in d and t not in push["action"] and t not in push["cron"]]
    build = next(iter(push["builds"].values()))[0]
    yield f"{name}/add-new-jobs", "add-new-jobs", {"tasks": rng.sample(missing, 2), "times": 2}, None
    yield f"{name}/add-new-jobs-unknown-label", "add-new-jobs", {"tasks": [missing[0], "test-nowhere/opt-x-1"]}, None
    yield f"{name}/retrigger", "retrigger", {}, existing_rt[0]
    yield f"{name}/retrigger-times-3", "retrigger", {"times": 3}, existing_rt[1]
    yield f"{name}/retrigger-downstream-forced", "retrigger", {"downstream": True, "force": True, "times": 2}, build
    yield f"{name}/retrigger-refused", "retrigger", {}, build
    if not_retriggerable:
        yield f"{name}/retrigger-forced", "retrigger", {"force": True}, not_retriggerable[0]
    rerun = [t for t in not_retriggerable if t in push["action"]] + not_retriggerable
    requests = [{"tasks": rng.sample(existing_rt, 3), "times": 2}, {"tasks": rerun[:2] + existing_rt[2:3]}]
    yield f"{name}/retrigger-multiple", "retrigger-multiple", {"requests": requests}, None
    yield f"{name}/retrigger-multiple-unknown", "retrigger-multiple", {"requests": [{"tasks": ["test-nowhere/opt-x-1"]}]}, None
    yield f"{name}/run-missing-tests", "run-missing-tests", {}, None
    yield f"{name}/add-all-browsertime", "add-all-browsertime", {}, None
    revision = f"{rng.getrandbits(64):016x}"
    ran = [t for t in tests if t in d]
    yield f"{name}/backfill-task-skipped", "backfill-task", {"label": ran[0], "revision": revision, "retrigger": False}, None
    yield f"{name}/backfill-task-retrigger-manifests", "backfill-task", {
        "label": ran[1], "revision": revision, "retrigger": True, "times": 3,
        "test_manifests": ["dom/a/b.toml", "layout/é.toml"]}, None
    yield f"{name}/backfill-task-new", "backfill-task", {"label": missing[1], "revision": revision, "times": 1}, None
    chunk = next(t for t in push["chunked"] if t.endswith("-1"))
    yield f"{name}/backfill-task-missing-chunk", "backfill-task", {
        "label": chunk[:-2] + "-9", "revision": revision, "test_manifests": ["x/y.toml"], "times": 2}, None
    yield f"{name}/backfill-task-unknown", "backfill-task", {"label": "test-nowhere", "revision": revision}, None


# ---------------------------------------------------------------------------------------------
# Gecko's side.

def run_gecko(case, push):
    """gecko_taskgraph's callback for `case`: {calls, reruns} in compare.py's canonical form,
    or {error}."""
    import taskgraph.actions.util  # noqa: F401 - install_stubs patches it
    from taskcluster.exceptions import TaskclusterRestFailure

    submitted, _ = upstream.install_stubs(case)
    au = importlib.import_module("gecko_taskgraph.actions.util")
    registry = importlib.import_module("gecko_taskgraph.actions.registry")
    for mod in ("add_new_jobs", "retrigger", "backfill", "run_missing_tests"):
        importlib.import_module(f"gecko_taskgraph.actions.{mod}")
    importlib.import_module("gecko_taskgraph.util.taskgraph").DECISION[:] = [case["decision_task_id"]]
    paths = push["paths"]
    artifacts = {
        (DECISION, "public/full-task-graph.json"): paths["graph"],
        (DECISION, "public/label-to-taskid.json"): paths["decision"],
        (DECISION, "public/target-tasks.json"): paths["target"],
        (EARLIER_ACTION, "public/label-to-taskid.json"): paths["action"],
        (CRON, "public/label-to-taskid.json"): paths["cron"],
    }

    def get_artifact(task_id, path, *a, **k):
        if (task_id, path) not in artifacts:
            raise TaskclusterRestFailure(f"{task_id} has no {path}", None, status_code=404)
        with open(artifacts[(task_id, path)]) as f:
            return json.load(f)

    prefix = f"gecko.v2.{push['project']}.revision.{push['head_rev']}"
    namespaces = {f"{prefix}.taskgraph.actions": [EARLIER_ACTION], f"{prefix}.cron": [CRON]}
    calls, reruns = [], []
    real_create_tasks = au.create_tasks

    def create_tasks(graph_config, to_run, full_task_graph, label_to_taskid, params, decision_task_id,
                     suffix="", modifier=lambda t: t, action_tag=None):
        submitted.clear()
        l2t = real_create_tasks(graph_config, to_run, full_task_graph, label_to_taskid, params,
                                decision_task_id, suffix, modifier, action_tag)
        closure = full_task_graph.graph.transitive_closure(set(to_run)).nodes
        calls.append({"suffix": str(suffix), "requested": sorted(set(to_run)),
                      **upstream.canonical(closure, dict(l2t), submitted, case)})
        return l2t

    au.get_artifact = get_artifact
    au.list_tasks = lambda namespace, *a, **k: list(namespaces.get(namespace, []))
    for mod_name in ("add_new_jobs", "retrigger", "backfill", "run_missing_tests"):
        mod = sys.modules[f"gecko_taskgraph.actions.{mod_name}"]
        for name, fn in [("create_tasks", create_tasks), ("combine_task_graph_files", lambda suffixes: None),
                         ("get_artifact", get_artifact),
                         ("get_task_definition", lambda task_id: {"metadata": {"name": case.get("task_label")}}),
                         ("rerun_task", lambda task_id: reruns.append(task_id))]:
            if hasattr(mod, name):
                setattr(mod, name, fn)
    rt = sys.modules["gecko_taskgraph.actions.retrigger"]
    real_rerun = rt._rerun_task.__wrapped__ if hasattr(rt._rerun_task, "__wrapped__") else rt._rerun_task

    def rerun(task_id, label):
        before = len(reruns)
        real_rerun(task_id, label)
        if len(reruns) > before:
            reruns[-1] = {"label": label, "taskId": task_id}

    rerun.__wrapped__ = real_rerun
    rt._rerun_task = rerun
    with open(paths["parameters"]) as f:
        params = json.load(f)
    graph_config = {"trust-domain": "gecko", "project-repo-param-prefix": ""}
    try:
        registry.CALLBACKS[case["action"]](params, graph_config, case["input"], case["decision_task_id"], TRIGGERED_ON)
    except SystemExit as e:
        return {"error": f"SystemExit: {e}"}
    except Exception as e:  # noqa: BLE001 - reported as data, compared with our error
        return {"error": f"{type(e).__name__}: {e}"}
    return {"calls": calls, "reruns": sorted(reruns, key=lambda r: (r["label"], r["taskId"]))}


def run_ours(binary, case, push):
    p = push["paths"]
    cmd = [binary, "preview", "--json", "--graph", p["graph"], "--parameters", p["parameters"],
           "--existing", p["decision"], "--existing", p["action"], "--existing", p["cron"],
           "--target-tasks", p["target"], "--now", case["now"], "--decision-task-id", case["decision_task_id"],
           "--action-task-id", case["action_task_id"], "--trust-domain", "gecko", "--root-url", case["root_url"],
           "--proxy-url", case["proxy_url"], "--deterministic-ids", "--flavour", "gecko",
           "--action", case["action"], "--input", json.dumps(case["input"])]
    if case.get("task_label"):
        cmd += ["--label", case["task_label"]]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        if "panicked" in proc.stderr or proc.returncode != 1:
            return {"crash": proc.stderr.strip()}
        return {"error": proc.stderr.strip()}
    out = json.loads(proc.stdout)
    calls = [{"suffix": c["suffix"], "requested": c["requested"], **compare.canonical_iteration(c, c["closure"], case)}
             for c in out["calls"]]
    reruns = sorted(out["reruns"], key=lambda r: (r["label"], r["taskId"]))
    return {"calls": calls, "reruns": reruns, "warnings": out.get("warnings", [])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--only", help="run the cases whose name contains this")
    args = ap.parse_args()
    if not (VENDOR / "actions" / "backfill.py").exists():
        print(f"gecko differential skipped: {VENDOR} is absent (the team's shared vendor folder); nothing compared")
        return 0
    binary = str(Path(args.bin).resolve())
    failures, count, started = [], 0, time.time()
    with tempfile.TemporaryDirectory() as workdir:
        build_package(Path(workdir) / "pkg")
        register_leaf_strategies()
        for seed, n in [(1, 300), (2, 1200), (3, 3000)]:
            push = make_push(seed, n, Path(workdir) / f"push-{seed}")
            rng = random.Random(seed * 7919)
            for name, action, input, label in cases_of(f"gecko/{push['project']}-{len(push['graph'])}", push, rng):
                if args.only and args.only not in name:
                    continue
                count += 1
                case = compare.base_case(action=action, input=input, task_label=label, labels=[], flavour="gecko",
                                         graph=push["paths"]["graph"])
                theirs = run_gecko(case, push)
                ours = run_ours(binary, case, push)
                outcome = compare.error_outcome(theirs, ours, "gecko")
                if outcome:
                    failure, both = outcome
                    if both:
                        print(f"ok   {name}  ({both})")
                        continue
                    failures.append((name, failure))
                else:
                    diff = compare.first_difference(theirs["calls"], ours["calls"]) or \
                        compare.first_difference(theirs["reruns"], ours["reruns"])
                    if not diff:
                        created = sum(len(c["scheduled"]) + len(c["copies"]) for c in ours["calls"])
                        print(f"ok   {name}  ({len(ours['calls'])} calls, {created} created, "
                              f"{len(ours['reruns'])} reruns, {len(ours['warnings'])} warnings)")
                        continue
                    failures.append((name, diff))
                print(f"FAIL {failures[-1][0]}: {failures[-1][1]}")
    print(f"\n{count - len(failures)}/{count} gecko differential cases agree with gecko_taskgraph's own code "
          f"({time.time() - started:.0f} s)")
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
