// A demo host that mimics Treeherder's job view around <PreviewPanel>: dark navbar, a push
// with its header ("Trigger N New Jobs"), the push's jobs grouped by platform (click to
// select, like runnable jobs in Treeherder), and the preview pane next to them.
// Bundled by `npm run build:demo` into demo/demo.js. URL parameters: rootUrl (default: this
// site), decisionTaskId (default NssSampleDecision00001), group_state=expanded|collapsed,
// searchStr, times.
import React from "react";
import { createRoot } from "react-dom/client";
import { createPreviewer } from "../src/index.js";
import { PreviewPanel, previewCounts } from "../react/index.js";

const h = React.createElement;
const { useEffect, useMemo, useRef, useState, useCallback, memo } = React;

const params = new URLSearchParams(location.search);
const ROOT_URL = (params.get("rootUrl") || location.origin).replace(/\/$/, "");
const DECISION = params.get("decisionTaskId") || "NssSampleDecision00001";
const TIMES = Math.max(1, Math.min(100, Number(params.get("times")) || 1));
// The stand-in's demo credentials, offered only when the push is served by this same site.
const DEMO_CREDENTIALS = ROOT_URL === location.origin ? { clientId: "demo-sheriff", accessToken: "demo-access-token" } : { clientId: "", accessToken: "" };
// Above this many jobs, groups start collapsed (as Treeherder's default group state).
const COLLAPSE_ABOVE = 2000;
// Rows rendered per frame while the grid fills in, so the page never stalls.
const ROWS_PER_CHUNK = 40;

const OPTION_ORDER = { opt: 1, pgo: 2, asan: 3, tsan: 4, debug: 5, cc: 6, addon: 7, all: 8 };
const FAILED = new Set(["testfailed", "busted", "exception"]);
const natural = new Intl.Collator("en", { numeric: true, sensitivity: "base" }).compare;

const pause = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Jobs → table rows, one per platform + option, each with its groups (ungrouped first). */
async function buildRows(jobs, filter) {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const rows = new Map();
  let i = 0;
  for (const job of jobs) {
    if (++i % 5000 === 0) await pause();
    if (words.length) {
      const text = `${job.platform} ${job.option} ${job.groupName || ""} ${job.groupSymbol || ""} ${job.label} ${job.symbol}`.toLowerCase();
      if (!words.every((w) => text.includes(w))) continue;
    }
    const key = `${job.platform}\u0000${job.option}`;
    let row = rows.get(key);
    if (!row) {
      row = { key, platform: job.platform || "(no platform)", option: job.option, groups: new Map() };
      rows.set(key, row);
    }
    const gkey = job.groupSymbol ? `${job.groupSymbol}\u0000${job.tier}` : `\u0000${job.tier}`;
    let group = row.groups.get(gkey);
    if (!group) {
      group = { key: gkey, symbol: job.groupSymbol || "", name: job.groupName || "", tier: job.tier, jobs: [] };
      row.groups.set(gkey, group);
    }
    group.jobs.push(job);
  }
  await pause();
  const sorted = [...rows.values()].sort(
    (a, b) => natural(a.platform, b.platform) || (OPTION_ORDER[a.option] || 9) - (OPTION_ORDER[b.option] || 9) || natural(a.option, b.option),
  );
  for (const row of sorted) {
    row.groups = [...row.groups.values()].sort(
      (a, b) => a.symbol.length + a.tier - (b.symbol.length + b.tier) || natural(a.symbol, b.symbol),
    );
    for (const group of row.groups) group.jobs.sort((a, b) => natural(a.symbol, b.symbol) || natural(a.label, b.label));
    row.count = row.groups.reduce((n, g) => n + g.jobs.length, 0);
  }
  return sorted;
}

function JobButton({ job, selected, onToggle }) {
  const classes = ["job-btn", `btn-${job.state}`];
  if (job.state === "runnable") classes.push("runnable-job-btn");
  if (selected) classes.push("selected-job");
  return h(
    "button",
    {
      type: "button",
      className: classes.join(" "),
      "data-label": job.label,
      "data-status": job.state,
      "aria-pressed": selected ? "true" : "false",
      title: job.label,
      onClick: () => onToggle(job.label),
    },
    job.symbol,
  );
}

/** One platform row. Re-renders only when its own selection or expansion changes. */
const PlatformRow = memo(function PlatformRow({ row, selectedKey, selected, expandedAll, expanded, onToggle, onExpand }) {
  return h(
    "div",
    { className: "platform-row", role: "row", "data-platform": row.platform, "data-option": row.option },
    h(
      "div",
      { className: "platform", role: "rowheader" },
      h("span", null, row.platform, " ", h("span", { className: "platform-option" }, row.option)),
    ),
    h(
      "div",
      { className: "job-row", role: "cell" },
      row.groups.map((group) => {
        const open = expandedAll || !group.symbol || expanded.has(`${row.key}\u0001${group.key}`);
        let content;
        if (open) {
          content = group.jobs.map((job) => h(JobButton, { key: job.label, job, selected: selected.has(job.label), onToggle }));
        } else {
          // Collapsed: failures and selected jobs stay visible, the rest fold into +N per status.
          const shown = [];
          const folded = new Map();
          for (const job of group.jobs) {
            if (FAILED.has(job.state) || selected.has(job.label)) shown.push(job);
            else folded.set(job.state, (folded.get(job.state) || 0) + 1);
          }
          content = [
            ...shown.map((job) => h(JobButton, { key: job.label, job, selected: selected.has(job.label), onToggle })),
            ...[...folded.entries()].map(([state, n]) =>
              h(
                "button",
                {
                  key: `count-${state}`,
                  type: "button",
                  className: `job-count btn-${state}`,
                  title: `${n} ${state} jobs in group`,
                  onClick: () => onExpand(`${row.key}\u0001${group.key}`),
                },
                `+${n}`,
              ),
            ),
          ];
        }
        if (!group.symbol && group.tier === 1) return h("span", { key: group.key, className: "job-group ungrouped" }, content);
        return h(
          "span",
          { key: group.key, className: "job-group", title: group.name },
          h(
            "button",
            { type: "button", className: "group-symbol", onClick: () => onExpand(`${row.key}\u0001${group.key}`) },
            group.symbol,
            group.tier !== 1 ? h("span", { className: "tier" }, `[tier ${group.tier}]`) : null,
          ),
          h("span", { className: "group-content" }, content),
        );
      }),
    ),
  );
}, (a, b) => a.row === b.row && a.selectedKey === b.selectedKey && a.expandedAll === b.expandedAll && a.expanded === b.expanded);

/** The job table, filled in ROWS_PER_CHUNK rows per frame. */
function JobTable({ rows, selected, expandedAll, onToggle }) {
  const [shown, setShown] = useState(Math.min(rows.length, ROWS_PER_CHUNK));
  const [expanded, setExpanded] = useState(() => new Set());
  useEffect(() => {
    setShown(Math.min(rows.length, ROWS_PER_CHUNK));
  }, [rows]);
  useEffect(() => {
    if (shown >= rows.length) return undefined;
    const timer = setTimeout(() => setShown((n) => Math.min(rows.length, n + ROWS_PER_CHUNK)), 0);
    return () => clearTimeout(timer);
  }, [shown, rows]);
  const onExpand = useCallback((key) => {
    setExpanded((previous) => {
      const next = new Set(previous);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }, []);
  // Per-row selection keys, so a click re-renders one row only.
  const selectedByRow = useMemo(() => {
    const keys = new Map();
    for (const row of rows) {
      let key = "";
      for (const group of row.groups) for (const job of group.jobs) if (selected.has(job.label)) key += `${job.label}\n`;
      keys.set(row.key, key);
    }
    return keys;
  }, [rows, selected]);
  const ready = shown >= rows.length;
  return h(
    "div",
    { className: "push-jobs", "data-state": ready ? "ready" : "filling", "data-rows": String(rows.length) },
    rows.length === 0 ? h("p", { className: "no-jobs" }, "No jobs match.") : null,
    h(
      "div",
      { className: "job-table", role: "table" },
      rows.slice(0, shown).map((row) =>
          h(PlatformRow, {
            key: row.key,
            row,
            selectedKey: selectedByRow.get(row.key),
            selected,
            expandedAll,
            expanded,
            onToggle,
            onExpand,
          }),
      ),
    ),
  );
}

function formatBytes(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`;
}

function Notifications({ items, onClose }) {
  return h(
    "div",
    { className: "notifications" },
    items.map((n) =>
      h(
        "div",
        { key: n.id, className: `notification notification-${n.severity}`, role: n.severity === "danger" ? "alert" : "status" },
        h("span", null, n.message),
        n.url ? h("a", { href: n.url, target: "_blank", rel: "noopener noreferrer" }, ` ${n.linkText || "open"}`) : null,
        h("button", { type: "button", className: "close", onClick: () => onClose(n.id), "aria-label": "close" }, "×"),
      ),
    ),
  );
}

/** The confirm step: the counts, then the user's Taskcluster credentials. */
function TriggerDialog({ labels, preview, onCancel, onSend }) {
  const counts = previewCounts(preview);
  const [clientId, setClientId] = useState(DEMO_CREDENTIALS.clientId);
  const [accessToken, setAccessToken] = useState(DEMO_CREDENTIALS.accessToken);
  const [busy, setBusy] = useState(false);
  return h(
    "div",
    { className: "modal-backdrop" },
    h(
      "form",
      {
        className: "modal trigger-dialog",
        onSubmit: async (event) => {
          event.preventDefault();
          setBusy(true);
          await onSend({ clientId, accessToken });
          setBusy(false);
        },
      },
      h("h3", null, "Trigger new jobs"),
      h(
        "p",
        { className: "confirm-text" },
        `This will create ${counts.created} ${counts.created === 1 ? "task" : "tasks"} (${counts.requested} requested + ${counts.dependencies} dependencies) and reuse ${counts.reused}.`,
      ),
      h("label", null, "Client ID", h("input", { value: clientId, onChange: (e) => setClientId(e.target.value), autoComplete: "username" })),
      h(
        "label",
        null,
        "Access token",
        h("input", { type: "password", value: accessToken, onChange: (e) => setAccessToken(e.target.value), autoComplete: "current-password" }),
      ),
      h("p", { className: "hint" }, `Sent once, signed, to ${ROOT_URL} only.`),
      h(
        "div",
        { className: "modal-buttons" },
        h("button", { type: "submit", className: "btn-primary", disabled: busy || !clientId || !accessToken || labels.length === 0 }, busy ? "Triggering" : "Trigger"),
        h("button", { type: "button", onClick: onCancel }, "Cancel"),
      ),
    ),
  );
}

function App({ previewer }) {
  const [summary, setSummary] = useState(null);
  const [progress, setProgress] = useState("starting the engine");
  const [loadError, setLoadError] = useState(null);
  const [jobs, setJobs] = useState(null);
  const [rows, setRows] = useState(null);
  const [selectedList, setSelectedList] = useState([]);
  const [filter, setFilter] = useState(params.get("searchStr") || "");
  const [expandedAll, setExpandedAll] = useState(null);
  const [dialog, setDialog] = useState(null);
  const [notifications, setNotifications] = useState([]);
  const panelRef = useRef(null);
  const nextId = useRef(1);

  const notify = useCallback((message, severity, extra = {}) => {
    const id = nextId.current++;
    setNotifications((list) => [...list, { id, message, severity, ...extra }]);
    if (!extra.sticky) setTimeout(() => setNotifications((list) => list.filter((n) => n.id !== id)), 8000);
  }, []);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        let last = 0;
        const loaded = await previewer.load(
          { rootUrl: ROOT_URL, decisionTaskId: DECISION },
          {
            onProgress: ({ step, loaded: done, total }) => {
              const now = Date.now();
              if (now - last < 100 && done !== total) return;
              last = now;
              const name = step.split("/").pop();
              setProgress(total ? `downloading ${name} ${formatBytes(done)} / ${formatBytes(total)}` : step.startsWith("http") ? `downloading ${name}` : step);
            },
          },
        );
        if (cancelled) return;
        performance.mark("demo:loaded");
        setSummary(loaded);
        setProgress("reading the jobs");
        if (loaded.warnings.length) {
          const kinds = new Map();
          for (const w of loaded.warnings) kinds.set(w.kind, (kinds.get(w.kind) || 0) + 1);
          const text = [...kinds.entries()].map(([kind, n]) => `${n} ${kind}`).join(", ");
          notify(`Loaded with ${loaded.warnings.length} warning${loaded.warnings.length === 1 ? "" : "s"} (${text}); the first: ${loaded.warnings[0].message}`, "warning");
        }
        const list = await previewer.runnableJobs();
        performance.mark("demo:jobs");
        if (cancelled) return;
        if (list.length === 0) notify("No new jobs available", "warning");
        setJobs(list);
        setProgress(null);
      } catch (error) {
        if (cancelled) return;
        setLoadError(error);
        setProgress(null);
        notify(`Error loading push ${DECISION}: ${error.message}`, "danger", { sticky: true });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [previewer, notify]);

  useEffect(() => {
    if (!jobs) return undefined;
    let cancelled = false;
    buildRows(jobs, filter).then((built) => {
      performance.mark("demo:rows");
      if (!cancelled) setRows(built);
    });
    return () => {
      cancelled = true;
    };
  }, [jobs, filter]);

  const selected = useMemo(() => new Set(selectedList), [selectedList]);
  const toggle = useCallback((label) => {
    setSelectedList((list) => (list.includes(label) ? list.filter((l) => l !== label) : [...list, label]));
  }, []);
  const groupState = params.get("group_state");
  const defaultOpen = groupState === "expanded" || (groupState !== "collapsed" && !(jobs && jobs.length > COLLAPSE_ABOVE));
  const groupsOpen = expandedAll === null ? defaultOpen : expandedAll;

  const onTrigger = useCallback((labels, preview) => setDialog({ labels, preview }), []);
  const send = useCallback(
    async (credentials) => {
      const { labels } = dialog;
      try {
        const actionTaskId = await previewer.trigger({ labels, times: TIMES }, credentials);
        setDialog(null);
        setSelectedList([]);
        notify(`Request sent to trigger new jobs via actions.json (${actionTaskId})`, "success", {
          url: `${ROOT_URL}/tasks/${actionTaskId}`,
          linkText: "open in Taskcluster",
        });
        const comparison = await previewer.follow(actionTaskId, { pollMs: 2000, maxWaitMs: 30 * 60 * 1000 });
        if (comparison.differences.length === 0) notify(`Action task ${actionTaskId} ${comparison.state}: preview matched`, "success", { sticky: true });
        else notify(`Action task ${actionTaskId} ${comparison.state}: ${comparison.differences.join("; ")}`, "warning", { sticky: true });
      } catch (error) {
        notify(`Taskcluster: ${error.message}`, "danger", { sticky: true });
      }
    },
    [dialog, previewer, notify],
  );

  const selectedCount = selectedList.length;
  return h(
    React.Fragment,
    null,
    h(
      "nav",
      { className: "th-navbar" },
      h("span", { className: "logo" }, "Treeherder"),
      h("span", { className: "navbar-note" }, "taskgraph-preview demo"),
      h("span", { className: "navbar-right" }, ROOT_URL),
    ),
    h(
      "div",
      { className: "th-secondary" },
      h("span", { className: "repo-name" }, summary ? summary.project || summary.trustDomain : "…"),
      h(
        "button",
        { type: "button", className: "group-toggle", title: "Expand or collapse all job groups", onClick: () => setExpandedAll(!groupsOpen) },
        groupsOpen ? "( - )" : "( + )",
      ),
      h("input", {
        className: "quick-filter",
        placeholder: "Filter platforms & jobs",
        defaultValue: filter,
        onKeyDown: (e) => {
          if (e.key === "Enter") setFilter(e.currentTarget.value);
        },
      }),
      progress ? h("span", { className: "load-progress", "data-progress": progress }, progress) : null,
    ),
    h(
      "div",
      { className: "push" },
      h(
        "div",
        { className: "push-bar" },
        h("span", { className: "push-title" }, summary ? `${summary.project} · ${summary.revision.slice(0, 12)}` : DECISION),
        summary && summary.owner ? h("span", { className: "push-author" }, summary.owner) : null,
        summary ? h("span", { className: "push-counts" }, `${summary.tasks} tasks, ${jobs ? jobs.length : "…"} jobs`) : null,
        h("span", { className: "push-spacer" }),
        selectedCount > 0
          ? h(
              "button",
              {
                type: "button",
                className: "btn-push trigger-new-jobs",
                title: "Preview and trigger the selected jobs",
                onClick: () => panelRef.current && panelRef.current.scrollIntoView({ behavior: "smooth", block: "start" }),
              },
              "Trigger ",
              h("span", { className: "badge" }, String(selectedCount)),
              ` New Job${selectedCount === 1 ? "" : "s"}`,
            )
          : null,
        selectedCount > 0 ? h("button", { type: "button", className: "btn-push", onClick: () => setSelectedList([]) }, "Clear selection") : null,
      ),
      h(
        "div",
        { className: "push-body" },
        h(
          "div",
          { className: "revisions", ref: panelRef },
          summary
            ? h(
                "div",
                { className: "revision" },
                h("code", null, summary.revision.slice(0, 12)),
                " ",
                h("span", { className: "revision-author" }, summary.owner),
                " ",
                h("span", { className: "revision-decision" }, `decision ${summary.decisionTaskId} (run ${summary.runId})`),
              )
            : null,
          summary
            ? h(PreviewPanel, {
                previewer,
                labels: selectedList,
                times: TIMES,
                jobs: jobs || undefined,
                rootUrl: ROOT_URL,
                onTrigger: summary.hasAddNewJobs ? onTrigger : undefined,
              })
            : null,
        ),
        h(
          "div",
          { className: "jobs-column" },
          loadError
            ? h("div", { className: "load-error", "data-kind": loadError.kind }, `${loadError.kind}: ${loadError.message}`)
            : rows
              ? h(JobTable, { rows, selected, expandedAll: groupsOpen, onToggle: toggle })
              : h("p", { className: "loading" }, progress || "…"),
        ),
      ),
    ),
    dialog ? h(TriggerDialog, { labels: dialog.labels, preview: dialog.preview, onCancel: () => setDialog(null), onSend: send }) : null,
    h(Notifications, { items: notifications, onClose: (id) => setNotifications((list) => list.filter((n) => n.id !== id)) }),
  );
}

const previewer = createPreviewer({ workerUrl: new URL("/src/worker.js", location.href) });
window.taskgraphPreview = previewer;
createRoot(document.getElementById("root")).render(h(App, { previewer }));
