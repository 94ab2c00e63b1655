// The queue example of the product document, in a Parcel 2 app with Parcel's default
// configuration (no .parcelrc, no package-exports opt-in): Parcel resolves the package through
// its "module" field and emits the .wasm from new URL(..., import.meta.url) inside the package.
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
