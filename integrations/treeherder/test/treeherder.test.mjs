// The patched Treeherder (integrations/treeherder/build.mjs) in headless Chromium:
// Treeherder's own frontend on its origin, its REST API answered in the browser from fixtures
// of the NSS sample push (page.route, as Treeherder's tests/ui/integration/job-view/jobs_view.spec.js
// does), and our stand-in as its Taskcluster. Add new jobs → pick runnable jobs → the hint and
// the dialog show the CLI's counts; Cancel sends nothing; Confirm sends one triggerHook through
// Treeherder's own PushModel.triggerNewJobs; without the engine (a CSP that forbids WebAssembly)
// the plain confirm is back.
//
// Run: make treeherder-tests (builds Treeherder first). Without the vendored Treeherder
// snapshot (../shared) the tests are skipped, saying so.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { ROOT, startStandin, launchBrowser, axeViolations } from "../../../www/e2e/harness.mjs";
import { VENDOR, WORK, build } from "../build.mjs";
import { NSS, pushFixtures, treeherderFixtures } from "./fixtures.mjs";
import { SITE, addNewJobs, dialogCounts, mockTreeherderApi, runnableButton, serveTreeherder, treeherderCsp } from "./host.mjs";

const TARGET = process.env.CARGO_TARGET_DIR || join(ROOT, "target");
const CLI = join(TARGET, "release", "taskgraph-preview");
const SHOTS = join(TARGET, "screenshots");
// The stand-in's own folder: its sample pushes include runnable-jobs.json.
const SAMPLE = join(WORK, "sample");
const SKIP = existsSync(join(VENDOR, "package.json"))
  ? false
  : `the vendored Treeherder snapshot is not at ${VENDOR} (a checkout outside the team's workspace): skipped`;
if (SKIP) console.log(`# SKIPPED: ${SKIP}`);

// A job whose dependencies all ran (created 1, the rest reused), and a linux32 test whose
// build and its toolchain dependencies must be created too.
const LABELS = ["test-tools-linux64/opt-make", "test-bogo-linux32/debug"];

// A Firefox-shaped push with chunked labels and seven kinds (the CLI's own generator, laid out
// by a second stand-in with --push), as repository `autoland`.
const GECKO = "GeckoTreeherder000001";
const GECKO_PUSH = join(WORK, "gecko-push");

let standin;
let gecko;
let site;
let browser;
let fixtures;
let geckoFixtures;
let wasmAllowed = true;

before(async () => {
  if (SKIP) return;
  if (!existsSync(join(SITE, "index.html")) || process.env.TREEHERDER_REBUILD) build();
  assert.ok(existsSync(CLI), `${CLI} is missing`);
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(SAMPLE, { recursive: true });
  standin = await startStandin({ www: SITE, dir: SAMPLE });
  fixtures = treeherderFixtures(SAMPLE, standin.url);
  if (!existsSync(join(GECKO_PUSH, "parameters.yml"))) {
    execFileSync(CLI, ["gen-graph", "--tasks", "1500", "--seed", "3", "--out", GECKO_PUSH]);
  }
  const geckoDir = join(WORK, "gecko-sample");
  gecko = await startStandin({ www: SITE, dir: geckoDir, sample: false, faults: ["--push", `${GECKO}=${GECKO_PUSH}`] });
  geckoFixtures = pushFixtures({
    rootUrl: gecko.url, decisionTaskId: GECKO, repo: "autoland",
    artifacts: join(geckoDir, "tasks", GECKO, "artifacts", "public"),
    group: JSON.parse(readFileSync(join(geckoDir, "tasks", GECKO, "group.json"), "utf8")),
  });
  site = await serveTreeherder(() => treeherderCsp([standin.url, gecko.url], { wasm: wasmAllowed }));
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (site) site.server.close();
  if (standin) standin.stop();
  if (gecko) gecko.stop();
});

/** The CLI's counts for `labels` on the stand-in's push (what the dialog must show). */
function cliCounts(labels, { rootUrl = standin.url, decision = NSS } = {}) {
  const args = ["preview", "--root-url", rootUrl, "--decision-task-id", decision, "--json"];
  for (const label of labels) args.push("--label", label);
  const preview = JSON.parse(execFileSync(CLI, args, { maxBuffer: 64 * 1024 * 1024 }).toString("utf8"));
  let created = 0;
  for (const it of preview.iterations) {
    created += Object.keys(it.created).length;
    for (const copies of Object.values(it.duplicates || {})) created += copies.length;
  }
  const first = preview.iterations[0];
  const counts = { created, reused: Object.keys(first.reused).length, removed: Object.keys(first.removed).length, requested: preview.requested.length };
  // The whole preview too, out of the way of comparisons with the dialog's counts.
  return Object.defineProperty(counts, "preview", { value: preview, enumerable: false });
}

/** Treeherder's REST API from the fixtures; the stand-in has no auth service, so Taskcluster's
 * expandScopes of the decision task's scopes (Treeherder checks them before triggering the
 * hook) is answered here. */
async function mockApi(page, unknown, push = fixtures, taskcluster = standin.url) {
  await mockTreeherderApi(page, push, { taskcluster, unknown });
  await page.route(`${taskcluster}/api/auth/v1/scopes/expand`, (route) =>
    route.fulfill({ status: 200, contentType: "application/json",
      body: JSON.stringify({ scopes: ["in-tree:hook-action:project-*"] }) }),
  );
}

/** A page of Treeherder with the sheriff's Taskcluster credentials where Treeherder keeps them
 * (localStorage `userCredentials`, keyed by root URL, as its TaskclusterCallback stores them). */
async function openTreeherder(errors, unknown, { push = fixtures, taskcluster = standin.url } = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  if (process.env.TH_DEBUG) {
    page.on("console", (m) => console.log(`# console ${m.type()}: ${m.text().slice(0, 300)}`));
    page.on("requestfailed", (r) => console.log(`# failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on("response", (r) => !r.url().includes("/assets/") && console.log(`# ${r.status()} ${r.request().method()} ${r.url().slice(0, 160)}`));
  }
  await mockApi(page, unknown, push, taskcluster);
  const expires = new Date(Date.now() + 3 * 86400_000).toISOString();
  await page.addInitScript(
    ({ rootUrl, expiresAt }) => {
      localStorage.setItem(
        "userCredentials",
        JSON.stringify({ [rootUrl]: { credentials: { clientId: "demo-sheriff", accessToken: "demo-access-token" }, expires: expiresAt } }),
      );
    },
    { rootUrl: taskcluster, expiresAt: expires },
  );
  await page.goto(`${site.url}/jobs?repo=${push.repo}&group_state=expanded`);
  await page.getByTestId("push-header").first().waitFor({ timeout: 30_000 });
  return { context, page };
}

const triggerCalls = () => standin.calls().filter((c) => c.call === "triggerHook");

test("Trigger: the dialog shows the CLI's counts; Cancel sends nothing, Confirm one triggerHook", { skip: SKIP }, async () => {
  const errors = [];
  const unknown = [];
  const { context, page } = await openTreeherder(errors, unknown);
  const before = triggerCalls().length;
  const decisionJob = page.getByTestId("job-btn").filter({ hasText: /^D$/ });
  await decisionJob.first().waitFor({ timeout: 20_000 });
  assert.equal(await decisionJob.count(), 1, "the Decision Task's job is shown");

  await addNewJobs(page);
  for (const label of LABELS) assert.equal(fixtures.scheduled.has(label), false, `${label} is runnable`);

  // While picking: the hint next to the Trigger button follows the selection.
  await runnableButton(page, LABELS[0]).click();
  const one = cliCounts(LABELS.slice(0, 1));
  const hint = page.getByTestId("new-jobs-hint");
  await page.locator(`[data-testid="new-jobs-hint"][data-created="${one.created}"]`).waitFor({ timeout: 20_000 });
  assert.equal(Number(await hint.getAttribute("data-reused")), one.reused);
  assert.match(await hint.textContent(), new RegExp(`will create ${one.created} · reuse ${one.reused}`));
  await runnableButton(page, LABELS[1]).click();
  const both = cliCounts(LABELS);
  await page.locator(`[data-testid="new-jobs-hint"][data-created="${both.created}"]`).waitFor({ timeout: 20_000 });
  assert.equal(Number(await hint.getAttribute("data-reused")), both.reused);
  await page.locator(".push-header").first().screenshot({ path: join(SHOTS, "treeherder-hint.png") });

  // Trigger → the dialog, with exactly the CLI's numbers.
  await page.getByTitle("Trigger new jobs").click();
  assert.deepEqual(await dialogCounts(page, LABELS.length), both);
  assert.ok(both.created > LABELS.length, `dependencies are created too: ${JSON.stringify(both)}`);
  // The confirm is the footer's primary button next to Cancel, naming both numbers; the
  // summary line comes first.
  assert.equal(await page.locator(".new-jobs-confirm .modal-footer .tgp-trigger").innerText(), `Trigger 2 jobs · ${both.created} tasks`);
  assert.match(await page.locator(".new-jobs-confirm .tgp-summary").innerText(), new RegExp(`^Your 2 jobs, plus ${both.created - 2} tasks? they need `));
  // The dialog (ours inside Treeherder's modal) has no critical or serious axe violation.
  assert.deepEqual(await axeViolations(page, ".new-jobs-confirm"), []);
  await page.screenshot({ path: join(SHOTS, "treeherder-dialog.png") });

  // Cancel: nothing is sent.
  await page.locator(".new-jobs-confirm .modal-footer").getByRole("button", { name: "Cancel" }).click();
  await page.locator(".new-jobs-confirm").waitFor({ state: "detached" });
  await page.waitForTimeout(500);
  assert.equal(triggerCalls().length, before, "Cancel sends nothing");

  // The dialog is modal and keyboard-complete: it takes focus, holds it, Escape closes it
  // without sending anything, and focus returns to the Trigger button.
  await page.getByTitle("Trigger new jobs").focus();
  await page.keyboard.press("Enter");
  await dialogCounts(page, LABELS.length);
  const modal = page.locator(".new-jobs-confirm[role=dialog]");
  assert.equal(await modal.getAttribute("aria-modal"), "true");
  assert.ok(await page.evaluate(() => !!document.activeElement.closest(".new-jobs-confirm")), "focus moves into the dialog");
  // Tab never reaches Treeherder behind the dialog (past its last control focus may leave for
  // the browser's own UI, as react-bootstrap's Modal allows; it comes back into the dialog).
  // Its focus trap puts focus back in a timeout after a focus event: where focus is, is read
  // once that timeout has run.
  const reached = new Set();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    reached.add(
      await page.evaluate(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const active = document.activeElement;
        if (!active || active === document.body) return "the browser";
        return active.closest(".new-jobs-confirm") ? "the dialog" : `behind: ${active.outerHTML.slice(0, 80)}`;
      }),
    );
  }
  assert.ok([...reached].every((where) => where === "the dialog" || where === "the browser"), [...reached].join("; "));
  assert.ok(reached.has("the dialog"));
  await page.keyboard.press("Escape");
  await page.locator(".new-jobs-confirm").waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("title")), "Trigger new jobs", "focus returns to the opener");
  assert.equal(triggerCalls().length, before, "Escape sends nothing");

  // Confirm: one triggerHook, through Treeherder's PushModel.triggerNewJobs, with the labels.
  await page.getByTitle("Trigger new jobs").click();
  await dialogCounts(page, LABELS.length);
  await page.locator(".new-jobs-confirm .tgp-trigger").click();
  await page.getByText("Request sent to trigger new jobs via actions.json").first().waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(SHOTS, "treeherder-triggered.png") });
  const calls = triggerCalls().slice(before);
  assert.equal(calls.length, 1, `one triggerHook: ${JSON.stringify(calls)}`);
  assert.equal(calls[0].clientId, "demo-sheriff");
  assert.equal(calls[0].hookGroupId, "project-nss");
  assert.deepEqual([...calls[0].payload.user.input.tasks].sort(), [...LABELS].sort());
  assert.equal(calls[0].payload.user.taskGroupId, NSS);
  assert.deepEqual(errors, []);
  console.log(`# Treeherder API paths answered with []: ${[...new Set(unknown)].join(" ") || "none"}`);
  await context.close();
});

test("Add new jobs (Search): the same dialog before submitting; confirmed, the action task is followed to 'Preview matched'", { skip: SKIP }, async () => {
  const errors = [];
  const { context, page } = await openTreeherder(errors, []);
  const before = triggerCalls().length;
  await page.getByTestId("push-action-menu-button").first().click();
  await page.getByTitle("Add new jobs to this push via a fuzzy search").click();
  const search = page.locator(".fuzzy-modal input[type=search]");
  await search.fill("test-bogo-linux32/debug");
  await search.press("Enter");
  await page.locator("#addJobsGroup select").selectOption({ label: LABELS[1] });
  await page.locator(".fuzzy-modal").getByRole("button", { name: "Add selected" }).click();
  await page.locator(".fuzzy-modal").getByRole("button", { name: /Trigger \(1\) Selected Jobs/ }).click();
  assert.deepEqual(await dialogCounts(page, 1), cliCounts(LABELS.slice(1)));
  await page.screenshot({ path: join(SHOTS, "treeherder-search-dialog.png") });
  await page.locator(".new-jobs-confirm .modal-footer").getByRole("button", { name: "Cancel" }).click();
  await page.locator(".new-jobs-confirm").waitFor({ state: "detached" });
  await page.waitForTimeout(500);
  assert.equal(triggerCalls().length, before, "Cancel sends nothing");

  // Confirm: one trigger; the patch follows the action task the hook made (laid out here as
  // having done exactly what the CLI previews: its map and the definitions it created, naming
  // the real action task where the CLI's preview has its placeholder) and says it matched.
  const action = "TreeherderSearchAction";
  const preview = cliCounts(LABELS.slice(1)).preview.iterations[0];
  const put = (rel, text) => {
    mkdirSync(join(SAMPLE, rel, ".."), { recursive: true });
    writeFileSync(join(SAMPLE, rel), text);
  };
  put("next-action-task-id", action);
  put(`tasks/${action}/status.json`, JSON.stringify({ state: "completed", runs: [{ runId: 0, state: "completed" }] }));
  put(`tasks/${action}/artifacts/public/label-to-taskid.json`, JSON.stringify(preview.labelToTaskId));
  for (const id of Object.values(preview.created)) {
    put(`tasks/${id}/task.json`, JSON.stringify(preview.tasks[id]).replaceAll("ActionTaskId0000000000A", action));
  }
  try {
    await page.locator(".fuzzy-modal").getByRole("button", { name: /Trigger \(1\) Selected Jobs/ }).click();
    await dialogCounts(page, 1);
    await page.locator(".new-jobs-confirm .modal-footer .tgp-trigger").click();
    await page.getByText(`Request sent to trigger new jobs via actions.json (${action})`).first().waitFor({ timeout: 20_000 });
    const matched = page.getByText(`Preview matched: action task ${action} (completed) created and reused exactly what was previewed (${Object.keys(preview.created).length} task definition`);
    await matched.first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, "treeherder-search-followed.png") });
    assert.equal(triggerCalls().length, before + 1, "one trigger");
  } finally {
    rmSync(join(SAMPLE, "next-action-task-id"), { force: true });
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test("Without the engine (a CSP without 'unsafe-eval' or 'wasm-unsafe-eval'): the plain confirm", { skip: SKIP }, async () => {
  wasmAllowed = false;
  try {
    const errors = [];
    const { context, page } = await openTreeherder(errors, []);
    const before = triggerCalls().length;
    await addNewJobs(page);
    await runnableButton(page, LABELS[0]).click();
    const dialogs = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      dialog.dismiss();
    });
    await page.getByTitle("Trigger new jobs").click();
    for (let i = 0; i < 100 && dialogs.length === 0; i++) await page.waitForTimeout(100);
    assert.deepEqual(dialogs, ['This will trigger all selected jobs. Click "OK" if you want to proceed.']);
    assert.equal(await page.locator(".new-jobs-confirm").count(), 0);
    assert.equal(await page.getByTestId("new-jobs-hint").count(), 0);
    await page.waitForTimeout(300);
    assert.equal(triggerCalls().length, before, "a dismissed confirm sends nothing");
    // The worker may report its failed start (the engine's init promise rejects before the
    // first request awaits it); nothing else may fail.
    assert.deepEqual(errors.filter((e) => !/WebAssembly.*Content Security/.test(e)), []);
    await context.close();
  } finally {
    wasmAllowed = true;
  }
});

test("Hostile JSON-e in add-new-jobs (issue 24): the dialog previews, its Trigger is disabled with the reason, nothing is sent", { skip: SKIP }, async () => {
  // The push's actions.json, with 16 unclosed brackets in add-new-jobs' hookPayload (json-e
  // 4.8.4 took 32 s to parse them; the bounded fork refuses them at once).
  const path = join(SAMPLE, "tasks", NSS, "artifacts", "public", "actions.json");
  const original = readFileSync(path, "utf8");
  const actions = JSON.parse(original);
  for (const action of actions.actions) {
    if (action.name === "add-new-jobs") action.hookPayload = { $let: { tid: { $eval: `t${"[".repeat(16)}askGroupId` } }, in: action.hookPayload };
  }
  writeFileSync(path, JSON.stringify(actions));
  try {
    const errors = [];
    const { context, page } = await openTreeherder(errors, []);
    const before = triggerCalls().length;
    await addNewJobs(page);
    await runnableButton(page, LABELS[0]).click();
    await page.getByTitle("Trigger new jobs").click();
    assert.deepEqual(await dialogCounts(page, 1), cliCounts(LABELS.slice(0, 1)), "the preview stands");
    const trigger = page.locator(".new-jobs-confirm .tgp-trigger");
    assert.ok(await trigger.isDisabled());
    assert.match(
      await page.locator(".new-jobs-confirm #tgp-refused").textContent(),
      /^Cannot trigger: action "add-new-jobs" cannot be triggered: its hookPayload is not valid JSON-e: Unexpected trailing characters \[{16}askGroupId/,
    );
    await page.screenshot({ path: join(SHOTS, "treeherder-hostile-actions.png") });
    await page.locator(".new-jobs-confirm .modal-footer").getByRole("button", { name: "Cancel" }).click();
    await page.waitForTimeout(300);
    assert.equal(triggerCalls().length, before, "nothing is sent");
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    writeFileSync(path, original);
  }
});

test("A Firefox-shaped push with chunked labels and seven kinds: a chunked test found by its id, the dialog with the CLI's counts, the picks first, kinds beyond three closed", { skip: SKIP }, async () => {
  // A chunked test (`…-N`, whose Treeherder title drops the chunk) whose preview creates tasks
  // of several kinds.
  const graph = JSON.parse(readFileSync(join(gecko.dir || join(WORK, "gecko-sample"), "tasks", GECKO, "artifacts", "public", "runnable-jobs.json"), "utf8"));
  let pick;
  let counts;
  for (const label of Object.keys(graph).filter((l) => /-\d+$/.test(l) && !geckoFixtures.scheduled.has(l))) {
    counts = cliCounts([label], { rootUrl: gecko.url, decision: GECKO });
    const kinds = new Set(Object.keys(counts.preview.iterations[0].created).map((l) => l.split("-")[0]));
    if (kinds.size >= 3) {
      pick = label;
      break;
    }
  }
  assert.ok(pick, "a chunked test that needs tasks of several kinds");
  const errors = [];
  const { context, page } = await openTreeherder(errors, [], { push: geckoFixtures, taskcluster: gecko.url });
  await addNewJobs(page);
  const button = runnableButton(page, pick);
  assert.equal(await button.count(), 1, `${pick} is found by its data-job-id`);
  assert.ok(!(await button.getAttribute("title")).startsWith(`${pick} - `), "Treeherder's title drops the chunk number");
  await button.click();
  await page.getByTitle("Trigger new jobs").click();
  assert.deepEqual(await dialogCounts(page, 1), counts);
  const dialog = page.locator(".new-jobs-confirm");
  assert.deepEqual(await dialog.locator(".tgp-picks [data-label]").evaluateAll((rows) => rows.map((r) => r.dataset.label)), [pick]);
  const kinds = await dialog.locator("details.tgp-kind").evaluateAll((ds) => ds.map((d) => ({ kind: d.dataset.kind, open: d.open })));
  assert.ok(kinds.length >= 2, JSON.stringify(kinds));
  assert.ok(kinds.slice(3).every((k) => !k.open), `kinds beyond the third are closed: ${JSON.stringify(kinds)}`);
  assert.match(await dialog.locator(".tgp-summary").innerText(), /^Your 1 job, plus \d+ tasks? it needs \(/);
  assert.deepEqual(await axeViolations(page, ".new-jobs-confirm"), []);
  await page.screenshot({ path: join(SHOTS, "treeherder-dialog-gecko.png") });
  await page.locator(".new-jobs-confirm .modal-footer").getByRole("button", { name: "Cancel" }).click();
  assert.deepEqual(errors, []);
  await context.close();
});
