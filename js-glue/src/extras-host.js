// Loads the extras chunk (entries/extras.js: UX widgets, auto.triggers, the GPU probe, SPA page
// views, external link decoration) once, the first time a page needs it, and runs what needs it. loadExtras() -> Promise of the chunk: an
// import() of dist/liliput.min.extras.js (named from the script) next to the tracker script, or the npm entry's own import().
import { readContextSources } from './context-sources.js';

export function createExtras(env, options, loadExtras) {
  const t = options?.tracker || {};
  let chunk = null;
  let injector = null;
  const offs = [];  // unwire functions of what the chunk wired
  let stopped = false;
  const load = () => chunk || (chunk = (loadExtras ? Promise.resolve().then(loadExtras)
    : Promise.reject(new Error('no extras loader'))).catch((e) => {
    env.console.warn('[Tracker] The extras chunk (<script>.extras.js, next to the tracker script) did not load; ' +
      'UX widgets, auto.triggers, pageViews and trackExternalLinks are off:', e?.message);
    throw e;
  }));
  const contextExtra = readContextSources(env, options);
  // run(fn): fn(the chunk) once it arrives, unless stopped meanwhile.
  const run = (fn) => load().then((m) => { if (!stopped) fn(m); }).catch(() => { /* warned once */ });
  // wire(name, ...args): the chunk's m[name](env, ...args); stop() unwires it.
  const wire = (name, ...args) => run((m) => offs.push(m[name](env, ...args)));
  return {
    contextExtra,
    wire,
    // Response `ux` widgets (core effects).
    onUx(items) { run((m) => (injector || (injector = m.createUxInjector(env, t)))(items)); },
    // After the core started: late context parts, and auto.triggers once the DOM is parsed.
    start(refresh, track) {
      if (contextExtra.later) run((m) => m.startContextSources(env, options, contextExtra, refresh));
      const triggers = t.auto?.triggers;
      if (Array.isArray(triggers) && triggers.length) wire('wireAutoTriggers', triggers, track);
    },
    stop() {
      stopped = true;
      while (offs.length) offs.pop()();
    },
  };
}
