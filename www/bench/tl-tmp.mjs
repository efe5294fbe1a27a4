import { ROOT, startStandin, launchBrowser } from "../e2e/harness.mjs";
const faults = process.argv.slice(2);
const standin = await startStandin({ faults, csp: null });
const browser = await launchBrowser();
try {
  for (let run = 0; run < 2; run++) {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    const W = window.Worker;
    window.__msgs = [];
    const t0 = performance.now();
    window.Worker = class extends W {
      constructor(...a) {
        super(...a);
        window.__msgs.push(`${((performance.now() - t0) / 1000).toFixed(2)} worker created`);
        this.addEventListener("message", (e) => {
          const d = e.data || {};
          const what = d.progress ? (d.progress.jobs ? "jobs page" : "progress " + String(d.progress.step).slice(-40)) : d.ok !== undefined ? "reply " + String(d.result || d.error || "").length : JSON.stringify(d).slice(0, 60);
          window.__msgs.push(`${((performance.now() - t0) / 1000).toFixed(2)} ${what}`);
        });
      }
    };
  });
  const t0 = Date.now();
  const ev = [];
  const t = () => ((Date.now() - t0) / 1000).toFixed(2);
  page.on("request", (r) => ev.push(`${t()} > ${r.url().replace(standin.url, "").slice(0, 110)}`));
  page.on("requestfinished", (r) => ev.push(`${t()} < ${r.url().replace(standin.url, "").slice(0, 110)}`));
  await page.goto(`${standin.url}/?decisionTaskId=GeckoSyntheticDecision&select=${encodeURIComponent("test-linux64/debug-mochitest-plain-1")}`);
  await page.locator(".job-btn").first().waitFor({ timeout: 600000 });
  ev.push(`${t()} FIRST GRID`);
  await page.locator("#preview-counts").waitFor({ timeout: 600000 });
  ev.push(`${t()} PREVIEW`);
  if (run == 1) console.log((await page.evaluate(() => window.__msgs)).filter((m, i, a) => !m.includes("progress") || !a[i + 1]?.includes(m.split(" ").slice(1).join(" "))).join("\n"));
  if (run == 1) console.log(ev.filter((e) => !/\.(js|css|wasm|html|svg|png|woff2?)$/.test(e) && !e.endsWith("/")).join("\n"));
  await page.close();
  }
} finally {
  await browser.close();
  standin.stop();
}
