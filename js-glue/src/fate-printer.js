// The debug printer (the extras chunk, loaded only with the debug switch: fates.js): prints each
// event's new steps as the core records them, one console message per event, one line per step.
// It reads the core's fate log (inspect) every POLL_MS: the core keeps no listener list for it,
// and a page without the switch runs none of this.
import { groupFates } from './fates.js';

const POLL_MS = 250;

// Why each drop reason happens, in a visitor's words (the reasons: fates.hpp).
const WHY = {
  queue_full: 'the queue was full: the oldest unsent events went',
  expired: 'undelivered for 24 h',
  max_attempts: 'its retry budget was used up',
  too_large: 'the server refused it as too large (HTTP 413)',
  consent: 'the visitor did not consent',
  superseded: 'the last leader tab had sent it already',
  handover_bound: 'too many hand-overs to the leader tab were waiting',
};

export function describe(s) {
  switch (s.step) {
    case 'queued': return s.fire ? 'queued (fire: sent alone, at once)' : 'queued';
    case 'held': return "held until the visitor's consent";
    case 'restored': return 'taken in from storage (an earlier page, or another tab)';
    case 'sent': return `sent on request ${s.request} (${s.transport})`;
    case 'acked': return `delivered (HTTP ${s.status})`;
    case 'beacon': return 'given to sendBeacon (the browser does not say whether it arrived)';
    case 'retry': return `to retry: ${s.status ? `HTTP ${s.status}` : 'no answer'}, next try in ` +
      `${(s.wait / 1000).toFixed(1)} s (attempt units used: ${s.attempts ?? '-'})`;
    case 'handed': return 'handed over to the leader tab, which sends it';
    case 'dropped': {
      const refused = /^rejected_(\d+)$/.exec(s.reason || '');
      return `dropped: ${refused ? `refused by the server (HTTP ${refused[1]})` : WHY[s.reason] || s.reason}` +
        (s.detail ? `: ${s.detail}` : '');
    }
    default: return s.step;
  }
}

const time = (at) => new Date(at).toISOString().slice(11, 23);

// inspect(): the log's text, or null. Returns the function that stops it.
export function wireFatePrinter(env, inspect) {
  let last = '';  // the last line printed
  const types = new Map();  // event id -> its type, from its first step (printed earlier)
  const print = () => {
    const text = inspect();
    if (!text) return;
    // Lines after the last one printed (trimmed past it: every line is newer).
    const at = last ? text.lastIndexOf(last) : -1;
    const fresh = at < 0 ? text : text.slice(at + last.length);
    if (!fresh) return;
    last = text.slice(text.lastIndexOf('\n', text.length - 2) + 1);
    if (types.size > 5000) types.clear();
    for (const e of groupFates(fresh)) {
      if (e.type) types.set(e.id, e.type);
      env.console.log(`[Tracker] event ${types.get(e.id) || ''} ${e.id}\n` +
        e.steps.map((s) => `  ${time(s.at)} ${describe(s)}`).join('\n'));
    }
  };
  print();
  const timer = env.window.setInterval(print, POLL_MS);
  return () => env.window.clearInterval(timer);
}
