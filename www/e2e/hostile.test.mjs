// Hostile content on a push made for it: labels, symbols, group names and platforms that carry
// markup render as inert text (no element, no script, no dialog), and labels of 1,000
// characters and Unicode (right-to-left text, emoji, zero-width characters) keep the layout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ROOT, waitForPreview, suite, openPage } from "./harness.mjs";

const DECISION = "HostileDecision0000001";
const MARKUP = `<img src=x onerror="window.__owned=1">`;
const LONG = `test-${"very-long-".repeat(99)}x`.slice(0, 1000);
const UNICODE = "test-\u202Eevil\u202C-\u{1F525}-\u200Bzero\u200Dwidth-\u05E9\u05DC\u05D5\u05DD";

function task(label, { symbol, groupSymbol, groupName, platform, deps = {} }) {
  return {
    label, kind: "test", attributes: {}, dependencies: deps, optimization: null,
    soft_dependencies: [], if_dependencies: [],
    task: {
      deadline: { "relative-datestamp": "1 day" }, created: { "relative-datestamp": "0 seconds" },
      expires: { "relative-datestamp": "1 year" }, metadata: { name: label, description: MARKUP },
      payload: {}, tags: { kind: "test", label },
      extra: { treeherder: { symbol, groupSymbol, groupName, machine: { platform }, collection: { opt: true }, tier: 1 } },
    },
  };
}

let dir;

const env = suite(() => {
  dir = mkdtempSync(join(tmpdir(), "tgp-hostile-"));
  const graph = {
    [`build-${MARKUP}`]: task(`build-${MARKUP}`, { symbol: `<b>B</b>`, platform: `linux64${MARKUP}` }),
    [`test-${MARKUP}`]: task(`test-${MARKUP}`, { symbol: `<script>window.__owned=2</script>`, groupSymbol: `<i>G</i>`,
      groupName: `group ${MARKUP}`, platform: `linux64${MARKUP}`, deps: { build: `build-${MARKUP}` } }),
    [LONG]: task(LONG, { symbol: "L".repeat(300), groupSymbol: "Long", groupName: "long", platform: "p".repeat(400) }),
    [UNICODE]: task(UNICODE, { symbol: "\u202E\u{1F525}", groupSymbol: "\u05E9", groupName: "\u05E9\u05DC\u05D5\u05DD", platform: "\u202Ertl-platform" }),
  };
  const put = (rel, text) => {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  const t = `tasks/${DECISION}`;
  put(`${t}/task.json`, JSON.stringify({ schedulerId: "hostile-level-3", taskGroupId: DECISION }));
  put(`${t}/artifacts/public/full-task-graph.json`, JSON.stringify(graph));
  // The build exists; the tests can be added.
  put(`${t}/artifacts/public/label-to-taskid.json`, JSON.stringify({ [`build-${MARKUP}`]: "ExistingBuild000000001" }));
  put(`${t}/artifacts/public/parameters.yml`, JSON.stringify({ project: `proj${MARKUP}`, head_rev: "abc", pushlog_id: "1", owner: MARKUP, level: "3" }));
  put("index.json", "{}");
  return { dir, sample: false };
});

test("markup in labels, symbols, groups and platforms is inert text; long and Unicode labels keep the layout", async () => {
  const dialogs = [];
  const { page, problems } = await openPage(env.browser, `${env.standin.url}/?decisionTaskId=${DECISION}`, {
    width: 1400,
    height: 900,
    init: (page) =>
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        d.dismiss();
      }),
  });
  await page.click("#add-new-jobs");
  await page.click("#expand-all");
  const job = (label) => page.locator(`.job-btn[data-label=${JSON.stringify(label)}]`).first();
  const hostile = job(`test-${MARKUP}`);
  await hostile.waitFor({ timeout: 30000 });
  // Rendered as text: the symbol shows its markup literally, and no element was made of it.
  assert.equal(await hostile.textContent(), "<script>window.__owned=2</script>");
  assert.equal(await page.locator("img[src=x]").count(), 0);
  assert.equal(await page.locator(".job-btn b, .job-btn script, .grid-column i").count(), 0);
  // Pick every runnable job (the long and the Unicode ones too): the preview lists them as text.
  for (const label of [`test-${MARKUP}`, LONG, UNICODE]) {
    await job(label).click();
  }
  await waitForPreview(page, 3);
  const panel = await page.locator(".preview-column").textContent();
  assert.ok(panel.includes(`test-${MARKUP}`), "the hostile label is shown as text");
  // Controls that reorder text are shown, so the label cannot pose as another; the rest of its
  // Unicode is shown as it is.
  assert.ok(panel.includes("test-[U+202E]evil[U+202C]-\u{1F525}-\u200Bzero\u200Dwidth-\u05E9\u05DC\u05D5\u05DD"), panel);
  assert.equal(await page.locator(".preview-column img, .preview-column script").count(), 0);
  // The layout holds: every platform keeps its column, a long symbol stays one button wide,
  // nothing is wider than the window.
  const platformWidths = await page.locator("td.platform").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
  assert.ok(platformWidths.length === 3 && platformWidths.every((w) => w > 50), `platform cells: ${platformWidths}`);
  const longButton = await job(LONG).evaluate((e) => e.getBoundingClientRect().width);
  assert.ok(longButton < 400, `the long symbol's button is ${longButton}px wide`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the window`);
  await page.screenshot({ path: join(ROOT, "target", "screenshots", "11-hostile-content.png") });
  assert.equal(await page.evaluate(() => window.__owned), undefined, "no injected script ran");
  assert.deepEqual(dialogs, []);
  assert.deepEqual(problems, []);
  await page.close();
});
