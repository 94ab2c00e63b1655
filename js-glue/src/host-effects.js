// Performs the effects a core call returns (docs/design.md "Binding contract"): each field goes
// to the unit that performs it. Every core call that returns effects hands over all of them, so a
// fire event the core sent is in this batch of effects or was not sent now.
import { parseOr } from './util.js';

// Body text as an object for the console (expandable), or as it came when it is not JSON.
const forConsole = (text) => (text ? parseOr(text, text) : null);

// x: {con, debug, log(level, msg), slip(e) (a glue exception, said once), send (transport),
//    answers, identity, persist, tabs() (tabs.js or null), RS, US, wake(at), answered(s, r),
//    onUx?, onReady?}
export function createEffects(x) {
  const { con, send, answers, persist, debug } = x;
  let readyFired = false;

  // A send the glue could not start is no request on the wire: the core hears "no answer" (a
  // microtask later, outside this apply) and retries it, instead of awaiting an answer that never
  // comes while a hidden page's snapshot leaves its events to the browser.
  function dispatch(s) {
    let waiting = [];
    new Promise((sent) => {
      if (debug) con.debug(`[Tracker] /track request #${s.id} (${s.transport}):`, forConsole(s.body));
      waiting = answers.carried(s.body);
      sent(send(s));
    }).catch((e) => {
      x.slip(e);
      return send.none;
    }).then((r) => {
      // Even when the core died meanwhile: the page still gets this request's answer.
      answers.answer(waiting, r);
      x.answered(s, r);  // first: the core hears its answer whatever the page's console does
      if (debug) each(() => con.debug(`[Tracker] /track response #${s.id}:`, r.status, forConsole(r.body)));
    });
  }

  // One effect's glue exception (a widget renderer's, a timer or lock API a page replaced) costs
  // that effect only: a send cut by it would strand its events, a read the election waits for.
  const each = (f) => { try { f(); } catch (e) { x.slip(e); } };

  function perform(fx, later) {
    if (fx.log) for (const l of fx.log) x.log(l.level, l.msg);
    if (fx.identity) {
      x.identity.update(fx.identity);  // an assignment: what the page's listeners read
      each(persist.schedule);
    }
    if ('wake' in fx) each(() => x.wake(fx.wake));
    if (fx.abort) for (const id of fx.abort) each(() => send.abort(id));
    if (fx.send) for (const s of fx.send) each(() => dispatch(s));
    if (fx.tabs) {
      if ('leader' in fx.tabs) persist.lead(!!fx.tabs.leader);
      each(() => x.tabs()?.perform(fx.tabs, x.RS, x.US, (f) => later.push(f)));
    }
    if (fx.persist) each(() => {
      persist.due();
      persist.schedule();
    });
    if (fx.ux) each(() => x.onUx?.(fx.ux));  // widgets: the extras chunk (ux.js)
    if (fx.ready && !readyFired) {
      readyFired = true;
      try { x.onReady?.(fx.ready.context ?? null); } catch (e) {
        con.error('[Tracker] onTracardiReady listener failed:', e);
      }
    }
  }

  return function apply(text) {
    const fx = text && text !== '{}' && parseOr(text);
    const later = [];
    if (fx) perform(fx, later);
    answers.settleRest();
    // Reads the tab protocol asked for, reported once this effect is applied.
    for (const f of later) each(f);
  };
}
