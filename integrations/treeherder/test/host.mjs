// The patched Treeherder as its users meet it, for the browser tests against the stand-in
// (treeherder.test.mjs) and against the real Taskcluster services (tests/real/treeherder_trigger.mjs):
// its production build served with its production CSP, and its REST API answered in the
// browser from fixtures (page.route, as Treeherder's own tests/ui/integration specs do).
import { createServer } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { extname, join, normalize } from "node:path";

import { BUILD } from "../build.mjs";
import { REPO } from "./fixtures.mjs";

export const SITE = join(BUILD, ".build");

/** Treeherder's production CSP (treeherder/middleware.py), with `taskcluster` (the origins of
 * the Taskcluster deployment and its artifact storage) in connect-src. It has no worker-src
 * (so script-src 'self' applies to the worker) and allows WebAssembly through 'unsafe-eval'. */
export function treeherderCsp(taskcluster, { wasm = true } = {}) {
  return [
    "default-src 'none'",
    `script-src 'self' ${wasm ? "'unsafe-eval' " : ""}'report-sample'`,
    "style-src 'self' 'unsafe-inline' 'report-sample'",
    "font-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${[taskcluster].flat().join(" ")} https://treestatus.prod.lando.prod.cloudops.mozgcp.net https://bugzilla.mozilla.org`,
    "frame-src 'self'",
  ].join("; ");
}

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json", ".png": "image/png", ".svg": "image/svg+xml", ".woff2": "font/woff2", ".txt": "text/plain" };

/** Treeherder's build, served like production: static assets, the SPA's index.html for its
 * routes, the CSP header on every answer (`csp()` is read per request). `host`/`port`: where
 * (Treeherder names its OAuth2 client after its origin: `http://localhost:5000` is one it knows). */
export function serveTreeherder(csp, { host = "127.0.0.1", port = 0 } = {}) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    let file = join(SITE, path);
    if (path.startsWith("/api/")) {
      res.writeHead(404).end("answered by page.route in the test");
      return;
    }
    if (!file.startsWith(SITE) || !existsSync(file) || path === "/") file = join(SITE, "index.html");
    else if (!extname(file)) file = join(SITE, "index.html");
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] || "application/octet-stream", "Content-Security-Policy": csp() });
    res.end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve({ server, url: `http://${host}:${server.address().port}` }));
  });
}

const json = (body) => ({ status: 200, contentType: "application/json", body: JSON.stringify(body) });

/** Treeherder's REST API from `fixtures`, as its own jobs_view.spec.js answers it; requests to
 * `taskcluster` (its root URL) go through. Anything not answered is an empty list, noted in
 * `unknown`. */
export async function mockTreeherderApi(page, fixtures, { taskcluster, unknown = [] }) {
  const taskclusters = [taskcluster].flat();
  await page.route("**/api/**", (route) => {
    const url = new URL(route.request().url());
    if (taskclusters.includes(url.origin)) return route.fallback();
    unknown.push(url.pathname);
    return route.fulfill(json([]));
  });
  await page.route("**/api/repository/", (route) => route.fulfill(json(fixtures.repositories)));
  await page.route(`**/api/project/${fixtures.repo || REPO}/push/**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.endsWith("/decisiontask/")) return route.fulfill(json(fixtures.decisionTasks));
    if (url.searchParams.get("count") === "10") return route.fulfill(json(fixtures.pushList));
    return route.fulfill(json({ results: [] }));
  });
  await page.route("**/api/jobs/**", (route) => route.fulfill(json(fixtures.jobs)));
  await page.route("https://treestatus.prod.lando.prod.cloudops.mozgcp.net/**", (route) =>
    route.fulfill(json({ result: { status: "open", reason: "", tree: fixtures.repo || REPO } })),
  );
  await page.route("https://bugzilla.mozilla.org/rest/bug**", (route) => route.fulfill(json({ bugs: [] })));
}

/** Opens Add new jobs on the first push and waits for its runnable jobs. */
export async function addNewJobs(page) {
  await page.getByTestId("push-action-menu-button").first().click();
  await page.getByTitle("Add new jobs to this push", { exact: true }).click();
  await page.locator("button.runnable-job-btn").first().waitFor({ timeout: 20_000 });
}

/** A runnable job's button, by the stable id Treeherder gives it (`data-job-id`: the push id
 * and the label, escaped by its `escapeId`; RunnableJobModel). Its title is no use: Treeherder
 * drops a trailing chunk number from it (`…-ru-en-1` shows as `…-ru-en`). */
export const runnableButton = (page, label, pushId = 1) =>
  page.locator(`button.runnable-job-btn[data-job-id="${`${pushId}${label}`.replace(/(:|\[|\]|\?|,|\.|\s+)/g, "-")}"]`);

/** The counts the confirm dialog shows once its preview of `requested` picks is ready. */
export async function dialogCounts(page, requested) {
  const counts = page.locator(`.new-jobs-confirm .tgp-panel[data-status="ready"] .tgp-counts[data-requested="${requested}"]`);
  await counts.waitFor({ timeout: 20_000 });
  const read = async (name) => Number(await counts.getAttribute(`data-${name}`));
  return { created: await read("created"), reused: await read("reused"), removed: await read("removed"), requested };
}
