// <PreviewPanel>: what the add-new-jobs action will create, reuse and remove for the labels a
// sheriff picked, recomputed on every change of the selection. Written without JSX
// (React.createElement) so hosts use it without a build step. Styles: ./preview.css (classes
// start with `tgp-`; colours follow Treeherder's job-button palette).
import React from "react";

const h = React.createElement;
const { useEffect, useMemo, useRef, useState, useCallback } = React;

/** Counts of a preview, as the panel shows them. `created` counts every task the action will
 * create over all `times` iterations, `task_duplicates` copies included; `reused` and
 * `removed` are per iteration (every iteration decides the same way). */
export function previewCounts(preview) {
  if (!preview || !preview.iterations || preview.iterations.length === 0) {
    return { created: 0, reused: 0, removed: 0, requested: 0, dependencies: 0 };
  }
  let created = 0;
  for (const iteration of preview.iterations) {
    created += Object.keys(iteration.created).length;
    for (const copies of Object.values(iteration.duplicates || {})) created += copies.length;
  }
  const first = preview.iterations[0];
  const perIteration = Object.keys(first.created).length;
  const requested = preview.requested.length;
  return {
    created,
    reused: Object.keys(first.reused).length,
    removed: Object.keys(first.removed).length,
    requested,
    dependencies: Math.max(0, perIteration - requested),
  };
}

/** The confirm button's words, naming both numbers: "Trigger 4 jobs · 19 tasks" (an action:
 * "Trigger Retrigger · 3 tasks"). */
export function triggerText(preview, counts = previewCounts(preview)) {
  const tasks = `${counts.created} ${counts.created === 1 ? "task" : "tasks"}`;
  if (preview && preview.action) return `Trigger ${preview.title || preview.action} · ${tasks}`;
  return `Trigger ${counts.requested} ${counts.requested === 1 ? "job" : "jobs"} · ${tasks}`;
}

/** What a follow found (`previewer.follow`'s comparison), in the words the page uses:
 * `{ matched, text, differences }`. */
export function comparisonText(comparison) {
  const { summary, differences } = comparison;
  return { matched: differences.length === 0, text: summary, differences };
}

/** A label's kind: from the grid jobs when known, else the longest known kind the label starts
 * with (`docker-image-base` → `docker-image`), else the part before the first `-`. */
export function kindResolver(jobs) {
  const byLabel = new Map();
  const kinds = new Set();
  for (const job of jobs || []) {
    byLabel.set(job.label, job.kind);
    if (job.kind) kinds.add(job.kind);
  }
  const sorted = [...kinds].sort((a, b) => b.length - a.length);
  return (label) => {
    const known = byLabel.get(label);
    if (known) return known;
    for (const kind of sorted) if (label.startsWith(`${kind}-`)) return kind;
    const dash = label.indexOf("-");
    return dash > 0 ? label.slice(0, dash) : label;
  };
}

/**
 * Recomputes the preview of `labels` whenever they (or `times`, `now`, `deterministicIds`)
 * change. At most one request is in flight: while one runs, only the newest pending request is
 * kept, and results of superseded requests are dropped.
 * Returns `{ status: "idle"|"busy"|"ready"|"error", preview, error }` (the last good preview
 * stays available while a newer one is computed).
 */
export function usePreview(previewer, { labels, times = 1, now, deterministicIds = false, action }) {
  const [result, setResult] = useState({ status: "idle", preview: null, error: null });
  const flow = useRef({ seq: 0, inFlight: false, queued: null, mounted: true });
  const key = JSON.stringify(labels || []);
  const actionKey = action ? JSON.stringify(action) : "";

  useEffect(() => {
    const state = flow.current;
    state.mounted = true;
    return () => {
      state.mounted = false;
      state.seq += 1;
    };
  }, []);

  useEffect(() => {
    const state = flow.current;
    const seq = ++state.seq;
    const list = JSON.parse(key);
    const chosen = actionKey ? JSON.parse(actionKey) : null;
    if (!previewer || (list.length === 0 && !chosen)) {
      state.queued = null;
      setResult({ status: "idle", preview: null, error: null });
      return;
    }
    const request = chosen ? { ...chosen, definitions: false } : { labels: list, times, definitions: false, withKinds: true };
    if (now !== undefined) request.now = now;
    if (deterministicIds) request.deterministicIds = true;
    setResult((previous) => ({ ...previous, status: "busy" }));
    const run = async (runSeq, runRequest) => {
      if (state.inFlight) {
        state.queued = { seq: runSeq, request: runRequest };
        return;
      }
      state.inFlight = true;
      try {
        const preview = chosen ? actionAsPreview(await previewer.previewAction(runRequest)) : await previewer.preview(runRequest);
        if (state.mounted && runSeq === state.seq) setResult({ status: "ready", preview, error: null });
      } catch (error) {
        if (state.mounted && runSeq === state.seq) setResult({ status: "error", preview: null, error });
      } finally {
        state.inFlight = false;
        const next = state.queued;
        state.queued = null;
        if (next && next.seq === state.seq) run(next.seq, next.request);
      }
    };
    run(seq, request);
  }, [previewer, key, times, now, deterministicIds, actionKey]);

  return result;
}

/** An action's preview in the shape the panel shows: one iteration per `create_tasks` call,
 * the requested labels and closures of all calls, and the action's reruns. */
export function actionAsPreview(actionPreview) {
  const union = (key) => [...new Set(actionPreview.calls.flatMap((c) => c[key]))].sort();
  return {
    requested: union("requested"),
    times: actionPreview.calls.length,
    closure: union("closure"),
    iterations: actionPreview.calls,
    warnings: actionPreview.warnings,
    action: actionPreview.action,
    reruns: actionPreview.reruns,
  };
}

const SOURCE_TEXT = {
  "existing-tasks": "decision or earlier action",
  "index-search": "index cache",
};

/** Where a reused task comes from: the index path, the decision, or the earlier action whose
 * `label-to-taskid.json` gave it (`reusedFrom` and `decisionTaskId` of `withKinds` previews). */
function sourceText(preview, label, reuse) {
  if (reuse.source === "index-search") return reuse.indexPath ? `index cache: ${reuse.indexPath}` : "index cache";
  const from = preview.reusedFrom && preview.reusedFrom[label];
  if (from === undefined) return SOURCE_TEXT[reuse.source] || reuse.source;
  return from === preview.decisionTaskId ? "decision task" : `earlier action ${from}`;
}

const ROW_LIMIT = 100;

/** A list that shows its first ROW_LIMIT items and a button for the rest. */
function CappedList({ items, render, className }) {
  const [all, setAll] = useState(false);
  const shown = all ? items : items.slice(0, ROW_LIMIT);
  return h(
    "ul",
    { className },
    shown.map(render),
    items.length > shown.length &&
      h(
        "li",
        { className: "tgp-more" },
        h("button", { type: "button", className: "tgp-link", onClick: () => setAll(true) }, `Show ${items.length - shown.length} more`),
      ),
  );
}

function WhyPath({ path }) {
  return h(
    "ol",
    { className: "tgp-why", "aria-label": "why this task is needed" },
    path.map((label, i) =>
      h(
        "li",
        { key: i, className: i === 0 ? "tgp-why-requested" : undefined },
        h("span", { className: "tgp-why-label" }, label),
        i === 0 ? h("span", { className: "tgp-tag tgp-tag-requested" }, "requested") : null,
      ),
    ),
  );
}

/** One task row; dependencies open their "why" path on click. */
function TaskRow({ label, className, tags, detail, why, open, onToggle }) {
  const canExplain = Array.isArray(why) && why.length > 1;
  const name = canExplain
    ? h(
        "button",
        {
          type: "button",
          className: "tgp-label tgp-link",
          title: `Why is ${label} needed?`,
          "aria-expanded": open ? "true" : "false",
          onClick: () => onToggle(label),
        },
        label,
      )
    : h("span", { className: "tgp-label" }, label);
  return h(
    "li",
    { className: `tgp-row ${className}`, "data-label": label },
    h("div", { className: "tgp-row-main" }, name, tags, detail),
    canExplain && open ? h(WhyPath, { path: why }) : null,
  );
}

/** Long text (a full index path, the engine's reason) behind a disclosure, with a copy button. */
function Disclosure({ summary, text }) {
  const [copied, setCopied] = useState(false);
  return h(
    "details",
    { className: "tgp-index" },
    h("summary", null, summary),
    h("code", { className: "tgp-index-path" }, text),
    " ",
    h(
      "button",
      {
        type: "button",
        className: "tgp-link tgp-copy",
        onClick: () =>
          navigator.clipboard?.writeText(text).then(
            () => setCopied(true),
            () => setCopied(false),
          ),
      },
      copied ? "Copied" : "Copy",
    ),
  );
}

function taskLink(rootUrl, taskId) {
  if (!rootUrl) return h("code", { className: "tgp-task-id" }, taskId);
  return h(
    "a",
    { className: "tgp-task-id", href: `${rootUrl.replace(/\/$/, "")}/tasks/${encodeURIComponent(taskId)}`, target: "_blank", rel: "noopener noreferrer" },
    taskId,
  );
}

const REUSE_PROBLEMS = { "reused-failed": "tgp-reused-failed", "reused-expires-early": "tgp-reused-expiring" };

/**
 * The preview panel.
 * Props: `previewer` (loaded), `labels`, `times` (default 1), `onTrigger(labels, preview)`,
 * optional `jobs` (GridJob[] from runnableJobs(), for kinds), `now`, `deterministicIds`,
 * `rootUrl` (links taskIds to the Taskcluster UI), `className`.
 */
export function PreviewPanel(props) {
  const { previewer, labels = [], times = 1, onTrigger, jobs, now, deterministicIds = false, rootUrl, className, action, state } = props;
  // A host that shows the confirm itself (Treeherder, in its modal's footer) previews with
  // usePreview and hands the result in: one preview, not two.
  const own = usePreview(state ? null : previewer, { labels, times, now, deterministicIds, action });
  const { status, preview, error } = state || own;
  const [openWhy, setOpenWhy] = useState(() => new Set());
  const toggleWhy = useCallback((label) => {
    setOpenWhy((previous) => {
      const next = new Set(previous);
      if (next.has(label)) next.delete(label);
      else next.add(label);
      return next;
    });
  }, []);
  const kindOf = useMemo(() => kindResolver(jobs), [jobs]);
  const counts = previewCounts(status === "error" ? null : preview);
  const first = preview && preview.iterations[0];

  const view = useMemo(() => {
    if (!first) return null;
    const requested = new Set(preview.requested);
    const picks = Object.keys(first.created).filter((l) => requested.has(l));
    const byKind = new Map();
    for (const label of Object.keys(first.created)) {
      if (requested.has(label)) continue;
      const kind = (preview.kinds && preview.kinds[label]) || kindOf(label);
      if (!byKind.has(kind)) byKind.set(kind, []);
      byKind.get(kind).push(label);
    }
    // The dependencies' kinds, biggest first.
    const kinds = [...byKind.entries()].sort(([ka, a], [kb, b]) => b.length - a.length || ka.localeCompare(kb));
    const dependencyKinds = new Map(kinds.map(([kind, list]) => [kind, list.length]));
    const runsAgain = new Set(preview.runsAgain || []);
    // The warnings about this closure (a push's load warnings about other tasks are left to
    // the host), each once.
    const closure = new Set(preview.closure);
    const seen = new Set();
    const warnings = preview.warnings.filter((w) => {
      const key = `${w.kind}\u0000${w.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return w.labels.length === 0 || w.labels.some((l) => closure.has(l));
    });
    const problems = new Map();
    for (const warning of warnings) {
      const cls = REUSE_PROBLEMS[warning.kind];
      if (cls) for (const label of warning.labels) problems.set(label, { cls, message: warning.message });
    }
    return { requested, picks, kinds, dependencyKinds, problems, warnings, runsAgain };
  }, [preview, first, kindOf]);

  const busy = status === "busy";
  // add-new-jobs cannot be rendered for these labels (actions.json's JSON-e refused or invalid,
  // or the input fails its schema): the preview stands, the action cannot be triggered.
  const refused = status === "ready" && preview ? preview.warnings.find((w) => w.kind === "action-unavailable") : null;
  const canTrigger = status === "ready" && counts.created > 0 && typeof onTrigger === "function" && !refused;
  const rootClass = ["tgp-panel", busy ? "tgp-busy" : "", className || ""].filter(Boolean).join(" ");

  const summary = status !== "error" && preview && preview.summary;
  const header = h(
    "header",
    { className: "tgp-head" },
    summary && h("p", { className: "tgp-summary", "aria-live": "polite" }, summary),
    h(
      "div",
      {
        className: "tgp-counts",
        "data-created": String(counts.created),
        "data-reused": String(counts.reused),
        "data-removed": String(counts.removed),
        "data-requested": String(counts.requested),
        "aria-live": summary ? undefined : "polite",
      },
      h("span", { className: "tgp-count tgp-count-created" }, `${counts.created} to create`),
      " · ",
      h("span", { className: "tgp-count tgp-count-reused" }, `${counts.reused} reused`),
      " · ",
      h("span", { className: "tgp-count tgp-count-removed" }, `${counts.removed} removed`),
    ),
    view &&
      h(
        "div",
        { className: "tgp-breakdown" },
        `${counts.requested} requested + ${counts.dependencies} ${counts.dependencies === 1 ? "dependency" : "dependencies"}`,
        view.dependencyKinds.size
          ? ` (${[...view.dependencyKinds.entries()].map(([kind, n]) => `${n} ${kind}`).join(", ")})`
          : "",
        preview.times > 1 ? `, ${preview.times} times` : "",
      ),
    status !== "error" && preview && preview.runsOn && h("p", { className: "tgp-runs-on" }, preview.runsOn),
    refused && h("p", { className: "tgp-refused", id: "tgp-refused", role: "alert" }, "Cannot trigger: ", refused.message),
  );
  // The confirm, always in view at the panel's foot (sticky), naming both numbers; a host
  // that confirms itself passes no onTrigger.
  const footer =
    typeof onTrigger === "function" &&
    h(
      "footer",
      { className: "tgp-foot" },
      h(
        "button",
        {
          type: "button",
          className: "tgp-trigger",
          disabled: !canTrigger,
          "data-count": String(counts.created),
          "aria-describedby": refused ? "tgp-refused" : undefined,
          onClick: () => canTrigger && onTrigger(labels, preview),
        },
        triggerText(preview, counts),
      ),
    );

  if (status === "idle") {
    return h(
      "section",
      { className: rootClass, "data-status": status },
      header,
      h("p", { className: "tgp-empty" }, "Select jobs to see what the action will create and reuse."),
      footer,
    );
  }

  const body = [];
  if (status === "error" && error) {
    body.push(
      h(
        "div",
        { key: "error", className: "tgp-error", role: "alert", "data-kind": error.kind || "" },
        h("strong", null, error.kind === "unknown-labels" ? "Not in the task graph: " : "Cannot preview: "),
        error.message,
        error.labels && error.labels.length
          ? h("ul", { className: "tgp-error-labels" }, error.labels.map((l) => h("li", { key: l }, l)))
          : null,
      ),
    );
  }
  if (view && status !== "error") {
    if (view.warnings.length) {
      body.push(
        h(
          "section",
          { key: "warnings", className: "tgp-section tgp-warnings" },
          h("h4", null, `Warnings (${view.warnings.length})`),
          h(CappedList, {
            className: "tgp-list",
            items: view.warnings,
            render: (w, i) =>
              h(
                "li",
                { key: i, className: `tgp-warning ${REUSE_PROBLEMS[w.kind] ? "tgp-warning-reuse" : "tgp-warning-other"}`, "data-kind": w.kind },
                h("span", { className: "tgp-tag tgp-tag-warning" }, w.kind),
                " ",
                w.message,
              ),
          }),
        ),
      );
    }
    const times = preview.times > 1 ? ` × ${preview.times}` : "";
    const dependencyRow = (label) =>
      h(TaskRow, {
        key: label,
        label,
        className: "tgp-dependency",
        tags: h("span", { className: "tgp-tag tgp-tag-dependency" }, "dependency"),
        detail: [
          h("span", { key: "p", className: "tgp-reason" }, (preview.plainReasons && preview.plainReasons[label]) || first.reasons[label] || ""),
          // The engine's own words (upstream's terms, full index paths) behind a disclosure.
          preview.plainReasons && first.reasons[label] ? h(Disclosure, { key: "d", summary: "details", text: first.reasons[label] }) : null,
        ],
        why: first.why[label],
        open: openWhy.has(label),
        onToggle: toggleWhy,
      });
    body.push(
      h(
        "section",
        { key: "created", className: "tgp-section tgp-created" },
        h("h4", null, `Your ${view.picks.length === 1 ? "job" : "jobs"} (${view.picks.length}${times})`),
        h(CappedList, {
          className: "tgp-list tgp-picks",
          items: view.picks,
          render: (label) =>
            h(TaskRow, {
              key: label,
              label,
              className: "tgp-requested",
              tags: [
                h("span", { key: "r", className: "tgp-tag tgp-tag-requested" }, "requested"),
                view.runsAgain.has(label) &&
                  h("span", { key: "a", className: "tgp-tag tgp-tag-again", title: "It already ran on this push; the action runs it again" }, "runs again"),
              ],
              detail: null,
            }),
        }),
        view.kinds.length > 0 &&
          h(
            "h4",
            { className: "tgp-needed" },
            `What ${view.picks.length === 1 ? "it needs" : "they need"}, created too (${view.kinds.reduce((n, [, list]) => n + list.length, 0)}${times})`,
          ),
        // Kinds closed beyond the first few (biggest first): the picks stay in view.
        view.kinds.map(([kind, list], i) =>
          h(
            "details",
            { key: kind, className: "tgp-kind", "data-kind": kind, open: i < 3 && list.length <= 20 },
            h("summary", null, h("span", { className: "tgp-kind-name" }, kind), ` (${list.length})`),
            h(CappedList, { className: "tgp-list", items: list, render: dependencyRow }),
          ),
        ),
      ),
    );
    const reused = Object.entries(first.reused);
    if (reused.length) {
      body.push(
        h(
          "section",
          { key: "reused", className: "tgp-section tgp-reused" },
          h("h4", null, `Reused (${reused.length})`),
          h(CappedList, {
            className: "tgp-list",
            items: reused,
            render: ([label, reuse]) => {
              const problem = view.problems.get(label);
              return h(TaskRow, {
                key: label,
                label,
                className: `tgp-reuse ${problem ? problem.cls : ""}`,
                tags: h("span", { className: `tgp-tag tgp-tag-${reuse.source}`, title: problem ? problem.message : undefined }, sourceText(preview, label, reuse)),
                detail: h(
                  "span",
                  { className: "tgp-reuse-detail", "data-source": reuse.source },
                  taskLink(rootUrl, reuse.taskId),
                  reuse.indexPath ? h(Disclosure, { summary: "index path", text: reuse.indexPath }) : null,
                ),
                why: first.why[label],
                open: openWhy.has(label),
                onToggle: toggleWhy,
              });
            },
          }),
        ),
      );
    }
    const removed = Object.entries(first.removed);
    if (removed.length) {
      body.push(
        h(
          "section",
          { key: "removed", className: "tgp-section tgp-removed" },
          h("h4", null, `Removed (${removed.length})`),
          h(CappedList, {
            className: "tgp-list",
            items: removed,
            render: ([label, reason]) =>
              h(TaskRow, { key: label, label, className: "tgp-removal", tags: null, detail: h("span", { className: "tgp-reason" }, reason) }),
          }),
        ),
      );
    }
  }
  return h("section", { className: rootClass, "data-status": status }, header, body, footer);
}

export default PreviewPanel;
