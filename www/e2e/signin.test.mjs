// "Sign in with Taskcluster" on the page, against the stand-in's third-party login: the trigger
// dialog opens Taskcluster's consent page in a popup asking for the scopes the page's OAuth2
// client is registered with (Taskcluster refuses any other set); after "Allow" the dialog
// shows who is signed in, and Confirm sends exactly one hook
// trigger signed with the temporary credentials. Their access token never shows on the page,
// never reaches storage, the URL, the console or a request in the clear. Sign out forgets them;
// credentials that do not hold another action's hook say so and send nothing; Deny ends in a clear message; and all of it with
// the page on another origin than Taskcluster, registered there as an OAuth2 client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startStandin, cspViolations, freePort, waitForPreview, suite, openPage } from "./harness.mjs";

const NSS = "NssSampleDecision00001";
const PICK = "test-bogo-linux32/debug";
const GENERIC = "project-nss/in-tree-action-3-generic/0123456789";
const REBUILD = "project-nss/in-tree-action-3-rebuild-cached-tasks/0123456789";

const env = suite({}, { csp: "the page and the consent page run under strict CSPs" });

/** A page on the NSS push with one job picked, its trigger dialog open; everything the page,
 * its worker and its popups log or request is recorded, and every temporary credential the
 * stand-in hands out. */
async function openTriggerDialog(site = env.standin, query = "") {
  const seen = { console: [], requests: [], tokens: [] };
  const { page, problems } = await openPage(env.browser, `${site.url}/?select=${encodeURIComponent(PICK)}${query}`, {
    init: (page) => {
      const context = page.context();
      context.on("console", (m) => {
        seen.console.push(m.text());
        // The consent popup and the callback page run under CSPs too.
        if (m.page() !== page && m.text().includes("Content Security Policy")) cspViolations.push(`${m.page()?.url()}: ${m.text()}`);
      });
      page.on("worker", (worker) => worker.on("console", (m) => seen.console.push(m.text())));
      context.on("request", (r) => seen.requests.push({ url: r.url(), headers: r.headers(), body: r.postData() || "" }));
      context.on("response", async (r) => {
        if (r.url().endsWith("/login/oauth/credentials") && r.status() === 200) {
          seen.tokens.push((await r.json()).credentials.accessToken);
        }
      });
    },
  });
  seen.problems = problems;
  await waitForPreview(page, 1, 60000);
  await page.click("#trigger-button");
  await page.waitForSelector("#trigger-request", { state: "attached" });
  return { page, seen };
}

/** Clicks "Sign in with Taskcluster" and answers the consent popup with `decision`. */
async function signIn(page, decision, scopes, { taskcluster = env.standin, site = env.standin, clientId = "taskgraph-preview" } = {}) {
  await page.waitForSelector("#sign-in:not([disabled])");
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#sign-in")]);
  await popup.waitForSelector("#allow", { timeout: 10000 });
  const asked = new URL(popup.url());
  assert.equal(asked.origin + asked.pathname, `${taskcluster.url}/login/oauth/authorize`);
  assert.equal(asked.searchParams.get("response_type"), "code");
  assert.equal(asked.searchParams.get("client_id"), clientId);
  assert.equal(asked.searchParams.get("redirect_uri"), `${site.url}/login/callback.html`);
  assert.match(asked.searchParams.get("state"), /^[0-9a-f]{32}$/);
  // The client's registered scopes, and the consent page lists them.
  assert.deepEqual(asked.searchParams.getAll("scope"), [scopes.join(" ")], "one space-separated scope parameter");
  const listed = await popup.locator("#login-scopes li").allTextContents();
  assert.deepEqual(listed, scopes);
  assert.equal(await popup.locator("#login-client").textContent(), clientId);
  await popup.screenshot({ path: join(ROOT, "target", "screenshots", "12-consent.png") });
  const closed = popup.waitForEvent("close", { timeout: 10000 });
  await popup.click(decision === "allow" ? "#allow" : "#deny");
  await closed;
}

const scopesOf = (hook) => [`hooks:trigger-hook:${hook}`];
/** What the stand-in registers its OAuth2 clients with by default, and the page asks for. */
const REGISTERED = ["hooks:trigger-hook:*"];

test("sign in, trigger once with temporary credentials, sign out; the token never shows", async () => {
  const { page, seen } = await openTriggerDialog();
  // The sign-in is the primary path; the access-token fields are collapsed.
  assert.ok(await page.locator("#sign-in").isVisible());
  assert.ok(!(await page.locator("#client-id").isVisible()));
  await signIn(page, "allow", REGISTERED);
  await page.waitForSelector("#signed-in", { timeout: 10000 });
  assert.match(
    await page.locator("#signed-in").textContent(),
    /^Signed in as demo-sheriff\/taskgraph-preview \(expires \d{4}-\d\d-\d\d \d\d:\d\d UTC\) Sign out$/,
  );
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "13-signed-in.png") });
  assert.equal(seen.tokens.length, 1, "the credentials were fetched once");
  const [token] = seen.tokens;
  assert.ok(token.length > 20);
  assert.ok(!(await page.content()).includes(token), "the token is on the page");

  const before = env.standin.calls().length;
  await page.dblclick("#confirm-action");
  await page.locator(".status-following, .status-matched, .status-differs").first().waitFor({ timeout: 30000 });
  const calls = env.standin.calls().slice(before);
  assert.equal(calls.length, 1, JSON.stringify(calls));
  assert.equal(calls[0].call, "triggerHook");
  assert.equal(`${calls[0].hookGroupId}/${calls[0].hookId}`, GENERIC);
  assert.equal(calls[0].clientId, "demo-sheriff/taskgraph-preview");
  assert.equal(calls[0].temporary, true, "signed with the temporary credentials");
  assert.deepEqual(calls[0].scopes, REGISTERED);
  assert.deepEqual(calls[0].payload.user.input, { tasks: [PICK] });

  // Signed requests go to the root URL's API only, with the certificate in `ext`; nothing
  // carries the token itself.
  const signed = seen.requests.filter((r) => r.headers.authorization?.startsWith("Hawk "));
  assert.equal(signed.length, 1);
  assert.ok(signed[0].url.startsWith(`${env.standin.url}/api/hooks/v1/hooks/`), signed[0].url);
  assert.match(signed[0].headers.authorization, /^Hawk id="demo-sheriff\/taskgraph-preview", ts="\d+", nonce="[^"]+", hash="[^"]+", ext="[^"]+", mac="[^"]+"$/);
  assert.ok(!seen.requests.some((r) => r.url.includes(token) || r.body.includes(token) || JSON.stringify(r.headers).includes(token)));
  const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
  assert.ok(!stored.includes(token), "the token is in web storage");
  assert.ok(!page.url().includes(token), "the token is in the URL");
  assert.ok(!seen.console.some((t) => t.includes(token)), "the token was logged");
  assert.ok(!page.url().includes("code="), "the page's URL is untouched");
  assert.ok(decodeURIComponent(page.url()).includes(`select=${PICK}`), `the page keeps its picks: ${page.url()}`);

  // Sign out forgets them: Trigger is then disabled and says why, and nothing is sent.
  await page.click("#trigger-button");
  await page.waitForSelector("#trigger-request", { state: "attached" });
  await page.waitForSelector("#signed-in");
  assert.ok(await page.locator("#confirm-action").isEnabled());
  await page.click("#sign-out");
  assert.equal(await page.locator("#signed-in").count(), 0);
  assert.ok(await page.locator("#sign-in").isVisible());
  const beforeSignOut = env.standin.calls().length;
  assert.ok(await page.locator("#confirm-action").isDisabled());
  assert.equal(
    await page.locator("#confirm-action-reason").textContent(),
    "Sign in with Taskcluster, or enter your Taskcluster clientId and accessToken.",
  );
  assert.equal(await page.locator("#confirm-action").getAttribute("aria-describedby"), "confirm-action-reason");
  await page.click("#confirm-action", { force: true }).catch(() => {});
  assert.equal(env.standin.calls().length, beforeSignOut, "nothing is sent after signing out");
  assert.deepEqual(seen.problems, []);
  await page.close();
});

test("one sign-in serves every action its scopes cover; one they do not cover says so and sends nothing", async () => {
  const openRebuild = async (page) => {
    await page.click("#action-dialog button:has-text('Cancel')");
    await page.click("#push-actions");
    const rebuild = page.locator('#group-actions .action-btn[data-action="rebuild-cached-tasks"]');
    await rebuild.waitFor({ timeout: 30000 });
    await rebuild.click();
    await page.locator("#action-dialog").waitFor();
  };
  {
    const { page, seen } = await openTriggerDialog();
    await signIn(page, "allow", REGISTERED);
    await page.waitForSelector("#signed-in");
    await openRebuild(page);
    await page.waitForSelector("#confirm-action:not([disabled])", { timeout: 30000 });
    assert.equal(await page.locator("#signin-other-scopes").count(), 0);
    const before = env.standin.calls().length;
    await page.click("#confirm-action");
    await page.locator(".status-action-triggered").waitFor({ timeout: 30000 });
    const calls = env.standin.calls().slice(before);
    assert.equal(calls.length, 1, JSON.stringify(calls));
    assert.equal(`${calls[0].hookGroupId}/${calls[0].hookId}`, REBUILD);
    assert.equal(calls[0].temporary, true);
    assert.deepEqual(calls[0].scopes, REGISTERED);
    assert.deepEqual(seen.problems, []);
    await page.close();
  }
  // A deployment that registered the page's client for one hook only (and says so with
  // loginScope=): those credentials trigger add-new-jobs, and Rebuild Cached Tasks says they
  // do not hold its hook.
  const narrow = await startStandin({ faults: ["--login-scope", scopesOf(GENERIC)[0]] });
  try {
    const { page, seen } = await openTriggerDialog(narrow, `&loginScope=${encodeURIComponent(scopesOf(GENERIC)[0])}`);
    await signIn(page, "allow", scopesOf(GENERIC), { taskcluster: narrow, site: narrow });
    await page.waitForSelector("#signed-in");
    await openRebuild(page);
    const note = page.locator("#signin-other-scopes");
    await note.waitFor({ timeout: 30000 });
    assert.equal(await note.textContent(), `These credentials do not hold ${scopesOf(REBUILD)[0]}: sign in as someone who may trigger this action, or use an access token.`);
    await page.screenshot({ path: join(ROOT, "target", "screenshots", "13b-signed-in-not-covered.png") });
    // Trigger stays disabled and says why; nothing is sent.
    await page.locator("#action-counts[data-created]").waitFor({ timeout: 30000 });
    assert.ok(await page.locator("#confirm-action").isDisabled());
    assert.equal(
      await page.locator("#confirm-action-reason").textContent(),
      "Your Taskcluster sign-in is not for this action's hook: sign in again for it.",
    );
    assert.deepEqual(narrow.calls(), [], "nothing is sent with credentials that cannot trigger it");
    assert.deepEqual(seen.problems, []);
    await page.close();
  } finally {
    narrow.stop();
  }
});

test("Deny at the consent page ends in a clear message and sends nothing", async () => {
  const { page, seen } = await openTriggerDialog();
  const before = env.standin.calls().length;
  await signIn(page, "deny", REGISTERED);
  const error = page.locator("#signin-error");
  await error.waitFor({ timeout: 10000 });
  assert.equal(await error.textContent(), `Sign-in denied at ${env.standin.url}: no credentials were issued, nothing was sent.`);
  assert.equal(await page.locator("#signed-in").count(), 0);
  assert.ok(await page.locator("#sign-in").isEnabled(), "the sheriff can sign in again");
  assert.equal(env.standin.calls().length, before);
  assert.deepEqual(seen.tokens, []);

  // Asking for other scopes than the client is registered with: Taskcluster answers
  // invalid_scope after consent, and the page says what to change.
  await page.goto(page.url() + "&loginScope=queue%3Acreate-task%3A*");
  await waitForPreview(page, 1, 60000);
  await page.click("#trigger-button");
  await page.waitForSelector("#trigger-request", { state: "attached" });
  await signIn(page, "allow", ["queue:create-task:*"]);
  await error.waitFor({ timeout: 10000 });
  assert.equal(
    await error.textContent(),
    `${env.standin.url} refused the scopes this page asked for (queue:create-task:*): its OAuth2 client taskgraph-preview is registered there with other scopes; name them with loginScope= in this page's URL, or use an access token.`,
  );
  assert.deepEqual(seen.tokens, []);
  assert.equal(env.standin.calls().length, before);

  // A window closed without answering leaves the button usable.
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#sign-in")]);
  await popup.waitForSelector("#allow");
  await popup.close();
  await page.locator("#signin-waiting").waitFor();
  assert.ok(await page.locator("#sign-in").isEnabled());
  // A forged answer (another state) is ignored: no code is exchanged.
  await page.evaluate(() => window.postMessage({ type: "taskcluster-login", code: "forged", state: "0".repeat(32) }, window.location.origin));
  await page.locator("#signin-error", { hasText: "did not match this page's request (state) and was ignored" }).waitFor();
  assert.ok(!seen.requests.some((r) => r.url.includes("/login/oauth/token")), "no code was exchanged");
  assert.deepEqual(seen.problems, []);
  await page.close();
});

test("the page on another origin signs in at Taskcluster's origin and triggers with the credentials", async () => {
  // The page's origin is registered at Taskcluster as the OAuth2 client `preview-tool`, the
  // page's `loginClientId` setting.
  const port = await freePort();
  const siteUrl = `http://127.0.0.1:${port}`;
  const taskcluster = await startStandin({ faults: ["--login-client", `preview-tool=${siteUrl}/`] });
  const site = await startStandin({ listen: `127.0.0.1:${port}`, csp: [taskcluster.url] });
  try {
    assert.equal(site.url, siteUrl);
    const { page, seen } = await openTriggerDialog(site, `&rootUrl=${encodeURIComponent(taskcluster.url)}&decisionTaskId=${NSS}&loginClientId=preview-tool`);
    await signIn(page, "allow", REGISTERED, { taskcluster, site, clientId: "preview-tool" });
    await page.waitForSelector("#signed-in", { timeout: 10000 });
    await page.click("#confirm-action");
    await page.locator(".status-following, .status-matched, .status-differs").first().waitFor({ timeout: 30000 });
    const calls = taskcluster.calls();
    assert.equal(calls.length, 1, JSON.stringify(calls));
    assert.equal(calls[0].temporary, true);
    assert.equal(calls[0].clientId, "demo-sheriff/preview-tool");
    assert.deepEqual(site.calls(), []);
    assert.match(page.url(), /[?&]loginClientId=preview-tool(&|$)/, "the setting stays in the URL");
    // The browser asked before sending the bearer token across origins.
    const log = readFileSync(taskcluster.log, "utf8").split("\n");
    assert.ok(log.includes("OPTIONS /login/oauth/credentials"), log.filter((l) => l.startsWith("OPTIONS")).join("\n"));
    assert.ok(log.includes("POST /login/oauth/token"));
    const [token] = seen.tokens;
    assert.ok(!seen.requests.some((r) => r.url.includes(token) || r.body.includes(token) || JSON.stringify(r.headers).includes(token)));
    assert.deepEqual(seen.problems, []);
    await page.close();
  } finally {
    site.stop();
    taskcluster.stop();
  }
});
