// The content blocker both the filter-list gate (filter-gate.mjs) and the browser e2e
// (tests/content-blocker.spec.ts) ask: @ghostery/adblocker's network matcher built from the
// vendored EasyList + EasyPrivacy (filter-lists/, see its README.md), as uBlock Origin or Brave
// with their default lists would block. CommonJS so that both an .mjs script and a Playwright spec
// (transpiled to CommonJS) can load it on Node 20.
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { FiltersEngine, Request } = require('@ghostery/adblocker');

const LISTS = ['easylist.txt', 'easyprivacy.txt', 'easyprivacy_general.txt'];

/** The engine, parsed once (about 3 s) from every list together, as a browser loads them. */
function buildEngine(dir = path.join(__dirname, 'filter-lists')) {
  const text = LISTS.map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
  // debug: keep each filter's raw line, so a block can name the rule that did it.
  return FiltersEngine.parse(text, { debug: true, loadCosmeticFilters: false, loadNetworkFilters: true });
}

/**
 * Would the blocker block (or redirect) this request? `type` is a request type as blockers see it:
 * 'script', 'xhr' (fetch()/XMLHttpRequest), 'ping' (sendBeacon), 'other', 'document', ...
 * `source` is the page's URL: it decides first- or third-party, and $domain= options.
 * Returns { blocked, rule }: rule is the blocking filter's line, or the exception that let the
 * request through (null when nothing matched).
 */
function check(engine, url, source, type) {
  const r = engine.match(Request.fromRawDetails({ url, sourceUrl: source, type }));
  const blocked = Boolean(r.match || r.redirect);
  const hit = blocked ? r.filter : r.exception;
  return { blocked, rule: hit ? (hit.rawLine || hit.toString()) : null };
}

module.exports = { buildEngine, check, LISTS };
