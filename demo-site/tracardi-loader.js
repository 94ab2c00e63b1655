// A stand-in for Tracardi's own pasted loader, written here from its documented behaviour
// (shared/reference/tracardi-contract.md §2.1), for sites that keep that snippet unchanged and
// only point `url.script` at wasm-tracker. It queues calls privately, inserts
// <url.script>/liliput.min.js after DOMContentLoaded, and on the script's load event checks
// window.tracardi.default.getState().plugins.tracardi.initialized, makes window.tracardi.default
// the tracker and replays its queue into it.
(function () {
  var trackerQueue = [];
  window.tracker = window.tracker || {};
  window.tracker.track = function () {
    var args = Array.prototype.slice.call(arguments);
    args.unshift('track');
    trackerQueue.push(args);
    return window.tracker;
  };
  window.response = window.response || { context: {} };
  var fns = [];
  window.onTracardiReady = {
    bind: function (fn) { fns.push(fn); },
    call: function (params) { fns.forEach(function (fn) { fn(params); }); }
  };
  document.addEventListener('DOMContentLoaded', function () {
    var script = document.createElement('script');
    script.async = true;
    script.src = options.tracker.url.script + '/liliput.min.js';
    script.addEventListener('load', function () {
      if (window.tracardi && window.tracardi.default &&
          window.tracardi.default.getState().plugins['tracardi'].initialized) {
        window.tracker = window.tracardi.default;
        console.log('[Loader] Rerun callbacks.');
        trackerQueue.forEach(function (call) {
          var method = call.shift();
          window.tracker[method].apply(window.tracker, call);
        });
      } else {
        console.log('[Loader] Callbacks stopped. Tracker not initialized. Is script url correct?');
      }
    });
    document.head.appendChild(script);
  });
})();
