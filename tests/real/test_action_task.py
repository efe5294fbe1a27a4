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
3. a deliberately wrong preview: while the CLI waits, another action for a job that needs the
   same build runs first, so the followed action reuses a build the preview said it would
   create; the comparison names it (and its one consequence, upstream's extra decision
   dependency of the task above it) and the CLI exits 3;
4. index-search against the real index and queue: the taskgraph example push, whose fetch image
   is cached (a completed task, indexed) and whose uploader fetch is indexed but failed: the
   preview reuses the first, rebuilds the second, and the real action agrees;
5. add-new-jobs with `times` 2; 6. retrigger of a build with downstream, twice (two calls);
7. rebuild-cached-tasks: each matches the real action, definition by definition;
8. the page, served on its own origin under the strict CSP, loads the NSS push from the real
   services, previews a pick, signs in through the real web-server's third-party login (the
   test strategy's user, the page registered there as an OAuth2 client), triggers once with
   the credentials it issued and follows the real action task to "Preview matched"
   (`page_trigger.mjs`, headless Chromium);
9. a gecko action: gecko_taskgraph's own add-new-jobs (the vendored callbacks, `gecko_action.py`)
   runs as the action task on a generated gecko push (an earlier action and a cron task indexed
   where gecko looks), and `trigger --flavour gecko --follow` matches it field by field.

A label mapped to different tasks by two earlier actions is not compared: upstream applies the
earlier maps in the order their downloads finish, so the real action may reuse either (seen
here); the preview assumes the newest and warns `earlier-maps-disagree` (checked).

The last line counts the followed previews: `e2e-real: N previews, N matched the action task,
0 differences`.

Run: `make e2e-real`. Without `../shared/vendor/taskcluster` it says so and exits 0.
"""

import json
import os
import shutil
import subprocess
import sys
import datetime
import threading
import time
from pathlib import Path

import requests
import taskcluster  # the official client, from the venv

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import action_task  # noqa: E402
import services as real  # noqa: E402
import test_services  # noqa: E402
from test_services import check  # noqa: E402

TREEHERDER_SITE = Path(os.environ.get("CARGO_TARGET_DIR", real.ROOT / "target")) / "treeherder" / "src" / ".build"
CLI = Path(os.environ.get("CARGO_TARGET_DIR", real.ROOT / "target")) / "release" / "taskgraph-preview"
STANDIN = CLI.parent / "standin"
SAMPLE = real.WORK / "sample"
RUNS = real.WORK / "action-runs"
NSS = "NssSampleDecision00001"
POOL = "nss-3/decision"
FIRST = ["test-bogo-linux32/debug", "test-tools-linux64/opt-make"]
SECOND = ["test-bogo-linux32/debug", "test-cipher-linux32/debug"]
RACED = ["test-cipher-linux32/opt"]  # needs certs-linux32/opt, which needs build-linux32/opt
RACER = ["test-bogo-linux32/opt"]  # needs build-linux32/opt too
EX5 = real.ROOT / "tests" / "data" / "examples" / "ex5-realistic-taskgraph-ci" / "input"
EX6_ACTIONS = real.ROOT / "tests" / "data" / "examples" / "ex6-actions-json-render" / "input" / "actions.json"
TG_POOL = "taskgraph-3/decision"
FETCH_IMAGE = "taskgraph.cache.level-3.docker-images.v2.fetch.hash.35e8ae7622ae5284f010da551997e7724c01aa13b0d94d8c015c5ee5082e1393"
UPLOADER = "taskgraph.cache.level-3.content.v1.codecov-uploader.hash.5f25d145b7f2706fced6ee3a209ccbeff56735b0ca52d4afdca9e854c99a172a"


TALLY = {"previews": 0, "matched": 0, "differences": 0, "wrong": 0}


def trigger(root_url, decision, labels, creds, follow=True, extra=(), wrong=False):
    """`trigger --yes --follow` as a sheriff runs it; (exit status, stdout). Followed previews
    are counted for the last line (`wrong`: one made wrong on purpose)."""
    cmd = [str(CLI), "trigger", "--root-url", root_url, "--decision-task-id", decision, "--yes", *extra]
    if follow:
        cmd += ["--follow", "--poll-seconds", "1"]
    for label in labels:
        cmd += ["--label", label]
    env = {**os.environ, "TASKCLUSTER_CLIENT_ID": creds["clientId"], "TASKCLUSTER_ACCESS_TOKEN": creds["accessToken"]}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    print("\n".join(f"     | {line}" for line in (proc.stdout + proc.stderr).splitlines()[-25:]), flush=True)
    if follow:
        TALLY["wrong" if wrong else "previews"] += 1
        TALLY["matched"] += 0 if wrong else int(proc.returncode == 0 and "preview matched" in proc.stdout)
        TALLY["differences"] += 0 if wrong else sum(1 for line in proc.stdout.splitlines() if line.startswith("  - "))
    return proc.returncode, proc.stdout


def compared(out):
    """How many definitions the CLI compared, from its "preview matched" line."""
    import re

    found = re.search(r"\((\d+) task definitions? compared field by field\)", out)
    return int(found.group(1)) if found else 0


def action_map(opts, action_task_id):
    """The `label-to-taskid.json` the action task uploaded, read from the real queue."""
    queue = taskcluster.Queue(opts)
    url = queue.buildUrl("getLatestArtifact", action_task_id, "public/label-to-taskid.json")
    return requests.get(url, timeout=30).json()


def check_created(opts, decision, action_task_id, before, reused=()):
    """Our own look at what the action created, in the real queue (independent of the CLI's
    comparison): each label the action added to the push's map is a task of the decision's
    group, named by its label, that waits for the action task (`reused`: labels the action
    found elsewhere, in the index). Returns the action's map."""
    queue = taskcluster.Queue(opts)
    mapped = action_map(opts, action_task_id)
    new = {label: tid for label, tid in mapped.items() if before.get(label) != tid and label not in reused}
    for label, tid in sorted(new.items()):
        task = queue.task(tid)
        check(f"   {label} is {tid} in the real queue, in the push's group, after the action task",
              task["taskGroupId"] == decision and task["metadata"]["name"] == label
              and task["dependencies"][0] == action_task_id and task["extra"]["parent"] == action_task_id,
              json.dumps({k: task[k] for k in ("taskGroupId", "dependencies", "extra")})[:300])
    return mapped


def wait_indexed(opts, namespace, task_id, timeout=60):
    """Waits until the index's handlers have indexed `task_id` under `namespace` (they do when
    the task completes), as the next action task will look it up there."""
    index, started = taskcluster.Index(opts), time.time()
    while time.time() - started < timeout:
        if any(t["taskId"] == task_id for t in index.listTasks(namespace).get("tasks", [])):
            return True
        time.sleep(0.5)
    return False


def cached_task(opts, index_path, outcome):
    """A task that once built a cache, in the real queue, resolved with `outcome`, then indexed
    at `index_path` as its routes would have indexed it."""
    task_id = action_task.finished_task(opts, {"workerType": "cache", "expires": action_task.stamp(
        datetime.timedelta(days=30)), "metadata": {"name": index_path.split(".")[4], "description": "a cached build",
                                                   "owner": "a@example.com",
                                                   "source": "https://github.com/taskcluster/taskgraph"}}, outcome)
    index_at(opts, index_path, task_id)
    return task_id


def index_at(opts, path, task_id):
    """Indexes `task_id` at `path` until the task expires, as its route would."""
    expires = taskcluster.Queue(opts).task(task_id)["expires"]
    taskcluster.Index(opts).insertTask(path, {"taskId": task_id, "rank": 0, "data": {}, "expires": expires})


def index_search_push(opts, storage, work):
    """The taskgraph example push (ex5: a real taskgraph CI graph whose images and fetches are
    found by index-search), as its decision made it, with its action hook; returns
    (decision, its artifacts folder)."""
    folder = work / "ex5-artifacts"
    folder.mkdir()
    shutil.copy(EX5 / "full-task-graph.json", folder)
    shutil.copy(EX5 / "label-to-taskid.json", folder)
    shutil.copy(EX6_ACTIONS, folder / "actions.json")
    (folder / "parameters.yml").write_text((EX5 / "parameters.json").read_text())  # JSON is YAML
    decision, _ = action_task.seed_push(opts, folder, storage, "taskgraph", "DECISION-TASK")
    return decision, folder


def earlier_task(opts, storage, group, files, route, kind):
    """A finished task of the push (an earlier action, a cron task) in the real queue, with
    `files` as its public artifacts, indexed at `route.<its taskId>` as its routes index it."""
    def write(task_id):
        folder = storage.folder / task_id
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_text(json.dumps(data))
        return folder

    task_id = action_task.finished_task(opts, lambda task_id: {
        "workerType": "earlier", "taskGroupId": group or task_id, "schedulerId": "gecko-level-3", "tags": {"kind": kind},
        "metadata": {"name": kind, "description": "earlier on this push", "owner": "a@example.com",
                     "source": "https://hg.mozilla.org/"}}, storage=storage, while_running=write)
    index_at(opts, f"{route}.{task_id}", task_id)
    return task_id


def gecko_push(opts, storage, work, nss_actions):
    """A gecko-shaped push from the gecko differential's own generator (seeded; docker images,
    toolchains, builds, tests with chunks and manifests, perf tests), made as Firefox's decision
    makes it, with an earlier action and a cron task indexed where gecko looks them up, and its
    actions.json (NSS's, retargeted at the push's hg repository). Returns (decision, push)."""
    sys.path.insert(0, str(real.ROOT / "tests" / "differential"))
    import gecko

    generated = work / "gecko-generated"
    push = gecko.make_push(7, 400, generated)
    folder = work / "gecko-artifacts"
    folder.mkdir()
    for name in ("full-task-graph.json", "label-to-taskid.json", "target-tasks.json"):
        shutil.copy(generated / name, folder)
    params = dict(push["params"], head_repository=f"https://hg.mozilla.org/integration/{push['project']}")
    (folder / "parameters.yml").write_text(json.dumps(params))
    actions = json.loads(json.dumps(nss_actions).replace("project-nss", "project-gecko"))
    for action in actions["actions"]:
        payload = action.get("hookPayload", {}).get("decision", {})
        payload.get("repository", {}).update(url=params["head_repository"], base_url=params["head_repository"],
                                             project=push["project"])
        payload.get("push", {}).update(revision=params["head_rev"], pushlog_id=params["pushlog_id"])
    (folder / "actions.json").write_text(json.dumps(actions))
    decision, _ = action_task.seed_push(opts, folder, storage, "gecko", NSS)
    prefix = f"gecko.v2.{push['project']}.revision.{params['head_rev']}"
    earlier_task(opts, storage, decision, {"label-to-taskid.json": push["action"]}, f"{prefix}.taskgraph.actions",
                 "action-callback")
    earlier_task(opts, storage, None, {"label-to-taskid.json": push["cron"]}, f"{prefix}.cron", "cron-task")
    return decision, push, params, folder


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
    # The page's own origin (step 8), registered at the web-server as the page's OAuth2 client.
    page_port = real.free_port()
    proc, root_url = test_services.start("--login-origin", f"http://127.0.0.1:{page_port}")
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
            "expires": action_task.stamp(datetime.timedelta(hours=2)), "description": "a sheriff",
            "scopes": ["hooks:trigger-hook:project-nss/in-tree-action-3-*",
                       "hooks:trigger-hook:project-taskgraph/in-tree-action-3-*",
                       "hooks:trigger-hook:project-gecko/in-tree-action-3-*"]})
        creds = {"clientId": sheriff["clientId"], "accessToken": sheriff["accessToken"]}
        # The sheriff of the page (step 8) signs in through the web-server's test login as the
        # user `test`, whose scopes are its login-identity role's, as a deployment grants them.
        taskcluster.Auth(opts).createRole("login-identity:test/test", {
            "description": "the test login's user: may trigger NSS actions",
            "scopes": ["hooks:trigger-hook:project-nss/in-tree-action-3-*"]})

        checkout = action_task.checkout(RUNS, "nss", "nss")
        worker = action_task.ActionWorker(opts, POOL, checkout, storage, RUNS)
        tg_worker = action_task.ActionWorker(opts, TG_POOL, action_task.checkout(RUNS, "taskgraph", "taskgraph"),
                                             storage, RUNS)

        workers = [worker, tg_worker]

        def serve():
            while not stop.is_set():
                try:
                    for w in list(workers):
                        w.run_pending(expect=1, wait=1)
                except Exception:  # recorded, so that the checks below fail and say why
                    import traceback

                    traceback.print_exc()
                    worker.ran.append(("(the worker itself failed)", -1))
                    time.sleep(2)

        threading.Thread(target=serve, daemon=True).start()

        params = action_task.load_artifact(artifacts / "parameters.yml")
        actions_ns = f"nss.v2.{params['project']}.pushlog-id.{params['pushlog_id']}.actions"
        push_map = json.loads((storage.folder / decision / "label-to-taskid.json").read_text())

        # 1. Two picks, as a sheriff adds them.
        status, out = trigger(root_url, decision, FIRST, creds)
        first = worker.ran[-1][0] if worker.ran else None
        check("1. trigger --yes --follow: the real action task ran and completed",
              worker.ran and worker.ran[-1][1] == 0, str(worker.ran))
        check("   the preview matched what it created, definition by definition",
              status == 0 and "preview matched" in out and "(3 task definitions compared field by field)" in out,
              out[-500:])
        first_map = check_created(opts, decision, first, push_map)
        check("   it created the picks and the build they need, and reused the rest",
              sorted(label for label in first_map if first_map[label] != push_map.get(label))
              == sorted(FIRST + ["build-linux32/debug"]), str(sorted(first_map)))
        check("   the index lists it among the push's actions", wait_indexed(opts, actions_ns, first))

        # 2. A second add-new-jobs on the same push: the build the first action made is reused.
        status, out = trigger(root_url, decision, SECOND, creds)
        second = worker.ran[-1][0]
        check("2. a second action's preview reuses the first action's build, and matches reality",
              status == 0 and "preview matched" in out and
              f"build-linux32/debug  {first_map['build-linux32/debug']}  (existing-tasks)" in out, out[-800:])
        second_map = check_created(opts, decision, second, first_map)
        check("   the action reused that build too",
              second_map["build-linux32/debug"] == first_map["build-linux32/debug"], str(second_map))
        check("   the index lists it among the push's actions", wait_indexed(opts, actions_ns, second))

        # 3. A preview made wrong by a race: after the CLI's preview, before its action task runs,
        # another action creates the build its pick needs.
        racer = {}

        def race(task_id, task):
            worker.before_run = None
            code, _ = trigger(root_url, decision, RACER, creds, follow=False)
            claimed = taskcluster.Queue(opts).claimWork(POOL, {"tasks": 1, "workerGroup": "real-tc-test",
                                                               "workerId": "racer"})["tasks"]
            racer.update(code=code, ran=[worker.run_claim(c) for c in claimed],
                         task=[c["status"]["taskId"] for c in claimed])
            racer["indexed"] = bool(claimed) and wait_indexed(opts, actions_ns, racer["task"][0])

        worker.before_run = race
        status, out = trigger(root_url, decision, RACED, creds, wrong=True)
        check("3. the racing action ran first, and was indexed before the followed one ran",
              racer.get("ran") == [0] and racer.get("indexed"), str(racer))
        raced_map = action_map(opts, worker.ran[-1][0])
        racer_map = action_map(opts, racer["task"][0]) if racer.get("task") else {}
        build = racer_map.get("build-linux32/opt", "?")
        check("   the followed action reused the racer's build", raced_map.get("build-linux32/opt") == build,
              f"{raced_map.get('build-linux32/opt')} vs {build}")
        listed = [line[4:] for line in out.splitlines() if line.startswith("  - ")]
        check("   the CLI says the preview differs, naming that build first, and exits 3",
              status == 3 and "preview differs" in out and listed and
              listed[0].startswith(f"build-linux32/opt: previewed as created, but the action reused {build} "
                                   f"(made by {racer['task'][0]} before it ran)"), out[-800:])
        # Upstream adds the decision task to the dependencies of a task none of whose
        # dependencies is created with it: with the build reused, that is the certs task.
        check("   and the one consequence: the certs task also waits for the decision task, as upstream does",
              len(listed) == 2 and listed[1].startswith("certs-linux32/opt: dependencies: previewed 3 items")
              and listed[1].endswith("]") and decision in listed[1].split("the action created 4")[1], str(listed))

        # 4. index-search against the real index and queue: the taskgraph example push, whose
        # fetch image is cached (a completed task, indexed) and whose uploader fetch is indexed
        # but failed, so the action must rebuild it on the cached image.
        tg_decision, tg_folder = index_search_push(opts, storage, RUNS)
        tg_full = action_task.load_artifact(tg_folder / "full-task-graph.json")
        tg_params = action_task.load_artifact(tg_folder / "parameters.yml")
        action_task.register_action_hook(opts, action_task.load_artifact(tg_folder / "actions.json"), tg_full,
                                         tg_params["head_repository"], "taskgraph", 3, TG_POOL)
        image = cached_task(opts, FETCH_IMAGE, "completed")
        cached_task(opts, UPLOADER, "failed")
        status, out = trigger(root_url, tg_decision, ["codecov-upload"], creds)
        ran = tg_worker.ran[-1] if tg_worker.ran else (None, None)
        check("4. index-search: the real action task ran on the taskgraph push", ran[1] == 0, str(tg_worker.ran))
        check("   the preview reuses the cached fetch image found in the real index",
              f"docker-image-fetch  {image}  (index {FETCH_IMAGE})" in out, out[-900:])
        check("   and rebuilds the uploader fetch whose indexed task failed, then matches reality",
              status == 0 and "fetch-codecov-uploader  [" in out.split("Reused:")[0] and "preview matched" in out,
              out[-900:])
        tg_map = check_created(opts, tg_decision, ran[0], json.loads(
            (storage.folder / tg_decision / "label-to-taskid.json").read_text()), reused={"docker-image-fetch"})
        check("   the action used that image, and created the fetch and the upload",
              tg_map.get("docker-image-fetch") == image and
              sorted(k for k, v in tg_map.items() if taskcluster.Queue(opts).task(v).get("extra", {}).get("parent")
                     == ran[0]) == ["codecov-upload", "fetch-codecov-uploader"], str(tg_map))

        # 5. add-new-jobs with times 2: the pick twice over, on the build the racer made.
        status, out = trigger(root_url, decision, ["test-tools-linux32/opt"], creds, extra=["--times", "2"])
        check("5. add-new-jobs times 2: the real action matches the preview, each iteration with its own "
              "label-to-taskid-<i>.json (the pick made twice: 2 definitions)",
              status == 0 and worker.ran[-1][1] == 0 and compared(out) == 2 and
              f"build-linux32/opt  {build}  (existing-tasks)" in out, out[-600:])
        check("   and made the pick twice", len([1 for line in (storage.folder / worker.ran[-1][0] / "logs" / "live.log")
                                                  .read_text().splitlines() if "Creating task with taskId" in line]) == 2)

        # 6. retrigger of a build with downstream, twice, forced (builds are not retriggered
        # unless forced): the build and the three tasks above it made on this push, two calls.
        status, out = trigger(root_url, decision, ["build-linux32/debug"], creds, extra=[
            "--action", "retrigger", "--input", json.dumps({"times": 2, "downstream": True, "force": True})])
        retrigger_action = worker.ran[-1][0]
        check("6. retrigger with downstream, times 2: the real action matches every call's preview",
              status == 0 and worker.ran[-1][1] == 0 and "preview matched" in out and compared(out) == 8, out[-600:])

        # 7. rebuild-cached-tasks on the taskgraph push: every cached task, rebuilt.
        status, out = trigger(root_url, tg_decision, [], creds, extra=["--action", "rebuild-cached-tasks"])
        check("7. rebuild-cached-tasks: the real action matches the preview",
              status == 0 and tg_worker.ran[-1][1] == 0 and "preview matched" in out and compared(out) == 4,
              out[-600:])

        # 8. The page, on its own origin, against the real services: load, preview, trigger
        # with typed credentials, follow.
        # Its certs and build were made by actions 3 (the race) and its racer, and mapped by no
        # other action: which earlier map wins is not in question (see the note below).
        page_pick = "test-ec-linux32/opt"
        before = len(worker.ran)
        # The debug build is now mapped by actions 1 and 6 (two ids). Upstream fetches the
        # earlier actions' maps in parallel and applies each as it arrives, so which one its
        # action reuses is a race (an earlier run of this test saw the real action reuse the
        # older one): the preview assumes the newest and says the label is contested.
        contested = subprocess.run([str(CLI), "preview", "--root-url", root_url, "--decision-task-id", decision,
                                    "--json", "--label", "test-ec-linux32/debug"], capture_output=True, text=True)
        said = json.loads(contested.stdout) if contested.returncode == 0 else {}
        newest = action_map(opts, retrigger_action)["build-linux32/debug"]
        warned = [w for w in said.get("warnings", []) if w["kind"] == "earlier-maps-disagree"]
        check("   a preview reusing a build two actions mapped assumes the newest, and warns that it is contested",
              said.get("iterations", [{}])[0].get("reused", {}).get("build-linux32/debug", {}).get("taskId") == newest
              and warned and "build-linux32/debug" in warned[0]["labels"], json.dumps(said.get("warnings"))[:600])
        node = subprocess.run(["node", str(HERE / "page_trigger.mjs"), root_url, decision, page_pick,
                               str(page_port), storage.url], capture_output=True, text=True, timeout=600)
        print("\n".join(f"     | {line}" for line in (node.stdout + node.stderr).splitlines()[-15:]), flush=True)
        seen = json.loads(node.stdout.strip().splitlines()[-1]) if node.stdout.strip() else {"error": node.stderr[-500:]}
        TALLY["previews"] += 1
        matched = "Preview matched" in seen.get("status", "") and "(1 task definition compared field by field)" in seen.get("status", "")
        TALLY["matched"] += int(matched)
        check("8. the page on its own origin previews a push of the real services: 1 to create",
              seen.get("created", "").startswith("1 to create"), json.dumps(seen)[:600])
        check("   the sheriff signs in through the real web-server's third-party login (test user, the page's "
              "registered OAuth2 client) and gets a client of their own", seen.get("signedInAs", "").startswith(
                  "test/test/taskgraph-preview-"), json.dumps(seen)[:600])
        check("   it triggers once with those credentials, the real action task runs, and the page says it "
              "matched, field by field", matched and len(worker.ran) == before + 1 and worker.ran[-1][1] == 0
              and seen.get("triggeredBy") == seen.get("signedInAs"), json.dumps(seen)[:600])
        check("   with no page error and no CSP violation", not seen.get("problems") and not seen.get("csp"),
              json.dumps(seen)[:600])

        # 10. The patched Treeherder, as a sheriff uses it, against the real services.
        if (TREEHERDER_SITE / "index.html").exists():
            th_pick = "test-sdr-linux32/opt"
            group, token = [], None
            while True:
                page_of = taskcluster.Queue(opts).listTaskGroup(decision, query={"continuationToken": token} if token else {})
                group += page_of["tasks"]
                token = page_of.get("continuationToken")
                if not token:
                    break
            (RUNS / "group.json").write_text(json.dumps(group))
            expected = json.loads(subprocess.run([str(CLI), "preview", "--root-url", root_url, "--decision-task-id",
                                                  decision, "--json", "--label", th_pick], capture_output=True,
                                                 text=True, check=True).stdout)["iterations"][0]
            before = len(worker.ran)
            node = subprocess.run(["node", str(HERE / "treeherder_trigger.mjs"), root_url, decision, storage.url,
                                   str(storage.folder / decision), str(RUNS / "group.json"), th_pick],
                                  capture_output=True, text=True, timeout=900)
            print("\n".join(f"     | {line}" for line in (node.stdout + node.stderr).splitlines()[-15:]), flush=True)
            seen = json.loads(node.stdout.strip().splitlines()[-1]) if node.stdout.strip() else {"error": node.stderr[-500:]}
            TALLY["previews"] += 1
            followed = seen.get("followed", "")
            # (the notification's text comes with its severity and close button around it)
            matched = "Preview matched: action task " in followed and "compared field by field" in followed
            TALLY["matched"] += int(matched)
            counts = seen.get("counts") or {}
            check("10. the patched Treeherder previews a pick from the real services with the CLI's counts",
                  counts.get("created") == len(expected["created"]) and counts.get("reused") == len(expected["reused"]),
                  json.dumps(seen)[:600])
            check("   its own credentials flow signs in through the real web-server (Treeherder's registered client)",
                  seen.get("signedInAs", "").startswith("test/test/treeherder-localhost-5000-client-"),
                  json.dumps(seen)[:600])
            check("   its own PushModel.triggerNewJobs triggers once with them, the real action task runs, and the "
                  "patch says it matched", matched and seen.get("triggeredBy") == seen.get("signedInAs")
                  and len(worker.ran) == before + 1 and worker.ran[-1][1] == 0, json.dumps(seen)[:600])
            check("   with no page error", not seen.get("errors"), json.dumps(seen)[:600])
        else:
            print(f"10. Treeherder skipped: its patched build is not at {TREEHERDER_SITE} (make treeherder-tests builds it)")

        # 9. A gecko action: gecko_taskgraph's own add-new-jobs (the vendored callbacks) run as
        # the action task against the real services, on a generated gecko push.
        if (real.ROOT.parent / "shared" / "vendor" / "gecko_taskgraph").exists():
            nss_actions = action_task.load_artifact(artifacts / "actions.json")
            g_decision, g_push, g_params, g_folder = gecko_push(opts, storage, RUNS, nss_actions)
            g_worker = action_task.ActionWorker(opts, "gecko-3/decision", action_task.checkout(RUNS, "gecko", "gecko"),
                                                storage, RUNS)
            workers.append(g_worker)
            action_task.register_action_hook(opts, action_task.load_artifact(g_folder / "actions.json"),
                                             g_push["graph"], g_params["head_repository"], "gecko", 3,
                                             "gecko-3/decision", program="gecko-action-callback")
            missing = [t for t in g_push["tests"] if t not in g_push["decision"] and t not in g_push["action"]
                       and t not in g_push["cron"]]
            status, out = trigger(root_url, g_decision, missing[:2], creds, extra=["--flavour", "gecko"])
            ran = g_worker.ran[-1] if g_worker.ran else (None, None)
            check("9. gecko: gecko_taskgraph's own add-new-jobs ran as the real action task", ran[1] == 0,
                  str(g_worker.ran))
            check("   and the gecko preview matched it, field by field",
                  status == 0 and "preview matched" in out and compared(out) >= 2, out[-900:])
        else:
            print("9. gecko action skipped: ../shared/vendor/gecko_taskgraph is absent")
    finally:
        stop.set()
        if storage:
            storage.close()
        os.killpg(proc.pid, 15)
        proc.wait(60)
    print(f"\nreal action task: {'all checks passed' if not test_services.failures else 'failures'}")
    print(f"e2e-real: {TALLY['previews']} previews, {TALLY['matched']} matched the action task, "
          f"{TALLY['differences']} differences ({TALLY['wrong']} preview made wrong on purpose was told apart)")
    return 1 if test_services.failures else 0


if __name__ == "__main__":
    sys.exit(main())
