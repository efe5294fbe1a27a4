// The worker for apps bundled with esbuild, which does not follow `new URL(…, import.meta.url)`:
// its `file` loader (`--loader:.wasm=file`) copies the engine's .wasm next to the bundle (hashed
// name) and gives its path. Build it as a second entry point named `worker`, next to the app's
// bundle, where index.js starts it (`./worker.js`):
//   esbuild src/main.jsx worker=taskgraph-preview/esbuild-worker --bundle --format=esm \
//     --outdir=dist --loader:.wasm=file
// Everything else is worker.js's (serve.js).
import wasm from "../pkg/engine_bg.wasm";
import { serve } from "./serve.js";

serve(wasm);
