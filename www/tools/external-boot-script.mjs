// After `trunk build`: moves the page's inline bootstrap module (Trunk writes it into
// dist/index.html) into dist/boot.js, so the page runs under a Content-Security-Policy with no
// 'unsafe-inline' scripts (`script-src 'self' 'wasm-unsafe-eval'`).
//   node www/tools/external-boot-script.mjs dist
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dist = process.argv[2] || "dist";
const page = join(dist, "index.html");
const html = readFileSync(page, "utf8");
const inline = /<script type="module">([\s\S]*?)<\/script>/;
const match = html.match(inline);
if (!match) {
  if (html.includes('src="/boot.js"')) process.exit(0);
  throw new Error(`${page}: no inline module script to move`);
}
writeFileSync(join(dist, "boot.js"), match[1].trim() + "\n");
writeFileSync(page, html.replace(inline, '<script type="module" src="/boot.js"></script>'));
