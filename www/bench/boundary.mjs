// The JS boundary: a big preview as JSON text + JSON.parse (what the API does) against a JS
// object built in Rust by serde-wasm-bindgen (`previewObject`). Inline (no worker), on a
// generated 10k-task push. Run: node bench/boundary.mjs [tasks]
import { readFileSync } from "node:fs";
import { createCore } from "../src/core.js";
import { graphDir, loadInputs, requests, median, ms, table, WASM_PATH, NOW } from "./data.mjs";

const tasks = Number(process.argv[2]) || 10000;
const dir = graphDir(tasks);
const core = await createCore(readFileSync(WASM_PATH));
const summary = JSON.parse(await core.run("load", loadInputs(dir)));
const named = requests(dir);
// Requests of growing size: the named lists, then every test of the push.
const tests = Object.keys(loadInputs(dir).labelToTaskid).filter((l) => l.startsWith("test-"));
const cases = [
  ["one-test", named["one-test"]],
  ["fifty-tests-across-platforms", named["fifty-tests-across-platforms"]],
  ["all-mochitest-browser-chrome", named["all-mochitest-browser-chrome"]],
  ["500 tests", tests.slice(0, 500)],
  ["2000 tests", tests.slice(0, 2000)],
].filter(([, labels]) => labels && labels.length);

console.log(`push: ${summary.tasks} tasks (${dir}); times are medians of 5 runs, inline on Node ${process.version}\n`);
const rows = [];
for (const [name, labels] of cases) {
  const request = { labels, now: NOW, deterministicIds: true };
  let text = "";
  let created = 0;
  // JSON text: compute + serde_json in Rust + copy out as a string, then JSON.parse.
  const tText = await median(5, async () => {
    text = await core.run("preview", request);
  });
  const tParse = await median(5, async () => {
    created = Object.keys(JSON.parse(text).iterations[0].created).length;
  });
  // The same without definitions (what the panel asks for).
  let lean = "";
  const tLean = await median(5, async () => {
    lean = await core.run("preview", { ...request, definitions: false });
  });
  const tLeanParse = await median(5, () => JSON.parse(lean));
  // serde-wasm-bindgen: compute + building the JS object from Rust.
  const tObject = await median(5, () => core.run("previewObject", request));
  rows.push([
    `${name} (${labels.length})`,
    created,
    (text.length / 1e6).toFixed(2),
    ms(tText),
    ms(tParse),
    ms(tText + tParse),
    ms(tObject),
    (tObject / (tText + tParse)).toFixed(2),
    (lean.length / 1e6).toFixed(2),
    ms(tLean + tLeanParse),
  ]);
}
table(
  ["request (labels)", "created", "JSON MB", "preview→text", "JSON.parse", "text total", "previewObject", "object/text", "lean MB", "lean total"],
  rows,
);
console.log("\ntext total = preview (compute + serde_json + string copy) + JSON.parse; previewObject = compute + serde-wasm-bindgen;");
console.log("lean = the same request with definitions: false (text + parse).");
