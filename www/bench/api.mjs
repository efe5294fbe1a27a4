// JS API timings on generated pushes of 1k, 10k and 50k tasks (target/bench-data/, generated
// once): load, runnableJobs, and a per-click preview of one label and of fifty labels
// (definitions: false, as the panel asks). First inline on Node, then in headless Chromium
// both inline and through the Web Worker (the worker's overhead: transfer, message passing,
// JSON strings crossing threads). Run: node bench/api.mjs [tasks...]   (e.g. 1000 10000)
// The browser part needs the stand-in (target/release/standin) and /usr/bin/chromium; set
// BENCH_BROWSER=0 to skip it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createPreviewer } from "../src/index.js";
import { graphDir, loadInputs, requests, median, ms, table, WASM_PATH, NOW } from "./data.mjs";

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const SIZES = sizes.length ? sizes : [1000, 10000, 50000];
const CLICKS = 15;

function cases(dir) {
  const named = requests(dir);
  return {
    one: named["one-test"],
    fifty: named["fifty-tests-across-platforms"],
  };
}

// ---- Node, inline --------------------------------------------------------------------------
const wasm = readFileSync(WASM_PATH);
const nodeRows = [];
for (const tasks of SIZES) {
  const dir = graphDir(tasks);
  const inputs = loadInputs(dir);
  const { one, fifty } = cases(dir);
  const previewer = createPreviewer({ inline: true, wasm });
  await previewer.summary().catch(() => {}); // instantiate the engine outside the timings
  const gz = inputs.fullTaskGraph.length;
  let start = performance.now();
  const summary = await previewer.load(inputs);
  const tLoad = performance.now() - start;
  start = performance.now();
  const jobs = await previewer.runnableJobs();
  const tJobs = performance.now() - start;
  const request = (labels) => ({ labels, now: NOW, definitions: false });
  const tOne = await median(CLICKS, () => previewer.preview(request(one)));
  const tFifty = await median(CLICKS, () => previewer.preview(request(fifty)));
  const tFiftyFull = await median(3, () => previewer.preview({ ...request(fifty), definitions: true }));
  const rss = process.memoryUsage().rss;
  nodeRows.push([
    summary.tasks,
    (gz / 1e6).toFixed(1),
    ms(tLoad),
    `${ms(tJobs)} (${jobs.length})`,
    ms(tOne),
    ms(tFifty),
    ms(tFiftyFull),
    (rss / 1e6).toFixed(0),
  ]);
  previewer.dispose();
}
console.log(`Node ${process.version}, inline (engine on the calling thread); previews: median of ${CLICKS}\n`);
table(["tasks", "gz MB", "load ms", "runnableJobs ms (jobs)", "1 label ms", "50 labels ms", "50 + definitions ms", "RSS MB"], nodeRows);

// ---- Chromium: inline vs worker ------------------------------------------------------------
if (process.env.BENCH_BROWSER !== "0") {
  const { startStandin, launchBrowser } = await import("../e2e/harness.mjs");
  const www = join(new URL("..", import.meta.url).pathname);
  const standin = await startStandin({ www });
  const browser = await launchBrowser();
  const version = browser.version();
  const rows = [];
  try {
    for (const tasks of SIZES) {
      const dir = graphDir(tasks);
      const { one, fifty } = cases(dir);
      for (const mode of ["inline", "worker"]) {
        const page = await browser.newPage();
        // A blank page on the stand-in's origin; the push's files are served from the folder.
        await page.route(`${standin.url}/bench.html`, (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>bench</title>" }));
        await page.route(`${standin.url}/bench-data/**`, (route) => {
          const name = route.request().url().split("/").pop();
          route.fulfill({ body: readFileSync(join(dir, name)) });
        });
        await page.goto(`${standin.url}/bench.html`);
        const result = await page.evaluate(
          async ({ mode, one, fifty, now, clicks }) => {
            const { createPreviewer } = await import("/src/index.js");
            const get = async (name) => new Uint8Array(await (await fetch(`/bench-data/${name}`)).arrayBuffer());
            const text = async (name) => new TextDecoder().decode(await get(name));
            const inputs = {
              fullTaskGraph: await get("full-task-graph.json.gz"),
              labelToTaskid: JSON.parse(await text("label-to-taskid.json")),
              parameters: await text("parameters.yml"),
              index: JSON.parse(await text("index.json")),
            };
            const previewer = mode === "inline" ? createPreviewer({ inline: true }) : createPreviewer({ workerUrl: "/src/worker.js" });
            await previewer.summary().catch(() => {}); // start the engine outside the timings
            const median = async (n, fn) => {
              const times = [];
              for (let i = 0; i < n; i++) {
                const start = performance.now();
                await fn();
                times.push(performance.now() - start);
              }
              times.sort((a, b) => a - b);
              return times[Math.floor(n / 2)];
            };
            let start = performance.now();
            const summary = await previewer.load(inputs);
            const load = performance.now() - start;
            start = performance.now();
            const jobs = await previewer.runnableJobs();
            const jobsTime = performance.now() - start;
            const request = (labels) => ({ labels, now, definitions: false });
            const oneTime = await median(clicks, () => previewer.preview(request(one)));
            const fiftyTime = await median(clicks, () => previewer.preview(request(fifty)));
            const fullTime = await median(3, () => previewer.preview({ ...request(fifty), definitions: true }));
            previewer.dispose();
            return { tasks: summary.tasks, load, jobsTime, jobs: jobs.length, oneTime, fiftyTime, fullTime };
          },
          { mode, one, fifty, now: NOW, clicks: CLICKS },
        );
        rows.push([result.tasks, mode, ms(result.load), `${ms(result.jobsTime)} (${result.jobs})`, ms(result.oneTime), ms(result.fiftyTime), ms(result.fullTime)]);
        await page.close();
      }
    }
  } finally {
    await browser.close();
    standin.stop();
  }
  console.log(`\nChromium ${version}, inline vs Web Worker (includes the worker's transfer and JSON messages)\n`);
  table(["tasks", "mode", "load ms", "runnableJobs ms (jobs)", "1 label ms", "50 labels ms", "50 + definitions ms"], rows);
}
