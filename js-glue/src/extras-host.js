// Loads the extras chunk (entries/extras.js: UX widgets, auto.triggers, the GPU probe) once, the
// first time a page needs it, and runs what needs it. loadExtras() -> Promise of the chunk: an
// import() of dist/tracker-extras.js next to the tracker script, or the npm entry's own import().
import { readContextSources, needsLater } from './context-sources.js';

export function createExtras(env, options, loadExtras) {
  const t = (options && options.tracker) || {};
  let chunk = null;
  let injector = null;
  let off = null;
  let stopped = false;
  const load = () => chunk || (chunk = (loadExtras ? Promise.resolve().then(loadExtras)
    : Promise.reject(new Error('no extras loader'))).catch((e) => {
    env.console.warn('[Tracker] The tracker extras (tracker-extras.js next to the tracker ' +
      'script) could not be loaded; UX widgets and auto.triggers are off:', e && e.message);
    throw e;
  }));
  const contextExtra = readContextSources(env, options);
  return {
    contextExtra,
    // Response `ux` widgets (core effects).
    onUx(items) {
      load().then((m) => {
        if (stopped) return;
        if (!injector) injector = m.createUxInjector(env, t);
        injector(items);
      }).catch(() => { /* warned once */ });
    },
    // After the core started: late context parts, and auto.triggers once the DOM is parsed.
    start(refresh, track) {
      if (needsLater(env, options, contextExtra)) {
        load().then((m) => { if (!stopped) m.startContextSources(env, options, contextExtra, refresh); })
          .catch(() => { /* warned once */ });
      }
      const triggers = t.auto && t.auto.triggers;
      if (!Array.isArray(triggers) || triggers.length === 0) return;
      const doc = env.document;
      const wire = () => load().then((m) => {
        if (!stopped) off = m.wireAutoTriggers(env, triggers, track);
      }).catch(() => { /* warned once */ });
      if (doc && doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', wire, { once: true });
      else wire();
    },
    stop() {
      stopped = true;
      if (off) off();
    },
  };
}
