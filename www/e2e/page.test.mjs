// The page (yew, dist/) in headless Chromium against the stand-in: loading with progress, the
// grid, picking, [All], search, the preview against the CLI, the graph view, triggering, an
// injected failure, and a responsive main thread while a 50,000-task push loads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ROOT, SAMPLE_DIR, startStandin, watchLongTasks, useToken, waitForPreview, suite, cliPreview, openPage, readCounts,
  assertRunsOn, poolsOf,
} from "./harness.mjs";

const NSS = "NssSampleDecision00001";
const PICK = "test-bogo-linux32/debug";

const env = suite();

/** The page at `query`, recording whether a progress bar was ever shown while loading. */
function open(query = "") {
  return openPage(env.browser, `${env.standin.url}/${query}`, {
    init: (page) =>
      page.addInitScript(() => {
        window.__progress = [];
        new MutationObserver(() => {
          const bar = document.getElementById("load-progress");
          if (bar) window.__progress.push([Number(bar.getAttribute("data-loaded") || 0), Number(bar.getAttribute("data-total") || 0)]);
        }).observe(document, { subtree: true, childList: true, attributes: true });
      }),
  });
}

test("the sample push loads with a progress bar and renders a Treeherder-like grid", async () => {
  const { page, problems } = await open();
  await page.waitForSelector(".platform-row", { timeout: 30000 });
  assert.ok((await page.evaluate(() => window.__progress.length)) > 0, "a progress bar was shown");
  assert.equal(await page.inputValue("#decision-task-id"), NSS);
  const rows = await page.locator(".platform-row").count();
  assert.ok(rows >= 10, `${rows} platform rows`);
  // Existing jobs carry their label and state; runnable ones appear in "Add new jobs" mode.
  const existing = page.locator('[data-label="build-linux64/debug"]');
  assert.equal(
    await existing.getAttribute("title"),
    `build-linux64/debug - ${await existing.getAttribute("data-state")} (click for details and actions, Ctrl+click to pin)`,
  );
  assert.equal(await page.locator('.job-btn[data-state="runnable"]').count(), 0);
  await page.click("#add-new-jobs");
  await page.click("#expand-all");
  const runnable = page.locator(`[data-label="${PICK}"]`);
  assert.equal(await runnable.getAttribute("data-state"), "runnable");
  assert.equal(await runnable.getAttribute("title"), `${PICK} - runnable (click to add)`);
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "1-grid-add-new-jobs.png") });
  assert.deepEqual(problems, []);
  await page.close();
});

test("picking one test shows the CLI's counts, the why path and the graph", async () => {
  const { page } = await open("?runnable=1");
  await page.waitForSelector(".platform-row", { timeout: 30000 });
  await page.click("#expand-all");
  await page.click(`[data-label="${PICK}"]`);
  await waitForPreview(page, 1);
  const previewed = cliPreview({ rootUrl: env.standin.url, decision: NSS, labels: [PICK] });
  const expected = previewed.iterations[0];
  assert.deepEqual(await readCounts(page), {
    created: Object.keys(expected.created).length,
    reused: Object.keys(expected.reused).length,
    removed: Object.keys(expected.removed).length,
  });
  assert.equal(await page.locator("#selected-count").textContent(), "1");
  // The line a sheriff reads first, with the CLI's numbers (the page and the React panel
  // show the same words, from the worker).
  const needed = Object.keys(expected.created).length - 1;
  assert.match(
    await page.locator("#preview-summary").textContent(),
    new RegExp(`^Your 1 job, plus ${needed} tasks? it needs \\([^)]+\\)\\. ${Object.keys(expected.reused).length} existing tasks are reused\\. Nothing is removed\\.$`),
  );
  // Where the created tasks will wait for workers, from the CLI's worker pools.
  assertRunsOn(await page.locator("#preview-runs-on").textContent(), poolsOf(previewed.iterations));
  assert.ok(page.url().includes(`select=${encodeURIComponent(PICK).replace(/%2F/g, "/")}`), page.url());
  // Every created task is listed, grouped by kind; the build is there because of the test.
  for (const label of Object.keys(expected.created)) {
    assert.equal(await page.locator(`.created-list [data-label="${label}"]`).count(), 1, label);
  }
  await page.click('.created-list [data-label="build-linux32/debug"]');
  assert.equal(await page.locator("#why").textContent(), `Why build-linux32/debug? ${expected.why["build-linux32/debug"].join(" → ")}`);
  // The graph view draws the closure, coloured by decision.
  await page.waitForSelector("#graph-svg");
  const nodes = Number(await page.locator("#graph-svg").getAttribute("data-nodes"));
  assert.equal(nodes, Object.keys(expected.created).length + Object.keys(expected.reused).length);
  assert.equal(await page.locator(`#graph-svg .decision-requested[data-label="${PICK}"]`).count(), 1);
  assert.equal(await page.locator('#graph-svg .decision-created[data-label="build-linux32/debug"]').count(), 1);
  for (const label of Object.keys(expected.reused)) {
    assert.equal(await page.locator(`#graph-svg .decision-reused[data-label="${label}"]`).count(), 1, label);
  }
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "2-preview-and-graph.png"), fullPage: false });
  // The graph opens over the whole page and Esc closes it.
  await page.click("#graph-wide");
  await page.waitForSelector(".graph-modal #graph-svg");
  await page.keyboard.press("Escape");
  await page.waitForSelector(".graph-modal", { state: "detached" });
  // A reload of the URL reproduces the selection and its preview.
  await page.reload();
  await waitForPreview(page, 1);
  assert.equal((await readCounts(page)).created, Object.keys(expected.created).length);
  await page.close();
});

test("[All] and the fzf-style search pick the expected labels", async () => {
  const { page } = await open("?runnable=1");
  await page.waitForSelector(".platform-row", { timeout: 30000 });
  // Linux (linux32) opt's SSL group: expand it, then [All].
  const row = page.locator('.platform-row[data-platform="linux32"][data-option="opt"]');
  const group = row.locator('.job-group[data-group="SSL"]');
  await group.locator(".group-symbol").click();
  const expected = await group.locator('.job-btn[data-state="runnable"]').evaluateAll((els) => els.map((e) => e.dataset.label).sort());
  assert.ok(expected.length >= 2, `${expected.length} runnable SSL jobs`);
  await group.locator(".select-all").click();
  await waitForPreview(page, expected.length);
  const selected = await page.locator(".job-btn.selected").evaluateAll((els) => els.map((e) => e.dataset.label).sort());
  assert.deepEqual(selected, expected);
  // [All] again deselects them.
  await group.locator(".select-all").click();
  await page.waitForSelector("#selected-count", { state: "detached" });

  // Search: the linux32 cipher tests, no debug ones.
  await page.keyboard.press("/");
  await page.fill("#search-input", "^test-cipher 'linux32 !debug");
  const count = Number(await page.locator("#search-count").getAttribute("data-count"));
  const hits = await page.locator(".search-hits li[data-label]").evaluateAll((els) => els.map((e) => e.dataset.label).sort());
  assert.equal(hits.length, count);
  assert.ok(count >= 5, `${count} hits`);
  for (const label of hits) {
    assert.ok(label.startsWith("test-cipher") && label.includes("linux32") && !label.includes("debug"), label);
  }
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "3-search.png") });
  await page.click("#search-select");
  await waitForPreview(page, count);
  const picked = await page.locator(".job-btn.selected").evaluateAll((els) => els.map((e) => e.dataset.label).sort());
  assert.deepEqual(picked, hits);
  const expectedCounts = cliPreview({ rootUrl: env.standin.url, decision: NSS, labels: hits }).iterations[0];
  assert.equal((await readCounts(page)).created, Object.keys(expectedCounts.created).length);
  await page.close();
});

test("triggering records exactly the expected hook call and follows the action task", async () => {
  // The action task the stand-in's hook will "create", already finished with what the CLI
  // previews (the page's preview must match it).
  const action = "PageActionTask00000001";
  const preview = cliPreview({ rootUrl: env.standin.url, decision: NSS, labels: [PICK] }).iterations[0];
  writeFileSync(join(SAMPLE_DIR, "next-action-task-id"), action);
  mkdirSync(join(SAMPLE_DIR, "tasks", action, "artifacts", "public"), { recursive: true });
  writeFileSync(join(SAMPLE_DIR, "tasks", action, "status.json"), JSON.stringify({ state: "completed", runs: [{ runId: 0, state: "completed" }] }));
  writeFileSync(join(SAMPLE_DIR, "tasks", action, "artifacts", "public", "label-to-taskid.json"), JSON.stringify(preview.labelToTaskId));
  // The tasks it created, as the queue holds them: the CLI's definitions, naming the real
  // action task where the CLI's preview has its placeholder.
  for (const id of Object.values(preview.created)) {
    mkdirSync(join(SAMPLE_DIR, "tasks", id), { recursive: true });
    const definition = JSON.stringify(preview.tasks[id]).replaceAll("ActionTaskId0000000000A", action);
    writeFileSync(join(SAMPLE_DIR, "tasks", id, "task.json"), definition);
  }

  const before = env.standin.calls().length;
  const { page } = await open(`?select=${encodeURIComponent(PICK)}`);
  await waitForPreview(page, 1);
  await page.click("#trigger-button");
  await page.waitForSelector("#trigger-request", { state: "attached" });
  assert.equal(
    await page.locator("#action-counts").textContent(),
    `This will create ${Object.keys(preview.created).length} tasks, reuse ${Object.keys(preview.reused).length} and remove 0.`,
  );
  // One confirm naming both numbers, disabled and saying why until there are credentials; the
  // picks apart from what they need, and what is reused.
  const created = Object.keys(preview.created).length;
  const confirm = `Trigger 1 job · ${created} task${created === 1 ? "" : "s"}`;
  assert.equal(await page.locator("#action-dialog-title").textContent(), confirm);
  assert.equal((await page.locator("#trigger-button").innerText()).replace(/\s+/g, " "), confirm);
  assert.ok(await page.locator("#confirm-action").isDisabled());
  assert.match(await page.locator("#confirm-action-reason").textContent(), /^Sign in with Taskcluster, or enter/);
  assert.deepEqual(await page.locator("#confirm-picks li").evaluateAll((l) => l.map((e) => e.dataset.label)), [PICK]);
  assert.deepEqual(
    (await page.locator("#confirm-needed li").evaluateAll((l) => l.map((e) => e.dataset.label))).sort(),
    Object.keys(preview.created).filter((l) => l !== PICK).sort(),
  );
  assert.equal(await page.locator("#confirm-reused li").count(), Object.keys(preview.reused).length);
  await useToken(page);
  assert.ok(await page.locator("#confirm-action").isEnabled());
  assert.equal(await page.locator("#confirm-action").textContent(), confirm);
  assert.equal(await page.locator("#confirm-action-reason").count(), 0);
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "4-trigger-dialog.png") });
  // A double click sends one request.
  await page.dblclick("#confirm-action");
  await page.waitForSelector(".status-matched", { timeout: 30000 });
  assert.match(
    await page.locator("#status-line").textContent(),
    new RegExp(`Preview matched: action task PageActionTask00000001 \\(completed\\) .*\\(${Object.keys(preview.created).length} task definitions? compared field by field\\)`),
  );
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "5-preview-matched.png") });
  const calls = env.standin.calls().slice(before);
  assert.equal(calls.length, 1, "exactly one call");
  assert.equal(calls[0].call, "triggerHook");
  assert.equal(calls[0].clientId, "demo-sheriff");
  assert.equal(calls[0].hookGroupId, "project-nss");
  assert.equal(calls[0].hookId, "in-tree-action-3-generic/0123456789");
  assert.deepEqual(calls[0].payload.user, { input: { tasks: [PICK] }, taskId: null, taskGroupId: NSS });
  assert.equal(calls[0].payload.decision.action.taskGroupId, NSS);
  // Credentials stay out of the URL.
  assert.ok(!page.url().includes("demo-access-token"));
  await page.close();
  // The shared sample push stays as it was for the other tests.
  for (const id of Object.values(preview.created)) rmSync(join(SAMPLE_DIR, "tasks", id), { recursive: true });
});

test("an injected 500 on the trigger shows a clear error and sends nothing twice", async () => {
  const failing = await startStandin({ faults: ["--fail-matching", "/hooks/"] });
  try {
    const { page } = await openPage(env.browser, `${failing.url}/?select=${encodeURIComponent(PICK)}`);
    await waitForPreview(page, 1);
    await page.click("#trigger-button");
    await page.waitForSelector("#trigger-request", { state: "attached" });
    await useToken(page);
    await page.click("#confirm-action");
    // Said in the dialog, which stays open to try again.
    const banner = page.locator("#action-dialog #action-error", { hasText: "The trigger failed" });
    await banner.waitFor({ timeout: 30000 });
    const text = await banner.textContent();
    assert.match(text, /answered 500/);
    assert.match(text, /\/api\/hooks\/v1\/hooks\//);
    assert.match(text, /Nothing was created; you can try again\./);
    await page.screenshot({ path: join(ROOT, "target", "screenshots", "6-trigger-error.png") });
    await page.waitForTimeout(500);
    assert.equal(await banner.count(), 1);
    assert.ok(await page.locator("#confirm-action").isEnabled(), "the sheriff can try again");
    await page.click("#cancel-action");
    assert.equal(await page.locator("#action-dialog").count(), 0);
    await page.close();
  } finally {
    failing.stop();
  }
});

test("a push whose graph cannot be downloaded says which URL failed", async () => {
  const failing = await startStandin({ faults: ["--fail-matching", "full-task-graph"] });
  try {
    const { page } = await openPage(env.browser, `${failing.url}/`, { width: 1280, height: 720 });
    const banner = page.locator(".error-banner", { hasText: "Could not load the push" });
    await banner.waitFor({ timeout: 30000 });
    assert.match(await banner.textContent(), /full-task-graph\.json answered 500/);
    await page.close();
  } finally {
    failing.stop();
  }
});

test("the main thread stays free while a 50,000-task push loads", async () => {
  const { page } = await openPage(env.browser, `${env.standin.url}/?decisionTaskId=GeckoSyntheticDecision`, {
    init: async (page) => {
      await watchLongTasks(page);
      await page.addInitScript(() => {
        window.__progress = [];
        new MutationObserver(() => {
          const bar = document.getElementById("load-progress");
          if (bar && bar.getAttribute("data-loaded")) window.__progress.push([Number(bar.getAttribute("data-loaded")), Number(bar.getAttribute("data-total") || 0)]);
        }).observe(document, { subtree: true, childList: true, attributes: true });
      });
    },
  });
  await page.waitForSelector(".platform-row", { timeout: 120000 });
  const longTasks = await page.evaluate(() => window.__longTasks);
  const progress = await page.evaluate(() => window.__progress);
  // The graph comes gzip-encoded, as from Taskcluster's storage: its size is not known ahead,
  // so the bar shows the bytes so far (no end), growing past 10 MB on the way.
  const graph = progress.filter(([, total]) => total === 0).map(([loaded]) => loaded);
  assert.ok(graph.some((loaded) => loaded > 10_000_000) && graph.some((loaded) => loaded < 10_000_000),
    `progress: ${JSON.stringify(progress.slice(0, 8))}`);
  assert.ok(Math.max(0, ...longTasks) <= 200, `long tasks: ${longTasks}`);
  // Picking a job on the big push previews it too.
  await page.click("#add-new-jobs");
  const first = page.locator('.job-btn[data-state="runnable"]').first();
  await first.click();
  await waitForPreview(page, 1);
  assert.ok((await readCounts(page)).created >= 1);
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "7-gecko-50k.png") });
  await page.close();
});

test("the preview and the trigger request export as JSON files", async () => {
  const { page } = await open(`?select=${encodeURIComponent(PICK)}`);
  await waitForPreview(page, 1);
  const read = async (button) => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
    const path = await download.path();
    return { name: download.suggestedFilename(), json: JSON.parse(readFileSync(path, "utf8")) };
  };
  const exported = await read("#export-preview");
  assert.equal(exported.name, "preview.json");
  const expected = cliPreview({ rootUrl: env.standin.url, decision: NSS, labels: [PICK] }).iterations[0];
  const [it] = exported.json.iterations;
  assert.deepEqual(Object.keys(it.created).sort(), Object.keys(expected.created).sort());
  assert.deepEqual(it.reused, expected.reused);
  // The CLI's --json shape, definitions included.
  assert.equal(Object.keys(it.tasks).length, Object.keys(it.created).length);
  assert.equal(it.tasks[it.created[PICK]].metadata.name, PICK);
  const request = await read("#export-request");
  assert.equal(request.name, "trigger-request.json");
  assert.equal(request.json.method, "POST");
  assert.ok(request.json.url.startsWith(`${env.standin.url}/api/hooks/v1/hooks/project-nss/`), request.json.url);
  assert.deepEqual(request.json.body.user.input, { tasks: [PICK] });
  await page.close();
});

test("the quick filter, tiers and keyboard shortcuts narrow the grid", async () => {
  const { page } = await open();
  await page.waitForSelector(".platform-row", { timeout: 30000 });
  // `a` switches "Add new jobs" on (it is off by default, as in Treeherder).
  assert.equal(await page.locator('.job-btn[data-state="runnable"]').count(), 0);
  await page.keyboard.press("a");
  await page.waitForSelector('.job-btn[data-state="runnable"]');
  assert.ok(page.url().includes("runnable=1"));
  // `f` focuses the filter; words are ANDed over platform, option, group, label and symbol.
  await page.keyboard.press("f");
  await page.keyboard.type("bogo linux32");
  await page.waitForFunction(() => document.querySelectorAll(".platform-row").length > 0 && [...document.querySelectorAll(".job-btn")].every((b) => b.dataset.label.includes("bogo")));
  const labels = await page.locator(".job-btn").evaluateAll((els) => els.map((e) => e.dataset.label));
  assert.ok(labels.length >= 3, labels.join(" "));
  for (const label of labels) assert.ok(label.includes("bogo") && label.includes("linux32"), label);
  // Tier 1 off: NSS's jobs are all tier 1, so nothing is left (at least one tier stays on).
  await page.click('.tier[data-tier="1"]');
  await page.waitForSelector(".grid.empty");
  await page.click('.tier[data-tier="2"]');
  assert.deepEqual(await page.locator(".tier.on").evaluateAll((els) => els.map((e) => e.dataset.tier)), ["2"], "the last tier cannot be switched off");
  await page.close();
});
