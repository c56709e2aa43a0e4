// Validates an AsyncAPI document with the pinned @asyncapi/parser (package.json), the
// official parser and its spectral ruleset. Prints its diagnostics as JSON lines on stdout
// (severity 0 error, 1 warning, 2 info, 3 hint) and exits 1 when any is an error.
//   node tests/contract/validate_asyncapi.mjs deploy/gateway/static/asyncapi.json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

// Resolved from the repository's node_modules, wherever this script is run from.
const require = createRequire(resolve(process.cwd(), "package.json"));
const { Parser } = require("@asyncapi/parser");

const file = process.argv[2];
const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(file, "utf8"));
for (const d of diagnostics) {
  console.log(JSON.stringify({ severity: d.severity, code: d.code, message: d.message, path: d.path }));
}
process.exit(document && !diagnostics.some((d) => d.severity === 0) ? 0 : 1);
