// The collector as ground truth, for the cross-engine suite: the same reads as the Playwright
// suite's `Collector` helper (tests/helpers.ts), over node's fetch, with node:assert.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

export const ADMIN_HEADERS = { 'X-Collector-Admin': '1' };
export const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Polls `fn` until `check(value)` holds or `timeout` ms passed; returns the last value. */
export async function poll(fn, check, { timeout = 10_000, interval = 100, message = 'condition' } = {}) {
  const until = Date.now() + timeout;
  let value;
  for (;;) {
    value = await fn();
    if (check(value)) return value;
    if (Date.now() >= until) {
      assert.fail(`timed out after ${timeout} ms waiting for ${message}; last value: ${JSON.stringify(value)?.slice(0, 400)}`);
    }
    await sleep(interval);
  }
}

export class Collector {
  constructor(base) { this.base = base; }

  async admin(method, path, body) {
    const res = await fetch(`${this.base}${path}`, {
      method, headers: { ...ADMIN_HEADERS, 'Content-Type': 'application/json' },
      body: body === undefined ? '' : JSON.stringify(body),
    });
    const text = await res.text();
    assert.equal(res.status, 200, `${method} ${path}: ${text}`);
    return JSON.parse(text);
  }
  reset() { return this.admin('POST', '/__admin/reset'); }
  faults(body) { return this.admin('POST', '/__admin/faults', body); }
  async clearFaults() {
    const res = await fetch(`${this.base}/__admin/faults`, { method: 'DELETE', headers: ADMIN_HEADERS });
    assert.equal(res.status, 200);
  }
  async events(query = '') {
    const res = await fetch(`${this.base}/events?limit=10000${query ? '&' + query : ''}`);
    assert.equal(res.status, 200);
    return res.json();
  }
  async requests() {
    const res = await fetch(`${this.base}/requests?limit=10000`);
    assert.equal(res.status, 200);
    return (await res.json()).requests;
  }
  async ofType(type) { return (await this.events(`type=${encodeURIComponent(type)}`)).events; }
  async requestsWith(id) { return (await this.requests()).filter((r) => r.event_ids.includes(id)); }
  /** Polls until exactly `count` events of `type` are stored; returns them. */
  async waitFor(type, count = 1, timeout = 10_000) {
    return poll(() => this.ofType(type), (evs) => evs.length >= count,
      { timeout, message: `${count} stored "${type}" event(s)` }).then((evs) => {
      assert.equal(evs.length, count, `exactly ${count} stored "${type}" event(s)`);
      return evs;
    });
  }
  /** Events whose properties.nonce is `nonce`: count, extra copies, their `n` sorted. */
  async byNonce(nonce) {
    const { events } = await this.events();
    const mine = events.filter((e) => e.properties?.nonce === nonce);
    return { count: mine.length, extra: mine.reduce((n, e) => n + e.duplicates, 0),
      ns: mine.map((e) => e.properties.n).sort((a, b) => a - b), events: mine };
  }
  /** Every stored event counts 1 + its repeats by id (the `[copies]` line of the Playwright suite). */
  async copies(label) {
    const { events } = await this.events();
    const extra = events.reduce((n, e) => n + e.duplicates, 0);
    const r = { events: events.length, copies: events.length + extra, extra };
    console.log(`    [copies] ${label}: events=${r.events} copies=${r.copies} extra=${r.extra}`);
    return r;
  }
  /** The number of /track requests (those `where` keeps) stays `count` for `ms`. */
  async expectQuiet(count, ms, why, where = () => true) {
    const until = Date.now() + ms;
    for (;;) {
      assert.equal((await this.requests()).filter(where).length, count, why);
      if (Date.now() >= until) return;
      await sleep(200);
    }
  }
}

/** Starts the collector binary on `port` with a fresh database; resolves once it listens. */
export async function startCollector({ root, port, db, site, tracker }) {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  // ENGINES_COLLECTOR: another collector binary (a copy that a concurrent build cannot replace).
  const child = spawn(process.env.ENGINES_COLLECTOR || `${root}/build-native/collector/collector`,
    ['--port', String(port), '--db', db, '--site', site, '--tracker', tracker],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const deadline = Date.now() + 15_000;
  while (!out.includes('listening')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`collector on port ${port} did not start: ${out}`);
    }
    await sleep(20);
  }
  return {
    base: `http://127.0.0.1:${port}`,
    stop: () => new Promise((r) => {
      if (child.exitCode !== null) return r();
      child.once('exit', r);
      child.kill('SIGTERM');
    }),
  };
}
