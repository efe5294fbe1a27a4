// Networks that misbehave, in the browser, with the stand-in's faults: a download that stalls
// halfway, a truncated graph, an expired push, flapping 5xx answers on index lookups, a slow
// server, and a trigger POST that never gets an answer. Each ends in a clear message that says
// what to do (a Retry for loads); nothing half-loaded stays on screen; a trigger without an
// answer is never retried blindly: the page sends the user to the task group first.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SAMPLE_DIR, startStandin, useToken, suite, cliPreview, openPage, readCounts } from "./harness.mjs";

const NSS = "NssSampleDecision00001";
const PICK = "test-bogo-linux32/debug";

// Each test starts its own stand-ins, with their faults; the suite only the browser.
const standins = [];
after(() => {
  for (const s of standins) s.stop();
});
const env = suite(null);

async function withFaults(faults) {
  const standin = await startStandin({ faults });
  standins.push(standin);
  return standin;
}

function open(standin, query = "") {
  return openPage(env.browser, `${standin.url}/?decisionTaskId=${NSS}${query}`, { width: 1400, height: 900 });
}

/** The load error's text, once shown, and that nothing of the push stays on screen. */
async function loadError(page) {
  await page.locator("#load-error").waitFor({ timeout: 60000 });
  assert.equal(await page.locator(".job-btn").count(), 0, "no half-loaded grid");
  assert.equal(await page.locator("#push-actions").count(), 0, "no push header");
  assert.equal(await page.locator("#retry-load").count(), 1);
  return page.locator("#load-error span").textContent();
}

const requests = (standin, text) => readFileSync(standin.log, "utf8").split("\n").filter((l) => l.includes(text)).length;

/** The run's artifacts a load reads (run 0's graph is taskcluster::likely_requests). */
const runArtifacts = (run) =>
  ["full-task-graph.json", "label-to-taskid.json", "parameters.yml", "actions.json"].map(
    (name) => `/api/queue/v1/task/${NSS}/runs/${run}/artifacts/public/${name}`,
  );

/** Each GET of `paths` reached the stand-in exactly once. */
function assertSentOnce(standin, paths) {
  const lines = readFileSync(standin.log, "utf8").split("\n");
  for (const path of paths) assert.equal(lines.filter((l) => l === `GET ${path}`).length, 1, path);
}

/** The load's first requests (taskcluster::first_requests), run 0's graph (likely_requests)
 * and its other artifacts each reached the stand-in once. */
function assertFirstRequestsSentOnce(standin) {
  assertSentOnce(standin, [
    `/api/queue/v1/task/${NSS}`,
    `/api/queue/v1/task/${NSS}/status`,
    `/api/queue/v1/task/${NSS}/artifacts/public/runnable-jobs.json`,
    `/api/queue/v1/task-group/${NSS}/list`,
    ...runArtifacts(0),
  ]);
}

test("the load's first requests go out while the engine starts, and are sent once each", async () => {
  // Slow answers: the engine, started meanwhile, takes the answers already on their way.
  const standin = await withFaults(["--delay-ms", "200"]);
  const { page, problems } = await open(standin, `&select=${encodeURIComponent(PICK)}`);
  await page.locator("#preview-counts").waitFor({ timeout: 60000 });
  const worker = page.workers()[0];
  await worker.evaluate(() => new Promise((resolve) => {
    const wait = () => (self.__tgpPrefetched.size === 0 ? resolve() : setTimeout(wait, 50));
    wait();
  }));
  assert.deepEqual(await worker.evaluate(() => self.__tgpPrefetchStats), { sent: 5, unused: 0 });
  assertFirstRequestsSentOnce(standin);
  assert.deepEqual(problems, []);
  await page.close();
});

test("the package's own load sends the first requests while its worker starts, and the engine takes them", async () => {
  // As the page does (above), for an app that loads through createPreviewer: the React panel,
  // Treeherder. Slow answers: the requests are on their way before the engine asks.
  const standin = await withFaults(["--delay-ms", "200"]);
  // A document of the site's origin that is not the page (which would load a push itself).
  const { page, problems } = await openPage(env.browser, `${standin.url}/not-the-page`, { width: 1280, height: 720 });
  const tasks = await page.evaluate(async (decisionTaskId) => {
    const { createPreviewer } = await import("/src/index.js");
    self.__previewer = createPreviewer();
    const summary = await self.__previewer.load({ rootUrl: location.origin, decisionTaskId });
    return summary.tasks;
  }, NSS);
  assert.equal(tasks, 666);
  const stats = [];
  for (const worker of page.workers()) {
    stats.push(await worker.evaluate(() => self.__tgpPrefetchStats || null));
  }
  assert.deepEqual(stats, [{ sent: 5, unused: 0 }]);
  assertFirstRequestsSentOnce(standin);
  await page.evaluate(() => self.__previewer.dispose());
  assert.deepEqual(problems, []);
  await page.close();
});

test("a decision task that ran again loads its last completed run: run 0's graph sent early is dropped", async () => {
  // Its status names two runs; the stand-in serves the same artifacts for either.
  const status = join(SAMPLE_DIR, "tasks", NSS, "status.json");
  writeFileSync(status, JSON.stringify({ taskId: NSS, state: "completed", runs: [{ runId: 0, state: "exception" }, { runId: 1, state: "completed" }] }));
  try {
    // The group's listing never answers, so the load never ends: what is dropped is dropped
    // when run 1's artifacts are asked for, not by the load's end.
    const standin = await withFaults(["--delay-ms", "100", "--hang", `/task-group/${NSS}/list`]);
    const { page, problems } = await open(standin, `&select=${encodeURIComponent(PICK)}`);
    await page.locator("#preview-counts").waitFor({ timeout: 60000 });
    // The four first requests taken, run 0's graph aborted as run 1's artifacts were asked for
    // (the load is still listing: its end would have dropped it too, later).
    const worker = page.workers()[0];
    const early = await worker.evaluate(() => ({ stats: self.__tgpPrefetchStats, left: [...self.__tgpPrefetched.keys()] }));
    assert.deepEqual(early, { stats: { sent: 5, unused: 1 }, left: [] });
    assert.equal(await page.locator("#load-error").count(), 0);
    assertSentOnce(standin, runArtifacts(1));
    // The CLI reads the same run (its last completed): the same preview.
    const counts = await readCounts(page);
    const expected = cliPreview({ rootUrl: standin.url, decision: NSS, labels: [PICK] }).iterations[0];
    assert.equal(counts.created, Object.keys(expected.created).length);
    assert.equal(counts.reused, Object.keys(expected.reused).length);
    assert.ok(counts.created > 0);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    rmSync(status);
  }
});

test("a graph download that stalls halfway ends in a message naming it, with a Retry", async () => {
  const standin = await withFaults(["--stall", "full-task-graph"]);
  const { page, problems } = await open(standin, "&stallMs=1500");
  const text = await loadError(page);
  assert.match(text, /full-task-graph\.json/);
  assert.match(text, /stalled: no data for 1\.5 s/);
  assert.match(text, /Check your connection/);
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "14-stalled.png") });
  // Retry tries again (the fault is still there: the same message again).
  const before = requests(standin, "full-task-graph");
  await page.click("#retry-load");
  await page.locator("#load-error").waitFor({ state: "detached" });
  await loadError(page);
  assert.ok(requests(standin, "full-task-graph") > before, "Retry downloaded the graph again");
  assert.deepEqual(problems, []);
  await page.close();
});

test("a truncated graph and an expired push each say what happened and what to do", async () => {
  let standin = await withFaults(["--truncate", "full-task-graph"]);
  let { page } = await open(standin);
  let text = await loadError(page);
  assert.match(text, /full-task-graph\.json/);
  assert.match(text, /incomplete or malformed/);
  await page.close();
  standin = await withFaults(["--expire", "full-task-graph"]);
  ({ page } = await open(standin));
  text = await loadError(page);
  assert.match(text, /gone \(404\)/);
  assert.match(text, /expired push cannot be previewed/);
  await page.close();
});

test("flapping 5xx answers on index lookups and a slow server still give the CLI's preview", async () => {
  const standin = await withFaults(["--flap", "/api/index/", "--delay-ms", "150"]);
  const { page, problems } = await open(standin, `&select=${encodeURIComponent(PICK)}`);
  await page.locator("#preview-counts").waitFor({ timeout: 60000 });
  const counts = await readCounts(page);
  const expected = cliPreview({ rootUrl: standin.url, decision: NSS, labels: [PICK] }).iterations[0];
  assert.equal(counts.created, Object.keys(expected.created).length);
  assert.equal(counts.reused, Object.keys(expected.reused).length);
  assert.ok(requests(standin, "/api/index/") > 0, "the preview looked the index up");
  assert.deepEqual(problems, []);
  await page.close();
});

test("a trigger that gets no answer is never retried: the page sends the user to the task group", async () => {
  const standin = await withFaults(["--hang", "/trigger"]);
  const { page, problems } = await open(standin, `&select=${encodeURIComponent(PICK)}&triggerTimeoutMs=2000`);
  await page.locator("#preview-counts").waitFor({ timeout: 60000 });
  await page.click("#trigger-button");
  await useToken(page);
  await page.click("#confirm-action");
  await page.locator("#trigger-unsure").waitFor({ timeout: 30000 });
  assert.match(await page.locator("#trigger-unsure").textContent(), /no answer within 2 s.*may have been triggered anyway/);
  assert.equal(await page.locator("#check-task-group").getAttribute("href"), `${standin.url}/tasks/groups/${NSS}`);
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "15-trigger-unsure.png") });
  // The call reached Taskcluster once (it may well have created the action) and was not sent again.
  await page.waitForTimeout(3000);
  assert.equal(requests(standin, "/trigger"), 1);
  assert.equal(standin.calls().length, 1);
  assert.equal(await page.locator("#action-dialog").count(), 0, "the dialog is closed: no blind retry");
  assert.deepEqual(problems, []);
  await page.close();
});
