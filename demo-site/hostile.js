// Hostile inputs for the tracker: nothing here may reach the DOM as markup, break the JSON
// payload, pollute Object.prototype, or block the queue.
window.hostileCases = function () {
  'use strict';
  var protoKey = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "ok": 1}');
  return [
    ['hostile-markup', { html: '</script><img src=x onerror="window.__xss=1">', attr: '"><svg onload=window.__xss=2>' }],
    ['hostile-separators', { text: 'line\u2028separator\u2029paragraph', ctrl: 'nul\u0001bell\u0007' }],
    ['hostile-surrogates', { lone_high: 'a\uD800b', lone_low: 'c\uDC00d', pair: '\uD83D\uDE00' }],
    ['hostile-proto', protoKey],
    ['hostile-huge', { blob: 'x'.repeat(513 * 1024) }],  // over the 512 KB per-event limit
    ['hostile-after', { ok: true }]
  ];
};

window.trackHostile = function (trackOptions) {
  'use strict';
  var list = document.getElementById('values');
  window.hostileCases().forEach(function (c) {
    window.tracker.track(c[0], c[1], trackOptions || {});
    if (list) {
      var li = document.createElement('li');
      var shown = JSON.stringify(c[1]);
      if (shown.length > 200) shown = shown.slice(0, 200) + '… (' + shown.length + ' chars)';
      li.textContent = c[0] + ' ' + shown;
      list.appendChild(li);
    }
  });
  var polluted = document.getElementById('polluted');
  if (polluted) polluted.textContent = String(({}).polluted);
  demoLog('tracked ' + window.hostileCases().length + ' hostile events');
};

document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  document.getElementById('send-hostile').addEventListener('click', function () {
    window.trackHostile({});
    if (typeof window.tracker.flush === 'function') window.tracker.flush();
  });
});
