// A web app using the npm package: no globals, no snippet.
import { createTracker } from 'wasm-tracker';

const status = document.getElementById('status');
const tracker = createTracker(
  { tracker: { url: { api: location.origin }, source: { id: 'demo-source' } } },
  { onReady: (context) => { status.textContent = `ready, profile ${context && context.profile ? context.profile.id : '?'}`; } },
);
tracker.track('app-page-view', { bundled: true });
document.getElementById('buy').addEventListener('click', () => {
  tracker.track('app-purchase', { sku: 'sun-glasses' }, { fire: true });
  status.textContent = 'purchase sent';
});
window.demoTracker = tracker;  // for the e2e test only
