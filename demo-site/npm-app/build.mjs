// Bundles the app with esbuild into out/. The package resolves its .wasm with
// new URL('./liliput.min.wasm', import.meta.url), which esbuild leaves alone, so the .wasm is
// copied next to the bundle (what a Vite/webpack asset rule would do for you).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const out = 'out';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ['src/app.js'],
  bundle: true,
  splitting: true,  // the package loads its Emscripten glue with a dynamic import: its own chunk
  format: 'esm',
  minify: true,
  outdir: out,
  logLevel: 'warning',
});
// The package exports its .wasm as an asset path for exactly this.
copyFileSync(createRequire(import.meta.url).resolve('wasm-tracker/liliput.min.wasm'),
  join(out, 'liliput.min.wasm'));
copyFileSync('src/index.html', join(out, 'index.html'));
console.log(`built ${out}/`);
