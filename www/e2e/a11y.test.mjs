// Accessibility of the page (issue 21), in headless Chromium against the stand-in: axe-core
// (WCAG 2.x A and AA) on each main state, with screenshots of each at 1280×800 and 1920×1080
// in target/screenshots/a11y-*.png; the dialogs are modal (focus moves in, Tab is trapped,
// Escape closes, focus returns to the opener, shortcuts do not fire inside them); and the whole
// Add New Jobs flow done with the keyboard alone.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { waitForPreview, axeViolations, screenshotSizes, focused, tabTo, suite, openPage } from "./harness.mjs";

const NSS = "NssSampleDecision00001";
const PICK = "test-bogo-linux32/debug";
const JOB = "build-linux64/debug";
const GECKO = "GeckoSyntheticDecision";

/** Per state, the critical and serious axe violations (printed at the end, before the suite's
 * checks). */
const report = {};
after(() => {
  for (const [state, violations] of Object.entries(report)) {
    console.log(`axe ${state}: ${violations.length ? `\n  ${violations.join("\n  ")}` : "clean"}`);
  }
});

const env = suite();

const open = (query = "") => openPage(env.browser, `${env.standin.url}/${query}`, { width: 1280, height: 800 });

/** The page once the push is loaded (the graph's grid, not the early one). */
async function loaded(page, timeout = 60000) {
  await page.waitForSelector(".platform-row", { timeout });
  await page.waitForFunction(() => !document.querySelector("#early-grid") && !document.querySelector(".loading"), null, { timeout });
}

/** Screenshots of `state` at both sizes, then axe: any critical or serious violation fails,
 * naming the rule and the nodes. */
async function check(page, state) {
  await screenshotSizes(page, `a11y-${state}`);
  const violations = await axeViolations(page);
  report[state] = violations;
  assert.deepEqual(violations, [], `axe on "${state}":\n${violations.join("\n")}`);
}

test("axe: the push loaded, and with Add new jobs on", async () => {
  const { page, problems } = await open(`?decisionTaskId=${NSS}`);
  await loaded(page);
  await check(page, "push-loaded");
  await page.click("#add-new-jobs");
  await page.click("#expand-all");
  await page.waitForSelector('.job-btn[data-state="runnable"]');
  await check(page, "add-new-jobs");
  assert.deepEqual(problems, []);
  await page.close();
});

test("axe: picks previewed (with a why path), the wide graph, the trigger dialog", async () => {
  const { page, problems } = await open(`?select=${encodeURIComponent(PICK)}&runnable=1`);
  await waitForPreview(page, 1, 60000);
  await page.click('.created-list [data-label="build-linux32/debug"]');
  await page.waitForSelector("#why");
  await page.waitForSelector("#graph-svg");
  await check(page, "picks-previewed");
  await page.click("#graph-wide");
  await page.waitForSelector(".graph-modal #graph-svg");
  await check(page, "wide-graph");
  await page.keyboard.press("Escape");
  await page.waitForSelector(".graph-modal", { state: "detached" });
  await page.click("#trigger-button");
  await page.waitForSelector("#trigger-request", { state: "attached" });
  await check(page, "trigger-dialog");
  assert.deepEqual(problems, []);
  await page.close();
});

test("axe: the search dialog", async () => {
  const { page, problems } = await open(`?decisionTaskId=${NSS}&runnable=1`);
  await loaded(page);
  await page.keyboard.press("/");
  await page.waitForSelector("#search-dialog");
  await page.keyboard.type("linux32");
  await page.waitForFunction(() => Number(document.querySelector("#search-count")?.dataset.count) > 0);
  await check(page, "search-dialog");
  assert.deepEqual(problems, []);
  await page.close();
});

test("axe: the job panel and an action dialog", async () => {
  const { page, problems } = await open(`?decisionTaskId=${NSS}`);
  await loaded(page);
  await page.click(`.job-btn[data-label="${JOB}"]`);
  await page.waitForSelector("#job-actions");
  await check(page, "job-panel");
  await page.click("#job-retrigger");
  await page.waitForSelector("#action-counts[data-created]", { timeout: 30000 });
  await check(page, "action-dialog");
  assert.deepEqual(problems, []);
  await page.close();
});

test("axe: the 50,000-task push with a pick previewed", async () => {
  const { page, problems } = await open(`?decisionTaskId=${GECKO}`);
  await loaded(page, 180000);
  await page.click("#add-new-jobs");
  await page.locator('.job-btn[data-state="runnable"]').first().click();
  await waitForPreview(page, 1, 60000);
  await check(page, "gecko-50k");
  assert.deepEqual(problems, []);
  await page.close();
});

test("the search dialog is modal: focus in its input, typing is not a shortcut, Tab wraps, Escape returns focus", async () => {
  const { page, problems } = await open(`?select=${encodeURIComponent(PICK)}&runnable=1`);
  await waitForPreview(page, 1, 60000);
  await page.keyboard.press("/");
  await page.waitForSelector("#search-dialog");
  const dialog = page.locator("#search-dialog");
  assert.equal(await dialog.getAttribute("role"), "dialog");
  assert.equal(await dialog.getAttribute("aria-modal"), "true");
  const title = await dialog.getAttribute("aria-labelledby");
  assert.equal(await page.locator(`#${title}`).textContent(), "Add New Jobs (Search)");
  assert.equal(await focused(page), "input#search-input", "the input has focus at once");
  // "linux" has an x (clear the selection), "a" toggles Add new jobs, "f" the filter, "r" retriggers.
  await page.keyboard.type("linux far");
  assert.equal(await page.inputValue("#search-input"), "linux far");
  assert.equal(await page.locator("#selected-count").textContent(), "1", "x did not clear the selection");
  assert.ok(page.url().includes("runnable=1"), "a did not switch Add new jobs off");
  assert.equal(await page.locator("#action-dialog").count(), 0, "r did not retrigger");
  await page.fill("#search-input", "linux");
  await page.waitForFunction(() => Number(document.querySelector("#search-count")?.dataset.count) > 0);
  // Tab from the last control wraps to the first, Shift+Tab from the first to the last.
  await page.focus("#search-cancel");
  await page.keyboard.press("Tab");
  assert.equal(await focused(page), "input#search-input");
  await page.keyboard.press("Shift+Tab");
  assert.equal(await focused(page), "button#search-cancel");
  // Tab never leaves the dialog.
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    assert.ok(await page.evaluate(() => !!document.activeElement.closest("#search-dialog")), `Tab ${i} left the dialog: ${await focused(page)}`);
  }
  // Escape closes it; focus goes back where it was (the page, opened with "/").
  await page.keyboard.press("Escape");
  await page.waitForSelector("#search-dialog", { state: "detached" });
  assert.equal(await page.locator("#selected-count").textContent(), "1", "Escape only closed the dialog");
  // Opened from its button: Escape gives the button its focus back.
  await page.focus("#open-search");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#search-dialog");
  assert.equal(await focused(page), "input#search-input");
  await page.keyboard.press("Escape");
  await page.waitForSelector("#search-dialog", { state: "detached" });
  await page.waitForFunction(() => document.activeElement?.id === "open-search", null, { timeout: 2000 });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the trigger dialog, the job panel and the action dialog are modal", async () => {
  const { page, problems } = await open(`?select=${encodeURIComponent(PICK)}&runnable=1`);
  await waitForPreview(page, 1, 60000);
  // The trigger dialog: focus in, trapped, Escape returns it to the Trigger button.
  await page.focus("#trigger-button");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#trigger-request", { state: "attached" });
  const trigger = page.locator("#action-dialog");
  assert.equal(await trigger.getAttribute("aria-modal"), "true");
  assert.match(await page.locator(`#${await trigger.getAttribute("aria-labelledby")}`).textContent(), /^Trigger/);
  assert.ok(await page.evaluate(() => !!document.activeElement.closest("#action-dialog")), `focus: ${await focused(page)}`);
  const stops = new Set();
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press("Tab");
    stops.add(await focused(page));
    assert.ok(await page.evaluate(() => !!document.activeElement.closest("#action-dialog")), `Tab ${i} left the dialog: ${await focused(page)}`);
  }
  assert.ok([...stops].some((s) => s.includes("button#cancel-action")), `Cancel is reachable: ${[...stops].join(" ")}`);
  await page.keyboard.press("Escape");
  await page.waitForSelector("#action-dialog", { state: "detached" });
  await page.waitForFunction(() => document.activeElement?.id === "trigger-button", null, { timeout: 2000 });
  assert.equal(await page.locator("#selected-count").textContent(), "1");

  // An existing job's panel, opened with Enter: focus in; the action dialog from it; Escape
  // closes one at a time, each giving focus back.
  await page.click("#add-new-jobs"); // existing jobs only
  await page.focus(`.job-btn[data-label="${JOB}"]`);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#job-panel");
  assert.equal(await page.locator("#job-panel").getAttribute("role"), "dialog");
  assert.ok(await page.evaluate(() => !!document.activeElement.closest("#job-panel")), `focus: ${await focused(page)}`);
  await page.waitForSelector("#job-actions");
  // One Retrigger: the action bar's (actions.json's "Retrigger (disabled)" is its options).
  const words = await page.locator("#job-panel button").evaluateAll((els) => els.map((e) => e.textContent.trim()));
  assert.equal(words.filter((w) => /^Retrigger/.test(w)).length, 1, words.join(" | "));
  await page.focus("#job-retrigger-options");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#action-dialog");
  assert.ok(await page.evaluate(() => !!document.activeElement.closest("#action-dialog")), `focus: ${await focused(page)}`);
  await page.keyboard.press("Escape");
  await page.waitForSelector("#action-dialog", { state: "detached" });
  assert.equal(await page.locator("#job-panel").count(), 1, "Escape closed the action dialog only");
  await page.waitForFunction(() => document.activeElement?.id === "job-retrigger-options", null, { timeout: 2000 });
  await page.keyboard.press("Escape");
  await page.waitForSelector("#job-panel", { state: "detached" });
  await page.waitForFunction((label) => document.activeElement?.dataset.label === label, JOB, { timeout: 2000 });
  assert.deepEqual(problems, []);
  await page.close();
});

test("keyboard only: Add new jobs, search, pick, a why path, the graph, the trigger dialog, cancel", async () => {
  const { page, problems } = await open(`?decisionTaskId=${NSS}`);
  await loaded(page);
  // a: Add new jobs.
  await page.keyboard.press("a");
  await page.waitForSelector('.job-btn[data-state="runnable"]');
  // /: search, focus in the input; `^label$` finds exactly that label; Enter picks it.
  await page.keyboard.press("/");
  await page.waitForSelector("#search-dialog");
  assert.equal(await focused(page), "input#search-input");
  await page.keyboard.type(`^${PICK}$`);
  await page.waitForFunction(() => document.querySelector("#search-count")?.dataset.count === "1");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#search-dialog", { state: "detached" });
  await waitForPreview(page, 1, 60000);
  // Focus went back to the page: Tab on to the push's Trigger button (past the skip links and
  // the navbar, not through the grid); Enter opens the dialog; Cancel by keyboard closes it,
  // focus back on Trigger.
  const toTrigger = await tabTo(page, "#trigger-button", { max: 30 });
  assert.ok(toTrigger <= 20, `${toTrigger} Tabs to Trigger`);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#trigger-request", { state: "attached" });
  assert.ok(await page.evaluate(() => !!document.activeElement.closest("#action-dialog")), `focus: ${await focused(page)}`);
  const toCancel = await tabTo(page, "#cancel-action", { max: 30 });
  assert.ok(toCancel <= 20, `Cancel is ${toCancel} Tabs away`);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#action-dialog", { state: "detached" });
  await page.waitForFunction(() => document.activeElement?.id === "trigger-button", null, { timeout: 2000 });
  assert.equal(await page.locator("#selected-count").textContent(), "1");
  // Back to the skip link to the preview, then Tab to a dependency's row; Enter shows why it
  // is there, in a polite live region.
  await tabTo(page, "#skip-preview", { max: 30, shift: true });
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "preview-panel", "the skip link focused the preview");
  await tabTo(page, '.created-list [data-label="build-linux32/debug"] button', { max: 40 });
  await page.keyboard.press("Enter");
  await page.waitForSelector("#why");
  assert.match(await page.locator("#why").textContent(), /^Why build-linux32\/debug\? .+ → /);
  assert.equal(await page.locator("#why").evaluate((el) => el.closest("[aria-live]")?.getAttribute("aria-live")), "polite");
  // The same for the graph: a node reached by Tab, Space shows its why.
  await tabTo(page, `#graph-svg .node[data-label="${PICK}"]`, { max: 150 });
  await page.keyboard.press(" ");
  await page.waitForFunction((label) => document.querySelector("#why")?.textContent.startsWith(`Why ${label}?`), PICK);
  await screenshotSizes(page, "a11y-keyboard-flow-end");
  assert.deepEqual(problems, []);
  await page.close();
});
