// Builds dist/: the wasm core (copied from the CMake build), the IIFE tracker script under both
// of its names, the loader snippet and the ESM npm entries (browser, node). Prints raw and
// gzip -9 sizes.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const wasmDir = resolve(process.env.TRACKER_WASM_DIR || join(root, '../build-wasm/wasm/bindings'));

for (const f of ['tracker-core.mjs', 'tracker-core.wasm']) {
  if (!existsSync(join(wasmDir, f))) {
    console.error(`build: ${join(wasmDir, f)} is missing; build the core first:\n` +
      '  emcmake cmake -S .. -B ../build-wasm && cmake --build ../build-wasm');
    process.exit(1);
  }
}
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
copyFileSync(join(wasmDir, 'tracker-core.mjs'), join(dist, 'tracker-core.mjs'));
copyFileSync(join(wasmDir, 'tracker-core.wasm'), join(dist, 'tracker-core.wasm'));

const common = {
  bundle: true,
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
  // The Emscripten glue reads import.meta.url only when no locateFile is given; the runtime
  // always passes one (computed from its own script URL), so the empty import.meta is harmless.
  logOverride: { 'empty-import-meta': 'silent' },
};

// The tracker script: IIFE with the Emscripten glue bundled in.
await build({
  ...common,
  entryPoints: [join(root, 'src/entries/liliput.js')],
  format: 'iife',
  minify: true,
  alias: { 'tracker-core-glue': join(dist, 'tracker-core.mjs') },
  outfile: join(dist, 'liliput.min.js'),
});
// Served under both names: liliput.min.js for drop-in Tracardi use, wasm-tracker.js otherwise.
copyFileSync(join(dist, 'liliput.min.js'), join(dist, 'wasm-tracker.js'));

await build({
  ...common,
  entryPoints: [join(root, 'src/entries/loader.js')],
  format: 'iife',
  minify: true,
  outfile: join(dist, 'loader.min.js'),
});

// npm entry: ESM, the glue stays a separate module next to it (dynamic import, code-split by
// the consumer's bundler), the .wasm resolved with new URL(..., import.meta.url).
await build({
  ...common,
  entryPoints: [join(root, 'src/index.js')],
  format: 'esm',
  external: ['./tracker-core.mjs', './tracker-extras.mjs'],
  outfile: join(dist, 'index.js'),
});

// The extras chunk (UX widgets, auto.triggers, GPU probe): one ESM file both the tracker script
// (import() next to itself) and the npm entry (import('./tracker-extras.mjs')) load on first use.
await build({
  ...common,
  entryPoints: [join(root, 'src/entries/extras.js')],
  format: 'esm',
  minify: true,
  outfile: join(dist, 'tracker-extras.mjs'),
});

// npm entry for Node (SSR, tests): the no-op tracker only, no glue, no wasm reference.
await build({
  ...common,
  entryPoints: [join(root, 'src/entries/node.js')],
  format: 'esm',
  platform: 'node',
  outfile: join(dist, 'node.js'),
});

const files = ['loader.min.js', 'liliput.min.js', 'wasm-tracker.js', 'tracker-core.wasm',
  'tracker-core.mjs', 'tracker-extras.mjs', 'index.js', 'node.js'];
console.log('file                  raw bytes   gzip -9');
for (const f of files) {
  const buf = readFileSync(join(dist, f));
  console.log(`${f.padEnd(20)} ${String(buf.length).padStart(10)} ${String(gzipSync(buf, { level: 9 }).length).padStart(9)}`);
}
