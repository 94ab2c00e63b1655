// Shared by the demo pages (external file, so it also works on the strict-CSP page).
// Builds the Tracardi `options` global that the loader reads, exactly the shape a Tracardi user
// pastes, and a tiny on-page log that uses textContent only.
//
// Query parameters (for the e2e tests and for trying things by hand):
//   ?api=http://127.0.0.1:8686   send events to another origin (default: this page's origin)
//   ?profile=<id>                force a static profile id (options.tracker.profile.id)
//   ?source=<id>                 event source id (default demo-source)
//   ?consent=pending|denied      the visitor's consent at start (settings.consent; granted when absent):
//                                then tracker.consent('granted') in the console sends what was held
// A page may also set data-profile / data-source on this script tag.
var options = (function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var data = (document.currentScript && document.currentScript.dataset) || {};
  var api = params.get('api');
  if (!api || !/^https?:\/\/[^\s]+$/.test(api)) api = location.origin;
  var tracker = {
    url: {
      // Starts with http: a folder, the loader appends /liliput.min.js (Tracardi's rule).
      script: location.origin + '/tracker',
      api: api.replace(/\/+$/, '')
    },
    source: { id: params.get('source') || data.source || 'demo-source' }
  };
  var profile = params.has('profile') ? params.get('profile') : data.profile;
  if (profile) tracker.profile = { id: profile };
  if (params.has('consent')) tracker.settings = { consent: params.get('consent') };
  return { tracker: tracker };
})();

// demoLog(text): append a line to <ol id="log"> (buffered until the element exists).
window.demoLog = (function () {
  'use strict';
  var pending = [];
  var start = performance.now();
  function flushPending() {
    var list = document.getElementById('log');
    if (!list) return;
    pending.splice(0).forEach(function (text) {
      var li = document.createElement('li');
      li.textContent = text;
      list.appendChild(li);
    });
  }
  document.addEventListener('DOMContentLoaded', flushPending);
  return function (text) {
    pending.push('+' + Math.round(performance.now() - start) + ' ms  ' + text);
    flushPending();
  };
})();

// Fill <code data-api> / <code data-options> placeholders with the effective configuration.
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  document.querySelectorAll('[data-show="options"]').forEach(function (el) {
    el.textContent = 'const options = ' + JSON.stringify(options, null, 2);
  });
});
