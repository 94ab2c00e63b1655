// The tab protocol's I/O (docs/design.md "Persistence across tabs"). Which tab leads, what is
// handed over, confirmed, written, read or released is the core's decision (wasm tab_protocol):
// this module only performs its `tabs` effects (Web Locks, BroadcastChannel, localStorage) and
// reports what happened as facts (`report(method, ...args)`: a core call whose effects the host
// applies).
//
// Back/forward cache: a cached page that holds the lock or waits for it is evicted when another
// page asks for it (Chromium: `weblocks-contention`), and so is one that receives a channel
// message (`broadcastchannel-message`): the core resigns at pagehide (lock released, channel left)
// and joins again at pageshow.
import { mailboxPrefix } from './storage.js';
import { lsGet, lsSet, lsRemove } from './env.js';

// The core's TabFact and LockFact numbers (wasm/include/tracker/tab_protocol.hpp).
export const FACT = { lock: 1, lease: 2, message: 3, storage: 4, stored: 5, persisted: 6, kept: 7,
  resign: 8, rejoin: 9, leave: 10, unwritten: 11, keptStored: 12, consent: 13, reset: 14, key: 15 };
// TabMessage::Kind::parting: a leader's last queue, posted by the core itself at a resign, or by
// this module for a core that died (stop).
const PARTING = 3;
const GRANTED = 0;
const UNAVAILABLE = 1;
const LOST = 2;

// base: the source's storage and lock name. storage: storage.js (readAll for an election).
// report(fact, a, b, n): a fact for the core (FACT; strings a, b and a number n as the core reads
// them); kept(): the kept calls were asked for; keptKeys(key): whether pages keep calls under it.
export function createTabs(env, base, storage, report, kept, keptKeys = () => false) {
  const w = env.window || {};
  const nav = env.navigator;
  const mailbox = mailboxPrefix(base);
  const caps = {
    locks: typeof nav?.locks?.request === 'function',
    channel: typeof w.BroadcastChannel === 'function',
    storage: !!env.localStorage(),
  };
  let channel = null;
  let listening = false;
  let ctl = null;      // the AbortController of this tab's lock request, while it waits or holds
  let release = null;  // resolves the held lock's promise

  const onMessage = (e) => {
    const m = e.data;
    // n: the hand-over number and the message kind in one number (the core's tabFact).
    if (m && typeof m === 'object') report(FACT.message, String(m.t ?? ''), String(m.h ?? ''), (m.n >>> 0) * 4 + (m.k & 3));
  };
  // Another tab's mailbox key (a hand-over written at its pagehide, or without a channel), the
  // shared queue as another tab wrote it (a last leader's late write), or calls a page kept (its
  // core never ran) written at its pagehide.
  const onStorage = ({ key, newValue }) => {
    if (!newValue) return;
    if (key === storage.key || key?.startsWith(mailbox)) report(FACT.storage, key, newValue);
    else if (key != null && keptKeys(key)) report(FACT.keptStored);
  };

  function letGo() {
    const c = ctl;
    const r = release;
    ctl = release = null;
    r?.();
    c?.abort();  // a request still waiting is withdrawn (no effect on a granted one)
  }

  function lock(op) {
    letGo();
    if (op === 'release') return;
    const c = ctl = new env.AbortController();
    // A steal takes the lock from a holder that answers nothing (suspended): granted at once.
    const opts = op === 'steal' ? { steal: true } : { signal: c.signal };
    nav.locks.request(base, opts, () => new Promise((r) => {
      // Granted after this request was given up: handed straight back (a cached page must not hold it).
      if (c !== ctl) return r();
      release = r;
      report(FACT.lock, '', '', GRANTED);
    })).catch(() => {
      if (c !== ctl) return;  // withdrawn by us
      const held = release;
      ctl = release = null;
      report(FACT.lock, '', '', held ? LOST : UNAVAILABLE);
    });
  }

  function join() {
    if (caps.channel && !channel) {
      try {
        channel = new w.BroadcastChannel(base);
        channel.onmessage = onMessage;
      } catch { channel = null; }
    }
    if (!listening) w.addEventListener?.('storage', onStorage);
    listening = true;
  }

  function leave() {
    channel?.close();
    channel = null;
    if (listening) w.removeEventListener?.('storage', onStorage);
    listening = false;
  }

  // Stored queues for an election: key FIELD text RECORD each (core onStored).
  const stored = (RS, US) => storage.readAll().map((s) => s.key + US + s.text + RS).join('');

  return {
    caps,
    // Performs one `tabs` effect. Reads it was asked for are reported after the writes, posts and
    // lock operations of the same effect (`later`: run by the host once this effect is applied).
    perform(t, RS, US, later) {
      // Asked for first: a lock API that throws below must not cost the election its read.
      if (t.read) later(() => report(FACT.stored, stored(RS, US)));
      if (t.lease) later(() => report(FACT.lease, lsGet(env, base + ':lease') || ''));
      if (t.replay) later(kept);
      // A write the storage refused (quota) is the core's to settle: a hand-over comes back.
      for (const [k, v] of t.write || []) if (!lsSet(env, k, v)) later(() => report(FACT.unwritten, k, v));
      for (const k of t.remove || []) lsRemove(env, k);
      // Posts before the channel is left: a resigning leader's parting message goes out first.
      if (t.join) join();
      for (const m of t.post || []) {
        try { channel?.postMessage(m); } catch { /* closed meanwhile */ }
      }
      if (t.leave) leave();
      if (t.lock && caps.locks) lock(t.lock);
    },
    // The core is gone (a trap) or destroyed: nothing of the election is held any more. A leader
    // whose core died posts the queue it last wrote (`parting`): the next leader's read of the
    // shared key may be older than that write, and the dead core cannot post it itself.
    stop(parting) {
      if (parting) {
        try { channel?.postMessage({ k: PARTING, t: '', n: 0, h: parting }); } catch { /* closed */ }
      }
      letGo();
      leave();
    },
  };
}
