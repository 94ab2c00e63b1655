// One sender per browser (docs/design.md "Persistence across tabs"): elects the leader tab for a
// source and carries hand-overs between tabs. Facts only (this tab leads or not, another tab
// handed events over); what a core does with them is the core's decision.
//
// Election: the Web Locks API (the tab granted the lock leads until it goes away); without it a
// lease in localStorage; without either the tab leads itself (no shared storage: nothing to
// merge, nothing to copy). Messages: BroadcastChannel; without it, and on pagehide, a hand-over
// is written to a mailbox key (one key per hand-over, written once) that the leader takes in on
// its `storage` event or on election.
//
// Back/forward cache: a cached page that holds the lock or waits for it is evicted when another
// page asks for it (Chromium: `weblocks-contention`), and so is one that receives a channel
// message (`broadcastchannel-message`). At pagehide the tab resigns (a leader is demoted and lets
// the lock go, a follower aborts its request, the channel closes); at pageshow it joins again, a
// follower until elected, so two tabs never both lead.
import { LEASE_MS, LEASE_RENEW_MS, HANDOVER_RESEND_MS, ELECTION_SETTLE_MS } from './limits.js';
import { mailboxPrefix } from './storage.js';
import { lsGet, lsSet, lsRemove } from './env.js';
import { parseOr } from './util.js';

// base: the storage/lock name of this source. on: {role(leader), handover(snapshotText)}.
// rnd: the host's entropy (util.js createEntropy), for this tab's id.
export function createTabs(env, base, on, rnd) {
  const w = env.window || {};
  const nav = env.navigator;
  const locks = typeof nav?.locks?.request === 'function';
  const tab = rnd().toString(36) + rnd().toString(36);
  const mailbox = mailboxPrefix(base);
  const leaseKey = base + ':lease';
  const pending = new Map();  // n -> snapshot text not yet adopted by a leader
  const adopted = new Set();  // `${from}:${n}` this leader took in over the channel
  let n = 0;
  let leader = false;
  let stopped = false;
  let leaving = false;
  let resigned = false;  // gave the election up at pagehide, until pageshow
  let parting = false;   // a leader's demotion at pagehide whose queue the shared key holds
  let leasing = false;   // the election is the lease (no Web Locks)
  let release = null;
  let timer = null;
  let resend = null;
  let ctl = null;        // the AbortController of this tab's current lock request
  let channel = null;

  function become(v) {
    if (v === leader || stopped) return;
    leader = v;
    on.role(v);
    // What this tab handed over before it was elected is its own to keep now.
    if (v) for (const [k, text] of pending) { pending.delete(k); on.handover(text); }
  }

  function post(k) {
    try { channel.postMessage({ h: pending.get(k), f: tab, n: k }); } catch { /* closed */ }
  }

  function repost() {
    resend = null;
    if (stopped || leader || !pending.size) return;
    for (const k of pending.keys()) post(k);
    resend = env.setTimeout(repost, HANDOVER_RESEND_MS);
  }

  const toMailbox = (k, text) => lsSet(env, mailbox + tab + ':' + k, text);

  function onMessage(e) {
    const m = e.data;
    if (!m || stopped) return;
    if (m.h && leader) {
      // A re-post whose first copy this leader took (its reply crossed it) is not taken again.
      const k = m.f + ':' + m.n;
      if (!adopted.has(k)) on.handover(m.h);
      adopted.add(k);
      channel.postMessage({ a: m.n, t: m.f });
    } else if (m.t === tab) {
      pending.delete(m.a);
    }
  }

  // Out of the election: the lock (held or asked for), the lease timer and the channel let go.
  function quit() {
    release?.();
    release = null;
    ctl?.abort();
    ctl = null;  // a grant for the aborted request is handed back (request())
    env.clearTimeout(timer);
    channel?.close();
    channel = null;
  }

  // The leader takes in a hand-over once: over the channel, or from a mailbox key.
  const onStorage = ({ key, newValue }) => {
    if (!leader || !newValue || !key?.startsWith(mailbox)) return;
    if (!adopted.has(key.slice(mailbox.length))) on.handover(newValue);
    lsRemove(env, key);
  };
  w.addEventListener?.('storage', onStorage);

  function lease() {
    timer = null;
    if (stopped) return;
    const now = Date.now();
    const cur = parseOr(lsGet(env, leaseKey));  // unreadable: treated as free
    const mine = cur?.tab === tab;
    if (mine || !cur || !(cur.until > now)) lsSet(env, leaseKey, JSON.stringify({ tab, until: now + LEASE_MS }));
    // Leads only once a renewal finds its own earlier write still there: two tabs taking an
    // expired lease at once both write, and only the last write survives to be read back.
    become(mine && cur.until > now);
    timer = env.setTimeout(lease, LEASE_RENEW_MS);
  }

  function fallback() {
    if (resigned) return;  // asks again at pageshow
    if (env.localStorage()) { leasing = true; lease(); } else become(true);
  }

  function request() {
    const c = ctl = new env.AbortController();
    const asked = Date.now();
    nav.locks.request(base, { signal: c.signal }, () => new Promise((r) => {
      // Granted after this request was given up (pagehide, destroy: quit()): handed straight
      // back, or a cached page would hold it.
      if (c !== ctl) return r();
      release = r;
      // Granted after a wait: the last leader's final writes may still be on their way here.
      if (Date.now() - asked < ELECTION_SETTLE_MS) become(true);
      else env.setTimeout(() => release === r && become(true), ELECTION_SETTLE_MS);
    })).catch(() => { if (c === ctl && !release) fallback(); });
  }

  // Joins the election: at start, and again at pageshow after a resign.
  function join() {
    try {
      channel = new w.BroadcastChannel(base);
      channel.onmessage = onMessage;
    } catch { /* none: mailbox keys only */ }
    if (leasing) lease();
    else if (locks) request();
    else env.queueMicrotask(fallback);
  }
  join();

  return {
    get leader() { return leader; },
    mailbox,
    // A follower's handover effect: posted until a leader says it adopted it.
    handOver(text) {
      // A leader resigning at pagehide after writing the shared key: its queue is there already.
      if (parting) return;
      const k = ++n;
      if (leader) { on.handover(text); return; }
      if (!channel || leaving) { if (toMailbox(k, text)) return; }
      pending.set(k, text);
      if (channel && !leaving) post(k);
      if (!resend) resend = env.setTimeout(repost, HANDOVER_RESEND_MS);
    },
    // pagehide: un-adopted hand-overs (and any made from now on) go to mailbox keys, once.
    leave() {
      leaving = true;
      for (const [k, text] of pending) if (toMailbox(k, text)) pending.delete(k);
    },
    // pagehide, after the core's page leave: the page may go into the back/forward cache, where it
    // must neither hold nor wait for the lock nor hear the channel. A leader is demoted first (its
    // pending events were just written to the shared key, which the next leader reads; `stored`
    // false: that write failed, so they go to a mailbox), then lets the lock or lease go. Events
    // tracked after this (a later pagehide listener) are a follower's: mailbox keys.
    resign(stored) {
      // A tab that leads with neither lock nor lease (no storage) has nothing to give up.
      if (resigned || (leader && !release && !leasing)) return;
      resigned = true;
      // The lease (if this tab's) is freed so the next page need not wait for it to expire.
      if (leasing && parseOr(lsGet(env, leaseKey))?.tab === tab) lsRemove(env, leaseKey);
      parting = stored;
      become(false);
      parting = false;
      quit();  // after the demotion's writes: the next leader reads them when granted
    },
    // pageshow (persisted) or visible again: back in the election, a follower until elected.
    show() {
      leaving = false;
      if (!resigned || stopped) return;
      resigned = false;
      join();  // un-adopted hand-overs: the resend timer still runs while any are pending
    },
    destroy() {
      stopped = true;
      quit();
      env.clearTimeout(resend);
      w.removeEventListener?.('storage', onStorage);
    },
  };
}
