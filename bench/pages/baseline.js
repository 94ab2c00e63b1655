// The floor wasm-tracker is compared against: a hand-written plain-JS tracker speaking the same
// Tracardi /track envelope. track() only pushes onto an array (ids, times and the envelope are
// built when a request is made). One fetch at load; `fire` fetches that event alone at
// once; after load, events go out 50 at a time (from a zero-delay timer, never inside track()),
// 5 s after the oldest pending one, or on pagehide (keepalive fetch). No persistence, no retry,
// no queue bound: it does the least a tracker can do.
(function () {
  var opts = options.tracker;
  var api = opts.url.api.replace(/\/+$/, '') + '/track';
  var uuid = function () { return crypto.randomUUID(); };
  var session = uuid();
  var device = uuid();
  var profile = null;
  var queue = [];
  var loaded = false;
  var timer = null;
  var pageCtx = {
    url: location.href, path: location.pathname, hash: location.hash, title: document.title,
    referer: { host: null, query: null }, history: { length: history.length },
  };
  var context = {
    time: { local: new Date().toISOString(), tz: Intl.DateTimeFormat().resolvedOptions().timeZone },
    browser: { local: { browser: { userAgent: navigator.userAgent, language: navigator.language } } },
    screen: { local: { width: screen.width, height: screen.height, colorDepth: screen.colorDepth } },
  };

  function build(e) {
    return {
      id: uuid(), type: e[0], properties: e[1] || {}, options: e[2] || {},
      context: { page: pageCtx }, time: { create: new Date(e[3]).toISOString() },
    };
  }

  function send(queued, keepalive) {
    var events = queued.map(build);
    var body = JSON.stringify({
      source: { id: opts.source.id }, session: { id: session }, profile: profile && { id: profile },
      device: { id: device }, context: context, options: {}, events: events,
    });
    return fetch(api, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body,
      credentials: 'omit', keepalive: !!keepalive,
    }).then(function (r) { return r.json(); }).then(function (d) {
      if (d && d.profile && d.profile.id) profile = d.profile.id;
    }).catch(function () {});
  }

  function drain(keepalive) {
    if (timer !== null) { clearTimeout(timer); timer = null; }
    while (queue.length) send(queue.splice(0, 50), keepalive);
  }

  function schedule() {
    if (timer !== null) return;
    timer = setTimeout(function () { timer = null; drain(false); }, queue.length >= 50 ? 0 : 5000);
  }

  window.tracker = {
    track: function (type, properties, options) {
      var ev = [type, properties, options, Date.now()];
      if (options && options.fire) { send([ev], false); return; }
      queue.push(ev);
      if (loaded && (queue.length === 1 || queue.length === 50)) {
        if (queue.length === 50 && timer !== null) { clearTimeout(timer); timer = null; }
        schedule();
      }
    },
    pending: function () { return queue.length; },
  };
  addEventListener('load', function () { loaded = true; drain(false); });
  addEventListener('pagehide', function () { drain(true); });
})();
