// Shared by the browser tests: a stand-in Taskcluster serving the sample pushes and the built
// page, and headless Chromium driven by playwright-core.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";

export const ROOT = resolve(new URL("../..", import.meta.url).pathname);
const TARGET = process.env.CARGO_TARGET_DIR || join(ROOT, "target");
const STANDIN = join(TARGET, "release", "standin");
// The sample pushes (a real NSS push, application-services, a generated 50k-task gecko push)
// are laid out once and shared; each stand-in records to its own file.
export const SAMPLE_DIR = join(TARGET, "e2e-sample");

/**
 * Starts a stand-in. `www`: the folder served as the site (default: the page's `dist`);
 * `faults`: extra arguments (e.g. ["--fail-matching", "hooks"]); `dir`: the stand-in's folder
 * (default: the shared sample folder).
 * Resolves to { url, record, log, stop() }.
 */
export async function startStandin({ www = join(ROOT, "dist"), faults = [], dir = SAMPLE_DIR } = {}) {
  if (!existsSync(STANDIN)) throw new Error(`${STANDIN} is missing: run make test (or cargo build --release --features standin)`);
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), "tgp-e2e-"));
  const record = join(scratch, "calls.jsonl");
  const log = join(scratch, "requests.log");
  const child = spawn(
    STANDIN,
    ["--dir", dir, "--sample", "--listen", "127.0.0.1:0", "--www", www, "--record", record, "--log", log, ...faults],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise((resolvePromise, reject) => {
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
      const match = text.match(/listening on (http:\/\/\S+)/);
      if (match) resolvePromise(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`standin exited with ${code}`)));
  });
  return {
    url,
    record,
    log,
    /** The calls recorded so far (trigger and create calls), parsed. */
    calls: () => (existsSync(record) ? readFileSync(record, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : []),
    stop: () => child.kill(),
  };
}

/** Headless Debian Chromium. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

/** Records main-thread long tasks (Long Tasks API) from the first script on: read them with
 * `await page.evaluate(() => window.__longTasks)` (durations in ms). */
export async function watchLongTasks(page) {
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(Math.round(entry.duration));
    }).observe({ type: "longtask", buffered: true });
  });
}
