// The page on the Firefox-shaped 50,000-task sample push, in headless Chromium, against the
// stand-in: time from navigation to the first job on screen and to the first preview (a pick
// in the URL, `select=`), the longest main-thread task while loading, and the worker's
// WebAssembly memory (it only grows, so this is its peak). Loopback, then a 50 Mbit/s link
// (`standin --rate 6250000`). The API answers gzip-encoded, as Taskcluster's does; with
// TGP_STORAGE=1 artifacts come from a storage origin with Content-Encoding: gzip, so the
// browser inflates the graph (366 MB of JSON) before the engine sees it. Run: make bench-page.
import { join } from "node:path";
import { ROOT, startStandin, launchBrowser, watchLongTasks } from "../e2e/harness.mjs";

const SITE = process.env.TGP_SITE || join(ROOT, "dist");
const PUSH = "GeckoSyntheticDecision";
const PICK = process.env.TGP_PICK || "test-linux64/debug-mochitest-plain-1";
const RUNS = Number(process.env.TGP_RUNS || 2);
const STORAGE = process.env.TGP_STORAGE === "1";

async function once(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  await watchLongTasks(page);
  const started = Date.now();
  await page.goto(`${url}/?decisionTaskId=${PUSH}&select=${encodeURIComponent(PICK)}`);
  await page.locator(".job-btn").first().waitFor({ timeout: 600000 });
  const grid = Date.now() - started;
  await page.locator("#preview-counts").waitFor({ timeout: 600000 });
  const preview = Date.now() - started;
  const longTasks = await page.evaluate(() => window.__longTasks || []);
  const worker = page.workers()[0];
  const memory = worker ? await worker.evaluate(() => (self.__tgpMemoryBytes ? self.__tgpMemoryBytes() : 0)) : 0;
  await page.close();
  return { grid, preview, longest: Math.max(0, ...longTasks), memory };
}

const scenarios = [
  ["loopback", []],
  ["50 Mbit/s", ["--rate", "6250000"]],
];
const browser = await launchBrowser();
try {
  for (const [name, faults] of scenarios) {
    const standin = await startStandin({ www: SITE, faults, storage: STORAGE, csp: null });
    try {
      await once(browser, standin.url); // warm the sample layout and the browser's caches of the page
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await once(browser, standin.url));
      const best = (key) => Math.min(...runs.map((r) => r[key]));
      console.log(
        `${name.padEnd(10)} first grid ${(best("grid") / 1000).toFixed(2)} s · previews ready ${(best("preview") / 1000).toFixed(2)} s` +
          ` · longest main-thread task ${best("longest")} ms · worker wasm memory ${(Math.max(...runs.map((r) => r.memory)) / 1e6).toFixed(0)} MB` +
          `  (best of ${RUNS}; all: ${runs.map((r) => `${r.grid}/${r.preview} ms`).join(", ")})`,
      );
    } finally {
      standin.stop();
    }
  }
} finally {
  await browser.close();
}
