// A tiny React app that embeds taskgraph-preview exactly as www/README.md says, nothing else:
// createPreviewer(), load({ rootUrl, decisionTaskId }), <PreviewPanel previewer labels onTrigger>.
// Written without JSX so that every bundler builds it with its defaults (webpack and rspack have
// no JSX loader without configuration). The push and the labels come from the page's URL
// (?decisionTaskId=…&label=…&label=…); the Taskcluster is the origin serving the app, or
// ?rootUrl=….
import React from "react";
import { createRoot } from "react-dom/client";
import { createPreviewer } from "taskgraph-preview";
import { PreviewPanel } from "taskgraph-preview/react";

const h = React.createElement;
const params = new URLSearchParams(location.search);
const labels = params.getAll("label");

function App() {
  const [previewer] = React.useState(() => createPreviewer());
  const [state, setState] = React.useState({ status: "loading" });
  React.useEffect(() => {
    previewer.load({ rootUrl: params.get("rootUrl") || location.origin, decisionTaskId: params.get("decisionTaskId") }).then(
      (summary) => setState({ status: "loaded", tasks: summary.tasks }),
      (error) => setState({ status: "error", message: `${error.kind}: ${error.message}` }),
    );
    return () => previewer.dispose();
  }, [previewer]);
  return h(
    "main",
    { id: "app", "data-status": state.status, "data-tasks": state.tasks },
    state.status === "error" && h("p", { id: "error" }, state.message),
    state.status === "loaded" && h(PreviewPanel, { previewer, labels, onTrigger: () => {} }),
  );
}

createRoot(document.getElementById("root")).render(h(App));
