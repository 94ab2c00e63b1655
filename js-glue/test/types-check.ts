// Compiled with `tsc -p test` (noEmit): the public types accept the documented usage and reject
// obvious mistakes.
import { createTracker, type Tracker, type TrackOptions, type TrackAnswer } from 'wasm-tracker';

const t: Tracker = createTracker(
  { tracker: { url: { api: 'https://api.example', script: null }, source: { id: 'src' },
    profile: { id: '0adfd4c8-36eb-40cd-9350-5df37706286a' },
    context: { screen: false },
    settings: { respectDoNotTrack: true, transport: 'fetch', pageViews: 'history', debug: true } } },
  { onReady: (ctx) => { if (ctx) void ctx['profile']; }, getPayloadOptions: () => ({ profile: true }) },
);
t.track('page-view');
t.track('purchase-order', { product: 'Sun glasses - Badoo', price: 13.45 });
const opts: TrackOptions = { fire: true, save: false };
t.track('interest', { Eletronics: ['Mobile phones', 'Accessories'] }, opts);
// A fire event's call returns a Promise of its answer.
void t.track('paid', { total: 1 }, { fire: true }).then((a: TrackAnswer) => {
  if (a.ok && a.data) void a.data['profile'];
  const s: number = a.status;
  void s;
});
t.flush();
void t.ready.then((ok: boolean) => ok);
const s = t.stats();
if (s) void s.dropped['queue_full'];
t.destroy();

// @ts-expect-error the source id is required
createTracker({ tracker: { url: { api: 'x' } } });
// @ts-expect-error transport is fetch or beacon
createTracker({ tracker: { url: { api: 'x' }, source: { id: 's' }, settings: { transport: 'xhr' } } });
// @ts-expect-error pageViews is "history" (or false)
createTracker({ tracker: { url: { api: 'x' }, source: { id: 's' }, settings: { pageViews: 'hash' } } });
// settings.redact and settings.beforeSend (issue 22).
createTracker({ tracker: { url: { api: 'x' }, source: { id: 's' }, settings: {
  redact: { params: ['token', 'email'] },
  beforeSend: (e) => (e.type === 'debug' ? null : { ...e, properties: { ...e.properties, masked: true } }),
} } });
// @ts-expect-error redact.params is a list of names
createTracker({ tracker: { url: { api: 'x' }, source: { id: 's' }, settings: { redact: { params: 'token' } } } });
// @ts-expect-error beforeSend returns an event or null
createTracker({ tracker: { url: { api: 'x' }, source: { id: 's' }, settings: { beforeSend: () => true } } });
// @ts-expect-error track returns nothing to await on
t.track('x').then();
