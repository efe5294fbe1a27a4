// The redirect_uri of the page's "Sign in with Taskcluster" (src/ui/signin.rs). Taskcluster's
// consent page sends the browser here with ?code=…&state=… (or ?error=access_denied&state=…).
// This window only hands them to the page that opened it (same origin only), which checks the
// state and exchanges the code; nothing is stored, and the code leaves this window's URL and
// history at once.
const params = new URLSearchParams(window.location.search);
const message = {
  type: "taskcluster-login",
  code: params.get("code"),
  state: params.get("state") || "",
  error: params.get("error"),
};
window.history.replaceState(null, "", window.location.pathname);
const status = document.getElementById("status");
const opener = window.opener;
if (opener && !opener.closed) {
  opener.postMessage(message, window.location.origin);
  status.textContent = message.error
    ? `Sign-in ended (${message.error}). You can close this window.`
    : "Signed in: back to the page. You can close this window.";
  window.close();
} else {
  status.textContent =
    "This window was not opened by the taskgraph-preview page, or the page was closed: go back to the page and sign in again.";
}
