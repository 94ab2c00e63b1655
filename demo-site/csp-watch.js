// Counts securitypolicyviolation events (registered before the tracker loads) and lists them.
(function () {
  'use strict';
  var violations = [];
  window.cspViolations = violations;
  function show() {
    var count = document.getElementById('violations');
    var list = document.getElementById('violation-list');
    if (!count || !list) return;
    count.textContent = String(violations.length);
    list.textContent = '';
    violations.forEach(function (v) {
      var li = document.createElement('li');
      li.textContent = v;
      list.appendChild(li);
    });
  }
  document.addEventListener('securitypolicyviolation', function (e) {
    violations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') +
      (e.sourceFile ? ' at ' + e.sourceFile + ':' + e.lineNumber : ''));
    show();
  });
  document.addEventListener('DOMContentLoaded', show);
})();
