// Shared fixtures for the e2e suite. The collector is the ground truth: every test resets it
// first and then asserts on what it stored (GET /events) and received (GET /requests).
import { test as base, expect, type APIRequestContext, type BrowserContext, type Page,
  type ConsoleMessage } from '@playwright/test';

export const PORT = Number(process.env.E2E_PORT || 8690);
/** The collector (and default page) origin. */
export const API = `http://127.0.0.1:${PORT}`;
/** The same collector under another origin: page here + api on API = real CORS (preflights). */
export const OTHER_ORIGIN = `http://localhost:${PORT}`;
export const SOURCE = 'demo-source';
/** The one persisted queue of the source, written by the leader tab (docs/design.md). */
export const QUEUE_KEY = `wasm-tracker:v2:${SOURCE}:queue`;
/** Every key the tracker keeps in localStorage starts with this (queue, mailboxes, lease). */
export const TRACKER_KEY_PREFIX = 'wasm-tracker:';

/** Every persisted copy of the queue (the leader's, followers' mailboxes), concatenated. */
export async function persistedQueue(page: Page): Promise<string> {
  return page.evaluate(() => Object.keys(localStorage)
    .filter((k) => /^wasm-tracker:v[12]:/.test(k) && !k.endsWith(':lease'))
    .map((k) => localStorage.getItem(k) || '').join('\n'));
}

/**
 * Bytes (UTF-16 code units × 2, as Chromium counts its quota) the tracker's keys hold. The
 * origin's quota, not the tracker's queue budget: compare that with trackerQueuedEventBytes.
 */
export async function trackerStorageBytes(page: Page): Promise<number> {
  return page.evaluate((prefix) => Object.keys(localStorage)
    .filter((k) => k.startsWith(prefix))
    .reduce((n, k) => n + 2 * (k.length + (localStorage.getItem(k) || '').length), 0), TRACKER_KEY_PREFIX);
}

/**
 * UTF-8 bytes of the events the tracker's stored queues hold (the leader's key, followers'
 * mailboxes, a previous build's per-tab keys; each entry's serialized event `e`, as the snapshot
 * carries it): the unit of the core's one queue budget, `policy::max_queued_bytes` (1 MB of
 * event JSON). An event held in two keys counts twice.
 */
export async function trackerQueuedEventBytes(page: Page): Promise<number> {
  return page.evaluate(() => {
    const utf8 = new TextEncoder();
    let n = 0;
    for (const k of Object.keys(localStorage)) {
      if (!/^wasm-tracker:v[12]:/.test(k) || k.endsWith(':lease')) continue;
      let snap: { events?: { e?: unknown }[] } | null = null;
      try { snap = JSON.parse(localStorage.getItem(k) || 'null'); } catch { /* not a queue */ }
      for (const entry of snap?.events || []) n += utf8.encode(JSON.stringify(entry?.e ?? null)).length;
    }
    return n;
  });
}

export interface StoredEvent {
  row: number; id: string; type: string; source: string; session: string | null;
  profile: string | null; properties: Record<string, unknown>; options: Record<string, unknown>;
  context: Record<string, unknown>; time: { create?: string; [k: string]: unknown };
  tags: unknown[]; received_ms: number; request: number; duplicates: number;
}
export interface StoredRequest {
  seq: number; received_ms: number; status: number; origin: string | null;
  content_type: string | null; bytes: number; event_ids: string[]; injected: boolean;
  source: string | null; session: string | null; profile: string | null;
}

/**
 * The collector's admin routes refuse requests without this header (a cross-site `no-cors`
 * request cannot set it) and requests from any other origin.
 */
export const ADMIN_HEADERS = { 'X-Collector-Admin': '1' };

export class Collector {
  constructor(private readonly http: APIRequestContext) {}

  async reset(): Promise<void> {
    const res = await this.again(() => this.http.post(`${API}/__admin/reset`, { headers: ADMIN_HEADERS }));
    expect(res.status(), 'collector reset').toBe(200);
  }
  async faults(body: Record<string, unknown>): Promise<void> {
    const res = await this.again(() => this.http.post(`${API}/__admin/faults`, { data: body, headers: ADMIN_HEADERS }));
    expect(res.status(), `faults ${JSON.stringify(body)}`).toBe(200);
  }
  async clearFaults(): Promise<void> {
    const res = await this.again(() => this.http.delete(`${API}/__admin/faults`, { headers: ADMIN_HEADERS }));
    expect(res.status()).toBe(200);
  }
  /**
   * An admin call (setting a state twice is the same state) tried again once when its keep-alive
   * connection was reset as it was sent (CI: a DELETE of the faults failed so, see read()).
   */
  private async again<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (!/ECONNRESET|socket hang up/.test(String(e))) throw e;
      return call();
    }
  }
  /** The fault state (`GET /__admin/faults`): pending counts and how many were served. */
  async faultState(): Promise<{ fail_next: number; drop_next: number; hang_next: number;
    delay_ms: number; status: number; retry_after: string | null; injected: number }> {
    const res = await this.http.get(`${API}/__admin/faults`, { headers: ADMIN_HEADERS });
    expect(res.status()).toBe(200);
    return res.json();
  }
  /**
   * A read (idempotent) of the collector, tried again once when the connection was reset: the
   * collector closes a keep-alive connection idle for 2 s, and a request sent on it just then
   * fails with ECONNRESET / socket hang up (seen between long waits in tab-protocol.spec.ts).
   */
  private async read(url: string) {
    try {
      return await this.http.get(url);
    } catch (e) {
      if (!/ECONNRESET|socket hang up/.test(String(e))) throw e;
      return this.http.get(url);
    }
  }
  async events(query = ''): Promise<{ events: StoredEvent[]; total: number; duplicates: number }> {
    const res = await this.read(`${API}/events?limit=10000${query ? '&' + query : ''}`);
    expect(res.status()).toBe(200);
    return res.json();
  }
  async requests(): Promise<StoredRequest[]> {
    const res = await this.read(`${API}/requests?limit=10000`);
    expect(res.status()).toBe(200);
    return (await res.json()).requests;
  }
  /** Stored event types, in arrival (row) order. */
  async types(): Promise<string[]> {
    return (await this.events()).events.map((e) => e.type);
  }
  async ofType(type: string): Promise<StoredEvent[]> {
    return (await this.events(`type=${encodeURIComponent(type)}`)).events;
  }
  /** Requests whose body carried the given event id (raw: retries and duplicates included). */
  async requestsWith(id: string): Promise<StoredRequest[]> {
    return (await this.requests()).filter((r) => r.event_ids.includes(id));
  }
  /**
   * Copies the collector accepted: every stored event counts 1 + its repeats by id. Printed as a
   * `[copies]` line (collected for the delivery notes) and returned for the test's assertion.
   */
  async copies(label: string): Promise<{ events: number; copies: number; extra: number }> {
    const { events } = await this.events();
    const extra = events.reduce((n, e) => n + e.duplicates, 0);
    const r = { events: events.length, copies: events.length + extra, extra };
    console.log(`[copies] ${label}: events=${r.events} copies=${r.copies} extra=${r.extra}`);
    return r;
  }
  /** Poll until `count` events of `type` are stored (or the expect timeout), return them. */
  async waitFor(type: string, count = 1, timeout = 10_000): Promise<StoredEvent[]> {
    try {
      await expect.poll(async () => (await this.ofType(type)).length,
        { message: `${count} stored "${type}" event(s)`, timeout }).toBe(count);
    } catch (e) {
      // CI keeps only the failure block: say what reached the collector, request by request.
      if (e instanceof Error) e.message += `\n${await this.describe().catch((d) => `(no request log: ${d})`)}`;
      throw e;
    }
    return this.ofType(type);
  }
  /** The requests received so far, one line each: when, status, bytes, origin and event types. */
  async describe(): Promise<string> {
    const [requests, { events }] = await Promise.all([this.requests(), this.events()]);
    const typeOf = new Map(events.map((e) => [e.id, e.type]));
    const t0 = requests[0]?.received_ms ?? 0;
    const lines = requests.map((r) => {
      const types = new Map<string, number>();
      for (const id of r.event_ids) types.set(typeOf.get(id) ?? '?', (types.get(typeOf.get(id) ?? '?') ?? 0) + 1);
      const what = [...types].map(([t, n]) => `${t}×${n}`).join(' ');
      return `  #${r.seq} +${r.received_ms - t0} ms ${r.status} ${r.bytes} B ${r.origin ?? '-'} ${what}`;
    });
    return `collector requests (${requests.length}):\n${lines.join('\n')}`;
  }
  /** Which requests carried each event id that arrived more than once (a copy's failure says it). */
  async describeCopies(): Promise<string> {
    const requests = await this.requests();
    const t0 = requests[0]?.received_ms ?? 0;
    const carriers = new Map<string, StoredRequest[]>();
    for (const r of requests) for (const id of r.event_ids) carriers.set(id, [...(carriers.get(id) ?? []), r]);
    const lines = [...carriers].filter(([, rs]) => rs.filter((r) => r.status >= 200 && r.status < 300).length > 1)
      .map(([id, rs]) => `  ${id}: ${rs.map((r) => `#${r.seq} +${r.received_ms - t0} ms ${r.status} ${r.event_ids.length} ev`).join(', ')}`);
    return `ids received more than once (${lines.length}):\n${lines.join('\n')}\n${await this.describe()}`;
  }
  /**
   * Assert that the number of /track requests stays `count` for `ms` milliseconds; with `where`,
   * only the requests it keeps count (e.g. one session's).
   */
  async expectQuiet(count: number, ms: number, why: string,
    where: (r: StoredRequest) => boolean = () => true): Promise<void> {
    const until = Date.now() + ms;
    // A failure says which requests came (CI keeps only the failure block).
    const check = async () => {
      const n = (await this.requests()).filter(where).length;
      if (n !== count) expect(n, `${why}\n${await this.describe()}`).toBe(count);
    };
    while (Date.now() < until) {
      await check();
      await new Promise((r) => setTimeout(r, 250));
    }
    await check();
  }
}

/** Console messages and uncaught page errors of a context (all its pages). */
export class Logs {
  readonly messages: { type: string; text: string }[] = [];
  readonly pageErrors: string[] = [];
  watch(target: BrowserContext | Page): this {
    target.on('console', (m: ConsoleMessage) => this.messages.push({ type: m.type(), text: m.text() }));
    if ('pages' in target) {
      target.on('weberror', (e) => this.pageErrors.push(String(e.error())));
    } else {
      target.on('pageerror', (e) => this.pageErrors.push(String(e)));
    }
    return this;
  }
  of(type: string, pattern: RegExp): string[] {
    return this.messages.filter((m) => m.type === type && pattern.test(m.text)).map((m) => m.text);
  }
  tracker(type?: string): string[] {
    return this.messages.filter((m) => (!type || m.type === type) && /\[Tracker\]/.test(m.text))
      .map((m) => m.text);
  }
}

export const test = base.extend<{ collector: Collector; logs: Logs }>({
  collector: async ({ request }, use) => {
    const c = new Collector(request);
    await c.reset();
    await use(c);
    await c.clearFaults();
  },
  logs: async ({ context }, use) => {
    await use(new Logs().watch(context));
  },
});
export { expect };

/** A playground URL; `api` sends events to another origin. */
export function playground(params: Record<string, string> = {}, origin = ''): string {
  const q = new URLSearchParams(params).toString();
  return `${origin}/playground.html${q ? '?' + q : ''}`;
}

/** Serve an ad-hoc HTML page at `url` (same origin as the demo site, so /tracker/ works). */
export async function servePage(page: Page, url: string, html: string): Promise<void> {
  await page.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
}

/** Make the page believe it was hidden (or shown) and tell it, as a tab switch does. */
export async function setVisibility(page: Page, state: 'hidden' | 'visible'): Promise<void> {
  await page.evaluate((s) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => s === 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
