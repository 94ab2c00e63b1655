// One sender per browser (docs/design.md "Persistence across tabs"): elects the leader tab for a
// source and carries hand-overs between tabs. Facts only (this tab leads or not, another tab
// handed events over); what a core does with them is the core's decision.
//
// Election: the Web Locks API (the tab granted the lock leads until it goes away); without it a
// lease in localStorage; without either the tab leads itself (no shared storage: nothing to
// merge, nothing to copy). Messages: BroadcastChannel; without it, and on pagehide, a hand-over
// is written to a mailbox key (one key per hand-over, written once) that the leader takes in on
// its `storage` event or on election.
import { LEASE_MS, LEASE_RENEW_MS, HANDOVER_RESEND_MS } from './limits.js';
import { mailboxPrefix } from './storage.js';
import { lsGet, lsSet, lsRemove } from './env.js';
import { parseOr } from './util.js';

// base: the storage/lock name of this source. on: {role(leader), handover(snapshotText)}.
// rnd: the host's entropy (util.js createEntropy), for this tab's id.
export function createTabs(env, base, on, rnd) {
  const w = env.window || {};
  const nav = env.navigator;
  const tab = rnd().toString(36) + rnd().toString(36);
  const mailbox = mailboxPrefix(base);
  const leaseKey = base + ':lease';
  const pending = new Map();  // n -> snapshot text not yet adopted by a leader
  const adopted = new Set();  // `${from}:${n}` this leader took in over the channel
  let n = 0;
  let leader = false;
  let stopped = false;
  let leaving = false;
  let release = null;
  let timer = null;
  let resend = null;
  const abort = new env.AbortController();
  let channel = null;
  try { channel = new w.BroadcastChannel(base); } catch { /* none: mailbox keys only */ }

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

  if (channel) {
    channel.onmessage = (e) => {
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
    };
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

  const fallback = () => (env.localStorage() ? lease() : become(true));

  if (typeof nav?.locks?.request === 'function') {
    nav.locks.request(base, { signal: abort.signal }, () => new Promise((r) => {
      release = r;
      if (stopped) r(); else become(true);
    })).catch(() => { if (!stopped && !release) fallback(); });
  } else {
    env.queueMicrotask(fallback);
  }

  return {
    get leader() { return leader; },
    mailbox,
    // A follower's handover effect: posted until a leader says it adopted it.
    handOver(text) {
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
      if (leader && timer !== null) {
        // A lease leader gives the lease up so the next tab need not wait for it to expire.
        lsRemove(env, leaseKey);
      }
    },
    show() { leaving = false; },
    destroy() {
      stopped = true;
      release?.();
      abort.abort();
      env.clearTimeout(timer);
      env.clearTimeout(resend);
      w.removeEventListener?.('storage', onStorage);
      try { channel.close(); } catch { /* none */ }
    },
  };
}
