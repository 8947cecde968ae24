// Lets the conformance CLI start on Node.js 20. Its build targets node20 but imports
// `fs.globSync` (Node >= 22), used only by its `tier-check` command, which this suite does not
// run; upstream moved its own GitHub Action to Node 22 for this reason. On Node 20 the import
// of `fs` from the CLI is resolved to a module that re-exports `node:fs` plus a `globSync` that
// throws. On Node >= 22 this file does nothing.
//   node --import ./node20-compat.mjs node_modules/@modelcontextprotocol/conformance/dist/index.js ...
import fs from "node:fs";
import { register } from "node:module";

if (typeof fs.globSync !== "function") {
    const shim =
        "import fs from 'node:fs';" +
        "export * from 'node:fs';" +
        "export default fs;" +
        "export function globSync() {" +
        " throw new Error('fs.globSync needs Node.js >= 22 (conformance tier-check only)'); }";
    const hooks =
        "const SHIM = " + JSON.stringify("data:text/javascript," + encodeURIComponent(shim)) + ";" +
        "export async function resolve(specifier, context, next) {" +
        "  if ((specifier === 'fs' || specifier === 'node:fs')" +
        "      && (context.parentURL ?? '').includes('/@modelcontextprotocol/conformance/')) {" +
        "    return { url: SHIM, shortCircuit: true };" +
        "  }" +
        "  return next(specifier, context);" +
        "}";
    register("data:text/javascript," + encodeURIComponent(hooks));
}
