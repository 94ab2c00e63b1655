// One page view before load, so the first batch goes out and onTracardiReady fires; then the
// helpers binding from Tracardi's docs.
window.tracker.track("page-view", {"page": "buttons"});

window.onTracardiReady.bind(function (params) {
  'use strict';
  var helpers = params.helpers;
  var profile = params.context && params.context.profile && params.context.profile.id;
  document.getElementById('ready').textContent =
    'yes (first response received' + (profile ? ', profile ' + profile : '') + ')';
  var button = document.getElementById('helpers-click');
  button.disabled = false;
  button.textContent = 'helpers.onClick';
  helpers.onClick(button, function () {
    demoLog('helpers.onClick: helpers.track("helper-click") (always sent at once)');
    return helpers.track('helper-click', { button: 'helpers-click' });
  });
});
