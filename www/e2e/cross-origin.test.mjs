// The page as in production: served from one origin, Taskcluster on a second, artifacts from a
// third (the queue answers artifact requests with a 303 to storage, gzip-encoded there). The
// browser sends CORS preflights for the JSON POSTs (index, statuses) and the signed trigger;
// the page must preview exactly what the CLI does and trigger once.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ROOT, SAMPLE_DIR, startStandin, launchBrowser, cspViolations, useToken, waitForPreview, cliPreview, openPage, readCounts,
} from "./harness.mjs";

const NSS = "NssSampleDecision00001";
const PICK = "test-bogo-linux32/debug";

let site;
let taskcluster;
let browser;

before(async () => {
  // The page's origin serves the page only; Taskcluster is another stand-in, with its
  // artifact storage on a third origin.
  taskcluster = await startStandin({ storage: true });
  site = await startStandin({ csp: [taskcluster.url, taskcluster.storage] });
  browser = await launchBrowser();
});

after(async () => {
  assert.deepEqual(cspViolations, [], "the page runs under the strict CSP");
  await browser?.close();
  site?.stop();
  taskcluster?.stop();
});

test("the page previews and triggers against a Taskcluster on another origin", async () => {
  assert.notEqual(new URL(site.url).origin, new URL(taskcluster.url).origin);
  const expected = cliPreview({ rootUrl: taskcluster.url, decision: NSS, labels: [PICK] }).iterations[0];
  // The action task the hook will "create", already done with what the CLI previews.
  const action = "CrossOriginAction00001";
  writeFileSync(join(SAMPLE_DIR, "next-action-task-id"), action);
  mkdirSync(join(SAMPLE_DIR, "tasks", action, "artifacts", "public"), { recursive: true });
  writeFileSync(join(SAMPLE_DIR, "tasks", action, "status.json"), JSON.stringify({ state: "completed", runs: [{ runId: 0, state: "completed" }] }));
  writeFileSync(join(SAMPLE_DIR, "tasks", action, "artifacts", "public", "label-to-taskid.json"), JSON.stringify(expected.labelToTaskId));
  // The tasks it created, as the queue holds them (the CLI's placeholder for the action task
  // named as the real one): follow compares each with the page's preview.
  for (const id of Object.values(expected.created)) {
    mkdirSync(join(SAMPLE_DIR, "tasks", id), { recursive: true });
    writeFileSync(join(SAMPLE_DIR, "tasks", id, "task.json"), JSON.stringify(expected.tasks[id]).replaceAll("ActionTaskId0000000000A", action));
  }

  const query = new URLSearchParams({ rootUrl: taskcluster.url, decisionTaskId: NSS, select: PICK });
  const { page, problems } = await openPage(browser, `${site.url}/?${query}`);
  await waitForPreview(page, 1, 60000);
  const counts = await readCounts(page);
  assert.equal(counts.created, Object.keys(expected.created).length);
  assert.equal(counts.reused, Object.keys(expected.reused).length);
  assert.match(await page.locator("#flavour").textContent(), /taskgraph actions/);

  await page.click("#trigger-button");
  await page.waitForSelector("#trigger-request", { state: "attached" });
  await useToken(page);
  await page.click("#confirm-action");
  await page.waitForSelector(".status-matched", { timeout: 30000 });
  assert.match(
    await page.locator("#status-line").textContent(),
    new RegExp(`Preview matched: action task CrossOriginAction00001 .*\\(${Object.keys(expected.created).length} task definitions? compared field by field\\)`),
  );
  assert.deepEqual(problems, []);
  await page.close();
  // The shared sample push stays as it was for the other tests.
  for (const id of Object.values(expected.created)) rmSync(join(SAMPLE_DIR, "tasks", id), { recursive: true });

  // One signed trigger reached Taskcluster; nothing went to the page's origin.
  const calls = taskcluster.calls();
  assert.equal(calls.length, 1, JSON.stringify(calls));
  assert.equal(calls[0].call, "triggerHook");
  assert.deepEqual(calls[0].payload.user.input, { tasks: [PICK] });
  assert.deepEqual(site.calls(), []);
  // The browser asked before the JSON POSTs and the signed trigger, and read artifacts from
  // the storage origin.
  const log = readFileSync(taskcluster.log, "utf8").split("\n");
  const preflights = log.filter((l) => l.startsWith("OPTIONS "));
  assert.ok(preflights.some((l) => l.includes("/api/index/v1/tasks/indexes") || l.includes("/api/queue/v1/tasks/status")), preflights.join("\n"));
  assert.ok(preflights.some((l) => l.includes("/api/hooks/v1/hooks/")), preflights.join("\n"));
  assert.ok(log.some((l) => l.startsWith("STORAGE GET /") && l.includes("full-task-graph.json")), "the graph came from storage");
  const siteLog = readFileSync(site.log, "utf8");
  assert.ok(!siteLog.includes("/api/"), "the page's origin served no API call");
});

test("a download the host's CSP refuses says so, naming the refused URL", async () => {
  // A host that allows Taskcluster but not its artifacts' storage, where the queue redirects.
  const strict = await startStandin({ csp: [taskcluster.url] });
  const earlier = cspViolations.length;
  try {
    const query = new URLSearchParams({ rootUrl: taskcluster.url, decisionTaskId: NSS });
    const { page } = await openPage(browser, `${strict.url}/?${query}`);
    const banner = page.locator(".error-banner, .load-error", { hasText: "Could not load the push" }).first();
    await banner.waitFor({ timeout: 60000 });
    const text = await banner.textContent();
    // Browsers name the URL asked for, never the origin a redirect went on to.
    assert.match(text, /Content-Security-Policy \(connect-src\) refused http:\/\/127\.0\.0\.1:\d+\/api\/queue\/v1\/task\/NssSampleDecision00001\/.*artifacts.* or where it redirects .*\[blocked-by-csp\]/);
    assert.match(text, /its operator must allow it; retrying will not help/);
    await page.screenshot({ path: join(ROOT, "target", "screenshots", "cross-origin-2-blocked-by-csp.png") });
    await page.close();
  } finally {
    strict.stop();
    // This test's violations are the point: the strict-CSP check of the others stays.
    cspViolations.length = earlier;
  }
});
