// Compiled with `tsc -p test` (noEmit): the snippet's globals (wasm-tracker/global) accept the
// documented usage and reject obvious mistakes.
// Same effect as `/// <reference types="wasm-tracker/global" />` in an app (that directive does not
// resolve through a package's self-reference, the import form does).
import type {} from 'wasm-tracker/global';

tracker.track('purchase-order', { product: 'Sun glasses - Badoo', price: 13.45 });
tracker.track('interest', { Eletronics: ['Mobile phones', 'Accessories'] }, { fire: true });
globalThis.tracker.track('page-view', {});
window.tracker.track('page-view', {});
window.response.context = { consent: true };
window.onTracardiReady.bind((p) => { void p.helpers?.onClick('#buy', () => {}); });
tracker.flush?.();
void tracker.ready?.then((ok: boolean) => ok);
response.context['profile'] = true;
onTracardiReady.bind(({ tracker: t, helpers, context, config }) => {
  t.track('ready', {});
  helpers?.track('fired', { a: 1 });
  if (context) void context['profile'];
  void config.tracker.source.id;
});
// Responses to the page: helpers.track resolves with the answer; track with fire may (after load).
onTracardiReady.bind(async ({ helpers }) => {
  if (!helpers) return;
  const answer = await helpers.track('purchase', { total: 1 });
  if (answer.ok && answer.data) void answer.data['profile'];
  const n: number = answer.status;
  void n;
  const maybe = tracker.track('now', {}, { fire: true });
  if (maybe) void (await maybe).ok;
});
// @ts-expect-error a plain track() returns nothing to await on
void tracker.track('x', {}).then;

// @ts-expect-error onTracardiReady is a hook object: bind listeners, do not call it
onTracardiReady(() => {});
// @ts-expect-error track needs an event type
tracker.track();
// @ts-expect-error response.context is an object
response.context = 'x';
