// The page on the Firefox-shaped 50,000-task sample push, in headless Chromium, against the
// stand-in: time from navigation to the first job drawn and to the first preview drawn (a pick
// in the URL, `select=`), the longest main-thread task from navigation until the load is over,
// when the task graph's last byte arrived (and the preview's lag behind it: the 50 Mbit/s target
// is a preview within 0.5 s of the download's end), and the worker's WebAssembly memory (it only
// grows, so this is its peak). Loopback, then a
// 50 Mbit/s link (`standin --rate 6250000`), then the same with 80 ms before each API answer
// (`--delay-ms 80`, what a request to a distant Taskcluster costs). The API answers
// gzip-encoded, as Taskcluster's does; with TGP_STORAGE=1 artifacts come from a storage origin
// with Content-Encoding: gzip, so the browser inflates the graph (392 MB of JSON) before the
// engine sees it.
//
// Each figure is measured TGP_RUNS times (default 5) after one warm-up run, and reported as the
// median and the worst (a sheriff lives with the typical run, not the best). With
// `--baseline DIR` (a page built from another commit, see `make bench-page BASELINE=<commit>`)
// both pages are measured in the same invocation, their runs interleaved, so they share the
// machine's state. Run: make bench-page.
import { join, resolve } from "node:path";
import { ROOT, startStandin, launchBrowser, watchLongTasks } from "../e2e/harness.mjs";

const PUSH = "GeckoSyntheticDecision";
const PICK = process.env.TGP_PICK || "test-linux64/debug-mochitest-plain-1";
const RUNS = Number(process.env.TGP_RUNS || 5);
const STORAGE = process.env.TGP_STORAGE === "1";
const args = process.argv.slice(2);
const baselineAt = args.indexOf("--baseline");
const sites = [["this tree", process.env.TGP_SITE || join(ROOT, "dist")]];
if (baselineAt >= 0 && args[baselineAt + 1]) sites.push(["baseline", resolve(args[baselineAt + 1])]);

// When the first job and the preview's counts are drawn, on the page's own clock (from
// navigation): the frame after they enter the document (a requestAnimationFrame callback runs
// as the browser starts that frame). The harness sees them later on a busy machine (its
// polling and the DevTools pipe wait for the same two cores: 0.1-0.4 s measured); those
// "seen" times are listed too.
function watchDrawn() {
  window.__drawn = {};
  const watched = { grid: ".job-btn", preview: "#preview-counts" };
  const observer = new MutationObserver(() => {
    for (const [name, selector] of Object.entries(watched)) {
      if (!(name in window.__drawn) && document.querySelector(selector)) {
        window.__drawn[name] = null;
        requestAnimationFrame(() => (window.__drawn[name] = Math.round(performance.now())));
      }
    }
    if (Object.keys(window.__drawn).length === Object.keys(watched).length) observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true });
}

async function once(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  await watchLongTasks(page);
  await page.addInitScript(watchDrawn);
  const started = Date.now();
  await page.goto(`${url}/?decisionTaskId=${PUSH}&select=${encodeURIComponent(PICK)}`);
  await page.locator(".job-btn").first().waitFor({ timeout: 600000 });
  const gridSeen = Date.now() - started;
  await page.locator("#preview-counts").waitFor({ timeout: 600000 });
  const previewSeen = Date.now() - started;
  await page.waitForFunction(() => window.__drawn.grid && window.__drawn.preview, null, { timeout: 60000 });
  const { grid, preview } = await page.evaluate(() => window.__drawn);
  // The load goes on for the graph's own grid after the preview: its tasks count too.
  await page.waitForFunction(() => !document.querySelector(".loading"), null, { timeout: 600000 });
  await page.waitForTimeout(500);
  const longTasks = await page.evaluate(() => window.__longTasks || []);
  const worker = page.workers()[0];
  const memory = worker ? await worker.evaluate(() => (self.__tgpMemoryBytes ? self.__tgpMemoryBytes() : 0)) : 0;
  // When the task graph's last byte was in, on the page's clock: the worker's resource timing
  // (its own clock starts when the worker does) moved by the two clocks' origins.
  const pageOrigin = await page.evaluate(() => performance.timeOrigin);
  const graphEnd = worker
    ? await worker.evaluate(() => {
        const entry = performance.getEntriesByType("resource").find((e) => e.name.includes("full-task-graph"));
        return entry ? performance.timeOrigin + entry.responseEnd : null;
      })
    : null;
  const download = graphEnd === null ? NaN : Math.round(graphEnd - pageOrigin);
  await page.close();
  return { grid, preview, gridSeen, previewSeen, longest: Math.max(0, ...longTasks), memory, download, after: preview - download };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const seconds = (ms) => (ms / 1000).toFixed(2);

const allScenarios = [
  ["loopback", []],
  ["50 Mbit/s", ["--rate", "6250000"]],
  // A real link to Taskcluster also takes time per request: 80 ms for each API answer.
  ["50 Mbit/s + 80 ms", ["--rate", "6250000", "--delay-ms", "80"]],
];
// TGP_LINKS=loopback (comma-separated names' first words) measures only those links.
const only = (process.env.TGP_LINKS || "").split(",").filter(Boolean);
const scenarios = allScenarios.filter(([name]) => !only.length || only.some((o) => name.startsWith(o)));
const browser = await launchBrowser();
try {
  for (const [name, faults] of scenarios) {
    const standins = [];
    for (const [, www] of sites) standins.push(await startStandin({ www, faults, storage: STORAGE, csp: null }));
    try {
      // Warm the sample layout and the browser's caches of each page.
      for (const standin of standins) await once(browser, standin.url);
      const runs = sites.map(() => []);
      for (let i = 0; i < RUNS; i++) {
        for (const [s, standin] of standins.entries()) runs[s].push(await once(browser, standin.url));
      }
      for (const [s, [site]] of sites.entries()) {
        const r = runs[s];
        const figure = (key, show) => `${show(median(r.map((x) => x[key])))} (worst ${show(Math.max(...r.map((x) => x[key])))})`;
        console.log(
          `${name.padEnd(10)} ${site.padEnd(9)} first grid ${figure("grid", seconds)} s · preview ${figure("preview", seconds)} s` +
            ` · graph downloaded ${figure("download", seconds)} s, preview after it ${figure("after", seconds)} s` +
            ` · longest main-thread task ${figure("longest", (x) => x)} ms · worker wasm memory ${(Math.max(...r.map((x) => x.memory)) / 1e6).toFixed(0)} MB` +
            ` · seen by the harness: grid ${figure("gridSeen", seconds)} s, preview ${figure("previewSeen", seconds)} s` +
            `  (median of ${RUNS}; all grid/preview/longest: ${r.map((x) => `${x.grid}/${x.preview}/${x.longest}`).join(", ")})`,
        );
      }
    } finally {
      for (const standin of standins) standin.stop();
    }
  }
} finally {
  await browser.close();
}
