// Shared by the benchmarks: synthetic pushes generated once into target/bench-data/.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";

export const ROOT = resolve(new URL("../..", import.meta.url).pathname);
const TARGET = process.env.CARGO_TARGET_DIR || join(ROOT, "target");
export const CLI = join(TARGET, "release", "taskgraph-preview");
export const WASM_PATH = join(ROOT, "www", "pkg", "engine_bg.wasm");
export const NOW = "2025-12-01T00:00:00.000Z";

const NAMES = { 1000: "g1k", 10000: "g10k", 50000: "g50k" };

/** The folder of a generated push of `tasks` tasks (seed 1), generating it if missing. */
export function graphDir(tasks) {
  const dir = join(TARGET, "bench-data", NAMES[tasks] || `g${tasks}`);
  if (!existsSync(join(dir, "full-task-graph.json.gz"))) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`generating ${tasks} tasks into ${dir}...\n`);
    execFileSync(CLI, ["gen-graph", "--tasks", String(tasks), "--seed", "1", "--out", dir], { stdio: "inherit" });
  }
  return dir;
}

/** Everything `load` takes, from a generated push's folder. */
export function loadInputs(dir) {
  return {
    fullTaskGraph: new Uint8Array(readFileSync(join(dir, "full-task-graph.json.gz"))),
    labelToTaskid: JSON.parse(readFileSync(join(dir, "label-to-taskid.json"), "utf8")),
    parameters: readFileSync(join(dir, "parameters.yml"), "utf8"),
    index: JSON.parse(readFileSync(join(dir, "index.json"), "utf8")),
  };
}

export function requests(dir) {
  return JSON.parse(readFileSync(join(dir, "requests.json"), "utf8"));
}

/** Runs `fn` `n` times; returns the median duration in ms. */
export async function median(n, fn) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export const ms = (t) => (t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t.toFixed(2));

/** Prints rows (arrays) as an aligned table. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(all[0]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of all.slice(1)) console.log(line(r));
}
