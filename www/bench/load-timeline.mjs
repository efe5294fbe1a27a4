// When each part of a push arrives through the JS API (in-process, Node), against the stand-in's
// 50k Firefox-shaped sample: the early grid (runnable-jobs.json and the task group), the graph's
// download, and the summary. Run: cd www && node bench/load-timeline.mjs [--rate BYTES_PER_S]
import { startStandin } from "../e2e/harness.mjs";
import { readFileSync } from "node:fs";
import { createPreviewer } from "../src/index.js";

const WASM = readFileSync(new URL("../pkg/engine_bg.wasm", import.meta.url));

const faults = process.argv.slice(2);
const standin = await startStandin({ faults });
try {
  for (let run = 0; run < 2; run++) {
    const previewer = createPreviewer({ inline: true, wasm: WASM });
    const t0 = performance.now();
    const marks = [];
    const mark = (what) => marks.push(`${what} ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    let graphSeen = false;
    await previewer.load(
      { rootUrl: standin.url, decisionTaskId: "GeckoSyntheticDecision" },
      {
        onProgress: (p) => {
          if (!graphSeen && String(p.step).includes("full-task-graph")) {
            graphSeen = true;
            mark("graph download starts");
          }
          if (p.step === "actions.json") mark("graph in (parsed as it came)");
        },
        onJobs: (jobs) => mark(`early grid (${jobs.length} jobs)`),
      },
    );
    mark("summary");
    const jobs = await previewer.runnableJobs();
    mark(`graph's grid (${jobs.length} jobs)`);
    console.log(`run ${run}: ${marks.join(" · ")}`);
    previewer.dispose();
  }
} finally {
  standin.stop();
}
