// WebKitGTK's MiniBrowser driven by Debian's WebKitWebDriver (W3C WebDriver, classic HTTP
// commands: this WebKitWebDriver offers no BiDi session) under its own Xvfb. One driver process
// per run; each test context is a WebDriver session (a fresh MiniBrowser with its own ephemeral
// storage: the driver holds one session at a time), each page of it a top-level window.
// Classic WebDriver has neither console events nor init scripts: the proxy's watch.js stands in.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { sleep } from './collector.mjs';

const MINIBROWSER = process.env.MINIBROWSER_BIN || ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser'].find((p) => existsSync(p));
const DRIVER = process.env.WEBKIT_DRIVER_BIN || 'WebKitWebDriver';

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
    s.on('error', rej);
  });
}

/** Xvfb on the first free display (-displayfd): resolves with the display and a stop(). */
function startXvfb() {
  return new Promise((resolve, reject) => {
    const x = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let err = '';
    let fd3 = '';
    x.stderr.on('data', (d) => { err += d; });
    x.stdio[3].on('data', (d) => {
      fd3 += d;
      if (fd3.includes('\n')) resolve({ display: `:${fd3.trim()}`, stop: () => stop(x), kill: () => { try { x.kill('SIGTERM'); } catch { /* gone */ } } });
    });
    x.once('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${err}`)));
    x.once('error', reject);
  });
}

function stop(child) {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

export async function launchWebKit() {
  if (!MINIBROWSER) throw new Error('MiniBrowser not found (apt-get install webkit2gtk-driver)');
  const xvfb = await startXvfb();
  const port = await freePort();
  const driver = spawn(DRIVER, [`--port=${port}`], {
    env: { ...process.env, DISPLAY: xvfb.display }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  // If the runner dies without close(), the driver and the display go with it.
  const orphans = () => { try { driver.kill('SIGTERM'); } catch { /* gone */ } xvfb.kill(); };
  process.once('exit', orphans);
  driver.stdout.on('data', () => {});
  driver.stderr.on('data', () => {});
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${base}/status`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (i > 200) throw new Error('WebKitWebDriver did not start');
    await sleep(50);
  }

  async function cmd(method, path, body) {
    const res = await fetch(base + path, {
      method, headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { throw new Error(`WebDriver ${method} ${path}: ${res.status} ${text.slice(0, 200)}`); }
    if (json.value && typeof json.value === 'object' && json.value.error) {
      const e = new Error(`WebDriver ${method} ${path}: ${json.value.error}: ${json.value.message}`);
      e.webdriverError = json.value.error;
      throw e;
    }
    return json.value;
  }

  let live = null;  // the one open session (WebKitWebDriver holds one at a time)
  const engine = {
    name: 'webkit',
    version: 'WebKitGTK (MiniBrowser)',
    // The driver: MiniBrowser and its web and network processes are its descendants.
    pid: driver.pid,
    async newContext() {
      if (live) await live.close();
      const s = await cmd('POST', '/session', { capabilities: { alwaysMatch: {
        pageLoadStrategy: 'normal',
        timeouts: { script: 30_000, pageLoad: 30_000, implicit: 0 },
        'webkitgtk:browserOptions': { binary: MINIBROWSER,
          args: ['--automation'] },
      } } });
      const sid = s.sessionId;
      engine.version = `WebKitGTK ${s.capabilities.browserVersion} (MiniBrowser, WebKitWebDriver)`;
      const S = (p) => `/session/${sid}${p}`;
      let current = await cmd('GET', S('/window'));
      const use = async (handle) => {
        if (current !== handle) { await cmd('POST', S('/window'), { handle }); current = handle; }
      };
      let first = true;
      const ctx = {
        async newPage() {
          let handle;
          if (first) { first = false; handle = current; } else {
            // A window, not a tab: a background tab would be hidden (visibilityState) to the page.
            handle = (await cmd('POST', S('/window/new'), { type: 'window' })).handle;
          }
          return makePage(handle);
        },
        async close() {
          if (live !== ctx) return;
          live = null;
          await cmd('DELETE', S('')).catch(() => {});
        },
      };
      function makePage(handle) {
        let closed = false;
        const page = {
          get closed() { return closed; },
          async goto(url) { await use(handle); await cmd('POST', S('/url'), { url }); },
          async evaluate(fn, arg) {
            await use(handle);
            const script = `return (${fn.toString()}).apply(null, arguments);`;
            return cmd('POST', S('/execute/sync'), { script, args: arg === undefined ? [] : [arg] });
          },
          async url() { await use(handle); return cmd('GET', S('/url')); },
          async click(selector) {
            await use(handle);
            const el = await cmd('POST', S('/element'), { using: 'css selector', value: selector });
            const id = el['element-6066-11e4-a52f-4a5c0d1bc83c'] || Object.values(el)[0];
            await cmd('POST', S(`/element/${id}/click`), {});
          },
          async back() { await use(handle); await cmd('POST', S('/back'), {}); },
          async reload() { await use(handle); await cmd('POST', S('/refresh'), {}); },
          async close() {
            if (closed) return;
            await use(handle);
            closed = true;
            const left = await cmd('DELETE', S('/window'));
            current = null;
            if (left.length) await use(left[0]);
          },
        };
        return page;
      }
      live = ctx;
      return ctx;
    },
    async close() {
      if (live) await live.close();
      process.removeListener('exit', orphans);
      await stop(driver);
      await xvfb.stop();
    },
  };
  return engine;
}
