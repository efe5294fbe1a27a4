// Shared by the browser tests: a stand-in Taskcluster serving the sample pushes and the built
// page, and headless Chromium driven by playwright-core.
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const ROOT = resolve(new URL("../..", import.meta.url).pathname);
const TARGET = process.env.CARGO_TARGET_DIR || join(ROOT, "target");
const STANDIN = join(TARGET, "release", "standin");
// The sample pushes (a real NSS push, application-services, a generated 50k-task gecko push)
// are laid out once and shared; each stand-in records to its own file.
export const SAMPLE_DIR = join(TARGET, "e2e-sample");
/** The built page (`make page`), or TGP_SITE. */
export const SITE = process.env.TGP_SITE || join(ROOT, "dist");
/** The CLI, to check the page against. */
export const CLI = join(TARGET, "release", "taskgraph-preview");

/**
 * Starts a stand-in. `www`: the folder served as the site (default: the page's `dist`);
 * `faults`: extra arguments (e.g. ["--fail-matching", "hooks"]); `dir`: the stand-in's folder
 * (default: the shared sample folder); `csp`: serve the site under the strict
 * Content-Security-Policy a host would set (default), allowing connections to these origins
 * besides its own; `null` for none; `storage`: serve artifacts from a second origin; `sample`:
 * lay out the sample pushes in `dir` (default); `listen`: the address (default a free port).
 * Resolves to { url, storage, record, log, stop() }.
 */
export async function startStandin({ www = SITE, faults = [], dir = SAMPLE_DIR, csp = [], storage = false, sample = true, listen = "127.0.0.1:0" } = {}) {
  if (!existsSync(STANDIN)) throw new Error(`${STANDIN} is missing: run make test (or cargo build --release -p standin)`);
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), "tgp-e2e-"));
  const record = join(scratch, "calls.jsonl");
  const log = join(scratch, "requests.log");
  const child = spawn(
    STANDIN,
    [
      "--dir", dir, ...(sample ? ["--sample"] : []), "--listen", listen, "--www", www, "--record", record, "--log", log,
      ...(csp ? ["--csp", ...csp.flatMap((origin) => ["--csp-connect", origin])] : []),
      ...(storage ? ["--storage-listen", "127.0.0.1:0"] : []),
      ...faults,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const [url, storageUrl] = await new Promise((resolvePromise, reject) => {
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
      const match = text.match(/listening on (http:\/\/\S+)/);
      const stored = text.match(/artifact storage on (http:\/\/\S+)/);
      if (match && (!storage || stored)) resolvePromise([match[1], stored && stored[1]]);
    });
    child.on("exit", (code) => reject(new Error(`standin exited with ${code}`)));
  });
  return {
    url,
    storage: storageUrl,
    record,
    log,
    /** The calls recorded so far (trigger and create calls), parsed. */
    calls: () => (existsSync(record) ? readFileSync(record, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : []),
    stop: () => child.kill(),
  };
}

/** Opens the trigger dialog's access-token fallback (collapsed under "Sign in with
 * Taskcluster") and fills in the stand-in's demo client. */
export async function useToken(page, accessToken = "demo-access-token") {
  await page.click("#use-token > summary");
  await page.fill("#client-id", "demo-sheriff");
  await page.fill("#access-token", accessToken);
}

/** Waits until the page's counts show a preview of exactly `picked` jobs (none pending). */
export async function waitForPreview(page, picked, timeout = 30000) {
  await page.waitForFunction(
    (n) => {
      const detail = document.querySelector("#preview-counts .detail");
      return detail && detail.textContent.includes(`(${n} picked`) && !document.querySelector(".preview-panel.busy");
    },
    picked,
    { timeout },
  );
}

/** A port free right now on 127.0.0.1 (for a stand-in whose URL another must know first). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolvePromise) => server.listen(0, "127.0.0.1", resolvePromise));
  const { port } = server.address();
  await new Promise((resolvePromise) => server.close(resolvePromise));
  return port;
}

/** Content-Security-Policy violations seen on any page (see `launchBrowser`). */
export const cspViolations = [];

/** Headless Debian Chromium. Every page reports CSP violations (the page's own and those
 * Chromium logs, its worker's included) into `cspViolations`. */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args) => {
    const page = await newPage(...args);
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) =>
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`),
      );
    });
    page.on("console", (message) => {
      const text = message.text();
      if (text.startsWith("CSP violation") || text.includes("Content Security Policy")) cspViolations.push(`${page.url()}: ${text}`);
    });
    return page;
  };
  return browser;
}

/**
 * A test file's set-up: registers before() and after() hooks, and returns `{ standin, browser }`,
 * filled in before the tests run. Before: the screenshots folder, a stand-in started with
 * `options` (`startStandin`'s; or a function, called then, that returns them, for a file that
 * prepares the stand-in's folder first; `null` for no stand-in) and the browser. After: no CSP
 * violation on any page (`csp`: the assertion's message, or `false` not to check), then the
 * browser closed and the stand-in stopped.
 */
export function suite(options = {}, { csp = "the page runs under the strict CSP" } = {}) {
  const env = { standin: null, browser: null };
  before(async () => {
    mkdirSync(join(ROOT, "target", "screenshots"), { recursive: true });
    const resolved = typeof options === "function" ? await options() : options;
    if (resolved) env.standin = await startStandin(resolved);
    env.browser = await launchBrowser();
  });
  after(async () => {
    try {
      if (csp !== false) assert.deepEqual(cspViolations, [], csp);
    } finally {
      await env.browser?.close();
      env.standin?.stop();
    }
  });
  return env;
}

/** Runs the CLI with `args` (`options`: execFileSync's, e.g. `input`) and parses the JSON it
 * prints. */
export function cli(args, options = {}) {
  return JSON.parse(execFileSync(CLI, args, { encoding: "utf8", maxBuffer: 1 << 28, ...options }));
}

/** The CLI's `preview --json` of the push `decision` served at `rootUrl`, with `labels` added;
 * `times` (--times), `action` (--action) and `input` (--input, as JSON) when given, and any
 * further `args`. */
export function cliPreview({ rootUrl, decision, labels = [], times, action, input, args = [] }) {
  return cli([
    "preview", "--root-url", rootUrl, "--decision-task-id", decision, "--json",
    ...labels.flatMap((label) => ["--label", label]),
    ...(times === undefined ? [] : ["--times", String(times)]),
    ...(action === undefined ? [] : ["--action", action]),
    ...(input === undefined ? [] : ["--input", JSON.stringify(input)]),
    ...args,
  ]);
}

/**
 * A new page of `browser` (`width`×`height`, default 1500×950) navigated to `url`; `init(page)`
 * runs first (init scripts, listeners). Resolves to `{ page, problems, console }`: the page's
 * uncaught errors and the text of what it and its workers log, as they come (CSP violations
 * are collected by `launchBrowser`).
 */
export async function openPage(browser, url, { width = 1500, height = 950, init } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  const problems = [];
  const logged = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => logged.push(m.text()));
  page.on("worker", (worker) => worker.on("console", (m) => logged.push(m.text())));
  if (init) await init(page);
  await page.goto(url);
  return { page, problems, console: logged };
}

/** The page's preview counts, once shown and settled (no preview under way), within `timeout`
 * ms: `{ created, reused, removed }`, from #preview-counts' data attributes. */
export async function readCounts(page, { timeout = 30000 } = {}) {
  await page.waitForFunction(
    () => document.querySelector("#preview-counts") && !document.querySelector(".preview-panel.busy"),
    null,
    { timeout },
  );
  const el = page.locator("#preview-counts");
  return {
    created: Number(await el.getAttribute("data-created")),
    reused: Number(await el.getAttribute("data-reused")),
    removed: Number(await el.getAttribute("data-removed")),
  };
}

/** Records main-thread long tasks (Long Tasks API) from the first script on: read them with
 * `await page.evaluate(() => window.__longTasks)` (durations in ms). */
export async function watchLongTasks(page) {
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(Math.round(entry.duration));
    }).observe({ type: "longtask", buffered: true });
  });
}

const AXE = join(ROOT, "www", "node_modules", "axe-core", "axe.min.js");

/** axe-core (pinned in www/package.json) on `page`, within `include` (a CSS selector; default
 * the whole page), for WCAG 2.x A and AA: the violations that are `critical` or `serious`, as
 * `["rule: target (summary)", …]` (empty when clean). The script is evaluated through the
 * DevTools protocol, so the page's CSP does not stand in its way and records nothing. */
export async function axeViolations(page, include = null) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    await page.evaluate(readFileSync(AXE, "utf8"));
  }
  const result = await page.evaluate(
    async (include) =>
      window.axe.run(include ? { include: [include] } : document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        resultTypes: ["violations"],
      }),
    include,
  );
  return result.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")} (${n.failureSummary.split("\n").slice(1).join(" ").trim()})`));
}

/** The two window sizes the accessibility checks and their screenshots use. */
export const SIZES = [
  [1280, 800],
  [1920, 1080],
];

/** Screenshots of `page` at each of `SIZES` into target/screenshots/<name>-<w>x<h>.png; the
 * viewport is left at the first size. */
export async function screenshotSizes(page, name) {
  mkdirSync(join(ROOT, "target", "screenshots"), { recursive: true });
  for (const [width, height] of [...SIZES].reverse()) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(ROOT, "target", "screenshots", `${name}-${width}x${height}.png`) });
  }
}

/** The focused element, as `tag#id.class[data-label]` (shadow-free pages only). */
export async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "body";
    const classes = typeof el.className === "string" && el.className ? `.${el.className.trim().split(/\s+/).join(".")}` : "";
    const label = el.closest("[data-label]")?.getAttribute("data-label");
    return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${classes}${label ? `[${label}]` : ""}`;
  });
}

/** Presses Tab (or Shift+Tab) until the focused element matches `selector`; at most `max`
 * presses. Resolves to the number of presses, or throws naming where focus went. */
export async function tabTo(page, selector, { max = 60, shift = false } = {}) {
  const seen = [];
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press(shift ? "Shift+Tab" : "Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return i;
    seen.push(await focused(page));
  }
  throw new Error(`${selector} not reached in ${max} ${shift ? "Shift+Tab" : "Tab"} presses: ${seen.join(" → ")}`);
}

/** Worker pool → created tasks, added up over iterations or action calls (the CLI's JSON). */
export function poolsOf(iterations) {
  const pools = {};
  for (const it of iterations) for (const [pool, n] of Object.entries(it.workerPools)) pools[pool] = (pools[pool] || 0) + n;
  return pools;
}

/** A "Runs on …" line names the (at most four) busiest pools of `pools` with their counts. */
export function assertRunsOn(text, pools) {
  assert.match(text, /^Runs on /);
  const busiest = Object.entries(pools).sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1)).slice(0, 4);
  assert.ok(busiest.length > 0, "something is created");
  for (const [pool, n] of busiest) assert.ok(text.includes(`${n} × ${pool}`), `${text} names ${n} × ${pool}`);
}
