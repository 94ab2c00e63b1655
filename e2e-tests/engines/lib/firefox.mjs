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
    consoleObservable: true,
    async newContext() {
      const ctx = await browser.createBrowserContext();
      const pages = [];
      return {
        async newPage() {
          const p = wrap(await ctx.newPage());
          pages.push(p);
          return p;
        },
        async close() { await ctx.close().catch(() => {}); },
      };
    },
    async close() { await browser.close().catch(() => {}); },
  };
}

function wrap(page) {
  const consoleLines = [];
  const pageErrors = [];
  page.on('console', (m) => consoleLines.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  let closed = false;
  return {
    raw: page,
    console: consoleLines,
    pageErrors,
    async goto(url) { await page.goto(url, { waitUntil: 'load', timeout: 30_000 }); },
    /** Runs `fn(arg)` in the page; resolves with its (awaited, JSON-able) result. */
    evaluate(fn, arg) { return page.evaluate(fn, arg); },
    url() { return page.url(); },
    async click(selector) { await page.click(selector); },
    async back() { await page.goBack({ waitUntil: 'load', timeout: 30_000 }).catch(() => {}); },
    async reload() { await page.reload({ waitUntil: 'load', timeout: 30_000 }); },
    async close() { if (!closed) { closed = true; await page.close({ runBeforeUnload: false }); } },
    get closed() { return closed; },
  };
}
