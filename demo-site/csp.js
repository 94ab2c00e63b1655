// Strict-CSP page: a page view before load, then a fire event per click.
window.tracker.track('page-view', { page: 'csp' });
document.addEventListener('DOMContentLoaded', function () {
  'use strict';
  document.getElementById('csp-fire').addEventListener('click', function () {
    window.tracker.track('csp-click', { at: Date.now() }, { fire: true });
    demoLog('tracked csp-click with fire');
  });
});
window.onTracardiReady.bind(function () { demoLog('tracker ready (first response received)'); });
