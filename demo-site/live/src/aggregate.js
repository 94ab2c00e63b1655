// What the live view's charts draw, derived from the collector's read API. Pure functions over
// plain data: GET /events rows (arrivals per second by type) and GET /summary (refusals, copies
// per event id, delay from time.create to arrival). Kept apart from the drawing so the totals a
// test reads are the numbers the charts were given.

/** Seconds of arrivals the chart shows, ending now. */
export const WINDOW_S = 60;
/** Types drawn as their own line; the rest are summed as "other". */
export const MAX_TYPES = 8;
export const OTHER = 'other';

/**
 * Arrivals: every event row the page read, counted by type (all time) and by second (kept for
 * the window only, so a page left open for days stays small).
 */
export function createArrivals() {
  return { total: 0, lastRow: 0, byType: new Map(), bySecond: new Map() };
}

/** Adds GET /events rows ({row, type, received_ms}), in row order, to `arr`. */
export function addEvents(arr, events) {
  for (const ev of events) {
    if (ev.row <= arr.lastRow) continue; // read twice (a poll racing a reset): counted once
    arr.lastRow = ev.row;
    arr.total += 1;
    arr.byType.set(ev.type, (arr.byType.get(ev.type) || 0) + 1);
    const sec = Math.floor(ev.received_ms / 1000);
    let types = arr.bySecond.get(sec);
    if (!types) arr.bySecond.set(sec, (types = new Map()));
    types.set(ev.type, (types.get(ev.type) || 0) + 1);
  }
}

/** Drops seconds that left the window (their events stay in `total` and `byType`). */
export function pruneArrivals(arr, nowS) {
  for (const sec of arr.bySecond.keys()) if (sec <= nowS - WINDOW_S) arr.bySecond.delete(sec);
}

/**
 * The per-second chart's data: x (unix seconds, one per second of the window), the series'
 * types (the most frequent in the window first, "other" last when there are more than
 * MAX_TYPES) and one count array per type.
 */
export function arrivalSeries(arr, nowS) {
  const inWindow = new Map();
  for (const [sec, types] of arr.bySecond) {
    if (sec <= nowS - WINDOW_S || sec > nowS) continue;
    for (const [t, n] of types) inWindow.set(t, (inWindow.get(t) || 0) + n);
  }
  const ranked = [...inWindow.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  let types = ranked.map(([t]) => t);
  const folded = types.length > MAX_TYPES;
  if (folded) types = [...types.slice(0, MAX_TYPES - 1), OTHER];
  const index = new Map(types.map((t, i) => [t, i]));
  const x = [];
  const ys = types.map(() => []);
  for (let sec = nowS - WINDOW_S + 1; sec <= nowS; sec++) {
    x.push(sec);
    const counts = arr.bySecond.get(sec);
    ys.forEach((y) => y.push(0));
    if (!counts) continue;
    const last = x.length - 1;
    for (const [t, n] of counts) {
      const i = index.has(t) ? index.get(t) : index.get(OTHER);
      ys[i][last] += n;
    }
  }
  return { x, types, ys };
}

/**
 * Refusals by status from GET /summary's `requests.by_status`: every answer that was not 2xx,
 * status 0 (no answer was sent) labelled as such. Sorted by status.
 */
export function refusalBars(summary) {
  const byStatus = (summary && summary.requests && summary.requests.by_status) || {};
  const entries = Object.entries(byStatus)
    .map(([s, n]) => [Number(s), n])
    .filter(([s]) => !(s >= 200 && s < 300))
    .sort((a, b) => a[0] - b[0]);
  return {
    labels: entries.map(([s]) => (s === 0 ? 'no answer' : String(s))),
    values: entries.map(([, n]) => n),
    byStatus: Object.fromEntries(entries.map(([s, n]) => [String(s), n])),
    total: entries.reduce((sum, [, n]) => sum + n, 0),
  };
}

/** Event ids by how many copies of them the collector received (GET /summary's `ids`). */
export function copyBars(summary) {
  const ids = (summary && summary.ids) || {};
  const values = [ids.once || 0, ids.twice || 0, ids.more || 0];
  return {
    labels: ['1×', '2×', '3+×'],
    values,
    ids: ids.total || 0,
    extra: ids.extra_copies || 0,
    total: values.reduce((a, b) => a + b, 0),
  };
}

/** Events by delay from time.create to arrival (GET /summary's `delay_ms` buckets). */
export function delayBars(summary) {
  const d = (summary && summary.delay_ms) || {};
  const buckets = Array.isArray(d.buckets) ? d.buckets : [];
  return {
    labels: buckets.map((b) => b.label),
    values: buckets.map((b) => b.count),
    total: buckets.reduce((sum, b) => sum + b.count, 0),
    count: d.count || 0,
    withoutTime: d.without_time || 0,
    p50: d.p50 == null ? null : d.p50,
    p90: d.p90 == null ? null : d.p90,
    max: d.max == null ? null : d.max,
  };
}

/** "1.2 s", "340 ms", "3.5 min": a delay as a person reads it. */
export function formatMs(ms) {
  if (ms == null) return '–';
  const a = Math.abs(ms);
  if (a < 1000) return `${ms} ms`;
  if (a < 60000) return `${(ms / 1000).toFixed(1)} s`;
  if (a < 3600000) return `${(ms / 60000).toFixed(1)} min`;
  return `${(ms / 3600000).toFixed(1)} h`;
}
