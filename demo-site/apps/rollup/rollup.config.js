// What a Rollup user adds for wasm-tracker (the README's "Rollup" paragraph): node-resolve to
// find the package, import-meta-assets to emit the .wasm that dist/index.js locates with
// new URL('./<core>.wasm', import.meta.url) and rewrite that URL to the emitted file. Without the
// second plugin the build still succeeds, but the .wasm is missing and the page falls back to
// the (larger, slower) JavaScript core. Chunks: the glue, the fallback core and the extras are
// dynamic imports in the package, so they stay separate files fetched on demand.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { importMetaAssets } from '@web/rollup-plugin-import-meta-assets';

export default {
  input: 'src/main.js',
  output: { dir: 'dist', format: 'es', entryFileNames: 'main.js' },
  plugins: [nodeResolve({ browser: true }), importMetaAssets()],
};
