// The demo host in headless Chromium against the stand-in: the sample NSS push loads through
// the worker, picking jobs updates the preview panel with exactly the CLI's numbers, the trigger
// sends one signed call, and the 50k-task push loads without freezing the page.
//
// The site served is TGP_SITE (default <repo>/dist, where /src, /pkg and /demo sit at the
// root); to test the package folder directly: TGP_SITE=<repo>/www (after npm run build:demo).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";

import { watchLongTasks, SITE, CLI, axeViolations, suite, cliPreview, openPage, assertRunsOn, poolsOf } from "./harness.mjs";

const NSS = "NssSampleDecision00001";
const GECKO = "GeckoSyntheticDecision";

before(() => {
  assert.ok(existsSync(join(SITE, "demo", "demo.js")), `${SITE}/demo/demo.js is missing: run npm run build:demo (or set TGP_SITE)`);
  assert.ok(existsSync(CLI), `${CLI} is missing`);
});

const env = suite();

/** The counts the panel must show, from the CLI's preview of the same push over HTTP. */
function cliCounts(decisionTaskId, labels) {
  const preview = cliPreview({ rootUrl: env.standin.url, decision: decisionTaskId, labels });
  let created = 0;
  for (const it of preview.iterations) {
    created += Object.keys(it.created).length;
    for (const copies of Object.values(it.duplicates || {})) created += copies.length;
  }
  const first = preview.iterations[0];
  return {
    created,
    reused: Object.keys(first.reused).length,
    removed: Object.keys(first.removed).length,
    requested: preview.requested.length,
    preview,
  };
}

/** Waits until the panel shows a finished preview of `requested` labels; returns its counts. */
async function panelCounts(page, requested) {
  const counts = page.locator(`.tgp-panel[data-status="ready"] .tgp-counts[data-requested="${requested}"]`);
  await counts.waitFor({ timeout: 20_000 });
  const read = async (name) => Number(await counts.getAttribute(`data-${name}`));
  return { created: await read("created"), reused: await read("reused"), removed: await read("removed"), requested };
}

const pick = (page, label) => page.locator(`.push-jobs [data-label="${label}"]`).click();

test("NSS: picking jobs updates the panel with the CLI's numbers; one trigger is sent", async () => {
  const url = `${env.standin.url}/demo/index.html?decisionTaskId=${NSS}`;
  const { page, problems } = await openPage(env.browser, url, { width: 1280, height: 720 });
  await page.locator('.push-jobs[data-state="ready"]').waitFor({ timeout: 30_000 });
  // Every NSS task reports to Treeherder; the grid shows all 666, some of them runnable.
  assert.equal(await page.locator(".push-jobs .job-btn").count(), 666);
  const runnable = await page.locator(".push-jobs .runnable-job-btn").count();
  assert.ok(runnable > 0 && runnable < 666, `runnable: ${runnable}`);
  assert.equal(await page.locator(".tgp-panel").getAttribute("data-status"), "idle");

  // A job whose dependencies all ran: created 1, the rest reused.
  const first = "test-tools-linux64/opt-make";
  await pick(page, first);
  const one = cliCounts(NSS, [first]);
  assert.deepEqual(await panelCounts(page, 1), { created: one.created, reused: one.reused, removed: one.removed, requested: 1 });
  assert.equal(one.created, 1);
  assert.match(await page.locator(".trigger-new-jobs").innerText(), /Trigger\s*1\s*New Job$/);

  // A linux32 job: nothing of linux32 ran in this push, so its build is created too.
  const second = "test-bogo-linux32/debug";
  await pick(page, second);
  const two = cliCounts(NSS, [first, second]);
  assert.deepEqual(await panelCounts(page, 2), { created: two.created, reused: two.reused, removed: two.removed, requested: 2 });
  assert.ok(two.created > 2, `created: ${two.created}`);
  assert.equal(await page.locator(".tgp-trigger").innerText(), `Trigger 2 jobs · ${two.created} tasks`);
  // The line a sheriff reads first, from the CLI's numbers.
  assert.match(
    await page.locator(".tgp-summary").innerText(),
    new RegExp(`^Your 2 jobs, plus ${two.created - 2} tasks? they need \\([^)]+\\)\\. ${two.reused} existing tasks are reused\\. Nothing is removed\\.$`),
  );
  assertRunsOn(await page.locator(".tgp-runs-on").innerText(), poolsOf(two.preview.iterations));
  // The picks come first, always open; the dependencies after them, by kind.
  assert.deepEqual(await page.locator(".tgp-picks [data-label]").evaluateAll((rows) => rows.map((r) => r.dataset.label).sort()), [first, second].sort());
  assert.match(await page.locator(".trigger-new-jobs").innerText(), /Trigger\s*2\s*New Jobs/);

  // The created build explains itself: the path from the picked job.
  const build = Object.keys(two.preview.iterations[0].created).find((l) => l.startsWith("build-linux32"));
  assert.ok(build, "a linux32 build is created");
  await page.locator(`.tgp-created [data-label="${build}"] button.tgp-label`).click();
  await page.screenshot({ path: new URL("../../target/screenshots/8-react-demo.png", import.meta.url).pathname });
  // The panel, previewed and with a why-path open, has no critical or serious axe violation
  // (WCAG 2.1 A/AA), and neither has the demo host around it.
  assert.deepEqual(await axeViolations(page, ".tgp-panel"), []);
  assert.deepEqual(await axeViolations(page), []);
  const path = await page.locator(`.tgp-created [data-label="${build}"] .tgp-why .tgp-why-label`).allInnerTexts();
  assert.deepEqual(path, two.preview.iterations[0].why[build]);
  // Reused tasks show their taskId and where they come from (this push merged no earlier action).
  const [reusedLabel, reuse] = Object.entries(two.preview.iterations[0].reused)[0];
  const reusedRow = page.locator(`.tgp-reused [data-label="${reusedLabel}"]`);
  assert.equal(await reusedRow.locator(".tgp-task-id").innerText(), reuse.taskId);
  assert.equal(await reusedRow.locator(".tgp-tag").innerText(), "decision task");

  // Unpicking the first leaves the second alone.
  await pick(page, first);
  const back = cliCounts(NSS, [second]);
  assert.deepEqual(await panelCounts(page, 1), { created: back.created, reused: back.reused, removed: back.removed, requested: 1 });

  // Trigger: the confirm dialog states the counts, the stand-in receives exactly one signed call.
  await page.locator(".tgp-trigger").click();
  assert.match(await page.locator(".trigger-dialog .confirm-text").innerText(), new RegExp(`create ${back.created} tasks`));
  await page.locator('.trigger-dialog button[type="submit"]').click();
  await page.locator(".notification-success").first().waitFor({ timeout: 20_000 });
  const calls = env.standin.calls();
  assert.equal(calls.length, 1);
  assert.equal(calls[0].call, "triggerHook");
  assert.equal(calls[0].clientId, "demo-sheriff");
  assert.deepEqual(calls[0].payload.user.input, { tasks: [second] });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the 50k-task push loads in the worker without long tasks on the page", async () => {
  let started;
  const { page } = await openPage(env.browser, `${env.standin.url}/demo/index.html?decisionTaskId=${GECKO}`, {
    width: 1280,
    height: 720,
    init: async (page) => {
      await watchLongTasks(page);
      started = Date.now();
    },
  });
  await page.locator('.push-jobs[data-state="ready"]').waitFor({ timeout: 50_000 });
  const elapsed = Date.now() - started;
  const longTasks = await page.evaluate(() => window.__longTasks);
  const rows = Number(await page.locator(".push-jobs").getAttribute("data-rows"));
  console.log(`50k push: grid of ${rows} rows shown after ${elapsed} ms; long tasks (ms): ${JSON.stringify(longTasks)}`);
  assert.ok(rows > 500, `rows: ${rows}`);
  assert.ok(Math.max(0, ...longTasks) <= 200, `long tasks over 200 ms: ${JSON.stringify(longTasks)}`);
  // The page still answers: a pick previews on the big push too.
  const label = await page.locator(".push-jobs .runnable-job-btn").first().getAttribute("data-label");
  await pick(page, label);
  const expected = cliCounts(GECKO, [label]);
  assert.deepEqual(await panelCounts(page, 1), { created: expected.created, reused: expected.reused, removed: expected.removed, requested: 1 });
  await page.close();
});
