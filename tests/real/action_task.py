"""The real action task, run against the real Taskcluster services.

What production has, and what stands for it here:

* **The push.** `seed_push` makes a push the way a decision task does: a decision task is
  created and claimed, upstream taskgraph's own `get_subgraph` and `create.create_tasks` create
  every task of the decision's `label-to-taskid.json` in the real queue (in the decision's
  group, through a credentials proxy), the decision attaches its artifacts and completes, and
  the index's handlers index it from its route (`{trust}.v2.{project}.revision.{rev}.taskgraph.
  decision`, or the pushlog-id one for hg pushes). The artifacts are `reference` artifacts to a
  local storage server that sends them as Taskcluster's storage does (the object service here
  has only an AWS backend).
* **The hook.** `register_action_hook` registers the in-tree action hook that `actions.json`
  names, with the roles production gives it: the hook's role lets it create the action task
  with `assume:repo:<repo>:action:<perm>`, and that repository role holds what creating the
  push's tasks takes (computed from the push's own task definitions). Its task template is
  taskgraph's `.taskcluster.yml` action branch in miniature: the action task goes into the
  decision's group, with the action's env (`ACTION_TASK_GROUP_ID`, `ACTION_TASK_ID`,
  `ACTION_INPUT`, `ACTION_CALLBACK`), the `index.{trust}.v2.{project}.pushlog-id.{id}.actions.
  {ownTaskId}` route later actions find it by, the `taskclusterProxy` feature, and the command
  `taskgraph action-callback`.
* **The worker.** `ActionWorker` is the worker pool the hook's tasks go to. It claims each
  action task from the real queue (`claimWork`), starts a credentials proxy with the task's
  temporary credentials (what taskcluster-proxy does for `features.taskclusterProxy`), runs the
  task's command, upstream taskgraph 24.5.1's `taskgraph action-callback`, with the task's env in
  a checkout-like folder holding the project's `taskcluster/config.yml`, uploads what it wrote
  to `artifacts/` as `public/…` (and its log as `public/logs/live.log`), and reports the run
  completed or failed by the command's exit status. It runs no docker image and no `run-task`
  checkout: the program that decides what to create is the real one, unchanged.
"""

import base64
import datetime
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import mohawk
import taskcluster

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent


def stamp(delta=datetime.timedelta()):
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return taskcluster.stringDate(now + delta)


class CredentialsProxy:
    """taskcluster-proxy's job for one task: every request to this server goes to the root URL
    signed with the task's credentials (Hawk, with the temporary credentials' certificate).
    Redirects are passed back as they are, as taskcluster-proxy does."""

    def __init__(self, root_url, credentials):
        self.root_url = root_url.rstrip("/")
        # (the official client encodes a credentials dict it is given in place, as bytes)
        credentials = {k: v.decode() if isinstance(v, bytes) else v for k, v in credentials.items()}
        self.credentials = credentials
        ext = {}
        if credentials.get("certificate"):
            cert = credentials["certificate"]
            ext["certificate"] = json.loads(cert) if isinstance(cert, str) else cert
        self.ext = base64.b64encode(json.dumps(ext).encode()).decode() if ext else None
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self):
                try:
                    self.relay()
                except Exception as e:  # noqa: BLE001 -- said, never a dropped connection
                    import traceback

                    traceback.print_exc()
                    message = f"credentials proxy: {self.command} {self.path} failed: {e!r}".encode()
                    self.send_response(502)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(message)))
                    self.end_headers()
                    self.wfile.write(message)

            def relay(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                ctype = self.headers.get("Content-Type") or ""
                url = proxy.root_url + self.path
                sender = mohawk.Sender(
                    credentials={"id": proxy.credentials["clientId"], "key": proxy.credentials["accessToken"],
                                 "algorithm": "sha256"},
                    ext=proxy.ext or {}, url=url, method=self.command,
                    content=body if body else "", content_type=ctype if body else "")
                headers = {"Authorization": sender.request_header}
                if body:
                    headers["Content-Type"] = ctype
                request = urllib.request.Request(url, data=body or None, method=self.command, headers=headers)
                try:
                    reply = urllib.request.build_opener(NoRedirect).open(request, timeout=60)
                    status, reply_headers, data = reply.status, reply.headers, reply.read()
                except urllib.error.HTTPError as e:
                    status, reply_headers, data = e.code, e.headers, e.read()
                except Exception as e:  # said, as taskcluster-proxy answers a failed upstream call
                    status, reply_headers = 502, {"Content-Type": "text/plain"}
                    data = f"credentials proxy: {self.command} {url} failed: {e!r}".encode()
                self.send_response(status)
                for name in ("Content-Type", "Location", "Content-Encoding"):
                    if reply_headers.get(name):
                        self.send_header(name, reply_headers[name])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = forward

        self.server, self.url = serve(Handler)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def serve(handler):
    """A threaded HTTP server for `handler` on a free loopback port: (server, its URL)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Storage:
    """A static server for a folder, as a storage service answers: JSON, YAML or text, and a
    file stored gzip-compressed sent with `Content-Encoding: gzip`."""

    def __init__(self, folder):
        folder = Path(folder).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = (folder / self.path.lstrip("/")).resolve()
                if not str(path).startswith(str(folder)) or not path.is_file():
                    self.send_error(404)
                    return
                body = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", content_type(path))
                if body[:2] == b"\x1f\x8b":
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(body)

        self.server, self.url = serve(Handler)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def content_type(path):
    return {".yml": "application/x-yaml", ".json": "application/json", ".log": "text/plain"}.get(
        Path(path).suffix, "application/octet-stream")


def upload(queue, task_id, run_id, folder, storage, prefix, expires):
    """Every file under `folder` as `public/<its path>` reference artifacts served by `storage`
    from `prefix/<its path>`, expiring with the task."""
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        queue.createArtifact(task_id, run_id, f"public/{name}", {
            "storageType": "reference", "expires": expires,
            "contentType": content_type(path), "url": "/".join(p for p in (storage.url, prefix, name) if p)})


def finished_task(opts, definition, outcome="completed", storage=None, while_running=None, prefix=None):
    """A task that ran, in the real queue: created from `definition` (a dict, or a function of
    the new taskId; over a minimal one on the `real-tc-test/<workerType>` queue: created now,
    due in 2 hours, kept 7 days), claimed by a test worker, its work done by
    `while_running(taskId)`, which returns the folder whose files become its `public/…`
    reference artifacts served by `storage` (under `prefix`, default the taskId) or None, then
    resolved with `outcome` (`completed` or `failed`). Returns its taskId."""
    queue = taskcluster.Queue(opts)
    task_id = taskcluster.slugId()
    task = {"provisionerId": "real-tc-test", "workerType": "worker", "created": stamp(),
            "deadline": stamp(datetime.timedelta(hours=2)), "expires": stamp(datetime.timedelta(days=7)),
            "payload": {}, "metadata": {"name": "a task", "description": "seeded", "owner": "sheriff@mozilla.com",
                                        "source": "https://example.com"}}
    task.update(definition(task_id) if callable(definition) else definition)
    queue.createTask(task_id, task)
    pool = f"{task['provisionerId']}/{task['workerType']}"
    claimed = queue.claimWork(pool, {"tasks": 1, "workerGroup": "g", "workerId": "seeder"})["tasks"]
    assert [c["status"]["taskId"] for c in claimed] == [task_id], claimed
    artifacts = while_running(task_id) if while_running else None
    if artifacts:
        upload(queue, task_id, 0, artifacts, storage, task_id if prefix is None else prefix, task["expires"])
    (queue.reportCompleted if outcome == "completed" else queue.reportFailed)(task_id, 0)
    return task_id


# --- the push --------------------------------------------------------------------------------

def graph_config(trust_domain):
    """A project's `taskcluster/config.yml`, as much of it as the action callbacks read (it
    passes taskgraph's graph-config schema)."""
    return {
        "trust-domain": trust_domain,
        "task-priority": "lowest",
        "workers": {"aliases": {}},
        "taskgraph": {"repositories": {trust_domain: {"name": trust_domain}}},
    }


def checkout(work, name, trust_domain):
    """A folder standing for the project's checkout: `taskcluster/config.yml`."""
    root = Path(work) / "checkouts" / name
    (root / "taskcluster").mkdir(parents=True, exist_ok=True)
    (root / "taskcluster" / "config.yml").write_text(json.dumps(graph_config(trust_domain), indent=2))
    return root


def load_artifact(path):
    import gzip

    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if str(path).endswith(".yml"):
        import yaml

        return yaml.safe_load(raw)
    return json.loads(raw)


def decision_route(params, trust_domain):
    if params.get("repository_type", "hg") == "hg":
        return f"index.{trust_domain}.v2.{params['project']}.pushlog-id.{params['pushlog_id']}.decision"
    return f"index.{trust_domain}.v2.{params['project']}.revision.{params['head_rev']}.taskgraph.decision"


def in_env(env, fn):
    """Runs `fn()` with `env` set in os.environ (upstream taskgraph reads it there)."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return fn()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def seed_push(opts, artifacts_dir, storage, trust_domain, sample_decision, label_to_taskid=None):
    """A push made as production makes it (see the module's doc); returns (decision taskId,
    the label-to-taskid it created). The decision's artifacts are `artifacts_dir`'s files,
    served by `storage` (under `<decision taskId>/`), except `label-to-taskid.json`: the labels
    of `label_to_taskid` (default: the folder's) with the new tasks' ids, and `actions.json`,
    which names the decision's taskId (`sample_decision` in the folder's copy)."""
    from taskgraph import create
    from taskgraph.graph import Graph
    from taskgraph.optimize.base import get_subgraph
    from taskgraph.taskgraph import TaskGraph

    params = load_artifact(Path(artifacts_dir) / "parameters.yml")
    full = load_artifact(Path(artifacts_dir) / "full-task-graph.json")
    # Fresh taskIds for the decision's labels, as a decision makes them (the samples' own ids
    # are not all valid slugids).
    labels = label_to_taskid or load_artifact(Path(artifacts_dir) / "label-to-taskid.json")
    label_to_taskid = {label: taskcluster.slugId() for label in sorted(labels)}
    scheduler = f"{trust_domain}-level-{params['level']}"

    def decide(decision):
        # The decision's tasks, created by upstream's own code, as its decision task does.
        labels = set(label_to_taskid) & set(full)
        _, whole = TaskGraph.from_json({label: full[label] for label in labels})
        edges = {e for e in whole.graph.edges if e[0] in labels and e[1] in labels}
        graph = TaskGraph(whole.tasks, Graph(frozenset(labels), frozenset(edges)))
        subgraph = get_subgraph(graph, set(), set(), dict(label_to_taskid), decision)
        proxy = CredentialsProxy(opts["rootUrl"], opts["credentials"])
        # Upstream caches the root URL and clients for the process, as a task runs once; each
        # seeding has its own proxy.
        from taskgraph.util import taskcluster as tc_util

        tc_util.get_root_url.cache_clear()
        tc_util.get_taskcluster_client.cache_clear()
        try:
            in_env({"TASKCLUSTER_PROXY_URL": proxy.url, "TASKCLUSTER_ROOT_URL": opts["rootUrl"], "TASK_ID": decision},
                   lambda: create.create_tasks(graph_config(trust_domain), subgraph, label_to_taskid, params, decision))
        finally:
            proxy.close()
        folder = storage.folder / decision
        folder.mkdir()
        for path in Path(artifacts_dir).iterdir():
            shutil.copy(path, folder / path.name)
        (folder / "label-to-taskid.json").write_text(json.dumps(label_to_taskid))
        actions = folder / "actions.json"
        if actions.exists():
            actions.write_text(actions.read_text().replace(sample_decision, decision))
        return folder

    decision = finished_task(opts, lambda decision: {
        "workerType": "decision", "schedulerId": scheduler, "taskGroupId": decision, "tags": {"kind": "decision-task"},
        "routes": [decision_route(params, trust_domain)],
        # As the repository's role grants a decision in production: the in-tree action hooks of
        # its level, which Treeherder checks a decision's scopes for before triggering one.
        "scopes": [f"in-tree:hook-action:project-{trust_domain}/in-tree-action-{params['level']}-*"],
        "metadata": {"name": "Decision Task", "description": "seeded", "owner": "sheriff@mozilla.com",
                     "source": params.get("head_repository", "https://example.com")}},
        storage=storage, while_running=decide)
    return decision, label_to_taskid


def role_scopes_for(full_graph, scheduler):
    """What creating the push's tasks takes: their task queues at their priorities, their
    routes and scopes, the scheduler id (a `task-reference` value's prefix, with `*`)."""
    def literal(value):
        if isinstance(value, dict):
            value = next(iter(value.values()))
            return value.split("<", 1)[0] + "*"
        return value

    scopes = {f"queue:scheduler-id:{scheduler}", "queue:create-task:project:none"}
    for entry in full_graph.values():
        task = entry["task"]
        queue_id = task.get("taskQueueId") or f"{task['provisionerId']}/{task['workerType']}"
        scopes.add(f"queue:create-task:{task.get('priority', 'lowest')}:{queue_id}")
        scopes.update(f"queue:route:{literal(r)}" for r in task.get("routes", []))
        scopes.update(literal(s) for s in task.get("scopes", []))
    return sorted(scopes)


def register_action_hook(opts, actions_json, full_graph, repo_url, trust_domain, level, worker_pool,
                         program="taskgraph action-callback"):
    """The in-tree action hooks that `actions.json` names, with their roles (see the module's
    doc). Returns the hook ids."""
    hooks, auth = taskcluster.Hooks(opts), taskcluster.Auth(opts)
    repo = repo_url.split("://", 1)[1].rstrip("/")
    scheduler = f"{trust_domain}-level-{level}"
    registered = set()
    for action in actions_json["actions"]:
        if action.get("kind") != "hook" or (action["hookGroupId"], action["hookId"]) in registered:
            continue
        # in-tree-action-{level}-{permission}/{hash of .taskcluster.yml}
        perm = action["hookId"].split("/", 1)[0].split("-", 4)[-1]
        template = {
            "$let": {
                "action": {"$eval": "payload.decision.action"},
                "push": {"$eval": "payload.decision.push"},
                "repository": {"$eval": "payload.decision.repository"},
                "input": {"$eval": "payload.user.input"},
                "actionTaskId": {"$eval": "payload.user.taskId"},
                "ownTaskId": {"$eval": "taskId"},
            },
            "in": {
                "taskGroupId": {"$eval": "action.taskGroupId"},
                "schedulerId": scheduler,
                "taskQueueId": worker_pool,
                "priority": "lowest",
                "created": {"$fromNow": ""}, "deadline": {"$fromNow": "1 day"}, "expires": {"$fromNow": "1 year"},
                "routes": [f"index.{trust_domain}.v2.${{repository.project}}.pushlog-id.${{push.pushlog_id}}.actions.${{ownTaskId}}",
                           f"index.{trust_domain}.v2.${{repository.project}}.revision.${{push.revision}}.actions.${{ownTaskId}}"],
                "scopes": [f"assume:repo:{repo}:action:{perm}"],
                "tags": {"kind": "action-callback", "action": {"$eval": "action.name"}},
                "payload": {
                    "env": {
                        "ACTION_TASK_GROUP_ID": {"$eval": "action.taskGroupId"},
                        "ACTION_TASK_ID": {"$json": {"$eval": "actionTaskId"}},
                        "ACTION_INPUT": {"$json": {"$eval": "input"}},
                        "ACTION_CALLBACK": {"$eval": "action.cb_name"},
                    },
                    "features": {"taskclusterProxy": True},
                    "command": ["run-task", "--", "bash", "-cx", f"cd /builds/worker/checkouts/src && {program}"],
                    "maxRunTime": 1800,
                },
                "metadata": {"name": "Action: ${action.title}", "description": "${action.description}",
                             "owner": "sheriff@mozilla.com", "source": repo_url},
                "extra": {"treeherder": {"symbol": "${action.symbol}", "groupSymbol": "AC"}},
            },
        }
        hooks.createHook(action["hookGroupId"], action["hookId"], {
            "metadata": {"name": action["hookId"], "description": "in-tree action", "owner": "sheriff@mozilla.com"},
            "schedule": [], "task": template, "triggerSchema": {"type": "object"}})
        registered.add((action["hookGroupId"], action["hookId"]))
        hook_role = f"hook-id:{action['hookGroupId']}/{action['hookId'].rsplit('/', 1)[0]}/*"
        try:
            auth.createRole(hook_role, {"description": "in-tree action hooks", "scopes": [
                f"assume:repo:{repo}:action:{perm}", f"queue:create-task:lowest:{worker_pool}",
                f"queue:scheduler-id:{scheduler}", f"queue:route:index.{trust_domain}.v2.*",
                "queue:create-task:project:none"]})
        except taskcluster.TaskclusterRestFailure:
            pass  # made by an earlier action of the same hook prefix
    for perm in sorted({hook_id.split("/", 1)[0].split("-", 4)[-1] for _, hook_id in registered}):
        try:
            auth.createRole(f"repo:{repo}:action:{perm}", {"description": "what actions create",
                                                            "scopes": role_scopes_for(full_graph, scheduler)})
        except taskcluster.TaskclusterRestFailure:
            pass
    return sorted(registered)


# --- the worker ------------------------------------------------------------------------------

# What the worker runs for an action task's command: taskgraph's own entry point, or gecko's
# callbacks (gecko_action.py; Firefox's action task runs `./mach taskgraph action-callback`).
PROGRAMS = {
    "taskgraph action-callback": [str(VENV_BIN / "taskgraph"), "action-callback"],
    "gecko-action-callback": [sys.executable, str(HERE / "gecko_action.py")],
}


class ActionWorker:
    """Claims the action tasks of `worker_pool` and runs them (see the module's doc)."""

    def __init__(self, opts, worker_pool, checkout_root, storage, work):
        self.opts = opts
        self.worker_pool = worker_pool
        self.checkout_root = Path(checkout_root)
        self.storage = storage
        self.work = Path(work)
        self.ran = []  # (taskId, exit status)
        self.before_run = None  # a hook for tests: called with the claimed task before it runs

    def run_pending(self, expect=1, wait=60):
        """Claims and runs up to `expect` tasks, waiting up to `wait` s for them to appear."""
        queue = taskcluster.Queue(self.opts)
        done, started = 0, time.time()
        while done < expect and time.time() - started < wait:
            claimed = queue.claimWork(self.worker_pool, {"tasks": 1, "workerGroup": "real-tc-test",
                                                         "workerId": "action-worker"})["tasks"]
            for claim in claimed:
                self.run_claim(claim)
                done += 1
        return done

    def run_claim(self, claim):
        task_id, run_id = claim["status"]["taskId"], claim["runId"]
        task = claim["task"]
        queue = taskcluster.Queue({"rootUrl": self.opts["rootUrl"], "credentials": dict(claim["credentials"])})
        if self.before_run:
            self.before_run(task_id, task)
        folder = self.storage.folder / task_id
        cwd = self.work / "runs" / task_id
        cwd.mkdir(parents=True)
        (cwd / "taskcluster").symlink_to(self.checkout_root / "taskcluster")
        command = task["payload"].get("command", [])
        log_lines = [f"[worker] claimed {task_id} run {run_id}: {command}"]
        status = 1
        program = next((argv for name, argv in PROGRAMS.items() if command and command[-1].endswith(name)), None)
        if program is None:
            log_lines.append(f"[worker] not an action task's command; this worker runs only {sorted(PROGRAMS)}")
        else:
            proxy = CredentialsProxy(self.opts["rootUrl"], claim["credentials"]) \
                if task["payload"].get("features", {}).get("taskclusterProxy") else None
            env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCLUSTER_")}
            env.update({k: str(v) for k, v in task["payload"].get("env", {}).items()})
            env.update({"TASK_ID": task_id, "RUN_ID": str(run_id), "TASKCLUSTER_ROOT_URL": self.opts["rootUrl"]})
            if proxy:
                env["TASKCLUSTER_PROXY_URL"] = proxy.url
            try:
                proc = subprocess.run(program, cwd=cwd, env=env,
                                      capture_output=True, text=True, timeout=600)
                status = proc.returncode
                log_lines += [proc.stdout, proc.stderr, f"[worker] exit status {status}"]
            finally:
                if proxy:
                    proxy.close()
        artifacts = cwd / "artifacts"
        artifacts.mkdir(exist_ok=True)
        (artifacts / "logs").mkdir(exist_ok=True)
        (artifacts / "logs" / "live.log").write_text("\n".join(log_lines))
        shutil.copytree(artifacts, folder)
        upload(queue, task_id, run_id, folder, self.storage, task_id, task["expires"])
        if status == 0:
            queue.reportCompleted(task_id, run_id)
        else:
            queue.reportFailed(task_id, run_id)
        self.ran.append((task_id, status))
        return status
