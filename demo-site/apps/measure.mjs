// Bytes an app ships for the tracker, gzip -9: every .wasm in the build plus every JS file that
// holds tracker code (the npm entry or the Emscripten glue; framework chunks are not counted).
// usage: node measure.mjs <build dir>   -> one JSON line
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

// Strings that only the package's two JS files contain, minified or not.
const MARKERS = ['[Tracker]', 'liliput.min.wasm'];

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

const dir = process.argv[2];
const files = [];
let js = 0;
let wasm = 0;
for (const p of walk(dir)) {
  const buf = readFileSync(p);
  const gz = gzipSync(buf, { level: 9 }).length;
  if (p.endsWith('.wasm')) wasm += gz;
  else if (/\.m?js$/.test(p) && MARKERS.some((m) => buf.includes(m))) js += gz;
  else continue;
  files.push(`${relative(dir, p)} ${gz}`);
}
console.log(JSON.stringify({ jsGzip: js, wasmGzip: wasm, totalGzip: js + wasm, files }));
