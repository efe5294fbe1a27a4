// When each part of the 50k sample push arrives in the page, in headless Chromium against the
// stand-in: every request the page and its worker make (> sent, < done), the worker's messages
// to the page (progress, pages of the early grid, READY, replies) and when the first grid and
// the first preview are on screen. Seconds from navigation, second of two runs (the first
// warms the sample's layout). Stand-in faults go on the command line, TGP_STORAGE=1 puts
// artifacts on a gzip-encoding storage origin:
//   cd www && node bench/page-timeline.mjs [--rate 6250000 ...]
import { startStandin, launchBrowser } from "../e2e/harness.mjs";

const PICK = "test-linux64/debug-mochitest-plain-1";
const faults = process.argv.slice(2);
const standin = await startStandin({ faults, csp: null, storage: process.env.TGP_STORAGE === "1" });
const browser = await launchBrowser();

// Records, on the page, every message its worker posts (seconds since navigation).
function recordWorkerMessages() {
  const Base = window.Worker;
  const t0 = performance.now();
  const at = () => ((performance.now() - t0) / 1000).toFixed(2);
  window.__messages = [];
  window.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      window.__messages.push(`${at()} worker created`);
      this.addEventListener("message", (e) => {
        const d = e.data || {};
        const p = d.progress;
        const what = p
          ? p.summary
            ? "READY (previews may start)"
            : p.jobs
              ? `early grid ${p.jobs.startsWith('{"states"') ? "states" : "jobs"}`
              : `progress ${String(p.step).slice(-50)}`
          : `reply (${String(d.result || JSON.stringify(d.error) || "").length} chars)`;
        window.__messages.push(`${at()} ${what}`);
      });
    }
  };
}

try {
  for (let run = 0; run < 2; run++) {
    const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    await page.addInitScript(recordWorkerMessages);
    const t0 = Date.now();
    const at = () => ((Date.now() - t0) / 1000).toFixed(2);
    const requests = [];
    const path = (r) => r.url().replace(standin.url, "").slice(0, 110);
    page.on("request", (r) => requests.push(`${at()} > ${path(r)}`));
    page.on("requestfinished", (r) => requests.push(`${at()} < ${path(r)}`));
    await page.goto(`${standin.url}/?decisionTaskId=GeckoSyntheticDecision&select=${encodeURIComponent(PICK)}`);
    await page.locator(".job-btn").first().waitFor({ timeout: 600000 });
    requests.push(`${at()} FIRST GRID`);
    await page.locator("#preview-counts").waitFor({ timeout: 600000 });
    requests.push(`${at()} PREVIEW`);
    if (run === 1) {
      console.log("== worker messages");
      console.log((await page.evaluate(() => window.__messages)).join("\n"));
      console.log("== requests (static files left out)");
      console.log(requests.filter((e) => process.env.TGP_ALL_REQUESTS || !/\.(js|css|wasm|html|svg|png|woff2?)$/.test(e) && !e.endsWith("/")).join("\n"));
    }
    await page.close();
  }
} finally {
  await browser.close();
  standin.stop();
}
