#!/usr/bin/env python3
"""The real Taskcluster services (`services.py up`) do what our later end-to-end tests will
lean on, through the official Taskcluster Python client and one root URL:

* every service answers `ping` under the root URL;
* the queue takes a task, and a test acting as its worker claims it, attaches an artifact and
  completes it; the task group lists it with its state;
* the index's handlers index the completed task from its `index.*` route (through RabbitMQ);
* the hooks service creates a task in the queue from a hook's template on `triggerHook`, with
  the payload rendered in, as in-tree action hooks do;
* the web-server's test login strategy opens a session (`/login/test`, 204).

Run: `make real-taskcluster-tests`. Without `../shared/vendor/taskcluster` it says so and
exits 0.
"""

import datetime
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import taskcluster  # the official client, from the venv

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import services as real  # noqa: E402 - this folder's services.py

failures = []


def check(what, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {what}{'  ' + detail if detail and not ok else ''}", flush=True)
    if not ok:
        failures.append(what)


def start(*args):
    """Starts `services.py up` (with `args`, e.g. `--login-origin`); its process and root URL."""
    proc = subprocess.Popen([sys.executable, str(HERE / "services.py"), "up", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    started = time.time()
    for line in proc.stdout:
        print(f"  | {line.rstrip()}", flush=True)
        if line.startswith("root URL: "):
            print(f"  (up in {time.time() - started:.0f} s)", flush=True)
            return proc, line.split(": ", 1)[1].strip()
    raise SystemExit(f"services.py up ended ({proc.wait()}) without a root URL")


def main():
    if not (real.VENDOR / "package.json").exists():
        print(f"real Taskcluster tests skipped: {real.VENDOR} is absent (the team's shared vendor folder)")
        return 0
    proc, root_url = start()
    try:
        root = json.loads((real.WORK / "root.json").read_text())
        check("root.json names the root URL", root["rootUrl"] == root_url)
        opts = {"rootUrl": root_url, "credentials": {"clientId": root["clientId"], "accessToken": root["accessToken"]}}
        queue, index, hooks, auth = (taskcluster.Queue(opts), taskcluster.Index(opts), taskcluster.Hooks(opts),
                                     taskcluster.Auth(opts))
        for name, client in [("auth", auth), ("queue", queue), ("index", index), ("hooks", hooks),
                             ("object", taskcluster.Object(opts)), ("web-server", None)]:
            if client is None:
                with urllib.request.urlopen(f"{root_url}/api/{name}/v1/ping") as reply:
                    alive = json.load(reply).get("alive")
            else:
                alive = client.ping().get("alive")
            check(f"{name} answers ping at the root URL", alive is True)

        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        stamp = lambda delta: taskcluster.stringDate(now + delta)  # noqa: E731
        group = taskcluster.slugId()
        task = {
            "provisionerId": "real-tc-test", "workerType": "smoke", "schedulerId": "taskgraph-level-3",
            "taskGroupId": group, "created": stamp(datetime.timedelta()), "deadline": stamp(datetime.timedelta(hours=1)),
            "expires": stamp(datetime.timedelta(days=1)), "payload": {}, "tags": {"kind": "decision-task"},
            "metadata": {"name": "Decision Task", "description": "smoke", "owner": "sheriff@mozilla.com",
                         "source": "https://example.com"},
            "routes": [f"index.taskgraph.v2.smoke.revision.{group.lower()}.taskgraph.decision"],
        }
        check("queue.createTask leaves the task pending", queue.createTask(group, task)["status"]["state"] == "pending")
        claimed = queue.claimWork("real-tc-test/smoke", {"tasks": 1, "workerGroup": "g", "workerId": "w"})["tasks"]
        check("claimWork hands the task to the test worker", [t["status"]["taskId"] for t in claimed] == [group])
        queue.createArtifact(group, 0, "public/label-to-taskid.json", {
            "storageType": "reference", "expires": stamp(datetime.timedelta(days=1)),
            "contentType": "application/json", "url": "https://example.com/label-to-taskid.json"})
        check("reportCompleted completes it", queue.reportCompleted(group, 0)["status"]["state"] == "completed")
        listed = queue.listTaskGroup(group)["tasks"]
        check("listTaskGroup lists it, completed", [(t["status"]["taskId"], t["status"]["state"]) for t in listed]
              == [(group, "completed")])
        artifacts = [a["name"] for a in queue.listArtifacts(group, 0)["artifacts"]]
        check("its artifact is listed", artifacts == ["public/label-to-taskid.json"], str(artifacts))
        path = f"taskgraph.v2.smoke.revision.{group.lower()}.taskgraph.decision"
        found = None
        for _ in range(50):
            try:
                found = index.findTask(path)["taskId"]
                break
            except taskcluster.TaskclusterRestFailure:
                time.sleep(0.2)
        check("the index's handlers index it from its route", found == group, str(found))

        # An in-tree action hook: its template renders the payload into the task it creates.
        hook_id = "in-tree-action-3-generic/smoke"
        hooks.createHook("project-taskgraph", hook_id, {
            "metadata": {"name": "smoke", "description": "smoke", "owner": "sheriff@mozilla.com"},
            "schedule": [],
            "task": {"$let": {"now": {"$fromNow": ""}}, "in": {
                "provisionerId": "real-tc-test", "workerType": "action", "schedulerId": "taskgraph-level-3",
                "taskGroupId": {"$eval": "payload.decision.action.taskGroupId"},
                "created": {"$eval": "now"}, "deadline": {"$fromNow": "1 hour"}, "expires": {"$fromNow": "1 day"},
                "payload": {"env": {"ACTION_INPUT": {"$json": {"$eval": "payload.user.input"}}}},
                "metadata": {"name": "Action: smoke", "description": "smoke", "owner": "sheriff@mozilla.com",
                             "source": "https://example.com"}}},
            "triggerSchema": {"type": "object"},
        })
        auth.createRole("hook-id:project-taskgraph/in-tree-action-3-*", {
            "description": "what in-tree action hooks may do",
            "scopes": ["queue:create-task:*", "queue:scheduler-id:taskgraph-level-3"]})
        fired = hooks.triggerHook("project-taskgraph", hook_id, {
            "decision": {"action": {"taskGroupId": group}}, "user": {"input": {"tasks": ["a", "b"]}}})
        action = fired.get("status", {}).get("taskId") or fired.get("taskId")
        definition = queue.task(action) if action else {}
        check("triggerHook creates the action task in the queue, in the decision's group",
              definition.get("taskGroupId") == group, json.dumps(fired)[:300])
        check("with the hook's payload rendered in",
              json.loads(definition.get("payload", {}).get("env", {}).get("ACTION_INPUT", "null")) == {"tasks": ["a", "b"]})

        with urllib.request.urlopen(urllib.request.Request(f"{root_url}/login/test")) as reply:
            check("the web-server's test login strategy opens a session", reply.status == 204)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
    leftovers = subprocess.run(["pgrep", "-f", str(real.SRC / "services")], capture_output=True, text=True).stdout.split()
    check("stopping stops every service", leftovers == [], " ".join(leftovers))
    print(f"\nreal Taskcluster: {'all checks passed' if not failures else f'{len(failures)} failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
