// The collector's live view (demo-site/events.html): four charts and the request log, polled
// from the read API once a second. GET /summary gives refusals, copies per event id and delays
// (SQL aggregates, so the page never loads what it only counts); GET /events is read
// incrementally for arrivals per second by type; GET /requests incrementally for the log, each
// row saying whether its body was valid for Tracardi's model and, if not, why.
//
// window.__liveView holds the numbers the charts were last given (and each chart's figure has
// them as data-* attributes) so a test can check the picture against the API from the page.
import { addEvents, arrivalSeries, copyBars, createArrivals, delayBars, formatMs, pruneArrivals,
  refusalBars } from './aggregate.js';
import { barChart, timeChart } from './charts.js';

const POLL_MS = 1000;
const EVENTS_PAGE = 1000;
const MAX_REQUEST_ROWS = 1000; // the log keeps the newest; the charts count everything

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

async function getJson(path) {
  const res = await fetch(path, { cache: 'no-store', credentials: 'omit' });
  if (!res.ok) throw new Error(`${path.split('?')[0]}: HTTP ${res.status}`);
  return res.json();
}

function clock(ms) {
  const d = new Date(ms);
  return `${d.toLocaleTimeString()}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function start() {
  const figures = {
    arrivals: $('chart-arrivals'),
    refusals: $('chart-refusals'),
    copies: $('chart-copies'),
    delay: $('chart-delay'),
  };
  if (Object.values(figures).some((f) => !f)) return; // not the live view page
  const body = (f) => f.querySelector('.chart-body');
  const note = (f, text) => { f.querySelector('.chart-note').textContent = text; };
  const charts = {
    arrivals: timeChart(body(figures.arrivals)),
    refusals: barChart(body(figures.refusals), '#dc2626'),
    copies: barChart(body(figures.copies), '#9333ea'),
    delay: barChart(body(figures.delay), '#0891b2'),
  };
  const requestRows = $('live-requests');
  const status = $('live-status');

  let arrivals = createArrivals();
  let lastSeq = 0;
  let stopped = false;
  let timer = 0;
  const verdicts = { shown: 0, valid: 0, invalid: 0, unchecked: 0 };
  const view = (window.__liveView = { updates: 0, error: null });

  function addRequest(r) {
    const tr = el('tr', undefined, r.status >= 200 && r.status < 300 ? 'ok' : 'refused');
    tr.dataset.seq = String(r.seq);
    tr.dataset.valid = r.valid === null ? 'unknown' : String(r.valid);
    tr.appendChild(el('td', String(r.seq)));
    tr.appendChild(el('td', clock(r.received_ms)));
    tr.appendChild(el('td', r.status === 0 ? 'no answer' : String(r.status)));
    tr.appendChild(el('td', r.valid === null ? '–' : r.valid ? 'valid' : 'invalid',
      r.valid === false ? 'invalid' : ''));
    const why = el('td', r.reason || '', 'why');
    // The model's full answer (bounded by the collector) on hover; the cell keeps one line.
    if (r.detail != null) why.title = JSON.stringify(r.detail, null, 1);
    tr.appendChild(why);
    tr.appendChild(el('td', String(r.event_ids.length)));
    tr.appendChild(el('td', r.source || '', 'mono'));
    requestRows.appendChild(tr);
    verdicts.shown += 1;
    if (r.valid === true) verdicts.valid += 1;
    else if (r.valid === false) verdicts.invalid += 1;
    else verdicts.unchecked += 1;
    while (requestRows.children.length > MAX_REQUEST_ROWS) requestRows.firstChild.remove();
  }

  async function readEvents() {
    for (;;) {
      const page = await getJson(`/events?after=${arrivals.lastRow}&limit=${EVENTS_PAGE}`);
      if (arrivals.lastRow > page.total) { // /__admin/reset: numbering restarted
        arrivals = createArrivals();
        continue;
      }
      addEvents(arrivals, page.events);
      if (page.events.length < EVENTS_PAGE) return page;
    }
  }

  async function readRequests(summary) {
    if (lastSeq > summary.requests.total) { // reset
      requestRows.replaceChildren();
      lastSeq = 0;
      Object.keys(verdicts).forEach((k) => { verdicts[k] = 0; });
    }
    for (;;) {
      const { requests } = await getJson(`/requests?after=${lastSeq}&limit=500`);
      requests.forEach((r) => { addRequest(r); lastSeq = r.seq; });
      if (requests.length < 500) return;
    }
  }

  function render(summary) {
    const nowS = Math.floor(Date.now() / 1000);
    pruneArrivals(arrivals, nowS);
    const series = arrivalSeries(arrivals, nowS);
    charts.arrivals.update(series.x, series.types, series.ys);
    const inWindow = series.ys.reduce((n, y) => n + y.reduce((a, b) => a + b, 0), 0);
    note(figures.arrivals, `${arrivals.total} events stored in all; ${inWindow} in the last ` +
      `${series.x.length} s.`);

    const refusals = refusalBars(summary);
    charts.refusals.update(refusals.labels, refusals.values);
    note(figures.refusals, `${refusals.total} of ${summary.requests.total} requests refused ` +
      `or unanswered; ${summary.requests.invalid} bodies invalid for Tracardi's model.`);

    const copies = copyBars(summary);
    charts.copies.update(copies.labels, copies.values);
    note(figures.copies, `${copies.ids} event ids, ${copies.extra} extra copies received ` +
      `(ids: ${summary.event_ids}).`);

    const delay = delayBars(summary);
    charts.delay.update(delay.labels, delay.values);
    note(figures.delay, `p50 ${formatMs(delay.p50)}, p90 ${formatMs(delay.p90)}, max ` +
      `${formatMs(delay.max)} over ${delay.count} events` +
      (delay.withoutTime ? ` (${delay.withoutTime} without a readable time.create)` : '') +
      (delay.values[0] ? '; < 0: the client\'s clock is ahead.' : '.'));

    const totals = {
      arrivals: { total: arrivals.total, byType: Object.fromEntries(arrivals.byType),
        inWindow },
      refusals: { total: refusals.total, byStatus: refusals.byStatus },
      copies: { total: copies.total, ids: copies.ids, extra: copies.extra,
        once: copies.values[0], twice: copies.values[1], more: copies.values[2] },
      delay: { total: delay.total, count: delay.count, buckets: delay.values, p50: delay.p50,
        p90: delay.p90 },
      requests: { ...verdicts },
    };
    for (const [name, f] of Object.entries(figures)) f.dataset.total = String(totals[name].total);
    Object.assign(view, totals, { summary, error: null, updates: view.updates + 1 });
  }

  async function poll() {
    timer = 0;
    if (stopped) return;
    try {
      // Summary first: whatever the log and arrivals then add is newer, never missing from it.
      const summary = await getJson('/summary');
      await readEvents();
      await readRequests(summary);
      render(summary);
      status.textContent = `${summary.requests.total} requests (${summary.requests.valid} valid, ` +
        `${summary.requests.invalid} invalid), ${summary.events.stored} events stored. ` +
        `Updated ${new Date().toLocaleTimeString()}.`;
      status.className = '';
    } catch (err) {
      view.error = String(err && err.message);
      status.textContent = `Cannot read the collector (${view.error}); retrying…`;
      status.className = 'error';
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }

  addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
  // pagehide: no poll in flight keeps the page out of the bfcache.
  addEventListener('pagehide', () => { stopped = true; clearTimeout(timer); });
  addEventListener('pageshow', (e) => { if (e.persisted) { stopped = false; poll(); } });
  poll();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
