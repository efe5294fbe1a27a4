// Types of taskgraph-preview/react.
import type { ReactElement } from "react";
import type { ActionPreview, ActionRequest, Comparison, GridJob, Preview, PreviewError, Previewer } from "../index.js";

export interface PreviewPanelProps {
  /** From createPreviewer(), with a push already loaded. */
  previewer: Previewer;
  /** The selected labels (the action's `input.tasks`). */
  labels: string[];
  /** `input.times`, 1 to 100 (default 1). */
  times?: number;
  /** Called by the confirm at the panel's foot ("Trigger 4 jobs · 19 tasks", sticky) with the
   * labels and the preview shown. Without it there is no confirm (the host shows its own). */
  onTrigger?: (labels: string[], preview: Preview) => void;
  /** The result of the host's own `usePreview` for these labels (a host that renders the
   * confirm itself, e.g. in its modal's footer): the panel then previews nothing itself. */
  state?: PreviewState;
  /** The grid jobs (runnableJobs()), used to group created tasks by their real kind. */
  jobs?: GridJob[];
  /** The creation time, RFC 3339 (default: now, per preview). */
  now?: string;
  /** NewTaskId0000000000001-style ids (tests). */
  deterministicIds?: boolean;
  /** Preview another action instead of adding `labels` (e.g. `{ action: "retrigger", taskLabel,
   * input: { downstream: true } }`): each `create_tasks` call is shown as an iteration. */
  action?: ActionRequest;
  /** Links reused taskIds to `<rootUrl>/tasks/<taskId>`. */
  rootUrl?: string;
  className?: string;
}

export interface PreviewCounts {
  /** Tasks created over all `times` iterations, task_duplicates copies included. */
  created: number;
  /** Per iteration. */
  reused: number;
  removed: number;
  /** Distinct requested labels. */
  requested: number;
  /** Created tasks per iteration that were not requested. */
  dependencies: number;
}

export interface PreviewState {
  status: "idle" | "busy" | "ready" | "error";
  /** The last good preview (kept while a newer one is computed); null when idle or failed. */
  preview: Preview | null;
  error: PreviewError | null;
}

export declare function PreviewPanel(props: PreviewPanelProps): ReactElement;
export default PreviewPanel;
export declare function usePreview(
  previewer: Previewer | null | undefined,
  request: { labels: string[]; times?: number; now?: string; deterministicIds?: boolean; action?: ActionRequest },
): PreviewState;
/** An action's preview as the panel shows it: one iteration per `create_tasks` call. */
export declare function actionAsPreview(preview: ActionPreview): Preview & { action: string; reruns: ActionPreview["reruns"] };
export declare function previewCounts(preview: Preview | null | undefined): PreviewCounts;
/** The confirm's words, naming both numbers: "Trigger 4 jobs · 19 tasks". */
export declare function triggerText(preview: Preview | null | undefined, counts?: PreviewCounts): string;
/** What a follow found, in the words the page uses ("Preview matched: …" or "Action task …
 * differs from the preview:" and the differences). */
export declare function comparisonText(comparison: Comparison): { matched: boolean; text: string; differences: string[] };
export declare function kindResolver(jobs?: GridJob[]): (label: string) => string;
