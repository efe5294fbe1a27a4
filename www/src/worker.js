// The Web Worker that runs the engine, so the page never freezes (the protocol is in
// serve.js). index.js starts it as `new Worker(new URL("./worker.js", import.meta.url), …)`,
// the form Vite, webpack and rspack recognise: they bundle this file and what it imports as
// a worker. The .wasm is referenced the same way, so they emit it as an asset (hashed name,
// served as application/wasm) and rewrite the URL; unbundled, it is ../pkg/engine_bg.wasm next
// to this file. `?wasm=<url>` on the worker's URL puts the engine elsewhere.
import { serve } from "./serve.js";

serve(new URL("../pkg/engine_bg.wasm", import.meta.url));
