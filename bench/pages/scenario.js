// Bench page driver shared by wasm.html and baseline.html: query parameters say what to do
// before the load event; the harness drives everything after it through page.evaluate.
//   ?pre=N&type=T   call tracker.track(T, {a: 1, b: 'x'}) N times before load
(function () {
  var q = new URLSearchParams(location.search);
  var pre = +(q.get('pre') || 0);
  var type = q.get('type') || 'page-view';
  for (var i = 0; i < pre; i++) window.tracker.track(type, { a: 1, b: 'x', i: i });
  window.__bench = { scriptEnd: performance.now() };
  addEventListener('DOMContentLoaded', function () {
    document.getElementById('fire').addEventListener('click', function () {
      window.__bench.clickAt = Date.now();
      window.tracker.track(window.__bench.fireType || 'click', { a: 1, b: 'x' }, { fire: true });
    });
  });
})();
