// settings.beforeSend(event) (issue 22): the page's last look at each event before the tracker
// takes it in, to edit it (strip a field, mask a value) or drop it (return null). The event is
// {type, properties, options}, as given to track() (other keys of the answer are ignored); the
// hook gets a copy (JSON, as the core would encode it), so a hook that edits it and then fails
// leaves the call as the page made it. It sees every call where it enters the core: at once for
// a live call, when the core starts for calls made while it loaded (the loader stub's too), when
// they are replayed for calls an earlier page kept. A call the core could not take (it died) and
// that a later page replays is screened again there: a hook should accept its own output.
import { isFire, noAnswer } from './util.js';

// An object, or none (undefined or null): what track() takes as properties or options.
const isRecord = (v) => v === undefined || (typeof v == 'object' && !Array.isArray(v));

// screen([type, properties, options]) -> those to track (edited or not), or null: dropped. A hook
// that throws or answers anything but an event or null (a value that is no function included)
// leaves the call as it was, said once per page. Null when no hook is set: nothing is wrapped, a
// page without one pays nothing per call.
export function createScreen(con, settings) {
  const hook = settings?.beforeSend;
  let said = 0;
  let inHook = 0;
  return hook == null ? null : (args) => {
    // track() called by the hook itself: taken as called (screening it would loop).
    if (inHook) return args;
    try {
      inHook = 1;
      const e = hook(JSON.parse(JSON.stringify({ type: args[0], properties: args[1], options: args[2] })));
      if (e === null || (typeof e?.type == 'string' && e.type && isRecord(e.properties) && isRecord(e.options))) {
        return e && [e.type, e.properties, e.options];
      }
      throw 'not an event';
    } catch (x) {
      said++ || con.error('[Tracker] options.tracker.settings.beforeSend failed; the event goes as tracked:', x);
      return args;
    } finally {
      inHook = 0;
    }
  };
}

// Calls kept by a loader stub ({c: [[args, time, id], ...]} per page, stub.js) through screen.
export const screenPages = (screen, pages) => (screen ? pages.map((p) => (Array.isArray(p?.c) ? {
  ...p,
  c: p.c.flatMap((c) => {
    if (!Array.isArray(c?.[0])) return [c];  // malformed: host-intake.js skips it
    const a = screen(c[0]);
    return a ? [[a, ...c.slice(1)]] : [];
  }),
} : p)) : pages);

// The host's track() through screen. A dropped fire event's promise resolves with no answer
// (status 0), as every other call that is not sent.
export function screenHost(host, screen) {
  const { track } = host;
  if (screen) {
    host.track = (type, properties, options, ...at) => {
      const a = screen([type, properties, options]);
      const answer = a && track(...a, ...at);
      return isFire(options) ? answer || Promise.resolve(noAnswer()) : undefined;
    };
  }
}
