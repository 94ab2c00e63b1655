// Minimal fakes of the browser and of the wasm core for the glue's unit tests. Only what the
// glue touches; anything else is left undefined so accidental use fails loudly.
import { webcrypto } from 'node:crypto';

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
  setItem(k, v) {
    if (this.throwOnSet) {
      const e = new Error('The quota has been exceeded.');
      e.name = this.throwOnSet;
      throw e;
    }
    this.writes.push([k, String(v)]);
    this.map.set(k, String(v));
  }
  removeItem(k) { this.map.delete(k); }
  get length() { return this.map.size; }
  key(i) { return [...this.map.keys()][i] ?? null; }
}

// One browser's Web Locks, BroadcastChannels and localStorage, shared by the fake envs (tabs) that
// are given it (fakeEnv({browser})). Locks are granted in request order, one holder at a time.
export function fakeBrowser() {
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
  return { locks, BroadcastChannel, storage: new FakeStorage(), held };
}

export function fakeDocument({ readyState = 'complete', href = 'https://shop.example/p/1?x=1#top' } = {}) {
  const doc = new FakeEventTarget();
  doc.readyState = readyState;
  doc.visibilityState = 'visible';
  doc.title = 'Product 1';
  doc.referrer = '';
  doc.baseURI = href;
  doc.currentScript = null;
  doc.jar = new Map();
  doc.cookieWrites = [];
  Object.defineProperty(doc, 'cookie', {
    get() { return [...doc.jar].map(([k, v]) => `${k}=${v}`).join('; '); },
    set(text) {
      doc.cookieWrites.push(text);
      const [pair] = text.split(';');
      const eq = pair.indexOf('=');
      doc.jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
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

// fetchImpl(url, init) -> response-like or throws; default 200 {}.
export function fakeEnv(opts = {}) {
  const logs = { log: [], info: [], warn: [], error: [], debug: [] };
  const con = {};
  for (const k of Object.keys(logs)) con[k] = (...a) => logs[k].push(a);
  const href = opts.href || 'https://shop.example/p/1?x=1#top';
  const doc = opts.document || fakeDocument({ readyState: opts.readyState, href });
  const win = new FakeEventTarget();
  win.screen = { width: 1920, height: 1080, availWidth: 1920, availHeight: 1050, colorDepth: 24,
    pixelDepth: 24, orientation: { type: 'landscape-primary' } };
  win.innerWidth = 1200;
  win.innerHeight = 800;
  win.history = { length: 2 };
  win.setTimeout = (fn, ms) => globalThis.setTimeout(fn, ms);
  // A browser of its own unless given one (several tabs of one browser); {locks: false} for none.
  const browser = opts.browser || fakeBrowser();
  if (opts.BroadcastChannel !== null) win.BroadcastChannel = browser.BroadcastChannel;
  // The loader snippet reads the window itself (no env): same WebAssembly as env.WebAssembly.
  win.WebAssembly = opts.WebAssembly === undefined ? WebAssembly : opts.WebAssembly;
  const u = new URL(href);
  const location = { href, protocol: u.protocol, host: u.host, pathname: u.pathname, search: u.search, hash: u.hash };
  const storage = opts.localStorage === null ? null : (opts.localStorage || browser.storage);
  const fetchCalls = [];
  let clock = opts.clock ?? 1000;
  let wallShift = 0;
  const env = {
    window: win,
    document: doc,
    navigator: { userAgent: 'Mozilla/5.0 Chrome/156', language: 'en-US', onLine: true,
      cookieEnabled: true, platform: 'Linux x86_64', product: 'Gecko', appVersion: '5.0',
      doNotTrack: null, ...(opts.locks === false ? {} : { locks: browser.locks }), ...(opts.navigator || {}) },
    location,
    console: con,
    performance: { timeOrigin: 1_700_000_000_000, now: () => clock },
    Date: { now: () => 1_700_000_000_000 + clock + wallShift },
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
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (id) => globalThis.clearTimeout(id),
    queueMicrotask: (fn) => queueMicrotask(fn),
    localStorage: () => storage,
  };
  return {
    env, logs, fetchCalls, storage, document: doc, window: win,
    advance(ms) { clock += ms; },
    // The device sleeps or the user changes the clock: only the wall clock moves.
    shiftWall(ms) { wallShift += ms; },
    get clock() { return clock; },
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
  observeSession(...a) { this.rec('observeSession', a); }
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
export const OPTIONS = { tracker: { url: { script: '//cdn.example/tracker', api: 'https://api.example' },
  source: { id: 'src-1' } } };
