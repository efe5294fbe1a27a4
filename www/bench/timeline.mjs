// The page's load on the 50k sample, request by request: when each request of the page and of
// its worker starts and ends (Playwright's request events), the first grid and the first
// preview, from navigation. Three runs; the last one printed whole, the others as
// "grid preview" (ms). Finds what waits for what; make bench-page gives the figures.
//   node www/bench/timeline.mjs [standin fault flags…], e.g. --rate 6250000 --delay-ms 80
import { join } from "node:path";
import { ROOT, startStandin, launchBrowser } from "../e2e/harness.mjs";

const PUSH = "GeckoSyntheticDecision";
const PICK = process.env.TGP_PICK || "test-linux64/debug-mochitest-plain-1";
const browser = await launchBrowser();
const standin = await startStandin({ www: process.env.TGP_SITE || join(ROOT, "dist"), csp: null, faults: process.argv.slice(2) });
try {
  for (let run = 0; run < 3; run++) {
    const context = await browser.newContext();
    const page = await context.newPage({ viewport: { width: 1500, height: 950 } });
    const started = Date.now();
    const log = [];
    const at = () => Date.now() - started;
    const short = (url) => url.replace(standin.url, "").slice(0, 100);
    context.on("request", (r) => log.push([at(), "start", short(r.url())]));
    context.on("requestfinished", (r) => log.push([at(), "end  ", short(r.url())]));
    await page.goto(`${standin.url}/?decisionTaskId=${PUSH}&select=${encodeURIComponent(PICK)}`);
    await page.locator(".job-btn").first().waitFor({ timeout: 600000 });
    const grid = at();
    log.push([grid, "GRID ", ""]);
    await page.locator("#preview-counts").waitFor({ timeout: 600000 });
    const preview = at();
    log.push([preview, "PREVIEW", ""]);
    if (run === 2) for (const [t, what, url] of log.sort((a, b) => a[0] - b[0])) console.log(String(t).padStart(6), what, url);
    else console.log(grid, preview);
    await context.close();
  }
} finally {
  standin.stop();
  await browser.close();
}
