// Where the CPU goes while the page loads the 50k sample push, in headless Chromium against
// the stand-in: the CPU time of every thread of every process on the machine from navigation
// to the first preview drawn, summed by process type and thread name (Linux: /proc). On a
// 2-core machine the page's load is CPU-bound: this names who competes (the worker, the
// page's main thread, V8's compiler threads, the network service, the stand-in itself).
// Runs TGP_RUNS times (default 3) after one warm-up run; TGP_SITE serves another build.
//   cd www && node bench/page-cpu.mjs [stand-in faults, e.g. --rate 6250000]
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startStandin, launchBrowser } from "../e2e/harness.mjs";

const PICK = process.env.TGP_PICK || "test-linux64/debug-mochitest-plain-1";
const RUNS = Number(process.env.TGP_RUNS || 3);
const read = (path) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

/** Every thread's CPU time so far (ns, from schedstat), named `process(type) thread`. */
function threads() {
  const all = new Map();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    const cmd = read(`/proc/${pid}/cmdline`);
    const type = [cmd.match(/--type=([a-z-]+)/), cmd.match(/--utility-sub-type=([\w.]+)/)]
      .map((m) => (m ? m[1] : ""))
      .filter(Boolean)
      .join(":");
    const name = read(`/proc/${pid}/comm`).trim() + (type ? `(${type})` : "");
    for (const tid of tasks) {
      const ns = Number(read(`/proc/${pid}/task/${tid}/schedstat`).split(" ")[0]);
      if (ns) all.set(`${pid}/${tid}`, { ns, name: `${name} ${read(`/proc/${pid}/task/${tid}/comm`).trim()}` });
    }
  }
  return all;
}

const standin = await startStandin({ www: process.env.TGP_SITE || join(ROOT, "dist"), faults: process.argv.slice(2), csp: null });
const browser = await launchBrowser();
try {
  for (let run = 0; run <= RUNS; run++) {
    const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    const before = threads();
    const started = Date.now();
    await page.goto(`${standin.url}/?decisionTaskId=GeckoSyntheticDecision&select=${encodeURIComponent(PICK)}`);
    await page.locator("#preview-counts").waitFor({ timeout: 600000 });
    const wall = Date.now() - started;
    const spent = new Map();
    for (const [key, { ns, name }] of threads()) {
      const delta = ns - (before.get(key)?.ns || 0);
      if (delta > 0) spent.set(name, (spent.get(name) || 0) + delta);
    }
    const total = [...spent.values()].reduce((a, b) => a + b, 0);
    if (run > 0) {
      console.log(`run ${run}: preview seen after ${wall} ms; ${(total / 1e6).toFixed(0)} ms of CPU on the machine`);
      for (const [name, ns] of [...spent].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
        console.log(`  ${(ns / 1e6).toFixed(0).padStart(6)} ms  ${name}`);
      }
    }
    await page.waitForFunction(() => !document.querySelector(".loading"), null, { timeout: 600000 });
    await page.close();
  }
} finally {
  await browser.close();
  standin.stop();
}
