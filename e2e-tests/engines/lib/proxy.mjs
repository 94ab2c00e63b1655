// A reverse proxy in front of the collector, as nginx is in front of Tracardi. Two jobs:
// - The site as the tests open it. Every HTML page it passes gets `/__engines/watch.js` as the
//   first script of its <head>: it records console calls, uncaught errors and pageshow events in
//   `window.__engines`, so every engine is observed the same way (WebDriver classic, WebKit's only
//   protocol here, has neither init scripts nor console events). The script is of the page's own
//   origin, so a CSP with `script-src 'self'` allows it. A test may add its own code to it
//   (`proxy.initScript(fn, arg)`, Playwright's addInitScript): it runs before any page script.
// - A CORS-less outage (`proxy.outage(ms)`): `/track` (the POST and its preflight) gets nginx's own
//   502 error page with no CORS header, so a page on another origin sees a network error
//   (status 0) while the browser stays online (wild.spec.ts's case, without request interception).
// - `/__engines/hold`: a request the proxy holds unanswered until the test ends.
// Everything else is passed through unchanged.
import http from 'node:http';

const WATCH = `(function () {
  'use strict';
  var w = window.__engines = { console: [], errors: [], pageshows: [] };
  function text(a) {
    if (typeof a === 'string') return a;
    try { return JSON.stringify(a); } catch (e) { return String(a); }
  }
  ['log', 'info', 'warn', 'error', 'debug'].forEach(function (k) {
    var orig = console[k];
    console[k] = function () {
      try { w.console.push({ type: k === 'warn' ? 'warning' : k, text: Array.prototype.map.call(arguments, text).join(' ') }); } catch (e) { /* keep logging */ }
      return orig.apply(console, arguments);
    };
  });
  addEventListener('error', function (e) { w.errors.push(String(e.message)); });
  addEventListener('unhandledrejection', function (e) { w.errors.push('unhandled rejection: ' + text(e.reason && e.reason.message || e.reason)); });
  addEventListener('pageshow', function (e) { w.pageshows.push(e.persisted); });
})();
`;

// watch: false leaves watch.js out (the benchmark: its console wrapper would cost every track());
// a page then gets the script tag only while a test's init script is set. isolate: true adds
// COOP/COEP to every page (crossOriginIsolated: the benchmark's finer performance.now()).
export function startProxy({ port, target, watch = true, isolate = false }) {
  const upstream = new URL(target);
  let outageUntil = 0;
  let init = '';
  const proxy = { isolate };
  // gets: path -> GETs passed; calls: every request passed or refused, as "METHOD /path" (the
  // benchmark counts its /track POSTs and preflights here, the same way in every engine).
  const stats = { refused: 0, passed: 0, gets: new Map(), calls: [], held: [] };
  const holding = new Set();  // responses of /__engines/hold requests, open until end()
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    stats.calls.push(`${req.method} ${path}`);
    if (path === '/__engines/watch.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-cache' });
      res.end((watch ? WATCH : '') + init);
      return;
    }
    if (path === '/__engines/hold') {
      // Never answered while the test runs (answered 204 at end()): a request held on the wire,
      // whatever else the page sends meanwhile.
      stats.held.push({ bytes: 0 });
      const rec = stats.held.at(-1);
      req.on('data', (c) => { rec.bytes += c.length; });
      holding.add(res);
      res.on('close', () => holding.delete(res));
      return;
    }
    if (path === '/track' && Date.now() < outageUntil) {
      stats.refused++;
      req.resume();
      res.writeHead(502, { 'Content-Type': 'text/html', Connection: 'close' });
      res.end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>');
      return;
    }
    stats.passed++;
    if (req.method === 'GET') stats.gets.set(path, (stats.gets.get(path) || 0) + 1);
    // Uncompressed from the collector, so a page can be given its script tag.
    const headers = { ...req.headers, host: upstream.host };
    delete headers['accept-encoding'];
    const out = http.request({ hostname: upstream.hostname, port: upstream.port, method: req.method,
      path: req.url, headers, agent: false }, (up) => {
      const isHtml = req.method === 'GET' && /^text\/html/.test(up.headers['content-type'] || '');
      if (!isHtml) {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
        return;
      }
      const chunks = [];
      up.on('data', (c) => chunks.push(c));
      up.on('end', () => {
        let html = Buffer.concat(chunks).toString('utf8');
        const tag = '<script src="/__engines/watch.js"></script>';
        if (watch || init) html = /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (m) => m + tag) : tag + html;
        const body = Buffer.from(html, 'utf8');
        const h = { ...up.headers, 'content-length': String(body.length) };
        if (proxy.isolate) Object.assign(h, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
        delete h['transfer-encoding'];
        res.writeHead(up.statusCode, h);
        res.end(body);
      });
    });
    out.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
    req.pipe(out);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(Object.assign(proxy, {
      port,
      stats,
      /** `/track` answers 502 without CORS for the next `ms` milliseconds; returns the end time. */
      outage(ms) { outageUntil = Date.now() + ms; return outageUntil; },
      end() {
        outageUntil = 0;
        init = '';
        for (const r of holding) { try { r.writeHead(204, { 'Access-Control-Allow-Origin': '*' }); r.end(); } catch { /* gone */ } }
        holding.clear();
        stats.held.length = 0;
      },
      /** Every page loaded from now on (until end()) runs `fn(arg)` (or the code string) before its own scripts. */
      initScript(fn, arg) {
        init += typeof fn === 'string' ? `;${fn}\n` : `;(${fn.toString()})(${JSON.stringify(arg ?? null)});\n`;
      },
      stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
    })));
  });
}
