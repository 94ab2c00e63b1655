// Debian's Chromium driven by puppeteer-core over CDP, with the same page API as the Firefox and
// WebKit drivers: the benchmark's engine-neutral rows (bench/engines.mjs) and a cross-check of this
// suite against the engine the Playwright suite runs in (`node run.mjs --engine chromium`; not
// part of test.sh, which runs the full Playwright suite there).
import puppeteer from 'puppeteer-core';
import { execFileSync } from 'node:child_process';
import { wrap } from './firefox.mjs';

const BINARY = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

export async function launchChromium() {
  const version = execFileSync(BINARY, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const browser = await puppeteer.launch({
    browser: 'chrome', executablePath: BINARY, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    name: 'chromium',
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
