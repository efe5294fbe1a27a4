// Issue 23: the package works out of the box in the bundlers React apps use. From `npm pack` of
// www/, a fresh tiny React app (app/: createPreviewer, load, <PreviewPanel>, as www/README.md
// says) is built with each of Vite, webpack 5, rspack and esbuild, with their defaults (no
// configuration file, no copy step; esbuild with the command the README documents), at the
// exact versions of package.json / package-lock.json here. Each build must hold one engine
// (.wasm emitted once, hashed; its JavaScript glue in one chunk, the worker's), and, served by
// the stand-in Taskcluster and opened in headless Chromium, load the NSS sample push and
// preview a pick with the CLI's counts, fetching the engine once, as application/wasm, from
// the worker. Every app runs under the strict CSP a host like Treeherder sets (`worker-src
// 'self'; script-src 'self' 'wasm-unsafe-eval'`, …), and Vite's also without any.
//
//   make bundler-tests        (or: cd www && node --test bundlers/)
//
// Work folder: target/bundlers (node_modules from `npm ci`, kept while the lockfile is the
// same; the packed package is installed fresh every run; one app folder per bundler).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { ROOT, startStandin, launchBrowser, cspViolations, CLI } from "../e2e/harness.mjs";

const HERE = new URL(".", import.meta.url).pathname;
const WWW = join(ROOT, "www");
const WORK = join(process.env.CARGO_TARGET_DIR || join(ROOT, "target"), "bundlers");
const BIN = join(WORK, "node_modules", ".bin");
const NSS = "NssSampleDecision00001";
// A job whose dependencies all ran, and one that needs a build: created 3, reused 4.
const LABELS = ["test-tools-linux64/opt-make", "test-bogo-linux32/debug"];

function run(cmd, args, cwd) {
  const started = Date.now();
  const out = execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  return { out, seconds: (Date.now() - started) / 1000 };
}

// Each bundler's build, with its defaults, from the app folder. An HTML page is the app's own
// (webpack, rspack and esbuild emit only scripts): `page` is written into dist/ after the build.
const BUNDLERS = {
  vite: { build: [join(BIN, "vite"), ["build"]] },
  webpack: {
    build: [join(BIN, "webpack"), []],
    page: '<script defer src="main.js"></script>',
  },
  rspack: {
    build: [join(BIN, "rspack"), ["build"]],
    page: '<script defer src="main.js"></script>',
  },
  esbuild: {
    // As www/README.md documents it: the worker as a second entry point, named `worker`, and
    // esbuild's file loader for the .wasm.
    build: [join(BIN, "esbuild"), ["src/main.js", "worker=taskgraph-preview/esbuild-worker", "--bundle", "--format=esm", "--minify", "--outdir=dist", "--loader:.wasm=file"]],
    page: '<link rel="stylesheet" href="main.css"><script type="module" src="main.js"></script>',
  },
};

let browser;
let expected;
const built = {};

/** The bundlers at the locked versions (npm ci, skipped while node_modules matches the lockfile),
 * and the package as published: `npm pack` of www/, installed fresh. */
before(async () => {
  assert.ok(existsSync(join(WWW, "pkg", "engine_bg.wasm")), "www/pkg is missing: run make www");
  assert.ok(existsSync(CLI), `${CLI} is missing: run make build`);
  mkdirSync(WORK, { recursive: true });
  const lock = readFileSync(join(HERE, "package-lock.json"), "utf8");
  const installed = join(WORK, "package-lock.json");
  if (!existsSync(join(WORK, "node_modules", ".package-lock.json")) || !existsSync(installed) || readFileSync(installed, "utf8") !== lock) {
    cpSync(join(HERE, "package.json"), join(WORK, "package.json"));
    writeFileSync(installed, lock);
    const { seconds } = run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], WORK);
    console.log(`# npm ci: ${seconds.toFixed(1)} s`);
  }
  for (const old of readdirSync(WORK).filter((f) => f.endsWith(".tgz"))) rmSync(join(WORK, old));
  const tarball = run("npm", ["pack", "--silent", "--pack-destination", WORK], WWW).out.trim().split("\n").pop();
  rmSync(join(WORK, "node_modules", "taskgraph-preview"), { recursive: true, force: true });
  run("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", `./${tarball}`], WORK);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  assert.deepEqual(cspViolations, [], "the apps run under the strict CSP");
});

/** Every file under `dir`, relative to it. */
function files(dir, prefix = "") {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

/** A fresh app built with `name`; checks that the build holds exactly one engine. */
function build(name) {
  const app = join(WORK, name);
  rmSync(app, { recursive: true, force: true });
  cpSync(join(HERE, "app"), app, { recursive: true });
  const { build: [cmd, args], page } = BUNDLERS[name];
  let seconds;
  try {
    ({ seconds } = run(cmd, args, app));
  } catch (e) {
    assert.fail(`${name} build failed:\n${e.stdout}\n${e.stderr}`);
  }
  const dist = join(app, "dist");
  if (page) {
    writeFileSync(join(dist, "index.html"), `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${name}</title>${page}</head><body><div id="root"></div></body></html>\n`);
  }
  const all = files(dist);
  const wasm = all.filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, `${name}: one .wasm in ${all.join(", ")}`);
  assert.equal(statSync(join(dist, wasm[0])).size, statSync(join(WWW, "pkg", "engine_bg.wasm")).size, `${name}: the engine, as built`);
  assert.notEqual(wasm[0].split("/").pop(), "engine_bg.wasm", `${name}: the .wasm has a content-hashed name`);
  // The engine's JavaScript glue (wasm-bindgen's) is in one chunk: the worker's.
  const glue = all.filter((f) => f.endsWith(".js") && readFileSync(join(dist, f), "utf8").includes("__wbindgen_start"));
  assert.equal(glue.length, 1, `${name}: the engine's glue in one chunk, found in ${glue.join(", ") || "none"}`);
  const sizes = Object.fromEntries(all.map((f) => [f, statSync(join(dist, f)).size]));
  console.log(`# ${name}: built in ${seconds.toFixed(1)} s: ${all.map((f) => `${f} ${sizes[f]} B`).join(", ")}`);
  built[name] = { dist, wasm: wasm[0].split("/").pop(), worker: glue[0].split("/").pop() };
  return built[name];
}

/** The counts the panel must show, from the CLI's preview of the same push over HTTP. */
function cliCounts(rootUrl) {
  const args = ["preview", "--root-url", rootUrl, "--decision-task-id", NSS, "--json", ...LABELS.flatMap((l) => ["--label", l])];
  const preview = JSON.parse(execFileSync(CLI, args, { maxBuffer: 64 * 1024 * 1024 }).toString("utf8"));
  let created = 0;
  for (const it of preview.iterations) {
    created += Object.keys(it.created).length;
    for (const copies of Object.values(it.duplicates || {})) created += copies.length;
  }
  const [first] = preview.iterations;
  return { created, reused: Object.keys(first.reused).length, removed: Object.keys(first.removed).length, requested: preview.requested.length };
}

/** Serves the built app with the stand-in (`csp`: the strict policy, or none) and previews
 * LABELS in it: the panel's counts must be the CLI's, the engine fetched once by the worker. */
async function previewIn(name, { csp }) {
  const { dist, wasm, worker } = built[name];
  const standin = await startStandin({ www: dist, csp: csp ? [] : null });
  const page = await browser.newPage();
  try {
    expected ||= cliCounts(standin.url);
    const t0 = Date.now();
    const errors = [];
    const requests = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // (The browser's own request for /favicon.ico, which these apps do not have, is no error.)
    page.on("console", (m) => m.type() === "error" && !(m.location().url || "").endsWith("/favicon.ico") && errors.push(`${m.text()} ${m.location().url || ""}`));
    page.on("request", (r) => requests.push(r.url()));
    const wasmTypes = [];
    page.on("response", (r) => r.url().endsWith(".wasm") && wasmTypes.push(r.headers()["content-type"]));
    const query = new URLSearchParams([["decisionTaskId", NSS], ...LABELS.map((l) => ["label", l])]);
    await page.goto(`${standin.url}/?${query}`);
    const app = page.locator("#app:not([data-status=loading])");
    await app.waitFor({ timeout: 30_000 });
    assert.equal(await app.getAttribute("data-status"), "loaded", `${name}: ${await page.locator("#app").textContent()}`);
    assert.equal(await app.getAttribute("data-tasks"), "666");
    const counts = page.locator(`.tgp-panel[data-status="ready"] .tgp-counts[data-requested="${LABELS.length}"]`);
    await counts.waitFor({ timeout: 20_000 });
    console.log(`# ${name}${csp ? " (CSP)" : ""}: loaded and previewed in ${Date.now() - t0} ms`);
    const read = async (key) => Number(await counts.getAttribute(`data-${key}`));
    assert.deepEqual(
      { created: await read("created"), reused: await read("reused"), removed: await read("removed"), requested: LABELS.length },
      expected,
      `${name}: the panel shows the CLI's counts`,
    );
    const fetched = requests.filter((u) => u.endsWith(".wasm"));
    assert.deepEqual(fetched.map((u) => u.split("/").pop()), [wasm], `${name}: the engine fetched once`);
    assert.deepEqual(wasmTypes, ["application/wasm"]);
    assert.ok(requests.some((u) => u.split("?")[0].endsWith(`/${worker}`)), `${name}: the worker chunk ${worker} was loaded`);
    assert.deepEqual(errors, [], `${name}: no errors`);
    return expected;
  } finally {
    await page.close();
    standin.stop();
  }
}

test("Vite: builds with its defaults; previews with the CLI's counts, with and without the strict CSP", async () => {
  build("vite");
  await previewIn("vite", { csp: false });
  await previewIn("vite", { csp: true });
});

test("webpack 5: builds with its defaults; previews with the CLI's counts under the strict CSP", async () => {
  build("webpack");
  await previewIn("webpack", { csp: true });
});

test("rspack: builds with its defaults; previews with the CLI's counts under the strict CSP", async () => {
  build("rspack");
  await previewIn("rspack", { csp: true });
});

test("esbuild: builds with the README's command; previews with the CLI's counts under the strict CSP", async () => {
  build("esbuild");
  await previewIn("esbuild", { csp: true });
});
