// Issue 23: a worker that cannot start says what failed, with the URL it tried, never
// "[object Event]": a missing script (404) and a script served with a non-JavaScript type, in
// headless Chromium, through the package's own createPreviewer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { suite, openPage } from "./harness.mjs";

const env = suite({}, { csp: false });

/** The message of `load`'s rejection with a worker started from `workerUrl`, and of a call
 * made after it (which must not hang). */
async function failure(page, workerUrl) {
  return page.evaluate(async (url) => {
    const { createPreviewer } = await import("/src/index.js");
    const previewer = createPreviewer({ workerUrl: url });
    const messages = [];
    for (const call of [() => previewer.load({ rootUrl: location.origin, decisionTaskId: "NssSampleDecision00001" }),
                        () => previewer.summary()]) {
      try {
        await call();
        messages.push("resolved");
      } catch (e) {
        messages.push(`${e.name} ${e.kind}: ${e.message}`);
      }
    }
    previewer.dispose();
    return messages;
  }, workerUrl);
}

test("a worker that cannot start names the URL and the reason", async () => {
  const { page } = await openPage(env.browser, `${env.standin.url}/`, { width: 1280, height: 720 });
  const missing = `${env.standin.url}/nowhere/worker.js`;
  assert.deepEqual(await failure(page, missing), [
    `PreviewError worker: the engine's worker could not start: ${missing} answered 404 Not Found`,
    `PreviewError worker: the engine's worker could not start: ${missing} answered 404 Not Found`,
  ]);
  const notScript = `${env.standin.url}/index.html`;
  const [message] = await failure(page, notScript);
  assert.equal(message, `PreviewError worker: the engine's worker could not start: ${notScript} is served as text/html, not JavaScript (a module worker needs text/javascript)`);
  // The package's own worker still starts.
  const ok = await page.evaluate(async () => {
    const { createPreviewer } = await import("/src/index.js");
    const previewer = createPreviewer();
    const summary = await previewer.load({ rootUrl: location.origin, decisionTaskId: "NssSampleDecision00001" });
    previewer.dispose();
    return summary.tasks;
  });
  assert.equal(ok, 666);
  await page.close();
});
