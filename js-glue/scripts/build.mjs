// Builds dist/: the wasm core and its JavaScript fallback build (copied from the CMake build), the
// IIFE tracker script, the loader snippet and the ESM npm entries
// (browser, node). Prints raw and gzip -9 sizes. Fails when the fallback core contains eval or
// the Function constructor (it must run under a CSP without 'unsafe-eval').
import { build } from 'esbuild';
import { minify } from 'terser';
import { copyFileSync, mkdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { findDynamicCode } from './dynamic-code.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const wasmDir = resolve(process.env.TRACKER_WASM_DIR || join(root, '../build-wasm/wasm/bindings'));

// The core files as CMake names them -> their dist names, which follow the tracker script's
// (page-options.js `sibling`: liliput.min.js -> liliput.min.wasm, liliput.min.core.js).
// The .core.js: the same core through wasm2js (wasm/bindings/fallback-core.cmake), an ES
// module imported only when WebAssembly cannot run; the script path and the npm entry share it.
const CORE_FILES = { 'tracker-core.mjs': 'liliput.min.glue.mjs', 'tracker-core.wasm': 'liliput.min.wasm',
  'tracker-core-js.js': 'liliput.min.core.js' };
for (const f of Object.keys(CORE_FILES)) {
  if (!existsSync(join(wasmDir, f))) {
    console.error(`build: ${join(wasmDir, f)} is missing; build the core first:\n` +
      '  emcmake cmake -S .. -B ../build-wasm && cmake --build ../build-wasm');
    process.exit(1);
  }
}
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
for (const [f, to] of Object.entries(CORE_FILES)) copyFileSync(join(wasmDir, f), join(dist, to));
const dynamic = findDynamicCode(readFileSync(join(dist, 'liliput.min.core.js'), 'utf8'));
if (dynamic.length) {
  console.error(`build: dist/liliput.min.core.js evaluates code at run time (${dynamic.join('; ')}); ` +
    'it must run under script-src without \'unsafe-eval\' (link it with -sDYNAMIC_EXECUTION=0)');
  process.exit(1);
}

const common = {
  bundle: true,
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
  // The Emscripten glue reads import.meta.url only when no locateFile is given; the runtime
  // always passes one (computed from its own script URL), so the empty import.meta is harmless.
  logOverride: { 'empty-import-meta': 'silent' },
};

// The shipped scripts are minified twice: esbuild's output through terser (three compress passes,
// default-safe options only) is 5-6 % smaller gzipped than esbuild's alone (liliput.min.js
// 15,343 -> 14,494 bytes gzip -9 on 2026-12-01): terser's renaming and reordering compress better.
// A third pass (session 13): liliput.min.js 15,183 -> 15,160, index.js 11,237 -> 11,203, the loader
// and the extras chunk unchanged; a fourth made liliput.min.js larger again (15,220).
async function terse(file, module = false) {
  const out = await minify(readFileSync(file, 'utf8'), {
    ecma: 2020, module, compress: { passes: 3 }, mangle: true,
    format: { comments: false },
  });
  writeFileSync(file, out.code);
}

// The tracker script: IIFE with the Emscripten glue bundled in.
await build({
  ...common,
  entryPoints: [join(root, 'src/entries/liliput.js')],
  format: 'iife',
  minify: true,
  alias: { 'tracker-core-glue': join(dist, 'liliput.min.glue.mjs') },
  outfile: join(dist, 'liliput.min.js'),
});
await terse(join(dist, 'liliput.min.js'));

await build({
  ...common,
  entryPoints: [join(root, 'src/entries/loader.js')],
  format: 'iife',
  minify: true,
  outfile: join(dist, 'loader.min.js'),
});
await terse(join(dist, 'loader.min.js'));

// npm entry: ESM, the glue stays a separate module next to it (dynamic import, code-split by
// the consumer's bundler), the .wasm resolved with new URL(..., import.meta.url). Shipped
// minified like the script: a bundler minifies it again, but not every app's build does, and the
// bytes a page gets should not depend on it (types/ documents the API).
await build({
  ...common,
  entryPoints: [join(root, 'src/index.js')],
  format: 'esm',
  minify: true,
  external: ['./liliput.min.glue.mjs', './liliput.min.core.js', './liliput.min.extras.js', './liliput.min.debug.js'],
  outfile: join(dist, 'index.js'),
});
await terse(join(dist, 'index.js'), true);

// The lazily loaded chunks, each one ESM file both the tracker script (import() of its sibling)
// and the npm entry (import('./liliput.min.<name>.js')) load on first use: extras (UX widgets,
// auto.triggers, the GPU probe, SPA page views, link decoration) and debug (the fate printer,
// fetched only with the debug switch on).
for (const chunk of ['extras', 'debug']) {
  await build({
    ...common,
    entryPoints: [join(root, `src/entries/${chunk}.js`)],
    format: 'esm',
    minify: true,
    outfile: join(dist, `liliput.min.${chunk}.js`),
  });
  await terse(join(dist, `liliput.min.${chunk}.js`), true);
}

// npm entry for Node (SSR, tests): the no-op tracker only, no glue, no wasm reference.
await build({
  ...common,
  entryPoints: [join(root, 'src/entries/node.js')],
  format: 'esm',
  platform: 'node',
  outfile: join(dist, 'node.js'),
});

const files = ['loader.min.js', 'liliput.min.js', 'liliput.min.wasm',
  'liliput.min.glue.mjs', 'liliput.min.core.js', 'liliput.min.extras.js', 'liliput.min.debug.js', 'index.js', 'node.js'];
console.log(`${"file".padEnd(22)} raw bytes   gzip -9`);
for (const f of files) {
  const buf = readFileSync(join(dist, f));
  console.log(`${f.padEnd(22)} ${String(buf.length).padStart(10)} ${String(gzipSync(buf, { level: 9 }).length).padStart(9)}`);
}
