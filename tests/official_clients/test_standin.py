#!/usr/bin/env python3
"""The stand-in Taskcluster against the official clients and upstream taskgraph's own loader.

Usage (from the repository root):

    .venv/bin/python tests/official_clients/test_standin.py \\
        --standin target/release/standin --cli target/release/taskgraph-preview

Needs the project's venv (`make setup-python`: the official `taskcluster` client, which
taskcluster-taskgraph 24.5.1 depends on, and `requests`); no pytest.

What it does, once against a plain stand-in (`standin --dir DIR`: artifacts answer `303 See
Other` to the stand-in's own `/storage/` path, as stored) and once against one with a separate
storage origin (`--storage-listen 127.0.0.1:0`: the 303 goes there, JSON and YAML
gzip-encoded, as Taskcluster's queue and S3 do):

1. lays out two small pushes in a temporary folder, in the stand-in's layout (see
   `standin/src/lib.rs`; the same as `tests/suite/gecko.rs`):
   * a gecko push (schedulerId `gecko-level-3`, project `autoland`): earlier actions indexed
     under `gecko.v2.autoland.revision.R.taskgraph.actions`, one of them without a
     `label-to-taskid.json` (404), a cron task under `….revision.R.cron`, a decoy under
     taskgraph's `….revision.R.actions` (not a gecko namespace), the decision indexed at
     `….revision.R.taskgraph.decision`;
   * a taskgraph push (schedulerId `example-level-3`, a git repository, project
     `example-repo`): earlier actions under `example.v2.example-repo.pushlog-id.N.actions`
     and `….revision.REV.actions` (one action indexed under both), a cron task under
     `….revision.REV.cron`, a decoy under gecko's `….revision.REV.taskgraph.actions`, the
     decision indexed where taskgraph's `find_decision_task` looks for a git push
     (`….revision.REV.taskgraph.decision`);
2. calls the stand-in with the official `taskcluster` client (`queue.task`, `queue.status`,
   `queue.getLatestArtifact` — which sends `public%2Flabel-to-taskid.json` —,
   `queue.listTaskGroup` and `index.listTasks` following continuation tokens,
   `index.findTask`) and checks the exact answers against the laid-out files;
3. runs upstream taskgraph's real `taskgraph.actions.util.fetch_graph_and_labels` against the
   taskgraph push (TASKCLUSTER_ROOT_URL = the stand-in) and compares its full task graph and
   merged label-to-taskid with the laid-out data and with what our CLI
   (`taskgraph-preview preview --json --flavour taskgraph`) reuses for a label whose closure
   is the whole graph;
4. emulates gecko_taskgraph's `fetch_graph_and_labels` (not installable here) with the official
   client — list `….taskgraph.actions` and `….cron`, fetch each map, skip a 404, merge all —
   and compares the merged map with what our CLI reuses on the gecko push (flavour detected
   from `gecko-level-3`).

Every expected value is derived from the laid-out data (`PUSHES` below), never typed in. One
`ok …` line per passing check, `FAIL …` with the reason per failing one; the exit status is 0
only when every check passed. Takes a few seconds.
"""

import argparse
import copy
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import requests
import taskcluster
from taskcluster.exceptions import TaskclusterRestFailure

MAP = "public/label-to-taskid.json"
NOW = "2025-01-01T00:00:00.000Z"

# ---------------------------------------------------------------------------------------------
# The pushes (the single source of every expectation)
# ---------------------------------------------------------------------------------------------


def task(label, kind, deps, optimization, provisioner):
    """One task of a full-task-graph.json, in the shape of tests/suite/gecko.rs's `task()`."""
    return {
        "attributes": {"kind": kind},
        "dependencies": {d: d for d in deps},
        "description": label,
        "if_dependencies": [],
        "kind": kind,
        "label": label,
        "optimization": optimization,
        "soft_dependencies": [],
        "task": {
            "created": {"relative-datestamp": "0 seconds"},
            "deadline": {"relative-datestamp": "1 day"},
            "expires": {"relative-datestamp": "1 year"},
            "extra": {"treeherder": {"symbol": "T"}},
            "metadata": {"name": label, "description": label, "owner": "dev@example.com",
                         "source": "https://hg.mozilla.org/x"},
            "payload": {"command": ["echo", label], "maxRunTime": 600},
            "provisionerId": provisioner,
            "routes": [],
            "scopes": [],
            "tags": {"kind": kind, "label": label},
            "workerType": "b-linux",
        },
    }


DOCKER = "docker-image-ubuntu"
TOOLCHAIN = "toolchain-linux64-clang"
BUILD = "build-linux64/opt"
MOCHI1 = "test-linux64/opt-mochitest-1"
MOCHI2 = "test-linux64/opt-mochitest-2"
XPC = "test-linux64/opt-xpcshell-1"
REPORT = "report-linux64/opt"  # depends on every test: its closure is the whole graph


def graph(trust_domain, gecko):
    """docker image → toolchain → build → three tests → a report over the tests."""
    cache = f"{trust_domain}.cache.level-3"
    tasks = [
        task(DOCKER, "docker-image", [],
             {"index-search": [f"{cache}.docker-images.v2.ubuntu.hash.abc"]}, f"{trust_domain}-3"),
        task(TOOLCHAIN, "toolchain", [DOCKER],
             {"index-search": [f"{cache}.toolchains.v3.linux64-clang.hash.def"]},
             f"{trust_domain}-3"),
        task(BUILD, "build", [TOOLCHAIN],
             {"skip-unless-expanded": None} if gecko else None, f"{trust_domain}-3"),
        task(MOCHI1, "test", [BUILD],
             {"skip-unless-schedules": ["mochitest"]} if gecko else None, f"{trust_domain}-t"),
        task(MOCHI2, "test", [BUILD],
             {"bugbug-reduced-manifests-fallback": ["mochitest"]} if gecko else None,
             f"{trust_domain}-t"),
        task(XPC, "test", [BUILD], {"test": ["xpcshell"]} if gecko else None,
             f"{trust_domain}-t"),
        task(REPORT, "report", [MOCHI1, MOCHI2, XPC], None, f"{trust_domain}-3"),
    ]
    return {t["label"]: t for t in tasks}


def expires(n):
    """Distinct index expiries, oldest first (taskgraph's list_tasks sorts by them)."""
    return f"2026-01-{n:02d}T00:00:00.000Z"


GECKO_REV = "4f2c1b9e0d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
GECKO_NS = f"gecko.v2.autoland.revision.{GECKO_REV}"
EXAMPLE_REV = "c0ffee00d15ea5e0123456789abcdef012345678"
EXAMPLE_PUSHLOG = "4242"
EXAMPLE_REV_NS = f"example.v2.example-repo.revision.{EXAMPLE_REV}"
EXAMPLE_PUSHLOG_NS = f"example.v2.example-repo.pushlog-id.{EXAMPLE_PUSHLOG}"

# A push: its decision, and the earlier runs: (taskId, [index namespaces], map or None for 404).
PUSHES = {
    "gecko": {
        "decision": "GeckoDecision000000001",
        "scheduler_id": "gecko-level-3",
        "graph": graph("gecko", gecko=True),
        "parameters": {"project": "autoland", "head_rev": GECKO_REV, "pushlog_id": "77",
                       "level": "3", "repository_type": "hg", "files_changed": []},
        "decision_map": {DOCKER: "DockerFromDecision0001", TOOLCHAIN: "ToolchainFromDecision1",
                         BUILD: "BuildFromDecision00001"},
        "decision_index": f"{GECKO_NS}.taskgraph.decision",
        "runs": [
            ("EarlierAction000000001", [f"{GECKO_NS}.taskgraph.actions"],
             {BUILD: "BuildFromAction000001", MOCHI1: "TestFromAction0000001"}),
            # e.g. a cancel action: listed, but no map (404), skipped.
            ("CancelAction0000000001", [f"{GECKO_NS}.taskgraph.actions"], None),
            ("EarlierAction000000002", [f"{GECKO_NS}.taskgraph.actions"],
             {XPC: "XpcshellFromAction001"}),
            ("CronTask00000000000001", [f"{GECKO_NS}.cron"],
             {MOCHI2: "TestFromCron000000001", TOOLCHAIN: "ToolchainFromCron0001"}),
            # Where taskgraph (not gecko) looks: a decoy on a gecko push.
            ("TaskgraphStyleAction01", [f"{GECKO_NS}.actions"],
             {TOOLCHAIN: "ToolchainFromTgAction1", BUILD: "BuildFromTgAction0001"}),
        ],
    },
    "taskgraph": {
        "decision": "ExampleDecision0000001",
        "scheduler_id": "example-level-3",
        "graph": graph("example", gecko=False),
        "parameters": {"project": "example-repo", "head_rev": EXAMPLE_REV,
                       "pushlog_id": EXAMPLE_PUSHLOG, "level": "3", "repository_type": "git",
                       "head_repository": "https://github.com/example/example-repo",
                       "files_changed": []},
        "decision_map": {DOCKER: "DockerFromDecision0002", TOOLCHAIN: "ToolchainFromDecision2"},
        "decision_index": f"{EXAMPLE_REV_NS}.taskgraph.decision",
        "runs": [
            ("PushlogAction000000001", [f"{EXAMPLE_PUSHLOG_NS}.actions"],
             {BUILD: "BuildFromPushlogAct01"}),
            ("PushlogAction000000002", [f"{EXAMPLE_PUSHLOG_NS}.actions"],
             {MOCHI1: "Mochi1FromPushlogAct1"}),
            # Indexed by pushlog id and by revision, as taskgraph's action routes do.
            ("BothRoutesAction000001",
             [f"{EXAMPLE_PUSHLOG_NS}.actions", f"{EXAMPLE_REV_NS}.actions"],
             {MOCHI2: "Mochi2FromBothRoutes1"}),
            ("RevisionAction00000001", [f"{EXAMPLE_REV_NS}.actions"],
             {XPC: "XpcshellFromRevAct001", TOOLCHAIN: "ToolchainFromRevAct01"}),
            ("ExampleCron00000000001", [f"{EXAMPLE_REV_NS}.cron"],
             {DOCKER: "DockerFromCron0000001"}),
            # Where gecko (not taskgraph) looks: a decoy on a taskgraph push.
            ("GeckoStyleAction000001", [f"{EXAMPLE_REV_NS}.taskgraph.actions"],
             {BUILD: "BuildFromGeckoStyle01"}),
        ],
    },
}


def namespaces(flavour, push):
    """The namespaces each flavour's fetch_graph_and_labels lists (actions, then cron)."""
    p = push["parameters"]
    td = push["scheduler_id"].rsplit("-level-", 1)[0]
    rev = f"{td}.v2.{p['project']}.revision.{p['head_rev']}"
    if flavour == "gecko":
        return [f"{rev}.taskgraph.actions", f"{rev}.cron"]
    return [f"{td}.v2.{p['project']}.pushlog-id.{p['pushlog_id']}.actions",
            f"{rev}.actions", f"{rev}.cron"]


def expected_merged(flavour, push):
    """The decision's map with every map of a run listed where `flavour` looks merged over it.
    The runs' maps never share a label (checked), so the merge order, which upstream leaves to
    thread completion, does not matter."""
    wanted = set(namespaces(flavour, push))
    merged = dict(push["decision_map"])
    seen = {}
    for task_id, where, label_map in push["runs"]:
        if label_map is None or not wanted & set(where):
            continue
        for label in label_map:
            assert label not in seen, (
                f"layout: {label} is in the maps of both {seen[label]} and {task_id}; upstream "
                "merges runs in completion order, so the expectation would be ambiguous")
            seen[label] = task_id
        merged.update(label_map)
    return merged


def index_entries(push):
    """Index path → (taskId, expires), in the order laid out."""
    entries = {push["decision_index"]: (push["decision"], expires(1))}
    n = 2
    for task_id, where, _ in push["runs"]:
        for ns in where:
            entries[f"{ns}.{task_id}"] = (task_id, expires(n))
            n += 1
    return entries


def task_json(push, task_id):
    d = push["decision"]
    if task_id == d:
        return {"schedulerId": push["scheduler_id"], "taskGroupId": d,
                "tags": {"kind": "decision-task"}, "metadata": {"name": "Decision Task"},
                "payload": {"command": ["run-task", "--", "bash", "-cx",
                                        "taskgraph decision"]}}
    return {"schedulerId": push["scheduler_id"], "taskGroupId": d,
            "metadata": {"name": f"run {task_id}"}}


def decision_status(push):
    return {"taskId": push["decision"], "state": "completed", "expires": "2026-06-01T00:00:00.000Z",
            "runs": [{"runId": 0, "state": "completed", "reasonCreated": "scheduled"}]}


def lay_out(root):
    """Writes both pushes into one stand-in folder."""

    def put(rel, data):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data if isinstance(data, str) else json.dumps(data))

    index = {}
    for push in PUSHES.values():
        d = push["decision"]
        put(f"tasks/{d}/task.json", task_json(push, d))
        put(f"tasks/{d}/status.json", decision_status(push))
        art = f"tasks/{d}/artifacts/public"
        put(f"{art}/full-task-graph.json", push["graph"])
        put(f"{art}/label-to-taskid.json", push["decision_map"])
        put(f"{art}/parameters.yml", json.dumps(push["parameters"]))  # JSON is YAML
        for task_id, _, label_map in push["runs"]:
            put(f"tasks/{task_id}/task.json", task_json(push, task_id))
            if label_map is not None:
                put(f"tasks/{task_id}/artifacts/{MAP}", label_map)
        for path, (task_id, exp) in index_entries(push).items():
            index[path] = {"taskId": task_id, "expires": exp}
    put("index.json", index)


# ---------------------------------------------------------------------------------------------
# Running checks
# ---------------------------------------------------------------------------------------------

FAILURES = []


def check(name):
    """Runs the decorated function at once as one check: `ok NAME` or `FAIL NAME: reason`."""

    def run(fn):
        try:
            fn()
        except AssertionError as e:
            FAILURES.append(name)
            print(f"FAIL {name}: {e}", flush=True)
        except Exception as e:  # noqa: BLE001 - a client crash is a failed check, reported
            FAILURES.append(name)
            last = traceback.extract_tb(e.__traceback__)[-1]
            print(f"FAIL {name}: {type(e).__name__}: {e} (at {Path(last.filename).name}:"
                  f"{last.lineno} {last.line})", flush=True)
        else:
            print(f"ok {name}", flush=True)
        return fn

    return run


class Standin:
    def __init__(self, binary, folder, storage):
        args = [binary, "--dir", str(folder)]
        if storage:
            args += ["--storage-listen", "127.0.0.1:0"]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline().strip()
        assert first.startswith("listening on http://"), f"stand-in's first line: {first!r}"
        self.url = first.removeprefix("listening on ")
        self.storage = None
        if storage:
            second = self.proc.stdout.readline().strip()
            assert second.startswith("artifact storage on http://"), (
                f"stand-in's second line: {second!r}")
            self.storage = second.removeprefix("artifact storage on ")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def fetch_map_with_client(queue, task_id, storage):
    """A task's label-to-taskid.json through `queue.getLatestArtifact`, as taskgraph's
    get_artifact reads it: the client does not follow redirects and answers the queue's JSON
    body; with a storage origin that is `{"storageType", "url"}` and the map is fetched from the
    URL. Raises TaskclusterRestFailure (e.g. 404) from the client."""
    answer = queue.getLatestArtifact(task_id, MAP)
    assert set(answer) >= {"url"}, f"getLatestArtifact({task_id}) answered {answer!r}, no url"
    r = requests.get(answer["url"], timeout=10)
    r.raise_for_status()
    return r.json()


def run_cli(cli, url, push, labels, flavour=None):
    args = [cli, "preview", "--root-url", url, "--decision-task-id", push["decision"], "--json",
            "--deterministic-ids", "--now", NOW]
    for label in labels:
        args += ["--label", label]
    if flavour:
        args += ["--flavour", flavour]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, (
        f"{' '.join(args)} exited {out.returncode}: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout)


def closure(graph_, labels):
    seen, todo = set(), list(labels)
    while todo:
        label = todo.pop()
        if label not in seen:
            seen.add(label)
            todo.extend(graph_[label]["dependencies"].values())
    return seen


def compare_cli(cli, url, push, flavour_arg, merged, what):
    """Our CLI's reuse for REPORT (closure: the whole graph) against a merged map."""
    requested = [REPORT]
    want_closure = closure(push["graph"], requested)
    v = run_cli(cli, url, push, requested, flavour_arg)
    it = v["iterations"][0]
    assert set(v["closure"]) == want_closure, (
        f"closure {sorted(v['closure'])} != {sorted(want_closure)}")
    reused = {label: r["taskId"] for label, r in it["reused"].items()}
    want = {l: merged[l] for l in want_closure if l in merged and l not in requested}
    # The layout makes the merged map cover every dependency, so this compares all of it.
    assert want == merged, f"layout: the closure of {requested} must cover the merged map"
    assert reused == want, (
        f"CLI reused {json.dumps(reused, sort_keys=True)}\n  != {what} "
        f"{json.dumps(want, sort_keys=True)}\n  differing: "
        f"{sorted(l for l in set(reused) | set(want) if reused.get(l) != want.get(l))}")
    sources = {r["source"] for r in it["reused"].values()}
    assert sources == {"existing-tasks"}, f"reuse sources {sources}"
    assert sorted(it["created"]) == requested, f"created {sorted(it['created'])}"
    return v


def compare_quietly(cli, url, push, merged):
    try:
        compare_cli(cli, url, push, "taskgraph", merged, "laid out")
        return True
    except AssertionError:
        return False


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------


def official_client_checks(tag, s):
    queue = taskcluster.Queue({"rootUrl": s.url})
    index = taskcluster.Index({"rootUrl": s.url})

    for name, push in PUSHES.items():
        d = push["decision"]

        @check(f"[{tag}] {name}: queue.task of the decision and of every run")
        def _():
            for task_id in [d] + [r[0] for r in push["runs"]]:
                got = queue.task(task_id)
                assert got == task_json(push, task_id), f"queue.task({task_id}) = {got!r}"

        @check(f"[{tag}] {name}: queue.status (laid-out status.json, and the default)")
        def _():
            got = queue.status(d)
            assert got == {"status": decision_status(push)}, f"queue.status({d}) = {got!r}"
            run_id = push["runs"][0][0]
            got = queue.status(run_id)["status"]
            assert got["taskId"] == run_id and got["state"] == "completed", (
                f"queue.status({run_id}) = {got!r}")
            try:
                queue.status("NoSuchTask000000000001")
                raise AssertionError("queue.status of an unknown task did not fail")
            except TaskclusterRestFailure as e:
                assert e.status_code == 404, f"unknown task: status {e.status_code}"

        @check(f"[{tag}] {name}: queue.getLatestArtifact(id, {MAP!r}) (sent as public%2F…) "
               "for the decision and every run, 404 where there is no map"
               + " (303 body {storageType, url}, then the url)")
        def _():
            for task_id, label_map in [(d, push["decision_map"])] + [
                    (r[0], r[2]) for r in push["runs"]]:
                if label_map is None:
                    try:
                        queue.getLatestArtifact(task_id, MAP)
                        raise AssertionError(f"getLatestArtifact({task_id}) did not fail")
                    except TaskclusterRestFailure as e:
                        assert e.status_code == 404, (
                            f"getLatestArtifact({task_id}) failed with {e.status_code}, not 404")
                    continue
                got = fetch_map_with_client(queue, task_id, s.storage)
                assert got == label_map, f"map of {task_id}: {got!r} != {label_map!r}"

        @check(f"[{tag}] {name}: the queue answers 303 to storage, which serves the map "
               + ("gzip-encoded" if s.storage else "as stored"))
        def _():
            r = requests.get(f"{s.url}/api/queue/v1/task/{d}/artifacts/public%2F"
                             "label-to-taskid.json", allow_redirects=False, timeout=10)
            assert r.status_code == 303, f"status {r.status_code}"
            loc = r.headers.get("Location")
            storage = s.storage or f"{s.url}/storage"
            assert loc and loc.startswith(storage + "/"), f"Location {loc!r}"
            assert r.json()["url"] == loc, f"body {r.text!r} != Location {loc!r}"
            raw = requests.get(loc, timeout=10, stream=True)
            body = raw.raw.read(decode_content=False)
            if s.storage:
                assert raw.headers.get("Content-Encoding") == "gzip", (
                    f"Content-Encoding {raw.headers.get('Content-Encoding')!r}")
                body = gzip.decompress(body)
            else:
                assert raw.headers.get("Content-Encoding") is None
            assert json.loads(body) == push["decision_map"]
            # requests follows the redirect and decodes the gzip by itself.
            r = requests.get(f"{s.url}/api/queue/v1/task/{d}/artifacts/{MAP}", timeout=10)
            assert r.history and r.history[0].status_code == 303, "no redirect followed"
            assert r.json() == push["decision_map"]

        @check(f"[{tag}] {name}: queue.listTaskGroup following continuationToken")
        def _():
            want = {d: task_json(push, d)}
            want.update({r[0]: task_json(push, r[0]) for r in push["runs"]})
            got, tokens, query = {}, 0, {}
            while True:
                page = queue.listTaskGroup(d, query=query)
                assert page["taskGroupId"] == d, f"taskGroupId {page['taskGroupId']!r}"
                for t in page["tasks"]:
                    tid = t["status"]["taskId"]
                    assert tid not in got, f"{tid} listed twice"
                    got[tid] = t["task"]
                    assert t["status"]["state"] == "completed", f"{tid}: {t['status']!r}"
                if not page.get("continuationToken"):
                    break
                tokens += 1
                query = {"continuationToken": page["continuationToken"]}
            assert got == want, f"listed {sorted(got)} != {sorted(want)}"
            assert tokens > 0, "one page only: continuation was not exercised"
            # The client's own pagination handler gives the same.
            handled = []
            queue.listTaskGroup(d, paginationHandler=lambda p: handled.extend(p["tasks"]))
            assert {t["status"]["taskId"] for t in handled} == set(want)

        entries = index_entries(push)

        @check(f"[{tag}] {name}: index.findTask of every laid-out path, 404 elsewhere")
        def _():
            for path, (task_id, exp) in entries.items():
                got = index.findTask(path)
                assert (got["namespace"], got["taskId"], got["expires"]) == (path, task_id, exp), (
                    f"findTask({path}) = {got!r}")
            try:
                index.findTask(f"{push['decision_index']}.nope")
                raise AssertionError("findTask of an unknown path did not fail")
            except TaskclusterRestFailure as e:
                assert e.status_code == 404, f"unknown path: {e.status_code}"

        @check(f"[{tag}] {name}: index.listTasks of every namespace, following "
               "continuationToken (manually and with the client's handler)")
        def _():
            spaces = {p.rsplit(".", 1)[0] for p in entries}
            paged = False
            for ns in sorted(spaces):
                want = {p: v for p, v in entries.items() if p.rsplit(".", 1)[0] == ns}
                got, query = {}, {}
                while True:
                    page = index.listTasks(ns, query=query)
                    for t in page["tasks"]:
                        got[t["namespace"]] = (t["taskId"], t["expires"])
                    if not page.get("continuationToken"):
                        break
                    paged = True
                    query = {"continuationToken": page["continuationToken"]}
                assert got == want, f"listTasks({ns}) = {got!r} != {want!r}"
                handled = []
                index.listTasks(ns, paginationHandler=lambda p: handled.extend(p["tasks"]))
                assert {t["namespace"] for t in handled} == set(want), f"handler: {handled!r}"
            assert paged, "no namespace needed a second page: continuation not exercised"
            try:
                got = index.listTasks(f"{push['decision_index']}.nope")
                assert got.get("tasks") == [], f"an empty namespace listed {got!r}"
            except TaskclusterRestFailure as e:
                assert e.status_code == 404, f"an empty namespace: {e.status_code}"


def upstream_taskgraph_checks(tag, s, cli):
    """taskgraph 24.5.1's own fetch_graph_and_labels against the taskgraph push."""
    push = PUSHES["taskgraph"]
    os.environ["TASKCLUSTER_ROOT_URL"] = s.url
    for var in ("TASKCLUSTER_PROXY_URL", "TASKCLUSTER_CLIENT_ID", "TASKCLUSTER_ACCESS_TOKEN",
                "TASKCLUSTER_CERTIFICATE", "TASK_ID"):
        os.environ.pop(var, None)
    import taskgraph.util.taskcluster as tc
    from taskgraph.actions.util import fetch_graph_and_labels
    from taskgraph.util.taskgraph import find_decision_task

    # Every cache that holds a root URL, a client or a session from the previous stand-in.
    tc.get_root_url.cache_clear()
    tc.get_taskcluster_client.cache_clear()
    tc.get_session.cache_clear()

    graph_config = {"trust-domain": push["scheduler_id"].rsplit("-level-", 1)[0]}
    parameters = copy.deepcopy(push["parameters"])
    merged = expected_merged("taskgraph", push)
    result = {}

    @check(f"[{tag}] taskgraph: upstream find_decision_task finds the indexed decision")
    def _():
        got = find_decision_task(parameters, graph_config)
        assert got == push["decision"], f"find_decision_task = {got!r}"

    @check(f"[{tag}] taskgraph: upstream get_artifact reads parameters.yml")
    def _():
        # taskgraph's yaml.load_stream parses the first document only.
        got = tc.get_artifact(push["decision"], "public/parameters.yml")
        assert got == push["parameters"], f"parameters.yml = {got!r}"

    @check(f"[{tag}] taskgraph: upstream fetch_graph_and_labels — decision, full graph, "
           "merged label-to-taskid")
    def _():
        decision, full, l2t = fetch_graph_and_labels(parameters, graph_config)
        assert decision == push["decision"], f"decision {decision!r}"
        assert set(full.tasks) == set(push["graph"]), f"graph labels {sorted(full.tasks)}"
        assert len(full.tasks) == len(push["graph"])
        assert l2t == merged, (
            f"upstream merged {json.dumps(l2t, sort_keys=True)}\n  != laid out "
            f"{json.dumps(merged, sort_keys=True)}")
        result["l2t"], result["tasks"] = l2t, len(full.tasks)

    @check(f"[{tag}] taskgraph: our CLI (--flavour taskgraph) reuses upstream's merged map "
           "and sees upstream's graph")
    def _():
        assert "l2t" in result, (
            "no upstream result to compare with (see above); the CLI alone "
            + ("agrees with the laid-out merge" if compare_quietly(cli, s.url, push, merged)
               else "does not agree with the laid-out merge either"))
        v = compare_cli(cli, s.url, push, "taskgraph", result["l2t"], "upstream merged")
        assert len(v["closure"]) == result["tasks"], (
            f"CLI closure of {REPORT}: {len(v['closure'])} tasks, upstream's full graph: "
            f"{result['tasks']}")


def gecko_checks(tag, s, cli):
    """gecko_taskgraph's fetch_graph_and_labels, emulated with the official client."""
    push = PUSHES["gecko"]
    queue = taskcluster.Queue({"rootUrl": s.url})
    index = taskcluster.Index({"rootUrl": s.url})
    result = {}

    @check(f"[{tag}] gecko: emulated fetch_graph_and_labels (taskgraph.actions + cron, 404 "
           "skipped, all merged) equals the laid-out merge")
    def _():
        decision = index.findTask(push["decision_index"])["taskId"]
        assert decision == push["decision"], f"indexed decision {decision!r}"
        l2t = fetch_map_with_client(queue, decision, s.storage)
        skipped = []
        for ns in namespaces("gecko", push):
            listed = []
            index.listTasks(ns, paginationHandler=lambda p: listed.extend(p["tasks"]))
            for t in sorted(listed, key=lambda t: t["expires"]):
                try:
                    l2t.update(fetch_map_with_client(queue, t["taskId"], s.storage))
                except TaskclusterRestFailure as e:
                    assert e.status_code == 404, f"{t['taskId']}: {e.status_code} {e}"
                    skipped.append(t["taskId"])
        want_skipped = [r[0] for r in push["runs"]
                        if r[2] is None and set(r[1]) & set(namespaces("gecko", push))]
        assert skipped == want_skipped, f"skipped {skipped} != {want_skipped}"
        merged = expected_merged("gecko", push)
        assert l2t == merged, (
            f"emulated {json.dumps(l2t, sort_keys=True)}\n  != laid out "
            f"{json.dumps(merged, sort_keys=True)}")
        result["l2t"] = l2t

    @check(f"[{tag}] gecko: our CLI (flavour detected from gecko-level-3) reuses the "
           "emulated merged map and warns about the map-less run")
    def _():
        assert "l2t" in result, "no emulated result to compare with (see above)"
        v = compare_cli(cli, s.url, push, None, result["l2t"], "emulated gecko merge")
        kinds = [w["kind"] for w in v["warnings"]]
        assert "prior-run-without-map" in kinds, f"warnings {kinds}"
        assert "no-indexed-decision" not in kinds and "other-decision" not in kinds, kinds


def sample_checks(standin):
    """upstream taskgraph's own `get_artifact` (what its `fetch_graph_and_labels` reads first)
    reads every sample push of `standin --sample`: each big graph is stored gzip-compressed and
    must come with `Content-Encoding: gzip`, as Taskcluster's storage sends it (issue 19: it
    was raw gzip bytes, a JSONDecodeError upstream)."""
    folder = Path(tempfile.mkdtemp(prefix="tgp-official-samples-"))
    proc = subprocess.Popen([standin, "--sample", "--dir", str(folder), "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        first = proc.stdout.readline().strip()
        assert first.startswith("listening on http://"), f"stand-in's first line: {first!r}"
        url = first.split()[-1]
        os.environ["TASKCLUSTER_ROOT_URL"] = url
        os.environ.pop("TASKCLUSTER_PROXY_URL", None)
        import taskgraph.util.taskcluster as tc

        tc.get_root_url.cache_clear()
        tc.get_taskcluster_client.cache_clear()
        tc.get_session.cache_clear()
        for decision in ("NssSampleDecision00001", "AppServicesDecision001", "GeckoSyntheticDecision"):
            @check(f"[sample] upstream get_artifact reads {decision}'s graph, map and parameters")
            def _():
                stored = folder / "tasks" / decision / "artifacts" / "public"
                raw = (stored / "full-task-graph.json").read_bytes()
                want = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
                graph = tc.get_artifact(decision, "public/full-task-graph.json")
                assert graph == want, f"{len(graph)} tasks read, {len(want)} stored"
                l2t = tc.get_artifact(decision, "public/label-to-taskid.json")
                assert l2t == json.loads((stored / "label-to-taskid.json").read_text())
                params = tc.get_artifact(decision, "public/parameters.yml")
                assert isinstance(params, dict) and params.get("project"), f"parameters: {params!r}"[:200]
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--standin", required=True, help="target/release/standin")
    ap.add_argument("--cli", required=True, help="target/release/taskgraph-preview")
    ap.add_argument("--modes", default="plain,storage",
                    help="comma-separated: plain (artifacts on the queue's origin), storage "
                         "(303 to a second origin, gzip); default both")
    args = ap.parse_args()
    for b in (args.standin, args.cli):
        assert os.access(b, os.X_OK), f"{b} is not an executable (build it first)"
    standin, cli = os.path.abspath(args.standin), os.path.abspath(args.cli)
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="tgp-official-clients-"))
    try:
        lay_out(folder)
        for mode in args.modes.split(","):
            assert mode in ("plain", "storage"), f"unknown mode {mode!r}"
            s = Standin(standin, folder, storage=mode == "storage")
            try:
                print(f"== {mode}: stand-in at {s.url}"
                      + (f", artifact storage at {s.storage}" if s.storage else ""), flush=True)
                official_client_checks(mode, s)
                upstream_taskgraph_checks(mode, s, cli)
                gecko_checks(mode, s, cli)
            finally:
                s.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    sample_checks(standin)
    took = time.monotonic() - started
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed in {took:.1f} s:", *FAILURES, sep="\n  ")
        return 1
    print(f"all checks passed in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
