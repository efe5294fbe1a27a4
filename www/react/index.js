// taskgraph-preview's React entry point (`import { PreviewPanel } from "taskgraph-preview/react"`).
// No JSX, no build step needed; React comes from the host (peer dependency). Add the styles with
// `taskgraph-preview/react/preview.css`.
export { PreviewPanel, usePreview, previewCounts, triggerText, comparisonText, kindResolver, actionAsPreview } from "./PreviewPanel.js";
export { default } from "./PreviewPanel.js";
