// The package's quality gates, run on the tarball exactly as `npm publish` would upload it:
//   1. contents: only what a user needs (the list below), nothing missing;
//   2. licence: LICENSE present and the same as the repository's, matching package.json;
//   3. publint --strict (package.json fields and exports point at real, well-formed files);
//   4. attw (@arethetypeswrong/cli) with .attw.json (ESM-only: the .wasm is found through
//      import.meta.url, which CommonJS does not have);
//   5. no eval / Function constructor in the shipped scripts (scripts/dynamic-code.mjs);
//   6. size budgets (size-budget.json, gzip -9 of dist/ files).
// Exits non-zero when any gate fails. Needs dist/ (npm run build).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { findDynamicCode } from './dynamic-code.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);

// Everything a user needs: the npm entries and their glue and core, the fallback core (both the
// snippet path and the npm entry load it when WebAssembly cannot run), the snippet files for
// self-hosting (or a CDN serving the npm package), the types. The files the script fetches are
// named from it (liliput.min.*: page-options.js `sibling`).
const EXPECTED = [
  'LICENSE', 'README.md', 'package.json',
  'dist/index.js', 'dist/node.js', 'dist/liliput.min.glue.mjs', 'dist/liliput.min.wasm',
  'dist/liliput.min.core.js',   // the core compiled to JS: loaded only when WebAssembly cannot run
  'dist/liliput.min.extras.js',  // UX widgets, auto.triggers, GPU probe: loaded on first use
  'dist/liliput.min.debug.js',  // the fate printer of the debug switch: loaded only when it is on
  'dist/loader.min.js', 'dist/liliput.min.js',
  'types/index.d.ts', 'types/global.d.ts',
];

const failures = [];
const gate = (name, ok, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ': ' + detail : ''}`);
  if (!ok) failures.push(name);
};

if (!existsSync(join(root, 'dist/index.js'))) {
  console.error('package-gates: dist/ is missing; run npm run build first');
  process.exit(1);
}

const tmp = mkdtempSync(join(tmpdir(), 'wasm-tracker-gates-'));
try {
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const tgz = join(tmp, info.filename);
  const files = info.files.map((f) => f.path).sort();
  const missing = EXPECTED.filter((f) => !files.includes(f));
  const extra = files.filter((f) => !EXPECTED.includes(f));
  gate('tarball contents', missing.length === 0 && extra.length === 0,
    `${files.length} files, ${info.size} bytes packed` +
    (missing.length ? `; missing ${missing.join(', ')}` : '') +
    (extra.length ? `; not for users: ${extra.join(', ')}` : ''));

  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const license = existsSync(join(root, 'LICENSE')) ? readFileSync(join(root, 'LICENSE'), 'utf8') : '';
  const repoLicense = existsSync(join(root, '../LICENSE')) ? readFileSync(join(root, '../LICENSE'), 'utf8') : null;
  gate('licence', pkg.license === 'MIT' && /^MIT License/.test(license) &&
    license.includes('wasm-tracker contributors') && license === repoLicense,
    'package.json "MIT", js-glue/LICENSE = ../LICENSE');

  for (const [name, cmd, args] of [
    ['publint', bin('publint'), ['run', tgz, '--strict']],
    ['attw', bin('attw'), [tgz, '--config-path', join(root, '.attw.json')]],
  ]) {
    const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
    const out = `${r.stdout || ''}${r.stderr || ''}`;
    // publint prints suggestions without failing; a clean run has none.
    const clean = r.status === 0 && !/Suggestions?:|Warnings?:|Errors?:/.test(out);
    if (!clean) console.log(out);
    gate(name, clean);
  }

  // The fallback core runs exactly where a CSP refused WebAssembly; such a CSP refuses eval and
  // the Function constructor too, and so would a site's CSP for any of the scripts.
  for (const f of ['liliput.min.core.js', 'liliput.min.glue.mjs', 'liliput.min.js', 'loader.min.js', 'index.js']) {
    const hits = findDynamicCode(readFileSync(join(root, 'dist', f), 'utf8'));
    gate(`no run-time code evaluation: ${f}`, hits.length === 0, hits.join('; '));
  }

  const budget = JSON.parse(readFileSync(join(root, 'size-budget.json'), 'utf8'));
  for (const b of budget.budgets) {
    const sizes = b.files.map((f) => [f, gzipSync(readFileSync(join(root, 'dist', f)), { level: 9 }).length]);
    const total = sizes.reduce((n, [, s]) => n + s, 0);
    gate(`size: ${b.name}`, total <= b.gzipBytes,
      `${total} / ${b.gzipBytes} bytes gzip (${sizes.map(([f, s]) => `${f} ${s}`).join(', ')})`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`package gates failed: ${failures.join(', ')}`);
  process.exit(1);
}
console.log('package gates passed');
