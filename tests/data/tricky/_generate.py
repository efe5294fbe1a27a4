#!/usr/bin/env python3
"""Generates the hand-made tricky differential cases in this folder (graphs, label-to-taskid
maps, index answers, parameters and *.case.json files). Re-run: python3 _generate.py"""
import copy
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent
FAR = "2027-06-01T00:00:00.000Z"  # far after every dependent deadline used below
written = []


def task(label, kind="test", deps=None, soft=None, ifd=None, opt=None, payload=None,
         attrs=None, no_extra=False, drop=(), top=None):
    t = {
        "created": {"relative-datestamp": "0 seconds"},
        "deadline": {"relative-datestamp": "1 day"},
        "expires": {"relative-datestamp": "1 year"},
        "extra": {"parent": "OldDecisionTaskId0000A", "treeherder": {"symbol": "T"}},
        "metadata": {"name": label, "description": f"{label} task", "owner": "dev@example.com",
                     "source": "https://hg.example.com/repo/file/tip/taskcluster"},
        "payload": {"command": ["echo", label], "maxRunTime": 600},
        "priority": "low",
        "provisionerId": "gecko-3",
        "routes": [],
        "scopes": [],
        "tags": {"kind": kind, "label": label},
        "workerType": "b-linux",
    }
    if no_extra:
        del t["extra"]
    if payload:
        t["payload"].update(payload)
    for k in drop:
        t.pop(k, None)
    if top:
        t.update(top)
    return {
        "attributes": dict(attrs or {}, kind=kind),
        "dependencies": deps or {},
        "description": f"{label} task",
        "if_dependencies": ifd or [],
        "kind": kind,
        "label": label,
        "optimization": opt,
        "soft_dependencies": soft or [],
        "task": t,
    }


def graph(name, *tasks):
    g = {t["label"]: t for t in tasks}
    write(f"{name}.graph.json", g)
    return f"{name}.graph.json"


def write(fname, data, raw=None):
    p = OUT / fname
    p.write_text(raw if raw is not None else json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    written.append(fname)


def case(name, graph_file, labels, **kw):
    c = {"graph": graph_file, "labels": labels}
    c.update(kw)
    write(f"{name}.case.json", c)


def status(state="completed", expires=FAR, **extra):
    s = {"state": state}
    if expires is not None:
        s["expires"] = expires
    s.update(extra)
    return s


IMG = "docker-image-linux"
BUILD = "build-linux64/opt"
TEST = "test-linux64/opt-1"

# ---------------------------------------------------------------- references
g = graph("soft-dep-also-hard-dep",
          task(BUILD, "build"),
          task(TEST, deps={"build": BUILD}, soft=[BUILD],
               payload={"env": {"B": {"task-reference": "<build>"},
                                "S": {"task-reference": f"<{BUILD}>"}}}))
case("soft-dep-also-hard-dep", g, [TEST])

write("two-edges-same-task.existing.json", {IMG: "ExistingImage000000001"})
g = graph("two-edges-same-task",
          task(IMG, "docker-image"),
          task(BUILD, "build", deps={"docker-image": IMG}),
          task(TEST, deps={"build": BUILD, "installer": BUILD, "image": IMG, "image-again": IMG},
               payload={"env": {"B": {"task-reference": "<build>"}, "I": {"task-reference": "<installer>"},
                                "URL": {"artifact-reference": "<installer/public/target.tar.bz2>"},
                                "IMG": {"task-reference": "<image>/<image-again>"}}}))
case("two-edges-same-task", g, [TEST], existing=["two-edges-same-task.existing.json"])

g = graph("task-reference-dict-value",
          task(BUILD, "build"),
          task(TEST, deps={"build": BUILD},
               payload={"cache": {"task-reference": {
                   "cache-<build>-<self>": "/path/<build>",
                   "plain": {"task-reference": "<build>"},
                   "list": ["<build>", {"task-reference": "x-<decision>"}],
                   "deep": {"a": {"artifact-reference": "<build/public/x.zip>"}},
                   "num": 5,
                   "<<>literal>": None}}}))
case("task-reference-dict-value", g, [TEST])

g = graph("task-reference-escapes",
          task(BUILD, "build"),
          task(TEST, deps={"build": BUILD},
               payload={"env": {k: {"task-reference": v} for k, v in {
                   "E1": "literal <<>not-a-ref> and <build>",
                   "E2": "<<><build>>",
                   "E3": "<<>",
                   "E4": "a<<><<>b",
                   "E5": "<>",
                   "E6": "<self",
                   "E7": "no refs at all",
                   "E8": "<<>self>",
                   "E9": "<<>>",
                   "E10": "",
                   "E11": "<build><build><self>",
               }.items()}}))
case("task-reference-escapes", g, [TEST])

g = graph("self-and-decision-refs",
          task(BUILD, "build"),
          task(TEST, deps={"build": BUILD},
               payload={"env": {"SELF": {"task-reference": "<self>"},
                                "DEC": {"task-reference": "<decision>"},
                                "DEC_PUB": {"artifact-reference": "<decision/public/task-graph.json>"},
                                "DEC_PRIV": {"artifact-reference": "<decision/private/secret.json>"},
                                "SELF_ART": {"artifact-reference": "<self>"}}}))
case("self-and-decision-refs", g, [TEST])

g = graph("edge-named-self-and-decision",
          task("build-a", "build"), task("build-b", "build"),
          task(TEST, deps={"self": "build-a", "decision": "build-b"},
               payload={"env": {"SELF": {"task-reference": "<self>"},
                                "DEC": {"task-reference": "<decision>"},
                                "DEC_ART": {"artifact-reference": "<decision/public/x>"}}}))
case("edge-named-self-and-decision", g, [TEST])

g = graph("edge-named-lt",
          task(BUILD, "build"),
          task(TEST, deps={"<": BUILD}, payload={"env": {"LT": {"task-reference": "x<<>y"}}}))
case("edge-named-lt", g, [TEST])

g = graph("artifact-reference-urls",
          task(BUILD, "build"),
          task(TEST, deps={"build": BUILD},
               payload={"env": {k: {"artifact-reference": v} for k, v in {
                   "PUB": "<build/public/build/target.tar.bz2>",
                   "PRIV": "<build/private/x.zip>",
                   "PUBLICITY": "<build/publicity/x>",
                   "PUBLIC_BARE": "<build/public>",
                   "PUBLIC_CAP": "<build/Public/x>",
                   "SPECIAL": "<build/public/a b?c=d#e%20&f>",
                   "TWO": "pre <build/public/a> mid <build/private/b> post",
                   "PUB_SLASH": "<build/public/>",
               }.items()} | {"DICT": {"artifact-reference": {"<build/public/k>": "<build/public/v>"}}}}))
case("artifact-reference-urls", g, [TEST])
# Not expressible: upstream.py runs in-process and taskgraph caches get_root_url() (functools.cache),
# so a case with another root/proxy URL would see the first case's URLs.

g = graph("artifact-reference-malformed",
          task(BUILD, "build"),
          task(TEST, deps={"build": BUILD},
               payload={"env": {k: {"artifact-reference": v} for k, v in {
                   "M1": "<build>",
                   "M2": "<build>/public/x",
                   "M3": "</public/x>",
                   "M4": "<build/>",
                   "M5": "<self>",
                   "M6": "<decision>",
                   "M7": "<build/public/x",
                   "M8": "<build/public/x>>",
               }.items()}}))
case("artifact-reference-malformed", g, [TEST])

g = graph("wrapper-extra-key",
          task(BUILD, "build"),
          task(TEST, deps={"build": BUILD},
               payload={"w": {
                   "W1": {"task-reference": "<nonexistent>", "other": 1},
                   "W2": {"artifact-reference": "<nope/public/x>", "task-reference": "<nope>"},
                   "W3": {"relative-datestamp": "2 weeks", "x": 1},
                   "W4": {"task-reference": {"task-reference": "<build>"}},
                   "W5": {},
                   "W6": {"Task-Reference": "<nope>"},
                   "W7": {"task-reference ": "<nope>"},
               }}))
case("wrapper-extra-key", g, [TEST])

g = graph("soft-dep-shadows-edge-name",
          task("build", "build"), task(BUILD, "build"),
          task(TEST, deps={"build": BUILD}, soft=["build"],
               payload={"env": {"B": {"task-reference": "<build>"}}}))
case("soft-dep-shadows-edge-name", g, [TEST, "build"])

write("soft-deps-mixed.existing.json", {IMG: "ExistingImage000000001"})
g = graph("soft-deps-mixed",
          task(IMG, "docker-image"),
          task("toolchain-clang", "toolchain"),
          task("lint", "lint"),
          task("other", "test", deps={"toolchain": "toolchain-clang", "image": IMG}),
          task(TEST, deps={"image": IMG},
               soft=[IMG, "lint", "ghost-label", "other", "toolchain-clang"]))
case("soft-deps-mixed", g, [TEST, "other"], existing=["soft-deps-mixed.existing.json"])

g = graph("soft-dep-task-reference",
          task(BUILD, "build"),
          task(TEST, soft=[BUILD], payload={"env": {"B": {"task-reference": f"<{BUILD}>"}}}),
          # a label with "/" can't be artifact-referenced: the dependency name stops at the first "/"
          task("test-artifact-ref-soft", soft=[BUILD],
               payload={"env": {"A": {"artifact-reference": "<build-linux64/opt/public/x>"}}}))
case("soft-dep-task-reference", g, [TEST, BUILD])
case("error-artifact-reference-soft-dep-label-with-slash", g, ["test-artifact-ref-soft", BUILD])

write("soft-dep-reference-replaced.existing.json", {IMG: "ExistingImage000000001"})
g = graph("soft-dep-reference-replaced",
          task(IMG, "docker-image"),
          task(TEST, deps={"image": IMG}, soft=[IMG],
               payload={"env": {"I": {"task-reference": f"<{IMG}>"}}}))
case("error-soft-dep-reference-replaced", g, [TEST], existing=["soft-dep-reference-replaced.existing.json"])
# a soft dep not requested: only reachable as soft dep, so outside the closure
g = graph("soft-dep-reference-out-of-closure",
          task(BUILD, "build"),
          task(TEST, soft=[BUILD], payload={"env": {"B": {"task-reference": f"<{BUILD}>"}}}))
case("error-soft-dep-reference-out-of-closure", g, [TEST])

g = graph("dep-absent-from-graph",
          task(BUILD, "build"),
          task(TEST, deps={"build": BUILD, "ghost": "build-ghost/opt"}),
          task("test-ref-ghost", deps={"build": BUILD, "ghost": "build-ghost/opt"},
               payload={"env": {"G": {"task-reference": "<ghost>"}}}),
          task("test-artref-ghost", deps={"ghost": "build-ghost/opt"},
               payload={"env": {"G": {"artifact-reference": "<ghost/public/x>"}}}))
case("dep-absent-from-graph-no-ref", g, [TEST])
case("error-dep-absent-from-graph-task-ref", g, ["test-ref-ghost"])
case("error-dep-absent-from-graph-artifact-ref", g, ["test-artref-ghost"])

g = graph("reference-errors",
          task(BUILD, "build"),
          task("missing-dep-ref", deps={"build": BUILD}, payload={"env": {"X": {"task-reference": "<toolchain>"}}}),
          task("greedy-artifact-ref", deps={"build": BUILD},
               payload={"env": {"X": {"artifact-reference": "<build> and <build/public/y>"}}}),
          task("self-artifact-ref", deps={"build": BUILD},
               payload={"env": {"X": {"artifact-reference": "<self/public/y>"}}}),
          task("list-task-ref", deps={"build": BUILD}, payload={"env": {"X": {"task-reference": ["<build>"]}}}),
          task("nested-lt-ref", deps={"build": BUILD}, payload={"env": {"X": {"task-reference": "<<<>"}}}),
          task("dict-key-missing-ref", deps={"build": BUILD},
               payload={"cache": {"task-reference": {"c-<toolchain>": "/x"}}}),
          task("ref-in-dict-value-ignored", deps={"build": BUILD},
               payload={"cache": {"task-reference": {"c-<build>": "<toolchain>"}}}))
case("error-reference-missing-dependency", g, ["missing-dep-ref"])
case("error-artifact-reference-greedy-dep-name", g, ["greedy-artifact-ref"])
case("error-artifact-reference-self", g, ["self-artifact-ref"])
case("error-task-reference-list-value", g, ["list-task-ref"])
case("error-task-reference-lt-lt", g, ["nested-lt-ref"])
case("error-task-reference-dict-key-missing", g, ["dict-key-missing-ref"])
case("task-reference-dict-value-not-substituted", g, ["ref-in-dict-value-ignored"])

g = graph("task-def-dependencies-list",
          task(IMG, "docker-image"),
          task(BUILD, "build", top={"dependencies": ["PreExistingDep00000001"]}),
          task(TEST, deps={"build": BUILD}, top={"dependencies": ["PreExistingDep00000002"]}),
          task("test-only-existing", deps={"image": IMG}, top={"dependencies": []}))
write("task-def-dependencies-list.existing.json", {IMG: "ExistingImage000000001"})
case("task-def-has-dependencies-list", g, [TEST, "test-only-existing"],
     existing=["task-def-dependencies-list.existing.json"])

g = graph("task-without-extra",
          task(BUILD, "build", no_extra=True),
          task(TEST, deps={"build": BUILD}, no_extra=True))
case("task-without-extra", g, [TEST])
case("decision-task-without-extra", g, [TEST], mode="decision")

# ---------------------------------------------------------------- times / duplicates / cascade
write("intermediate.existing.json", {IMG: "ExistingImage000000001", "toolchain-clang": "ExistingToolchain00001"})
g = graph("intermediate",
          task(IMG, "docker-image"),
          task("toolchain-clang", "toolchain", deps={"image": IMG}),
          task(BUILD, "build", deps={"image": IMG, "toolchain": "toolchain-clang"},
               payload={"env": {"TC": {"task-reference": "<toolchain>"}}}),
          task("signing", "signing", deps={"build": BUILD}),
          task(TEST, deps={"build": BUILD, "signing": "signing"},
               payload={"env": {"B": {"task-reference": "<build>"}, "S": {"task-reference": "<signing>"}}}))
case("times-2-intermediate", g, [TEST], existing=["intermediate.existing.json"], times=2)
case("times-3-intermediate", g, [TEST], existing=["intermediate.existing.json"], times=3)
case("requested-label-twice", g, [TEST, TEST], existing=["intermediate.existing.json"])
case("requested-dependency-and-dependent", g, [TEST, BUILD], existing=["intermediate.existing.json"])
case("no-labels", g, [], existing=["intermediate.existing.json"])
case("error-unknown-requested-label", g, [TEST, "no-such-label"], existing=["intermediate.existing.json"])

write("task-duplicates.existing.json", {IMG: "ExistingImage000000001"})
g = graph("task-duplicates",
          task(IMG, "docker-image", attrs={"task_duplicates": 5}),
          task(BUILD, "build", deps={"image": IMG}, attrs={"task_duplicates": 2}),
          task("other", deps={"image": IMG}, attrs={"task_duplicates": 0}),
          task(TEST, deps={"build": BUILD}, attrs={"task_duplicates": 3}),
          task("dup-string", deps={"image": IMG}, attrs={"task_duplicates": "3"}))
case("task-duplicates-3", g, [TEST, "other"], existing=["task-duplicates.existing.json"])
case("task-duplicates-times-2", g, [TEST], existing=["task-duplicates.existing.json"], times=2)
case("error-task-duplicates-string", g, ["dup-string"], existing=["task-duplicates.existing.json"])

write("cascade.existing.json", {IMG: "ExistingImage000000001", "fetch-rust": "ExistingFetch000000001",
                                BUILD: "ExistingBuild000000001", "signing": "ExistingSigning0000001",
                                TEST: "ExistingTest0000000001", "build-linux64/debug": "ExistingBuildDebug0001"})
g = graph("cascade",
          task(IMG, "docker-image"),
          task("fetch-rust", "fetch"),
          task("toolchain-clang", "toolchain", deps={"image": IMG}),
          task("build-linux64/debug", "build", deps={"image": IMG, "fetch": "fetch-rust"}),
          task(BUILD, "build", deps={"image": IMG, "toolchain": "toolchain-clang", "fetch": "fetch-rust"}),
          task("signing", "signing", deps={"build": BUILD}),
          task(TEST, deps={"signing": "signing", "debug": "build-linux64/debug"}),
          task("test-top", deps={"test": TEST}))
case("cascade-deep-chain", g, ["test-top"], existing=["cascade.existing.json"])
case("requested-dependency-forces-rebuild", g, ["test-top", IMG], existing=["cascade.existing.json"])
case("requested-label-in-existing", g, [TEST], existing=["cascade.existing.json"])

# ---------------------------------------------------------------- optimization objects / index-search
def idx_graph(name, specs, dependents=None):
    """specs: {label: optimization}; every spec label is a dependency of TEST."""
    tasks = [task(l, "toolchain", opt=o) for l, o in specs.items()]
    tasks.append(task(TEST, deps={l.replace("/", "-"): l for l in specs},
                      payload={"env": {l: {"task-reference": f"<{l.replace('/', '-')}>"} for l in specs}}))
    tasks += dependents or []
    return graph(name, *tasks)


write("optimization-first-key-wins.index.json",
      {"index": {"p.clang": "IndexClang000000000001"}, "statuses": {"IndexClang000000000001": status()}})
g = idx_graph("optimization-first-key-wins", {
    "index-first": {"index-search": ["p.clang"], "never": None},
    "never-first": {"never": None, "index-search": ["p.clang"]},
    "unknown-first": {"skip-unless-schedules": ["x"], "index-search": ["p.clang"]},
    "always-first": {"always": None, "index-search": ["p.clang"]}})
case("optimization-first-key-wins", g, [TEST], index="optimization-first-key-wins.index.json")

g = idx_graph("optimization-empty-forms", {
    "empty-object": {}, "null-opt": None, "empty-list": {"index-search": []}})
case("optimization-empty-forms", g, [TEST], index="optimization-first-key-wins.index.json")

write("unknown-strategy.existing.json", {"unknown-existing": "ExistingUnknown000001"})
g = idx_graph("unknown-strategy", {
    "unknown-new": {"skip-unless-schedules": {"pattern": ["x"]}},
    "unknown-existing": {"bugbug-reduced": None}})
case("unknown-strategy", g, [TEST], existing=["unknown-strategy.existing.json"])

write("index-search-paths.index.json", {
    "index": {"p.failed": "IndexFailed00000000001", "p.exception": "IndexException0000001",
              "p.nostatus": "IndexNoStatus00000001", "p.running": "IndexRunning000000001",
              "p.completed": "IndexCompleted0000001", "p.noexpires": "IndexNoExpires0000001",
              "p.emptystatus": "IndexEmptyStatus00001", "p.nostate": "IndexNoState000000001",
              "p.pending": "IndexPending000000001"},
    "statuses": {"IndexFailed00000000001": status("failed"), "IndexException0000001": status("exception"),
                 "IndexRunning000000001": status("running"), "IndexCompleted0000001": status(),
                 "IndexNoExpires0000001": status(expires=None), "IndexEmptyStatus00001": {},
                 "IndexNoState000000001": {"expires": FAR}, "IndexPending000000001": status("pending")}})
g = idx_graph("index-search-paths", {
    "first-paths-failed": {"index-search": ["p.failed", "p.exception", "p.missing", "p.nostatus", "p.running"]},
    "status-missing-expires": {"index-search": ["p.noexpires", "p.completed"]},
    "status-empty-and-no-state": {"index-search": ["p.emptystatus", "p.nostate", "p.completed"]},
    "all-bad": {"index-search": ["p.failed", "p.exception", "p.emptystatus", "p.missing"]},
    "pending": {"index-search": ["p.pending", "p.completed"]},
    "duplicate-path": {"index-search": ["p.failed", "p.failed", "p.completed", "p.completed"]}})
case("index-search-path-order", g, [TEST], index="index-search-paths.index.json")

write("index-existing-wins.index.json",
      {"index": {"p.clang": "IndexClang000000000001"}, "statuses": {"IndexClang000000000001": status()}})
write("index-existing-wins.existing.json", {"clang": "ExistingClang000000001"})
g = idx_graph("index-existing-wins", {"clang": {"index-search": ["p.clang"]}})
case("index-hit-but-existing-wins", g, [TEST], existing=["index-existing-wins.existing.json"],
     index="index-existing-wins.index.json")

# expiry against the max deadline of the dependents in the closure
write("index-expiry.index.json", {
    "index": {"p.exp2d": "IndexExpires2Days0001", "p.exp3d": "IndexExpires3Days0001"},
    "statuses": {"IndexExpires2Days0001": status(expires="2025-12-03T00:00:00.000Z"),
                 "IndexExpires3Days0001": status(expires="2025-12-04T00:00:00.000Z")}})
g = graph("index-expiry",
          task("clang", "toolchain", opt={"index-search": ["p.exp2d", "p.exp3d"]}),
          task("rust", "toolchain", opt={"index-search": ["p.exp2d"]}),
          task("gcc", "toolchain", opt={"index-search": ["p.exp2d"]}),
          task("test-a", deps={"clang": "clang", "rust": "rust"}),
          task("test-b", deps={"clang": "clang", "gcc": "gcc"},
               top={"deadline": {"relative-datestamp": "3 days"}}),
          task("lint-far", deps={"rust": "rust"}, top={"deadline": {"relative-datestamp": "10 years"}}))
case("index-expired-before-dependent-deadline", g, ["test-a", "test-b"], index="index-expiry.index.json")

write("index-expiry-edge.index.json", {
    "index": {"p.exp1d": "IndexExpires1Day00001", "p.exp1dminus": "IndexExpiresEarly0001"},
    "statuses": {"IndexExpires1Day00001": status(expires="2025-12-02T00:00:00.000Z"),
                 "IndexExpiresEarly0001": status(expires="2025-12-01T23:59:59.999Z")}})
g = graph("index-expiry-edge",
          task("exact", "toolchain", opt={"index-search": ["p.exp1d"]}),
          task("early", "toolchain", opt={"index-search": ["p.exp1dminus"]}),
          task(TEST, deps={"exact": "exact", "early": "early"}))
case("index-expiry-equal-to-deadline", g, [TEST], index="index-expiry-edge.index.json")

g = graph("index-dependent-deadline-absolute",
          task("clang", "toolchain", opt={"index-search": ["p.exp2d", "p.exp3d"]}),
          task(TEST, deps={"clang": "clang"}, top={"deadline": "2025-12-03T12:00:00.000Z"}))
case("index-dependent-deadline-absolute", g, [TEST], index="index-expiry.index.json")
g = graph("index-dependent-deadline-no-fraction",
          task("clang", "toolchain", opt={"index-search": ["p.exp2d", "p.exp3d"]}),
          task(TEST, deps={"clang": "clang"}, top={"deadline": "2025-12-03T12:00:00Z"}))
case("error-index-dependent-deadline-no-fraction", g, [TEST], index="index-expiry.index.json")

write("index-expires-no-fraction.index.json", {
    "index": {"p.clang": "IndexClang000000000001"},
    "statuses": {"IndexClang000000000001": status(expires="2027-01-01T00:00:00Z")}})
g = idx_graph("index-expires-no-fraction", {"clang": {"index-search": ["p.clang"]}})
case("error-index-expires-no-fraction", g, [TEST], index="index-expires-no-fraction.index.json")

write("index-empty-taskid-with-status.index.json", {
    "index": {"p.empty": "", "p.good": "IndexGood000000000001"},
    "statuses": {"": status(), "IndexGood000000000001": status()}})
write("index-empty-taskid-no-status.index.json", {
    "index": {"p.empty": "", "p.good": "IndexGood000000000001"},
    "statuses": {"IndexGood000000000001": status()}})
g = idx_graph("index-empty-taskid", {"clang": {"index-search": ["p.empty", "p.good"]}})
case("index-empty-string-taskid-with-status", g, [TEST], index="index-empty-taskid-with-status.index.json")
case("index-empty-string-taskid-no-status", g, [TEST], index="index-empty-taskid-no-status.index.json")

write("index-bare-string.index.json", {
    "index": {"gecko.cache.toolchain.clang": "IndexClang000000000001"},
    "statuses": {"IndexClang000000000001": status()}})
write("index-bare-string-char.index.json", {
    "index": {"gecko.cache.toolchain.clang": "IndexClang000000000001", "e": "IndexSingleCharE00001"},
    "statuses": {"IndexClang000000000001": status(), "IndexSingleCharE00001": status()}})
g = idx_graph("index-search-bare-string", {"clang": {"index-search": "gecko.cache.toolchain.clang"}})
case("index-search-bare-string", g, [TEST], index="index-bare-string.index.json")
case("index-search-bare-string-char-hit", g, [TEST], index="index-bare-string-char.index.json")

g = idx_graph("index-search-null-arg", {"clang": {"index-search": None}})
case("error-index-search-null-arg", g, [TEST])
write("index-search-null-arg.existing.json", {"clang": "ExistingClang000000001"})
case("index-search-null-arg-existing", g, [TEST], existing=["index-search-null-arg.existing.json"])

g = graph("dependent-without-deadline",
          task("clang", "toolchain"),
          task(TEST, deps={"clang": "clang"}, drop=("deadline",)))
case("error-dependent-without-deadline", g, [TEST])
write("dependent-without-deadline.existing.json", {"clang": "ExistingClang000000001"})
case("dependent-without-deadline-dep-existing", g, [TEST], existing=["dependent-without-deadline.existing.json"])

write("existing-empty-string.existing.json", {BUILD: "", IMG: ""})
write("existing-empty-string.index.json", {"index": {"p.image": "IndexImage000000000001"},
                                           "statuses": {"IndexImage000000000001": status()}})
g = graph("existing-empty-string",
          task(IMG, "docker-image", opt={"index-search": ["p.image"]}),
          task(BUILD, "build"),
          task(TEST, deps={"build": BUILD, "image": IMG}))
case("existing-empty-string-taskid", g, [TEST], existing=["existing-empty-string.existing.json"],
     index="existing-empty-string.index.json")

write("existing-a.existing.json", {BUILD: "ExistingBuildFromA0001", IMG: "ExistingImageFromA0001"})
write("existing-b.existing.json", {BUILD: "ExistingBuildFromB0001"})
write("existing-c.existing.json", {IMG: ""})
g = graph("existing-several-files",
          task(IMG, "docker-image"),
          task(BUILD, "build"),
          task(TEST, deps={"build": BUILD, "image": IMG}))
case("existing-later-file-overrides", g, [TEST], existing=["existing-a.existing.json", "existing-b.existing.json"])
case("existing-later-file-empty-string", g, [TEST], existing=["existing-a.existing.json", "existing-c.existing.json"])

# ---------------------------------------------------------------- relative datestamps
QUIRKS = {
    "Q01": "1 year 1 second", "Q02": "-1 day", "Q03": "10d", "Q04": "90 min", "Q05": "3 mo",
    "Q06": "  7   days  ", "Q07": "1d2h", "Q08": "1 Day 2 hours", "Q09": "in 3 days", "Q10": "+2 h",
    "Q11": "007 days", "Q12": "12 months", "Q13": "2 y", "Q14": "15s", "Q15": "1 second",
    "Q16": "0 seconds", "Q17": "2 hours ago", "Q18": "3daysX", "Q19": "45 minute", "Q20": "1 years",
    "Q21": "5 seconds5 days",
}
g = graph("datestamp-quirks",
          task(TEST, payload={
              "stamps": {k: {"relative-datestamp": v} for k, v in QUIRKS.items()},
              "list": [{"relative-datestamp": "1 day"}, [{"relative-datestamp": "2 days"}]],
              "artifacts": {"public/logs": {"type": "directory", "path": "/logs",
                                            "expires": {"relative-datestamp": "-28 days"}},
                            "private/x": {"type": "file", "path": "/x",
                                          "expires": {"relative-datestamp": "1 year 2 seconds"}}}},
               top={"deadline": {"relative-datestamp": "-1 day"},
                    "expires": {"relative-datestamp": "1 year 1 second"}}))
case("datestamp-quirks", g, [TEST])
case("now-with-milliseconds", g, [TEST], now="2025-12-01T10:20:30.456Z")
case("now-leap-day", g, [TEST], now="2028-02-28T23:59:59.999Z")
case("now-with-microseconds", g, [TEST], now="2025-12-01T10:20:30.456789Z")

g = graph("datestamp-dict-value",
          task(TEST, payload={"d": {"relative-datestamp": {"1 day": "x", "2 hours": {"relative-datestamp": "1 day"},
                                                           "3 mo": [{"relative-datestamp": "1 s"}]}}}))
case("datestamp-dict-value", g, [TEST])

g = graph("task-reference-dict-yields-datestamp",
          task(BUILD, "build"),
          task(TEST, deps={"build": BUILD},
               payload={"d": {"task-reference": {"relative-datestamp": "3 days"}},
                        "e": {"x-<build>": {"relative-datestamp": "1 day"}},
                        "f": {"task-reference": {"k-<build>": {"relative-datestamp": "1 day"}}}}))
case("task-reference-dict-yields-datestamp", g, [TEST])

BAD = {
    "weeks": "2 weeks", "fraction": "1.5 days", "uppercase": "1 Day", "unit-m": "5 m",
    "tab": "1\tday", "non-string": 5, "year-overflow": "8100 years", "empty": "",
    "dict-value-bad-key": {"a": "1 day"}, "unit-sec": "30 sec", "leading-dot": ".5 days",
}
g = graph("datestamp-errors", *[task(f"bad-{k}", payload={"when": {"relative-datestamp": v}})
                                 for k, v in BAD.items()])
for k in BAD:
    case(f"error-datestamp-{k}", g, [f"bad-{k}"])

g = graph("datestamp-unicode-digits", task(TEST, payload={"when": {"relative-datestamp": "\u0663 days"},
                                                          "when2": {"relative-datestamp": "\uff12 hours"}}))
case("datestamp-unicode-digits", g, [TEST])

write("bad-datestamp-in-replaced-task.existing.json", {BUILD: "ExistingBuild000000001"})
g = graph("bad-datestamp-in-replaced-task",
          task(BUILD, "build", payload={"when": {"relative-datestamp": "2 weeks"}},
               top={"expires": {"relative-datestamp": "1.5 days"}}),
          task(TEST, deps={"build": BUILD}))
case("bad-datestamp-in-replaced-task", g, [TEST], existing=["bad-datestamp-in-replaced-task.existing.json"])

g = graph("bad-deadline-in-dependent",
          task("clang", "toolchain"),
          task(TEST, deps={"clang": "clang"}, top={"deadline": {"relative-datestamp": "2 weeks"}}))
case("error-bad-deadline-in-dependent", g, [TEST])

# ---------------------------------------------------------------- graph structure errors
g = graph("dependency-cycle",
          task("a", deps={"b": "b"}), task("b", deps={"a": "a"}),
          task("c", deps={"c": "c"}),
          task(TEST, deps={"build": BUILD}), task(BUILD, "build"))
case("error-dependency-cycle-in-closure", g, ["a"])
case("error-self-dependency-loop", g, ["c"])
case("dependency-cycle-outside-closure", g, [TEST])

# Not expressible: a task without "dependencies"/"optimization" makes upstream.py itself raise
# (TaskGraph.from_json runs outside its try block), so compare.py crashes instead of comparing.

# ---------------------------------------------------------------- level / scheduler
g = graph("level", task(BUILD, "build"), task(TEST, deps={"build": BUILD}))
case("level-1-from-case", g, [TEST], level=1, trust_domain="mozilla")
write("level-2.params.yml", None, raw="level: '2'\nfiles_changed: []\nproject: try\n")
case("level-from-parameters", g, [TEST], parameters="level-2.params.yml")
write("level-int.params.json", {"level": 1, "files_changed": []})
case("level-int-in-parameters", g, [TEST], parameters="level-int.params.json")

# ---------------------------------------------------------------- decision mode
PATTERNS = {
    "star-star": ["**"], "dom-star-star": ["dom/**"], "top-js": ["*.js"], "exact-file": ["browser/app/app.js"],
    "parent-dir": ["browser"], "trailing-slash": ["browser/app/"], "empty-pattern": [""],
    "any-js": ["**/*.js"], "one-star-dir": ["browser/*"], "prefix-not-dir": ["brow"],
    "middle-star-star": ["browser/**/app.js"], "question-mark": ["browser/app/app.j?"],
    "no-match": ["docs/**", "*.md"], "second-pattern": ["docs/**", "toolkit/**"],
    "star-mid-segment": ["browser/a*p/*.js"], "star-star-no-slash": ["browser**"],
    "case-sensitive": ["Browser/**"], "regex-chars": ["toolkit/a+b(c).txt"], "empty-list": [],
}
FILES = ["browser/app/app.js", "toolkit/a+b(c).txt", "README"]


def decision_graph(name, extra=()):
    return graph(name, task(BUILD, "build"),
                 *[task(f"test-{k}", deps={"build": BUILD}, opt={"skip-unless-changed": v})
                   for k, v in PATTERNS.items()], *extra)


LBL = [f"test-{k}" for k in PATTERNS]
write("files-changed.params.yml", None, raw="base_rev: aaaa\nhead_rev: bbbb\nlevel: '3'\nfiles_changed:\n"
      + "".join(f"- {f}\n" for f in FILES))
write("files-changed-empty.params.yml", None, raw="base_rev: aaaa\nhead_rev: bbbb\nlevel: '3'\nfiles_changed: []\n")
write("base-rev-equals-head.params.yml", None, raw="base_rev: abcd\nhead_rev: abcd\nlevel: '3'\nfiles_changed: []\n")
write("base-rev-empty.params.yml", None, raw="base_rev: ''\nhead_rev: ''\nlevel: '3'\nfiles_changed:\n- browser/app/app.js\n")
write("no-files-changed-key.params.yml", None, raw="level: '3'\nhead_rev: bbbb\n")
g = decision_graph("decision-skip-unless-changed")
case("decision-skip-unless-changed-patterns", g, LBL, mode="decision", parameters="files-changed.params.yml")
case("decision-skip-files-changed-empty", g, LBL, mode="decision", parameters="files-changed-empty.params.yml")
case("decision-base-rev-equals-head-rev", g, LBL, mode="decision", parameters="base-rev-equals-head.params.yml")
case("decision-base-rev-empty", g, LBL, mode="decision", parameters="base-rev-empty.params.yml")
case("decision-no-files-changed-key", g, LBL, mode="decision", parameters="no-files-changed-key.params.yml")
case("decision-skip-unless-changed-add-new-jobs", g, LBL, parameters="files-changed-empty.params.yml")

g = graph("decision-skip-bare-string",
          task("test-bare", opt={"skip-unless-changed": "browser"}),
          task("test-char", opt={"skip-unless-changed": "yx"}))
write("files-changed-b.params.yml", None, raw="base_rev: a\nhead_rev: b\nfiles_changed:\n- browser/app/app.js\n- x/y\n")
case("decision-skip-unless-changed-bare-string", g, ["test-bare", "test-char"], mode="decision",
     parameters="files-changed-b.params.yml")
g = graph("decision-skip-null-arg", task("test-null", opt={"skip-unless-changed": None}))
case("error-decision-skip-unless-changed-null-arg", g, ["test-null"], mode="decision",
     parameters="files-changed.params.yml")

# if_dependencies, ex4b-like chain: tests skipped, signing/notify only run if their if-deps run
g = graph("decision-if-dependencies-chain",
          task(IMG, "docker-image"),
          task("toolchain-clang", "toolchain", deps={"image": IMG}),
          task(BUILD, "build", deps={"image": IMG, "toolchain": "toolchain-clang"}),
          task("test-1", deps={"build": BUILD}, opt={"skip-unless-changed": ["docs/**"]}),
          task("test-2", deps={"build": BUILD}, opt={"skip-unless-changed": ["docs/**"]}),
          task("signing", "signing", deps={"build": BUILD}, ifd=[BUILD]),
          task("notify", "notify", deps={"signing": "signing", "test-1": "test-1"}, ifd=["signing", "test-1"]),
          task("lint", "lint", deps={"image": IMG}))
CHAIN = ["test-1", "test-2", "signing", "notify", "lint"]
case("decision-if-dependencies-chain", g, CHAIN, mode="decision", parameters="files-changed.params.yml")
case("decision-if-dependencies-chain-no-lint", g, CHAIN[:-1], mode="decision", parameters="files-changed.params.yml")
write("docs-changed.params.yml", None, raw="base_rev: a\nhead_rev: b\nfiles_changed:\n- docs/index.md\n")
case("decision-if-dependencies-chain-tests-run", g, CHAIN, mode="decision", parameters="docs-changed.params.yml")
case("decision-if-dependencies-chain-build-requested", g, CHAIN + [BUILD], mode="decision",
     parameters="files-changed.params.yml")

# triangles: A -> B -> C and A -> C
def tri(name, a_ifd, b_opt, c_opt, labels, b_ifd=None):
    g = graph(name,
              task("C", "build", opt=c_opt),
              task("B", "test", deps={"c": "C"}, opt=b_opt, ifd=b_ifd),
              task("A", "notify", deps={"b": "B", "c": "C"}, ifd=a_ifd))
    case(name, g, labels, mode="decision", parameters="files-changed.params.yml")


SKIP = {"skip-unless-changed": ["docs/**"]}
tri("decision-if-deps-triangle-b-skipped", ["B"], SKIP, None, ["A", "B"])
tri("decision-if-deps-triangle-b-kept", ["B"], None, None, ["A", "B"])
tri("decision-if-deps-triangle-if-on-c", ["C"], SKIP, None, ["A", "B"])
tri("decision-if-deps-triangle-c-requested", ["B"], SKIP, None, ["A", "B", "C"])
tri("decision-if-deps-triangle-b-if-c", ["B"], None, None, ["A", "B"], b_ifd=["C"])
tri("decision-if-deps-triangle-only-a", ["B"], None, None, ["A"])
tri("decision-if-deps-triangle-c-skipped", ["C"], None, SKIP, ["A", "C"])

g = graph("decision-always",
          task(IMG, "docker-image"),
          task(BUILD, "build", deps={"image": IMG}, opt={"always": None}),
          task("test-always", deps={"build": BUILD}, opt={"always": None}),
          task("test-kept", deps={"image": IMG}),
          task("test-on-always-build", deps={"build": BUILD}))
case("decision-always-strategy", g, ["test-always", "test-kept"], mode="decision",
     parameters="files-changed.params.yml")
case("decision-always-non-requested-dependency", g, ["test-on-always-build"], mode="decision",
     parameters="files-changed.params.yml")
case("add-new-jobs-always-strategy", g, ["test-always", "test-on-always-build"])

write("decision-removed-then-replaced.existing.json",
      {IMG: "ExistingImage000000001", "test-always": "ExistingTestAlways0001", BUILD: "ExistingBuild000000001"})
case("decision-removed-then-replaced", g, ["test-always", "test-kept"], mode="decision",
     parameters="files-changed.params.yml", existing=["decision-removed-then-replaced.existing.json"])

write("decision-deadline.index.json", {
    "index": {"p.image": "IndexImage30Days00001"},
    "statuses": {"IndexImage30Days00001": status(expires="2025-12-31T00:00:00.000Z")}})
g = graph("decision-deadline-removed-dependent",
          task(IMG, "docker-image", opt={"index-search": ["p.image"]}),
          task(BUILD, "build", deps={"image": IMG}),
          task("test-skipped", deps={"image": IMG}, opt={"skip-unless-changed": ["docs/**"]},
               top={"deadline": {"relative-datestamp": "1 year"}}))
case("decision-deadline-includes-removed-dependent", g, [BUILD, "test-skipped"], mode="decision",
     parameters="files-changed.params.yml", index="decision-deadline.index.json")
case("decision-deadline-without-removed-dependent", g, [BUILD], mode="decision",
     parameters="files-changed.params.yml", index="decision-deadline.index.json")

write("decision-requested-in-existing.existing.json", {TEST: "ExistingTest0000000001", BUILD: "ExistingBuild000000001"})
g = graph("decision-requested-in-existing", task(BUILD, "build"), task(TEST, deps={"build": BUILD}),
          task("test-2", deps={"build": BUILD}))
case("decision-requested-in-existing", g, [TEST, "test-2"], mode="decision",
     existing=["decision-requested-in-existing.existing.json"], parameters="files-changed.params.yml")
write("do-not-optimize.params.yml", None,
      raw="base_rev: a\nhead_rev: b\nlevel: '3'\nfiles_changed: []\ndo_not_optimize:\n- test-star-star\n- build-linux64/opt\n")
case("decision-do-not-optimize-param", decision_graph("decision-skip-unless-changed"), LBL, mode="decision",
     parameters="do-not-optimize.params.yml")
case("decision-do-not-optimize-existing", g, [TEST, "test-2"], mode="decision",
     existing=["decision-requested-in-existing.existing.json"], parameters="do-not-optimize.params.yml")

write("decision-index-bad-expires.index.json", {
    "index": {"p.clang": "IndexClang000000000001"},
    "statuses": {"IndexClang000000000001": status(expires="not a timestamp")}})
g = graph("decision-index-no-deadline", task("clang", "toolchain", opt={"index-search": ["p.clang"]}))
case("decision-index-no-deadline-bad-expires", g, ["clang"], mode="decision",
     parameters="files-changed.params.yml", index="decision-index-bad-expires.index.json")

g = graph("decision-soft-dep-on-removed",
          task(BUILD, "build"),
          task("test-skipped", deps={"build": BUILD}, opt={"skip-unless-changed": ["docs/**"]}),
          task("test-kept", deps={"build": BUILD}),
          task("report", "report", soft=["test-skipped", "test-kept", BUILD],
               payload={"env": {"K": {"task-reference": "<test-kept>"}}}))
case("decision-soft-dep-on-removed", g, ["test-skipped", "test-kept", "report"], mode="decision",
     parameters="files-changed.params.yml")

# duplicate JSON keys: Python's json keeps the last value (in the first key's position)
dup = json.dumps(json.loads((OUT / "level.graph.json").read_text()), indent=2)
dup = dup.replace('"optimization": null,\n    "soft_dependencies"',
                  '"optimization": {"never": null},\n    "optimization": null,\n    "soft_dependencies"')
write("duplicate-json-key.graph.json", None, raw=dup)
case("duplicate-json-key", "duplicate-json-key.graph.json", [TEST])

print(len([w for w in written if w.endswith(".case.json")]), "cases,", len(written), "files")
