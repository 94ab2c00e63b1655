// Server-side rendering and other DOM-less hosts: importing the package never throws and reads
// no browser global; createTracker() there is a no-op tracker with one console.info note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = existsSync(join(root, 'dist/index.js')) && existsSync(join(root, 'dist/node.js'));

// Runs `body` in a fresh Node where every browser global is a trap that records each read.
function inFreshNode(body) {
  const script = `
    const touched = [];
    for (const name of ['window', 'document', 'navigator', 'location', 'localStorage', 'history',
      'self', 'sessionStorage', 'screen', 'addEventListener']) {
      Object.defineProperty(globalThis, name, { configurable: true,
        get() { touched.push(name); return undefined; } });
    }
    const infos = [];
    console.info = (...a) => infos.push(a.join(' '));
    ${body}
    process.stdout.write(JSON.stringify({ touched, infos, result }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script],
    { cwd: root, encoding: 'utf8' });
  return JSON.parse(out);
}

function exercise(specifier) {
  return `
    const m = await import(${JSON.stringify(specifier)});
    const touchedAtImport = touched.length;
    const t = m.createTracker({ tracker: { url: { api: 'https://api.example' }, source: { id: 's' } } });
    const t2 = m.createTracker({ tracker: { url: { api: 'https://api.example' }, source: { id: 's' } } });
    t.track('page-view', {}); t.track('x', {}, { fire: true }); t.flush();
    const result = { touchedAtImport, keys: Object.keys(t).sort(), ready: await t.ready,
      stats: t.stats(), destroyed: (t.destroy(), t2.destroy(), true) };`;
}

test('src/index.js in Node: no browser global read at import; createTracker is a no-op, noted once', () => {
  const r = inFreshNode(exercise(pathToFileURL(join(root, 'src/index.js')).href));
  assert.equal(r.result.touchedAtImport, 0, `read at import: ${r.touched}`);
  assert.deepEqual(r.result.keys, ['consent', 'destroy', 'flush', 'inspect', 'ready', 'reset', 'stats', 'track']);
  assert.equal(r.result.ready, false);
  assert.equal(r.result.stats, null);
  assert.equal(r.infos.length, 1);
  assert.match(r.infos[0], /\[Tracker\].*no browser page here.*calls do nothing/);
});

test('the package as Node resolves it ("node" export condition): dist/node.js, no-op, reads nothing', { skip: !built && 'dist not built' }, () => {
  const r = inFreshNode(`const resolved = import.meta.resolve('wasm-tracker');` + exercise('wasm-tracker') +
    `result.resolved = resolved;`);
  assert.match(r.result.resolved, /\/dist\/node\.js$/);
  assert.deepEqual(r.touched, []);
  assert.equal(r.result.ready, false);
  assert.equal(r.infos.length, 1);
});

test('the browser build imported in Node (a worker/edge runtime getting "default"): no throw, no-op', { skip: !built && 'dist not built' }, () => {
  const r = inFreshNode(exercise(pathToFileURL(join(root, 'dist/index.js')).href));
  assert.equal(r.result.touchedAtImport, 0);
  assert.equal(r.result.ready, false);
  assert.equal(r.infos.length, 1);
});
