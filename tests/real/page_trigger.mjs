// The page against the real Taskcluster services, as a sheriff uses it: served on its own
// origin (the stand-in serving only the built page, under the strict CSP, allowed to connect
// to the real root URL), it loads a push from the real services, previews a pick, triggers it
// once with the sheriff's credentials typed into the trigger dialog (signed with Hawk in the
// worker), follows the action task the real hooks service created, and says whether it matched.
//
// Usage: node tests/real/page_trigger.mjs ROOT_URL DECISION LABEL CLIENT_ID ACCESS_TOKEN STORAGE_URL
// (STORAGE_URL: where the queue redirects artifact downloads; the host's CSP allows it, as
// Treeherder's allows Taskcluster's artifact domain)
// Prints one JSON line: {created, status, screenshot, problems}. Run by test_action_task.py,
// whose worker runs the action task meanwhile.
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ROOT, SITE, launchBrowser, cspViolations, startStandin, waitForPreview } from "../../www/e2e/harness.mjs";

const [rootUrl, decision, label, clientId, accessToken, storageUrl] = process.argv.slice(2);
const target = process.env.CARGO_TARGET_DIR || join(ROOT, "target");

// The page's own origin: a stand-in serving only the built page, under the strict CSP.
const site = await startStandin({
  www: SITE, dir: mkdtempSync(join(tmpdir(), "tgp-real-page-")), sample: false,
  csp: [new URL(rootUrl).origin, new URL(storageUrl).origin],
});
const browser = await launchBrowser();
const problems = [];
let result;
let page;
try {
  page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  page.on("pageerror", (e) => problems.push(e.message));
  const query = new URLSearchParams({ rootUrl, decisionTaskId: decision, select: label });
  await page.goto(`${site.url}/?${query}`);
  await waitForPreview(page, 1, 60000);
  const created = await page.locator("#preview-counts").textContent();
  await page.click("#trigger-button");
  await page.waitForSelector("#trigger-request", { state: "attached" });
  await page.click("#use-token > summary");
  await page.fill("#client-id", clientId);
  await page.fill("#access-token", accessToken);
  await page.click("#confirm-trigger");
  await page.locator(".status-matched, .status-differs").first().waitFor({ timeout: 120000 });
  const status = (await page.locator("#status-line").textContent()).trim();
  mkdirSync(join(target, "screenshots"), { recursive: true });
  const screenshot = join(target, "screenshots", "real-1-page-followed-the-real-action.png");
  await page.screenshot({ path: screenshot });
  result = { created: created.trim(), status, screenshot, problems, csp: cspViolations };
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
