// Actions other than Add New Jobs on the page, against the stand-in: an existing job's details
// panel offers the actions actions.json has for it; Retrigger (with downstream) previews every
// create_tasks call exactly like the CLI's `preview --action`, then triggers once; the push's
// Actions menu previews Rebuild Cached Tasks; Cancel sends nothing; Ctrl+click pins jobs and
// `r` retriggers them together (retrigger-multiple, as Treeherder's Retrigger does), and
// "Retrigger all failed test jobs" counts them first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, useToken, suite, cliPreview, openPage, assertRunsOn, poolsOf } from "./harness.mjs";

const NSS = "NssSampleDecision00001";
const JOB = "build-linux64/debug";

const env = suite();

/** The CLI's `preview --action` (`options`: cliPreview's) on the stand-in's push `decision`. */
const cliAction = (decision, options) => cliPreview({ rootUrl: env.standin.url, decision, ...options });

/** Created tasks over all calls (with copies) and reused in the first, as the page counts. */
function counts(preview) {
  const created = preview.calls.reduce((n, c) => n + Object.keys(c.created).length + Object.values(c.duplicates || {}).flat().length, 0);
  const reused = preview.calls.length ? Object.keys(preview.calls[0].reused).length : 0;
  return { created, reused, calls: preview.calls.length };
}

async function dialogCounts(page) {
  await page.waitForFunction(() => {
    const el = document.querySelector("#action-counts[data-created]");
    return el && !document.querySelector(".action-preview.busy");
  }, null, { timeout: 30000 });
  const el = page.locator("#action-counts");
  return {
    created: Number(await el.getAttribute("data-created")),
    reused: Number(await el.getAttribute("data-reused")),
    calls: Number(await el.getAttribute("data-calls")),
  };
}

test("retrigger with downstream from a job's details panel, previewed like the CLI, sent once", async () => {
  const { page, problems } = await openPage(env.browser, `${env.standin.url}/?decisionTaskId=${NSS}`);
  const job = page.locator(`.job-btn[data-label="${JOB}"]`).first();
  await job.waitFor({ timeout: 60000 });
  await job.click();
  await page.locator("#job-panel").waitFor();
  assert.equal(await page.locator("#job-panel").getAttribute("data-label"), JOB);
  // The task's tags (no retrigger tag on NSS builds) select "Retrigger (disabled)", with force:
  // the panel shows one Retrigger, and actions.json's entry is its "Options…".
  const retrigger = page.locator('#job-retrigger-options[data-action="retrigger"]');
  await retrigger.waitFor({ timeout: 30000 });
  assert.equal(await retrigger.textContent(), "Options…");
  assert.match(await retrigger.getAttribute("title"), /^Retrigger \(disabled\): /);
  assert.equal(await page.locator('#job-actions [data-action="retrigger"]').count(), 0);
  const words = await page.locator("#job-panel button").evaluateAll((els) => els.map((e) => e.textContent.trim()));
  assert.deepEqual(words.filter((w) => /Retrigger/.test(w)), ["Retrigger"]);
  // Actions that create nothing are named, not previewed.
  assert.ok(await page.locator('#job-actions .not-previewable[data-action="cancel"]').count());
  await retrigger.click();
  await page.locator("#action-dialog").waitFor();
  // Without force the action would fail: the dialog says so and cannot trigger.
  await page.locator("#action-error").waitFor();
  assert.match(await page.locator("#action-error").textContent(), /should not be retriggered/);
  assert.ok(await page.locator("#confirm-action").isDisabled());
  await page.check("#action-force");
  await page.check("#action-downstream");
  await page.fill("#action-times", "2");
  await page.locator("#action-times").dispatchEvent("change");
  const action = cliAction(NSS, { action: "retrigger", labels: [JOB], input: { times: 2, downstream: true, force: true } });
  const expected = counts(action);
  await page.waitForFunction((n) => Number(document.querySelector("#action-counts")?.getAttribute("data-calls")) === n, expected.calls, { timeout: 30000 });
  assert.deepEqual(await dialogCounts(page), expected);
  assert.ok(expected.created > 2, `downstream tasks are cloned too: ${JSON.stringify(expected)}`);
  assertRunsOn(await page.locator("#action-runs-on").textContent(), poolsOf(action.calls));
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "9-retrigger-downstream.png") });

  const before = env.standin.calls().length;
  await useToken(page);
  // A double click sends one request.
  await page.dblclick("#confirm-action");
  await page.locator(".status-action-triggered").waitFor({ timeout: 30000 });
  const calls = env.standin.calls().slice(before);
  assert.equal(calls.length, 1, JSON.stringify(calls));
  assert.equal(calls[0].call, "triggerHook");
  assert.equal(calls[0].payload.decision.action.cb_name, "retrigger-disabled");
  assert.deepEqual(calls[0].payload.user.input, { times: 2, downstream: true, force: true });
  assert.equal(typeof calls[0].payload.user.taskId, "string");
  assert.deepEqual(problems, []);
  await page.close();
});

test("rebuild cached tasks from the push's Actions menu; Cancel sends nothing", async () => {
  const { page } = await openPage(env.browser, `${env.standin.url}/?decisionTaskId=${NSS}`);
  await page.locator("#push-actions").waitFor({ timeout: 60000 });
  await page.click("#push-actions");
  const rebuild = page.locator('#group-actions .action-btn[data-action="rebuild-cached-tasks"]');
  await rebuild.waitFor({ timeout: 30000 });
  // Task actions are not offered for the push.
  assert.equal(await page.locator('#group-actions [data-action="retrigger"]').count(), 0);
  await rebuild.click();
  const expected = counts(cliAction(NSS, { action: "rebuild-cached-tasks" }));
  assert.deepEqual(await dialogCounts(page), expected);
  assert.equal(expected.calls, 1);
  const listed = await page.locator(".action-call li[data-label]").evaluateAll((els) => els.map((e) => e.getAttribute("data-label")));
  assert.ok(listed.length > 0 && listed.every((l) => l.startsWith("docker-image-")), listed.join());
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "10-rebuild-cached-tasks.png") });
  const before = env.standin.calls().length;
  await page.click("#cancel-action");
  assert.equal(await page.locator("#action-dialog").count(), 0);
  assert.equal(env.standin.calls().length, before, "Cancel sends nothing");
  await page.close();
});

test("pinned jobs retrigger together with r (retrigger-multiple), previewed like the CLI, sent once", async () => {
  const { page, problems } = await openPage(env.browser, `${env.standin.url}/?decisionTaskId=${NSS}`);
  // The graph's own grid (the early one is replaced as the graph lands).
  await page.locator("#push-actions").waitFor({ timeout: 60000 });
  await page.waitForFunction(() => !document.querySelector("#early-grid") && !document.querySelector(".loading"), null, { timeout: 60000 });
  await page.click("#expand-all");
  const FUZZ = "fuzz-linux64-asn1"; // attributes.retrigger: cloned; the build is rerun
  for (const label of [JOB, FUZZ]) {
    const job = page.locator(`.job-btn[data-label="${label}"]`).first();
    await job.waitFor({ timeout: 60000 });
    await job.click({ modifiers: ["Control"] });
  }
  await page.locator("#pinboard").waitFor();
  assert.equal(await page.locator("#pinned-count").textContent(), "2");
  assert.equal(await page.locator(`.job-btn.pinned[data-label="${FUZZ}"]`).count(), 1);
  await page.locator("#job-panel").waitFor();
  await page.locator("#job-panel").click(); // focus out of any input
  await page.keyboard.press("r");
  await page.locator('#action-dialog[data-action="retrigger-multiple"]').waitFor({ timeout: 30000 });
  assert.equal(await page.locator("#action-tasks li").count(), 2);
  const input = { requests: [{ tasks: [JOB, FUZZ].sort(), times: 1 }] };
  const cli = cliAction(NSS, { action: "retrigger-multiple", input });
  const expected = counts(cli);
  assert.deepEqual(await dialogCounts(page), expected);
  assert.ok(expected.created >= 1, JSON.stringify(expected));
  const reruns = Number(await page.locator("#action-counts").getAttribute("data-reruns"));
  assert.equal(reruns, cli.reruns.length);
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "11-retrigger-pinned.png") });

  const before = env.standin.calls().length;
  await useToken(page);
  await page.dblclick("#confirm-action");
  await page.locator(".status-action-triggered").waitFor({ timeout: 30000 });
  const calls = env.standin.calls().slice(before);
  assert.equal(calls.length, 1, JSON.stringify(calls));
  assert.equal(calls[0].payload.decision.action.cb_name, "retrigger-multiple");
  assert.deepEqual(calls[0].payload.user.input, input);

  // Clear pinboard; then the push menu's "Retrigger all failed test jobs (N)".
  await page.click("#clear-pinboard");
  assert.equal(await page.locator("#pinboard").count(), 0);
  await page.click("#push-actions");
  const failed = page.locator("#retrigger-failed");
  await failed.waitFor();
  const n = Number((await failed.textContent()).match(/\((\d+)\)/)[1]);
  assert.ok(n > 0, "the sample push has failed test jobs");
  await failed.click();
  await page.locator('#action-dialog[data-action="retrigger-multiple"]').waitFor({ timeout: 30000 });
  assert.equal(await page.locator("#action-tasks li").count(), n);
  await dialogCounts(page);
  const quiet = env.standin.calls().length;
  await page.click("#cancel-action");
  assert.equal(env.standin.calls().length, quiet);
  assert.deepEqual(problems, []);
  await page.close();
});

test("gecko's backfill-task from the push's Actions menu: its JSON input, previewed like the CLI", async () => {
  const GECKO = "GeckoSyntheticDecision";
  const { page, problems } = await openPage(env.browser, `${env.standin.url}/?decisionTaskId=${GECKO}`);
  await page.locator("#push-actions").waitFor({ timeout: 120000 });
  await page.click("#push-actions");
  // gecko's own task-group actions are offered; backfill (other pushes) is named, not previewed.
  for (const name of ["backfill-task", "add-all-browsertime", "run-missing-tests"]) {
    await page.locator(`#group-actions .action-btn[data-action="${name}"]`).waitFor({ timeout: 30000 });
  }
  await page.click('#group-actions .action-btn[data-action="backfill-task"]');
  await page.locator('#action-dialog[data-action="backfill-task"]').waitFor();
  // The defaults name no label: the callback's own error, before any trigger.
  await page.waitForFunction(() => /input.label/.test(document.querySelector("#action-error")?.textContent || ""), null, { timeout: 30000 });
  // Prefilled with the schema's defaults, as Treeherder's custom action dialog does.
  const prefilled = JSON.parse(await page.locator("#action-input").inputValue());
  assert.deepEqual(prefilled, { retrigger: true, test_manifests: [], times: 1 });
  // Not JSON: said so, nothing previewed.
  await page.fill("#action-input", "{label: nope");
  await page.locator("#action-input").dispatchEvent("change");
  await page.waitForFunction(() => /not JSON/.test(document.querySelector("#action-error")?.textContent || ""), null, { timeout: 30000 });
  // Refused by the schema (times is at most 10): said before any trigger.
  await page.fill("#action-input", JSON.stringify({ label: "x", times: 11 }));
  await page.locator("#action-input").dispatchEvent("change");
  await page.waitForFunction(() => /does not match its schema/.test(document.querySelector("#action-error")?.textContent || ""), null, { timeout: 30000 });
  const input = { label: "test-linux64/opt-mochitest-plain-3", revision: "0123456789abcdef", times: 2, retrigger: true,
                  test_manifests: ["dom/base/test/mochitest.toml"] };
  await page.fill("#action-input", JSON.stringify(input));
  await page.locator("#action-input").dispatchEvent("change");
  const expected = counts(cliAction(GECKO, { action: "backfill-task", input }));
  assert.deepEqual(await dialogCounts(page), expected);
  assert.equal(await page.locator('.action-call[data-suffix="0"]').count(), 1);
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "12-backfill-task.png") });
  const quiet = env.standin.calls().length;
  await page.click("#cancel-action");
  assert.equal(env.standin.calls().length, quiet);
  assert.deepEqual(problems, []);
  await page.close();
});

test("gecko's add-all-browsertime on the Firefox-shaped sample: firefox on 64-bit shippable platforms, previewed like the CLI", async () => {
  const GECKO = "GeckoSyntheticDecision";
  const { page, problems } = await openPage(env.browser, `${env.standin.url}/?decisionTaskId=${GECKO}`);
  await page.locator("#push-actions").waitFor({ timeout: 120000 });
  await page.click("#push-actions");
  const button = page.locator('#group-actions .action-btn[data-action="add-all-browsertime"]');
  await button.waitFor({ timeout: 30000 });
  await button.click();
  const cli = cliAction(GECKO, { action: "add-all-browsertime" });
  assert.deepEqual(await dialogCounts(page), counts(cli));
  // gecko's filter_raptor_jobs: no Android, no macOS 15, only shippable, firefox on 64-bit.
  const requested = cli.calls[0].requested;
  assert.ok(requested.length > 20, `a realistic selection: ${requested.length}`);
  assert.ok(requested.every((l) => /shippable-browsertime/.test(l) && !/android|macosx1500|windows11-32/.test(l)), requested.join());
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "19-add-all-browsertime.png") });
  await page.click("#cancel-action");
  assert.deepEqual(problems, []);
  await page.close();
});
