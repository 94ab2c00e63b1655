// Bundles the live view (src/live-view.js + uPlot and its CSS) into dist/, which the collector
// serves with the demo site: no CDN, nothing fetched at run time. dist/ is a build output
// (git-ignored); scripts/build.sh runs this after `npm ci`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
mkdirSync(out, { recursive: true });
const uplot = JSON.parse(readFileSync(join(here, 'node_modules/uplot/package.json'), 'utf8'));

await build({
  entryPoints: [join(here, 'src/live-view.js')],
  outfile: join(out, 'live-view.js'),
  bundle: true,
  format: 'iife',
  minify: true,
  target: ['es2020'],
  // uPlot's own header is not a /*! comment, so esbuild would drop it: its MIT notice goes in
  // the banner, and the licence text beside the bundle.
  banner: {
    js: `/*! live view of wasm-tracker's collector; includes uPlot ${uplot.version} ` +
      '(c) Leon Sorokin, MIT License, see uPlot.LICENSE.txt */',
    css: `/*! uPlot ${uplot.version} (c) Leon Sorokin, MIT License */`,
  },
  logLevel: 'warning',
});
copyFileSync(join(here, 'node_modules/uplot/LICENSE'), join(out, 'uPlot.LICENSE.txt'));

const kb = (f) => (statSync(join(out, f)).size / 1024).toFixed(1);
console.log(`live view: dist/live-view.js ${kb('live-view.js')} KB, dist/live-view.css ` +
  `${kb('live-view.css')} KB (uPlot ${uplot.version})`);
