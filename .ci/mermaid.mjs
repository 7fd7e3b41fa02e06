// Parses every Mermaid graph (*.mmd) in the directory given as the argument with Mermaid's own
// parser (the npm package `mermaid`, on a jsdom window since it expects a browser); prints each
// parse error and exits 1 if there is any, or if the directory holds no graph at all.
// The packages are looked up in NODE_PATH, which ES modules otherwise ignore.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(join(process.env.NODE_PATH ?? process.cwd(), "resolve.js"));
const { JSDOM } = require("jsdom");
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import(pathToFileURL(require.resolve("mermaid")).href);

const dir = process.argv[2];
const graphs = readdirSync(dir).filter((name) => name.endsWith(".mmd")).sort();
let failures = 0;
for (const name of graphs) {
  try {
    await mermaid.parse(readFileSync(join(dir, name), "utf8"));
  } catch (error) {
    console.log(`${join(dir, name)}: ${String(error.message ?? error)}`);
    failures += 1;
  }
}
console.log(`mermaid: ${failures} of ${graphs.length} graph(s) failed to parse`);
process.exit(failures === 0 && graphs.length > 0 ? 0 : 1);
