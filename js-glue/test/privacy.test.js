// Issue 22, the glue's privacy controls: the widget attribute allow-list, settings.redact and
// settings.beforeSend. Unit tests on the fakes; the browser's side is e2e-tests/tests/privacy.spec.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUxInjector, attributeAllowed } from '../src/ux.js';
import { fakeEnv } from '../test-support/fakes.js';

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
