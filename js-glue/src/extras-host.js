// Loads the extras chunk (entries/extras.js: UX widgets, auto.triggers, the GPU probe, SPA page
// views, external link decoration) once, the first time a page needs it, and runs what needs it. loadExtras() -> Promise of the chunk: an
// import() of dist/tracker-extras.js next to the tracker script, or the npm entry's own import().
import { readContextSources } from './context-sources.js';

export function createExtras(env, options, loadExtras) {
  const t = options?.tracker || {};
  let chunk = null;
  let injector = null;
  const offs = [];  // unwire functions of what the chunk wired
  let stopped = false;
  const load = () => chunk || (chunk = (loadExtras ? Promise.resolve().then(loadExtras)
    : Promise.reject(new Error('no extras loader'))).catch((e) => {
    env.console.warn('[Tracker] tracker-extras.js (next to the tracker script) did not load; ' +
      'UX widgets, auto.triggers, pageViews and trackExternalLinks are off:', e?.message);
    throw e;
  }));
  const contextExtra = readContextSources(env, options);
  // wire(name, ...args): the chunk's m[name](env, ...args) once it arrives; stop() unwires it.
  const wire = (name, ...args) => load().then((m) => {
    if (!stopped) offs.push(m[name](env, ...args));
  }).catch(() => { /* warned once */ });
  return {
    contextExtra,
    wire,
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
      if (contextExtra.later) {
        load().then((m) => { if (!stopped) m.startContextSources(env, options, contextExtra, refresh); })
          .catch(() => { /* warned once */ });
      }
      const triggers = t.auto?.triggers;
      if (Array.isArray(triggers) && triggers.length) wire('wireAutoTriggers', triggers, track);
    },
    stop() {
      stopped = true;
      while (offs.length) offs.pop()();
    },
  };
}
