// One browser, many tabs (issue 10): one sender per browser, one storage budget, one session.
// Tabs are pages of one browser context (shared localStorage, cookies, Web Locks and
// BroadcastChannel). Each scenario counts the copies the collector accepted and, where storage
// matters, the tracker's peak localStorage bytes; both are printed as `[multi-tab]` lines and
// attached as annotations (the before/after numbers of the note).
import type { BrowserContext, Page } from '@playwright/test';
import { test, expect, playground, sleep, trackerQueuedEventBytes, trackerStorageBytes, QUEUE_KEY, servePage } from './helpers';

const MB = 1024 * 1024;

function report(label: string, values: Record<string, number | string>): void {
  const text = Object.entries(values).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log(`[multi-tab] ${label}: ${text}`);
  test.info().annotations.push({ type: 'multi-tab', description: `${label}: ${text}` });
}

/**
 * Samples the tracker's storage through any open page until stopped; keeps the peaks: `events`,
 * the UTF-8 bytes of the events its stored queues hold (the unit of the core's 1 MB queue budget),
 * and `quota`, the UTF-16 bytes of all its keys (what Chromium counts against the origin's quota).
 */
function watchStorage(context: BrowserContext): { stop(): Promise<{ events: number; quota: number }> } {
  const peak = { events: 0, quota: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const page = context.pages().find((p) => !p.isClosed());
      if (page) {
        try {
          peak.events = Math.max(peak.events, await trackerQueuedEventBytes(page));
          peak.quota = Math.max(peak.quota, await trackerStorageBytes(page));
        } catch { /* navigating */ }
      }
      await sleep(100);
    }
  })();
  return { async stop() { running = false; await loop; return peak; } };
}

/**
 * A passive witness of the tab protocol: a same-origin page without the tracker that logs every
 * message on the source's channel and every `storage` event of the tracker's keys, each reduced to
 * the `tab-i:n` events it carries. On a failure `where(ev)` tells which hand-overs, answers and
 * writes carried a missing event (session 15 found a closing leader's dropped writes this way).
 */
async function witness(context: BrowserContext): Promise<{ where(events: string[]): Promise<string> }> {
  const page = await context.newPage();
  await servePage(page, '**/witness.html', '<html><body>witness</body></html>');
  await page.goto('/witness.html');
  await page.evaluate((base) => {
    const t0 = Date.now();
    const log: [number, string, string, string[]][] = [];
    (window as unknown as { __witness: typeof log }).__witness = log;
    const marks = (s: string) => [...s.matchAll(/"type":"(tab-\d)","properties":\{"n":(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
    const kinds = ['handover', 'ack', 'held', 'parting'];
    new BroadcastChannel(base).onmessage = ({ data: d }) => log.push([Date.now() - t0, 'post',
      `${kinds[d?.k] ?? d?.k} n=${d?.n}${d?.h === 'w' ? ' (written)' : ''}`, marks(String(d?.h ?? ''))]);
    addEventListener('storage', (e) => log.push([Date.now() - t0, 'write', String(e.key).slice(base.length), marks(e.newValue || '')]));
  }, QUEUE_KEY.replace(/:queue$/, ''));
  return {
    async where(events) {
      const log = await page.evaluate(() => (window as unknown as { __witness: [number, string, string, string[]][] }).__witness);
      const line = ([t, what, detail, m]: [number, string, string, string[]]) => `+${t} ${what} ${detail} (${m.length} events)`;
      return events.map((ev) => {
        const seen = log.filter((e) => e[3].includes(ev));
        const writes = seen.filter((e) => e[1] === 'write');
        // Every post; the writes as their count, the first and the last (there can be hundreds).
        const parts = seen.filter((e) => e[1] === 'post').map(line);
        if (writes.length) parts.push(`${writes.length} writes, first ${line(writes[0])}, last ${line(writes[writes.length - 1])}`);
        return `${ev}: ${parts.join(', ') || 'never seen'}`;
      }).join('\n');
    },
  };
}

async function trackMany(page: Page, type: string, from: number, n: number, pad = 200): Promise<void> {
  await page.evaluate(([t, a, b, p]) => {
    for (let i = a; i < a + b; i++) window.tracker.track(t as string, { n: i, pad: 'x'.repeat(p) });
  }, [type, from, n, pad] as const);
}

/** The page's own storage still works next to the tracker's (segment#1261). */
async function pageCanStillStore(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    try {
      localStorage.setItem('host-site-key', 'y'.repeat(100_000));
      localStorage.removeItem('host-site-key');
      return true;
    } catch { return false; }
  });
}

// `budget`: the outage's events padded to 0.6 MB (the storage-budget assertion can fail), else
// 200-byte pads. Five tabs with the padded outage lost 10-60 events at the leader change until
// session 11: the closing leader's last write (~0.6 MB) reaches the next leader's copy of
// localStorage seconds late, and its parting queue on the channel (docs/design.md "Persistence
// across tabs") does not arrive from a page that closes. The late-write rule (that write's
// storage event corrects the stale read) delivers all 256 now (6 of 6 runs), with one extra copy
// in 2 of 6. It then lost one event in about 1 of 17 runs until session 15 (the closing leader's
// dropped writes of hand-overs it had acked; its own first attempt left out of its parting
// queue), found with the witness page: 66 of 66 runs since, 0 copies. A failure prints where the
// missing events were seen, and a copy's the requests that carried it (describeCopies).
// Five tabs with small events lost 50-100 of 256 in 4 of 17 runs until session 12: the closing
// leader, its backoff just run out, re-sent what it had tried on keepalive into the outage, and
// its probe still on the wire was left out of its copy. A leave in a known outage now re-sends
// nothing tried and keeps such a probe's events in the copy (24 of 24 runs, 0 extra copies).
for (const [tabs, budget] of [[2, true], [5, false], [5, true]] as const) {
  const name = `${tabs} tabs through a 4 s outage with a reload and a closed tab${budget ? ', events padded to 0.6 MB' : ''}: every event once, one storage budget`;
  test(name, async ({ context, collector }) => {
    test.setTimeout(90_000);
    const pages: Page[] = [];
    for (let i = 0; i < tabs; i++) {
      const p = await context.newPage();
      await p.goto(playground());
      pages.push(p);
    }
    await collector.waitFor('page-view', tabs);
    const seen = await witness(context);
    const storage = watchStorage(context);
    await collector.faults({ fail_next: 1_000_000, status: 503 });
    const outage = Date.now();
    // 50 events per tab in bursts across the outage; the last tab reloads half-way, the first
    // one closes before the outage ends. Padded so that the outage's events, all stored at once,
    // take more than half the 1 MB budget: one stored copy fits it, a second copy of them (a
    // tab's own key or mailbox beside the leader's) or a budget per tab would not.
    const pad = budget ? Math.floor(0.6 * MB / (tabs * 50)) : 200;
    for (let burst = 0; burst < 5; burst++) {
      for (let i = 0; i < tabs; i++) await trackMany(pages[i], `tab-${i}`, burst * 10, 10, pad);
      if (burst === 2) await pages[tabs - 1].reload();
      await sleep(400);
    }
    await pages[0].close();
    await sleep(Math.max(0, 4000 - (Date.now() - outage)));
    await collector.clearFaults();
    const outageEnded = Date.now();
    // Every event of every tab, the reload's page view too, without a new visit ...
    const expected = tabs * 50 + tabs + 1;
    const arrived = async () => (await collector.events()).events.length;
    await expect.poll(arrived, { timeout: 30_000 }).toBeGreaterThanOrEqual(expected).catch(() => {});
    const withoutNewVisit = await arrived();
    const drainMs = Date.now() - outageEnded;  // to the poll's ~0.1-1 s
    // ... (a build without a leader needed a new visit for the closed tab's events: measured too)
    if (withoutNewVisit < expected) {
      await (await context.newPage()).goto(playground({ pageview: '0' }));
      await expect.poll(arrived, { timeout: 30_000 }).toBeGreaterThanOrEqual(expected).catch(() => {});
    }
    await sleep(1500);  // anything still on its way would show up as a copy now
    const peak = await storage.stop();
    const c = await collector.copies(`multi-tab ${tabs} tabs, outage, reload, closed tab`);
    if (c.events < expected || withoutNewVisit !== expected) {
      // For the failure's reader: which events are missing, and the requests that carried an id
      // the collector never stored (each request's time, status and size).
      const evs = (await collector.events()).events;
      const have = new Set(evs.map((e) => `${e.type}:${(e.properties as { n?: number }).n}`));
      const missing: string[] = [];
      for (let i = 0; i < tabs; i++) for (let n = 0; n < 50; n++) if (!have.has(`tab-${i}:${n}`)) missing.push(`tab-${i}:${n}`);
      console.log(`[multi-tab] missing: ${missing.join(' ')} pageviews=${evs.filter((e) => e.type === 'page-view').length}`);
      console.log(`[multi-tab] where the missing events were seen:\n${await seen.where(missing.slice(0, 10))}`);
      const reqs = await collector.requests();
      const t0 = reqs[0]?.received_ms ?? 0;
      const stored = new Set(evs.map((e) => e.id));
      console.log("[multi-tab] requests: " + reqs.map((r) => `+${r.received_ms - t0} ${r.status} n=${r.event_ids.length}` +
        (r.event_ids.some((x) => !stored.has(x)) ? ` LOST[${r.event_ids.filter((x) => !stored.has(x)).map((x) => x.slice(0, 6))}]` : '')).join(' | '));
    }
    const perEvent = (c.copies / c.events).toFixed(3);
    report(`${tabs} tabs`, { events: c.events, copies: c.copies, extra: c.extra, copiesPerEvent: perEvent,
      peakStoredEventBytes: peak.events, peakTrackerStorageQuotaBytes: peak.quota, withoutNewVisit, drainMs });
    if (withoutNewVisit !== expected) expect(withoutNewVisit, `no new visit needed\n${await collector.describe()}`).toBe(expected);
    expect(c.events).toBe(expected);
    if (c.extra) expect(c.extra, `each accepted exactly once\n${await collector.describeCopies()}`).toBe(0);
    // Like with like: the stored events' UTF-8 bytes against the core's queue budget
    // (policy::max_queued_bytes, 1 MB of event JSON). The sampler must have seen the whole outage
    // stored once (so the bound is measured near where a second copy would cross it) ...
    expect(peak.events, 'the outage\'s events were all stored').toBeGreaterThanOrEqual(tabs * 50 * pad);
    // ... and never more than one budget's worth: a second copy of them would be over.
    expect(peak.events, 'one stored copy: within the 1 MB queue budget').toBeLessThanOrEqual(MB);
    const live = pages.find((p) => !p.isClosed())!;
    expect(await pageCanStillStore(live)).toBe(true);
    // Delivered: the leader's copy is empty again and no mailbox is left behind.
    await expect.poll(() => live.evaluate((key) => Object.keys(localStorage)
      .filter((k) => /^wasm-tracker:(v[12]|stub):/.test(k) && !k.endsWith(':lease'))
      .map((k) => (k === key ? JSON.parse(localStorage.getItem(k) || '{}').events?.length ?? 0 : k)),
    QUEUE_KEY)).toEqual([0]);
  });
}

test('the leader tab closed mid-outage: another open tab delivers its events within 10 s, no new visit', async ({ context, collector }) => {
  test.setTimeout(60_000);
  const a = await context.newPage();
  await a.goto(playground());
  await collector.waitFor('page-view', 1);
  const b = await context.newPage();
  await b.goto(playground());
  await collector.waitFor('page-view', 2);
  await expect.poll(() => a.evaluate(() => window.tracker.stats?.()?.leader)).toBe(true);
  expect(await b.evaluate(() => window.tracker.stats?.()?.leader)).toBe(false);
  await collector.faults({ fail_next: 1_000_000, status: 503 });
  await trackMany(a, 'leader-tab', 0, 20);
  await trackMany(b, 'follower-tab', 0, 20);
  await sleep(1500);
  await a.close();  // the leader goes away holding the queue of both tabs
  await expect.poll(() => b.evaluate(() => window.tracker.stats?.()?.leader), { timeout: 5000 }).toBe(true);
  await collector.clearFaults();
  const ended = Date.now();
  await collector.waitFor('leader-tab', 20, 10_000);
  await collector.waitFor('follower-tab', 20, Math.max(1000, 10_000 - (Date.now() - ended)));
  expect(Date.now() - ended).toBeLessThan(10_000 + 1000);
  const c = await collector.copies('multi-tab leader closed mid-outage');
  report('leader closed', { events: c.events, extra: c.extra, deliveredMs: Date.now() - ended });
  expect(c.extra).toBe(0);
});

test('a tab idle past the session timeout while another tab is active joins the active session', async ({ context, collector }) => {
  // Tab A's wall clock is moved 31 minutes forward (idle past the 30-minute session); tab B keeps
  // the cookie alive. Tracardi's tracker re-reads the cookie per event: A must follow it.
  const a = await context.newPage();
  await a.addInitScript(() => {
    const realNow = Date.now.bind(Date);
    (window as unknown as { __shift: number }).__shift = 0;
    Date.now = () => realNow() + (window as unknown as { __shift: number }).__shift;
  });
  await a.goto(playground());
  await collector.waitFor('page-view', 1);
  const b = await context.newPage();
  await b.goto(playground());
  await collector.waitFor('page-view', 2);
  await b.evaluate(() => window.tracker.track('active-tab', {}, { fire: true }));
  await a.evaluate(() => { (window as unknown as { __shift: number }).__shift = 31 * 60 * 1000; });
  await a.evaluate(() => window.tracker.track('idle-tab', {}, { fire: true }));
  const [active] = await collector.waitFor('active-tab');
  const [idle] = await collector.waitFor('idle-tab');
  report('session', { sameSession: String(active.session === idle.session) });
  expect(active.session).toBeTruthy();
  expect(idle.session).toBe(active.session);

  // With the cookie gone (every tab idle), the idle tab's own timer rotates the session.
  await context.clearCookies();
  await a.evaluate(() => { (window as unknown as { __shift: number }).__shift = 62 * 60 * 1000; });
  await a.evaluate(() => window.tracker.track('idle-again', {}, { fire: true }));
  const [again] = await collector.waitFor('idle-again');
  expect(again.session).not.toBe(active.session);
});

test('a bounce before the wasm arrives: the page\'s calls are delivered by the next visit, with their page', async ({ page, collector }) => {
  // The core never arrives on the first page: its calls live only in the loader stub.
  // Held for the first page only (never answered: releasing it would let the first page's core
  // start just as it leaves, which is a different race); the next page's request goes through.
  let hold = true;
  await page.route('**/liliput.min.wasm', (route) => (hold ? undefined : route.continue()));
  await page.goto(playground({ visit: 'bounced' }));
  await page.evaluate(() => {
    window.tracker.track('bounce', { n: 1 });
    window.tracker.track('bounce', { n: 2 }, { fire: true });
  });
  hold = false;
  await page.goto(playground({ pageview: '0', visit: 'next' }));  // pagehide of the bounced page
  const stored = await collector.waitFor('bounce', 2);
  const [pv] = await collector.waitFor('page-view', 1);
  expect(stored.map((e) => (e.properties as { n: number }).n).sort()).toEqual([1, 2]);
  // Replayed with the page they were tracked on, not the page that delivered them.
  expect(String((pv.context as { page?: { url?: string } }).page?.url)).toContain('visit=bounced');
  expect(String((stored[0].context as { page?: { url?: string } }).page?.url)).toContain('visit=bounced');
  expect(await page.evaluate(() => localStorage.getItem('wasm-tracker:stub:v1'))).toBeNull();
  expect((await collector.copies('bounce before the wasm')).extra).toBe(0);
});

test('localStorage near its quota: the tracker keeps its last good copy and writes again once there is room', async ({ page, collector, logs }) => {
  test.setTimeout(60_000);
  await page.goto(playground());
  await collector.waitFor('page-view');
  await collector.faults({ fail_next: 1_000_000, status: 503 });
  await page.evaluate(() => window.tracker.track('before-full', { n: 1 }));
  await expect.poll(() => page.evaluate((k) => localStorage.getItem(k) || '', QUEUE_KEY)).toContain('before-full');
  // The site fills the origin's quota with its own data.
  const filled = await page.evaluate(() => {
    const chunk = 'z'.repeat(256 * 1024);
    let n = 0;
    for (let size = chunk.length; size >= 16; size = Math.floor(size / 2)) {
      try { for (;;) { localStorage.setItem(`site-fill-${n}`, chunk.slice(0, size)); n++; } } catch { /* full at this size */ }
    }
    return n;
  });
  expect(filled).toBeGreaterThan(0);
  await page.evaluate(() => window.tracker.track('while-full', { pad: 'p'.repeat(2000) }));
  await sleep(300);
  const kept = await page.evaluate((k) => localStorage.getItem(k) || '', QUEUE_KEY);
  expect(kept, 'the last good copy is kept').toContain('before-full');
  expect(kept).not.toContain('while-full');
  expect(logs.tracker('warning').filter((m) => /localStorage write failed/.test(m))).toHaveLength(1);
  // The site frees its data: the next change is written.
  await page.evaluate(() => { for (const k of Object.keys(localStorage)) if (k.startsWith('site-fill-')) localStorage.removeItem(k); });
  await page.evaluate(() => window.tracker.track('after-free', {}));
  await expect.poll(() => page.evaluate((k) => localStorage.getItem(k) || '', QUEUE_KEY)).toContain('while-full');
  await collector.clearFaults();
  await collector.waitFor('while-full', 1, 20_000);
  await collector.waitFor('before-full', 1, 20_000);
  expect((await collector.copies('quota')).extra).toBe(0);
});

test('without Web Locks (the lease in localStorage): two tabs through an outage, the leader closed: every event once, no new visit', async ({ context, collector }) => {
  // Plain-http sites on another host than localhost have no navigator.locks (secure contexts
  // only): the lease must still give one sender, never "every tab sends everything".
  test.setTimeout(60_000);
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
  });
  const a = await context.newPage();
  await a.goto(playground());
  await collector.waitFor('page-view', 1);
  expect(await a.evaluate(() => 'locks' in navigator && navigator.locks !== undefined)).toBe(false);
  await expect.poll(() => a.evaluate(() => window.tracker.stats?.()?.leader), { timeout: 8000 }).toBe(true);
  const b = await context.newPage();
  await b.goto(playground());
  await collector.waitFor('page-view', 2);
  await sleep(2500);  // b has read a's lease at least twice: it stays a follower
  expect(await b.evaluate(() => window.tracker.stats?.()?.leader)).toBe(false);
  await collector.faults({ fail_next: 1_000_000, status: 503 });
  await trackMany(a, 'lease-leader', 0, 20);
  await trackMany(b, 'lease-follower', 0, 20);
  await sleep(1500);
  await a.close();  // gives the lease up on pagehide
  await expect.poll(() => b.evaluate(() => window.tracker.stats?.()?.leader), { timeout: 8000 }).toBe(true);
  await collector.clearFaults();
  const ended = Date.now();
  await collector.waitFor('lease-leader', 20, 10_000);
  await collector.waitFor('lease-follower', 20, Math.max(1000, 10_000 - (Date.now() - ended)));
  await sleep(1500);  // a second sender would show up as copies now
  const c = await collector.copies('multi-tab lease, leader closed mid-outage');
  report('lease, leader closed', { events: c.events, extra: c.extra, deliveredMs: Date.now() - ended });
  expect(c.extra, 'each accepted exactly once').toBe(0);
});

test('without BroadcastChannel (hand-overs through mailbox keys): a follower\'s deferred events and retries are delivered once by the leader', async ({ context, collector }) => {
  test.setTimeout(60_000);
  await context.addInitScript(() => {
    Object.defineProperty(window, 'BroadcastChannel', { value: undefined, configurable: true, writable: true });
  });
  const a = await context.newPage();
  await a.goto(playground());
  await collector.waitFor('page-view', 1);
  await expect.poll(() => a.evaluate(() => window.tracker.stats?.()?.leader)).toBe(true);
  const b = await context.newPage();
  await b.goto(playground());
  await collector.waitFor('page-view', 2);
  expect(await b.evaluate(() => typeof BroadcastChannel)).toBe('undefined');
  expect(await b.evaluate(() => window.tracker.stats?.()?.leader)).toBe(false);
  await collector.faults({ fail_next: 1_000_000, status: 503 });
  await trackMany(b, 'mailbox-follower', 0, 20);  // deferred: handed over to the leader at once
  await b.evaluate(() => window.tracker.track('mailbox-fire', {}, { fire: true }));  // fails: a retry, handed over
  await sleep(1500);
  // The follower sent none of them itself past its fire's first attempt: it handed them over.
  expect(await b.evaluate(() => window.tracker.stats?.()?.transferred)).toBeGreaterThanOrEqual(21);
  await collector.clearFaults();
  await collector.waitFor('mailbox-follower', 20, 15_000);
  await collector.waitFor('mailbox-fire', 1, 15_000);
  await sleep(1500);
  const c = await collector.copies('multi-tab without BroadcastChannel');
  report('no BroadcastChannel', { events: c.events, extra: c.extra });
  expect(c.extra, 'each accepted exactly once').toBe(0);
  // Taken in and removed: no mailbox key is left.
  expect(await a.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':mailbox:')))).toEqual([]);
});
