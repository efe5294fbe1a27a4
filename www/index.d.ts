// Types of taskgraph-preview's JavaScript API (src/index.js) and of the results it returns.
// The result shapes are the Rust types they are serialised from, all named in src/protocol.rs
// (Summary, GridJob, Preview, Offered, Comparison, and the engine's Iteration, Reuse, Warning,
// ActionPreview) and src/layout.rs (GraphView). tests/suite/protocol.rs fails when an
// interface here and its type disagree on a field or on whether it may be absent.

/** Stable error kinds. Engine kinds come from `engine::Error::kind()`, loading kinds from
 * `SessionError::kind()`; `worker`, `blocked-by-csp` and `internal` come from the JavaScript
 * side. */
export type PreviewErrorKind =
  | "syntax"
  | "bad-field"
  | "unknown-labels"
  | "dependency-cycle"
  | "removed-dependency"
  | "unknown-reference"
  | "self-artifact-reference"
  | "bad-reference"
  | "bad-datestamp"
  | "bad-timestamp"
  | "bad-request"
  | "expired"
  | "network"
  /** A download the host page's Content-Security-Policy refused (the request, or a redirect to
   * another origin such as the artifacts' storage): the message names the blocked URL and
   * directive. Retrying does not help; the host must allow that origin in `connect-src`. */
  | "blocked-by-csp"
  | "http-status"
  | "bad-body"
  | "invalid-artifact"
  | "action"
  | "trigger"
  /** The trigger was sent but got no answer (a timeout, a lost connection): the action may
   * exist. Check the task group before trying again. */
  | "trigger-no-answer"
  | "not-loaded"
  /** A load overtaken by a later one (only where loads can overlap: the inline mode). */
  | "superseded"
  | "not-previewed"
  /** The engine's worker failed or could not start; the message names the worker's URL and
   * why (a 404, a non-JavaScript type, an unreachable URL, or a module that loaded but could
   * not resolve its imports or was refused by a Content-Security-Policy). Every later call
   * rejects the same way. */
  | "worker"
  | "internal"
  | (string & {});

/** Every rejection of the API is a PreviewError. */
export declare class PreviewError extends Error {
  constructor(init: { kind: string; message: string; labels?: string[] });
  readonly name: "PreviewError";
  /** Stable, kebab-case: switch on this, not on the message. */
  kind: PreviewErrorKind;
  /** The labels at fault (sorted), e.g. every unknown label of a request; else empty. */
  labels: string[];
}

/** A problem worth a sheriff's attention that does not stop loading or the preview. */
export interface Warning {
  /** e.g. `unknown-dependency`, `unknown-strategy`, `reused-failed`, `reused-expires`,
   * `times`, `duplicate-dependency`, `too-many-routes`, `no-actions`, `no-task-group`, ...
   * `action-unavailable`: add-new-jobs cannot be rendered for these labels (its JSON-e in
   * actions.json goes beyond the bounded render or does not parse, or the input fails its
   * schema), so the previewed jobs cannot be triggered from this push. */
  kind: string;
  labels: string[];
  message: string;
}

/** Progress reports while loading or previewing. `step` is a URL being downloaded (with
 * `loaded`/`total` bytes) or a short description ("actions.json"). */
export interface Progress {
  step: string;
  loaded?: number;
  total?: number;
}

/** Load a push from Taskcluster, the way its action task will see it. Its first requests go out
 * while the worker's engine starts. */
export interface RemoteSource {
  rootUrl: string;
  decisionTaskId: string;
  /** Whose action code to reproduce; default: detected from the decision task (Firefox and
   * Thunderbird pushes, trust domain `gecko` or `comm`, run gecko_taskgraph's). */
  flavour?: Flavour;
}

/** `gecko`: Firefox's gecko_taskgraph actions; `taskgraph`: taskcluster-taskgraph's. */
export type Flavour = "gecko" | "taskgraph";

/** Load a push from inputs already in memory. */
export interface InputsSource {
  /** `full-task-graph.json`, plain or gzip. An ArrayBuffer (or a Uint8Array that spans its
   * whole buffer) is transferred to the worker, i.e. detached from the calling thread. */
  fullTaskGraph: Uint8Array | ArrayBuffer | string;
  /** One `label-to-taskid.json` map, or several merged in order (later ones win). */
  labelToTaskid?: Record<string, string> | Array<Record<string, string>>;
  /** The decision's parameters: an object, or the text of `parameters.yml`. */
  parameters?: Record<string, unknown> | string;
  /** Answers to the optimiser's index and queue queries. */
  index?: { index?: Record<string, string>; statuses?: Record<string, unknown> };
  /** Default `DecisionTaskId00000000A`. */
  decisionTaskId?: string;
  /** Default `gecko`. */
  trustDomain?: string;
  /** Default: from the trust domain (`gecko`, `comm`: gecko; else taskgraph). */
  flavour?: Flavour;
  /** Default: the parameters' `level`, else `"3"`. */
  level?: string;
  /** Default `https://firefox-ci-tc.services.mozilla.com`. */
  rootUrl?: string;
  /** The decision's `actions.json`, needed by `triggerRequest`/`trigger`. */
  actions?: unknown;
}

export type LoadSource = RemoteSource | InputsSource;

/** A loaded push (from `load` and `summary`). */
export interface Summary {
  decisionTaskId: string;
  /** The decision run whose artifacts were used. */
  runId: number;
  trustDomain: string;
  level: string;
  rootUrl: string;
  /** Whose action code the preview reproduces. */
  flavour: Flavour;
  /** Why: the evidence it was detected from, or "chosen by the user". */
  flavourReason: string;
  /** Tasks in `full-task-graph.json`. */
  tasks: number;
  /** Dependency edges. */
  edges: number;
  /** Labels in the merged `label-to-taskid.json`. */
  existing: number;
  project: string;
  /** `head_rev` of the parameters. */
  revision: string;
  owner: string;
  pushlogId: string;
  /** Earlier action and cron tasks whose `label-to-taskid.json` was merged. */
  mergedFrom: string[];
  /** Whether `actions.json` offers `add-new-jobs` (triggering is possible). */
  hasAddNewJobs: boolean;
  warnings: Warning[];
}

/** Treeherder's status names as the grid uses them. */
export type JobState =
  | "runnable"
  | "success"
  | "testfailed"
  | "busted"
  | "exception"
  | "running"
  | "pending"
  | "unscheduled"
  | "unknown";

/** One job of the push's grid: a task that reports to Treeherder (`task.extra.treeherder`). */
export interface GridJob {
  label: string;
  /** The task's kind (`build`, `test`, `docker-image`, ...). */
  kind: string;
  /** `extra.treeherder.symbol` (`?` when missing). */
  symbol: string;
  /** Absent when there is no group (taskgraph's `?` counts as none). */
  groupSymbol?: string;
  groupName?: string;
  /** `extra.treeherder.machine.platform` (empty when missing). */
  platform: string;
  /** The first true key of `extra.treeherder.collection` (`opt`, `debug`, ...), else empty. */
  option: string;
  /** Default 1. */
  tier: number;
  /** `runnable` for jobs that can be added, else the state of the existing task (`unknown`
   * when only its taskId is known from `label-to-taskid.json`). */
  state: JobState;
  /** The existing task, when there is one. */
  taskId?: string;
}

export interface PreviewRequest {
  /** The labels to add (`input.tasks`); duplicates are allowed. */
  labels: string[];
  /** `input.times`, 1 to 100 (default 1). */
  times?: number;
  /** The creation time, RFC 3339 (default: now). */
  now?: string;
  /** New taskIds `NewTaskId0000000000001`, ... instead of random slugids. */
  deterministicIds?: boolean;
  /** Include every created task's definition (`iterations[].tasks`); default true. Pass
   * false for interactive previews: far less to build and copy. */
  definitions?: boolean;
  /** Also return `kinds` (label → kind, for the closure), `reusedFrom` (label → the taskId
   * of the decision or earlier action/cron task whose map gave each `existing-tasks` reuse),
   * `summary` and `runsAgain`, for display; not part of the CLI's output. Default false. */
  withKinds?: boolean;
}

/** How a reused task was found. */
export interface Reuse {
  taskId: string;
  /** `existing-tasks`: the decision's (or an earlier action's or cron task's)
   * `label-to-taskid.json`; `index-search`: an index cache hit. */
  source: "existing-tasks" | "index-search";
  /** The index path of an `index-search` hit, else null. */
  indexPath: string | null;
}

/** A task definition exactly as sent to `queue.createTask`. */
export type TaskDefinition = Record<string, unknown>;

/** The outcome of one `create_tasks` call (one per `times`). */
export interface Iteration {
  /** Label → new taskId. */
  created: Record<string, string>;
  /** Label → the task reused in its place. */
  reused: Record<string, Reuse>;
  /** Label → why it was removed. */
  removed: Record<string, string>;
  /** TaskId → definition (extra `task_duplicates` copies included). Absent when the request
   * had `definitions: false`. */
  tasks?: Record<string, TaskDefinition>;
  /** Label → why it is created: `requested`, or why the dependency could not be reused. */
  reasons: Record<string, string>;
  /** Label → path from a requested label down to it (first element requested, last the
   * label), for every task of the closure that is not requested and not removed. A path of
   * more than 32 entries keeps its first 16 and last 15 labels around one `… N more …`. */
  why: Record<string, string[]>;
  /** Label → taskIds of the extra copies `attributes.task_duplicates` asks for; absent when
   * there are none. */
  duplicates?: Record<string, string[]>;
  /** Worker pool → how many of the created tasks (extra copies included) will wait for its
   * workers: each definition's `taskQueueId`, else `provisionerId/workerType`. */
  workerPools: Record<string, number>;
  /** The action's `label-to-taskid.json` artifact. */
  labelToTaskId: Record<string, string>;
  /** The action's `task-graph.json` artifact (label → task): only in the CLI's output, when
   * asked for with `--with-task-graph`. */
  taskGraph?: Record<string, unknown>;
}

/** The preview of one request: the CLI's `--json` output. */
export interface Preview {
  /** The requested labels, sorted and distinct. */
  requested: string[];
  times: number;
  /** Every task of the closure, sorted. */
  closure: string[];
  /** The index paths the action task would look up (sorted). */
  indexPaths: string[];
  iterations: Iteration[];
  warnings: Warning[];
  /** With `withKinds`: label → kind, for every task of the closure. */
  kinds?: Record<string, string>;
  /** With `withKinds`: label → taskId of the decision or earlier action/cron task whose
   * `label-to-taskid.json` gave each task reused from `existing-tasks`. */
  reusedFrom?: Record<string, string>;
  /** With `withKinds`: the decision task's id (`reusedFrom` values equal to it mean "the
   * decision's own map"). */
  decisionTaskId?: string;
  /** With `withKinds`: the line a sheriff reads first, the same as the page shows ("Your 4
   * jobs, plus 15 tasks they need (4 fetches, …). 38 existing tasks are reused. Nothing is
   * removed."). */
  summary?: string;
  /** With `withKinds`: the picks that already ran on this push (the action runs them again). */
  runsAgain?: string[];
  /** With `withKinds`: each created dependency's reason in plain words ("build-x needs it, and
   * it is not built on this push"; "…; no cached task in the index (not found, failed)"), the
   * engine's own in `iterations[0].reasons`. */
  plainReasons?: Record<string, string>;
  /** With `withKinds`: where the created tasks will wait for workers, in words ("Runs on 8 ×
   * gecko-t/t-linux-docker, 3 × gecko-3/b-linux and 1 × releng-hardware/win11-64"; past four
   * pools, "… and 2 more pools (3 tasks)"), from every iteration's `workerPools`. */
  runsOn?: string;
}

/** One task of a graph view. */
export interface GraphNode {
  label: string;
  decision: "requested" | "created" | "reused" | "removed";
  /** Top-left corner, SVG units. */
  x: number;
  y: number;
}

/** The last preview's closure laid out in layers, left to right (requested jobs first). */
export interface GraphView {
  nodes: GraphNode[];
  /** `[dependent, dependency]` as indices into `nodes`. */
  edges: Array<[number, number]>;
  width: number;
  height: number;
  /** Box size (snake_case, as serialised by the engine). */
  nodeWidth: number;
  nodeHeight: number;
  /** Tasks of the closure left out (the view is cut at `limit`). */
  omitted: number;
}

/** The unsigned `add-new-jobs` call, rendered from the decision's `actions.json`. */
export interface TriggerRequest {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: unknown;
  trigger:
    | { method: "hooks.triggerHook"; hookGroupId: string; hookId: string; payload: unknown }
    | { method: "queue.createTask"; taskId: string; task: TaskDefinition };
}

/** Taskcluster credentials; they are only ever sent to the push's root URL. */
export interface Credentials {
  clientId: string;
  accessToken: string;
  /** A temporary credential's certificate (JSON text). */
  certificate?: string;
}

/** What the action task did, compared with the last preview. */
export interface Comparison {
  actionTaskId: string;
  /** The action task's final Taskcluster state (`completed`, `failed`, `exception`, ...). */
  state: string;
  /** Empty when it created and reused exactly what the preview said. Each names the label, and
   * for a created task's definition the field path (`label: payload.env.X: previewed …`). */
  differences: string[];
  /** How many created tasks' definitions were fetched from the queue and compared field by
   * field with the preview's (ids mapped by label, datestamps after one shift per task). */
  definitionsChecked: number;
  /** What the page says of it: "Preview matched: action task X (completed) created and reused
   * exactly what was previewed (3 task definitions compared field by field)." or "Action task X
   * (failed) differs from the preview:" (then `differences`). */
  summary: string;
}

/** An action to preview. */
export interface ActionRequest {
  /** `retrigger`, `retrigger-multiple`, `rebuild-cached-tasks` or `add-new-jobs`. */
  action: string;
  /** The action's input, as its schema in actions.json defines it (e.g. `{ downstream: true,
   * times: 2 }` for retrigger, `{ requests: [{ tasks, times }] }` for retrigger-multiple). */
  input?: Record<string, unknown>;
  /** Task actions (retrigger): the task's label, or its taskId. */
  taskLabel?: string;
  taskId?: string;
  now?: string;
  deterministicIds?: boolean;
  /** Include the created definitions (default true; `tasks` is empty without). */
  definitions?: boolean;
}

/** An action offered for a task or the task group. */
export interface OfferedAction {
  name: string;
  title: string;
  description: string;
  /** The callback it runs (`retrigger`, `retrigger-disabled`, `retrigger-decision`, ...). */
  cbName: string;
  /** `null` when `previewAction` can preview it; else why it has no preview. */
  preview: string | null;
  /** The action's input schema from actions.json (`null` when it takes no input). */
  schema: Record<string, unknown> | null;
  /** `null` when it can be triggered; else why not: its JSON-e in actions.json goes beyond
   * what the engine renders (untrusted, bounded), so triggering it would be refused. */
  unavailable: string | null;
}

/** One `create_tasks` call of an action. */
export interface CallPreview extends Iteration {
  /** The artifacts' suffix (`0`, `1-2`; empty for none). */
  suffix: string;
  /** `to_run`, sorted. */
  requested: string[];
  /** The closure of `to_run`, sorted. */
  closure: string[];
}

/** What an action task will do: the CLI's `preview --action --json` shape. */
export interface ActionPreview {
  action: string;
  /** Existing tasks it reruns instead of cloning (retrigger-multiple). */
  reruns: Array<{ label: string; taskId: string }>;
  calls: CallPreview[];
  warnings: Warning[];
}

export interface PreviewerOptions {
  /** A worker already running `src/worker.js` (not terminated by `dispose`). */
  worker?: Worker;
  /** Where `src/worker.js` is served (default: `./worker.js` next to `src/index.js`, which
   * Vite, webpack and rspack bundle with the app, and its `.wasm` as an asset). Add `?wasm=URL`
   * to load the engine from somewhere other than `../pkg/engine_bg.wasm` next to the worker. */
  workerUrl?: string | URL;
  /** Run the engine on the calling thread (Node, tests). */
  inline?: boolean;
  /** With `inline`: the `.wasm` bytes, its URL, a Response or a compiled module. */
  wasm?: BufferSource | URL | string | Response | WebAssembly.Module;
}

/** How far the task group listing is while the early grid shows: tasks listed so far, and
 * whether that is all. Until `done`, a job not listed yet shows as `runnable`. */
export interface Listing {
  listed: number;
  done: boolean;
}

export interface Previewer {
  /** Loads a push (replacing any loaded one) and resolves to its summary. From Taskcluster,
   * `onJobs` gets the grid's jobs (from runnable-jobs.json) while the graph still downloads,
   * then the whole list again as each page of the task group listing adds states; see README
   * for the order of events. */
  load(
    source: LoadSource,
    options?: {
      onProgress?: (progress: Progress) => void;
      onJobs?: (jobs: GridJob[], listing: Listing) => void;
      /** The push can be previewed (its summary) while its task group is still listed. */
      onReady?: (summary: Summary) => void;
    },
  ): Promise<Summary>;
  /** Every job of the push that reports to Treeherder, in label order. During a load, it
   * resolves with the early grid once the task group listing has given every state. */
  runnableJobs(): Promise<GridJob[]>;
  /** The summary of the loaded push. */
  summary(): Promise<Summary>;
  /** Previews adding `labels` (`times` times). Pushes loaded from Taskcluster fetch the index
   * answers the closure needs first (cached for later previews). */
  preview(request: PreviewRequest, options?: { onProgress?: (progress: Progress) => void }): Promise<Preview>;
  /** Previews another action than add-new-jobs (taskgraph's `retrigger`, `retrigger-multiple`,
   * `rebuild-cached-tasks`, or `add-new-jobs` itself through its callback): every
   * `create_tasks` call it makes, and the tasks it reruns instead. Actions that create no task
   * (`rerun`, `cancel`, ...) are rejected with a `bad-request` saying so. */
  previewAction(request: ActionRequest, options?: { onProgress?: (progress: Progress) => void }): Promise<ActionPreview>;
  /** The actions Taskcluster's UI would offer for a task (its tags, fetched, pick them) or for
   * the task group (no task): the first matching entry of each name in actions.json. */
  actionsFor(request?: { taskLabel?: string; taskId?: string }): Promise<OfferedAction[]>;
  /** The call that triggers another action, rendered for the task's context (its definition
   * is fetched for its tags, which pick the action's variant) and unsigned (nothing is sent). */
  actionTriggerRequest(request: ActionRequest): Promise<TriggerRequest>;
  /** Signs another action's call with `credentials` and sends it once (never retried);
   * resolves to the action task's id. Preview it first with `previewAction`. */
  triggerAction(request: ActionRequest, credentials: Credentials): Promise<string>;
  /** The last preview's closure, laid out, with at most `limit` tasks (default 150, what the
   * page draws). */
  graphView(options?: { limit?: number }): Promise<GraphView>;
  /** The add-new-jobs call for `{labels, times}`, rendered and unsigned (nothing is sent). */
  triggerRequest(request: { labels: string[]; times?: number }): Promise<TriggerRequest>;
  /** Signs the add-new-jobs call with `credentials` and sends it once (never retried);
   * resolves to the action task's id. */
  trigger(request: { labels: string[]; times?: number }, credentials: Credentials): Promise<string>;
  /** Polls the action task until it resolves (every `pollMs`, default 2000; at most
   * `maxWaitMs`, default an hour) and compares its `label-to-taskid.json` with the preview
   * that was triggered as it: `trigger` after a `preview` of the same labels and times, or
   * `triggerAction` after a `previewAction` of the same action, input and task, or an
   * add-new-jobs the host triggered itself (Treeherder's `PushModel.triggerNewJobs`) named in
   * `previewed` when the last `preview` was exactly those labels and times. Every iteration or
   * call is compared with its own `label-to-taskid-<suffix>.json`. Any other action task is
   * refused (kind `not-previewed`). */
  follow(
    actionTaskId: string,
    options?: { pollMs?: number; maxWaitMs?: number; previewed?: { labels: string[]; times?: number } },
  ): Promise<Comparison>;
  /** Stops the worker if this previewer started it; pending calls reject with kind `worker`. */
  dispose(): void;
}

export declare function createPreviewer(options?: PreviewerOptions): Previewer;
