// The engine side of the worker protocol: loads the WebAssembly build (../pkg/engine.js, made
// by `make www`) and answers one operation at a time. worker.js runs it in a Web Worker;
// index.js can also run it in-process ({ inline: true }, for Node and tests).
//
// Operations and their arguments (results are JSON text unless noted):
//   load        { rootUrl, decisionTaskId, flavour?, prefetch? } -> summary
//               (prefetch: URLs the worker GETs at once, for the engine to take; see serve.js)
//               | { fullTaskGraph: Uint8Array|ArrayBuffer, labelToTaskid?, parameters?,
//                   index?, decisionTaskId?, trustDomain?, flavour?, level?, rootUrl?, actions? }
//   jobs        {}                                             -> grid jobs
//   jobsPage    { offset, limit? }   (limit: 1000)              -> { total, jobs: grid jobs }
//   preview     { labels, times?, now?, deterministicIds?, definitions? } -> preview
//   previewAction { action, input?, taskLabel?, taskId?, now?, deterministicIds?, definitions? }
//                                                              -> action preview
//   graphView   { limit? }   (limit: 150)                      -> graph view of the last preview
//   actionsFor  { taskLabel?, taskId? }                        -> actions offered for the task or group
//   actionTriggerRequest { action, input?, taskLabel?, taskId? } -> unsigned request
//   triggerAction { request: { action, input?, taskLabel?, taskId? }, credentials }
//                                                              -> action taskId (plain string)
//   follow      { actionTaskId, pollMs?, maxWaitMs?, previewed?: { labels, times? } }
//                                                              -> comparison
import init, { Previewer } from "../pkg/engine.js";

// Downloads at least this big report progress as they stream in.
const PROGRESS_MIN_BYTES = 256 * 1024;
// A download that receives nothing for this long has stalled; a request sent (the trigger's
// POST) that gets no answer for this long has timed out. The worker's URL can set both
// (`?stallMs=…&triggerTimeoutMs=…`; the page passes its own).
const settings = (() => {
  try {
    return new URL(globalThis.location.href).searchParams;
  } catch {
    return new URLSearchParams();
  }
})();
const STALL_MS = Number(settings.get("stallMs")) || 30000;
const SEND_TIMEOUT_MS = Number(settings.get("triggerTimeoutMs")) || 60000;
// A GET whose answer has not even started after this long is abandoned and retried (the
// retry policy is the engine's): Taskcluster answers in well under a second, and a request
// that never reaches the server (a stuck connection) then costs seconds, not minutes.
const FIRST_BYTE_MS = Number(settings.get("firstByteMs")) || Math.min(10000, STALL_MS);

/** Reads a response body, reporting `{ step, loaded, total }` at most every 100 ms: from the
 * start for big bodies, and for small ones once they have taken 100 ms (a slow link). */
async function readBody(response, url, onProgress, onData = () => {}) {
  // The total is unknown for chunked or re-encoded answers: report bytes so far only.
  const encoded = Boolean(response.headers.get("content-encoding"));
  const total = encoded ? 0 : Number(response.headers.get("content-length")) || 0;
  if (!response.body) {
    return new Uint8Array(await response.arrayBuffer());
  }
  const reader = response.body.getReader();
  let buffer = new Uint8Array(total || PROGRESS_MIN_BYTES);
  let loaded = 0;
  const big = total === 0 || total >= PROGRESS_MIN_BYTES;
  const started = Date.now();
  let last = big ? 0 : started;
  let reported = big;
  if (big) onProgress({ step: url, loaded, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    onData();
    if (loaded + value.length > buffer.length) {
      const bigger = new Uint8Array(Math.max(buffer.length * 2, loaded + value.length));
      bigger.set(buffer.subarray(0, loaded));
      buffer = bigger;
    }
    buffer.set(value, loaded);
    loaded += value.length;
    const now = Date.now();
    if (now - last > 100) {
      last = now;
      reported = true;
      // Cross-origin answers hide Content-Encoding: a body that outgrows its Content-Length
      // was compressed on the wire, so its total is unknown.
      onProgress({ step: url, loaded, total: loaded > total ? 0 : total });
    }
  }
  if (reported) onProgress({ step: url, loaded, total: loaded });
  return loaded === buffer.length ? buffer : buffer.slice(0, loaded);
}

/** The `host` object the Rust side calls for timers and progress, and, in Node only (no
 * browser global: the inline mode of tests), for HTTP; in a browser the engine does its own
 * HTTP with gloo-net (src/js_api/http.rs) and these timeouts. */
function makeHost(onProgress) {
  return {
    async fetch(method, url, headers, body) {
      // Nothing for too long: abort, with a message that says which.
      const controller = new AbortController();
      const first = method === "GET" ? FIRST_BYTE_MS : SEND_TIMEOUT_MS;
      let timer = setTimeout(() => controller.abort(), first);
      const quiet = () => {
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(), STALL_MS);
      };
      let answered = false;
      try {
        const response = await fetch(url, { method, headers, body, credentials: "omit", signal: controller.signal });
        answered = true;
        quiet();
        return { status: response.status, body: await readBody(response, url, onProgress, quiet) };
      } catch (error) {
        if (controller.signal.aborted) {
          throw new Error(
            answered
              ? `the download stalled: no data for ${STALL_MS / 1000} s`
              : `no answer within ${first / 1000} s`,
          );
        }
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    progress: (step) => onProgress({ step }),
    // In a browser, the engine does the HTTP itself (gloo-net) with these timeouts and reports
    // each download here; `fetch` above serves Node.
    timeouts: { firstByteMs: FIRST_BYTE_MS, stallMs: STALL_MS, sendMs: SEND_TIMEOUT_MS },
    download: (url, loaded, total) => onProgress({ step: url, loaded, total }),
    // The grid before the graph (load): a page of jobs, `{offset, total, jobs}` JSON text.
    jobs: (page) => onProgress({ step: "jobs", jobs: page }),
    // The push is ready for previews (its summary, JSON text) while the load goes on.
    ready: (summary) => onProgress({ step: "ready", summary }),
  };
}

function bytesOf(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof data === "string") return new TextEncoder().encode(data);
  throw { kind: "bad-request", message: "fullTaskGraph must be a Uint8Array, an ArrayBuffer or a string", labels: [] };
}

// Downloads the host page's Content-Security-Policy blocked in this scope (to `fetch` itself a
// blocked request, or a redirect to a blocked origin, is only "Failed to fetch"): the last few,
// to name in the error.
const blocked = [];
if (typeof self !== "undefined" && typeof self.addEventListener === "function") {
  self.addEventListener("securitypolicyviolation", (e) => {
    blocked.push({ uri: e.blockedURI, directive: e.effectiveDirective || e.violatedDirective, at: Date.now() });
    if (blocked.length > 20) blocked.shift();
  });
}

/** A network error that a CSP violation since `since` explains, as `blocked-by-csp`. */
async function explainBlocked(flat, since) {
  if (flat.kind !== "network") return flat;
  await new Promise((resolve) => setTimeout(resolve, 0)); // the violation's event may come after
  const seen = blocked.filter((b) => b.at >= since).pop();
  if (!seen) return flat;
  return {
    ...flat,
    kind: "blocked-by-csp",
    // (For a redirect, browsers name the URL asked for, never the origin it was sent on to.)
    message: `${flat.message} — the page's Content-Security-Policy (${seen.directive}) refused ${seen.uri} or where it redirects (artifacts redirect to their storage's origin)`,
  };
}

/** Turns anything thrown into the flat `{ kind, message, labels }` error of the protocol. */
export function flatError(error) {
  if (error && typeof error === "object" && typeof error.kind === "string") {
    return { kind: error.kind, message: String(error.message), labels: Array.from(error.labels || []) };
  }
  return { kind: "internal", message: String(error && error.message ? error.message : error), labels: [] };
}

/**
 * Creates the engine. `wasm` is what the wasm-bindgen initialiser takes: a URL, a Response,
 * bytes or a compiled WebAssembly.Module (default: ../pkg/engine_bg.wasm next to this file).
 */
export async function createCore(wasm) {
  const wasmExports = await init(wasm === undefined ? undefined : { module_or_path: wasm });
  const previewer = new Previewer();
  const ops = {
    async load(args, onProgress) {
      if (args && args.fullTaskGraph !== undefined) {
        const { fullTaskGraph, ...inputs } = args;
        return previewer.loadInputs(bytesOf(fullTaskGraph), JSON.stringify(inputs));
      }
      if (!args || !args.rootUrl || !args.decisionTaskId) {
        throw { kind: "bad-request", message: "load needs { rootUrl, decisionTaskId } or { fullTaskGraph, ... }", labels: [] };
      }
      return previewer.loadPush(args.rootUrl, args.decisionTaskId, makeHost(onProgress), args.flavour || undefined);
    },
    jobs: () => previewer.jobs(),
    jobsPage: (args) => previewer.jobsPage(args.offset || 0, args.limit ?? undefined),
    summary: () => previewer.summary(),
    preview: (args, onProgress) => previewer.preview(JSON.stringify(args), makeHost(onProgress)),
    previewAction: (args, onProgress) => previewer.previewAction(JSON.stringify(args), makeHost(onProgress)),
    previewObject: (args) => previewer.previewObject(JSON.stringify(args)),
    graphView: (args) => previewer.graphView((args && args.limit) ?? undefined),
    actionsFor: (args, onProgress) => previewer.actionsFor(JSON.stringify(args || {}), makeHost(onProgress)),
    actionTriggerRequest: (args, onProgress) => previewer.actionTriggerRequest(JSON.stringify(args), makeHost(onProgress)),
    triggerAction: (args, onProgress) =>
      previewer.triggerAction(JSON.stringify(args.request), JSON.stringify(args.credentials), makeHost(onProgress)),
    follow: (args, onProgress) =>
      previewer.follow(
        args.actionTaskId,
        args.pollMs || 2000,
        args.maxWaitMs || 3600000,
        args.previewed ? JSON.stringify(args.previewed) : undefined,
        makeHost(onProgress),
      ),
  };
  return {
    /** The engine's WebAssembly memory in bytes (it only grows: this is its peak). */
    memoryBytes: () => wasmExports.memory.buffer.byteLength,
    /** Runs one operation; rejects with a flat error. */
    async run(op, args, onProgress = () => {}) {
      const fn = ops[op];
      if (!fn) throw { kind: "bad-request", message: `unknown operation ${JSON.stringify(op)}`, labels: [] };
      const since = Date.now();
      try {
        return await fn(args || {}, onProgress);
      } catch (error) {
        throw await explainBlocked(flatError(error), since);
      }
    },
  };
}
