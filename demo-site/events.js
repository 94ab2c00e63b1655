// Live view of GET /events: polls every second for rows after the last one shown and appends
// them. DOM is built with createElement/textContent only, so event data can never become markup.
(function () {
  'use strict';
  var POLL_MS = 1000;
  var lastRow = 0;
  var rowsById = {}; // event id -> its <tr>, to refresh the duplicate counter
  var tbody = document.getElementById('rows');
  var status = document.getElementById('status');

  function cell(tr, text, className) {
    var td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    tr.appendChild(td);
    return td;
  }

  function time(ms) {
    var d = new Date(ms);
    return d.toLocaleTimeString() + '.' + String(d.getMilliseconds()).padStart(3, '0');
  }

  function addRow(ev) {
    var tr = document.createElement('tr');
    cell(tr, String(ev.row));
    cell(tr, time(ev.received_ms));
    cell(tr, ev.type);
    cell(tr, ev.id, 'mono');
    cell(tr, ev.session || '', 'mono');
    cell(tr, ev.profile || '', 'mono');
    cell(tr, String(ev.duplicates), ev.duplicates ? 'dup' : '');
    cell(tr, JSON.stringify(ev.properties), 'mono');
    tbody.appendChild(tr);
    rowsById[ev.id] = tr;
  }

  function setStatus(text, isError) {
    status.textContent = text;
    status.className = isError ? 'error' : '';
  }

  // Rows already shown gain duplicates when retries arrive; the global count tells us when to
  // re-read them, so an idle page only ever fetches the (empty) tail.
  var lastDuplicates = 0;

  async function refreshDuplicates() {
    var res = await fetch('/events?limit=10000', { cache: 'no-store' });
    var data = await res.json();
    data.events.forEach(function (ev) {
      var tr = rowsById[ev.id];
      if (!tr) return;
      var td = tr.children[6];
      td.textContent = String(ev.duplicates);
      td.className = ev.duplicates ? 'dup' : '';
    });
  }

  async function poll() {
    try {
      var res = await fetch('/events?after=' + lastRow + '&limit=500', { cache: 'no-store' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      var data = await res.json();
      if (data.total < lastRow && data.events.length === 0 && lastRow > 0) {
        // The collector was reset (/__admin/reset): start over.
        tbody.replaceChildren();
        rowsById = {};
        lastRow = 0;
      }
      var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
      data.events.forEach(function (ev) {
        addRow(ev);
        lastRow = ev.row;
      });
      if (data.duplicates !== lastDuplicates) {
        lastDuplicates = data.duplicates;
        await refreshDuplicates();
      }
      if (data.events.length && atBottom) window.scrollTo(0, document.body.scrollHeight);
      setStatus(data.total + ' events stored, ' + data.duplicates + ' duplicates ignored. ' +
        'Updated ' + new Date().toLocaleTimeString() + '.', false);
    } catch (err) {
      setStatus('Cannot reach the collector (' + err.message + '); retrying…', true);
    }
    setTimeout(poll, POLL_MS);
  }

  poll();
})();
