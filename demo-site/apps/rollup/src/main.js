// The queue example of the product document, in a Rollup 4 app. Rollup itself neither resolves
// packages nor emits assets: @rollup/plugin-node-resolve finds wasm-tracker (its "exports"), and
// @web/rollup-plugin-import-meta-assets emits the package's .wasm from
// new URL(..., import.meta.url) (rollup.config.js).
import { createTracker } from 'wasm-tracker';

const status = document.getElementById('status');
const tracker = createTracker(
  { tracker: { url: { api: location.origin }, source: { id: 'demo-source' } } },
  { onReady: (ctx) => { status.textContent = `ready, profile ${ctx && ctx.profile ? ctx.profile.id : '?'}`; } },
);
tracker.track('purchase-order', { product: 'Sun glasses - Badoo', price: 13.45 });
tracker.track('interest', { Eletronics: ['Mobile phones', 'Accessories'] }, { fire: true });
tracker.track('page-view', {});
window.demoTracker = tracker;  // for the e2e test only
