// The queue example of the product document, in a Vite app: the package's .wasm is emitted by
// Vite's own asset handling (new URL(..., import.meta.url) inside the package), nothing copied.
import { createTracker } from 'wasm-tracker';

const status = document.getElementById('status');
// ?api=<origin> sends to a collector elsewhere (the e2e test's dev-server run); default: this origin.
const api = new URLSearchParams(location.search).get('api') || location.origin;
const tracker = createTracker(
  { tracker: { url: { api }, source: { id: 'demo-source' } } },
  { onReady: (ctx) => { status.textContent = `ready, profile ${ctx && ctx.profile ? ctx.profile.id : '?'}`; } },
);
tracker.track('purchase-order', { product: 'Sun glasses - Badoo', price: 13.45 });
tracker.track('interest', { Eletronics: ['Mobile phones', 'Accessories'] }, { fire: true });
tracker.track('page-view', {});
window.demoTracker = tracker;  // for the e2e test only
