// The page against the real Taskcluster services, as a sheriff uses it: served on its own
// origin (the stand-in serving only the built page, under the strict CSP, allowed to connect
// to the real root URL), it loads a push from the real services, previews a pick, signs in
// through the real web-server's third-party login (the sheriff is already signed in to
// Taskcluster, here by the test login strategy; the page is registered there as the OAuth2
// client `taskgraph-preview`), triggers once with the credentials the web-server issued
// (signed with Hawk in the worker), follows the action task the real hooks service created,
// and says whether it matched.
//
// Usage: node tests/real/page_trigger.mjs ROOT_URL DECISION LABEL PAGE_PORT STORAGE_URL
// (PAGE_PORT: the page's origin is http://127.0.0.1:PAGE_PORT, registered at the web-server;
// STORAGE_URL: where the queue redirects artifact downloads; the host's CSP allows it, as
// Treeherder's allows Taskcluster's artifact domain)
// Prints one JSON line: {created, status, signedInAs, triggeredBy, screenshot, problems}. Run
// by test_action_task.py, whose worker runs the action task meanwhile.
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ROOT, SITE, launchBrowser, cspViolations, startStandin, waitForPreview } from "../../www/e2e/harness.mjs";

const [rootUrl, decision, label, pagePort, storageUrl] = process.argv.slice(2);
const target = process.env.CARGO_TARGET_DIR || join(ROOT, "target");

// The page's own origin: a stand-in serving only the built page, under the strict CSP.
const site = await startStandin({
  www: SITE, dir: mkdtempSync(join(tmpdir(), "tgp-real-page-")), sample: false, listen: `127.0.0.1:${pagePort}`,
  csp: [new URL(rootUrl).origin, new URL(storageUrl).origin],
});
const browser = await launchBrowser();
const problems = [];
let result;
let page;
try {
  page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  page.on("pageerror", (e) => problems.push(e.message));
  const hawkIds = [];
  page.context().on("request", (r) => {
    const id = /^Hawk id="([^"]+)"/.exec(r.headers().authorization || "");
    if (id && r.url().includes("/api/hooks/v1/hooks/")) hawkIds.push(id[1]);
  });
  // The sheriff is signed in to Taskcluster (its session cookie, shared with the popup).
  const login = await page.context().request.get(`${rootUrl}/login/test`);
  if (login.status() !== 204) throw new Error(`${rootUrl}/login/test answered ${login.status()}`);
  const query = new URLSearchParams({ rootUrl, decisionTaskId: decision, select: label });
  await page.goto(`${site.url}/?${query}`);
  await waitForPreview(page, 1, 60000);
  const created = await page.locator("#preview-counts").textContent();
  await page.click("#trigger-button");
  await page.waitForSelector("#trigger-request", { state: "attached" });
  // The web-server knows the page's client and the sheriff: no consent screen, the popup
  // comes straight back with a code, and the page exchanges it for credentials.
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#sign-in")]);
  await popup.waitForEvent("close", { timeout: 30000 });
  const signedIn = page.locator("#signed-in");
  await signedIn.or(page.locator("#signin-error")).first().waitFor({ timeout: 30000 });
  const signedInAs = await signedIn.getAttribute("data-client-id", { timeout: 1000 }).catch(() => null);
  if (!signedInAs) throw new Error(`not signed in: ${await page.locator("#signin-error").textContent()}`);
  mkdirSync(join(target, "screenshots"), { recursive: true });
  await page.screenshot({ path: join(target, "screenshots", "real-0-page-signed-in-at-the-real-web-server.png") });
  await page.click("#confirm-action");
  await page.locator(".status-matched, .status-differs").first().waitFor({ timeout: 120000 });
  const status = (await page.locator("#status-line").textContent()).trim();
  const screenshot = join(target, "screenshots", "real-1-page-followed-the-real-action.png");
  await page.screenshot({ path: screenshot });
  result = { created: created.trim(), status, signedInAs, triggeredBy: hawkIds.join(" "), screenshot, problems,
    csp: cspViolations };
} catch (e) {
  // What the page said instead, and how it looked.
  const said = page && (await page.locator("#status-line, .error-banner, #preview-counts").allTextContents().catch(() => []));
  const screenshot = join(target, "screenshots", "real-1-page-failed.png");
  await page?.screenshot({ path: screenshot }).catch(() => {});
  result = { error: String(e), said, screenshot, problems, csp: cspViolations };
} finally {
  await browser.close();
  site.stop();
}
console.log(JSON.stringify(result));
