// The grid before the graph: while full-task-graph.json is still downloading (here over a slow
// link: `standin --rate 20000 --rate-only full-task-graph`), the page shows the jobs from the
// decision's runnable-jobs.json and the task group, keeps a pick made meanwhile, says what it
// waits for ("waiting for the task graph: 37%"), and previews the pick once the graph lands,
// exactly as the CLI does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startStandin, suite, cliPreview, openPage, readCounts } from "./harness.mjs";
import { createPreviewer } from "../src/index.js";

const NSS = "NssSampleDecision00001";
const PICK = "test-bogo-linux32/debug";

// The NSS graph (64 kB) takes about 3 s; everything else arrives at once.
const env = suite({ faults: ["--rate", "20000", "--rate-only", "full-task-graph"] });

test("a pick made before the graph has arrived is previewed once it lands", async () => {
  const { page, problems } = await openPage(env.browser, `${env.standin.url}/?decisionTaskId=${NSS}&runnable=1`, {
    init: (page) =>
      page.addInitScript(() => {
        window.__waiting = [];
        window.__loading = [];
        new MutationObserver(() => {
          const waiting = document.getElementById("preview-waiting");
          if (waiting) window.__waiting.push(waiting.textContent);
          const text = document.querySelector(".loading-text");
          if (text) window.__loading.push(text.textContent);
        }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
      }),
  });
  // The early grid: jobs on screen while the graph downloads.
  await page.locator("#early-grid").waitFor({ timeout: 30000 });
  const job = page.locator(`.job-btn[data-label="${PICK}"]`).first();
  assert.equal(await job.getAttribute("data-state"), "runnable");
  // Existing jobs get their task group state as the listing comes in.
  await page.locator('.job-btn[data-state="success"]').first().waitFor({ timeout: 30000 });
  assert.equal(await page.locator("#preview-counts").count(), 0, "no preview before the graph");
  await job.click();
  await page.locator("#preview-waiting").waitFor();
  assert.match(await page.locator("#preview-waiting").textContent(), /^1 picked; waiting for the task graph/);
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "13-early-grid.png") });
  // The graph lands: the pick is kept and previewed like the CLI's.
  await page.locator("#preview-counts").waitFor({ timeout: 60000 });
  assert.equal(await page.locator("#early-grid").count(), 0);
  const counts = await readCounts(page);
  const expected = cliPreview({ rootUrl: env.standin.url, decision: NSS, labels: [PICK] }).iterations[0];
  assert.equal(counts.created, Object.keys(expected.created).length);
  assert.equal(counts.reused, Object.keys(expected.reused).length);
  assert.equal(await page.locator("#selected-count").textContent(), "1");
  // The progress messages: the graph's download in percent, while the pick waited.
  const waiting = await page.evaluate(() => window.__waiting);
  assert.ok(waiting.some((t) => /waiting for the task graph: \d+%/.test(t)), JSON.stringify(waiting));
  const loading = await page.evaluate(() => window.__loading);
  // In words, not URLs: "loading the task graph: 37 % of 22.0 MB" (or "3.1 MB so far" when
  // the download's size is unknown).
  assert.ok(loading.some((t) => /^loading the task graph: (\d+ % of [\d.]+ MB|[\d.]+ MB so far)$/.test(t)), JSON.stringify(loading.slice(0, 20)));
  assert.ok(!loading.some((t) => /https?:|continuationToken/.test(t)), JSON.stringify(loading));
  assert.deepEqual(problems, []);
  await page.close();
});

test("the JS API: onJobs and runnableJobs() come before load resolves, with the graph's jobs", async () => {
  const previewer = createPreviewer({ inline: true, wasm: readFileSync(join(ROOT, "www", "pkg", "engine_bg.wasm")) });
  const events = [];
  const loading = previewer.load(
    { rootUrl: env.standin.url, decisionTaskId: NSS },
    {
      onJobs: (jobs, listing) => events.push(["jobs", jobs.length, listing.done]),
      onProgress: (p) => {
        const done = String(p.step).includes("full-task-graph") && p.loaded === p.total && p.total > 0;
        if (done && !events.some((e) => e[0] === "graph")) events.push(["graph", p.total]);
      },
    },
  );
  const early = await previewer.runnableJobs();
  events.push(["runnableJobs", early.length]);
  await loading;
  events.push(["loaded"]);
  const full = await previewer.runnableJobs();
  // The early grid arrived while the graph was still downloading (again as the task group
  // listing filled in states), and has the graph's jobs.
  const order = events.map((e) => e[0]).filter((e, i, all) => e !== "jobs" || all[i - 1] !== "jobs");
  assert.deepEqual(order, ["jobs", "runnableJobs", "graph", "loaded"], JSON.stringify(events));
  assert.equal(events.filter((e) => e[0] === "jobs").at(-1)[2], true, "the last onJobs has the whole listing");
  assert.equal(early.length, full.length);
  assert.deepEqual(early.map((j) => j.label), full.map((j) => j.label));
  const state = Object.fromEntries(full.map((j) => [j.label, j.state]));
  assert.ok(early.every((j) => j.state === state[j.label]), "the task group gives the same states");
  previewer.dispose();
});

test("a slow task group listing: the grid shows at once and each page of the listing fills in states", async () => {
  // The listing in pages of 40 tasks, each slow; the rest (the graph too) arrives at once.
  const slow = await startStandin({ faults: ["--group-page", "40", "--rate", "4000", "--rate-only", "task-group"] });
  try {
    const { page, problems } = await openPage(env.browser, `${slow.url}/?decisionTaskId=${NSS}&runnable=1`);
    await page.locator("#early-listing").waitFor({ timeout: 30000 });
    const firstListed = Number(await page.locator("#early-listing").getAttribute("data-listed"));
    assert.match(await page.locator("#early-listing").textContent(), /checking which jobs already ran: \d+ tasks of the group listed so far/);
    const runnableBefore = await page.locator('.job-btn[data-state="runnable"]').count();
    // The navbar's count says it is provisional while the group is being listed.
    assert.equal(await page.locator("#job-counts").getAttribute("data-provisional"), "true");
    assert.match(await page.locator("#job-counts").textContent(), /^\d+ jobs · at most \d+ runnable \(checking which already ran…\)$/);
    // The push is ready before its group is listed: a pick is previewed at once.
    await page.locator(`.job-btn[data-label="${PICK}"]`).first().click();
    await page.locator("#preview-counts").waitFor({ timeout: 30000 });
    assert.equal(await page.locator("#early-listing").count(), 1, "previewed while the listing goes on");
    // The graph is in: no word of a preview that would follow it.
    assert.equal(await page.locator("#early-grid").count(), 0);
    const expected = cliPreview({ rootUrl: slow.url, decision: NSS, labels: [PICK] }).iterations[0];
    assert.equal((await readCounts(page)).created, Object.keys(expected.created).length);
    await page.screenshot({ path: join(ROOT, "target", "screenshots", "13b-early-listing.png") });
    // More pages come in: fewer jobs stay runnable, until the graph's grid takes over.
    await page.waitForFunction(
      (n) => {
        const el = document.getElementById("early-listing");
        return !el || Number(el.dataset.listed) > n;
      },
      firstListed,
      { timeout: 30000 },
    );
    // The whole group listed: the counts are final.
    await page.locator("#early-listing").waitFor({ state: "detached", timeout: 60000 });
    await page.waitForFunction(() => document.querySelector("#job-counts")?.dataset.provisional === "false", null, { timeout: 60000 });
    const runnableAfter = await page.locator('.job-btn[data-state="runnable"]').count();
    assert.equal(await page.locator("#job-counts").getAttribute("data-provisional"), "false");
    assert.match(await page.locator("#job-counts").textContent(), /^\d+ jobs · \d+ runnable$/);
    assert.ok(runnableAfter < runnableBefore, `${runnableAfter} runnable jobs after the listing, ${runnableBefore} before`);

    // Another push loaded while the first is still being listed: only the second one shows,
    // none of the first one's late news.
    await page.goto(`${slow.url}/?decisionTaskId=${NSS}&runnable=1`);
    await page.locator("#early-listing").waitFor({ timeout: 30000 });
    // The first push is ready (its title shows) and its group still being listed; on a busy
    // machine the title comes after the early grid, so wait for it before watching.
    await page.locator(`.push-title a[href$="/tasks/${NSS}"]`).waitFor({ timeout: 60000 });
    assert.equal(await page.locator("#early-listing").count(), 1, "the first push is still being listed");
    await page.fill("#decision-task-id", "AppServicesDecision001");
    // From now on, the first push must never show again (its listing's end comes later).
    await page.evaluate((nss) => {
      window.__sawFirst = false;
      let gone = false;
      new MutationObserver(() => {
        const shown = !!document.querySelector(`.push-title a[href$="/tasks/${nss}"]`);
        if (!shown) gone = true;
        else if (gone) window.__sawFirst = true;
      }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    }, NSS);
    await page.click("#load-button");
    await page.locator(`.push-title a[href$="/tasks/AppServicesDecision001"]`).waitFor({ timeout: 60000 });
    await page.waitForFunction(() => !document.querySelector(".loading"), null, { timeout: 60000 });
    await page.waitForTimeout(1000);
    assert.equal(await page.evaluate(() => window.__sawFirst), false, "the first push's news was dropped");
    assert.equal(await page.locator(`.job-btn[data-label="${PICK}"]`).count(), 0, "no NSS job on the grid");
    // The grid is the one a fresh load of that push shows.
    const { page: fresh } = await openPage(env.browser, `${slow.url}/?decisionTaskId=AppServicesDecision001&runnable=1`);
    await fresh.locator(`.push-title a[href$="/tasks/AppServicesDecision001"]`).waitFor({ timeout: 60000 });
    await fresh.waitForFunction(() => !document.querySelector(".loading"), null, { timeout: 60000 });
    const jobs = (p) => p.locator(".job-btn").evaluateAll((els) => els.map((e) => `${e.dataset.label} ${e.dataset.state}`).sort());
    assert.deepEqual(await jobs(page), await jobs(fresh));
    assert.equal(await page.locator(".push-project").textContent(), await fresh.locator(".push-project").textContent());
    await fresh.close();
    assert.deepEqual(problems, []);
    await page.close();

    // The JS API: onJobs again for each page of the listing, the last one with the listing done.
    const previewer = createPreviewer({ inline: true, wasm: readFileSync(join(ROOT, "www", "pkg", "engine_bg.wasm")) });
    const calls = [];
    let loaded = false;
    let previewedEarly = null;
    await previewer.load(
      { rootUrl: slow.url, decisionTaskId: NSS },
      {
        onJobs: (jobs, listing) => calls.push({ ...listing, runnable: jobs.filter((j) => j.state === "runnable").length }),
        // Ready for previews while the listing goes on.
        onReady: (summary) => {
          assert.equal(summary.decisionTaskId, NSS);
          previewedEarly = previewer.preview({ labels: [PICK] }).then((p) => ({ created: Object.keys(p.iterations[0].created).length, before: !loaded }));
        },
      },
    );
    loaded = true;
    assert.deepEqual(await previewedEarly, { created: Object.keys(expected.created).length, before: true });
    assert.ok(calls.length >= 3, JSON.stringify(calls));
    assert.equal(calls.at(-1).done, true);
    assert.ok(calls.every((c, i) => i === 0 || c.listed >= calls[i - 1].listed), JSON.stringify(calls));
    assert.ok(calls.at(-1).runnable < calls[0].runnable, JSON.stringify(calls));
    const full = await previewer.runnableJobs();
    assert.equal(calls.at(-1).runnable, full.filter((j) => j.state === "runnable").length);
    previewer.dispose();
  } finally {
    slow.stop();
  }
});
