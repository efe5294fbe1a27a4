#!/usr/bin/env python3
"""Our loader reads a push from the real Taskcluster services, and previews it exactly as it
previews the same push from the stand-in.

The NSS sample push (as `standin --sample` lays it out) is made in the real queue the way a
decision task makes it: a decision task is created, a test worker claims it, attaches the
decision's artifacts and completes it. The artifacts are `reference` artifacts to a static
server that sends them as a storage service does (the big graph stored gzip-compressed and sent
with `Content-Encoding: gzip`): the object service has only an AWS backend. Then the CLI
previews a pick on both deployments, and the two previews must be the same once the decision's
taskId is named. Last, the conformance test sends the same 27 requests to both and compares
status, the headers that matter (`Content-Type`, `Content-Encoding`, CORS) and body shapes:
task, status, statuses, task-group listing (whole and a page with its continuation), artifact
redirects and bodies (one stored gzip-compressed), a missing artifact, an unknown task and index
path, index listing, `findTasksAtIndex`, a cross-origin read, the CORS preflight of a signed
POST, triggers without credentials (403) and with credentials that do not verify (401), and the
third-party login's token and credentials endpoints a page calls (codes never issued, another
grant type, a JSON body, an unknown access token, and their CORS: only registered origins, with
credentials).

Run: `make real-taskcluster-tests`. Without `../shared/vendor/taskcluster` it says so and exits 0.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import taskcluster  # the official client, from the venv

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import action_task  # noqa: E402
import services as real  # noqa: E402
import test_services  # noqa: E402

CLI = Path(os.environ.get("CARGO_TARGET_DIR", real.ROOT / "target")) / "release" / "taskgraph-preview"
STANDIN = CLI.parent / "standin"
SAMPLE = real.WORK / "sample"
NSS = "NssSampleDecision00001"
PICKS = ["test-bogo-linux32/debug", "test-tools-linux64/opt-make"]
NOW = "2025-12-01T00:00:00.000Z"
# A page's origin, registered on both deployments as the OAuth2 client `taskgraph-preview`.
PAGE = "http://page.example"


def seed_decision(opts, storage, scheduler_id):
    """A decision task made as production makes one, its artifacts the files `storage` serves
    (the sample's own, so both deployments' previews can be compared); its taskId."""
    return action_task.finished_task(opts, lambda decision: {
        "workerType": "decision", "schedulerId": scheduler_id, "taskGroupId": decision,
        "tags": {"kind": "decision-task"},
        "metadata": {"name": "Decision Task", "description": "seeded", "owner": "sheriff@mozilla.com",
                     "source": "https://example.com"}}, storage=storage, while_running=lambda _: storage.folder, prefix="")


def preview(root_url, decision):
    cmd = [str(CLI), "preview", "--root-url", root_url, "--decision-task-id", decision, "--json",
           "--deterministic-ids", "--now", NOW]
    for label in PICKS:
        cmd += ["--label", label]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def named(value, decision):
    """`value` with the decision's taskId named (the two deployments' decisions differ)."""
    return json.loads(json.dumps(value).replace(decision, "<decision>"))


def shape(reply):
    """What a client relies on in an answer: status, the headers that matter, the JSON body's
    keys (and an error's code)."""
    headers = {k: reply.headers.get(k) for k in ("Content-Encoding", "Access-Control-Allow-Origin",
                                                 "Access-Control-Allow-Credentials")}
    if reply.request.method == "OPTIONS":  # a preflight: what it allows
        headers["allows"] = sorted(
            h.strip().lower() for h in (reply.headers.get("Access-Control-Allow-Headers") or "").split(",") if h.strip()
            and h.strip().lower() in ("authorization", "content-type"))
        headers["methods"] = "GET" in (reply.headers.get("Access-Control-Allow-Methods") or "")
    ctype = (reply.headers.get("Content-Type") or "").split(";")[0]
    body = None
    try:
        data = reply.json()
        body = sorted(data) if isinstance(data, dict) else type(data).__name__
        if isinstance(data, dict) and "code" in data:
            body = (body, data["code"])
    except ValueError:
        pass
    return {"status": reply.status_code, "type": ctype, **headers, "keys": body}


def conformance(real_url, real_decision, standin_url, standin_decision):
    """The stand-in against the real services, request by request, on the same push: status
    codes, the headers that matter and body shapes (values differ: ids, times)."""
    import requests

    requests_to_make = [
        ("task", "GET", "/api/queue/v1/task/{d}", {}),
        ("status", "GET", "/api/queue/v1/task/{d}/status", {}),
        ("task-group listing", "GET", "/api/queue/v1/task-group/{d}/list", {}),
        ("artifact (redirect)", "GET", "/api/queue/v1/task/{d}/artifacts/public%2Flabel-to-taskid.json", {"redirect": False}),
        ("latest artifact (redirect)", "GET", "/api/queue/v1/task/{d}/artifacts/public%2Ffull-task-graph.json", {"redirect": False}),
        ("artifact body, followed", "GET", "/api/queue/v1/task/{d}/artifacts/public%2Flabel-to-taskid.json", {}),
        ("an artifact stored gzip-compressed, followed", "GET",
         "/api/queue/v1/task/{d}/artifacts/public%2Ffull-task-graph.json", {}),
        ("missing artifact", "GET", "/api/queue/v1/task/{d}/artifacts/public%2Fnope.json", {"redirect": False}),
        ("unknown task", "GET", "/api/queue/v1/task/aaaaaaaaQaaaaaaaaaaaaA", {}),
        ("unknown index path", "GET", "/api/index/v1/task/nope.nothing.here", {}),
        ("index listing of an empty namespace", "GET", "/api/index/v1/tasks/nope.nothing", {}),
        ("trigger without credentials", "POST", "/api/hooks/v1/hooks/project-nss/nope/trigger", {"json": {}}),
        ("trigger with credentials that do not verify", "POST", "/api/hooks/v1/hooks/project-nss/nope/trigger",
         {"json": {}, "headers": {"Authorization": 'Hawk id="nobody", ts="1", nonce="x", mac="bm9wZQ=="'}}),
        ("task-group listing, a page with a continuation", "GET", "/api/queue/v1/task-group/{d}/list?limit=2", {}),
        ("statuses of several tasks", "POST", "/api/queue/v1/tasks/status", {"json": {"taskIds": ["{d}"]}}),
        ("findTasksAtIndex", "POST", "/api/index/v1/tasks/indexes", {"json": {"indexes": ["nope.nothing.here"]}}),
        ("a task fetched from another origin", "GET", "/api/queue/v1/task/{d}", {"headers": {"Origin": "http://page.example"}}),
        ("CORS preflight of a signed POST", "OPTIONS", "/api/hooks/v1/hooks/project-nss/nope/trigger",
         {"headers": {"Origin": "http://page.example", "Access-Control-Request-Method": "POST",
                      "Access-Control-Request-Headers": "authorization,content-type"}}),
        # The third-party login's endpoints a page calls (the page's origin registered on both,
        # for the client `taskgraph-preview`).
        ("login: a code exchanged that was never issued", "POST", "/login/oauth/token",
         {"data": {"grant_type": "authorization_code", "code": "nope", "client_id": "taskgraph-preview",
                   "redirect_uri": f"{PAGE}/login/callback.html"}}),
        ("login: a code exchanged from the page's registered origin", "POST", "/login/oauth/token",
         {"data": {"grant_type": "authorization_code", "code": "nope"}, "headers": {"Origin": PAGE}}),
        ("login: a code exchanged from another origin", "POST", "/login/oauth/token",
         {"data": {"grant_type": "authorization_code", "code": "nope"}, "headers": {"Origin": "http://evil.example"}}),
        ("login: another grant type", "POST", "/login/oauth/token", {"data": {"grant_type": "password"}}),
        ("login: the token exchange as JSON", "POST", "/login/oauth/token",
         {"json": {"grant_type": "authorization_code", "code": "nope"}}),
        ("login: credentials for an unknown access token", "GET", "/login/oauth/credentials",
         {"headers": {"Authorization": "Bearer nope", "Origin": PAGE}}),
        ("login: CORS preflight of the token exchange from the page's origin", "OPTIONS", "/login/oauth/token",
         {"headers": {"Origin": PAGE, "Access-Control-Request-Method": "POST",
                      "Access-Control-Request-Headers": "content-type"}}),
        ("login: CORS preflight of the credentials from the page's origin", "OPTIONS", "/login/oauth/credentials",
         {"headers": {"Origin": PAGE, "Access-Control-Request-Method": "GET",
                      "Access-Control-Request-Headers": "authorization"}}),
        ("login: CORS preflight from an origin no client is registered for", "OPTIONS", "/login/oauth/token",
         {"headers": {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
                      "Access-Control-Request-Headers": "content-type"}}),
    ]
    differences = []
    for name, method, path, opts in requests_to_make:
        got = []
        for base, decision in ((real_url, real_decision), (standin_url, standin_decision)):
            body = json.loads(json.dumps(opts["json"]).replace("{d}", decision)) if "json" in opts else None
            form = opts.get("data")
            # No compression negotiated (the real services gzip bigger API answers for a client that
            # accepts it; that is transport): what is compared is what storage sends regardless.
            headers = {"Accept-Encoding": "identity", **opts.get("headers", {})}
            reply = requests.request(method, base + path.format(d=decision), json=body, data=form, headers=headers,
                                     allow_redirects=opts.get("redirect", True), timeout=30)
            got.append(shape(reply))
        if got[0] != got[1]:
            differences.append(f"{name}: real {got[0]} / stand-in {got[1]}")
    for d in differences:
        print(f"     difference: {d}", flush=True)
    test_services.check(f"the stand-in answers as the real services ({len(requests_to_make)} requests)",
                        not differences, f"{len(differences)} differ")


def main():
    if not (real.VENDOR / "package.json").exists():
        print(f"real Taskcluster push test skipped: {real.VENDOR} is absent (the team's shared vendor folder)")
        return 0
    assert CLI.exists() and STANDIN.exists(), f"build {CLI} and {STANDIN} first (make build standin)"
    # The sample pushes, laid out by the stand-in itself.
    standin = subprocess.Popen([str(STANDIN), "--sample", "--dir", str(SAMPLE), "--listen", "127.0.0.1:0",
                                "--login-client", f"taskgraph-preview={PAGE}/"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    standin_url = standin.stdout.readline().strip().split()[-1]
    proc, root_url = test_services.start("--login-origin", PAGE)
    server = None
    try:
        root = json.loads((real.WORK / "root.json").read_text())
        opts = {"rootUrl": root_url, "credentials": {"clientId": root["clientId"], "accessToken": root["accessToken"]}}
        artifacts = SAMPLE / "tasks" / NSS / "artifacts" / "public"
        server = action_task.Storage(artifacts)
        scheduler = json.loads((SAMPLE / "tasks" / NSS / "task.json").read_text())["schedulerId"]
        decision = seed_decision(opts, server, scheduler)
        test_services.check("the NSS push is seeded in the real queue (decision completed, artifacts by reference)",
                            taskcluster.Queue(opts).status(decision)["status"]["state"] == "completed")
        theirs = named(preview(root_url, decision), decision)
        ours = named(preview(standin_url, NSS), NSS)
        test_services.check("the CLI previews the push from the real services",
                            len(theirs["iterations"][0]["created"]) > len(PICKS))
        for field in ("created", "reused", "removed", "reasons", "why", "tasks"):
            test_services.check(f"  its {field} equal the stand-in's preview of the same push",
                                theirs["iterations"][0][field] == ours["iterations"][0][field],
                                json.dumps(theirs["iterations"][0][field])[:300])
        kinds = lambda p: sorted({w["kind"] for w in p["warnings"]})  # noqa: E731
        test_services.check("  and so do its warnings' kinds", kinds(theirs) == kinds(ours),
                            f"{kinds(theirs)} vs {kinds(ours)}")
        conformance(root_url, decision, standin_url, NSS)
    finally:
        if server:
            server.close()
        os.killpg(proc.pid, 15)
        proc.wait(60)
        standin.terminate()
        standin.wait(10)
    print(f"\nreal Taskcluster push: {'all checks passed' if not test_services.failures else 'failures'}")
    return 1 if test_services.failures else 0


if __name__ == "__main__":
    sys.exit(main())
