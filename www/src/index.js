// taskgraph-preview's public JavaScript API: the only module a host imports. The engine (Rust,
// compiled to WebAssembly) runs in a Web Worker; this wrapper turns the worker's messages into
// promises and its JSON results into plain objects. See ../README.md for every function.

/** An error from the engine or the network: `kind` is stable, `labels` names the tasks at fault. */
export class PreviewError extends Error {
  constructor({ kind, message, labels }) {
    super(message);
    this.name = "PreviewError";
    this.kind = kind;
    this.labels = labels || [];
  }
}

const parse = (text) => (typeof text === "string" ? JSON.parse(text) : text);

/**
 * Why a worker did not start, as far as the page can tell: a script error names itself; a
 * module worker that fails to load gives only a bare `error` event, so its URL is fetched again
 * to tell a missing script (404), a wrong MIME type or an unreachable URL from a module that
 * loaded but could not resolve its imports (or was refused by a Content-Security-Policy).
 */
async function workerFailure(event, workerUrl) {
  if (event && event.message) {
    const where = event.filename ? ` (at ${event.filename}:${event.lineno || 0})` : "";
    return `the engine's worker failed: ${event.message}${where}`;
  }
  if (!workerUrl) return "the engine's worker failed to start (the worker was given, its URL is unknown)";
  let reply;
  try {
    reply = await fetch(workerUrl, { credentials: "omit", cache: "no-store" });
  } catch (e) {
    return `the engine's worker could not start: ${workerUrl} could not be fetched (${e && e.message ? e.message : e})`;
  }
  if (!reply.ok) {
    return `the engine's worker could not start: ${workerUrl} answered ${reply.status}${reply.statusText ? ` ${reply.statusText}` : ""}`;
  }
  const type = (reply.headers.get("Content-Type") || "").split(";")[0].trim();
  if (!/^(text|application)\/(javascript|ecmascript|x-javascript)$/.test(type)) {
    return `the engine's worker could not start: ${workerUrl} is served as ${type || "no Content-Type"}, not JavaScript (a module worker needs text/javascript)`;
  }
  return `the engine's worker could not start: ${workerUrl} loads, but the module failed: one of its imports (./serve.js, ./core.js, ../pkg/engine.js, next to it, when not bundled) could not be resolved, or a Content-Security-Policy (worker-src, script-src) refused it`;
}

/** A channel to the engine in a worker: `call(op, args, onProgress, transfer)` → Promise. */
function workerChannel(worker, workerUrl) {
  let next = 1;
  const pending = new Map();
  // Once the worker has failed, every call (pending or later) rejects with why.
  let failed = null;
  const onMessage = (event) => {
    const { id, progress, ok, result, error } = event.data || {};
    const entry = pending.get(id);
    if (!entry) return;
    if (progress) {
      entry.onProgress(progress);
      return;
    }
    pending.delete(id);
    if (ok) entry.resolve(result);
    else entry.reject(new PreviewError(error));
  };
  const fail = (error) => {
    failed = error;
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };
  const onError = (event) => {
    if (failed) return;
    failed = workerFailure(event, workerUrl).then((message) => new PreviewError({ kind: "worker", message }));
    failed.then(fail);
  };
  worker.addEventListener("message", onMessage);
  worker.addEventListener("error", onError);
  return {
    call(op, args, onProgress = () => {}, transfer = []) {
      if (failed) return Promise.resolve(failed).then((error) => Promise.reject(error));
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, onProgress });
        worker.postMessage({ id, op, args }, transfer);
      });
    },
    close() {
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
      if (!failed) fail(new PreviewError({ kind: "worker", message: "the engine's worker failed: disposed" }));
    },
  };
}

// The engine for the inline mode, imported only when asked for: hidden from bundlers (a
// variable, and the webpack/Vite "ignore" comments), so that an app's bundle never carries a
// second copy of the engine besides the worker's.
const CORE_MODULE = "./core.js";

/** A channel to the engine on this thread (Node, tests): same protocol, no worker. */
function inlineChannel(wasm) {
  const core = import(/* webpackIgnore: true */ /* @vite-ignore */ CORE_MODULE).then(({ createCore }) => createCore(wasm));
  return {
    async call(op, args, onProgress = () => {}) {
      const engine = await core;
      try {
        return await engine.run(op, args, onProgress);
      } catch (error) {
        throw new PreviewError(error);
      }
    },
    close() {},
  };
}

/**
 * Starts ./worker.js with the literal `new Worker(new URL("./worker.js", import.meta.url), {
 * type: "module" })`: the form Vite, webpack and rspack recognise, bundling the worker (and
 * the engine it imports, its .wasm emitted as an asset) and rewriting the URL; unbundled, it is
 * the file next to this one. The URL it was given, rewritten or not, is kept for error messages
 * by a stand-in `Worker` constructor, in place only during this synchronous call.
 */
function startPackagedWorker() {
  const NativeWorker = globalThis.Worker;
  let url = null;
  let wrapped = false;
  try {
    globalThis.Worker = function Worker(scriptUrl, workerOptions) {
      url = String(scriptUrl);
      return new NativeWorker(scriptUrl, workerOptions);
    };
    wrapped = true;
  } catch {
    // A frozen global: start the worker all the same, without its URL for error messages.
  }
  try {
    const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    return { worker, url };
  } finally {
    if (wrapped) globalThis.Worker = NativeWorker;
  }
}

/** Adding jobs is the action add-new-jobs, with the input Treeherder sends: the labels, and
 * `times` only when not 1 (the page builds it with the same rule, protocol::add_new_jobs_input).
 * A request that is not `{ labels, times? }` is refused here, naming the field, as `preview`
 * refuses it (the action's schema would name its own field, `tasks`, instead). */
function addNewJobs(request) {
  const refuse = (message) => {
    throw new PreviewError({ kind: "bad-request", message: `add-new-jobs request: ${message}`, labels: [] });
  };
  if (!request || typeof request !== "object") refuse("give { labels, times? }");
  const unknown = Object.keys(request).filter((k) => k !== "labels" && k !== "times");
  if (unknown.length) refuse(`unknown field ${JSON.stringify(unknown[0])}, expected labels or times`);
  const { labels, times } = request;
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string")) refuse("labels must be a list of task labels");
  if (times !== undefined && !(Number.isInteger(times) && times >= 1 && times <= 100)) {
    refuse(`times must be between 1 and 100, not ${JSON.stringify(times)}`);
  }
  const input = { tasks: labels };
  if (times !== undefined && times !== 1) input.times = times;
  return { action: "add-new-jobs", input };
}

/** The GETs a push's load sends before any answer is in: the decision task and its status,
 * runnable-jobs.json and the task group's first page, then run 0's graph, which it most likely
 * asks for next (the engine's own list, `taskcluster::early_requests`, which the page passes;
 * the URLs must be the engine's to the byte, or the engine sends its requests again: a
 * browser test counts them). The worker sends them at once, while its engine starts, and the
 * engine takes their answers; run 0's graph is dropped if the load uses another run. */
function earlyRequests(rootUrl, decisionTaskId) {
  const queue = `${String(rootUrl).replace(/\/+$/, "")}/api/queue/v1`;
  return [
    `${queue}/task/${decisionTaskId}`,
    `${queue}/task/${decisionTaskId}/status`,
    `${queue}/task/${decisionTaskId}/artifacts/public/runnable-jobs.json`,
    `${queue}/task-group/${decisionTaskId}/list`,
    `${queue}/task/${decisionTaskId}/runs/0/artifacts/public/full-task-graph.json`,
  ];
}

/** Taskcluster clients hand temporary credentials' certificate over as an object or as JSON
 * text; the engine takes the text. */
function certificateAsText(credentials) {
  if (credentials && credentials.certificate && typeof credentials.certificate === "object") {
    return { ...credentials, certificate: JSON.stringify(credentials.certificate) };
  }
  return credentials;
}

/**
 * Creates a previewer.
 * @param {object} [options]
 * @param {Worker} [options.worker] a worker already running ./worker.js (default: one is started)
 * @param {string|URL} [options.workerUrl] where ./worker.js is served (default: ./worker.js next
 *   to this file, bundled with the app by Vite, webpack and rspack)
 * @param {boolean} [options.inline] run the engine on this thread instead (Node, tests)
 * @param {*} [options.wasm] with `inline`: the .wasm bytes, URL or WebAssembly.Module
 */
export function createPreviewer(options = {}) {
  let worker = null;
  let channel;
  if (options.inline) {
    channel = inlineChannel(options.wasm);
  } else {
    let workerUrl = null;
    if (options.worker) worker = options.worker;
    else if (options.workerUrl) {
      workerUrl = String(options.workerUrl);
      worker = new Worker(workerUrl, { type: "module" });
    } else ({ worker, url: workerUrl } = startPackagedWorker());
    channel = workerChannel(worker, workerUrl);
  }
  const owned = !options.worker && !options.inline;
  // The load in progress: its early grid (runnable-jobs.json and the task group, before the
  // graph), resolved when complete, or with null when the load ends without one.
  let loading = null;
  return {
    /**
     * Loads a push: from Taskcluster ({ rootUrl, decisionTaskId }) or from inputs you already
     * have ({ fullTaskGraph, labelToTaskid, parameters, ... }). Resolves to its summary.
     * Order of events for a push from Taskcluster: `onProgress` reports each download; the
     * grid's jobs come first, from the decision's runnable-jobs.json, to `onJobs(jobs,
     * listing)` while the graph still downloads, and again (the whole list, updated) as each
     * page of the task group listing tells which jobs already exist and their states
     * (`listing = { listed, done }`; until `done`, a job not listed yet shows as runnable).
     * A `runnableJobs()` waiting meanwhile resolves once the listing is done. Once the graph
     * (parsed as it downloaded), the maps and actions.json are in, `onReady(summary)`: the
     * push can be previewed while a big task group is still being listed; `load` resolves
     * when the listing is done too. A decision without runnable-jobs.json calls no `onJobs`.
     */
    async load(source, { onProgress = () => {}, onJobs = () => {}, onReady = () => {} } = {}) {
      // A push from Taskcluster: its first requests go out while the worker's engine starts.
      if (source && typeof source.rootUrl === "string" && typeof source.decisionTaskId === "string" && !source.prefetch && !options.inline) {
        source = { ...source, prefetch: earlyRequests(source.rootUrl, source.decisionTaskId) };
      }
      const transfer = [];
      if (source && source.fullTaskGraph && !options.inline) {
        const graph = source.fullTaskGraph;
        if (graph instanceof ArrayBuffer) transfer.push(graph);
        else if (ArrayBuffer.isView(graph) && graph.byteOffset === 0 && graph.byteLength === graph.buffer.byteLength) transfer.push(graph.buffer);
      }
      let settle;
      const early = new Promise((resolve) => (settle = resolve));
      const current = { early };
      loading = current;
      // The early grid as it grows: pages of jobs, then the states each page of the task
      // group listing adds (see www/README.md).
      let pages = [];
      let byLabel = null;
      let listing = { listed: 0, done: false };
      const deliver = () => {
        const jobs = pages.slice();
        if (listing.done) settle(jobs);
        onJobs(jobs, { ...listing });
      };
      const progress = (p) => {
        if (p && typeof p.summary === "string") {
          onReady(JSON.parse(p.summary));
          return;
        }
        if (p && typeof p.jobs === "string") {
          const message = JSON.parse(p.jobs);
          if (message.listing) listing = message.listing;
          if (message.states) {
            if (!byLabel) return;
            for (const s of message.states) {
              const job = byLabel.get(s.label);
              if (!job) continue;
              Object.assign(job, { state: s.state, taskId: s.taskId, kind: s.kind });
              if (s.tier != null) job.tier = s.tier;
            }
            if (message.states.length || listing.done) deliver();
            return;
          }
          if (message.offset === 0) pages = [];
          pages.push(...message.jobs);
          if (pages.length >= message.total) {
            byLabel = new Map(pages.map((job) => [job.label, job]));
            deliver();
          }
          return;
        }
        onProgress(p);
      };
      try {
        return parse(await channel.call("load", source, progress, transfer));
      } finally {
        settle(null);
        if (loading === current) loading = null;
      }
    },
    /** Every job of the push that reports to Treeherder, runnable or with its state. During a
     * load, it resolves as soon as the early grid has every state (see `load`). */
    async runnableJobs() {
      if (loading) {
        const early = await loading.early;
        if (early) return early;
      }
      return parse(await channel.call("jobs", {}));
    },
    /** The summary of the loaded push. */
    async summary() {
      return parse(await channel.call("summary", {}));
    },
    /** The preview of adding `labels` (`times` times): the CLI's `--json` shape. */
    async preview(request, { onProgress } = {}) {
      return parse(await channel.call("preview", request, onProgress));
    },
    /** The preview of another action ({ action, input?, taskLabel?|taskId?, ... }): every
     * create_tasks call of its callback and the tasks it reruns. */
    async previewAction(request, { onProgress } = {}) {
      return parse(await channel.call("previewAction", request, onProgress));
    },
    /** The last preview's dependency graph, laid out: { nodes, edges, width, height, omitted }. */
    async graphView({ limit } = {}) {
      return parse(await channel.call("graphView", { limit }));
    },
    /** The add-new-jobs call for `{ labels, times }`, rendered and unsigned: the action
     * `add-new-jobs` as Treeherder sends it (see `actionTriggerRequest`). */
    async triggerRequest(request) {
      return parse(await channel.call("actionTriggerRequest", addNewJobs(request)));
    },
    /** Signs and sends the add-new-jobs call once; resolves to the action task's id. Followed
     * like any action triggered here: compared with the preview of the same labels and times. */
    async trigger(request, credentials) {
      return channel.call("triggerAction", { request: addNewJobs(request), credentials: certificateAsText(credentials) });
    },
    /** The actions offered for a task ({ taskLabel } or { taskId }) or the task group ({}). */
    async actionsFor(request = {}) {
      return parse(await channel.call("actionsFor", request));
    },
    /** The call that triggers another action ({ action, input?, taskLabel?|taskId? }), rendered
     * for the task's context and unsigned. */
    async actionTriggerRequest(request) {
      return parse(await channel.call("actionTriggerRequest", request));
    },
    /** Signs and sends another action's call once; resolves to the action task's id. */
    async triggerAction(request, credentials) {
      return channel.call("triggerAction", { request, credentials: certificateAsText(credentials) });
    },
    /** Follows the action task and compares what it created with the preview that was
     * triggered as it: one this previewer triggered, or, for an action the host triggered
     * itself, `previewed` ({ labels, times? }) when the last preview was exactly that. */
    async follow(actionTaskId, { pollMs, maxWaitMs, previewed } = {}) {
      return parse(await channel.call("follow", { actionTaskId, pollMs, maxWaitMs, previewed }));
    },
    /** Stops the worker (if this previewer started it). */
    dispose() {
      channel.close();
      if (owned && worker) worker.terminate();
    },
  };
}
