#!/usr/bin/env python3
"""Differential test: our CLI against the real taskcluster-taskgraph 24.5.1, same inputs.

For every case (real graphs in tests/data/real, graphs made by our own generator, hand-made
tricky graphs in tests/data/tricky) it runs upstream's code path through `upstream.py` and
`taskgraph-preview preview --json` on the same files, puts both in one canonical form (new
taskIds → `<new:LABEL>`, decision/action ids named, dependency lists sorted) and requires them
to be identical. Errors must agree too: when upstream raises, we must fail with a clear
message (exit code 1), and vice versa.

Usage: compare.py --bin target/release/taskgraph-preview [--quick] [--only SUBSTRING]
Exit status 0 when every case agrees.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import upstream

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
NOW = "2025-12-01T00:00:00.000Z"
DECISION = "DecisionTaskId00000000A"
ACTION = "ActionTaskId0000000000A"


def base_case(**kw):
    case = {
        "existing": [],
        "parameters": None,
        "index": None,
        "now": NOW,
        "times": 1,
        "decision_task_id": DECISION,
        "action_task_id": ACTION,
        "trust_domain": "gecko",
        "root_url": "https://firefox-ci-tc.services.mozilla.com",
        "proxy_url": "http://taskcluster",
        "mode": "add-new-jobs",
        "flavour": "taskgraph",
    }
    case.update(kw)
    return case


def first_existing(d, *names):
    for n in names:
        if (d / n).exists():
            return d / n
    return None


def real_cases(quick):
    for d in sorted((DATA / "real").iterdir()):
        graph = first_existing(d, "full-task-graph.json.gz", "full-task-graph.json")
        existing = first_existing(d, "label-to-taskid.json")
        params = first_existing(d, "parameters.yml")
        requests = json.loads((d / "requests.json").read_text())
        for name, labels in sorted(requests.items()):
            if quick and name == "all-tasks" and len(labels) > 200:
                continue
            yield f"real/{d.name}/{name}", base_case(
                graph=str(graph), existing=[str(existing)] if existing else [],
                parameters=str(params) if params else None, labels=labels)
        # Decision mode over every label: where skip-unless-changed/if_dependencies remove.
        if not quick or len(requests.get("all-tasks", [])) <= 200:
            yield f"real/{d.name}/decision-all-tasks", base_case(
                graph=str(graph), existing=[str(existing)] if existing else [],
                parameters=str(params) if params else None, labels=requests["all-tasks"],
                mode="decision")


def generated_cases(binary, workdir, quick):
    sizes = [(600, 1), (2500, 7)] if quick else [(600, 1), (2500, 7), (6000, 3)]
    for tasks, seed in sizes:
        out = Path(workdir) / f"gen-{tasks}-{seed}"
        subprocess.run([binary, "gen-graph", "--tasks", str(tasks), "--seed", str(seed), "--out", str(out)],
                       check=True)
        requests = json.loads((out / "requests.json").read_text())
        # Gecko-shaped graphs with gecko's strategy names: both sides know them as gecko does.
        common = dict(graph=str(out / "full-task-graph.json.gz"), existing=[str(out / "label-to-taskid.json")],
                      parameters=str(out / "parameters.yml"), flavour="gecko")
        for name, labels in sorted(requests.items()):
            if not labels:
                continue
            yield f"gen/{tasks}-{seed}/{name}", base_case(labels=labels, **common)
            yield f"gen/{tasks}-{seed}/{name}+index", base_case(labels=labels, index=str(out / "index.json"), **common)
        # No label-to-taskid at all: every cached task goes through index-search.
        yield f"gen/{tasks}-{seed}/fifty+index-only", base_case(
            labels=requests["fifty-tests-across-platforms"], index=str(out / "index.json"),
            graph=common["graph"], parameters=common["parameters"], flavour="gecko")
        yield f"gen/{tasks}-{seed}/times-3", base_case(labels=requests["test-needing-new-build"],
                                                       index=str(out / "index.json"), times=3, **common)


def action_cases(quick):
    """taskgraph's other callbacks that create tasks, on the real graphs: rebuild-cached-tasks,
    retrigger (plain, times, downstream, force, refused), retrigger-multiple (clones and
    reruns) and add-new-jobs through its callback."""
    for d in sorted((DATA / "real").iterdir()):
        graph = first_existing(d, "full-task-graph.json.gz", "full-task-graph.json")
        existing = first_existing(d, "label-to-taskid.json")
        if not existing:
            continue
        params = first_existing(d, "parameters.yml")
        with upstream._open(graph) as f:
            tasks = json.load(f)
        l2t = json.loads(existing.read_text())
        retriggerable = sorted(l for l, t in tasks.items() if (t.get("attributes") or {}).get("retrigger"))
        others = sorted(l for l, t in tasks.items() if l in l2t and not (t.get("attributes") or {}).get("retrigger"))
        # A task with dependents, for downstream.
        depended = sorted({dep for t in tasks.values() for dep in (t.get("dependencies") or {}).values()})
        common = dict(graph=str(graph), existing=[str(existing)], parameters=str(params) if params else None,
                      labels=[], flavour="taskgraph")
        name = f"action/{d.name}"
        yield f"{name}/rebuild-cached-tasks", base_case(action="rebuild-cached-tasks", input={}, **common)
        if retriggerable:
            label = retriggerable[len(retriggerable) // 2]
            yield f"{name}/retrigger", base_case(action="retrigger", input={}, task_label=label, **common)
            yield f"{name}/retrigger-times-2", base_case(action="retrigger", input={"times": 2},
                                                         task_label=label, **common)
            requests = [{"tasks": retriggerable[:3], "times": 2}] + ([{"tasks": others[:2]}] if others else [])
            yield f"{name}/retrigger-multiple", base_case(action="retrigger-multiple",
                                                          input={"requests": requests}, **common)
        if others:
            yield f"{name}/retrigger-refused", base_case(action="retrigger", input={}, task_label=others[0], **common)
        if depended and not quick:
            label = depended[0]
            yield f"{name}/retrigger-downstream-forced", base_case(
                action="retrigger", input={"downstream": True, "force": True}, task_label=label, **common)
        yield f"{name}/add-new-jobs-callback", base_case(
            action="add-new-jobs", input={"tasks": sorted(tasks)[:2], "times": 2}, **common)


def tricky_cases():
    d = DATA / "tricky"
    if not d.exists():
        return
    for case_file in sorted(d.glob("*.case.json")):
        spec = json.loads(case_file.read_text())
        graph = d / spec.pop("graph")
        kw = {k: v for k, v in spec.items()}
        for key in ("existing",):
            kw[key] = [str(d / p) for p in kw.get(key, [])]
        for key in ("index", "parameters"):
            if kw.get(key):
                kw[key] = str(d / kw[key])
        yield f"tricky/{case_file.name[:-len('.case.json')]}", base_case(graph=str(graph), **kw)


def run_ours(binary, case, workdir):
    labels_file = Path(workdir) / "labels.json"
    labels_file.write_text(json.dumps(case["labels"]))
    cmd = [binary, "preview", "--json", "--graph", case["graph"], "--labels", str(labels_file),
           "--now", case["now"], "--decision-task-id", case["decision_task_id"],
           "--action-task-id", case["action_task_id"], "--trust-domain", case["trust_domain"],
           "--root-url", case["root_url"], "--proxy-url", case["proxy_url"] or "",
           "--times", str(case["times"]), "--mode", case["mode"], "--deterministic-ids",
           "--flavour", case["flavour"]]
    for path in case["existing"]:
        cmd += ["--existing", path]
    if case.get("action"):
        cmd = [c for c in cmd if c not in ("--labels", str(labels_file))]
        cmd += ["--action", case["action"], "--input", json.dumps(case["input"])]
        if case.get("task_label"):
            cmd += ["--label", case["task_label"]]
    if case.get("parameters"):
        cmd += ["--parameters", case["parameters"]]
    if case.get("index"):
        cmd += ["--index", case["index"]]
    if case.get("level"):
        cmd += ["--level", str(case["level"])]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        if "panicked" in proc.stderr or proc.returncode != 1:
            return {"crash": proc.stderr.strip()}
        return {"error": proc.stderr.strip()}
    out = json.loads(proc.stdout)
    if case.get("action"):
        calls = [{"suffix": c["suffix"], "requested": c["requested"], **canonical_iteration(c, c["closure"], case)}
                 for c in out["calls"]]
        return {"calls": calls, "reruns": out["reruns"], "warnings": out.get("warnings", [])}
    iterations = [canonical_iteration(it, out["closure"], case) for it in out["iterations"]]
    return {"iterations": iterations, "warnings": out.get("warnings", [])}


def canonical_iteration(it, closure, case):
    """One create_tasks call of our output in the canonical form upstream.canonical builds."""
    created = it["created"]
    subst = {tid: f"<new:{label}>" for label, tid in created.items()}
    copies = []
    for label, ids in sorted((it.get("duplicates") or {}).items()):
        for tid in ids:
            subst[tid] = f"<new:{label}>"
            copies.append(label)
    subst[case["decision_task_id"]] = "<decision>"
    subst[case["action_task_id"]] = "<action>"
    canon = upstream.canonicalizer(subst, r"NewTaskId[0-9]{13}")
    closure = set(closure)
    l2t = it["labelToTaskId"]
    replaced = {l: l2t[l] for l in sorted(closure) if l in l2t and l not in created}
    return {
        "scheduled": sorted(created),
        "replaced": replaced,
        "removed": sorted(closure - set(created) - set(replaced)),
        "tasks": {label: canon(it["tasks"][tid]) for label, tid in sorted(created.items())},
        "copies": sorted(copies),
    }


def error_outcome(theirs, ours, who):
    """For a case where a side failed: `(failure, None)` when they disagree (or our CLI
    crashed), `(None, text)` when both fail; None when neither failed."""
    if "crash" in ours:
        return f"our CLI crashed: {ours['crash']}", None
    if "error" not in theirs and "error" not in ours:
        return None
    if ("error" in theirs) != ("error" in ours):
        return f"{who}: {theirs.get('error', 'ok')} / ours: {ours.get('error', 'ok')}", None
    return None, f"both fail: {who} {theirs['error'][:90]!r} / ours {ours['error'][:90]!r}"


def first_difference(a, b, path="$"):
    if type(a) is not type(b):
        return f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: only in {'upstream' if k in a else 'ours'}"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}: {json.dumps(a)[:300]} vs {json.dumps(b)[:300]}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--quick", action="store_true", help="skip the largest cases")
    ap.add_argument("--only", help="run the cases whose name contains this")
    args = ap.parse_args()
    binary = str(Path(args.bin).resolve())
    failures, count = [], 0
    started = time.time()
    with tempfile.TemporaryDirectory() as workdir:
        cases = (list(real_cases(args.quick)) + list(generated_cases(binary, workdir, args.quick))
                 + list(tricky_cases()) + list(action_cases(args.quick)))
        for name, case in cases:
            if args.only and args.only not in name:
                continue
            count += 1
            theirs = upstream.run(case)
            ours = run_ours(binary, case, workdir)
            outcome = error_outcome(theirs, ours, "upstream")
            if outcome:
                failure, both = outcome
                if both:
                    print(f"ok   {name}  ({both})")
                    continue
                failures.append((name, failure))
            else:
                key = "calls" if case.get("action") else "iterations"
                diff = first_difference(theirs[key], ours[key])
                if not diff and case.get("action"):
                    diff = first_difference(theirs["reruns"], ours["reruns"])
                unknown = [w for w in ours["warnings"] if w["kind"] == "unknown-strategy"]
                if not diff and case["flavour"] == "gecko" and unknown:
                    diff = f"gecko graph, yet unknown-strategy warnings: {unknown[0]['message']}"
                if diff:
                    failures.append((name, diff))
                elif case.get("action"):
                    created = sum(len(c["scheduled"]) for c in ours["calls"])
                    print(f"ok   {name}  ({len(ours['calls'])} calls, {created} created, "
                          f"{len(ours['reruns'])} reruns, {len(ours['warnings'])} warnings)")
                    continue
                else:
                    it = ours["iterations"][0]
                    print(f"ok   {name}  ({len(it['scheduled'])} created, {len(it['replaced'])} reused, "
                          f"{len(it['removed'])} removed, {len(ours['warnings'])} warnings)")
                    continue
            print(f"FAIL {failures[-1][0]}: {failures[-1][1]}")
    print(f"\n{count - len(failures)}/{count} differential cases agree with taskcluster-taskgraph "
          f"({time.time() - started:.0f} s)")
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
