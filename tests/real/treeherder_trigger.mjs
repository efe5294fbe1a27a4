// The patched Treeherder against the real Taskcluster services, as a sheriff uses it: its
// production build on http://localhost:5000 (an origin whose OAuth2 client Treeherder knows:
// `treeherder-localhost-5000-client`, registered at the web-server), its REST API answered from
// fixtures of the real push (the decision task and its task group as the real queue lists
// them), the real services as its Taskcluster. Add new jobs → pick a job → the hint and the
// dialog preview it from the real services → Trigger: Treeherder's own credentials flow signs
// in through the real web-server's third-party login (the sheriff is signed in to Taskcluster,
// here by the test strategy), its own PushModel.triggerNewJobs calls the real hooks service,
// and the patch follows the action task the test's worker runs and says whether it matched.
//
// Usage: node tests/real/treeherder_trigger.mjs ROOT_URL DECISION STORAGE_URL ARTIFACTS_DIR GROUP_JSON LABEL
// (ARTIFACTS_DIR: the decision's artifacts as stored; GROUP_JSON: its task group as
// [{task, status}]). Prints one JSON line: {counts, sent, followed, signedInAs, triggeredBy,
// screenshot, errors}. Run by test_action_task.py.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { ROOT, launchBrowser } from "../../www/e2e/harness.mjs";
import { pushFixtures, REPO } from "../../integrations/treeherder/test/fixtures.mjs";
import {
  addNewJobs, dialogCounts, mockTreeherderApi, runnableButton, serveTreeherder, treeherderCsp,
} from "../../integrations/treeherder/test/host.mjs";

const [rootUrl, decision, storageUrl, artifacts, groupFile, label] = process.argv.slice(2);
const target = process.env.CARGO_TARGET_DIR || join(ROOT, "target");
const shots = join(target, "screenshots");
mkdirSync(shots, { recursive: true });

const fixtures = pushFixtures({ rootUrl, decisionTaskId: decision, artifacts, group: JSON.parse(readFileSync(groupFile, "utf8")) });
const site = await serveTreeherder(() => treeherderCsp([rootUrl, new URL(storageUrl).origin]), { host: "localhost", port: 5000 });
const browser = await launchBrowser();
const errors = [];
const hawkIds = [];
let result;
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.on("request", (r) => {
    const id = /^Hawk id="([^"]+)"/.exec(r.headers().authorization || "");
    if (id && r.url().includes("/api/hooks/v1/hooks/")) hawkIds.push(id[1]);
  });
  // The sheriff is signed in to Taskcluster (its session cookie, shared with Treeherder's
  // sign-in tab).
  const login = await context.request.get(`${rootUrl}/login/test`);
  if (login.status() !== 204) throw new Error(`${rootUrl}/login/test answered ${login.status()}`);
  page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  await mockTreeherderApi(page, fixtures, { taskcluster: rootUrl });
  await page.goto(`${site.url}/jobs?repo=${REPO}&group_state=expanded`);
  await page.getByTestId("push-header").first().waitFor({ timeout: 30_000 });
  await addNewJobs(page);
  await runnableButton(page, label).click();
  const hint = page.locator('[data-testid="new-jobs-hint"][data-created]');
  await hint.waitFor({ timeout: 60_000 });
  const notification = (text) => page.locator(".notification-box, [role=alert], .alert").filter({ hasText: text }).first();

  // Trigger → the dialog with the preview → its Trigger. Without credentials Treeherder opens
  // its sign-in tab and waits 4 s for them; if they come later, the sheriff triggers again.
  let counts;
  for (let attempt = 0; attempt < 2; attempt++) {
    await page.getByTitle("Trigger new jobs").click();
    counts = await dialogCounts(page, 1);
    if (attempt === 0) await page.screenshot({ path: join(shots, "real-2-treeherder-dialog.png") });
    await page.locator(".new-jobs-confirm .tgp-trigger").click();
    const outcome = await Promise.race([
      notification("Request sent to trigger new jobs").waitFor({ timeout: 60_000 }).then(() => "sent"),
      notification("Need to retrieve or renew Taskcluster credentials").waitFor({ timeout: 60_000 }).then(() => "credentials"),
    ]);
    if (outcome === "sent") break;
    await page.waitForFunction((root) => JSON.parse(localStorage.getItem("userCredentials") || "{}")[root], rootUrl, { timeout: 30_000 });
  }
  const sent = (await notification("Request sent to trigger new jobs").textContent()).trim();
  const followed = notification(/Preview matched|differs from the preview|Could not compare/);
  await followed.waitFor({ timeout: 180_000 });
  const screenshot = join(shots, "real-3-treeherder-followed-the-real-action.png");
  await page.screenshot({ path: screenshot });
  const stored = await page.evaluate((root) => JSON.parse(localStorage.getItem("userCredentials") || "{}")[root], rootUrl);
  result = {
    counts, sent, followed: (await followed.textContent()).trim(), signedInAs: stored?.credentials?.clientId,
    triggeredBy: hawkIds.join(" "), screenshot, errors,
  };
} catch (e) {
  const screenshot = join(shots, "real-2-treeherder-failed.png");
  await page?.screenshot({ path: screenshot }).catch(() => {});
  const said = page && (await page.locator(".notification-box, [role=alert], .alert").allTextContents().catch(() => []));
  result = { error: String(e), said, screenshot, errors };
} finally {
  await browser.close();
  site.server.close();
}
console.log(JSON.stringify(result));
