#!/usr/bin/env node
// Builds the patched Treeherder frontend: a fresh copy of the vendored snapshot
// (../shared/vendor/treeherder, commit dc3080dd7) in target/treeherder/src, the patch
// (treeherder.patch, `git apply`), Treeherder's own install (`pnpm install --frozen-lockfile`),
// our package (a packed tarball of www/, added with `pnpm add`), and its production build
// (`pnpm build`, output in target/treeherder/src/.build).
//
//   node integrations/treeherder/build.mjs            copy, patch, install, build
//   node integrations/treeherder/build.mjs --checks   also Treeherder's biome check of the
//                                                     changed files and its jest tests of them
//
// Without the vendored snapshot (a fresh clone outside the team's workspace) it says so and
// exits 0 without building; the browser test then skips too. TREEHERDER_SRC overrides where
// the snapshot is.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const HERE = dirname(new URL(import.meta.url).pathname);
const ROOT = resolve(HERE, "../..");
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(ROOT, "target");
export const VENDOR = process.env.TREEHERDER_SRC ? resolve(process.env.TREEHERDER_SRC) : resolve(ROOT, "../shared/vendor/treeherder");
export const WORK = join(TARGET, "treeherder");
export const BUILD = join(WORK, "src");
const PNPM_VERSION = "10.30.3";

// The files the patch changes or adds (Treeherder's checks run on them).
const CHANGED_SOURCES = [
  "ui/helpers/newJobsPreview.js",
  "ui/job-view/pushes/NewJobsPreview.jsx",
  "ui/job-view/pushes/PushHeader.jsx",
  "ui/job-view/pushes/FuzzyJobFinder.jsx",
  "ui/css/treeherder-pushes.css",
  "ui/models/push.js",
];
const JEST_TESTS = ["tests/ui/job-view/pushes/PushHeader.test.jsx", "tests/ui/job-view/fuzzy_test.jsx"];

function run(cmd, args, options = {}) {
  const started = Date.now();
  console.log(`$ ${[cmd, ...args].join(" ")}`);
  const out = execFileSync(cmd, args, { cwd: BUILD, stdio: options.capture ? "pipe" : "inherit", encoding: "utf8", ...options });
  console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return out;
}

function ensurePnpm() {
  try {
    if (execFileSync("pnpm", ["--version"], { encoding: "utf8" }).trim() === PNPM_VERSION) return;
  } catch {
    // not installed
  }
  execFileSync("npm", ["i", "-g", `pnpm@${PNPM_VERSION}`], { stdio: "inherit" });
}

/** Our package as npm would publish it: `npm pack` of www/ (needs www/pkg from `make www`). */
function packOurs() {
  const www = join(ROOT, "www");
  if (!existsSync(join(www, "pkg", "engine_bg.wasm"))) throw new Error("www/pkg is missing: run make www first");
  const { version } = JSON.parse(readFileSync(join(www, "package.json"), "utf8"));
  const tarball = `taskgraph-preview-${version}.tgz`;
  execFileSync("npm", ["pack", "--silent", "--pack-destination", BUILD], { cwd: www, stdio: ["ignore", "ignore", "inherit"] });
  return tarball;
}

/**
 * `pnpm add` re-resolves Treeherder's `"@mui/styled-engine": "npm:@mui/styled-engine-sc@latest"`
 * override (a dist-tag), so besides our package it may move that one to a newer release. Those
 * unrelated lockfile hunks are reverted, and a second frozen install checks that the lockfile
 * is Treeherder's plus exactly our package.
 */
function revertUnrelatedLockfileChanges() {
  const diff = execFileSync("git", ["diff", "-U0", "--", "pnpm-lock.yaml"], { cwd: BUILD, encoding: "utf8" });
  const [header, ...hunks] = diff.split(/^(?=@@ )/m);
  const unrelated = hunks.filter((hunk) => !hunk.includes("taskgraph-preview"));
  if (unrelated.length) {
    console.log(`  reverting ${unrelated.length} lockfile hunk(s) pnpm add changed besides taskgraph-preview`);
    execFileSync("git", ["apply", "-R", "--unidiff-zero", "-"], { cwd: BUILD, input: header + unrelated.join("") });
  }
}

export function build({ checks = false } = {}) {
  if (!existsSync(join(VENDOR, "package.json"))) {
    console.log(`SKIPPED: the vendored Treeherder snapshot is not at ${VENDOR} (a checkout outside the team's workspace); the Treeherder integration is not built.`);
    return false;
  }
  const started = Date.now();
  ensurePnpm();
  // A fresh copy every time: the snapshot is never touched in place.
  rmSync(BUILD, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  cpSync(VENDOR, BUILD, { recursive: true });
  run("git", ["init", "--quiet"]);
  run("git", ["add", "--all"]);
  run("git", ["-c", "user.name=build", "-c", "user.email=build@localhost", "commit", "--quiet", "--no-gpg-sign", "-m", "treeherder dc3080dd7 (vendored)"]);
  run("git", ["apply", "--check", join(HERE, "treeherder.patch")]);
  run("git", ["apply", join(HERE, "treeherder.patch")]);
  // Treeherder's dependencies, exactly as locked.
  run("pnpm", ["install", "--frozen-lockfile", "--reporter=silent"]);
  // Ours: the one non-frozen step (it adds a dependency, so it must write the lockfile).
  const tarball = packOurs();
  run("pnpm", ["add", `./${tarball}`, "--reporter=silent"]);
  revertUnrelatedLockfileChanges();
  run("pnpm", ["install", "--frozen-lockfile", "--reporter=silent"]);
  const lockDiff = run("git", ["diff", "--stat", "--", "package.json", "pnpm-lock.yaml"], { capture: true });
  console.log(lockDiff.trimEnd());
  const reactVersion = JSON.parse(readFileSync(join(BUILD, "node_modules/react/package.json"), "utf8")).version;
  console.log(`  React ${reactVersion}`);
  run("pnpm", ["build"]);
  if (checks) runChecks();
  // rspack bundles the package's worker and emits the engine as a hashed asset: exactly one.
  const wasm = readdirSync(join(BUILD, ".build"), { recursive: true }).filter((f) => String(f).endsWith(".wasm"));
  if (wasm.length !== 1) throw new Error(`expected one .wasm in the build, found ${wasm.length}: ${wasm.join(", ")}`);
  console.log(`built ${join(BUILD, ".build")} in ${((Date.now() - started) / 1000).toFixed(1)} s (engine ${wasm[0]}, ${statSync(join(BUILD, ".build", String(wasm[0]))).size} bytes)`);
  return true;
}

/** Treeherder's biome check of the changed files and its jest tests of the touched components. */
export function runChecks() {
  // The vendored subset has no .gitignore (biome's VCS integration wants one) and no
  // tests/jest/ mocks that jest.config.js maps to; both are supplied in the build copy only.
  run("pnpm", ["exec", "biome", "check", "--vcs-use-ignore-file=false", ...CHANGED_SOURCES]);
  mkdirSync(join(BUILD, "tests/jest"), { recursive: true });
  for (const mock of ["file-mock.js", "style-mock.js", "auth0-spa-js-mock.js", "react-resizable-panels-mock.js"]) {
    if (!existsSync(join(BUILD, "tests/jest", mock))) cpSync(join(HERE, "test/jest-mocks", mock), join(BUILD, "tests/jest", mock));
  }
  run("pnpm", ["exec", "jest", "--ci", ...JEST_TESTS]);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  build({ checks: process.argv.includes("--checks") });
}
