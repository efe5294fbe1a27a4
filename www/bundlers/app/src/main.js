// The entry for Vite (from index.html) and esbuild, which bundle CSS by default.
import "taskgraph-preview/react/preview.css";
import "./app.js";
