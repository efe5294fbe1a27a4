"""Run the real taskcluster-taskgraph `add-new-jobs` code path offline, for differential tests.

This imports the installed `taskgraph` package (24.5.1, from PyPI) and calls its real
`taskgraph.actions.util.create_tasks` (or, in decision mode, `optimize_task_graph` followed by
`create.create_tasks`) with only the network edges replaced:

* index/queue look-ups (`find_task_id[_batched]`, `status_task[_batched]`) answer from the
  `--index` file; without one they find nothing;
* `create.create_task` records the definition after the real `resolve_timestamps` with a
  fixed `now`; `write_artifact` records the artifacts;
* `slugid` hands out recognisable counter ids, so new taskIds can be mapped back to labels;
* for gecko-flavoured cases, gecko_taskgraph's strategy names (read from the engine's
  `GECKO_STRATEGIES` in src/engine/flavour.rs) are registered as never-replacing strategies, as
  gecko registers them (none of gecko's strategies implements `should_replace_task`);
* other strategy names the package does not register are registered as the base "never"
  strategy (the same treatment the Rust engine gives them, with a warning).

`run()` returns the canonical form `compare.py` also builds from our CLI output.
"""

import copy
import datetime
import gzip
import json
import os
import re
import types

MINTED = re.compile(r"UpStReAmNeW[0-9]{9}Xx")
FLAVOUR_RS = os.path.join(os.path.dirname(__file__), "..", "..", "src", "engine", "flavour.rs")


def gecko_strategies():
    """The names in `GECKO_STRATEGIES` of src/engine/flavour.rs."""
    with open(FLAVOUR_RS) as f:
        text = f.read()
    body = re.search(r"pub const GECKO_STRATEGIES: &\[&str\] = &\[(.*?)\];", text, re.S)
    if not body:
        raise RuntimeError(f"no GECKO_STRATEGIES in {FLAVOUR_RS}")
    return re.findall(r'"([a-z0-9-]+)"', body.group(1))


def _open(path):
    return gzip.open(path, "rt") if str(path).endswith(".gz") else open(path)


def install_stubs(case):
    """Replaces taskgraph's network edges, ids and clock for `case` (see the module's
    docstring). Returns (submitted, artifacts): the definitions `create.create_task` received
    as (taskId, label, definition) and the artifacts written, filled as the code runs."""
    os.environ["TASKCLUSTER_ROOT_URL"] = case["root_url"]
    if case.get("proxy_url"):
        os.environ["TASKCLUSTER_PROXY_URL"] = case["proxy_url"]
    else:
        os.environ.pop("TASKCLUSTER_PROXY_URL", None)
    mode = case.get("mode", "add-new-jobs")
    os.environ["TASK_ID"] = case["action_task_id"] if mode == "add-new-jobs" else case["decision_task_id"]

    import taskgraph.actions.util as au
    import taskgraph.create as tcreate
    import taskgraph.optimize.base as ob
    import taskgraph.optimize.strategies as ostrat
    import taskgraph.util.taskcluster as tc

    tc.get_root_url.cache_clear()  # cached per process; each case sets its own URLs

    answers = {"index": {}, "statuses": {}}
    if case.get("index"):
        with open(case["index"]) as f:
            answers.update(json.load(f))
    index, statuses = answers.get("index") or {}, answers.get("statuses") or {}

    def find_task_id(path, *a, **k):
        if path in index:
            return index[path]
        raise KeyError(path)

    stubs = {
        "find_task_id": find_task_id,
        "find_task_id_batched": lambda paths, *a, **k: {p: index[p] for p in paths if p in index},
        "status_task": lambda tid, *a, **k: statuses.get(tid),
        "status_task_batched": lambda ids, *a, **k: {i: statuses[i] for i in ids if i in statuses},
    }
    for mod in (tc, ob, ostrat):
        for name, fn in stubs.items():
            if hasattr(mod, name):
                setattr(mod, name, fn)

    counter = [0]

    def minted():
        counter[0] += 1
        return f"UpStReAmNeW{counter[0]:09d}Xx"

    ob.slugid = minted
    tcreate.slugid = minted

    now = datetime.datetime.strptime(case["now"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc
    )
    tcreate.current_json_time = lambda datetime_format=False: now if datetime_format else case["now"]

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return now if tz is not None else now.replace(tzinfo=None)

    ob.datetime = types.SimpleNamespace(datetime=FrozenDatetime, timezone=datetime.timezone)

    submitted = []
    resolve = tcreate.resolve_timestamps
    tcreate.create_task = lambda session, task_id, label, task_def: submitted.append(
        (task_id, label, resolve(now, task_def))
    )
    tcreate.get_session = lambda *a, **k: None
    artifacts = {}
    au.write_artifact = lambda name, data: artifacts.__setitem__(name, copy.deepcopy(data))
    return submitted, artifacts


def run(case):
    """case: dict with graph, existing (list), labels, parameters, index, now, times,
    decision_task_id, action_task_id, trust_domain, root_url, proxy_url, mode."""
    import taskgraph.actions.util as au
    import taskgraph.create as tcreate
    import taskgraph.optimize.base as ob
    from taskgraph.taskgraph import TaskGraph

    mode = case.get("mode", "add-new-jobs")
    submitted, artifacts = install_stubs(case)
    with _open(case["graph"]) as f:
        raw = json.load(f)
    try:
        _, full = TaskGraph.from_json(raw)
    except Exception as e:  # noqa: BLE001 - a malformed graph is an expected failure
        return {"error": f"{type(e).__name__}: {e}"}
    del raw
    label_to_taskid = {}
    for path in case.get("existing") or []:
        with _open(path) as f:
            label_to_taskid.update(json.load(f))
    params = {}
    if case.get("parameters"):
        import yaml

        with open(case["parameters"]) as f:
            params = yaml.safe_load(f) or {}
    params.setdefault("files_changed", [])
    params["level"] = str(case.get("level") or params.get("level") or "3")

    if case.get("flavour") == "gecko":
        for name in gecko_strategies():
            if name not in ob.registry:
                ob.registry[name] = ob.OptimizationStrategy()
                ob.registry[name].description = f"{name} (gecko: never replaces)"
    for task in full.tasks.values():
        if task.optimization:
            name = next(iter(task.optimization))
            if name not in ob.registry:
                ob.registry[name] = ob.OptimizationStrategy()
                ob.registry[name].description = f"{name} (unknown: never)"

    graph_config = {"trust-domain": case["trust_domain"]}
    if case.get("action"):
        return run_callback(case, full, label_to_taskid, params, graph_config, submitted, artifacts)
    labels = case["labels"]
    for label in labels:  # add_new_jobs_action's own check
        if label not in full.tasks:
            return {"error": f"{label} was not found in the task-graph"}
    try:
        iterations = []
        for i in range(case.get("times", 1)):
            submitted.clear()
            if mode == "add-new-jobs":
                l2t = au.create_tasks(graph_config, labels, full, label_to_taskid, params,
                                      case["decision_task_id"], str(i))
                l2t = artifacts.get(f"label-to-taskid-{i}.json", l2t)
            else:
                target = full.graph.transitive_closure(set(labels))
                ttg = TaskGraph({l: full[l] for l in target.nodes}, target)
                optimized, l2t = ob.optimize_task_graph(
                    ttg, set(labels), params, set(params.get("do_not_optimize") or []),
                    case["decision_task_id"], existing_tasks=label_to_taskid)
                l2t = dict(l2t)
                tcreate.create_tasks(graph_config, optimized, l2t, params, case["decision_task_id"])
            closure = full.graph.transitive_closure(set(labels)).nodes
            iterations.append(canonical(closure, l2t, submitted, case))
    except Exception as e:  # noqa: BLE001 - reported as data, compared with our error
        return {"error": f"{type(e).__name__}: {e}"}
    return {"iterations": iterations}


def run_callback(case, full, label_to_taskid, params, graph_config, submitted, artifacts):
    """Runs upstream's real callback of `case["action"]` (add-new-jobs, retrigger,
    retrigger-multiple, rebuild-cached-tasks) with the push given as data: fetch_graph_and_labels
    answers the graph and the merged map, the task's definition names `case["task_label"]`,
    reruns are recorded. Every create_tasks call becomes one canonical iteration, with its
    suffix."""
    import taskgraph.actions.add_new_jobs as anj
    import taskgraph.actions.rebuild_cached_tasks as rct
    import taskgraph.actions.retrigger as rt
    import taskgraph.actions.util as au

    calls, reruns = [], []
    real_create_tasks = au.create_tasks

    def create_tasks(graph_config, to_run, full_task_graph, label_to_taskid, params,
                     decision_task_id, suffix="", modifier=lambda t: t):
        submitted.clear()
        l2t = real_create_tasks(graph_config, to_run, full_task_graph, label_to_taskid, params,
                                decision_task_id, suffix, modifier)
        closure = full_task_graph.graph.transitive_closure(set(to_run)).nodes
        calls.append({"suffix": str(suffix), "requested": sorted(set(to_run)),
                      **canonical(closure, dict(l2t), submitted, case)})
        return l2t

    fetched = lambda *a, **k: (case["decision_task_id"], full, dict(label_to_taskid))  # noqa: E731
    for mod in (anj, rct, rt):
        mod.fetch_graph_and_labels = fetched
        if hasattr(mod, "create_tasks"):
            mod.create_tasks = create_tasks
        if hasattr(mod, "combine_task_graph_files"):
            mod.combine_task_graph_files = lambda suffixes: None
    rt.taskcluster = types.SimpleNamespace(
        get_task_definition=lambda task_id: {"metadata": {"name": case.get("task_label")}})
    rt._rerun_task = lambda task_id, label: reruns.append({"label": label, "taskId": task_id})
    callback = {
        "add-new-jobs": anj.add_new_jobs_action,
        "retrigger": rt.retrigger_action,
        "retrigger-multiple": rt.retrigger_multiple,
        "rebuild-cached-tasks": rct.rebuild_cached_tasks_action,
    }[case["action"]]
    try:
        callback(params, graph_config, case["input"], case["decision_task_id"],
                 "TaskOfTheAction0000001")
    except SystemExit as e:
        return {"error": f"SystemExit: {e}"}
    except Exception as e:  # noqa: BLE001 - reported as data, compared with our error
        return {"error": f"{type(e).__name__}: {e}"}
    return {"calls": calls, "reruns": reruns}


def canonical(closure, l2t, submitted, case):
    """{scheduled, replaced, removed, tasks}; new ids → <new:LABEL>, decision/action ids named."""
    by_label = {}
    for task_id, label, definition in submitted:
        by_label.setdefault(label, (task_id, definition))  # the first is the graph's task
    new_ids = {tid: label for label, (tid, _) in by_label.items()}
    for tid, label, _ in submitted:
        new_ids.setdefault(tid, label)  # task_duplicates copies
    subst = {tid: f"<new:{label}>" for tid, label in new_ids.items()}
    subst[case["decision_task_id"]] = "<decision>"
    subst[case["action_task_id"]] = "<action>"
    replaced = {l: l2t[l] for l in sorted(closure) if l in l2t and l not in by_label}
    canon = canonicalizer(subst, MINTED.pattern)
    return {
        "scheduled": sorted(by_label),
        "replaced": replaced,
        "removed": sorted(set(closure) - set(by_label) - set(replaced)),
        "tasks": {label: canon(d) for label, (_, d) in sorted(by_label.items())},
        "copies": sorted(label for tid, label, _ in submitted if tid != by_label[label][0]),
    }


def canonicalizer(subst, new_id_pattern):
    """A function that rewrites the ids of `subst` inside a definition and sorts its
    dependencies. New ids are found by their shape (`new_id_pattern`), the decision and action
    ids literally."""
    fixed = [k for k in subst if not re.fullmatch(new_id_pattern, k)]
    pattern = re.compile("|".join([new_id_pattern] + [re.escape(k) for k in fixed]))

    def canon(v):
        if isinstance(v, str):
            return pattern.sub(lambda m: subst.get(m.group(0), m.group(0)), v)
        if isinstance(v, list):
            return [canon(x) for x in v]
        if isinstance(v, dict):
            return {canon(k): canon(x) for k, x in v.items()}
        return v

    def canon_def(definition):
        out = canon(definition)
        if isinstance(out.get("dependencies"), list):
            out["dependencies"] = sorted(out["dependencies"])
        return out

    return canon_def


def main():
    """Command line for timing upstream on the same files as our CLI (see `make bench-e2e`)."""
    import argparse
    import sys
    import time

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--graph", required=True)
    ap.add_argument("--existing", action="append", default=[])
    ap.add_argument("--labels", required=True, help="a JSON list of labels")
    ap.add_argument("--parameters")
    ap.add_argument("--index")
    ap.add_argument("--now", default="2025-12-01T00:00:00.000Z")
    ap.add_argument("--times", type=int, default=1)
    ap.add_argument("--mode", default="add-new-jobs", choices=["add-new-jobs", "decision"])
    args = ap.parse_args()
    with open(args.labels) as f:
        labels = json.load(f)
    started = time.perf_counter()
    result = run({
        "graph": args.graph, "existing": args.existing, "labels": labels,
        "parameters": args.parameters, "index": args.index, "now": args.now, "times": args.times,
        "decision_task_id": "DecisionTaskId00000000A", "action_task_id": "ActionTaskId0000000000A",
        "trust_domain": "gecko", "root_url": "https://firefox-ci-tc.services.mozilla.com",
        "proxy_url": "http://taskcluster", "mode": args.mode,
    })
    json.dump(result, sys.stdout, sort_keys=True)
    print(f"upstream run: {time.perf_counter() - started:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
