// A tiny client-side router, as a single-page app has: links call history.pushState and the view
// is re-rendered (title included) without a page load. The tracker is told to count navigations
// with settings.pageViews = "history"; the first page view is the page's own call, as in the
// snippet example.
options.tracker.settings = { pageViews: 'history' };
window.tracker.track('page-view', {});

(function () {
  'use strict';
  var VIEWS = { '/spa.html': 'Home', '/spa/products': 'Products', '/spa/cart': 'Cart' };

  function render() {
    var name = VIEWS[location.pathname] || 'Not found';
    document.title = name + ' - single-page app';
    var el = document.getElementById('view');
    if (el) el.textContent = name;
    demoLog('view ' + name + ' (' + location.pathname + location.search + location.hash + ')');
  }

  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[data-route]');
    if (a) {
      e.preventDefault();
      history.pushState({}, '', a.getAttribute('href'));  // same URL again: the tracker ignores it
      render();
      return;
    }
    var id = e.target.closest && e.target.closest('button') && e.target.closest('button').id;
    if (id === 'sort') {
      history.replaceState({}, '', location.pathname + '?sort=price' + location.hash);
      render();
    } else if (id === 'reviews') {
      location.hash = 'reviews';  // the browser fires popstate and hashchange
    } else if (id === 'same-url') {
      history.replaceState({ scrollY: window.scrollY }, '');
      demoLog('replaceState with the same URL');
    } else if (id === 'flush') {
      window.tracker.flush && window.tracker.flush();
      demoLog('flush');
    }
  });
  window.addEventListener('popstate', render);
  window.addEventListener('hashchange', render);
})();
