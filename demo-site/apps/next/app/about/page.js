import Link from 'next/link';

export const metadata = { title: 'About - wasm-tracker in a Next.js app' };

export default function About() {
  return (
    <main>
      <h1>About</h1>
      <p>Reached by a client-side navigation: the tracker in the root layout counted it as a page
        view (<code>settings.pageViews: &quot;history&quot;</code>).</p>
      <Link id="to-home" href="/">Home</Link>
    </main>
  );
}
