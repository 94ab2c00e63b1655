// What a copy costs on the server (issue 21). The tracker sends an event again only when an
// answer is lost (docs/design.md, "When can the server still get a copy of an event?"). Here the
// collector stores the page's first batch and then drops the connection instead of answering
// (`lose_next`), so the tracker retries a batch the server already kept:
//  - against a Tracardi that keeps the client's event id (master; the shared collector's default
//    mode) the copy is the same event again: one stored row, its `duplicates` counter at 1;
//  - against Tracardi 0.8.x, which mints a uuid4 for every event it accepts (0.8.1's EventPayload
//    has no `id`), the copy is a second stored event: a second collector runs with `--mint-ids`
//    on E2E_PORT + 50 and stores two rows with distinct server ids and one client id.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { request as apiRequest, type APIRequestContext, type Page } from '@playwright/test';
import { test, expect, PORT, ADMIN_HEADERS, playground, type StoredEvent,
  type StoredRequest } from './helpers';

const MINT_PORT = PORT + 50;
const MINT_API = `http://127.0.0.1:${MINT_PORT}`;
const ROOT = path.resolve(__dirname, '..', '..');
const COLLECTOR_BIN = `${ROOT}/build-native/collector/collector`;
const TRACKER_DIR = process.env.E2E_TRACKER_DIR || `${ROOT}/js-glue/dist`;
const MINT_DB = path.join(os.tmpdir(), `wasm-tracker-e2e-mint-${MINT_PORT}.db`);
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A stored event with the id the client sent (`client_id`, null when it sent none). */
type Row = StoredEvent & { client_id: string | null };
interface EventsAnswer { events: Row[]; total: number; duplicates: number; copies: number }

function removeDb(): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(MINT_DB + suffix, { force: true });
}

/** The second collector, in mint mode, spawned for this file and stopped after it. */
class MintCollector {
  private child: ChildProcess | null = null;
  private stderr = '';
  http!: APIRequestContext;

  async start(): Promise<void> {
    removeDb();
    this.http = await apiRequest.newContext();
    const child = spawn(COLLECTOR_BIN, ['--port', String(MINT_PORT), '--db', MINT_DB,
      '--site', `${ROOT}/demo-site`, '--tracker', TRACKER_DIR, '--mint-ids'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr?.on('data', (d) => { this.stderr += String(d); });
    let exited: number | null = null;
    child.on('exit', (code) => { exited = code ?? -1; });
    const until = Date.now() + 15_000;
    for (;;) {
      if (exited !== null) {
        throw new Error(`mint collector exited (${exited}) on port ${MINT_PORT}: ${this.stderr}`);
      }
      const health = await this.http.get(`${MINT_API}/health`, { timeout: 1000 })
        .then((r) => (r.ok() ? r.json() : null), () => null);
      if (health) {
        // Another process on this port (a leftover collector without --mint-ids) is an error.
        expect(health, `the collector on ${MINT_PORT} mints ids`).toEqual({ ok: true, event_ids: 'mint' });
        return;
      }
      if (Date.now() > until) throw new Error(`mint collector not up on ${MINT_PORT}: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await this.http?.dispose();
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');  // the collector checkpoints and closes its database
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    removeDb();
  }

  async reset(): Promise<void> {
    const res = await this.http.post(`${MINT_API}/__admin/reset`, { headers: ADMIN_HEADERS });
    expect(res.status(), 'mint collector reset').toBe(200);
  }
  async faults(body: Record<string, unknown>): Promise<void> {
    const res = await this.http.post(`${MINT_API}/__admin/faults`, { data: body, headers: ADMIN_HEADERS });
    expect(res.status(), `faults ${JSON.stringify(body)}`).toBe(200);
  }
  async events(query = ''): Promise<EventsAnswer> {
    const res = await this.http.get(`${MINT_API}/events?limit=10000${query ? '&' + query : ''}`);
    expect(res.status()).toBe(200);
    return res.json();
  }
  async requests(): Promise<StoredRequest[]> {
    const res = await this.http.get(`${MINT_API}/requests?limit=10000`);
    expect(res.status()).toBe(200);
    return (await res.json()).requests;
  }
}

const mint = new MintCollector();
test.beforeAll(async () => { await mint.start(); });
test.afterAll(async () => { await mint.stop(); });

/** The event ids in every /track body the page sent, per request, in order. */
function watchTrackBodies(page: Page): string[][] {
  const bodies: string[][] = [];
  page.on('request', (req) => {
    if (req.method() !== 'POST' || !/\/track$/.test(new URL(req.url()).pathname)) return;
    try {
      const body = JSON.parse(req.postData() || '{}') as { events?: { id?: string }[] };
      bodies.push((body.events || []).map((e) => String(e.id)));
    } catch {
      bodies.push(['<unparsable body>']);
    }
  });
  return bodies;
}

test('Tracardi 0.8.x ids (--mint-ids): a lost answer\'s copy is a second stored event', async ({ page }) => {
  await mint.reset();
  await mint.faults({ lose_next: 1 });
  const sent = watchTrackBodies(page);
  await page.goto(`${MINT_API}/playground.html`);

  // The first batch is stored and its answer lost; the tracker sends it again (network error:
  // retried on the backoff, ~1 s). Two rows, not one: the server never saw an id to compare.
  await expect.poll(async () => (await mint.events('type=page-view')).total,
    { message: 'the page view stored twice', timeout: 15_000 }).toBe(2);
  await expect.poll(() => page.evaluate(() => window.tracker.stats()?.inflight), { timeout: 8000 }).toBe(0);

  const stored = await mint.events();
  const rows = stored.events;
  expect(rows.map((r) => r.type)).toEqual(['page-view', 'page-view']);
  const [first, copy] = rows;
  // One client id, the one the tracker sent both times ...
  expect(sent).toEqual([[first.client_id], [first.client_id]]);
  expect(first.client_id).toMatch(UUID4);
  expect(copy.client_id).toBe(first.client_id);
  // ... two events under distinct server ids, neither of them the client's.
  expect(first.id).toMatch(UUID4);
  expect(copy.id).toMatch(UUID4);
  expect(copy.id).not.toBe(first.id);
  expect([first.id, copy.id]).not.toContain(first.client_id);
  expect(first.properties).toEqual(copy.properties);
  expect([first.duplicates, copy.duplicates]).toEqual([0, 0]);
  expect(stored.copies).toBe(1);
  expect(stored.duplicates).toBe(0);
  expect((await mint.events(`client_id=${first.client_id}`)).total).toBe(2);

  // The lost answer and the retry, each the request that stored one of the rows.
  const requests = await mint.requests();
  expect(requests.map((r) => [r.status, r.injected])).toEqual([[0, true], [200, false]]);
  expect(requests.map((r) => r.event_ids)).toEqual([[first.id], [copy.id]]);
  expect([first.request, copy.request]).toEqual([requests[0].seq, requests[1].seq]);
  console.log(`[copies] copy-cost, --mint-ids (Tracardi 0.8.x): events=${rows.length} ` +
    `client ids=${new Set(rows.map((r) => r.client_id)).size} extra=${stored.copies}`);
});

test('client ids (Tracardi master, the default): the same lost answer\'s copy is stored once', async ({ page, collector }) => {
  await collector.faults({ lose_next: 1 });
  const sent = watchTrackBodies(page);
  await page.goto(playground());

  await expect.poll(async () => (await collector.requests()).map((r) => r.status),
    { message: 'the lost answer, then the retry', timeout: 15_000 }).toEqual([0, 200]);
  await expect.poll(() => page.evaluate(() => window.tracker.stats()?.inflight), { timeout: 8000 }).toBe(0);

  const stored = (await collector.events()) as EventsAnswer;
  expect(stored.total).toBe(1);
  const [row] = stored.events;
  expect(row.type).toBe('page-view');
  expect(sent).toEqual([[row.id], [row.id]]);  // the same copy as above reached the server
  expect(row.client_id).toBe(row.id);
  expect(row.duplicates).toBe(1);
  expect(stored.duplicates).toBe(1);
  expect(stored.copies).toBe(0);
  const requests = await collector.requests();
  expect(requests.map((r) => [r.status, r.injected, r.event_ids])).toEqual(
    [[0, true, [row.id]], [200, false, [row.id]]]);
  await collector.copies('copy-cost, client ids (Tracardi master)');
});
