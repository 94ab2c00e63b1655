// "What did the collector receive?" panel: polls the collector's read API (GET /requests and
// GET /events on options.tracker.url.api) and lists every POST /track that arrived since this page
// was opened, with the event types each one carried. Built with createElement/textContent only.
(function () {
  'use strict';
  var POLL_MS = 500;
  // `options` may be a top-level const (snippet page), which is global but not on window.
  var opts = typeof options !== 'undefined' ? options : null;
  var api = (opts && opts.tracker && opts.tracker.url && opts.tracker.url.api) || location.origin;
  var openedAt = performance.timeOrigin;
  var lastSeq = 0;
  var typeById = {};
  var lastRow = 0;
  var stopped = false;

  function el(tag, text) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  async function getJson(path) {
    var res = await fetch(api + path, { cache: 'no-store', credentials: 'omit' });
    if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
    return res.json();
  }

  var unresolved = []; // [cell, event ids] whose types were not known yet

  function typesOf(ids) {
    return ids.map(function (id) { return typeById[id] || '?'; }).join(', ');
  }

  async function poll() {
    var body = document.getElementById('requests');
    var status = document.getElementById('requests-status');
    if (!body || stopped) return;
    try {
      // Requests first, then events: every event of a listed request is then already stored.
      var reqs = await getJson('/requests?after=' + lastSeq + '&limit=1000');
      var evs = await getJson('/events?after=' + lastRow + '&limit=10000');
      evs.events.forEach(function (ev) { typeById[ev.id] = ev.type; lastRow = ev.row; });
      unresolved = unresolved.filter(function (u) {
        u[0].textContent = typesOf(u[1]);
        return u[0].textContent.indexOf('?') !== -1;
      });
      reqs.requests.forEach(function (r) {
        lastSeq = r.seq;
        if (r.received_ms < openedAt - 250) return; // sent by an earlier page
        var tr = el('tr');
        tr.appendChild(el('td', String(r.seq)));
        tr.appendChild(el('td', '+' + Math.round(r.received_ms - openedAt) + ' ms'));
        tr.appendChild(el('td', r.status === 0 ? 'no answer' : String(r.status)));
        var types = el('td', typesOf(r.event_ids));
        // Rejected requests store nothing: their ids stay unknown, so only retry 2xx ones.
        if (r.status >= 200 && r.status < 300 && types.textContent.indexOf('?') !== -1) {
          unresolved.push([types, r.event_ids]);
        }
        tr.appendChild(types);
        body.appendChild(tr);
      });
      if (status) status.textContent = 'Polling ' + api + '/requests every ' + POLL_MS + ' ms.';
    } catch (e) {
      if (status) status.textContent = 'Collector read API not reachable: ' + e.message;
    }
    setTimeout(poll, POLL_MS);
  }
  // pagehide: stop polling so an in-flight poll never keeps the page out of the bfcache.
  addEventListener('pagehide', function () { stopped = true; });
  addEventListener('pageshow', function (e) { if (e.persisted) { stopped = false; poll(); } });
  document.addEventListener('DOMContentLoaded', poll);
})();
