import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeAllowed } from '../src/ux.js';
import { wireLifecycle } from '../src/lifecycle.js';
import { buildContext, buildPageContext } from '../src/context.js';
import { createHelpers } from '../src/helpers.js';
import { createTransport } from '../src/transport.js';
import { fakeEnv, FakeElement, CONTRACT } from '../test-support/fakes.js';

test('ux attribute rule', () => {
  assert.equal(attributeAllowed('div', 'onmouseover', 'x'), false);
  assert.equal(attributeAllowed('div', 'data-x', 'x'), true);
  assert.equal(attributeAllowed('div', '1bad', 'x'), false);
  assert.equal(attributeAllowed('a', 'href', 'https://ok'), true);
  assert.equal(attributeAllowed('a', 'href', 'java\tscript:x'), false);
  assert.equal(attributeAllowed('script', 'class', 'x'), false);
  assert.equal(attributeAllowed('div', 'nonce', 'x'), false);
});

test('lifecycle: load, hide, pagehide, visible, bfcache restore, online/offline; no unload listeners', () => {
  const f = fakeEnv({ readyState: 'loading' });
  const seen = [];
  const host = { onLoad: () => seen.push('load'), onHidden: () => seen.push('hidden'),
    onPageLeave: () => seen.push('leave'),
    onVisible: () => seen.push('visible'), setOnline: (b) => seen.push('online:' + b) };
  const unwire = wireLifecycle(f.env, host);
  for (const t of ['unload', 'beforeunload']) {
    assert.equal(f.window.added.includes(t) || f.document.added.includes(t), false, t);
  }
  f.window.dispatch('load');
  f.window.dispatch('load');
  f.document.visibilityState = 'hidden';
  f.document.dispatch('visibilitychange');
  f.window.dispatch('pagehide', { persisted: true });
  f.window.dispatch('pageshow', { persisted: false });
  f.window.dispatch('pageshow', { persisted: true });
  f.document.visibilityState = 'visible';
  f.document.dispatch('visibilitychange');
  f.window.dispatch('offline');
  f.window.dispatch('online');
  assert.deepEqual(seen, ['load', 'hidden', 'leave', 'visible', 'visible', 'online:false', 'online:true']);
  unwire();
  f.window.dispatch('offline');
  assert.equal(seen.length, 7, 'listeners removed');
  assert.equal(f.window.count('pagehide') + f.document.count('visibilitychange'), 0);
});

test('lifecycle: already-loaded document calls onLoad at once; offline at start reported', () => {
  const f = fakeEnv({ readyState: 'complete', navigator: { onLine: false } });
  const seen = [];
  wireLifecycle(f.env, { onLoad: () => seen.push('load'), onHidden() {}, onVisible() {}, setOnline: (b) => seen.push(b) });
  assert.deepEqual(seen, ['load', false]);
});

test('context: Tracardi keys, utm only present keys, pass params, false flags honoured', () => {
  const f = fakeEnv({ href: 'https://shop.example/p?utm_source=news&utm_campaign=spring&__tr_pid=P1&__tr_src=S1' });
  f.document.jar.set('_ga', 'GA1.2.3');
  const c = buildContext(f.env, {});
  assert.equal(typeof c.time.local, 'string');
  assert.ok(!Number.isNaN(Date.parse(c.time.local)));
  assert.equal(c.browser.local.browser.name, 'chrome');
  assert.equal(c.browser.local.browser.javaEnabled, false);
  assert.equal(c.browser.local.device.platform, 'Linux x86_64');
  assert.deepEqual(c.screen.local, { width: 1920, height: 1080, innerWidth: 1200, innerHeight: 800,
    availWidth: 1920, availHeight: 1050, colorDepth: 24, pixelDepth: 24, orientation: 'landscape-primary' });
  assert.deepEqual(c.utm, { source: 'news', campaign: 'spring' });
  assert.deepEqual(c.tracardi, { pass: { profile: 'P1', source: 'S1' } });
  assert.deepEqual(c.ids, { ga: 'GA1.2.3' });
  const off = buildContext(f.env, { context: { browser: false, screen: false, utm: false, tracardiPass: false } });
  assert.deepEqual(Object.keys(off).sort(), ['ids', 'time']);
  // The _ga cookie rides on every event (as Tracardi's tracker), page or not.
  assert.deepEqual(buildPageContext(f.env, { context: { page: false } }), { ga: 'GA1.2.3' });
  f.document.jar.delete('_ga');
  assert.equal(buildPageContext(f.env, { context: { page: false } }), null);
});

test('context.tracardi.pass holds only the members present in the URL (a null member is a 500 in Tracardi)', () => {
  const only = (q) => buildContext(fakeEnv({ href: 'https://shop.example/p?' + q }).env, {}).tracardi;
  assert.deepEqual(only('__tr_pid=P1'), { pass: { profile: 'P1' } });
  assert.deepEqual(only('__tr_src=S1'), { pass: { source: 'S1' } });
  assert.deepEqual(only('__tr_pid=P1&__tr_src=S1'), { pass: { profile: 'P1', source: 'S1' } });
  // An empty value is as good as absent: Tracardi would strip it to "" and look up nothing.
  assert.deepEqual(only('__tr_pid=&__tr_src=S1'), { pass: { source: 'S1' } });
  assert.equal(only('__tr_pid=&x=1'), undefined);
  assert.equal(only('x=1'), undefined);
  const text = JSON.stringify(buildContext(fakeEnv({ href: 'https://shop.example/p?__tr_pid=P1' }).env, {}));
  assert.ok(!/null/.test(JSON.stringify(JSON.parse(text).tracardi)), text);
});

test('page context: url, path, hash, title, external referer host/query, history length', () => {
  const f = fakeEnv({ href: 'https://shop.example/p/1?x=1#top' });
  f.document.referrer = 'https://www.google.com/search?q=sun+glasses';
  assert.deepEqual(buildPageContext(f.env, {}), { page: { url: 'https://shop.example/p/1?x=1#top',
    path: '/p/1', hash: '#top', title: 'Product 1', referer: { host: 'www.google.com', query: 'sun glasses' },
    history: { length: 2 } } });
  f.document.referrer = 'https://shop.example/home';
  assert.deepEqual(buildPageContext(f.env, {}).page.referer, { host: null, query: null });
});

test('helpers: track forces fire, onClick/addListener return a remover', () => {
  const f = fakeEnv();
  const calls = [];
  const h = createHelpers(f.env, (...a) => calls.push(a));
  h.track('buy', { p: 1 }, { save: false });
  h.track('buy2');
  assert.deepEqual(calls, [['buy', { p: 1 }, { save: false, fire: true }], ['buy2', undefined, { fire: true }]]);
  const el = new FakeElement('button');
  let clicks = 0;
  const remove = h.onClick(el, () => clicks++);
  el.dispatch('click');
  remove();
  el.dispatch('click');
  assert.equal(clicks, 1);
  const off = h.addListener([el], 'mouseover focus', () => clicks++);
  el.dispatch('focus');
  off();
  el.dispatch('mouseover');
  assert.equal(clicks, 2);
});

test('transport: beacon uses an application/json Blob and reports "handed off" (never 2xx) / 0', async () => {
  const sent = [];
  const f = fakeEnv({ navigator: { sendBeacon: (url, blob) => { sent.push([url, blob]); return sent.length === 1; } } });
  const send = createTransport(f.env, CONTRACT);
  const eff = { id: 1, url: 'https://api.example/track', transport: 'beacon', body: '{"a":1}' };
  assert.deepEqual(await send(eff), { status: CONTRACT.STATUS_HANDED_OFF, retryAfter: '', body: '' });
  assert.deepEqual(await send(eff), { status: 0, retryAfter: '', body: '' });
  assert.equal(sent[0][1].type, 'application/json');
  assert.equal(await sent[0][1].text(), '{"a":1}');
  assert.equal(f.fetchCalls.length, 0);
});

test('transport: never rejects (fetch throws synchronously, body read fails)', async () => {
  const f = fakeEnv({ fetchImpl: () => ({ status: 503, headers: { get: () => null }, text: async () => { throw new Error('cut'); } }) });
  assert.deepEqual(await createTransport(f.env, CONTRACT)({ url: 'u', body: '', transport: 'fetch' }), { status: 503, retryAfter: '', body: '' });
  const g = fakeEnv();
  g.env.fetch = () => { throw new TypeError('blocked'); };
  assert.deepEqual(await createTransport(g.env, CONTRACT)({ url: 'u', body: '', transport: 'keepalive' }), { status: 0, retryAfter: '', body: '' });
});

test('trackExternalLinks: listed domains get __tr_pid/__tr_src on click, others untouched', async () => {
  const { wireExternalLinks } = await import('../src/links.js');
  const f = fakeEnv();
  let profile = null;
  const off = wireExternalLinks(f.env, ['partner.example'], () => ({ profile, source: 'src-1' }));
  const a = new FakeElement('a');
  a.href = 'https://shop.partner.example/x?y=1';
  const span = new FakeElement('span');
  span.parentNode = a;
  f.document.dispatch('click', { target: span });
  assert.equal(a.href, 'https://shop.partner.example/x?y=1', 'no profile yet: unchanged');
  profile = 'P1';
  f.document.dispatch('click', { target: span });
  assert.equal(a.href, 'https://shop.partner.example/x?y=1&__tr_pid=P1&__tr_src=src-1');
  const other = new FakeElement('a');
  other.href = 'https://evilpartner.example/';
  f.document.dispatch('click', { target: other });
  assert.equal(other.href, 'https://evilpartner.example/');
  off();
  assert.equal(f.document.count('click'), 0);
});

// Issue 22 (review): the rewritten href stayed on the page after the click, so a link copied or
// shared afterwards carried this visitor's profile id and merged its next visitor into that
// profile. The browser takes the URL while the click is dispatched; the href is restored in the
// next task, exactly as the page wrote it (a relative href stays relative).
test('trackExternalLinks: the href is restored once the click has taken it', async () => {
  const { wireExternalLinks } = await import('../src/links.js');
  const f = fakeEnv();
  wireExternalLinks(f.env, ['partner.example'], () => ({ profile: 'P1', source: 'src-1' }));
  const a = new FakeElement('a');
  a.href = 'https://partner.example/x';
  f.document.dispatch('click', { target: a });
  assert.equal(a.href, 'https://partner.example/x?__tr_pid=P1&__tr_src=src-1', 'what the click follows');
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(a.href, 'https://partner.example/x', 'restored after the click');
  // With the attribute (a real <a>): restored as written.
  const b = new FakeElement('a');
  b.setAttribute('href', '/x');
  b.href = 'https://partner.example/x';
  f.document.dispatch('auxclick', { target: b });
  assert.match(b.href, /__tr_pid=P1/);
  b.setAttribute('href', b.href);  // a real element's href setter writes the attribute
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(b.getAttribute('href'), '/x');
});

test('time zone comes from Temporal when the browser has it (no ICU formatter start-up)', () => {
  const f = fakeEnv();
  f.env.Temporal = { Now: { timeZoneId: () => 'Europe/Warsaw' } };
  assert.equal(buildContext(f.env, {}).time.tz, 'Europe/Warsaw');
  const g = fakeEnv();
  assert.equal(typeof buildContext(g.env, {}).time.tz, 'string');  // Intl fallback
});
