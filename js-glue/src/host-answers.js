// The answers fire events' callers await. The glue only correlates, it decides nothing: the event
// id (trackBatch row) -> the request whose body carries it (send effect) -> that request's answer.
// An id still waiting once the core's effects are applied was not sent now: status 0.
import { noAnswer, parseOr } from './util.js';

export const settle = (resolve, value = noAnswer()) => resolve?.(value);

export function createAnswers() {
  const awaiting = new Map();  // event id -> resolve
  // Fires the core holds for the visitor's consent: answered when sent, not when an effect passes.
  const held = new Map();
  const take = (id) => {
    const resolve = awaiting.get(id) || held.get(id);
    awaiting.delete(id);
    held.delete(id);
    return resolve;
  };

  return {
    expect(id, resolve, hold) { (hold ? held : awaiting).set(id, resolve); },
    // An event of this crossing the core sent no request for now (backoff, fire cap, offline).
    unsent(id) {
      settle(awaiting.get(id));
      awaiting.delete(id);
    },
    // The resolves of the events a request body carries, taken out: they get its answer.
    carried(body) {
      const events = (awaiting.size || held.size) && parseOr(body)?.events;
      return Array.isArray(events) ? events.map((e) => take(e?.id)).filter(Boolean) : [];
    },
    // A request's answer to the callers whose events it carried. A handed-off beacon has no
    // answer either: status 0.
    answer(waiting, r) {
      if (!waiting.length) return;
      const status = r.status > 0 ? r.status : 0;
      const data = status ? parseOr(r.body) : null;
      for (const resolve of waiting) settle(resolve, { status, ok: status >= 200 && status < 300, data });
    },
    // Every event not sent by the effects just applied.
    settleRest(all) {
      for (const resolve of awaiting.values()) settle(resolve);
      awaiting.clear();
      if (!all) return;
      for (const resolve of held.values()) settle(resolve);
      held.clear();
    },
  };
}
