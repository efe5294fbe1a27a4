// Credentials on the page: a sheriff's access token is only ever sent, signed into a Hawk
// header, to the root URL it was entered for. It never reaches localStorage, the URL, the
// console or an exported file, and no request carries it in the clear.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { useToken, waitForPreview, suite, openPage } from "./harness.mjs";

const PICK = "test-bogo-linux32/debug";
const TOKEN = "demo-access-token";

const env = suite();

test("the access token is only sent, signed, to the root URL; never stored, logged, exported or put in a URL", async () => {
  const requests = [];
  // What the page and its worker log (`consoleText`) is recorded by openPage.
  const { page, console: consoleText } = await openPage(env.browser, `${env.standin.url}/?select=${encodeURIComponent(PICK)}`, {
    init: (page) => {
      page.on("request", (r) => requests.push({ url: r.url(), headers: r.headers(), body: r.postData() || "" }));
      // Requests the worker makes are the worker's, not the page's: record them as well.
      page.context().on("request", (r) => requests.push({ url: r.url(), headers: r.headers(), body: r.postData() || "" }));
    },
  });
  await waitForPreview(page, 1, 60000);
  await page.click("#trigger-button");
  await page.waitForSelector("#trigger-request", { state: "attached" });
  await useToken(page, TOKEN);
  // The exact request shown before sending carries no token.
  assert.ok(!(await page.locator("#trigger-request").textContent()).includes(TOKEN));
  await page.click("#confirm-action");
  await page.locator(".status-following, .status-matched, .status-differs").first().waitFor({ timeout: 30000 });

  // Exports after triggering carry no token either.
  for (const button of ["#export-preview", "#export-request"]) {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
    assert.ok(!readFileSync(await download.path(), "utf8").includes(TOKEN), `${button} exports the token`);
  }
  const local = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  assert.ok(!local.includes(TOKEN), "the token is in localStorage");
  assert.ok(!page.url().includes(TOKEN), "the token is in the URL");
  assert.ok(!consoleText.some((t) => t.includes(TOKEN)), "the token was logged");
  // No request carries the token itself; the signed ones go to the root URL only.
  assert.ok(!requests.some((r) => r.url.includes(TOKEN) || r.body.includes(TOKEN) || JSON.stringify(r.headers).includes(TOKEN)));
  const signed = requests.filter((r) => r.headers.authorization);
  assert.ok(signed.length >= 1, "the trigger was signed");
  for (const r of signed) {
    assert.ok(r.url.startsWith(`${env.standin.url}/api/`), `credentials sent to ${r.url}`);
    assert.match(r.headers.authorization, /^Hawk id="demo-sheriff", ts="\d+", nonce="[^"]+", (hash="[^"]+", )?mac="[^"]+"/);
  }
  await page.close();
});
