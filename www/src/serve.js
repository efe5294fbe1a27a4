// The worker's side of the protocol, shared by the two worker entries: worker.js (every
// bundler that follows `new URL(…, import.meta.url)`, and unbundled use) and esbuild-worker.js
// (esbuild, which imports the .wasm through its `file` loader instead). Protocol (one message
// per request, answered in order of completion):
//   in:  { id, op, args }                          (see core.js for the operations)
//   out: { id, progress: { step, loaded?, total? } }  (any number, while working)
//        { id, ok: true, result }                   (result: JSON text, or a plain string)
//        { id, ok: false, error: { kind, message, labels } }
// Operations run one after the other, in the order they arrive, except `follow` (which polls
// an action task for minutes and must not hold up previews) and the end of a `load`: once it
// reports the push ready for previews (`progress.summary`), the next operations run while it
// still lists a big task group for the grid (another load still waits for its end).
import { createCore, flatError } from "./core.js";

// A load's first requests (`prefetch` in its arguments: the page lists them, see
// taskcluster::early_requests) are sent at once, while the engine may
// still be starting; the engine takes each answer by its URL, once (`__tgpTakePrefetched`,
// called by src/js_api/http.rs). What a load has not taken when it ends is aborted, and so is
// a run's artifact sent early as soon as the engine asks for another run's (the decision task
// ran again). `__tgpPrefetchStats` counts them, for the tests.
const prefetched = (self.__tgpPrefetched = new Map());
const stats = (self.__tgpPrefetchStats = { sent: 0, unused: 0 });
const RUN_ARTIFACT = /^(.*\/task\/[^/]+\/runs\/)(\d+)\/artifacts\//;

/** The answer to `url` sent early (`{ response, controller }`), taken out; undefined if none.
 * Asking for one run's artifact drops the other runs' of the same task sent early. */
self.__tgpTakePrefetched = (url) => {
  const entry = prefetched.get(url);
  prefetched.delete(url);
  const asked = String(url).match(RUN_ARTIFACT);
  if (asked) {
    for (const [other, early] of prefetched) {
      const sent = other.match(RUN_ARTIFACT);
      if (sent && sent[1] === asked[1] && sent[2] !== asked[2]) drop(other, early);
    }
  }
  return entry;
};

/** Sends the GETs `urls`; returns what drops those of them nobody took. */
function prefetch(urls) {
  const mine = [];
  for (const url of urls) {
    if (typeof url !== "string" || prefetched.has(url)) continue;
    const controller = new AbortController();
    const response = fetch(url, { credentials: "omit", signal: controller.signal });
    // A failure is the engine's to report when it takes the answer; untaken, it is nobody's.
    response.catch(() => {});
    const entry = { response, controller };
    prefetched.set(url, entry);
    mine.push([url, entry]);
    stats.sent += 1;
  }
  return () => {
    for (const [url, entry] of mine) {
      if (prefetched.get(url) === entry) drop(url, entry);
    }
  };
}

/** An answer sent early that nobody will take: aborted and counted. */
function drop(url, entry) {
  prefetched.delete(url);
  entry.controller.abort();
  stats.unused += 1;
}

/** Starts the engine from `wasm` (the .wasm file's URL; the worker's own `?wasm=` parameter
 * wins) and answers requests. The engine is fetched and compiled once, as the worker starts. */
export function serve(wasm) {
  const wasmUrl = String(new URL(self.location.href).searchParams.get("wasm") || new URL(wasm, self.location.href));
  const core = createCore(wasmUrl).catch((error) => {
    const { message } = flatError(error);
    throw { kind: "worker", message: `the engine could not be loaded from ${wasmUrl}: ${message}`, labels: [] };
  });
  // A failed engine start is reported to every request (below), not as an unhandled rejection.
  core.catch(() => {});
  // For benchmarks (www/bench/page-load.mjs reads it through the browser's worker handle).
  core.then((engine) => {
    self.__tgpMemoryBytes = () => engine.memoryBytes();
  }, () => {});
  let queue = Promise.resolve();
  let lastLoad = Promise.resolve();

  self.onmessage = (event) => {
    const { id, op, args } = event.data || {};
    const unused = op === "load" && Array.isArray(args && args.prefetch) ? prefetch(args.prefetch) : () => {};
    // When the next operation may start: this one is over, or (a load) the push is ready.
    let release;
    const released = new Promise((resolve) => (release = resolve));
    const run = async () => {
      try {
        const engine = await core;
        const result = await engine.run(op, args, (progress) => {
          self.postMessage({ id, progress });
          if (progress && typeof progress.summary === "string") release();
        });
        self.postMessage({ id, ok: true, result });
      } catch (error) {
        self.postMessage({ id, ok: false, error: flatError(error) });
      } finally {
        release();
        unused();
      }
    };
    if (op === "follow") {
      run();
      return;
    }
    // A load waits for the previous load to end, not only to be ready: one push at a time.
    const after = op === "load" ? Promise.all([queue, lastLoad]) : queue;
    const started = after.then(run);
    queue = after.then(() => released);
    if (op === "load") lastLoad = started;
  };
}
