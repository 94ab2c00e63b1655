// The tracker served from another origin than the page (http://localhost:<port> for a page on
// http://127.0.0.1:<port>), events to this origin's collector: the README's CSP case. External
// file: the pages' policy allows no inline script.
(function () {
  'use strict';
  var tracker = location.protocol + '//localhost:' + location.port + '/tracker';
  window.options = { tracker: { url: { script: tracker, api: location.origin },
    source: { id: 'demo-source' } } };
  var s = document.createElement('script');
  s.src = tracker + '/loader.min.js';
  s.onload = function () {
    window.tracker.track('csp-a', { n: 1 });
    window.tracker.track('csp-b', { n: 2 }, { fire: true });
  };
  document.head.appendChild(s);
})();
