// The `helpers` object Tracardi passed to onTracardiReady listeners (and onInit): track that
// always fires, plus small DOM listener helpers. Only calls back into the tracker's track().

// A selector, an element or a list of them (NodeList, array): the elements that take listeners.
function targets(env, element) {
  try {
    return Array.from(typeof element === 'string' ? env.document.querySelectorAll(element)
      : typeof element?.addEventListener === 'function' ? [element] : element)
      .filter((el) => typeof el?.addEventListener === 'function');
  } catch { return []; }  // nothing usable (or a selector the browser refuses)
}

export function createHelpers(env, track) {
  function addListener(element, eventName, fn) {
    const list = targets(env, element);
    const types = String(eventName).split(/[\s,]+/).filter(Boolean);
    for (const el of list) for (const t of types) el.addEventListener(t, fn);
    return function remove() {
      for (const el of list) for (const t of types) el.removeEventListener(t, fn);
    };
  }
  return {
    // Tracardi's helper forced fire:true: the event leaves at once in its own request.
    track(type, properties, options) {
      return track(type, properties, { ...(typeof options === 'object' && options), fire: true });
    },
    onClick(element, fn) { return addListener(element, 'click', fn); },
    addListener,
  };
}
