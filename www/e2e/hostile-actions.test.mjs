// Issue 24, in the browser: a push whose actions.json holds hostile JSON-e. add-new-jobs'
// hookPayload evaluates `t[[[[[[[[[[[[[[[[askGroupId` (16 unclosed brackets: json-e 4.8.4 took
// 32 s to parse it, and would have held the worker for as long) and cancel-all's needs a
// range of 10^11 numbers. The page stays usable: the pick is previewed like the CLI's, the
// preview says why these jobs cannot be triggered and the Trigger button is disabled with
// that reason; the push's Actions menu shows cancel-all as unavailable with its reason and
// still offers the sound actions. The React panel (the demo host) disables its Trigger and
// says why.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ROOT, SAMPLE_DIR, startStandin, watchLongTasks, suite, cliPreview, openPage, readCounts } from "./harness.mjs";

const NSS = "NssSampleDecision00001";
const PICK = "test-bogo-linux32/debug";
const BRACKETS = `t${"[".repeat(16)}askGroupId`;

let dir;

const env = suite(async () => {
  // The sample pushes, laid out once, copied so that this push's actions.json can be changed.
  (await startStandin()).stop();
  dir = mkdtempSync(join(tmpdir(), "tgp-hostile-actions-"));
  cpSync(SAMPLE_DIR, dir, { recursive: true });
  const path = join(dir, "tasks", NSS, "artifacts", "public", "actions.json");
  const actions = JSON.parse(readFileSync(path, "utf8"));
  for (const action of actions.actions) {
    if (action.name === "add-new-jobs") action.hookPayload = { $let: { tid: { $eval: BRACKETS } }, in: action.hookPayload };
    if (action.name === "cancel-all") action.hookPayload = { $let: { n: { $eval: "len(range(0, 100000000000))" } }, in: action.hookPayload };
  }
  writeFileSync(path, JSON.stringify(actions));
  return { dir, sample: false };
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("hostile JSON-e in actions.json: the page previews add-new-jobs, says why it cannot trigger, and marks the refused action unavailable", async () => {
  const { page, problems } = await openPage(env.browser, `${env.standin.url}/?decisionTaskId=${NSS}&runnable=1`, { init: watchLongTasks });
  await page.waitForSelector(".platform-row", { timeout: 60000 });
  await page.click("#expand-all");
  await page.click(`[data-label="${PICK}"]`);
  const counts = await readCounts(page);
  // The preview is the CLI's (which does not render actions.json to preview).
  const cli = cliPreview({ rootUrl: env.standin.url, decision: NSS, labels: [PICK] });
  assert.equal(counts.created, Object.keys(cli.iterations[0].created).length);
  assert.equal(counts.reused, Object.keys(cli.iterations[0].reused).length);
  // Why these jobs cannot be triggered, in the preview and on the disabled Trigger button.
  const reason = `action "add-new-jobs" cannot be triggered: its hookPayload is not valid JSON-e: Unexpected trailing characters ${"[".repeat(16)}askGroupId; these jobs cannot be triggered from this push`;
  assert.equal(await page.locator('#warnings .warning[data-kind="action-unavailable"]').textContent(), reason);
  const trigger = page.locator("#trigger-button");
  assert.ok(await trigger.isDisabled());
  assert.equal(await trigger.getAttribute("title"), reason);
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "16-hostile-actions-preview.png") });

  // The push's Actions menu: cancel-all is unavailable with its reason; the others are offered.
  await page.click("#push-actions");
  const cancelAll = page.locator('#group-actions .unavailable[data-action="cancel-all"]');
  await cancelAll.waitFor({ timeout: 30000 });
  assert.equal(
    await cancelAll.locator(".why").textContent(),
    ' unavailable: action "cancel-all" is refused: its hookPayload goes beyond what JSON-e may do here: the render needs more than its 1000000 units of work',
  );
  assert.ok(await cancelAll.locator("button").isDisabled());
  assert.equal(await page.locator('#group-actions .action-btn[data-action="rebuild-cached-tasks"]').count(), 1);
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "17-hostile-actions-menu.png") });

  const longest = Math.max(0, ...(await page.evaluate(() => window.__longTasks)));
  console.log(`hostile actions.json: longest main-thread task ${longest} ms`);
  assert.equal(env.standin.calls().length, 0, "nothing was sent");
  assert.deepEqual(problems, []);
  await page.close();
});

test("hostile JSON-e in actions.json: the React panel previews, disables its Trigger and says why", async () => {
  const url = `${env.standin.url}/demo/index.html?decisionTaskId=${NSS}`;
  const { page, problems } = await openPage(env.browser, url, { width: 1280, height: 720 });
  await page.locator('.push-jobs[data-state="ready"]').waitFor({ timeout: 30000 });
  await page.locator(`.push-jobs [data-label="${PICK}"]`).click();
  const counts = page.locator('.tgp-panel[data-status="ready"] .tgp-counts[data-requested="1"]');
  await counts.waitFor({ timeout: 20000 });
  assert.equal(Number(await counts.getAttribute("data-created")), 2);
  const trigger = page.locator(".tgp-trigger");
  assert.ok(await trigger.isDisabled());
  assert.equal(await trigger.getAttribute("aria-describedby"), "tgp-refused");
  assert.equal(
    await page.locator("#tgp-refused").textContent(),
    `Cannot trigger: action "add-new-jobs" cannot be triggered: its hookPayload is not valid JSON-e: Unexpected trailing characters ${"[".repeat(16)}askGroupId; these jobs cannot be triggered from this push`,
  );
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "18-hostile-actions-react.png") });
  assert.equal(env.standin.calls().length, 0, "nothing was sent");
  assert.deepEqual(problems, []);
  await page.close();
});
