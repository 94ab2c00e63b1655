'use client';
// The tracker lives in a client component of the root layout, so it survives client-side
// navigations (a tracker created per page would be destroyed by each one). It is created after
// hydration; during prerender (SSR) this module is imported too and the package's "node" export
// gives the no-op tracker, so nothing here needs a `typeof window` check.
import { useEffect } from 'react';
import { createTracker } from 'wasm-tracker';

export default function Tracker() {
  useEffect(() => {
    const status = document.getElementById('status');
    const tracker = createTracker(
      { tracker: { url: { api: location.origin }, source: { id: 'demo-source' },
        settings: { pageViews: 'history' } } },  // a page-view per client-side navigation
      { onReady: (ctx) => { status.textContent = `ready, profile ${ctx && ctx.profile ? ctx.profile.id : '?'}`; } },
    );
    // The product document's queue example.
    tracker.track('purchase-order', { product: 'Sun glasses - Badoo', price: 13.45 });
    tracker.track('interest', { Eletronics: ['Mobile phones', 'Accessories'] }, { fire: true });
    tracker.track('page-view', {});
    window.demoTracker = tracker;  // for the e2e test only
    return () => tracker.destroy();
  }, []);
  return <p id="status">loading…</p>;
}
