// The public JavaScript API (src/index.js) in inline mode, on real pushes: loading, the grid,
// previews equal to the CLI's, and errors. Run: node --test test/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { join, resolve } from "node:path";

import { createPreviewer, PreviewError } from "../src/index.js";

const ROOT = resolve(new URL("../..", import.meta.url).pathname);
const TARGET = process.env.CARGO_TARGET_DIR || join(ROOT, "target");
const CLI = join(TARGET, "release", "taskgraph-preview");
const WASM = readFileSync(join(ROOT, "www", "pkg", "engine_bg.wasm"));
const NOW = "2025-12-01T00:00:00.000Z";

const fixture = (project) => {
  const dir = join(ROOT, "tests", "data", "real", project);
  return {
    dir,
    graphGz: readFileSync(join(dir, "full-task-graph.json.gz")),
    labelToTaskid: JSON.parse(readFileSync(join(dir, "label-to-taskid.json"), "utf8")),
    parameters: readFileSync(join(dir, "parameters.yml"), "utf8"),
    requests: JSON.parse(readFileSync(join(dir, "requests.json"), "utf8")),
  };
};

const TRUST = { nss: "nss", "application-services": "app-services" };
const fixtures = { nss: fixture("nss"), "application-services": fixture("application-services") };

/** A previewer with `project` loaded the way the CLI reads the same files. */
async function loaded(project) {
  const f = fixtures[project];
  const previewer = createPreviewer({ inline: true, wasm: WASM });
  const summary = await previewer.load({
    fullTaskGraph: new Uint8Array(f.graphGz),
    labelToTaskid: f.labelToTaskid,
    parameters: f.parameters,
    trustDomain: TRUST[project],
  });
  return { previewer, summary };
}

/** The CLI's `--json` preview of a named request of a fixture. */
function cliPreview(project, request, extra = []) {
  const f = fixtures[project];
  const out = execFileSync(
    CLI,
    [
      "preview",
      "--graph", join(f.dir, "full-task-graph.json.gz"),
      "--existing", join(f.dir, "label-to-taskid.json"),
      "--parameters", join(f.dir, "parameters.yml"),
      "--labels", join(f.dir, "requests.json"),
      "--request", request,
      "--trust-domain", TRUST[project],
      "--json", "--deterministic-ids", "--now", NOW,
      ...extra,
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  return JSON.parse(out.toString("utf8"));
}

/** Awaits `promise`, requires a PreviewError, returns it. */
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PreviewError, `not a PreviewError: ${error}`);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "PreviewError");
    return error;
  }
  assert.fail("expected a rejection");
}

let nss;
let appServices;
let synthDir;
before(async () => {
  assert.ok(existsSync(CLI), `${CLI} is missing: build the CLI first (make build)`);
  [nss, appServices] = await Promise.all([loaded("nss"), loaded("application-services")]);
  // A generated gecko-shaped push with index answers (index-search reuse) and tasks whose
  // dependencies are not in the graph (load warnings).
  synthDir = mkdtempSync(join(tmpdir(), "tgp-api-"));
  execFileSync(CLI, ["gen-graph", "--tasks", "1000", "--seed", "1", "--out", synthDir]);
});
after(() => synthDir && rmSync(synthDir, { recursive: true, force: true }));

/** The synthetic push, loaded with its index answers; and the CLI's preview of a request. */
async function synthetic(options = {}) {
  const read = (name) => readFileSync(join(synthDir, name));
  const previewer = createPreviewer({ inline: true, wasm: WASM });
  const summary = await previewer.load({
    ...options,
    fullTaskGraph: read("full-task-graph.json.gz"),
    labelToTaskid: JSON.parse(read("label-to-taskid.json")),
    parameters: read("parameters.yml").toString("utf8"),
    index: JSON.parse(read("index.json")),
  });
  const requests = JSON.parse(read("requests.json"));
  const cli = (request) =>
    JSON.parse(
      execFileSync(CLI, [
        "preview", "--graph", join(synthDir, "full-task-graph.json.gz"), "--existing", join(synthDir, "label-to-taskid.json"),
        "--parameters", join(synthDir, "parameters.yml"), "--index", join(synthDir, "index.json"),
        "--labels", join(synthDir, "requests.json"), "--request", request, "--json", "--deterministic-ids", "--now", NOW,
      ], { maxBuffer: 256 * 1024 * 1024 }).toString("utf8"),
    );
  return { previewer, summary, requests, cli };
}

test("load: the NSS push's summary", () => {
  const s = nss.summary;
  assert.equal(s.tasks, 666);
  assert.equal(s.existing, 666);
  assert.equal(s.project, "nss");
  assert.equal(s.trustDomain, "nss");
  assert.equal(s.level, "3");
  assert.equal(s.revision, "9d75dfde2e791c38fdf5ea7f3da9609c46d8a4f8");
  assert.equal(s.decisionTaskId, "DecisionTaskId00000000A");
  assert.equal(s.rootUrl, "https://firefox-ci-tc.services.mozilla.com");
  assert.equal(s.hasAddNewJobs, false);
  assert.deepEqual(s.mergedFrom, []);
  assert.ok(s.edges > 0);
});

test("flavour: detected from the trust domain, shown in the summary, and overridable", async () => {
  assert.equal(nss.summary.flavour, "taskgraph");
  assert.equal(nss.summary.flavourReason, 'trust domain "nss": taskcluster-taskgraph');
  // The generated push is Firefox-shaped (trust domain gecko): gecko's strategy names are known.
  const gecko = await synthetic();
  assert.equal(gecko.summary.flavour, "gecko");
  const labels = gecko.requests["fifty-tests-across-platforms"];
  const ours = await gecko.previewer.preview({ labels, now: NOW, definitions: false });
  assert.deepEqual(ours.warnings.filter((w) => w.kind === "unknown-strategy"), []);
  // As a taskgraph push, the same names are unknown.
  const plain = await synthetic({ flavour: "taskgraph" });
  assert.equal(plain.summary.flavour, "taskgraph");
  assert.equal(plain.summary.flavourReason, "chosen by the user");
  const theirs = await plain.previewer.preview({ labels, now: NOW, definitions: false });
  const unknown = theirs.warnings.filter((w) => w.kind === "unknown-strategy").map((w) => w.message);
  assert.ok(unknown.some((m) => m.includes('"test"')), JSON.stringify(unknown));
  // Everything but the warnings is the same: gecko's strategies never replace a task.
  assert.deepEqual(theirs.iterations[0].reused, ours.iterations[0].reused);
  await assert.rejects(synthetic({ flavour: "firefox" }), (e) => e.kind === "bad-request" || /flavour/.test(e.message));
});

/** The CLI's `preview --action` of the NSS fixture. */
function cliAction(args) {
  const f = fixtures.nss;
  const out = execFileSync(CLI, [
    "preview", "--graph", join(f.dir, "full-task-graph.json.gz"), "--existing", join(f.dir, "label-to-taskid.json"),
    "--parameters", join(f.dir, "parameters.yml"), "--trust-domain", "nss",
    "--json", "--deterministic-ids", "--now", NOW, ...args,
  ], { maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(out.toString("utf8"));
}

test("previewAction: retrigger with downstream, retrigger-multiple and rebuild-cached-tasks equal the CLI", async () => {
  const { previewer } = nss;
  const input = { downstream: true, times: 2, force: true };
  const retrigger = await previewer.previewAction({ action: "retrigger", taskLabel: "build-linux64/debug", input, now: NOW, deterministicIds: true });
  assert.deepEqual(retrigger, cliAction(["--action", "retrigger", "--label", "build-linux64/debug", "--input", JSON.stringify(input)]));
  assert.deepEqual(retrigger.calls.map((c) => c.suffix), ["0", "1"]);
  assert.ok(retrigger.calls[0].requested.includes("build-linux64/debug") && retrigger.calls[0].requested.length > 1);
  // The same task named by its taskId.
  const taskId = fixtures.nss.labelToTaskid["build-linux64/debug"];
  const byId = await previewer.previewAction({ action: "retrigger", taskId, input, now: NOW, deterministicIds: true });
  assert.deepEqual(byId, retrigger);
  const rebuild = await previewer.previewAction({ action: "rebuild-cached-tasks", now: NOW, deterministicIds: true, definitions: false });
  assert.equal(rebuild.calls.length, 1);
  assert.equal(rebuild.calls[0].suffix, "");
  assert.ok(rebuild.calls[0].requested.every((l) => l.startsWith("docker-image-") || l.startsWith("toolchain-") || l.startsWith("fetch-")), rebuild.calls[0].requested.join());
  // Not retriggerable without force; actions that create nothing say so.
  const refused = await rejection(previewer.previewAction({ action: "retrigger", taskLabel: "build-linux64/debug" }));
  assert.equal(refused.kind, "bad-request");
  assert.match(refused.message, /should not be retriggered/);
  const rerun = await rejection(previewer.previewAction({ action: "rerun", taskLabel: "build-linux64/debug" }));
  assert.match(rerun.message, /creates no task/);
});

test("the React panel's actionAsPreview shows an action's calls as iterations", async () => {
  const { actionAsPreview, previewCounts } = await import("../react/index.js");
  const action = cliAction(["--action", "retrigger-multiple", "--input", JSON.stringify({
    requests: [{ tasks: ["build-linux64/debug", "test-bogo-linux64/debug"], times: 2 }],
  })]);
  // The build is rerun, the test cloned twice.
  assert.deepEqual(action.reruns.map((r) => r.label), ["build-linux64/debug"]);
  assert.deepEqual(action.calls.map((c) => Object.keys(c.created)), [["test-bogo-linux64/debug"], ["test-bogo-linux64/debug"]]);
  const shown = actionAsPreview(action);
  assert.equal(shown.times, action.calls.length);
  assert.deepEqual(shown.iterations, action.calls);
  assert.deepEqual(shown.reruns, action.reruns);
  assert.deepEqual(shown.requested, [...new Set(action.calls.flatMap((c) => c.requested))].sort());
  const created = action.calls.reduce((n, c) => n + Object.keys(c.created).length, 0);
  assert.equal(previewCounts(shown).created, created);
});

test("load: application-services, and summary() repeats load's answer", async () => {
  const s = appServices.summary;
  assert.equal(s.tasks, 112);
  assert.equal(s.project, "application-services");
  assert.equal(s.trustDomain, "app-services");
  assert.equal(s.existing, Object.keys(fixtures["application-services"].labelToTaskid).length);
  assert.deepEqual(await appServices.previewer.summary(), s);
});

test("runnableJobs: every NSS task, with extra.treeherder's fields", async () => {
  const jobs = await nss.previewer.runnableJobs();
  assert.equal(jobs.length, 666);
  const graph = JSON.parse(gunzipSync(fixtures.nss.graphGz).toString("utf8"));
  const byLabel = new Map(jobs.map((j) => [j.label, j]));
  // One job in full.
  const fips = byLabel.get("build-linux32-fips/debug-make");
  assert.deepEqual(fips, {
    label: "build-linux32-fips/debug-make",
    kind: "build",
    symbol: "B",
    groupSymbol: "FIPS",
    groupName: "FIPS",
    platform: "linux32",
    option: "debug-make",
    tier: 1,
    state: "unknown", // in label-to-taskid.json, state not known without the task group
    taskId: fixtures.nss.labelToTaskid["build-linux32-fips/debug-make"],
  });
  // Every job against the fixture.
  for (const [label, task] of Object.entries(graph)) {
    const th = task.task.extra.treeherder;
    const job = byLabel.get(label);
    assert.ok(job, label);
    assert.equal(job.kind, task.kind, label);
    assert.equal(job.symbol, th.symbol, label);
    assert.equal(job.platform, th.machine.platform, label);
    assert.equal(job.option, Object.keys(th.collection).find((k) => th.collection[k] === true), label);
    assert.equal(job.groupSymbol, th.groupSymbol && th.groupSymbol !== "?" ? th.groupSymbol : undefined, label);
    assert.equal(job.tier, th.tier ?? 1, label);
  }
  // Labels come sorted.
  assert.deepEqual(jobs.map((j) => j.label), [...byLabel.keys()].sort());
  // application-services reports nothing to Treeherder.
  assert.deepEqual(await appServices.previewer.runnableJobs(), []);
});

for (const [project, request, extra] of [
  ["nss", "one-task", []],
  ["nss", "kind-test-all", []],
  ["application-services", "kind-beetmover-missing", []],
  ["application-services", "one-task", ["--times", "3"]],
]) {
  test(`preview equals the CLI's --json: ${project} ${request} ${extra.join(" ")}`, async () => {
    const { previewer } = project === "nss" ? nss : appServices;
    const labels = fixtures[project].requests[request];
    const times = extra.length ? Number(extra[1]) : undefined;
    const ours = await previewer.preview({ labels, times, now: NOW, deterministicIds: true });
    const cli = cliPreview(project, request, extra);
    assert.deepEqual(ours, cli);
    assert.ok(Object.keys(ours.iterations[0].created).length >= 1);
    assert.equal(ours.iterations.length, times || 1);
  });
}

test("preview equals the CLI on a synthetic push with index answers (warnings aside)", async () => {
  const { previewer, summary, requests, cli } = await synthetic();
  assert.ok(summary.tasks > 900 && summary.tasks <= 1000, `tasks: ${summary.tasks}`);
  for (const request of ["tests-with-uncached-toolchains", "fifty-tests-across-platforms"]) {
    const ours = await previewer.preview({ labels: requests[request], now: NOW, deterministicIds: true });
    const theirs = cli(request);
    const { warnings: ourWarnings, ...ourRest } = ours;
    const { warnings: theirWarnings, ...theirRest } = theirs;
    assert.deepEqual(ourRest, theirRest, request);
    // Every warning of the CLI is there too.
    for (const warning of theirWarnings) assert.ok(ourWarnings.some((w) => JSON.stringify(w) === JSON.stringify(warning)), warning.message);
  }
  const p = await previewer.preview({ labels: requests["tests-with-uncached-toolchains"], now: NOW, definitions: false });
  const hits = Object.values(p.iterations[0].reused).filter((r) => r.source === "index-search");
  assert.ok(hits.length > 0);
  for (const hit of hits) assert.match(hit.indexPath, /^gecko\.cache\./);
});

test("preview warnings equal the CLI's on a push with load warnings", async () => {
  const { previewer, summary, requests, cli } = await synthetic();
  assert.ok(summary.warnings.length > 0);
  const ours = await previewer.preview({ labels: requests["one-test"], now: NOW, deterministicIds: true, definitions: false });
  assert.deepEqual(ours.warnings, cli("one-test").warnings);
});

test("preview: NSS one-task, the numbers and the why path", async () => {
  const p = await nss.previewer.preview({ labels: ["test-tools-linux64/opt-make"], now: NOW, deterministicIds: true });
  const it = p.iterations[0];
  assert.deepEqual(it.created, { "test-tools-linux64/opt-make": "NewTaskId0000000000001" });
  assert.deepEqual(Object.keys(it.reused), ["build-linux64/opt-make", "certs-linux64/opt-make", "docker-image-base"]);
  assert.deepEqual(it.reused["build-linux64/opt-make"], {
    taskId: "JVGhR3gv6VnhXaw45CN5AA",
    source: "existing-tasks",
    indexPath: null,
  });
  assert.deepEqual(it.why["build-linux64/opt-make"], [
    "test-tools-linux64/opt-make",
    "certs-linux64/opt-make",
    "build-linux64/opt-make",
  ]);
  assert.equal(it.reasons["test-tools-linux64/opt-make"], "requested");
  assert.deepEqual(it.removed, {});
});

test("preview: definitions: false drops tasks and nothing else", async () => {
  const labels = fixtures.nss.requests["kind-test-all"].slice(0, 50);
  const full = await nss.previewer.preview({ labels, now: NOW, deterministicIds: true });
  const lean = await nss.previewer.preview({ labels, now: NOW, deterministicIds: true, definitions: false });
  assert.equal(Object.keys(full.iterations[0].tasks).length, 50);
  assert.equal("tasks" in lean.iterations[0], false);
  delete full.iterations[0].tasks;
  assert.deepEqual(lean, full);
});

test("preview: random ids are fresh slugids, the rest is the same", async () => {
  const labels = ["test-tools-linux64/opt-make"];
  const a = await nss.previewer.preview({ labels, now: NOW, definitions: false });
  const b = await nss.previewer.preview({ labels, now: NOW, definitions: false });
  const idA = a.iterations[0].created[labels[0]];
  assert.match(idA, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(idA, b.iterations[0].created[labels[0]]);
  assert.deepEqual(a.iterations[0].reused, b.iterations[0].reused);
});

test("graphView: the last preview's closure", async () => {
  await nss.previewer.preview({ labels: ["test-tools-linux64/opt-make"], now: NOW, definitions: false });
  const view = await nss.previewer.graphView();
  assert.equal(view.nodes.length, 4);
  assert.equal(view.omitted, 0);
  const decision = Object.fromEntries(view.nodes.map((n) => [n.label, n.decision]));
  assert.equal(decision["test-tools-linux64/opt-make"], "requested");
  assert.equal(decision["build-linux64/opt-make"], "reused");
  // Left to right: every dependency sits in a column right of its dependents.
  assert.ok(view.edges.length >= 3);
  for (const [from, to] of view.edges) assert.ok(view.nodes[from].x < view.nodes[to].x);
  const cut = await nss.previewer.graphView({ limit: 2 });
  assert.equal(cut.nodes.length, 2);
  assert.equal(cut.omitted, 2);
});

test("errors: unknown labels are all named, sorted", async () => {
  const error = await rejection(
    nss.previewer.preview({ labels: ["zz-nope", "test-tools-linux64/opt-make", "aa-nope"], now: NOW }),
  );
  assert.equal(error.kind, "unknown-labels");
  assert.deepEqual(error.labels, ["aa-nope", "zz-nope"]);
  assert.match(error.message, /"aa-nope"/);
});

test("errors: bad requests", async () => {
  const cases = [
    { labels: "test-tools-linux64/opt-make" }, // not a list
    { labels: ["test-tools-linux64/opt-make"], tmies: 2 }, // unknown field
    { labels: ["test-tools-linux64/opt-make"], now: "yesterday" },
    { labels: ["test-tools-linux64/opt-make"], times: 0 },
    { labels: ["test-tools-linux64/opt-make"], times: 101 },
    { labels: ["test-tools-linux64/opt-make"], times: -1 },
  ];
  for (const request of cases) {
    const error = await rejection(nss.previewer.preview(request));
    assert.equal(error.kind, "bad-request", JSON.stringify(request));
    assert.deepEqual(error.labels, []);
  }
  const times = await rejection(nss.previewer.preview({ labels: ["test-tools-linux64/opt-make"], times: 101 }));
  assert.equal(times.message, "invalid request: times must be between 1 and 100, not 101");
  const load = await rejection(nss.previewer.load({}));
  assert.equal(load.kind, "bad-request");
  // A failed load keeps the loaded push.
  assert.equal((await nss.previewer.summary()).tasks, 666);
});

test("errors: a truncated graph is a syntax error; nothing loaded yet is not-loaded", async () => {
  const previewer = createPreviewer({ inline: true, wasm: WASM });
  const notLoaded = await rejection(previewer.preview({ labels: ["a"] }));
  assert.equal(notLoaded.kind, "not-loaded");
  const text = gunzipSync(fixtures["application-services"].graphGz);
  const truncated = text.subarray(0, Math.floor(text.length / 2));
  const error = await rejection(previewer.load({ fullTaskGraph: truncated }));
  assert.equal(error.kind, "syntax");
  assert.match(error.message, /fullTaskGraph/);
  const summary = await rejection(previewer.summary());
  assert.equal(summary.kind, "not-loaded");
});

test("triggerRequest: rendered from actions.json, unsigned; none without actions.json", async () => {
  const none = await rejection(nss.previewer.triggerRequest({ labels: ["test-tools-linux64/opt-make"] }));
  assert.equal(none.kind, "action");
  const previewer = createPreviewer({ inline: true, wasm: WASM });
  const actions = {
    version: 1,
    variables: {},
    actions: [
      {
        name: "add-new-jobs", title: "Add new jobs", kind: "hook", context: [],
        description: "Add new jobs using task labels.",
        schema: { type: "object", properties: { tasks: { type: "array", items: { type: "string" } }, times: { type: "integer", minimum: 1, maximum: 100 } } },
        hookGroupId: "project-nss", hookId: "in-tree-action-3-generic/0123456789",
        hookPayload: { user: { input: { $eval: "input" }, taskGroupId: { $eval: "taskGroupId" } } },
      },
    ],
  };
  const f = fixtures.nss;
  await previewer.load({
    fullTaskGraph: new Uint8Array(f.graphGz), labelToTaskid: f.labelToTaskid, parameters: f.parameters,
    trustDomain: "nss", decisionTaskId: "NssDecision0000000000A", rootUrl: "https://tc.example.com", actions,
  });
  const request = await previewer.triggerRequest({ labels: ["test-tools-linux64/opt-make"], times: 2 });
  assert.equal(request.method, "POST");
  assert.equal(request.url, "https://tc.example.com/api/hooks/v1/hooks/project-nss/in-tree-action-3-generic%2F0123456789/trigger");
  assert.equal(request.trigger.method, "hooks.triggerHook");
  assert.deepEqual(request.body, { user: { input: { tasks: ["test-tools-linux64/opt-make"], times: 2 }, taskGroupId: "NssDecision0000000000A" } });
  assert.equal(request.headers.some(([name]) => name.toLowerCase() === "authorization"), false);
  const noCredentials = await rejection(previewer.trigger({ labels: ["test-tools-linux64/opt-make"] }, { clientId: "", accessToken: "" }));
  assert.equal(noCredentials.kind, "bad-request");
  // A request that is not { labels, times? } is refused naming the caller's field, not the
  // action's `tasks`.
  const notAList = await rejection(previewer.triggerRequest({ labels: "test-tools-linux64/opt-make" }));
  assert.equal(notAList.kind, "bad-request");
  assert.equal(notAList.message, "add-new-jobs request: labels must be a list of task labels");
  const badTimes = await rejection(previewer.trigger({ labels: ["test-tools-linux64/opt-make"], times: 0 }, { clientId: "a", accessToken: "b" }));
  assert.equal(badTimes.message, "add-new-jobs request: times must be between 1 and 100, not 0");
  const typo = await rejection(previewer.triggerRequest({ labels: [], tmies: 2 }));
  assert.equal(typo.message, 'add-new-jobs request: unknown field "tmies", expected labels or times');
});

test("hostile actions.json (issue 24): the preview stands with an action-unavailable warning; actionsFor says which actions are unavailable; triggerRequest refuses", async () => {
  const brackets = `t${"[".repeat(16)}askGroupId`;
  const hook = (name, payload) => ({
    name, title: name, description: "", kind: "hook", context: [], hookGroupId: "project-nss", hookId: name, hookPayload: payload,
  });
  const actions = {
    version: 1,
    variables: {},
    actions: [
      hook("add-new-jobs", { $let: { tid: { $eval: brackets } }, in: { input: { $eval: "input" } } }),
      hook("cancel-all", { n: { $eval: "len(range(0, 100000000000))" } }),
      hook("rebuild-cached-tasks", { group: { $eval: "taskGroupId" } }),
    ],
  };
  const f = fixtures.nss;
  const previewer = createPreviewer({ inline: true, wasm: WASM });
  await previewer.load({
    fullTaskGraph: new Uint8Array(f.graphGz), labelToTaskid: f.labelToTaskid, parameters: f.parameters,
    trustDomain: "nss", decisionTaskId: "NssDecision0000000000A", rootUrl: "https://tc.example.com", actions,
  });
  const labels = ["test-tools-linux64/opt-make"];
  const request = { labels, now: NOW, deterministicIds: true };
  const preview = await previewer.preview(request);
  const plain = await nss.previewer.preview(request);
  const shape = (p) => p.iterations.map((i) => [Object.keys(i.created), i.reused, i.removed]);
  assert.deepEqual(shape(preview), shape(plain), "the preview does not depend on actions.json");
  assert.ok(Object.keys(preview.iterations[0].created).length > 0);
  const unavailable = preview.warnings.filter((w) => w.kind === "action-unavailable");
  assert.deepEqual(unavailable.map((w) => w.message), [
    `action "add-new-jobs" cannot be triggered: its hookPayload is not valid JSON-e: Unexpected trailing characters ${"[".repeat(16)}askGroupId; these jobs cannot be triggered from this push`,
  ]);
  const refused = await rejection(previewer.triggerRequest({ labels }));
  assert.equal(refused.kind, "action");
  assert.match(refused.message, /add-new-jobs" cannot be triggered: its hookPayload is not valid JSON-e/);
  const offered = await previewer.actionsFor({});
  assert.deepEqual(offered.map((a) => [a.name, a.unavailable]), [
    ["add-new-jobs", unavailable[0].message.replace("; these jobs cannot be triggered from this push", "")],
    ["cancel-all", 'action "cancel-all" is refused: its hookPayload goes beyond what JSON-e may do here: the render needs more than its 1000000 units of work'],
    ["rebuild-cached-tasks", null],
  ]);
  const other = await previewer.actionTriggerRequest({ action: "rebuild-cached-tasks" });
  assert.deepEqual(other.body, { group: "NssDecision0000000000A" }, "the other actions still render");
});

test("follow: an action task not triggered here from a matching preview is refused, named (issue 19)", async () => {
  const error = await rejection(nss.previewer.follow("NotTriggeredHere00001A"));
  assert.equal(error.kind, "not-previewed");
  assert.equal(error.message, "action task NotTriggeredHere00001A was not triggered here from a preview of the same request: nothing to compare it with (preview, then trigger)");
});
