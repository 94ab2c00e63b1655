// The cross-engine suite's runner: `node run.mjs [--engine firefox|webkit]... [--grep TEXT]`.
// Starts its own collector (as playwright.config.ts does) and the proxy in front of it, then runs
// every test of tests.mjs in each engine, one at a time (they share the collector). Prints one line
// per test and a closing line per engine, `firefox: N passed, N failed`; exits non-zero on any
// failure. Environment: ENGINES_PORT (collector port, default 8692; the proxy takes the next one),
// ENGINES (comma-separated, default "firefox,webkit"; "chromium" cross-checks the suite itself in
// the Playwright suite's engine), ENGINES_GREP, E2E_TRACKER_DIR, ENGINES_COLLECTOR (another
// collector binary, e.g. a copy a concurrent build or a cleanup by process name cannot touch).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Collector, startCollector } from './lib/collector.mjs';
import { startProxy } from './lib/proxy.mjs';
import { tests } from './tests.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const argv = process.argv.slice(2);
const opt = (name) => argv.flatMap((a, i) => (a === name ? [argv[i + 1]] : []));
const ENGINES = opt('--engine').length ? opt('--engine') : (process.env.ENGINES || 'firefox,webkit').split(',').filter(Boolean);
// --grep: a substring of the test name; `a|b` runs the tests matching either.
const GREP = opt('--grep')[0] || process.env.ENGINES_GREP || '';
const PORT = Number(process.env.ENGINES_PORT || 8692);
const DEFAULT_TIMEOUT = 45_000;

const LAUNCH = {
  firefox: async () => (await import('./lib/firefox.mjs')).launchFirefox(),
  webkit: async () => (await import('./lib/webkit.mjs')).launchWebKit(),
  // Not in ENGINES' default: a cross-check of this suite in the engine Playwright covers fully.
  chromium: async () => (await import('./lib/chromium.mjs')).launchChromium(),
};

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms);
  })]).finally(() => clearTimeout(timer));
}

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'wasm-tracker-engines-'));
  const collectorProc = await startCollector({ root: ROOT, port: PORT, db: join(tmp, 'engines.db'),
    site: join(ROOT, 'demo-site'), tracker: process.env.E2E_TRACKER_DIR || join(ROOT, 'js-glue/dist') });
  const proxy = await startProxy({ port: PORT + 1, target: collectorProc.base });
  const collector = new Collector(collectorProc.base);
  const summary = [];
  let failedTotal = 0;
  try {
    for (const engineName of ENGINES) {
      if (!LAUNCH[engineName]) throw new Error(`unknown engine ${engineName} (firefox, webkit, chromium)`);
      const started = Date.now();
      let engine;
      try {
        engine = await withTimeout(LAUNCH[engineName](), 60_000, `launching ${engineName}`);
      } catch (e) {
        console.log(`\n${engineName}: could not launch: ${e.stack || e}`);
        console.log(`${engineName}: 0 passed, 1 failed`);
        summary.push(`${engineName}: 0 passed, 1 failed`);
        failedTotal++;
        continue;
      }
      console.log(`\n=== ${engineName} (launched in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      let passed = 0;
      let failed = 0;
      const selected = tests.filter((tc) => GREP.split('|').some((g) => tc.name(engineName).includes(g)));
      for (const tc of selected) {
        const name = tc.name(engineName);
        const t0 = Date.now();
        let ctx = null;
        const notes = [];
        const t = {
          engine: engineName, name: `${engineName}: ${name}`, collector, proxy,
          SITE: `http://127.0.0.1:${PORT + 1}`, OTHER_SITE: `http://localhost:${PORT + 1}`,
          API: collectorProc.base, OTHER_API: `http://localhost:${PORT}`,
          note: (s) => notes.push(s),
          async page() { ctx ??= await engine.newContext(); return ctx.first ??= await ctx.newPage(); },
          async newPage() { ctx ??= await engine.newContext(); return ctx.newPage(); },
        };
        let error = null;
        try {
          await collector.reset();
          await withTimeout(tc.run(t), tc.timeout || DEFAULT_TIMEOUT, name);
        } catch (e) {
          error = e;
        } finally {
          proxy.end();
          try { if (ctx) await withTimeout(ctx.close(), 15_000, 'closing the context'); } catch (e) { error ??= e; }
          try { await collector.clearFaults(); } catch { /* reported by the next reset */ }
        }
        const secs = ((Date.now() - t0) / 1000).toFixed(1);
        if (error) {
          failed++;
          console.log(`  ✗ ${name} (${secs} s)`);
          console.log(String(error.stack || error).split('\n').map((l) => `      ${l}`).join('\n'));
        } else {
          passed++;
          console.log(`  ✓ ${name} (${secs} s)${notes.length ? ` [${notes.join('; ')}]` : ''}`);
        }
      }
      const version = engine.version;
      await withTimeout(engine.close(), 20_000, `closing ${engineName}`).catch((e) => console.log(`  (${e.message})`));
      const line = `${engineName}: ${passed} passed, ${failed} failed`;
      console.log(`--- ${version}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
      console.log(line);
      summary.push(line);
      failedTotal += failed;
      if (!selected.length) { console.log(`${engineName}: no test matched "${GREP}"`); failedTotal++; }
    }
  } finally {
    await proxy.stop();
    await collectorProc.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  process.exitCode = failedTotal ? 1 : 0;
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
