// Static profile id demo: show what is configured and what the browser had stored, track a page
// view, and let the visitor plant a different stored id to see that the configured one wins.
(function () {
  'use strict';
  var stored = null;
  try { stored = localStorage.getItem('tracardi-profile-id'); } catch (e) { stored = '(storage unavailable)'; }

  window.tracker.track('page-view', { page: 'static-profile' });

  window.onTracardiReady.bind(function (params) {
    var id = params.context && params.context.profile && params.context.profile.id;
    document.getElementById('answered').textContent = id || '(no answer)';
  });

  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('configured').textContent =
      (options.tracker.profile && options.tracker.profile.id) || '(none)';
    document.getElementById('stored').textContent = stored === null ? '(empty)' : stored;
    document.getElementById('seed').addEventListener('click', function () {
      // Tracardi's tracker stores the id JSON-encoded.
      localStorage.setItem('tracardi-profile-id', JSON.stringify(crypto.randomUUID()));
      location.reload();
    });
    document.getElementById('fire').addEventListener('click', function () {
      window.tracker.track('static-profile-click', {}, { fire: true });
      demoLog('tracked static-profile-click with fire');
    });
  });
})();
