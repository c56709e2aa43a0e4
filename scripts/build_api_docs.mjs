// Builds the API docs page the gateway serves at /api/docs: the page and its stylesheet
// (deploy/gateway/api-docs) plus the standalone bundle of the pinned redoc package
// (package.json, installed by `npm ci`), copied into one folder. Nothing is fetched at run
// time: the gateway serves these files and the OpenAPI document on the same origin.
//   node scripts/build_api_docs.mjs [OUT]     (default build/api-docs; scripts/setup runs it,
//                                             and the gateway image's node stage)
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(root, "build", "api-docs"));
const page = join(root, "deploy", "gateway", "api-docs");
const redoc = join(root, "node_modules", "redoc");
const bundle = join(redoc, "bundles");

const { version } = JSON.parse(readFileSync(join(redoc, "package.json"), "utf8"));
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies.redoc;
if (version !== pinned) {
  console.error(`build_api_docs: node_modules has redoc ${version}, package.json pins ${pinned}: run npm ci`);
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });  // nothing stale is served
mkdirSync(out, { recursive: true });
for (const name of readdirSync(page)) copyFileSync(join(page, name), join(out, name));
// The bundle and its licence notice (the bundle's search worker is inlined in it).
copyFileSync(join(bundle, "redoc.standalone.js.LICENSE.txt"), join(out, "redoc.standalone.js.LICENSE.txt"));
// One change: the sidebar's "API docs by Redocly" logo is an image on Redocly's CDN, shown
// unconditionally. The page fetches nothing from another origin (its CSP would block it and
// report a violation), so its address becomes an empty data: URL; Redoc's onError then
// leaves the image out and keeps the text link. A new redoc version without that address
// stops the build rather than shipping a page that calls out.
const LOGO = '"https://cdn.redoc.ly/redoc/logo-mini.svg"';
const code = readFileSync(join(bundle, "redoc.standalone.js"), "utf8");
const found = code.split(LOGO).length - 1;
if (found !== 1) {
  console.error(`build_api_docs: expected the Redocly logo address once in redoc.standalone.js, found it ${found} times`);
  process.exit(1);
}
writeFileSync(join(out, "redoc.standalone.js"), code.replace(LOGO, '"data:,"'));
console.log(`build_api_docs: redoc ${version} -> ${out}`);
