// Issue 22, the glue's privacy controls: the widget attribute allow-list, settings.redact and
// settings.beforeSend. Unit tests on the fakes; the browser's side is e2e-tests/tests/privacy.spec.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUxInjector, attributeAllowed } from '../src/ux.js';
import { buildContext, buildPageContext } from '../src/context.js';
import { readContextSources } from '../src/context-sources.js';
import { redactUrl } from '../src/redact.js';
import { boot } from '../src/tracker-runtime.js';
import { runLoader } from '../src/loader-snippet.js';
import { createTracker } from '../src/index.js';
import { FakeCore, fakeEnv, fakeFactory, tick, OPTIONS } from '../test-support/fakes.js';

const TRACKER = { url: { api: 'https://api.example:8686' }, source: { id: 's' } };

test('ux: a widget <button> cannot submit, reset or retarget a form of the page', () => {
  const f = fakeEnv();
  const inject = createUxInjector(f.env, TRACKER);
  inject([
    { tag: 'button', props: { id: 'b1', form: 'login', formaction: 'https://evil.example/steal',
      formmethod: 'post', formtarget: '_blank', formenctype: 'text/plain', formnovalidate: '',
      type: 'submit', name: 'n', value: 'v' }, content: 'Win' },
    { tag: 'button', props: { id: 'b2', type: 'reset' } },
    { tag: 'button', props: { id: 'b3', popovertarget: 'menu', command: 'show-modal', commandfor: 'dlg' } },
    { tag: 'button', props: { id: 'b4', type: 'button', disabled: '' } },
  ]);
  const [b1, b2, b3, b4] = f.document.body.children;
  // The default type of a button is "submit": every widget button is type="button", given or not.
  assert.deepEqual(b1.attributes, { id: 'b1', name: 'n', value: 'v', type: 'button' });
  assert.deepEqual(b2.attributes, { id: 'b2', type: 'button' });
  assert.deepEqual(b3.attributes, { id: 'b3', type: 'button' });
  assert.deepEqual(b4.attributes, { id: 'b4', type: 'button', disabled: '' });
  const warned = f.logs.warn.map((a) => a[0]).join('\n');
  for (const a of ['form', 'formaction', 'formmethod', 'formtarget', 'formenctype', 'formnovalidate', 'popovertarget']) {
    assert.match(warned, new RegExp(`attribute "${a}" on <button> skipped`));
  }
});

test('ux: links and images carry only their own attributes (no ping, no download, no name), URLs still checked', () => {
  const f = fakeEnv();
  const inject = createUxInjector(f.env, TRACKER);
  inject([
    { tag: 'a', props: { href: 'https://shop.example/offer', target: '_blank', rel: 'noopener',
      ping: 'https://evil.example/ping', download: 'x.html', referrerpolicy: 'unsafe-url', hreflang: 'en' }, content: 'offer' },
    { tag: 'a', props: { href: 'javascript:alert(1)', title: 't' } },
    { tag: 'img', props: { src: 'https://cdn.example/p.png', alt: 'p', width: 10, height: 20, loading: 'lazy',
      decoding: 'async', name: 'cookie', srcset: 'https://evil.example/1x.png 1x', usemap: '#m', ismap: '' } },
    { tag: 'img', props: { src: 'data:image/svg+xml,<svg/>', alt: 'd' } },
  ]);
  const [a1, a2, img, img2] = f.document.body.children;
  assert.deepEqual(a1.attributes, { href: 'https://shop.example/offer', target: '_blank', rel: 'noopener' });
  assert.deepEqual(a2.attributes, { title: 't' });
  assert.deepEqual(img.attributes, { src: 'https://cdn.example/p.png', alt: 'p', width: '10', height: '20',
    loading: 'lazy', decoding: 'async' });
  assert.deepEqual(img2.attributes, { alt: 'd' });
});

test('ux: global attributes Tracardi widgets use stay (class, id, data-*, aria-*, role, ...); style, is and slot do not', () => {
  const f = fakeEnv();
  const inject = createUxInjector(f.env, TRACKER);
  // Tracardi's consent bar, as its UIX plugin sends it, plus the other global attributes allowed.
  const consent = { class: 'tracardi-uix-consent', 'data-endpoint': 'https://api.example:8686',
    'data-event-type': 'user-consent-pref', 'data-expand-height': 400, 'data-profile': 'p1' };
  inject([
    { tag: 'div', props: { ...consent, id: 'c', title: 'x', lang: 'en', dir: 'ltr', role: 'dialog',
      hidden: '', tabindex: '0', 'aria-label': 'Consent', 'ARIA-HIDDEN': 'false' } },
    { tag: 'div', props: { style: 'position:fixed;inset:0;background:url(https://evil.example/x)',
      is: 'page-widget', slot: 's', contenteditable: 'true', autofocus: '', 'data-ok': '1' } },
    // Zendesk's widget: its script finds itself by id.
    { tag: 'script', props: { src: 'https://api.example:8686/uix/ze.js', id: 'ze-snippet', class: 'x', async: '' } },
    { tag: 'iframe', props: { src: 'https://api.example:8686/uix/f.html', width: 300, height: 200,
      title: 'w', name: 'getElementById', allow: 'camera', loading: 'lazy' } },
  ]);
  const [div, div2, script, iframe] = f.document.body.children;
  assert.deepEqual(div.attributes, { ...consent, 'data-expand-height': '400', id: 'c', title: 'x', lang: 'en',
    dir: 'ltr', role: 'dialog', hidden: '', tabindex: '0', 'aria-label': 'Consent', 'aria-hidden': 'false' });
  assert.deepEqual(div2.attributes, { 'data-ok': '1' });
  assert.deepEqual(script.attributes, { src: 'https://api.example:8686/uix/ze.js', id: 'ze-snippet', async: '' });
  assert.deepEqual(iframe.attributes, { src: 'https://api.example:8686/uix/f.html', width: '300', height: '200',
    title: 'w', loading: 'lazy' });
});

test('ux attribute allow-list: per tag, case-insensitive names, URL attributes still checked', () => {
  assert.equal(attributeAllowed('a', 'HREF', 'https://ok'), true);
  assert.equal(attributeAllowed('a', 'href', ' java\tscript:x'), false);
  assert.equal(attributeAllowed('img', 'src', 'vbscript:x'), false);
  assert.equal(attributeAllowed('div', 'href', 'https://ok'), false);
  assert.equal(attributeAllowed('span', 'src', 'https://ok'), false);
  assert.equal(attributeAllowed('a', 'ping', 'https://ok'), false);
  assert.equal(attributeAllowed('button', 'form', 'login'), false);
  assert.equal(attributeAllowed('button', 'formaction', 'https://ok'), false);
  assert.equal(attributeAllowed('button', 'type', 'submit'), false);
  assert.equal(attributeAllowed('button', 'type', 'button'), true);
  assert.equal(attributeAllowed('div', 'style', 'color:red'), false);
  assert.equal(attributeAllowed('div', 'data-x', 'x'), true);
  assert.equal(attributeAllowed('div', 'onclick', 'x'), false);
  assert.equal(attributeAllowed('div', 'data-', 'x'), false);
  assert.equal(attributeAllowed('script', 'aria-label', 'x'), false);
  assert.equal(attributeAllowed('script', 'nonce', 'x'), false);
  assert.equal(attributeAllowed('iframe', 'srcdoc', '<b>'), false);
});

// settings.redact: {params: [...]}: the listed query parameters never leave the page.
const REDACT = { settings: { redact: { params: ['token', 'Email', 'q'] } } };

test('redact: the listed parameters leave the page URL, its fragment\'s query and the referrer; names match case-insensitively', () => {
  const f = fakeEnv({ href: 'https://shop.example/p/1?TOKEN=abc&x=1&e%6Dail=a%40b.c&y=a%20b#/done?token=t2&z=3' });
  f.document.referrer = 'https://www.google.com/search?q=my+name&token=r1&hl=en';
  const { page } = buildPageContext(f.env, REDACT);
  assert.equal(page.url, 'https://shop.example/p/1?x=1&y=a%20b#/done?z=3');
  assert.equal(page.hash, '#/done?z=3');
  assert.equal(page.path, '/p/1');
  assert.deepEqual(page.referer, { host: 'www.google.com', query: null });
  assert.doesNotMatch(JSON.stringify(page), /abc|a%40b|t2|my\+name|r1/);
  // Without the option, nothing changes.
  assert.equal(buildPageContext(f.env, {}).page.url, f.env.location.href);
});

test('redact: URLs keep every other byte; a URL left with nothing loses its ? and #', () => {
  const names = ['token', 'access_token', 'email', 'user[email]'];
  const cases = [
    ['https://a.example/?token=1', 'https://a.example/'],
    ['https://a.example/?token', 'https://a.example/'],
    ['https://a.example/?a=1&token=1&b=%20+&c', 'https://a.example/?a=1&b=%20+&c'],
    ['https://a.example/?token=1&token=2#x', 'https://a.example/#x'],
    ['https://a.example/cb#access_token=s3cr3t&token_type=bearer', 'https://a.example/cb#token_type=bearer'],
    ['https://a.example/cb#access_token=s3cr3t', 'https://a.example/cb'],
    ['https://a.example/?tokens=1&my_token=2&token_x=3', 'https://a.example/?tokens=1&my_token=2&token_x=3'],
    ['https://a.example/?EMAIL=1&Em%41il=2&e+mail=3', 'https://a.example/?e+mail=3'],
    ['https://a.example/?user%5Bemail%5D=j%40x&user%5Bname%5D=j', 'https://a.example/?user%5Bname%5D=j'],
    ['https://a.example/?%E0%A4%A=1&token=2', 'https://a.example/?%E0%A4%A=1'],
    ['https://a.example/path#top', 'https://a.example/path#top'],
    ['', ''],
  ];
  const t = { settings: { redact: { params: names } } };
  for (const [url, want] of cases) assert.equal(redactUrl(url, t), want, url);
  assert.equal(redactUrl('https://a.example/?token=1', {}), 'https://a.example/?token=1');
});

test('redact: utm and __tr_pid/__tr_src are read from the redacted query', () => {
  const f = fakeEnv({ href: 'https://shop.example/p?utm_source=news&utm_campaign=c-for-jane@x.com&__tr_pid=P1&__tr_src=S1' });
  const ctx = buildContext(f.env, { settings: { redact: { params: ['UTM_campaign', '__tr_pid'] } } });
  assert.deepEqual(ctx.utm, { source: 'news' });
  assert.deepEqual(ctx.tracardi, { pass: { source: 'S1' } });
});

test('redact: a malformed option is one console error naming settings.redact.params, at start; what can be read still counts', () => {
  // Checked once where the tracker reads its context sources (once per tracker).
  const check = (redact) => {
    const f = fakeEnv({ href: 'https://shop.example/p?token=abc&x=1' });
    const t = { ...TRACKER, settings: { redact } };
    readContextSources(f.env, { tracker: t });
    const url = buildPageContext(f.env, t).page.url;
    buildPageContext(f.env, t);
    buildContext(f.env, t);
    return { url, errors: f.logs.error.map((a) => a.join(' ')) };
  };
  const wrong = check({ params: 'token' });
  assert.equal(wrong.url, 'https://shop.example/p?token=abc&x=1');
  assert.equal(wrong.errors.length, 1);
  assert.match(wrong.errors[0], /settings\.redact\.params/);
  // Strings among other values: those are redacted, the rest named.
  const mixed = check({ params: ['token', 7, null] });
  assert.equal(mixed.url, 'https://shop.example/p?x=1');
  assert.equal(mixed.errors.length, 1);
  assert.match(mixed.errors[0], /settings\.redact\.params/);
  for (const redact of [true, 'token', ['token'], {}, { params: {} }]) {
    assert.equal(check(redact).errors.length, 1, JSON.stringify(redact));
  }
  assert.deepEqual(check({ params: [] }).errors, []);
  assert.deepEqual(check(undefined).errors, []);
  assert.deepEqual(check(null).errors, []);
});

test('redact: what the tracker hands the core, live and for calls kept by an earlier page, carries no listed parameter', async () => {
  const f = fakeEnv({ href: 'https://shop.example/welcome?token=abc&utm_source=mail&email=jane%40x.com' });
  f.document.referrer = 'https://mail.example/inbox?token=zzz';
  f.window.options = structuredClone(OPTIONS);
  f.window.options.tracker.settings = { redact: { params: ['token', 'email'] } };
  // A call an earlier page kept (its visitor left before its core ran): replayed with its page.
  f.storage.setItem('wasm-tracker:stub:v1:' + OPTIONS.tracker.source.id, JSON.stringify([{
    u: 'https://shop.example/reset?token=old&step=2', t: 'Reset', r: 'https://shop.example/?email=a%40b', d: 0,
    c: [[['kept', {}], 12345]] }]));
  FakeCore.instances.length = 0;
  boot({ env: f.env, factory: fakeFactory(), scriptSrc: 'https://cdn.example/t/liliput.min.js' });
  f.window.tracker.track('live', {});
  await tick();
  await tick();
  const core = FakeCore.instances[0];
  assert.deepEqual(core.named('track').map((c) => c[1]), ['kept', 'live']);
  const handed = core.calls.filter((c) => /^set(Page)?Context$/.test(c[0])).map((c) => c[1]);
  const pages = handed.map((t) => JSON.parse(t || '{}').page?.url).filter(Boolean);
  assert.deepEqual([...new Set(pages)].sort(), ['https://shop.example/reset?step=2', 'https://shop.example/welcome?utm_source=mail']);
  assert.doesNotMatch(handed.join('\n'), /abc|old|zzz|jane|a%40b|token|email/);
});

// settings.beforeSend(event): called at intake for each event; an edited event, or null to drop.
// A page whose loader stub queued calls (the tracker script not run yet), then the script.
async function hooked(beforeSend, before = () => {}, extraTracker = {}) {
  const f = fakeEnv();
  f.window.options = structuredClone(OPTIONS);
  Object.assign(f.window.options.tracker, extraTracker);
  f.window.options.tracker.settings = { beforeSend };
  runLoader(f.window, f.document, f.env.navigator, f.env.console);
  before(f);
  FakeCore.instances.length = 0;
  boot({ env: f.env, factory: fakeFactory(), scriptSrc: 'https://cdn.example/t/liliput.min.js' });
  await tick();
  await tick();
  const core = FakeCore.instances[0];
  const tracked = () => core.named('track').map((c) => [c[1], c[2] ? JSON.parse(c[2]) : undefined,
    c[3] ? JSON.parse(c[3]) : undefined]);
  return { f, core, tracked };
}

test('beforeSend: sees {type, properties, options}, edits them or drops the event (null); stub calls, auto.events and kept calls pass through it too', async () => {
  const seen = [];
  const hook = (e) => {
    seen.push(structuredClone(e));
    if (e.type === 'secret') return null;
    if (e.properties?.email) delete e.properties.email;
    return { ...e, type: e.type.toUpperCase(), options: { ...e.options, screened: true } };
  };
  const { f, tracked } = await hooked(hook, (g) => {
    g.window.tracker.track('queued', { email: 'jane@x.com', n: 1 }, { save: false });  // before the script ran
    g.window.tracker.track('secret', { pin: 1234 });
    g.storage.setItem('wasm-tracker:stub:v1:' + OPTIONS.tracker.source.id, JSON.stringify([{
      u: 'https://shop.example/', t: 'T', r: '', d: 0, c: [[['kept', { email: 'a@b' }], 12345], [['secret', {}], 12346]] }]));
  }, { auto: { events: [['auto-view', { email: 'x@y' }]] } });
  f.window.tracker.track('live', { email: 'live@x', k: 2 });
  f.window.tracker.track('secret', {});
  await tick();
  assert.deepEqual(tracked(), [
    ['KEPT', {}, { screened: true }],
    ['QUEUED', { n: 1 }, { save: false, screened: true }],
    ['AUTO-VIEW', {}, { screened: true }],
    ['LIVE', { k: 2 }, { screened: true }],
  ]);
  assert.deepEqual(seen.map((e) => e.type), ['kept', 'secret', 'queued', 'secret', 'auto-view', 'live', 'secret']);
  assert.deepEqual(seen[2], { type: 'queued', properties: { email: 'jane@x.com', n: 1 }, options: { save: false } });
  assert.equal(f.logs.error.length + f.logs.warn.length, 0);
});

test('beforeSend: a dropped fire event\'s promise resolves with status 0, never stays pending', async () => {
  const { f, core } = await hooked((e) => (e.type === 'drop-me' ? null : e), (g) => {
    g.window.tracker.track('drop-me', {}, { fire: true });  // before the script: the stub's queue
  });
  const live = f.window.tracker.track('drop-me', {}, { fire: true });
  const helper = f.window.tracker.helpers.track('drop-me', {});
  const kept = f.window.tracker.track('kept', {}, { fire: true });
  assert.deepEqual(await live, { status: 0, ok: false, data: null });
  assert.deepEqual(await helper, { status: 0, ok: false, data: null });
  assert.equal((await kept).status, 200);
  assert.deepEqual(core.named('track').map((c) => c[1]), ['kept']);
  // Edited out of fire by the hook: the call still returns its promise, answered with status 0.
  const { f: g } = await hooked((e) => ({ ...e, options: {} }));
  assert.deepEqual(await g.window.tracker.track('x', {}, { fire: true }), { status: 0, ok: false, data: null });
});

test('beforeSend: a hook that throws, or answers no event, leaves the event as it was and says so once', async () => {
  const answers = [() => { throw new Error('boom'); }, () => undefined, () => 'x', () => ({ type: '' }),
    () => ({ type: 'x', properties: 'text' }), () => ({ type: 'x', options: [1] }), () => Promise.resolve(null),
    (e) => { e.properties.mutated = true; throw new Error('after editing its argument'); }];
  let i = 0;
  const { f, tracked } = await hooked((e) => answers[i++](e));
  for (let k = 0; k < answers.length; k++) f.window.tracker.track('ev' + k, { a: k }, { save: false });
  await tick();
  assert.deepEqual(tracked(), answers.map((_, k) => ['ev' + k, { a: k }, { save: false }]));
  const said = [...f.logs.error, ...f.logs.warn];
  assert.equal(said.length, 1);
  assert.match(said[0].join(' '), /settings\.beforeSend/);
  assert.match(said[0].join(' '), /boom/);
});

test('beforeSend: track() called by the hook itself is tracked as called (no loop); a non-function is ignored with an error', async () => {
  let calls = 0;
  const { f, tracked } = await hooked((e) => {
    calls++;
    if (e.type === 'outer') f.window.tracker.track('inner', {});
    return e;
  });
  f.window.tracker.track('outer', {});
  await tick();
  assert.equal(calls, 1);
  assert.deepEqual(tracked().map((t) => t[0]).sort(), ['inner', 'outer']);

  const { f: g, tracked: t2 } = await hooked('not a function');
  g.window.tracker.track('plain', { a: 1 });
  await tick();
  assert.deepEqual(t2(), [['plain', { a: 1 }, undefined]]);
  assert.equal(g.logs.error.filter((a) => /settings\.beforeSend/.test(a.join(' '))).length, 1);
});

test('beforeSend: the npm entry\'s createTracker passes its calls through it too', async () => {
  const f = fakeEnv();
  FakeCore.instances.length = 0;
  const t = createTracker({ tracker: { ...OPTIONS.tracker, settings: { beforeSend: (e) => (e.type === 'no' ? null : e) } } },
    { env: f.env, factory: fakeFactory(), wasmUrl: 'https://cdn.example/t.wasm', loadExtras: async () => ({}) });
  t.track('no', {});
  t.track('yes', {});
  await t.ready;
  await tick();
  assert.deepEqual(FakeCore.instances[0].named('track').map((c) => c[1]), ['yes']);
  t.destroy();
});
