// Delivery playground: a page view before load (unless ?pageview=0) and buttons for the
// delivery paths. The e2e suite drives the same page through window.tracker.
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var queueKey = 'wasm-tracker:v2:' + options.tracker.source.id + ':queue';
  var clicks = 0;

  if (params.get('pageview') !== '0') window.tracker.track('page-view', { page: 'playground' });

  function showQueue() {
    var text;
    try {
      var raw = localStorage.getItem(queueKey);
      text = raw === null ? 'empty' : raw.length + ' bytes';
    } catch (e) {
      text = 'storage unavailable (' + e.name + ')';
    }
    document.getElementById('queue-state').textContent = text;
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('queue-key').textContent = queueKey;
    document.getElementById('track-one').addEventListener('click', function () {
      clicks += 1;
      window.tracker.track('playground-click', { n: clicks });
      demoLog('tracked playground-click #' + clicks + ' (deferred: sent with the next batch)');
    });
    document.getElementById('track-fire').addEventListener('click', function () {
      clicks += 1;
      window.tracker.track('playground-fire', { n: clicks }, { fire: true });
      demoLog('tracked playground-fire #' + clicks + ' with fire');
    });
    document.getElementById('track-twenty').addEventListener('click', function () {
      for (var i = 0; i < 20; i++) window.tracker.track('playground-bulk', { n: i });
      demoLog('tracked 20 playground-bulk events');
    });
    document.getElementById('flush').addEventListener('click', function () {
      if (typeof window.tracker.flush === 'function') {
        window.tracker.flush();
        demoLog('flush() called');
      } else {
        demoLog('window.tracker.flush is not available yet (tracker still loading)');
      }
    });
    showQueue();
    setInterval(showQueue, 1000);
  });
  window.onTracardiReady.bind(function () { demoLog('tracker ready (first response received)'); });
})();
