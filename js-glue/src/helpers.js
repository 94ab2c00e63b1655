// The `helpers` object Tracardi passed to onTracardiReady listeners (and onInit): track that
// always fires, plus small DOM listener helpers. Only calls back into the tracker's track().

function targets(env, element) {
  if (typeof element === 'string') {
    const doc = env.document;
    return typeof doc?.querySelectorAll === 'function' ? Array.from(doc.querySelectorAll(element)) : [];
  }
  if (!element) return [];
  if (typeof element.addEventListener === 'function') return [element];
  if (typeof element.length === 'number') return Array.from(element);  // NodeList, array
  return [];
}

export function createHelpers(env, track) {
  function addListener(element, eventName, fn) {
    const list = targets(env, element).filter((el) => typeof el?.addEventListener === 'function');
    const types = String(eventName).split(/[\s,]+/).filter(Boolean);
    for (const el of list) for (const t of types) el.addEventListener(t, fn);
    return function remove() {
      for (const el of list) for (const t of types) el.removeEventListener(t, fn);
    };
  }
  return {
    // Tracardi's helper forced fire:true: the event leaves at once in its own request.
    track(type, properties, options) {
      const opts = options && typeof options === 'object' ? options : {};
      return track(type, properties, { ...opts, fire: true });
    },
    onClick(element, fn) { return addListener(element, 'click', fn); },
    addListener,
  };
}
