// Debian's Firefox ESR driven over WebDriver BiDi by puppeteer-core (no browser download, no
// geckodriver: Firefox speaks BiDi itself). One browser per run; each test gets a fresh browser
// context (its own storage and cookies), each page of it is a tab.
import puppeteer from 'puppeteer-core';
import { execFileSync } from 'node:child_process';

const BINARY = process.env.FIREFOX_BIN || '/usr/bin/firefox-esr';

export async function launchFirefox() {
  const version = execFileSync(BINARY, ['--version'], { encoding: 'utf8' }).trim();
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: BINARY, headless: true, protocol: 'webDriverBiDi',
    // Firefox's own defaults otherwise (back/forward cache on, keepalive as shipped).
    extraPrefsFirefox: {},
  });
  return {
    name: 'firefox',
    version,
    // The root of the browser's process tree (the benchmark reads its CPU time from /proc).
    pid: browser.process()?.pid,
    async newContext() {
      const ctx = await browser.createBrowserContext();
      let first = 0;
      return {
        // Every page after the first in a window of its own, as in WebKit and as Playwright's
        // pages are: a background tab is hidden (visibilityState), which changes what the tracker
        // does (a hidden tab sends at once, on keepalive).
        async newPage() { return wrap(await ctx.newPage(first++ ? { type: 'window' } : undefined)); },
        async close() { await ctx.close().catch(() => {}); },
      };
    },
    async close() { await browser.close().catch(() => {}); },
  };
}

// The page API every driver offers (lib/webkit.mjs has the same): what the tests see of a page
// is read from it (`window.__engines`, filled by the proxy's watch.js), not from the protocol.
export function wrap(page) {
  let closed = false;
  return {
    raw: page,
    async goto(url) { await page.goto(url, { waitUntil: 'load', timeout: 30_000 }); },
    /** Runs `fn(arg)` in the page; resolves with its (awaited, JSON-able) result. */
    evaluate(fn, arg) { return page.evaluate(fn, arg); },
    url() { return page.url(); },
    async click(selector) { await page.click(selector); },
    // A back/forward cache restore fires no load event: the caller polls for the page it expects.
    async back() { await Promise.race([page.goBack({ timeout: 10_000 }).catch(() => {}), new Promise((r) => setTimeout(r, 3000))]); },
    async reload() { await page.reload({ waitUntil: 'load', timeout: 30_000 }); },
    async close() { if (!closed) { closed = true; await page.close({ runBeforeUnload: false }); } },
    get closed() { return closed; },
  };
}
