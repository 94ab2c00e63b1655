// A server component: prerendered at build time in Node, where createTracker() is the no-op
// tracker (the build log shows its one-line note). The page says which one it got.
import Link from 'next/link';
import { createTracker } from 'wasm-tracker';

export default async function Home() {
  const onServer = createTracker({ tracker: { url: { api: 'http://127.0.0.1' }, source: { id: 'ssr' } } });
  onServer.track('never-sent', {});
  const live = await onServer.ready;
  return (
    <main>
      <h1>Next.js app using the wasm-tracker npm package</h1>
      <p>Look for: <code>interest</code> (fire) alone in the first request, then
        <code> purchase-order</code> and <code>page-view</code> together after load; one
        more <code>page-view</code> for each client-side navigation (<code>settings.pageViews</code>).</p>
      <p id="ssr" data-tracker={live ? 'live' : 'no-op'}>prerendered with a {live ? 'live' : 'no-op'} tracker</p>
      <Link id="to-about" href="/about/">About (client-side navigation)</Link>
    </main>
  );
}
