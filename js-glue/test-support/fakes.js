// Minimal fakes of the browser and of the wasm core for the glue's unit tests. Only what the
// glue touches; anything else is left undefined so accidental use fails loudly.
import { webcrypto } from 'node:crypto';
import { PAGE, SET, GET } from '../src/core-handle.js';

export class FakeEventTarget {
  constructor() { this.listeners = new Map(); this.added = []; }
  addEventListener(type, fn) {
    this.added.push(type);
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
  }
  removeEventListener(type, fn) { this.listeners.get(type)?.delete(fn); }
  dispatch(type, event = {}) {
    for (const fn of [...(this.listeners.get(type) || [])]) fn({ type, ...event });
  }
  count(type) { return this.listeners.get(type)?.size || 0; }
}

export class FakeElement extends FakeEventTarget {
  constructor(tag) {
    super();
    this.tagName = tag.toUpperCase();
    this.attributes = {};
    this.children = [];
    this.textContent = '';
    this.parentNode = null;
    for (const name of ['innerHTML', 'outerHTML']) {
      Object.defineProperty(this, name, {
        get() { return ''; },
        set() { throw new Error(`${name} must not be used`); },
      });
    }
  }
  set text(v) { throw new Error('script .text must not be used'); }
  insertAdjacentHTML() { throw new Error('insertAdjacentHTML must not be used'); }
  setAttribute(n, v) { this.attributes[n] = String(v); }
  getAttribute(n) { return this.attributes[n] ?? null; }
  appendChild(c) { c.parentNode = this; this.children.push(c); return c; }
  insertBefore(c, ref) {
    c.parentNode = this;
    const i = this.children.indexOf(ref);
    this.children.splice(i < 0 ? this.children.length : i, 0, c);
    return c;
  }
}

export class FakeStorage {
  constructor() { this.map = new Map(); this.writes = []; this.throwOnSet = null; }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  quota() {
    if (this.throwOnSet) {
      const e = new Error('The quota has been exceeded.');
      e.name = this.throwOnSet;
      throw e;
    }
  }
  setItem(k, v) {
    this.quota();
    this.writes.push([k, String(v)]);
    this.map.set(k, String(v));
  }
  removeItem(k) { this.map.delete(k); }
  clear() { this.map.clear(); }
  get length() { return this.map.size; }
  key(i) { return [...this.map.keys()][i] ?? null; }
}

// One tab's localStorage in a fake browser (fakeBrowser().tabStorage): as in Chromium, each
// renderer reads its own copy of the origin's storage. A tab's write is in its own copy and in the
// browser's (`browser.storage`: what a tab opened later starts from) at once, and reaches the
// other tabs' copies after the browser's `storageDelay`, each copy firing a `storage` event at its
// window (key, oldValue, newValue, url, storageArea) when its value changed; never at the writer's.
// Two tabs writing one key at once end with the same value everywhere (the later write), as
// Chromium's pending-mutation rule gives: a tab does not apply another tab's change to a key it
// has written since, but still fires its `storage` event (CachedStorageArea::KeyChanged enqueues
// the event for every non-local change; only the cache update waits for the local write's ack).
class TabStorage extends FakeStorage {
  constructor(browser, win, url) {
    super();
    this.browser = browser;
    this.win = win;
    this.url = url;
    this.localSeq = new Map();  // key -> commit number of this tab's last write of it
    for (const [k, v] of browser.storage.map) this.map.set(k, v);
  }
  setItem(k, v) {
    this.browser.storage.quota();
    super.setItem(k, v);
    this.browser.commit(this, String(k), String(v));
  }
  removeItem(k) {
    super.removeItem(k);
    this.browser.commit(this, String(k), null);
  }
  // One removal per key (one storage event each; Chromium fires a single one, key null).
  clear() {
    for (const k of [...this.map.keys()]) this.removeItem(k);
  }
}

// A cookie jar of one fake browser, with the browser's rules for a cookie's life on the browser's
// clock (`now`): `document.cookie = text` (write) honours Max-Age (seconds; wins over Expires; 0
// or less deletes) and Expires (a date; past deletes); a cookie with neither lives as long as the
// browser. An expired cookie is gone from every read. Map-like (name -> value) for tests that set
// or delete a cookie directly (a session cookie).
export class FakeCookieJar extends Map {
  constructor(now = () => Date.now()) {
    super();
    this.now = now;
    this.expiry = new Map();  // name -> wall ms at which it expires
  }
  set(name, value) { this.expiry?.delete(name); return super.set(name, value); }
  delete(name) { this.expiry.delete(name); return super.delete(name); }
  clear() { this.expiry.clear(); super.clear(); }
  sweep() {
    const now = this.now();
    for (const [k, at] of this.expiry) {
      if (now >= at) { this.expiry.delete(k); super.delete(k); }
    }
  }
  get(k) { this.sweep(); return super.get(k); }
  has(k) { this.sweep(); return super.has(k); }
  get size() { this.sweep(); return super.size; }
  entries() { this.sweep(); return super.entries(); }
  keys() { this.sweep(); return super.keys(); }
  values() { this.sweep(); return super.values(); }
  forEach(fn, self) { this.sweep(); super.forEach(fn, self); }
  [Symbol.iterator]() { return this.entries(); }
  // When the cookie expires (wall ms), null for one without an end, undefined when there is none.
  expiresAt(name) {
    if (!this.has(name)) return undefined;
    return this.expiry.has(name) ? this.expiry.get(name) : null;
  }
  // document.cookie = text
  write(text) {
    const [pair, ...attrs] = String(text).split(';');
    const eq = pair.indexOf('=');
    if (eq < 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let maxAge;
    let expires;
    for (const a of attrs) {
      const i = a.indexOf('=');
      const k = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
      const v = i < 0 ? '' : a.slice(i + 1).trim();
      if (k === 'max-age' && /^-?\d+$/.test(v)) maxAge = Number(v);
      else if (k === 'expires' && !Number.isNaN(Date.parse(v))) expires = Date.parse(v);
    }
    const now = this.now();
    const at = maxAge !== undefined ? now + maxAge * 1000 : expires;
    if (at !== undefined && (maxAge !== undefined ? maxAge <= 0 : at <= now)) {
      this.delete(name);
      return;
    }
    super.set(name, value);
    if (at === undefined) this.expiry.delete(name);
    else this.expiry.set(name, at);
  }
  // document.cookie (read)
  header() { return [...this].map(([k, v]) => `${k}=${v}`).join('; '); }
}

// The fake wall clock's origin (fakeEnv's Date.now() is EPOCH + its monotonic clock).
const EPOCH = 1_700_000_000_000;

// One browser: its clock, Web Locks, BroadcastChannels, localStorage and cookies, shared by the
// fake envs (tabs) that are given it (fakeEnv({browser})). Locks are granted in request order, one
// holder at a time.
// opts.clock: the monotonic clock's start (ms, default 1000; the wall clock is EPOCH + it, moved by
//   advance(ms), shiftWall(ms)); 'global': both follow the global Date.now() (what node:test mock
//   timers move), so a test's `t.mock.timers.tick(ms)` moves every tab's clocks and timers together.
// opts.storageDelay: how long a tab's localStorage write takes to reach the other tabs (ms through
//   the global setTimeout, looked up at call time so mock timers drive it; default 0: the next
//   macrotask), or 'manual': held until deliverStorage().
export function fakeBrowser(opts = {}) {
  const waiting = new Map();  // name -> [{grant, reject, signal}]
  const held = new Set();
  const channels = new Set();
  function next(name) {
    const q = waiting.get(name) || [];
    if (held.has(name) || !q.length) return;
    const w = q.shift();
    held.add(name);
    queueMicrotask(w.grant);
  }
  const locks = {
    request(name, opts, cb) {
      return new Promise((resolve, reject) => {
        const w = {
          grant: () => {
            Promise.resolve(cb({ name })).then(resolve, reject).finally(() => { held.delete(name); next(name); });
          },
        };
        if (opts && opts.signal) {
          opts.signal.addEventListener('abort', () => {
            const q = waiting.get(name) || [];
            const i = q.indexOf(w);
            if (i >= 0) { q.splice(i, 1); reject(Object.assign(new Error('aborted'), { name: 'AbortError' })); }
          });
        }
        if (!waiting.has(name)) waiting.set(name, []);
        waiting.get(name).push(w);
        next(name);
      });
    },
  };
  class BroadcastChannel {
    constructor(name) { this.name = name; this.onmessage = null; channels.add(this); }
    postMessage(m) {
      const data = structuredClone(m);
      for (const c of channels) {
        if (c !== this && c.name === this.name) queueMicrotask(() => { if (channels.has(c) && c.onmessage) c.onmessage({ data }); });
      }
    }
    close() { channels.delete(this); }
  }

  // Clocks.
  const global = opts.clock === 'global';
  const base = global ? Date.now() : 0;
  let mono = global ? 0 : (opts.clock ?? 1000);
  let wallShift = 0;
  const clock = {
    mono: () => (global ? 1000 + Date.now() - base : 0) + mono,
    wall: () => (global ? Date.now() : EPOCH) + mono + wallShift,
  };

  // localStorage: the browser's copy and each tab's.
  const storage = new FakeStorage();
  const tabs = new Set();
  const heldWrites = [];  // 'manual' deliveries
  let seq = 0;
  let inFlight = 0;
  let settled = [];
  function deliver(view, op) {
    // Ops reach a tab in commit order: this one and any earlier one still on its way.
    while (view.inbox.length && view.inbox[0].seq <= op.seq) {
      const o = view.inbox.shift();
      inFlight--;
      if (!tabs.has(view)) continue;
      if ((view.localSeq.get(o.key) ?? -1) > o.seq) {
        // Written here since: the value stays this tab's; the event carries the browser's values.
        view.win?.dispatch?.('storage', { key: o.key, oldValue: o.old, newValue: o.value, url: o.url, storageArea: view });
        continue;
      }
      const old = view.map.has(o.key) ? view.map.get(o.key) : null;
      if (old === o.value) continue;
      if (o.value === null) view.map.delete(o.key); else view.map.set(o.key, o.value);
      view.win?.dispatch?.('storage', { key: o.key, oldValue: old, newValue: o.value, url: o.url, storageArea: view });
    }
    if (!inFlight) settled.splice(0).forEach((r) => r());
  }
  const browser = {
    locks, BroadcastChannel, storage, held,
    clock,
    advance(ms) { mono += ms; },
    shiftWall(ms) { wallShift += ms; },
    cookies: null,
    storageDelay: opts.storageDelay ?? 0,
    // A tab's view of localStorage (fakeEnv makes one per tab).
    tabStorage(win, url = '') {
      const v = new TabStorage(browser, win, url);
      v.inbox = [];
      tabs.add(v);
      return v;
    },
    // The tab is gone (closed): nothing more reaches it.
    closeStorage(view) { tabs.delete(view); },
    commit(from, key, value) {
      const old = storage.map.has(key) ? storage.map.get(key) : null;
      const op = { seq: ++seq, key, value, old, url: from.url };
      from.localSeq.set(key, op.seq);
      if (old === value) return;  // no change: no event anywhere
      if (value === null) storage.map.delete(key); else storage.map.set(key, value);
      storage.writes.push([key, value]);
      for (const view of tabs) {
        if (view === from) continue;
        view.inbox.push(op);
        inFlight++;
        if (browser.storageDelay === 'manual') heldWrites.push([view, op]);
        else globalThis.setTimeout(() => deliver(view, op), browser.storageDelay);
      }
    },
    // 'manual' storageDelay: delivers every write held so far.
    deliverStorage() {
      for (const [view, op] of heldWrites.splice(0)) deliver(view, op);
    },
    // Resolves once every write has reached every tab (real timers; mock timers: tick them).
    storageSettled() {
      return inFlight ? new Promise((r) => settled.push(r)) : Promise.resolve();
    },
  };
  browser.cookies = new FakeCookieJar(clock.wall);
  return browser;
}

export function fakeDocument({ readyState = 'complete', href = 'https://shop.example/p/1?x=1#top', jar } = {}) {
  const doc = new FakeEventTarget();
  doc.readyState = readyState;
  doc.visibilityState = 'visible';
  doc.hidden = false;
  doc.title = 'Product 1';
  doc.referrer = '';
  doc.baseURI = href;
  doc.currentScript = null;
  doc.jar = jar || new FakeCookieJar();
  doc.cookieWrites = [];
  Object.defineProperty(doc, 'cookie', {
    get() { return doc.jar.header(); },
    set(text) {
      doc.cookieWrites.push(text);
      doc.jar.write(text);
    },
  });
  doc.body = new FakeElement('body');
  doc.head = new FakeElement('head');
  doc.documentElement = new FakeElement('html');
  doc.createElement = (tag) => new FakeElement(tag);
  doc.getElementsByTagName = (tag) => (tag === 'script'
    ? doc.head.children.filter((c) => c.tagName === 'SCRIPT') : []);
  doc.querySelectorAll = () => [];
  return doc;
}

const MINUTE = 60_000;
// Chrome's intensive wake-up throttling of a hidden page: its timers run at the next whole minute.
export const HIDDEN_MINUTE = (due, doc) => (doc.visibilityState === 'hidden' ? Math.ceil(due / MINUTE) * MINUTE : due);

// A tab's timers when they run late: runAt(due, doc) -> when a timer due at `due` runs (ms on the
// timers' own clock, the global Date.now() that node:test mock timers move), asked when it is armed,
// when it fires (a timer armed on time in a tab hidden since waits for its slot) and when the tab's
// visibility changes (a tab shown again runs what is overdue at once).
function lateTimers(runAt, doc) {
  const live = new Map();
  let next = 1;
  function arm(id) {
    const t = live.get(id);
    const now = Date.now();
    t.at = Math.max(runAt(t.due, doc), t.due);
    t.handle = globalThis.setTimeout(() => fire(id), Math.max(0, t.at - now));
  }
  function fire(id) {
    const t = live.get(id);
    if (!t) return;
    if (Math.max(runAt(t.due, doc), t.due) > t.at) { arm(id); return; }  // its slot moved later
    live.delete(id);
    t.fn(...t.args);
  }
  doc.addEventListener?.('visibilitychange', () => {
    for (const [id, t] of live) {
      if (Math.max(runAt(t.due, doc), t.due) !== t.at) { globalThis.clearTimeout(t.handle); arm(id); }
    }
  });
  return {
    setTimeout(fn, ms, ...args) {
      const id = { id: next++ };
      live.set(id, { fn, args, due: Date.now() + Math.max(0, Number(ms) || 0) });
      arm(id);
      return id;
    },
    clearTimeout(id) {
      const t = live.get(id);
      if (!t) return;
      globalThis.clearTimeout(t.handle);
      live.delete(id);
    },
    get pending() { return live.size; },
  };
}

// fetchImpl(url, init) -> response-like or throws; default 200 {}.
// opts.browser: the fake browser this tab belongs to (shared clock, locks, channels, localStorage
//   and cookies); default a browser of its own.
// opts.lateTimers: this tab's timers run late: 'hidden-minute' (HIDDEN_MINUTE: while the document
//   is hidden, at the next whole minute, as Chrome's intensive throttling), or a function
//   (due, document) -> run time. Default: on time. f.setVisibility(state) hides or shows the tab.
export function fakeEnv(opts = {}) {
  const logs = { log: [], info: [], warn: [], error: [], debug: [] };
  const con = {};
  for (const k of Object.keys(logs)) con[k] = (...a) => logs[k].push(a);
  const href = opts.href || 'https://shop.example/p/1?x=1#top';
  // A browser of its own unless given one (several tabs of one browser); {locks: false} for none.
  const browser = opts.browser || fakeBrowser(opts.clock !== undefined ? { clock: opts.clock } : {});
  const doc = opts.document || fakeDocument({ readyState: opts.readyState, href, jar: browser.cookies });
  const win = new FakeEventTarget();
  win.screen = { width: 1920, height: 1080, availWidth: 1920, availHeight: 1050, colorDepth: 24,
    pixelDepth: 24, orientation: { type: 'landscape-primary' } };
  win.innerWidth = 1200;
  win.innerHeight = 800;
  win.history = { length: 2 };
  const runAt = opts.lateTimers === 'hidden-minute' ? HIDDEN_MINUTE : opts.lateTimers;
  const late = typeof runAt === 'function' ? lateTimers(runAt, doc) : null;
  win.setTimeout = late ? late.setTimeout : (fn, ms) => globalThis.setTimeout(fn, ms);
  if (opts.BroadcastChannel !== null) win.BroadcastChannel = browser.BroadcastChannel;
  // The loader snippet reads the window itself (no env): same WebAssembly as env.WebAssembly.
  win.WebAssembly = opts.WebAssembly === undefined ? WebAssembly : opts.WebAssembly;
  const u = new URL(href);
  const location = { href, protocol: u.protocol, host: u.host, pathname: u.pathname, search: u.search, hash: u.hash };
  const storage = opts.localStorage === null ? null : (opts.localStorage || browser.tabStorage(win, href));
  const fetchCalls = [];
  const env = {
    window: win,
    document: doc,
    navigator: { userAgent: 'Mozilla/5.0 Chrome/156', language: 'en-US', onLine: true,
      cookieEnabled: true, platform: 'Linux x86_64', product: 'Gecko', appVersion: '5.0',
      doNotTrack: null, ...(opts.locks === false ? {} : { locks: browser.locks }), ...(opts.navigator || {}) },
    location,
    console: con,
    performance: { timeOrigin: EPOCH, now: browser.clock.mono },
    Date: { now: browser.clock.wall },
    AbortController,
    crypto: webcrypto,
    Blob,
    WebAssembly: opts.WebAssembly === undefined ? WebAssembly : opts.WebAssembly,
    fetch: async (url, init) => {
      fetchCalls.push({ url: String(url), init });
      if (opts.fetchImpl) return opts.fetchImpl(String(url), init);
      return fakeResponse(200, '{}');
    },
    // Looked up at call time so node:test mock.timers can replace the globals.
    setTimeout: late ? late.setTimeout : (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: late ? late.clearTimeout : (id) => globalThis.clearTimeout(id),
    queueMicrotask: (fn) => queueMicrotask(fn),
    localStorage: () => storage,
  };
  win.fetch = env.fetch;  // the loader snippet fetches the .wasm early through the window
  return {
    env, logs, fetchCalls, storage, document: doc, window: win, browser,
    // Time passes (for every tab of the browser: one clock).
    advance(ms) { browser.advance(ms); },
    // The device sleeps or the user changes the clock: only the wall clock moves.
    shiftWall(ms) { browser.shiftWall(ms); },
    get clock() { return browser.clock.mono(); },
    // A tab switch: the document's visibility, then its visibilitychange event.
    setVisibility(state) {
      doc.visibilityState = state;
      doc.hidden = state === 'hidden';
      doc.dispatch('visibilitychange');
    },
    // The tab closes: it gets no more storage events.
    close() { if (storage?.inbox) browser.closeStorage(storage); },
  };
}

export function fakeResponse(status, body = '', headers = {}) {
  const h = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    status, ok: status >= 200 && status < 300,
    headers: { get: (k) => (h.has(k.toLowerCase()) ? h.get(k.toLowerCase()) : null) },
    text: async () => body,
  };
}

// The binding's contract constants as a fake module exports them (the real module's values are
// checked against these in real-core.test.js).
export const CONTRACT = Object.freeze({
  TRACK_EFFECTS_PENDING: 1, TRACK_PERSIST_DUE: 2, TRACK_DEFERRED: 4, RECORD_SEPARATOR: 0x1e,
  FIELD_SEPARATOR: 0x1f, STATUS_NO_ANSWER: 0, STATUS_HANDED_OFF: -1, MAX_EVENT_BYTES: 524288,
});

// A fake core with the binding contract's methods and simple behaviour: queue events, send the
// whole queue on onLoad/flush/onHidden, `fire` alone at once; tests can queue extra effects.
export class FakeCore {
  constructor(optionsJson) {
    this.optionsJson = optionsJson;
    this.calls = [];
    this.queue = [];
    this.extra = {};          // merged into the next effects returned
    this.nextId = 1;
    this.loaded = false;
    this.deleted = false;
    this.error = '';
    this.trackResult = null;  // force a track() return value
    this.throwOn = null;      // method name that throws (simulated abort)
    FakeCore.instances.push(this);
  }
  rec(name, args) {
    if (this.throwOn === name) throw new Error('RuntimeError: Aborted(fake)');
    this.calls.push([name, ...args]);
  }
  fx(base = {}) {
    const out = { ...base, ...this.extra };
    this.extra = {};
    if (out.identity?.session) this.session = out.identity.session;
    return JSON.stringify(out);
  }
  sendAll(transport = 'fetch') {
    if (!this.queue.length) return {};
    const events = this.queue.splice(0);
    return { send: [{ id: this.nextId++, url: 'https://api.example/track', transport,
      body: JSON.stringify({ events }), events: events.length }], persist: true };
  }
  configError() { return this.error; }
  start(...a) {
    this.rec('start', a);
    return this.fx({ identity: { session: 's-1', profile: null, device: 'd-1', sessionTtlS: 1800 } });
  }
  // The tab protocol (a lone tab: the fake leads at once, as the real core does without locks or
  // storage; tests queue `extra.tabs` effects to drive the host's I/O).
  joinTabs(...a) { this.rec('joinTabs', a); return this.fx({ tabs: { replay: 1, leader: true } }); }
  // Every other fact (tabs.js FACT): kept calls (7) are released at once (the real core waits for
  // the write that holds them).
  tabFact(op, a, ...rest) {
    this.rec('tabFact', [op, a, ...rest]);
    if (op === 7) return this.fx({ tabs: { remove: a.split('\x1e').filter(Boolean) } });
    return this.fx();
  }
  // The session to write to the cookie: the last one the fake's effects named, once, where the
  // cookie does not hold it (the real rule, slides and idle expiry included, is the core's:
  // wasm/tests/tabs_test.cpp SessionCookie).
  sessionCookie(cookie, ...a) {
    this.rec('sessionCookie', [cookie, ...a]);
    if (!this.session || cookie === this.session || this.cookieWritten === this.session) return '';
    this.cookieWritten = this.session;
    return this.session;
  }
  setContext(...a) { this.rec('setContext', a); }
  setPageContext(...a) { this.rec('setPageContext', a); }
  setPayloadOptions(...a) { this.rec('setPayloadOptions', a); }
  track(type, props, opts, wall, mono, created, ...r) {
    this.rec('track', [type, props, opts, wall, mono, created, ...r]);
    if (this.trackResult !== null) return this.trackResult;
    if (!type) { this.last = 'track(type): event type must be a non-empty string'; return -1; }
    this.lastId = 'evt-' + this.calls.length;
    const o = opts ? JSON.parse(opts) : {};
    this.queue.push({ id: this.lastId, type, created });
    if (o.fire) {
      const ev = this.queue.pop();
      this.extra.send = [{ id: this.nextId++, url: 'https://api.example/track', transport: 'fetch',
        body: JSON.stringify({ events: [ev] }), events: 1 }];
      return 1 | 2;
    }
    return 2 | (this.loaded ? 4 : 0);
  }
  // Same record format as the real core (wasm/include/tracker/batch.hpp); runs track() per record.
  trackBatch(records) {
    if (this.throwOn === 'trackBatch') throw new Error('RuntimeError: Aborted(fake)');
    let out = '';
    for (const rec of records.split('\x1e').slice(0, -1)) {
      const f = rec.split('\x1f');
      const r = this.track(JSON.parse(f[0]), f[1], f[2], +f[3], +f[4], +f[5], +f[6], +f[7], +f[8],
        +f[9]);
      out += r + '\x1f' + (r < 0 ? this.lastError() : this.lastEventId()) + '\x1e';
    }
    return out;
  }
  lastError() { return this.last || ''; }
  lastEventId() { return this.lastId || ''; }
  onLoad(wall, mono) { this.rec('onLoad', [wall, mono]); this.loaded = true; return this.fx(this.sendAll()); }
  onHidden(wall, mono) {
    this.rec('onHidden', [wall, mono]);
    return this.fx({ ...this.sendAll('keepalive'), persist: true });
  }
  onNavigate(wall, mono) {
    this.rec('onNavigate', [wall, mono]);
    return this.fx({ ...this.sendAll('keepalive'), persist: true });
  }
  onPageLeave(wall, mono) {
    this.rec('onPageLeave', [wall, mono]);
    return this.fx({ ...this.sendAll('keepalive'), persist: true });
  }
  onVisible(wall, mono) { this.rec('onVisible', [wall, mono]); return this.fx(); }
  setOnline(on, wall, mono) { this.rec('setOnline', [on, wall, mono]); return this.fx(); }
  flush(wall, mono) { this.rec('flush', [wall, mono]); return this.fx(this.sendAll()); }
  onWake(wall, mono, ...r) { this.rec('onWake', [wall, mono, ...r]); return this.fx(); }
  onResponse(...a) { this.rec('onResponse', a); return this.fx({ persist: true }); }
  takeEffects() { this.rec('takeEffects', []); return this.fx(); }
  snapshot() { this.rec('snapshot', []); return JSON.stringify({ v: 1, events: this.queue }); }
  restore(...a) { this.rec('restore', a); return this.fx(); }
  stats() { return JSON.stringify({ queued: this.queue.length }); }
  fates() { return ''; }  // the real core's fate log: real-core.test.js
  delete() { this.deleted = true; }
  named(name) { return this.calls.filter((c) => c[0] === name); }
}
FakeCore.instances = [];

// A module shaped like the binding's (wasm/bindings/embind.cpp): free functions taking the
// core's address first, create/destroy for its life; each address maps to a CoreClass instance.
export function fakeModule(CoreClass = FakeCore) {
  const cores = new Map();
  let next = 8;
  const M = {
    ...CONTRACT,
    create(optionsJson) { cores.set(next += 8, new CoreClass(optionsJson)); return next; },
    destroy(self) { cores.get(self).delete(); cores.delete(self); },
    // The binding's folded functions (core-handle.js PAGE, SET, GET), dispatched to the named methods.
    page(self, op, ...args) { return cores.get(self)[PAGE[op]](...args); },
    set(self, op, json) { return cores.get(self)[SET[op]](json); },
    get(self, op) { return cores.get(self)[GET[op]](); },
  };
  for (let p = CoreClass.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || name === 'delete' || name in M) continue;
      M[name] = (self, ...args) => cores.get(self)[name](...args);
    }
  }
  return M;
}

export function fakeFactory({ fail } = {}) {
  return async () => {
    if (fail) throw fail;
    return fakeModule(FakeCore);
  };
}

export const tick = () => new Promise((r) => setImmediate(r));
// The calls pages kept for a source (stub.js persistCalls: one key per write under its prefix):
// every page record, oldest key first, or null when no key holds any.
export function keptPages(storage, source = 'src-1') {
  const prefix = 'wasm-tracker:kept:v1:' + encodeURIComponent(source) + ':';
  const keys = [];
  for (let i = 0; i < storage.length; i++) if (storage.key(i)?.startsWith(prefix)) keys.push(storage.key(i));
  return keys.length ? keys.sort().map((k) => JSON.parse(storage.getItem(k))) : null;
}

export const OPTIONS = { tracker: { url: { script: '//cdn.example/tracker', api: 'https://api.example' },
  source: { id: 'src-1' } } };
