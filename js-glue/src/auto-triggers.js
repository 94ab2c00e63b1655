// options.tracker.auto.triggers (Tracardi 2024-03): [{tag, trigger, data: {event, properties?,
// options?}}] on the elements `[data-tracardi-tag="<tag>"]` present when the tracker starts. As in
// Tracardi's tracker, each trigger event is sent at once (fire), with data.properties, and
// data.options as the event's options:
// - onVisible: when at least 10 % of the element is in the viewport; once per element.
// - onTextSelect: a mouseup/touchend that leaves text selected; properties.text = the selection.
// - onMouseOver: the pointer moves over the element while text is selected; properties.text.
// The same selection is not sent twice for one element and trigger (Tracardi's sent one event
// per mouseover/touch event, a flood for one gesture). Lives in the lazily loaded extras chunk.

const isObject = (v) => !!v && typeof v === 'object' && !Array.isArray(v);

function selectedText(w) {
  try {
    const s = typeof w?.getSelection === 'function' ? w.getSelection() : null;
    return s ? String(s.toString()) : '';
  } catch { return ''; }
}

// Returns a function removing every listener and observer. While the document is parsed, the
// tagged elements may not exist yet: wired once DOMContentLoaded fired.
export function wireAutoTriggers(env, triggers, track) {
  const doc = env.document;
  if (doc?.readyState !== 'loading') return wire(env, triggers, track);
  let off = null;
  const go = () => { off = wire(env, triggers, track); };
  doc.addEventListener('DOMContentLoaded', go, { once: true });
  return () => (off ? off() : doc.removeEventListener('DOMContentLoaded', go));
}

function wire(env, triggers, track) {
  const doc = env.document;
  const w = env.window;
  const offs = [];
  if (!doc || !Array.isArray(triggers) || typeof doc.querySelectorAll !== 'function') return () => {};
  const send = (data, extra) => {
    const props = { ...(isObject(data.properties) ? data.properties : {}), ...extra };
    track(data.event, props, { ...(isObject(data.options) ? data.options : {}), fire: true });
  };
  let observer = null;
  const visible = new Map();  // element -> [data] still waiting to be seen
  const tagged = Array.from(doc.querySelectorAll('[data-tracardi-tag]'));

  for (const t of triggers) {
    if (!isObject(t) || typeof t.tag !== 'string' || !isObject(t.data) ||
      typeof t.data.event !== 'string' || !t.data.event) {
      env.console.warn('[Tracker] options.tracker.auto.triggers item skipped: it needs ' +
        '{tag, trigger, data: {event}}', t);
      continue;
    }
    const els = tagged.filter((el) => el.getAttribute('data-tracardi-tag') === t.tag);
    if (t.trigger === 'onVisible') {
      if (!observer) {
        const IO = w?.IntersectionObserver;
        if (typeof IO !== 'function') continue;
        observer = new IO((entries) => {
          for (const entry of entries) {
            if (!entry.isIntersecting || !visible.has(entry.target)) continue;
            const list = visible.get(entry.target);
            visible.delete(entry.target);
            observer.unobserve(entry.target);
            for (const data of list) send(data, {});
          }
        }, { threshold: 0.1 });
        offs.push(() => observer.disconnect());
      }
      for (const el of els) {
        if (!visible.has(el)) { visible.set(el, []); observer.observe(el); }
        visible.get(el).push(t.data);
      }
    } else if (t.trigger === 'onTextSelect' || t.trigger === 'onMouseOver') {
      const types = t.trigger === 'onTextSelect' ? ['mouseup', 'touchend'] : ['mouseover'];
      for (const el of els) {
        let last = '';
        const handler = () => {
          const text = selectedText(w);
          if (!text || text === last) return;
          last = text;
          send(t.data, { text });
        };
        for (const type of types) {
          el.addEventListener(type, handler, { passive: true });
          offs.push(() => el.removeEventListener(type, handler));
        }
      }
    } else {
      env.console.warn(`[Tracker] options.tracker.auto.triggers: unknown trigger "${t.trigger}" ` +
        '(onVisible, onTextSelect, onMouseOver)');
    }
  }
  return () => { for (const off of offs) off(); };
}
